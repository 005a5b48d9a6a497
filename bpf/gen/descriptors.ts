// Loads and checks the eBPF probe descriptors (bpf/probes/<name>.yaml) against their JSON schema,
// the C wire headers and the probe's program source (SEC()s; a tc probe's maps and rodata too), so a descriptor that disagrees with its C
// side fails `npm run generate` with the file and the field, not a probe at run time.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { flatFields, parseHeaders, type CField, type CHeader } from './c-header.js';

export interface ProgramDescriptor {
  readonly program: string;
  readonly hook: string;
  /** tc probes: how the attach layer links it */
  readonly role?: 'rx' | 'tx' | 'cg_rx' | 'cg_tx';
}
export interface RodataDescriptor {
  readonly var: string;
  readonly option: 'subsys_mode' | 'softirq_mask';
  readonly when_set?: boolean;
}
export interface LatencyDescriptor {
  readonly metrics: readonly string[];
  readonly scope: 'netns' | 'node';
  readonly thresholds_ns: readonly [number, number];
  readonly event_level: 0 | 1 | 2;
  readonly track_entries?: number;
}
export interface ProbeDescriptor {
  readonly name: string;
  readonly kind: 'event' | 'latency';
  readonly record: string;
  readonly programs: readonly ProgramDescriptor[];
  readonly count_code?: 'reset_kind_reason' | 'drop_reason' | 'tcp_state' | 'none';
  readonly options?: readonly ('reasons' | 'softirq_mask')[];
  readonly defaults?: Readonly<Record<string, number>>;
  readonly rodata?: readonly RodataDescriptor[];
  readonly post_load?: 'configure_reasons';
  readonly variants?: boolean;
  readonly latency?: LatencyDescriptor;
}

/** A const volatile of a tc probe's program set from one of its options before load. */
export interface TcRodata {
  readonly var: string;
  /** 1 when the option is not 0 */
  readonly nonzero?: boolean;
  /** the option times this */
  readonly scale?: number;
}
export interface TcOptionDescriptor {
  readonly name: string;
  readonly type: 'u32' | 'bool' | 'choice' | 'list';
  readonly min?: number;
  readonly max?: number;
  readonly default?: number | boolean | string;
  readonly values?: readonly string[];
  /** list: how many, resolved from the header's #define when a name */
  readonly max_count?: number | string;
  readonly keep?: boolean;
  readonly describe?: boolean;
  readonly hint?: string;
  readonly rodata?: string | TcRodata | readonly (string | TcRodata)[];
}
export interface TcMapDescriptor {
  readonly map: string;
  readonly entries?: string;
  readonly role?: 'owner';
}
/** A probe whose programs the agent attaches per interface (and cgroup) through the helper's
 *  command of the probe's name (bpf/helper/tcx.c), not the load table. */
export interface TcProbeDescriptor {
  readonly name: string;
  readonly kind: 'tc';
  readonly programs: readonly (ProgramDescriptor & { readonly role: 'rx' | 'tx' | 'cg_rx' | 'cg_tx' })[];
  readonly maps: readonly TcMapDescriptor[];
  readonly options: readonly TcOptionDescriptor[];
  readonly verbs?: readonly string[];
  readonly header?: string;
  readonly layouts?: readonly string[];
}

/** One wire record: its struct, type number, version and every field the decoder may read. */
export interface RecordLayout {
  readonly name: string;
  readonly struct: string;
  readonly type: number;
  readonly version: number;
  readonly size: number;
  readonly fields: readonly CField[];
}

export interface BpfModel {
  readonly probes: readonly ProbeDescriptor[];
  /** the tc probes (kind tc), by name; list options' max_count resolved to a number */
  readonly tcProbes: readonly TcProbeDescriptor[];
  readonly defaults: Readonly<Record<string, number>>;
  readonly header: CHeader;
  /** hdr, count_key and every struct that starts with a struct ks_hdr (records), by name */
  readonly layouts: readonly RecordLayout[];
  /** a probe's own wire header, bpf/probes/<name>.h (its record struct), by file name */
  readonly probeHeaders: readonly string[];
}

const DESCRIPTOR_DIR = join('bpf', 'probes');
const NOT_PROBES = new Set(['defaults.yaml']);

/** The model every generated file is rendered from; throws one message naming every problem. */
export function loadBpfModel(root: string): BpfModel {
  const problems: string[] = [];
  const dir = join(root, DESCRIPTOR_DIR);
  const probeHeaders = readdirSync(dir)
    .filter((f) => f.endsWith('.h'))
    .sort();
  const headerFiles = [join('bpf', 'include', 'ks_proto.h'), ...probeHeaders.map((f) => join(DESCRIPTOR_DIR, f))];
  const read = (p: string) => ({ path: p, text: readFileSync(join(root, p), 'utf8') });
  const header = parseHeaders(headerFiles.map(read));
  const schema = JSON.parse(readFileSync(join(root, 'bpf', 'gen', 'descriptor.schema.json'), 'utf8')) as object;
  const validate = new Ajv({ allErrors: true }).compile(schema);
  const defaults = parseYaml(readFileSync(join(dir, 'defaults.yaml'), 'utf8')) as Record<string, number>;
  const probes: ProbeDescriptor[] = [];
  const tcProbes: TcProbeDescriptor[] = [];
  const tcLayouts: RecordLayout[] = [];
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.yaml') && !NOT_PROBES.has(x))
    .sort()) {
    const where = join(DESCRIPTOR_DIR, f);
    let d: unknown;
    try {
      d = parseYaml(readFileSync(join(dir, f), 'utf8'));
    } catch (e) {
      problems.push(`${where}: not YAML: ${(e as Error).message}`);
      continue;
    }
    if (!validate(d)) {
      for (const e of validate.errors ?? [])
        problems.push(`${where}: at ${e.instancePath || '/'}: ${e.message ?? 'invalid'}`);
      continue;
    }
    const p = d as ProbeDescriptor | TcProbeDescriptor;
    if (`${p.name}.yaml` !== f)
      problems.push(`${where}: name ${p.name}, expected the file's name ${f.replace(/\.yaml$/, '')}`);
    if (p.kind === 'tc') {
      const own =
        p.header === undefined ? header : parseHeaders([read(headerFiles[0]!), read(join('bpf', 'include', p.header))]);
      tcProbes.push(checkTc(where, p, root, own, tcLayouts, problems));
      continue;
    }
    problems.push(...checkAgainstC(where, p, root, header));
    probes.push(p);
  }
  const layouts = recordLayouts(header, problems);
  for (const l of tcLayouts) {
    if (layouts.some((x) => x.name === l.name)) problems.push(`layout ${l.name}: named twice`);
    else if (l.type !== 0 && layouts.some((x) => x.type === l.type))
      problems.push(`layout ${l.name}: record type ${l.type} is another record's already`);
    else layouts.push(l);
  }
  const records = new Set(layouts.map((l) => l.name));
  for (const p of probes)
    if (!records.has(p.record))
      problems.push(
        `bpf/probes/${p.name}.yaml: record ${p.record}: no struct ks_${p.record} starting with struct ks_hdr hdr`,
      );
  const metricOwner = new Map<string, string>();
  for (const p of probes) {
    for (const m of p.latency?.metrics ?? []) {
      const prev = metricOwner.get(m);
      if (prev) problems.push(`bpf/probes/${p.name}.yaml: latency metric ${m} is ${prev}'s already`);
      metricOwner.set(m, p.name);
    }
  }
  if (problems.length > 0)
    throw new Error(`the eBPF probe descriptors have ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  return { probes, tcProbes, defaults, header, layouts, probeHeaders };
}

/** The SEC() of every program of bpf/probes/<name>.bpf.c, by program name. */
function programSections(text: string): Map<string, string> {
  const secs = new Map<string, string>();
  for (const m of text.matchAll(/SEC\("([^"]+)"\)\s*int\s+(?:BPF_\w+\()?(\w+)/g)) secs.set(m[2]!, m[1]!);
  return secs;
}

/** A tc descriptor against its program (SEC()s, maps, rodata, in the .bpf.c and the ks_*.bpf.h it
 *  includes) and its header (layouts, list sizes); its layouts are added to `layouts`. */
function checkTc(
  where: string,
  p: TcProbeDescriptor,
  root: string,
  h: CHeader,
  layouts: RecordLayout[],
  problems: string[],
): TcProbeDescriptor {
  const src = join(root, DESCRIPTOR_DIR, `${p.name}.bpf.c`);
  if (!existsSync(src)) {
    problems.push(`${where}: no program bpf/probes/${p.name}.bpf.c`);
    return p;
  }
  const text = readFileSync(src, 'utf8');
  // the maps and rodata of the common headers it includes are its own too (events, counts, rates)
  let all = text;
  for (const m of text.matchAll(/#include\s+"(ks_\w+\.bpf\.h)"/g)) {
    const inc = join(root, 'bpf', 'include', m[1]!);
    if (existsSync(inc)) all += readFileSync(inc, 'utf8');
  }
  const secs = programSections(text);
  for (const prog of p.programs) {
    const hook = secs.get(prog.program);
    if (hook === undefined) problems.push(`${where}: program ${prog.program} is not in ${p.name}.bpf.c`);
    else if (hook !== prog.hook)
      problems.push(`${where}: program ${prog.program}: hook ${prog.hook}, the source says SEC("${hook}")`);
    const expect = prog.role.startsWith('cg_') ? `cgroup_skb/${prog.role === 'cg_rx' ? 'ingress' : 'egress'}` : 'tc';
    if (prog.hook !== expect)
      problems.push(`${where}: program ${prog.program}: role ${prog.role} needs hook ${expect}`);
  }
  for (const name of secs.keys())
    if (!p.programs.some((x) => x.program === name))
      problems.push(`${where}: program ${name} of ${p.name}.bpf.c is not listed`);
  for (const role of ['rx', 'tx', 'cg_rx', 'cg_tx'] as const) {
    const n = p.programs.filter((x) => x.role === role).length;
    const need = role.startsWith('cg_') ? p.programs.some((x) => x.role.startsWith('cg_')) : true;
    if (n > 1 || (need && n === 0)) problems.push(`${where}: ${n} program(s) of role ${role}, expected one`);
  }
  const maps = new Set([...all.matchAll(/\}\s*(\w+)\s+SEC\("\.maps"\)/g)].map((m) => m[1]!));
  const options = new Map(p.options.map((o) => [o.name, o]));
  for (const m of p.maps) {
    if (!maps.has(m.map)) problems.push(`${where}: map ${m.map} is not in ${p.name}.bpf.c`);
    if (m.entries !== undefined && options.get(m.entries)?.type !== 'u32')
      problems.push(`${where}: map ${m.map}: entries ${m.entries} is no u32 option`);
  }
  if (p.maps.filter((m) => m.role === 'owner').length > 1) problems.push(`${where}: more than one owner map`);
  const vars = new Set([...all.matchAll(/const\s+volatile\s+\w+\s+(ks_\w+)/g)].map((m) => m[1]!));
  const resolved: TcOptionDescriptor[] = [];
  for (const o of p.options) {
    if (options.size !== p.options.length) break;
    for (const r of rodataOf(o))
      if (!vars.has(r.var))
        problems.push(`${where}: option ${o.name}: rodata ${r.var} is no const volatile of ${p.name}.bpf.c`);
    if (
      o.type === 'u32' &&
      (o.min === undefined || o.max === undefined || o.min > o.max || typeof o.default !== 'number')
    )
      problems.push(`${where}: option ${o.name}: a u32 needs min <= max and a numeric default`);
    if (o.type === 'bool' && typeof o.default !== 'boolean')
      problems.push(`${where}: option ${o.name}: a bool needs a true/false default`);
    if (o.type === 'choice' && (!o.values || (o.default !== '' && !o.values.includes(String(o.default)))))
      problems.push(`${where}: option ${o.name}: a choice needs values and a default among them (or "")`);
    let maxCount = o.max_count;
    if (o.type === 'list') {
      if (typeof maxCount === 'string') maxCount = h.constants.get(maxCount);
      if (maxCount === undefined)
        problems.push(`${where}: option ${o.name}: max_count ${o.max_count} is no number nor #define of its header`);
    }
    resolved.push(maxCount === undefined ? o : { ...o, max_count: maxCount });
  }
  if (options.size !== p.options.length) problems.push(`${where}: an option is named twice`);
  for (const name of p.layouts ?? []) {
    const s = h.structs.get(`ks_${name}`);
    if (!s) {
      problems.push(`${where}: layout ${name}: no struct ks_${name} in ${p.header ?? 'ks_proto.h'}`);
      continue;
    }
    const first = s.fields[0];
    const record = first?.name === 'hdr' && first.struct === 'ks_hdr';
    const up = name.toUpperCase();
    const type = record ? h.constants.get(`KS_REC_${up}`) : 0;
    const version = record ? h.constants.get(`KS_${up}_V`) : 0;
    if (type === undefined || version === undefined) {
      problems.push(`${where}: layout ${name}: a record needs KS_REC_${up} and KS_${up}_V`);
      continue;
    }
    layouts.push({ name, struct: s.name, type, version, size: s.size, fields: flatFields(h, s) });
  }
  return { ...p, options: resolved };
}

/** The rodata targets of a tc option, as objects. */
export function rodataOf(o: TcOptionDescriptor): TcRodata[] {
  const r = o.rodata === undefined ? [] : Array.isArray(o.rodata) ? o.rodata : [o.rodata];
  return (r as (string | TcRodata)[]).map((x) => (typeof x === 'string' ? { var: x } : x));
}

/** The descriptor's programs are the SEC()s of its .bpf.c, its latency metrics are enum members. */
function checkAgainstC(where: string, p: ProbeDescriptor, root: string, header: CHeader): string[] {
  const out: string[] = [];
  const src = join(root, DESCRIPTOR_DIR, `${p.name}.bpf.c`);
  if (!existsSync(src)) return [`${where}: no program bpf/probes/${p.name}.bpf.c`];
  const text = readFileSync(src, 'utf8');
  const secs = programSections(text);
  for (const prog of p.programs) {
    const hook = secs.get(prog.program);
    if (hook === undefined) out.push(`${where}: program ${prog.program} is not in ${p.name}.bpf.c`);
    else if (hook !== prog.hook)
      out.push(`${where}: program ${prog.program}: hook ${prog.hook}, the source says SEC("${hook}")`);
  }
  for (const name of secs.keys())
    if (!p.programs.some((x) => x.program === name))
      out.push(`${where}: program ${name} of ${p.name}.bpf.c is not listed`);
  const metrics = header.enums.get('ks_lat_metric');
  for (const m of p.latency?.metrics ?? [])
    if (!metrics?.has(m)) out.push(`${where}: latency metric ${m} is not in enum ks_lat_metric`);
  const t = p.latency?.track_entries;
  if (t !== undefined && (t & (t - 1)) !== 0) out.push(`${where}: latency.track_entries ${t} is not a power of two`);
  return out;
}

function recordLayouts(h: CHeader, problems: string[]): RecordLayout[] {
  const out: RecordLayout[] = [];
  const fixed: [string, string][] = [
    ['hdr', 'ks_hdr'],
    ['count_key', 'ks_count_key'],
  ];
  for (const [name, struct] of fixed) {
    const s = h.structs.get(struct);
    if (!s) {
      problems.push(`ks_proto.h: no struct ${struct}`);
      continue;
    }
    out.push({ name, struct, type: 0, version: 0, size: s.size, fields: flatFields(h, s) });
  }
  const types = new Map<number, string>();
  for (const s of h.structs.values()) {
    const first = s.fields[0];
    if (!first || first.name !== 'hdr' || first.struct !== 'ks_hdr') continue;
    const name = s.name.replace(/^ks_/, '');
    const up = name.toUpperCase();
    const type = h.constants.get(`KS_REC_${up}`);
    const version = h.constants.get(`KS_${up}_V`);
    if (type === undefined || version === undefined) {
      problems.push(`struct ${s.name}: needs KS_REC_${up} (its record type) and KS_${up}_V (its layout version)`);
      continue;
    }
    const dup = types.get(type);
    if (dup) problems.push(`struct ${s.name}: record type ${type} is ${dup}'s already`);
    types.set(type, name);
    out.push({ name, struct: s.name, type, version, size: s.size, fields: flatFields(h, s) });
  }
  return out;
}

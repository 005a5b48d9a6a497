// Loads and checks the eBPF probe descriptors (bpf/probes/<name>.yaml) against their JSON schema,
// the C wire header and the probe's program source, so a descriptor that disagrees with its C
// side fails `npm run generate` with the file and the field, not a probe at run time.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { flatFields, parseHeaders, type CField, type CHeader } from './c-header.js';

export interface ProgramDescriptor {
  readonly program: string;
  readonly hook: string;
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
  // ks_flow.h: the flow probe's map dump frames (a map probe, attached per interface: no descriptor)
  const headerFiles = [
    join('bpf', 'include', 'ks_proto.h'),
    join('bpf', 'include', 'ks_flow.h'),
    ...probeHeaders.map((f) => join(DESCRIPTOR_DIR, f)),
  ];
  const header = parseHeaders(headerFiles.map((p) => ({ path: p, text: readFileSync(join(root, p), 'utf8') })));
  const schema = JSON.parse(readFileSync(join(root, 'bpf', 'gen', 'descriptor.schema.json'), 'utf8')) as object;
  const validate = new Ajv({ allErrors: true }).compile(schema);
  const defaults = parseYaml(readFileSync(join(dir, 'defaults.yaml'), 'utf8')) as Record<string, number>;
  const probes: ProbeDescriptor[] = [];
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
    const p = d as ProbeDescriptor;
    if (`${p.name}.yaml` !== f)
      problems.push(`${where}: name ${p.name}, expected the file's name ${f.replace(/\.yaml$/, '')}`);
    problems.push(...checkAgainstC(where, p, root, header));
    probes.push(p);
  }
  const layouts = recordLayouts(header, problems);
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
  return { probes, defaults, header, layouts, probeHeaders };
}

/** The descriptor's programs are the SEC()s of its .bpf.c, its latency metrics are enum members. */
function checkAgainstC(where: string, p: ProbeDescriptor, root: string, header: CHeader): string[] {
  const out: string[] = [];
  const src = join(root, DESCRIPTOR_DIR, `${p.name}.bpf.c`);
  if (!existsSync(src)) return [`${where}: no program bpf/probes/${p.name}.bpf.c`];
  const text = readFileSync(src, 'utf8');
  const secs = new Map<string, string>();
  for (const m of text.matchAll(/SEC\("([^"]+)"\)\s*int\s+(?:BPF_\w+\()?(\w+)/g)) secs.set(m[2]!, m[1]!);
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
    ['flow_entry', 'ks_flow_entry'],
    ['flow_newkey', 'ks_flow_newkey'],
    ['flow_count', 'ks_flow_count'],
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

// The helper's JSON frames (bpf/helper/helper.c): hello (protocol, BTF enum names, the compiler's
// record layouts and histogram bounds, checked against the generated ones), probe status, and
// counter dumps. Pure functions, no I/O; total: bad input becomes problems, never a throw.
import {
  COUNT_DOMAINS,
  EBPF_PROBE_DESCRIPTORS,
  LATENCY_BOUNDS_NS,
  LATENCY_METRICS,
  LAYOUTS,
  STATS,
  UNDELIVERED_CODES,
  type LatencyMetric,
  type LatencyProbeName,
  type RecordLayout,
  type WireField,
} from './generated/ebpf.js';
import { TCP_STATE_NAMES } from '../kernel/tcp-states.js';
import {
  RESET_KINDS,
  dropReasonName,
  isLatencyProbeName,
  isProbeName,
  resetReasonName,
  tcpStateName,
  type NameTables,
  type ProbeName,
  type ResetKind,
} from './records.js';

// ---------------------------------------------------------------- hello / layouts

export interface HelloFrame {
  protocol: number;
  helper: string;
  libbpf: string;
  pid: number;
  kernelRelease: string;
  clock: string;
  btf: { ok: boolean; error: string };
  probes: string[];
  tables: NameTables;
  layouts: unknown;
  /** latency histogram bounds the helper was built with (ns); [] from a helper without latency probes */
  latencyBoundsNs: number[];
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
const str = (v: unknown, d = ''): string => (typeof v === 'string' ? v : d);
const num = (v: unknown, d = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);

function pairsToMap(v: unknown): Map<number, string> {
  const m = new Map<number, string>();
  if (!Array.isArray(v)) return m;
  for (const p of v) {
    if (Array.isArray(p) && typeof p[0] === 'number' && typeof p[1] === 'string') m.set(p[0], p[1]);
  }
  return m;
}

/** Parse a hello JSON value; undefined when it is not one. */
export function parseHello(v: unknown): HelloFrame | undefined {
  if (!isObj(v) || v.msg !== 'hello') return undefined;
  const enums = isObj(v.enums) ? v.enums : {};
  const kernel = isObj(v.kernel) ? v.kernel : {};
  const btf = isObj(v.btf) ? v.btf : {};
  const states = pairsToMap(enums.tcp_state);
  return {
    protocol: num(v.protocol, -1),
    helper: str(v.helper),
    libbpf: str(v.libbpf),
    pid: num(v.pid),
    kernelRelease: str(kernel.release),
    clock: str(v.clock),
    btf: { ok: btf.ok === true, error: str(btf.error) },
    probes: Array.isArray(v.probes) ? v.probes.filter((x): x is string => typeof x === 'string') : [],
    tables: {
      dropReasons: pairsToMap(enums.skb_drop_reason),
      resetReasons: pairsToMap(enums.sk_rst_reason),
      tcpStates: states.size > 0 ? states : TCP_STATE_NAMES,
    },
    layouts: v.layouts,
    latencyBoundsNs: Array.isArray(v.latency_bounds_ns)
      ? v.latency_bounds_ns.filter((x): x is number => typeof x === 'number')
      : [],
  };
}

/** Compare the helper's struct layouts with LAYOUTS; returns the differences (empty = same). */
export function verifyLayouts(remote: unknown): string[] {
  const out: string[] = [];
  if (!isObj(remote)) return ['hello has no layouts'];
  for (const [name, mine] of Object.entries(LAYOUTS as Readonly<Record<string, RecordLayout>>)) {
    const theirs = remote[name];
    if (!isObj(theirs)) {
      out.push(`${name}: missing in helper`);
      continue;
    }
    if (num(theirs.size, -1) !== mine.size) out.push(`${name}: size ${String(theirs.size)}, expected ${mine.size}`);
    if (num(theirs.type, -1) !== mine.type) out.push(`${name}: type ${String(theirs.type)}, expected ${mine.type}`);
    if (num(theirs.version, -1) !== mine.version)
      out.push(`${name}: version ${String(theirs.version)}, expected ${mine.version}`);
    const fields = new Map<string, [number, number]>();
    if (Array.isArray(theirs.fields)) {
      for (const f of theirs.fields) {
        if (Array.isArray(f) && typeof f[0] === 'string' && typeof f[1] === 'number' && typeof f[2] === 'number') {
          fields.set(f[0], [f[1], f[2]]);
        }
      }
    }
    for (const [fname, { offset: o, size: s }] of Object.entries(mine.fields as Readonly<Record<string, WireField>>)) {
      const t = fields.get(fname);
      if (!t) out.push(`${name}.${fname}: missing in helper`);
      else if (t[0] !== o || t[1] !== s)
        out.push(`${name}.${fname}: offset ${t[0]} size ${t[1]}, expected offset ${o} size ${s}`);
    }
  }
  return out;
}

/** Compare the helper's histogram bounds with LATENCY_BOUNDS_NS; returns the difference ('' = same). */
export function verifyLatencyBounds(remote: readonly number[]): string {
  if (remote.length === LATENCY_BOUNDS_NS.length && remote.every((v, i) => v === LATENCY_BOUNDS_NS[i])) return '';
  return `latency histogram bounds ${JSON.stringify(remote)}, expected ${JSON.stringify(LATENCY_BOUNDS_NS)}`;
}

// ---------------------------------------------------------------- probe status frames

export interface ProgramLoadStatus {
  name: string;
  section: string;
  ok: boolean;
  errno: number;
  error: string;
}

export interface ProbeFrame {
  probe: string;
  ok: boolean;
  /** 'running' when ok; else where it failed: options | btf | open | configure | load | attach | unloaded | command */
  stage: string;
  errno: number;
  error: string;
  /** tail of libbpf's messages (verifier log) when it failed */
  log: string;
  programs: ProgramLoadStatus[];
  unknownReasons: string[];
  /** latency probes: the thresholds (ns) and event level in effect */
  latency?: { thresholdsNs: [number, number]; eventLevel: number };
  /** probes with program variants (virtcmdlatency): which was tried and why it failed */
  variants?: string;
}

export function parseProbeFrame(v: unknown): ProbeFrame | undefined {
  if (!isObj(v) || v.msg !== 'probe' || typeof v.probe !== 'string') return undefined;
  const programs: ProgramLoadStatus[] = [];
  if (Array.isArray(v.programs)) {
    for (const p of v.programs) {
      if (!isObj(p)) continue;
      programs.push({
        name: str(p.name),
        section: str(p.section),
        ok: p.ok === true,
        errno: num(p.errno),
        error: str(p.error),
      });
    }
  }
  return {
    probe: v.probe,
    ok: v.ok === true,
    stage: str(v.stage),
    errno: num(v.errno),
    error: str(v.error),
    log: str(v.log),
    programs,
    unknownReasons: Array.isArray(v.unknown_reasons)
      ? v.unknown_reasons.filter((x): x is string => typeof x === 'string')
      : [],
    ...(isObj(v.latency) && Array.isArray(v.latency.threshold_ns)
      ? {
          latency: {
            thresholdsNs: [num(v.latency.threshold_ns[0]), num(v.latency.threshold_ns[1])] as [number, number],
            eventLevel: num(v.latency.event_level),
          },
        }
      : {}),
    ...(typeof v.variants === 'string' ? { variants: v.variants } : {}),
  };
}

// ---------------------------------------------------------------- counters

/** One in-kernel per-namespace count. `key` is the main dimension (reset kind, drop reason, TCP state). */
export type EventCountDetail =
  | { kind: ResetKind; resetReason: string } // count_code reset_kind_reason (tcpreset)
  | { dropReason: string } // drop_reason (packetloss)
  | { tcpState: string } // tcp_state (tcpretrans)
  | { code: number }; // none: the code as the program counted it
export type EventCount = { probe: ProbeName; netnsInode: number; key: string; count: number } & EventCountDetail;

/**
 * One in-kernel count of a latency probe. `scopeKey` is the namespace inode (netns-scoped probes),
 * the CPU (net_softirq) or the device number (biolatency; 0 for the node-wide tracking counts).
 *   hist: slot = bucket index into LATENCY_BOUNDS_NS (last = +Inf); sum: value = ns summed;
 *   slow: slot = threshold index (0 low, 1 high); track: slot 1 = evicted, 2 = expired.
 */
export interface LatencyCount {
  probe: LatencyProbeName;
  scopeKey: number;
  domain: 'hist' | 'sum' | 'slow' | 'track';
  metric: LatencyMetric;
  sub: number;
  slot: number;
  count: number;
}
const LATENCY_DOMAINS: Readonly<Record<number, LatencyCount['domain']>> = {
  [COUNT_DOMAINS.LAT_HIST]: 'hist',
  [COUNT_DOMAINS.LAT_SUM]: 'sum',
  [COUNT_DOMAINS.LAT_SLOW]: 'slow',
  [COUNT_DOMAINS.LAT_TRACK]: 'track',
};

export type UndeliveredCause = 'netns_rate_limit' | 'global_rate_limit' | 'ring_full';
export const UNDELIVERED_CAUSES: Readonly<Record<number, UndeliveredCause>> = {
  [UNDELIVERED_CODES.NETNS_RATE]: 'netns_rate_limit',
  [UNDELIVERED_CODES.GLOBAL_RATE]: 'global_rate_limit',
  [UNDELIVERED_CODES.RING_FULL]: 'ring_full',
};

/** Events counted in the kernel but not delivered to user space, per namespace and cause. */
export interface UndeliveredCount {
  probe: ProbeName;
  netnsInode: number;
  cause: UndeliveredCause;
  count: number;
}

export interface ProgramRunStats {
  name: string;
  id: number;
  runCount: number;
  runTimeNs: number;
  /** runs the kernel skipped because the program was already active on that CPU */
  recursionMisses: number;
}

export interface ProbeTotals {
  probe: ProbeName;
  /** hook runs that were counted (passed the reason filter) */
  hits: number;
  ignored: number;
  submitted: number;
  netnsRateLimited: number;
  globalRateLimited: number;
  ringFull: number;
  /** counts lost because the `counts` map was full (raise countEntries) */
  countMapFull: number;
  wakeups: number;
  programs: ProgramRunStats[];
}

export interface CounterDump {
  id: string;
  bootTimeNs: bigint;
  events: EventCount[];
  undelivered: UndeliveredCount[];
  latency: LatencyCount[];
  probes: ProbeTotals[];
}

/** What an events-domain count's code means, by the probe's descriptor (count_code). */
function eventCount(
  probe: ProbeName,
  code: number,
  tables: NameTables,
): ({ probe: ProbeName; key: string } & EventCountDetail) | string {
  switch (EBPF_PROBE_DESCRIPTORS[probe].countCode) {
    case 'reset_kind_reason': {
      const kind = RESET_KINDS[code >>> 16];
      if (!kind) return `${probe}: unknown kind in ${code}`;
      return { probe, key: kind, kind, resetReason: resetReasonName(tables, code & 0xffff) };
    }
    case 'drop_reason': {
      const r = dropReasonName(tables, code);
      return { probe, key: r, dropReason: r };
    }
    case 'tcp_state': {
      const st = tcpStateName(tables, code);
      return { probe, key: st, tcpState: st };
    }
    case 'none':
      return { probe, key: String(code), code };
  }
}

/** Parse a counters JSON frame into typed counts. Total: bad entries become problems. */
export function parseCounters(v: unknown, tables: NameTables): { dump?: CounterDump; problems: string[] } {
  const problems: string[] = [];
  if (!isObj(v) || v.msg !== 'counters') return { problems: ['not a counters frame'] };
  let bootTimeNs = 0n;
  if (typeof v.boot_ns === 'number' && Number.isSafeInteger(v.boot_ns)) bootTimeNs = BigInt(v.boot_ns);
  else if (typeof v.boot_ns === 'number') bootTimeNs = BigInt(Math.trunc(v.boot_ns));
  const dump: CounterDump = { id: str(v.id), bootTimeNs, events: [], undelivered: [], latency: [], probes: [] };
  if (!Array.isArray(v.probes)) return { dump, problems: ['counters frame has no probes array'] };
  for (const p of v.probes) {
    if (!isObj(p) || typeof p.probe !== 'string' || !isProbeName(p.probe)) {
      problems.push('counters: entry without a known probe name');
      continue;
    }
    const probe = p.probe;
    if (Array.isArray(p.counts)) {
      for (const c of p.counts) {
        if (!Array.isArray(c) || c.length < 4 || !c.every((x) => typeof x === 'number' && x >= 0)) {
          problems.push(`${probe}: malformed count entry`);
          continue;
        }
        const [netnsInode, domain, code, count] = c as number[];
        if (domain === COUNT_DOMAINS.UNDELIVERED) {
          const cause = UNDELIVERED_CAUSES[code!];
          if (cause) dump.undelivered.push({ probe, netnsInode: netnsInode!, cause, count: count! });
          else problems.push(`${probe}: unknown undelivered cause ${code}`);
        } else if (LATENCY_DOMAINS[domain!] !== undefined && isLatencyProbeName(probe)) {
          const metric = (LATENCY_METRICS as Readonly<Record<number, LatencyMetric>>)[code! >>> 24];
          if (!metric) {
            problems.push(`${probe}: unknown latency metric in ${code}`);
            continue;
          }
          dump.latency.push({
            probe,
            scopeKey: netnsInode!,
            domain: LATENCY_DOMAINS[domain!]!,
            metric,
            sub: (code! >>> 16) & 0xff,
            slot: code! & 0xffff,
            count: count!,
          });
        } else if (domain === COUNT_DOMAINS.EVENTS && EBPF_PROBE_DESCRIPTORS[probe].kind === 'event') {
          const e = eventCount(probe, code!, tables);
          if (typeof e === 'string') problems.push(e);
          else dump.events.push(Object.assign({}, e, { netnsInode: netnsInode!, count: count! }));
        } else {
          problems.push(`${probe}: unknown count domain ${domain}`);
        }
      }
    }
    const st = Array.isArray(p.stats) ? p.stats.map((x) => num(x)) : [];
    const programs: ProgramRunStats[] = [];
    if (Array.isArray(p.programs)) {
      for (const g of p.programs) {
        if (!isObj(g)) continue;
        programs.push({
          name: str(g.name),
          id: num(g.id),
          runCount: num(g.run_cnt),
          runTimeNs: num(g.run_time_ns),
          recursionMisses: num(g.recursion_misses),
        });
      }
    }
    dump.probes.push({
      probe,
      hits: st[STATS.HITS] ?? 0,
      ignored: st[STATS.IGNORED] ?? 0,
      submitted: st[STATS.SUBMITTED] ?? 0,
      netnsRateLimited: st[STATS.NETNS_RATE] ?? 0,
      globalRateLimited: st[STATS.GLOBAL_RATE] ?? 0,
      ringFull: st[STATS.RING_FULL] ?? 0,
      countMapFull: st[STATS.COUNT_MAP_FULL] ?? 0,
      wakeups: st[STATS.WAKEUPS] ?? 0,
      programs,
    });
  }
  return { dump, problems };
}

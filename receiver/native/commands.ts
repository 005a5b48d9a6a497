// Frames of the helper's collector commands (bpf/helper/tcpsummary.c, bpf/helper/qdisc.c):
// validated into typed values. Pure functions, no I/O; they never throw.

import { TCP_STATE_NAMES } from '../kernel/tcp-states.js';
import {
  isDecodedFlowEntries,
  type FlowCountView,
  type FlowEntry,
  type FlowKeyColumns,
  type FlowReadRecord,
} from './records.js';

export type { FlowEntry, FlowKeyColumns };

/** TCP state numbers as /proc/net/tcp prints them (include/net/tcp_states.h). */
export const TCP_STATE_BY_NUMBER: Readonly<Record<number, string>> = Object.fromEntries(TCP_STATE_NAMES);

export interface TcpNetnsSummary {
  readonly netnsInode: number;
  /** count per state number (index = st of /proc/net/tcp) */
  readonly states: readonly number[];
  readonly rxQueueBytes: number;
  readonly txQueueBytes: number;
}

export type TcpSummaryFrame =
  | {
      readonly ok: true;
      readonly wallNs: number;
      readonly cpuNs: number;
      readonly stats: Readonly<Record<string, number>>;
      readonly netns: ReadonlyMap<number, TcpNetnsSummary>;
    }
  | { readonly ok: false; readonly stage: string; readonly errno: number; readonly error: string };

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function parseTcpSummaryFrame(v: Record<string, unknown>): TcpSummaryFrame {
  if (v.ok !== true)
    return {
      ok: false,
      stage: str(v.stage) || 'unknown',
      errno: num(v.errno),
      error: str(v.error) || 'helper gave no reason',
    };
  const netns = new Map<number, TcpNetnsSummary>();
  if (Array.isArray(v.netns)) {
    for (const e of v.netns) {
      if (!Array.isArray(e) || e.length < 4 || !Array.isArray(e[3])) continue;
      const inode = num(e[0]);
      netns.set(inode, {
        netnsInode: inode,
        rxQueueBytes: num(e[1]),
        txQueueBytes: num(e[2]),
        states: (e[3] as unknown[]).map(num),
      });
    }
  }
  const stats: Record<string, number> = {};
  if (typeof v.stats === 'object' && v.stats !== null) for (const [k, x] of Object.entries(v.stats)) stats[k] = num(x);
  return { ok: true, wallNs: num(v.wall_ns), cpuNs: num(v.cpu_ns), stats, netns };
}

export interface QdiscStats {
  readonly ifindex: number;
  readonly dev: string;
  readonly kind: string;
  readonly handle: string;
  readonly parent: string;
  readonly bytes: number;
  readonly packets: number;
  readonly drops: number;
  readonly overlimits: number;
  readonly requeues: number;
  readonly qlen: number;
  readonly backlog: number;
}

export interface QdiscTargetResult {
  readonly netnsInode: number;
  readonly ok: boolean;
  /** '' when ok; "gone: ..." when the namespace vanished */
  readonly error: string;
  readonly qdiscs: readonly QdiscStats[];
}

export function parseQdiscFrame(v: Record<string, unknown>): {
  targets: QdiscTargetResult[];
  wallNs: number;
  cpuNs: number;
} {
  const targets: QdiscTargetResult[] = [];
  if (Array.isArray(v.targets)) {
    for (const t of v.targets as unknown[]) {
      if (typeof t !== 'object' || t === null) continue;
      const o = t as Record<string, unknown>;
      const qdiscs: QdiscStats[] = [];
      if (Array.isArray(o.qdiscs)) {
        for (const q of o.qdiscs as unknown[]) {
          if (typeof q !== 'object' || q === null) continue;
          const r = q as Record<string, unknown>;
          qdiscs.push({
            ifindex: num(r.ifindex),
            dev: str(r.dev),
            kind: str(r.kind),
            handle: str(r.handle),
            parent: str(r.parent),
            bytes: num(r.bytes),
            packets: num(r.packets),
            drops: num(r.drops),
            overlimits: num(r.overlimits),
            requeues: num(r.requeues),
            qlen: num(r.qlen),
            backlog: num(r.backlog),
          });
        }
      }
      targets.push({ netnsInode: num(o.inode), ok: o.ok === true, error: str(o.error), qdiscs });
    }
  }
  return { targets, wallNs: num(v.wall_ns), cpuNs: num(v.cpu_ns) };
}

/** /proc/<pid>/net/tcp or tcp6 → counts per state number and queue sums of non-LISTEN sockets
 *  (the fallback when the helper cannot walk the tables). */
export function parseProcNetTcp(
  text: string,
  into?: { states: number[]; rx: number; tx: number },
): { states: number[]; rx: number; tx: number; problems: string[] } {
  const acc = into ?? { states: new Array<number>(16).fill(0), rx: 0, tx: 0 };
  const problems: string[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const f = line.split(/\s+/);
    const st = parseInt(f[3] ?? '', 16);
    const q = (f[4] ?? '').split(':');
    const tx = parseInt(q[0] ?? '', 16);
    const rx = parseInt(q[1] ?? '', 16);
    if (!Number.isFinite(st) || st < 0 || st > 15 || !Number.isFinite(tx) || !Number.isFinite(rx)) {
      if (problems.length < 3) problems.push(`line ${i + 1}: cannot read state and queues`);
      continue;
    }
    acc.states[st] = (acc.states[st] ?? 0) + 1;
    if (st !== 10) {
      acc.rx += rx;
      acc.tx += tx;
    }
  }
  return Object.assign({}, acc, { problems });
}

export interface FlowTargetResult {
  readonly target: string;
  readonly ok: boolean;
  /** attached | already | detached | absent | gone | error | invalid */
  readonly state: string;
  readonly ifindex: number;
  readonly error: string;
}

export interface FlowDump {
  readonly entries: readonly FlowEntry[];
  /** [netns inode, interface name] of attachments whose device went away */
  readonly gone: readonly (readonly [number, string])[];
  readonly live: number;
  readonly maxEntries: number;
  readonly deleted: number;
  readonly stats: Readonly<Record<string, number>>;
  readonly wallNs: number;
  readonly cpuNs: number;
  readonly readError: string;
}

export type FlowFrame =
  | {
      readonly ok: true;
      readonly verb: string;
      readonly targets: readonly FlowTargetResult[];
      readonly dump?: FlowDump;
    }
  | { readonly ok: false; readonly verb: string; readonly error: string };

/** A flow/dns answer's namespaces gone since the last read ([inode, reason]) and the helper's stats. */
function goneAndStats(v: Record<string, unknown>): { gone: [number, string][]; stats: Record<string, number> } {
  const gone: [number, string][] = [];
  if (Array.isArray(v.gone))
    for (const g of v.gone as unknown[]) if (Array.isArray(g)) gone.push([num(g[0]), str(g[1])]);
  const stats: Record<string, number> = {};
  if (typeof v.stats === 'object' && v.stats !== null) for (const [k, x] of Object.entries(v.stats)) stats[k] = num(x);
  return { gone, stats };
}

export function parseFlowFrame(v: Record<string, unknown>): FlowFrame {
  const verb = str(v.verb);
  if (v.ok !== true) return { ok: false, verb, error: str(v.error) || 'helper gave no reason' };
  const targets: FlowTargetResult[] = [];
  if (Array.isArray(v.targets)) {
    for (const t of v.targets as Record<string, unknown>[]) {
      if (typeof t !== 'object' || t === null) continue;
      targets.push({
        target: str(t.target),
        ok: t.ok === true,
        state: str(t.state),
        ifindex: num(t.ifindex),
        error: str(t.error),
      });
    }
  }
  if (verb !== 'dump') return { ok: true, verb, targets };
  // the helper client decoded them from the dump's binary frames (records.ts, struct ks_flow_entry)
  const entries: readonly FlowEntry[] = isDecodedFlowEntries(v.entries)
    ? v.entries
    : Array.isArray(v.entries)
      ? (v.entries as unknown[]).filter(
          (e): e is FlowEntry => typeof e === 'object' && e !== null && typeof (e as FlowEntry).netnsInode === 'number',
        )
      : [];
  const sent = typeof v.sent === 'number' ? v.sent : entries.length;
  const mismatch =
    sent !== entries.length ? `the answer counts ${sent} entries, the frames carried ${entries.length}` : '';
  const { gone, stats } = goneAndStats(v);
  return {
    ok: true,
    verb,
    targets,
    dump: {
      entries,
      gone,
      live: num(v.live),
      maxEntries: num(v.max_entries),
      deleted: num(v.deleted),
      stats,
      wallNs: num(v.wall_ns),
      cpuNs: num(v.cpu_ns),
      readError: [str(v.read_error), mismatch].filter((x) => x).join('; '),
    },
  };
}

/** A cycle's `flow <id> read`: new slots' keys, moved slots' counters (cumulative), freed slots. */
export interface FlowRead {
  readonly keys: readonly FlowKeyColumns[];
  readonly counts: readonly FlowCountView[];
  readonly freed: readonly Uint32Array[];
  /** [netns inode, interface name] of attachments whose device went away */
  readonly gone: readonly (readonly [number, string])[];
  /** cgroup ids of hostNetwork pods whose cgroup was removed (their links closed, slots taken back) */
  readonly cgGone: readonly number[];
  /** slots in use (announced) */
  readonly live: number;
  readonly maxEntries: number;
  /** slots taken back since load: namespace detached / evicted when nearly full / idle past the TTL */
  readonly deleted: number;
  readonly evicted: number;
  readonly expired: number;
  readonly stats: Readonly<Record<string, number>>;
  readonly wallNs: number;
  readonly cpuNs: number;
  /** the helper's pass over the mmapped counters alone */
  readonly countsCpuNs: number;
  readonly error: string;
}

export function parseFlowRead(v: Record<string, unknown>): FlowRead | { error: string; ok: false } {
  if (v.ok !== true) return { ok: false, error: str(v.error) || 'helper gave no reason' };
  const frames = Array.isArray(v.frames_read) ? (v.frames_read as FlowReadRecord[]) : [];
  const keys: FlowKeyColumns[] = [];
  const counts: FlowCountView[] = [];
  const freed: Uint32Array[] = [];
  let nk = 0,
    nc = 0,
    nf = 0;
  for (const f of frames) {
    if (f.kind === 'keys') {
      keys.push(f.keys);
      nk += f.keys.slot.length;
    } else if (f.kind === 'counts') {
      counts.push(f.counts);
      nc += f.counts.length;
    } else {
      freed.push(f.slot);
      nf += f.slot.length;
    }
  }
  const want = [num(v.new), num(v.sent), num(v.freed)];
  const mismatch =
    want[0] !== nk || want[1] !== nc || want[2] !== nf
      ? `the answer counts ${want.join('/')} keys/counters/freed, the frames carried ${nk}/${nc}/${nf}`
      : '';
  const { gone, stats } = goneAndStats(v);
  return {
    keys,
    counts,
    freed,
    gone,
    cgGone: Array.isArray(v.cg_gone) ? (v.cg_gone as unknown[]).map(num) : [],
    live: num(v.live),
    maxEntries: num(v.max_entries),
    deleted: num(v.deleted),
    evicted: num(v.evicted),
    expired: num(v.expired),
    stats,
    wallNs: num(v.wall_ns),
    cpuNs: num(v.cpu_ns),
    countsCpuNs: num(v.counts_cpu_ns),
    error: mismatch,
  };
}

/** Per (namespace, resolver, question type, rcode, transport): the dns probe's kernel map
 *  (bpf/include/ks_dns.h), cumulative, summed over CPUs. */
export interface DnsEntry {
  readonly netnsInode: number;
  readonly family: 4 | 6;
  /** IPPROTO_UDP (17) or IPPROTO_TCP (6) */
  readonly proto: number;
  readonly resolver: string;
  readonly qtype: number;
  readonly rcode: number;
  readonly count: number;
  readonly sumNs: number;
  readonly truncated: number;
  /** one per KS_LAT_BOUNDS_NS bound, then +Inf */
  readonly buckets: readonly number[];
  /** the querying socket's cgroup v2 id (only in the helper's cgroup_netns namespace; else 0) */
  readonly cgroup: number;
}

/** A failed, truncated or slow response (a kernel ring record), or a query the sweep timed out. */
export interface DnsLookup {
  readonly netnsInode: number;
  readonly family: 4 | 6;
  readonly proto: number;
  readonly resolver: string;
  readonly qtype: number;
  /** -1 for a timeout */
  readonly rcode: number;
  /** KS_DNS_F_*: 1 truncated, 2 slow, 4 name cut at 128 bytes */
  readonly flags: number;
  /** response latency, or how long a timed-out query had waited */
  readonly latencyNs: number;
  readonly clientPort: number;
  readonly id: number;
  readonly ifindex: number;
  readonly name: string;
  /** when it happened, ns since the Unix epoch */
  readonly timeUnixNano: bigint;
  /** timeouts: the querying socket's cgroup v2 id (helper's cgroup_netns namespace only; else 0) */
  readonly cgroup?: number;
}

export interface DnsDump {
  readonly entries: readonly DnsEntry[];
  readonly records: readonly DnsLookup[];
  readonly timeouts: readonly DnsLookup[];
  /** [netns, code (enum ks_dns_count), count] */
  readonly counts: readonly (readonly [number, number, number])[];
  /** [netns, question name, answered count (cumulative)] */
  readonly names: readonly (readonly [number, string, number])[];
  /** [netns, cause (enum ks_undelivered), count] */
  readonly undelivered: readonly (readonly [number, number, number])[];
  readonly gone: readonly (readonly [number, string])[];
  readonly pending: number;
  readonly wallNs: number;
  readonly cpuNs: number;
}

const fam = (v: unknown): 4 | 6 => (num(v) === 6 ? 6 : 4);

export function parseDnsDump(v: Record<string, unknown>): DnsDump {
  const arr = (x: unknown): unknown[][] =>
    Array.isArray(x) ? (x as unknown[]).filter((e): e is unknown[] => Array.isArray(e)) : [];
  // boottime → wall clock with the pair the helper sampled at the dump
  const bootNow = BigInt(Math.round(num(v.boot_ns)));
  const realNow = BigInt(Math.round(num(v.real_ns)));
  // the five fields every row starts with (from index i): namespace, family, transport, resolver, qtype
  const head = (e: unknown[], i: number) => ({
    netnsInode: num(e[i]),
    family: fam(e[i + 1]),
    proto: num(e[i + 2]),
    resolver: str(e[i + 3]),
    qtype: num(e[i + 4]),
  });
  const entries: DnsEntry[] = arr(v.entries)
    .filter((e) => e.length >= 10)
    .map((e) =>
      Object.assign(head(e, 0), {
        rcode: num(e[5]),
        count: num(e[6]),
        sumNs: num(e[7]),
        truncated: num(e[8]),
        buckets: Array.isArray(e[9]) ? (e[9] as unknown[]).map(num) : [],
        cgroup: num(e[10]),
      }),
    );
  const records: DnsLookup[] = arr(v.records)
    .filter((e) => e.length >= 13)
    .map((e) =>
      Object.assign(head(e, 1), {
        rcode: num(e[6]),
        flags: num(e[7]),
        latencyNs: num(e[8]),
        clientPort: num(e[9]),
        id: num(e[10]),
        ifindex: num(e[11]),
        name: str(e[12]),
        timeUnixNano: realNow - (bootNow - BigInt(Math.round(num(e[0])))),
      }),
    );
  const timeouts: DnsLookup[] = arr(v.timeouts)
    .filter((e) => e.length >= 10)
    .map((e) =>
      Object.assign(head(e, 0), {
        rcode: -1,
        flags: 0,
        latencyNs: num(e[7]),
        clientPort: num(e[5]),
        id: num(e[6]),
        ifindex: num(e[8]),
        name: str(e[9]),
        timeUnixNano: realNow,
        cgroup: num(e[10]),
      }),
    );
  const triples = (x: unknown): [number, number, number][] =>
    arr(x).map((e) => [num(e[0]), num(e[1]), num(e[2])] as [number, number, number]);
  return {
    entries,
    records,
    timeouts,
    counts: triples(v.counts),
    names: arr(v.names).map((e) => [num(e[0]), str(e[1]), num(e[2])] as [number, string, number]),
    undelivered: triples(v.undelivered),
    gone: arr(v.gone).map((g) => [num(g[0]), str(g[1])] as [number, string]),
    pending: num(v.pending),
    wallNs: num(v.wall_ns),
    cpuNs: num(v.cpu_ns),
  };
}

// tcphealth: per-peer TCP health of every pod ("ss -ti for every pod") and accept queues per
// listening port, from the native helper's tcpsummary walk in peers mode (`tcpsummary <id> peers`:
// one walk of every TCP established table of the node per cycle, every socket attributed to its own
// namespace; bpf/probes/tcpsummary.bpf.c). Levels (RTT, states) describe the connections alive at
// the walk. Counters (segments, bytes, busy time, closes) are the live sums plus the kernel's
// per-peer accumulators of closed connections (close-time capture on inet_sock_set_state → CLOSE),
// and retransmits by cause are counted in the kernel as they are sent. The helper reads the
// accumulators before the walk, so a connection closing between the two reads is missed for one
// cycle, never counted twice; the agent holds each counter series at its highest value, so that
// miss (and an evicted accumulator, or a peer moving into `other`) pauses a counter, never lowers it.
// Peers are named by the peer layer (receiver/peers/resolve.ts) as flow and connections name them,
// and bounded per cycle: the top-K peers of a pod by connections keep their own series, the rest
// are folded into `other`; a node-wide cap on series; the RTT histogram of a series that has not
// been seen for the TTL is dropped.
import {
  ATTR_KUBESKOOP_PEER_KIND,
  ATTR_KUBESKOOP_PEER_NAME,
  ATTR_KUBESKOOP_PEER_NAMESPACE,
  ATTR_KUBESKOOP_TCP_OPEN_ROLE,
  ATTR_KUBESKOOP_TCP_SEND_LIMIT,
  ATTR_NETWORK_CONNECTION_STATE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_TYPE,
  ATTR_SERVER_PORT,
  TCPHEALTH_ACCEPT_QUEUE,
  TCPHEALTH_ACCEPT_QUEUE_LIMIT,
  TCPHEALTH_BUSY_TIME,
  TCPHEALTH_CLOSES,
  TCPHEALTH_CONNECTIONS,
  TCPHEALTH_IO,
  TCPHEALTH_LOST,
  TCPHEALTH_MAP_EVICTIONS,
  TCPHEALTH_PEERS_FOLDED,
  TCPHEALTH_RETRANSMITS,
  TCPHEALTH_RETRANSMITTED,
  TCPHEALTH_RTT,
  TCPHEALTH_RTT_MIN,
  TCPHEALTH_RTT_VARIATION,
  TCPHEALTH_SENT,
  ATTR_KUBESKOOP_TCP_RETRANSMIT_CAUSE,
  ATTR_NETWORK_IO_DIRECTION,
} from '../../semconv/generated/registry.js';
import { TCP_STATE_BY_NUMBER } from '../native/commands.js';
import { LATENCY_BOUNDS_NS } from '../native/records.js';
import { connectionState } from '../kernel/tcp-states.js';
import { PEER_DEFAULTS, peerOptionsSchema } from '../peers/governance.js';
import { PeerResolver, type CidrBucket, type PeerDirectory } from '../peers/resolve.js';
import { sharedTcpWalk } from './tcp-walk.js';
import type {
  AttributeValue,
  MetricProbe,
  MetricProbeModule,
  MetricSample,
  ProbeEnvironment,
  ProbeStatus,
  SampleAttributes,
} from './probe.js';

const NB = LATENCY_BOUNDS_NS.length + 1;

/** One row of the helper's `peers` list: the live sockets of one (namespace, peer, server port, role). */
export interface HealthRow {
  netnsInode: number;
  family: 'ipv4' | 'ipv6';
  role: 'active' | 'passive';
  address: string;
  port: number;
  /** full sockets (not timewait, not request) */
  full: number;
  /** sockets by state number as /proc/net/tcp prints it */
  states: number[];
  rttBuckets: number[];
  rttSockets: number;
  srttMinUs: number;
  srttMaxUs: number;
  minRttUs: number;
  srttSumUs: number;
  rttvarSumUs: number;
  segsOut: number;
  retrans: number;
  lost: number;
  bytesAcked: number;
  bytesReceived: number;
  busyUs: number;
  rwndUs: number;
  sndbufUs: number;
  /** connections closed (after the handshake); 0 in a live row */
  closes: number;
  /** segments retransmitted by cause (kernel-counted as sent); zeros in a live row */
  retransByCause: Record<RetransmitCause, number>;
}

export type RetransmitCause = 'timeout' | 'fast' | 'tail_loss_probe' | 'syn';
export const RETRANSMIT_CAUSES: readonly RetransmitCause[] = ['timeout', 'fast', 'tail_loss_probe', 'syn'];
const noCauses = (): Record<RetransmitCause, number> => ({ timeout: 0, fast: 0, tail_loss_probe: 0, syn: 0 });

/** The `closed_stats` of a peers frame: the kernel's per-peer accumulator map. */
export interface ClosedStats {
  entries: number;
  created: number;
  evicted: number;
  failed: number;
  /** runs of the capture programs the kernel skipped (recursion_misses): closes or retransmits not counted */
  missed: number;
}

export interface ListenerRow {
  netnsInode: number;
  family: 'ipv4' | 'ipv6';
  port: number;
  sockets: number;
  backlog: number;
  maxBacklog: number;
}

/** Parses the peers and listeners of a `tcpsummary <id> peers` frame; malformed rows are named. */
export function parseHealthFrame(frame: Record<string, unknown>): {
  peers: HealthRow[];
  /** the accumulators of closed connections and retransmits by cause, one row per key */
  closed: HealthRow[];
  closedStats?: ClosedStats;
  listeners: ListenerRow[];
  problems: string[];
} {
  const peers: HealthRow[] = [];
  const closed: HealthRow[] = [];
  const listeners: ListenerRow[] = [];
  const problems: string[] = [];
  if (frame.ok !== true) {
    problems.push(`tcphealth: table walk failed at ${String(frame.stage)}: ${String(frame.error ?? 'not ok')}`);
    return { peers, closed, listeners, problems };
  }
  if (!Array.isArray(frame.peers) || !Array.isArray(frame.listeners) || !Array.isArray(frame.closed)) {
    problems.push('tcphealth: the helper answered without peers or closed (an older helper build?)');
    return { peers, closed, listeners, problems };
  }
  if (typeof frame.capture_error === 'string')
    problems.push(`tcphealth: close-time capture off, counters cover live connections only: ${frame.capture_error}`);
  for (const p of frame.closed as unknown[]) {
    if (
      !Array.isArray(p) ||
      p.length !== 17 ||
      p.some((x, i) => (i === 3 ? typeof x !== 'string' : typeof x !== 'number'))
    ) {
      problems.push('tcphealth: malformed closed row');
      continue;
    }
    const n = p as number[];
    if ((n[1] !== 4 && n[1] !== 6) || (n[2] !== 1 && n[2] !== 2)) {
      problems.push(`tcphealth: closed row with family ${n[1]}, role ${n[2]}`);
      continue;
    }
    closed.push({
      netnsInode: n[0]!,
      family: n[1] === 4 ? 'ipv4' : 'ipv6',
      role: n[2] === 1 ? 'active' : 'passive',
      address: String(p[3]),
      port: n[4]!,
      full: 0,
      states: [],
      rttBuckets: [],
      rttSockets: 0,
      srttMinUs: 0,
      srttMaxUs: 0,
      minRttUs: 0,
      srttSumUs: 0,
      rttvarSumUs: 0,
      closes: n[5]!,
      segsOut: n[6]!,
      retrans: n[7]!,
      lost: 0,
      bytesAcked: n[8]!,
      bytesReceived: n[9]!,
      busyUs: n[10]!,
      rwndUs: n[11]!,
      sndbufUs: n[12]!,
      retransByCause: { timeout: n[13]!, fast: n[14]!, tail_loss_probe: n[15]!, syn: n[16]! },
    });
  }
  const cs = frame.closed_stats as Record<string, unknown> | undefined;
  const closedStats =
    cs && typeof cs === 'object'
      ? {
          entries: Number(cs.entries) || 0,
          created: Number(cs.created) || 0,
          evicted: Number(cs.evicted) || 0,
          failed: Number(cs.failed) || 0,
          missed: Number(cs.missed) || 0,
        }
      : undefined;
  for (const p of frame.peers as unknown[]) {
    if (
      !Array.isArray(p) ||
      p.length !== 22 ||
      !Array.isArray(p[6]) ||
      !Array.isArray(p[7]) ||
      p[7].length !== NB ||
      p.some((x, i) => i !== 3 && i !== 6 && i !== 7 && typeof x !== 'number')
    ) {
      problems.push('tcphealth: malformed peer row');
      continue;
    }
    const n = p as number[]; // numbers as the helper printed them (JSON.parse made them numbers)
    if ((n[1] !== 4 && n[1] !== 6) || (n[2] !== 1 && n[2] !== 2)) {
      problems.push(`tcphealth: peer row with family ${n[1]}, role ${n[2]}`);
      continue;
    }
    peers.push({
      netnsInode: n[0]!,
      family: n[1] === 4 ? 'ipv4' : 'ipv6',
      role: n[2] === 1 ? 'active' : 'passive',
      address: String(p[3]),
      port: n[4]!,
      full: n[5]!,
      states: p[6] as number[],
      rttBuckets: p[7] as number[],
      rttSockets: n[8]!,
      srttMinUs: n[9]!,
      srttMaxUs: n[10]!,
      minRttUs: n[11]!,
      srttSumUs: n[12]!,
      rttvarSumUs: n[13]!,
      segsOut: n[14]!,
      retrans: n[15]!,
      lost: n[16]!,
      bytesAcked: n[17]!,
      bytesReceived: n[18]!,
      busyUs: n[19]!,
      rwndUs: n[20]!,
      sndbufUs: n[21]!,
      closes: 0,
      retransByCause: noCauses(),
    });
  }
  for (const l of frame.listeners as unknown[]) {
    if (!Array.isArray(l) || l.length !== 6 || (l[1] !== 4 && l[1] !== 6)) {
      problems.push('tcphealth: malformed listener row');
      continue;
    }
    const n = l.map(Number);
    listeners.push({
      netnsInode: n[0]!,
      family: n[1] === 4 ? 'ipv4' : 'ipv6',
      port: n[2]!,
      sockets: n[3]!,
      backlog: n[4]!,
      maxBacklog: n[5]!,
    });
  }
  return { peers, closed, closedStats, listeners, problems };
}

interface Options {
  top_k?: number;
  ttl?: number;
  max_series?: number;
  cidrs?: CidrBucket[];
}

/** One series of one cycle: the sum of the rows folded into it. */
interface Folded {
  /** namespace|series: the RTT histogram's key */
  key: string;
  attributes: SampleAttributes;
  rows: HealthRow[];
}

const sumOf = (rows: readonly HealthRow[], f: (r: HealthRow) => number): number => rows.reduce((a, r) => a + f(r), 0);

/**
 * Per-cycle series of the health rows: peer names, top-K per pod by connections (then segments
 * sent) + `other`, the node-wide cap, and the RTT histogram kept cumulative per series (one
 * observation per connection per cycle) until the series is not seen for the TTL.
 */
export class HealthSeries {
  private resolver: PeerResolver;
  private topK: number = PEER_DEFAULTS.topK;
  private ttlMs: number = PEER_DEFAULTS.ttlSeconds * 1000;
  private maxSeries: number = PEER_DEFAULTS.maxSeries;
  private cycle = new Map<number, Folded[]>();
  private folded = new Map<number, number>();
  /** series key → cumulative RTT histogram and sum (s), and the highest value each counter reported */
  private readonly rtt = new Map<
    string,
    { buckets: number[]; sumS: number; seen: number; high: Map<string, number> }
  >();

  constructor(private readonly directory?: PeerDirectory) {
    this.resolver = new PeerResolver(directory);
  }

  configure(o: Options): void {
    this.resolver = new PeerResolver(this.directory, o.cidrs ?? [], 'probes tcphealth: options.cidrs');
    this.topK = o.top_k ?? PEER_DEFAULTS.topK;
    this.ttlMs = (o.ttl ?? PEER_DEFAULTS.ttlSeconds) * 1000;
    this.maxSeries = o.max_series ?? PEER_DEFAULTS.maxSeries;
  }

  add(rows: readonly HealthRow[], now: number): void {
    const byPod = new Map<number, HealthRow[]>();
    for (const r of rows) {
      const l = byPod.get(r.netnsInode);
      if (l) l.push(r);
      else byPod.set(r.netnsInode, [r]);
    }
    this.cycle = new Map();
    this.folded = new Map();
    let count = 0;
    for (const [ns, list] of byPod) {
      // live connections, then closed ones (a peer of short connections only has closes)
      const totals = new Map<HealthRow, number>(list.map((r) => [r, r.states.reduce((a, b) => a + b, r.closes)]));
      const total = (r: HealthRow): number => totals.get(r)!;
      list.sort(
        (a, b) =>
          total(b) - total(a) ||
          b.segsOut - a.segsOut ||
          (a.address < b.address ? -1 : a.address > b.address ? 1 : a.port - b.port),
      );
      const series = new Map<string, Folded>();
      let foldedPeers = 0;
      list.forEach((r, i) => {
        const own = i < this.topK && count < this.maxSeries;
        let key: string;
        let attributes: Record<string, AttributeValue>;
        if (own) {
          const peer = this.resolver.resolve(r.address);
          key = `${r.role}|${r.family}|${r.address}|${r.port}|${peer.kind}|${peer.namespace}|${peer.name}`;
          attributes = {
            [ATTR_KUBESKOOP_TCP_OPEN_ROLE]: r.role,
            [ATTR_NETWORK_TYPE]: r.family,
            [ATTR_NETWORK_PEER_ADDRESS]: r.address,
            [ATTR_KUBESKOOP_PEER_KIND]: peer.kind,
            [ATTR_KUBESKOOP_PEER_NAME]: peer.name,
            [ATTR_KUBESKOOP_PEER_NAMESPACE]: peer.namespace,
            [ATTR_SERVER_PORT]: r.port,
          };
        } else {
          foldedPeers++;
          key = `other|${r.role}`;
          attributes = {
            [ATTR_KUBESKOOP_TCP_OPEN_ROLE]: r.role,
            [ATTR_NETWORK_PEER_ADDRESS]: 'other',
            [ATTR_KUBESKOOP_PEER_KIND]: 'other',
            [ATTR_KUBESKOOP_PEER_NAME]: 'other',
            [ATTR_KUBESKOOP_PEER_NAMESPACE]: '',
          };
        }
        let s = series.get(key);
        if (!s) {
          s = { key: `${ns}|${key}`, attributes, rows: [] };
          series.set(key, s);
          count++;
        }
        s.rows.push(r);
      });
      this.folded.set(ns, foldedPeers);
      this.cycle.set(ns, [...series.values()]);
      for (const s of series.values()) {
        let h = this.rtt.get(s.key);
        if (!h) this.rtt.set(s.key, (h = { buckets: Array<number>(NB).fill(0), sumS: 0, seen: now, high: new Map() }));
        h.seen = now;
        for (const r of s.rows) {
          r.rttBuckets.forEach((n, i) => (h!.buckets[i] = (h!.buckets[i] ?? 0) + n));
          h.sumS += r.srttSumUs / 1e6;
        }
      }
    }
    for (const [k, h] of this.rtt) if (now - h.seen >= this.ttlMs) this.rtt.delete(k);
  }

  samples(netnsInode: number): MetricSample[] {
    const out: MetricSample[] = [];
    for (const s of this.cycle.get(netnsInode) ?? []) {
      const a = s.attributes;
      const rows = s.rows;
      const h = this.rtt.get(s.key);
      const count = h ? h.buckets.reduce((x, y) => x + y, 0) : 0;
      if (h && count > 0) {
        out.push({
          metric: TCPHEALTH_RTT,
          attributes: a,
          value: {
            boundaries: LATENCY_BOUNDS_NS.map((b) => b / 1e9),
            bucketCounts: [...h.buckets],
            sum: h.sumS,
            count,
          },
        });
      }
      const mins = rows.filter((r) => r.minRttUs > 0).map((r) => r.minRttUs);
      if (mins.length > 0) out.push({ metric: TCPHEALTH_RTT_MIN, attributes: a, value: Math.min(...mins) / 1e6 });
      const states = new Map<number, number>();
      for (const r of rows) r.states.forEach((n, st) => n > 0 && states.set(st, (states.get(st) ?? 0) + n));
      for (const [st, n] of states) {
        const name = TCP_STATE_BY_NUMBER[st];
        if (name)
          out.push({
            metric: TCPHEALTH_CONNECTIONS,
            attributes: { ...a, [ATTR_NETWORK_CONNECTION_STATE]: connectionState(name) },
            value: n,
          });
      }
      const rttSockets = sumOf(rows, (r) => r.rttSockets);
      if (rttSockets > 0)
        out.push({
          metric: TCPHEALTH_RTT_VARIATION,
          attributes: a,
          value: sumOf(rows, (r) => r.rttvarSumUs) / rttSockets / 1e6,
        });
      const live = sumOf(rows, (r) => r.full);
      // a closed row has no states: counters over closed connections
      if (live === 0 && !rows.some((r) => r.states.length === 0)) continue;
      if (live > 0) out.push({ metric: TCPHEALTH_LOST, attributes: a, value: sumOf(rows, (r) => r.lost) });
      // counters: never below what this series reported before (see the head comment)
      const high = h?.high ?? new Map<string, number>();
      const mono = (metric: MetricSample['metric'], attributes: SampleAttributes, v: number, id: string): void => {
        const value = Math.max(v, high.get(id) ?? 0);
        high.set(id, value);
        out.push({ metric, attributes, value });
      };
      mono(
        TCPHEALTH_SENT,
        a,
        sumOf(rows, (r) => r.segsOut),
        'sent',
      );
      mono(
        TCPHEALTH_RETRANSMITTED,
        a,
        sumOf(rows, (r) => r.retrans),
        'retrans',
      );
      mono(
        TCPHEALTH_CLOSES,
        a,
        sumOf(rows, (r) => r.closes),
        'closes',
      );
      mono(
        TCPHEALTH_IO,
        { ...a, [ATTR_NETWORK_IO_DIRECTION]: 'transmit' },
        sumOf(rows, (r) => r.bytesAcked),
        'tx',
      );
      mono(
        TCPHEALTH_IO,
        { ...a, [ATTR_NETWORK_IO_DIRECTION]: 'receive' },
        sumOf(rows, (r) => r.bytesReceived),
        'rx',
      );
      for (const cause of RETRANSMIT_CAUSES)
        mono(
          TCPHEALTH_RETRANSMITS,
          { ...a, [ATTR_KUBESKOOP_TCP_RETRANSMIT_CAUSE]: cause },
          sumOf(rows, (r) => r.retransByCause[cause]),
          `cause:${cause}`,
        );
      const busy = sumOf(rows, (r) => r.busyUs);
      const rwnd = sumOf(rows, (r) => r.rwndUs);
      const sndbuf = sumOf(rows, (r) => r.sndbufUs);
      const limits: [string, number][] = [
        ['none', Math.max(0, busy - rwnd - sndbuf)],
        ['receive_window', rwnd],
        ['send_buffer', sndbuf],
      ];
      for (const [limit, us] of limits)
        mono(TCPHEALTH_BUSY_TIME, { ...a, [ATTR_KUBESKOOP_TCP_SEND_LIMIT]: limit }, us / 1e6, `busy:${limit}`);
    }
    out.push({ metric: TCPHEALTH_PEERS_FOLDED, attributes: {}, value: this.folded.get(netnsInode) ?? 0 });
    return out;
  }
}

export function listenerSamples(rows: readonly ListenerRow[]): MetricSample[] {
  const out: MetricSample[] = [];
  for (const l of rows) {
    const attributes = { [ATTR_NETWORK_TYPE]: l.family, [ATTR_SERVER_PORT]: l.port };
    out.push({ metric: TCPHEALTH_ACCEPT_QUEUE, attributes, value: l.backlog });
    out.push({ metric: TCPHEALTH_ACCEPT_QUEUE_LIMIT, attributes, value: l.maxBacklog });
  }
  return out;
}

export const tcphealth: MetricProbeModule = {
  name: 'tcphealth',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: peerOptionsSchema('connections'),
  },
  create(env?: ProbeEnvironment): MetricProbe {
    const native = env?.native;
    // one walk per cycle shared with tcpsummary, in peers mode from now on
    const walk = sharedTcpWalk(native);
    walk?.wantPeers();
    const series = new HealthSeries(env?.peers);
    let listeners = new Map<number, ListenerRow[]>();
    let problem: string | undefined;
    let problems: string[] = [];
    /** accumulators the kernel evicted (LRU) since the helper started */
    let evicted = 0;
    const usable = (): boolean => native?.helperCommand !== undefined;
    return {
      name: 'tcphealth',
      scope: 'netns',
      metrics: [
        TCPHEALTH_RTT,
        TCPHEALTH_RTT_MIN,
        TCPHEALTH_CONNECTIONS,
        TCPHEALTH_SENT,
        TCPHEALTH_RETRANSMITTED,
        TCPHEALTH_LOST,
        TCPHEALTH_BUSY_TIME,
        TCPHEALTH_IO,
        TCPHEALTH_CLOSES,
        TCPHEALTH_RETRANSMITS,
        TCPHEALTH_RTT_VARIATION,
        TCPHEALTH_MAP_EVICTIONS,
        TCPHEALTH_ACCEPT_QUEUE,
        TCPHEALTH_ACCEPT_QUEUE_LIMIT,
        TCPHEALTH_PEERS_FOLDED,
      ],
      async start(ctx): Promise<ProbeStatus> {
        series.configure(ctx.options as Options);
        return this.status!();
      },
      status(): ProbeStatus {
        if (!usable())
          return {
            state: 'degraded',
            reason: 'the native eBPF helper is not available to this agent (tcphealth needs its table walk)',
          };
        const h = native!.helperState?.() ?? { state: 'running' };
        if (h.state !== 'running') return { state: 'degraded', reason: h.reason ?? 'native helper not running' };
        if (problem) return { state: 'degraded', reason: problem };
        return { state: 'running' };
      },
      async beforeCycle(): Promise<void> {
        listeners = new Map();
        problems = [];
        if (!usable()) return;
        try {
          const f = await walk!.frame('tcphealth');
          const parsed = parseHealthFrame(f);
          problem = f.ok === true ? undefined : parsed.problems[0];
          problems = parsed.problems;
          series.add([...parsed.peers, ...parsed.closed], Date.now());
          if (parsed.closedStats) {
            evicted = Math.max(evicted, parsed.closedStats.evicted);
            if (parsed.closedStats.missed > 0)
              problems.push(
                `tcphealth: the kernel skipped ${parsed.closedStats.missed} runs of the close/retransmit capture (the program already running on that CPU): those closes or retransmits are not counted`,
              );
          }
          for (const l of parsed.listeners) {
            const list = listeners.get(l.netnsInode);
            if (list) list.push(l);
            else listeners.set(l.netnsInode, [l]);
          }
        } catch (err) {
          problem = `tcphealth table walk: ${(err as Error).message}`;
        }
      },
      collect(target) {
        const samples = [
          ...series.samples(target.netnsInode),
          ...listenerSamples(listeners.get(target.netnsInode) ?? []),
        ];
        if (target.kind === 'host') samples.push({ metric: TCPHEALTH_MAP_EVICTIONS, attributes: {}, value: evicted });
        return { samples, problems: target.kind === 'host' ? problems : [] };
      },
    };
  },
};

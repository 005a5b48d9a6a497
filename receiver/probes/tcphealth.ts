// tcphealth: per-peer TCP health of every pod ("ss -ti for every pod") and accept queues per
// listening port, from the native helper's tcpsummary walk in peers mode (`tcpsummary <id> peers`:
// one walk of every TCP established table of the node per cycle, every socket attributed to its own
// namespace; bpf/probes/tcpsummary.bpf.c). Values describe the connections alive at the walk.
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
  TCPHEALTH_CONNECTIONS,
  TCPHEALTH_LOST,
  TCPHEALTH_PEERS_FOLDED,
  TCPHEALTH_RETRANSMITTED,
  TCPHEALTH_RTT,
  TCPHEALTH_RTT_MIN,
  TCPHEALTH_SENT,
} from '../../semconv/generated/registry.js';
import { TCP_STATE_BY_NUMBER } from '../native/commands.js';
import { LATENCY_BOUNDS_NS } from '../native/records.js';
import { connectionState } from '../kernel/tcp-states.js';
import { PEER_DEFAULTS, peerOptionsSchema } from '../peers/governance.js';
import { PeerResolver, type CidrBucket, type PeerDirectory } from '../peers/resolve.js';
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
  listeners: ListenerRow[];
  problems: string[];
} {
  const peers: HealthRow[] = [];
  const listeners: ListenerRow[] = [];
  const problems: string[] = [];
  if (frame.ok !== true) {
    problems.push(`tcphealth: table walk failed at ${String(frame.stage)}: ${String(frame.error ?? 'not ok')}`);
    return { peers, listeners, problems };
  }
  if (!Array.isArray(frame.peers) || !Array.isArray(frame.listeners)) {
    problems.push('tcphealth: the helper answered without peers (an older helper build?)');
    return { peers, listeners, problems };
  }
  for (const p of frame.peers as unknown[]) {
    if (!Array.isArray(p) || p.length !== 22 || !Array.isArray(p[6]) || !Array.isArray(p[7]) || p[7].length !== NB) {
      problems.push('tcphealth: malformed peer row');
      continue;
    }
    const n = p.map((x, i) => (i === 3 || i === 6 || i === 7 ? 0 : Number(x)));
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
      states: (p[6] as unknown[]).map(Number),
      rttBuckets: (p[7] as unknown[]).map(Number),
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
  return { peers, listeners, problems };
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
  /** series key → cumulative RTT histogram and sum (s) */
  private readonly rtt = new Map<string, { buckets: number[]; sumS: number; seen: number }>();

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
      const total = (r: HealthRow): number => r.states.reduce((a, b) => a + b, 0);
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
        if (!h) this.rtt.set(s.key, (h = { buckets: Array<number>(NB).fill(0), sumS: 0, seen: now }));
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
      if (sumOf(rows, (r) => r.full) === 0) continue;
      out.push({ metric: TCPHEALTH_SENT, attributes: a, value: sumOf(rows, (r) => r.segsOut) });
      out.push({ metric: TCPHEALTH_RETRANSMITTED, attributes: a, value: sumOf(rows, (r) => r.retrans) });
      out.push({ metric: TCPHEALTH_LOST, attributes: a, value: sumOf(rows, (r) => r.lost) });
      const busy = sumOf(rows, (r) => r.busyUs);
      const rwnd = sumOf(rows, (r) => r.rwndUs);
      const sndbuf = sumOf(rows, (r) => r.sndbufUs);
      const limits: [string, number][] = [
        ['none', Math.max(0, busy - rwnd - sndbuf)],
        ['receive_window', rwnd],
        ['send_buffer', sndbuf],
      ];
      for (const [limit, us] of limits)
        out.push({
          metric: TCPHEALTH_BUSY_TIME,
          attributes: { ...a, [ATTR_KUBESKOOP_TCP_SEND_LIMIT]: limit },
          value: us / 1e6,
        });
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
    const series = new HealthSeries(env?.peers);
    let listeners = new Map<number, ListenerRow[]>();
    let problem: string | undefined;
    let problems: string[] = [];
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
          const f = await native!.helperCommand!('tcpsummary', ['peers']);
          const parsed = parseHealthFrame(f);
          problem = f.ok === true ? undefined : parsed.problems[0];
          problems = parsed.problems;
          series.add(parsed.peers, Date.now());
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
        return { samples, problems: target.kind === 'host' ? problems : [] };
      },
    };
  },
};

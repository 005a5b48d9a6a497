// connections: TCP connect outcomes per pod and destination (handshake duration, failures by
// cause, SYN/SYN-ACK retransmits), aggregated in the kernel by the connections eBPF probe and
// read once per cycle with the helper's `connections` command. Failures are also events (see
// receiver/events/native-source.ts).
import {
  ATTR_ERROR_TYPE,
  ATTR_KUBESKOOP_PROBE_NAME,
  ATTR_KUBESKOOP_TCP_OPEN_ROLE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_TYPE,
  ATTR_KUBESKOOP_PEER_KIND,
  ATTR_KUBESKOOP_PEER_NAME,
  ATTR_KUBESKOOP_PEER_NAMESPACE,
  ATTR_SERVER_PORT,
  CONNECTIONS_CONNECT_FAILURES,
  ATTR_KUBESKOOP_EVENT_TYPE,
  ATTR_KUBESKOOP_LATENCY_DURATION,
  ATTR_NETWORK_TRANSPORT,
  ATTR_PROCESS_EXECUTABLE_NAME,
  ATTR_PROCESS_PID,
  EVENT_CONNECTIONS_CONNECT_FAILURE,
  EVENT_CONNECTIONS_CONNECT_SLOW,
  CONNECTIONS_HANDSHAKE_DURATION,
  CONNECTIONS_HANDSHAKE_RETRANSMITS,
  CONNECTIONS_UNDELIVERED,
} from '../../semconv/generated/registry.js';
import { LATENCY_BOUNDS_NS, type Tuple } from '../native/records.js';
import type { NativeEvent } from '../native/helper-client.js';
import type { EventRecord } from './event-record.js';
import { flowText, tupleAttributes } from './tuple.js';
import { PEER_DEFAULTS, PeerGovernor, peerOptionsSchema, type Increase } from '../peers/governance.js';
import { PeerResolver, type CidrBucket, type PeerDirectory } from '../peers/resolve.js';
import type {
  AttributeValue,
  MetricProbe,
  MetricProbeModule,
  MetricSample,
  NativeCount,
  ProbeStatus,
  SampleAttributes,
} from './probe.js';
import { nativeOptionsSchema } from './native-options.js';

const UNAVAILABLE = 'the native eBPF helper is not available to this agent';

/** Failure causes of a TCP connect (enum ks_conn_err, by index), as `error.type` values. */
export const CONNECT_ERROR_TYPES = [
  'refused',
  'reset',
  'timed_out',
  'host_unreachable',
  'net_unreachable',
  'addr_not_available',
  'canceled',
  'other',
] as const;
export type ConnectErrorType = (typeof CONNECT_ERROR_TYPES)[number];

/** A connect record (struct ks_connect) of the connections probe: a failed or a slow connect. */
export interface ConnectOutcome {
  /** not a failure: a handshake slower than the slow threshold (errorType '') */
  slow: boolean;
  errorType: ConnectErrorType | '';
  /** the errno (socket error, or connect()'s return value negated); 0 = closed by its owner */
  errno: number;
  /** connect() returned it before any SYN left: only the destination is known */
  sync: boolean;
  durationNs: number;
  pid: number;
  comm: string;
  tuple: Tuple;
}

/** The connect record inside a kernel event, else undefined. */
export function connectOutcome(e: NativeEvent): ConnectOutcome | undefined {
  if (e.type !== 'generic' || e.record !== 'connect' || !e.tuple) return undefined;
  const f = e.fields;
  const slow = Number(f.slow) === 1;
  const errorType = slow ? '' : (CONNECT_ERROR_TYPES[Number(f.cause)] ?? 'other');
  const sync = Number(f.sync) === 1;
  // a synchronous failure has no local side yet
  const tuple = sync ? Object.assign({}, e.tuple, { srcAddress: '', srcPort: 0 }) : e.tuple;
  return {
    slow,
    errorType,
    errno: Number(f.err),
    sync,
    durationNs: Number(f.duration_ns),
    pid: Number(f.pid),
    comm: String(f.comm ?? ''),
    tuple,
  };
}

function renderConnect(e: NativeEvent): EventRecord | undefined {
  const c = connectOutcome(e);
  if (!c) return undefined;
  const t = c.tuple;
  const dst = t.dstAddress.includes(':') ? `[${t.dstAddress}]:${t.dstPort}` : `${t.dstAddress}:${t.dstPort}`;
  const who: Record<string, string | number> = {};
  if (c.pid > 0) who[ATTR_PROCESS_PID] = c.pid;
  if (c.comm) who[ATTR_PROCESS_EXECUTABLE_NAME] = c.comm;
  const ms = (c.durationNs / 1e6).toFixed(1);
  if (c.slow) {
    const ev = EVENT_CONNECTIONS_CONNECT_SLOW;
    return {
      eventName: ev.name,
      type: 'TCPCONNECT_SLOW',
      severity: ev.severity,
      timeUnixNano: e.timeUnixNano,
      body: `TCP connect to ${dst} took ${ms} ms (${flowText(t)})`,
      attributes: {
        [ATTR_KUBESKOOP_EVENT_TYPE]: 'TCPCONNECT_SLOW',
        [ATTR_KUBESKOOP_LATENCY_DURATION]: c.durationNs / 1e9,
        ...tupleAttributes(t),
        [ATTR_NETWORK_TRANSPORT]: 'tcp',
        ...who,
      },
    };
  }
  const ev = EVENT_CONNECTIONS_CONNECT_FAILURE;
  const how = c.sync ? 'connect() failed before sending a SYN' : `after ${ms} ms (${flowText(t)})`;
  return {
    eventName: ev.name,
    type: 'TCPCONNECT_FAIL',
    severity: ev.severity,
    timeUnixNano: e.timeUnixNano,
    body: `TCP connect to ${dst} failed: ${c.errorType}${c.errno ? ` (errno ${c.errno})` : ''}, ${how}`,
    attributes: {
      [ATTR_KUBESKOOP_EVENT_TYPE]: 'TCPCONNECT_FAIL',
      [ATTR_ERROR_TYPE]: c.errorType,
      ...tupleAttributes(t),
      [ATTR_NETWORK_TRANSPORT]: 'tcp',
      ...who,
    },
  };
}

/** One row of the helper's `connections` frame. */
export interface PeerRow {
  netnsInode: number;
  role: 'active' | 'passive';
  family: 'ipv4' | 'ipv6';
  address: string;
  port: number;
  buckets: number[];
  sumNs: number;
  failures: number[];
  synRetransmits: number;
}

/** Parse the helper's `connections` frame; malformed rows are skipped and named. */
export function parsePeerRows(frame: Record<string, unknown>): { rows: PeerRow[]; problems: string[] } {
  const rows: PeerRow[] = [];
  const problems: string[] = [];
  if (frame.ok !== true) return { rows, problems: [`connections: ${String(frame.error ?? 'helper answered not ok')}`] };
  const peers = Array.isArray(frame.peers) ? frame.peers : [];
  for (const p of peers) {
    if (!Array.isArray(p) || p.length < 9 || !Array.isArray(p[5]) || !Array.isArray(p[7])) {
      problems.push('connections: malformed peer row');
      continue;
    }
    const [netns, role, family, address, port, buckets, sum, failures, syn] = p as [
      number,
      number,
      number,
      string,
      number,
      number[],
      number,
      number[],
      number,
    ];
    if ((role !== 1 && role !== 2) || (family !== 4 && family !== 6)) {
      problems.push(`connections: peer row with role ${role}, family ${family}`);
      continue;
    }
    rows.push({
      netnsInode: netns,
      role: role === 1 ? 'active' : 'passive',
      family: family === 4 ? 'ipv4' : 'ipv6',
      address,
      port,
      buckets: buckets.map(Number),
      sumNs: Number(sum),
      failures: failures.map(Number),
      synRetransmits: Number(syn),
    });
  }
  return { rows, problems };
}

type Totals = Pick<PeerRow, 'buckets' | 'sumNs' | 'failures' | 'synRetransmits'>;
const add = (a: Totals, b: Totals): Totals => ({
  buckets: a.buckets.map((x, i) => x + (b.buckets[i] ?? 0)),
  sumNs: a.sumNs + b.sumNs,
  failures: a.failures.map((x, i) => x + (b.failures[i] ?? 0)),
  synRetransmits: a.synRetransmits + b.synRetransmits,
});
const fellBack = (now: Totals, before: Totals): boolean =>
  now.sumNs < before.sumNs ||
  now.synRetransmits < before.synRetransmits ||
  now.buckets.some((x, i) => x < (before.buckets[i] ?? 0)) ||
  now.failures.some((x, i) => x < (before.failures[i] ?? 0));

/**
 * Keeps the counters monotonic when the kernel's table starts again (a reload with new options, a
 * restarted helper): what a key had before the restart is carried and added to what follows.
 */
export class PeerCarry {
  private last = new Map<string, Totals>();
  private carried = new Map<string, Totals>();
  apply(r: PeerRow): PeerRow {
    const key = `${r.netnsInode}|${r.role}|${r.address}|${r.port}`;
    const prev = this.last.get(key);
    this.last.set(key, r);
    if (prev && fellBack(r, prev)) {
      const c = this.carried.get(key);
      this.carried.set(key, c ? add(c, prev) : prev);
    }
    const c = this.carried.get(key);
    return c ? Object.assign({}, r, add(r, c)) : r;
  }
}

/** A row's counters as one vector: buckets, sum (ns), failures by cause, SYN retransmits. */
const vectorOf = (r: Totals): number[] => [...r.buckets, r.sumNs, ...r.failures, r.synRetransmits];
const NB = LATENCY_BOUNDS_NS.length + 1;
const NF = CONNECT_ERROR_TYPES.length;

interface Options {
  top_k?: number;
  ttl?: number;
  max_series?: number;
  cidrs?: CidrBucket[];
}

/**
 * The series of one cycle's rows: per pod, each row's increase since the previous cycle, its peer
 * named by the peer layer (receiver/peers/resolve.ts, as flow names it) and bounded by the same
 * governance (top-K peers per pod by connects, `other`, TTL, node-wide cap).
 */
export class ConnectionSeries {
  private readonly prev = new Map<string, { v: number[]; at: number }>();
  /** kernel key → the peer names it was reported under (a rename drops the old series) */
  private readonly named = new Map<string, string>();
  readonly governor: PeerGovernor<SampleAttributes>;
  private resolver: PeerResolver;
  private ttlMs: number = PEER_DEFAULTS.ttlSeconds * 1000;

  constructor(private readonly directory?: PeerDirectory) {
    this.resolver = new PeerResolver(directory);
    this.governor = new PeerGovernor({
      topK: PEER_DEFAULTS.topK,
      ttlMs: this.ttlMs,
      maxSeries: PEER_DEFAULTS.maxSeries,
    });
  }

  configure(o: Options): void {
    this.resolver = new PeerResolver(this.directory, o.cidrs ?? [], 'probes connections: options.cidrs');
    this.ttlMs = (o.ttl ?? PEER_DEFAULTS.ttlSeconds) * 1000;
    this.governor.setOptions({
      topK: o.top_k ?? PEER_DEFAULTS.topK,
      ttlMs: this.ttlMs,
      maxSeries: o.max_series ?? PEER_DEFAULTS.maxSeries,
    });
  }

  /** Adds one cycle's rows (cumulative, made monotonic by PeerCarry). */
  add(rows: readonly PeerRow[], now: number): void {
    const byPod = new Map<number, Increase<SampleAttributes>[]>();
    for (const r of rows) {
      const k = `${r.netnsInode}|${r.role}|${r.family}|${r.address}|${r.port}`;
      const v = vectorOf(r);
      const p = this.prev.get(k);
      const d = v.map((x, i) => Math.max(0, x - (p?.v[i] ?? 0)));
      this.prev.set(k, { v, at: now });
      const moved = d.reduce((a, b) => a + b, 0);
      if (moved === 0) continue;
      const attempts = d.slice(0, NB - 1).reduce((a, b) => a + b, 0) + d.slice(NB, NB + NF).reduce((a, b) => a + b, 0);
      const a: Record<string, AttributeValue> = {
        [ATTR_KUBESKOOP_TCP_OPEN_ROLE]: r.role,
        [ATTR_NETWORK_TYPE]: r.family,
        [ATTR_SERVER_PORT]: r.port,
      };
      let names = '';
      if (r.role === 'active') {
        const peer = this.resolver.resolve(r.address);
        a[ATTR_NETWORK_PEER_ADDRESS] = r.address;
        a[ATTR_KUBESKOOP_PEER_KIND] = peer.kind;
        a[ATTR_KUBESKOOP_PEER_NAME] = peer.name;
        a[ATTR_KUBESKOOP_PEER_NAMESPACE] = peer.namespace;
        names = `${peer.kind}|${peer.namespace}|${peer.name}`;
      }
      const old = this.named.get(k);
      if (old !== undefined && old !== names) this.governor.drop(String(r.netnsInode), `${k}|${old}`);
      this.named.set(k, names);
      const otherAttributes: SampleAttributes =
        r.role === 'active'
          ? {
              [ATTR_KUBESKOOP_TCP_OPEN_ROLE]: r.role,
              [ATTR_NETWORK_PEER_ADDRESS]: 'other',
              [ATTR_KUBESKOOP_PEER_KIND]: 'other',
              [ATTR_KUBESKOOP_PEER_NAME]: 'other',
              [ATTR_KUBESKOOP_PEER_NAMESPACE]: '',
            }
          : { [ATTR_KUBESKOOP_TCP_OPEN_ROLE]: r.role };
      let list = byPod.get(r.netnsInode);
      if (!list) byPod.set(r.netnsInode, (list = []));
      list.push({
        key: `${k}|${names}`,
        peer: r.role === 'active' ? r.address : `listen ${r.family} ${r.port}`,
        attributes: a,
        otherKey: `other|${r.role}`,
        otherAttributes,
        bytes: attempts,
        packets: moved,
        values: d,
      });
    }
    for (const [ns, list] of byPod) this.governor.add(String(ns), list, now);
    this.governor.expire(now);
    for (const [k, p] of this.prev)
      if (now - p.at > this.ttlMs) {
        this.prev.delete(k);
        this.named.delete(k);
      }
  }

  /** The samples of one pod (namespace inode). */
  samples(netnsInode: number): MetricSample[] {
    const out: MetricSample[] = [];
    for (const s of this.governor.series(String(netnsInode))) {
      const v = s.values;
      const buckets = Array.from({ length: NB }, (_, i) => v[i] ?? 0);
      const count = buckets.reduce((a, b) => a + b, 0);
      const attrs = s.attributes;
      if (count > 0) {
        out.push({
          metric: CONNECTIONS_HANDSHAKE_DURATION,
          attributes: attrs,
          value: {
            boundaries: LATENCY_BOUNDS_NS.map((b) => b / 1e9),
            bucketCounts: buckets,
            sum: (v[NB] ?? 0) / 1e9,
            count,
          },
        });
      }
      const syn = v[NB + 1 + NF] ?? 0;
      if (syn > 0) out.push({ metric: CONNECTIONS_HANDSHAKE_RETRANSMITS, attributes: attrs, value: syn });
      if (attrs[ATTR_KUBESKOOP_TCP_OPEN_ROLE] !== 'active') continue;
      const { [ATTR_KUBESKOOP_TCP_OPEN_ROLE]: _role, ...dest } = attrs;
      for (let i = 0; i < NF; i++) {
        const n = v[NB + 1 + i] ?? 0;
        if (n > 0)
          out.push({
            metric: CONNECTIONS_CONNECT_FAILURES,
            value: n,
            attributes: { [ATTR_ERROR_TYPE]: CONNECT_ERROR_TYPES[i]!, ...dest },
          });
      }
    }
    return out;
  }

  forget(netnsInode: number): void {
    this.governor.forget(String(netnsInode));
  }
}

export const connections: MetricProbeModule = {
  name: 'connections',
  optionsSchema: (() => {
    const base = nativeOptionsSchema(false) as { properties: Record<string, unknown> };
    return Object.assign({}, base, {
      properties: Object.assign({}, base.properties, {
        max_peers: { type: 'integer', minimum: 16 },
        slow_connect_ms: { type: 'number', exclusiveMinimum: 0 },
        ...peerOptionsSchema('connects (handshakes and failures)'),
      }),
    });
  })(),
  renderEvent: renderConnect,
  create(env): MetricProbe {
    const native = env?.native;
    let undelivered: NativeCount[] = [];
    let problems: string[] = [];
    const carry = new PeerCarry();
    const series = new ConnectionSeries(env?.peers);
    const status = (): ProbeStatus =>
      native ? native.probeStatus('connections') : { state: 'degraded', reason: UNAVAILABLE };
    return {
      name: 'connections',
      scope: 'netns',
      metrics: [
        CONNECTIONS_HANDSHAKE_DURATION,
        CONNECTIONS_CONNECT_FAILURES,
        CONNECTIONS_HANDSHAKE_RETRANSMITS,
        CONNECTIONS_UNDELIVERED,
      ],
      async start(ctx): Promise<ProbeStatus> {
        series.configure((ctx?.options ?? {}) as Options);
        return status();
      },
      status,
      async beforeCycle(): Promise<void> {
        problems = [];
        if (!native?.helperCommand || status().state !== 'running') return;
        await native.refreshCounters(0);
        undelivered = native.counts('connections').filter((c) => c.series === 'undelivered');
        let frame: Record<string, unknown>;
        try {
          frame = await native.helperCommand('connections');
        } catch (e) {
          problems.push(`connections: ${(e as Error).message}`);
          return;
        }
        const parsed = parsePeerRows(frame);
        problems = parsed.problems;
        series.add(
          parsed.rows.map((r) => carry.apply(r)),
          Date.now(),
        );
      },
      async collect(target) {
        const samples = series.samples(target.netnsInode);
        for (const c of undelivered) {
          if (c.netnsInode === target.netnsInode || (target.kind === 'host' && c.netnsInode === 0)) {
            samples.push({
              metric: CONNECTIONS_UNDELIVERED,
              value: c.count,
              attributes: {
                [ATTR_KUBESKOOP_PROBE_NAME]: 'connections',
                [ATTR_ERROR_TYPE]: c.labels.cause ?? 'unknown',
              },
            });
          }
        }
        return { samples, problems: target.kind === 'host' ? problems : [] };
      },
    };
  },
};

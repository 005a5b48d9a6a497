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
import { formatIPv4, formatIPv6 } from '../kernel/inet.js';
import { PeerResolver, type CidrBucket, type PeerDirectory } from '../peers/resolve.js';
import { sharedTcpWalk } from './tcp-walk.js';
import type {
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

/**
 * The rows of one frame, live and closed, by column: typed arrays and one address string per row,
 * no object per row (at 50k peers the agent's objects per row per cycle cost more than the walk).
 */
export class HealthTable {
  n = 0;
  netns: Float64Array;
  /** 4 or 6 */
  family: Uint8Array;
  /** 1 = active (this side connected), 2 = passive */
  role: Uint8Array;
  /** 1 = a closed-connections row (counters only) */
  closedRow: Uint8Array;
  port: Uint32Array;
  address: string[] = [];
  /** F_* columns, row-major: num[row * NF + F_x] */
  num: Float64Array;
  /** sockets by state (16 per row) */
  states: Uint32Array;
  /** RTT histogram (NB per row) */
  hist: Uint32Array;

  constructor(private cap = 64) {
    this.netns = new Float64Array(cap);
    this.family = new Uint8Array(cap);
    this.role = new Uint8Array(cap);
    this.closedRow = new Uint8Array(cap);
    this.port = new Uint32Array(cap);
    this.num = new Float64Array(cap * NF);
    this.states = new Uint32Array(cap * NSTATES);
    this.hist = new Uint32Array(cap * NB);
  }

  /** a new zeroed row; its index */
  push(netns: number, family: number, role: number, address: string, port: number, closed: boolean): number {
    if (this.n === this.cap) this.grow();
    const i = this.n++;
    this.netns[i] = netns;
    this.family[i] = family;
    this.role[i] = role;
    this.closedRow[i] = closed ? 1 : 0;
    this.port[i] = port;
    this.address[i] = address;
    return i;
  }

  private grow(): void {
    const cap = this.cap * 2;
    const more = <T extends Float64Array | Uint8Array | Uint32Array>(a: T, per = 1): T => {
      const b = new (a.constructor as new (n: number) => T)(cap * per);
      b.set(a);
      return b;
    };
    this.netns = more(this.netns);
    this.family = more(this.family);
    this.role = more(this.role);
    this.closedRow = more(this.closedRow);
    this.port = more(this.port);
    this.num = more(this.num, NF);
    this.states = more(this.states, NSTATES);
    this.hist = more(this.hist, NB);
    this.cap = cap;
  }

  /** Rows as objects (tests and tools; the probe reads the columns). */
  rows(closed: boolean): HealthRow[] {
    const out: HealthRow[] = [];
    for (let i = 0; i < this.n; i++) {
      if ((this.closedRow[i] === 1) !== closed) continue;
      const f = (k: number): number => this.num[i * NF + k]!;
      out.push({
        netnsInode: this.netns[i]!,
        family: this.family[i] === 4 ? 'ipv4' : 'ipv6',
        role: this.role[i] === 1 ? 'active' : 'passive',
        address: this.address[i]!,
        port: this.port[i]!,
        full: f(F_FULL),
        states: closed ? [] : [...this.states.subarray(i * NSTATES, (i + 1) * NSTATES)],
        rttBuckets: closed ? [] : [...this.hist.subarray(i * NB, (i + 1) * NB)],
        rttSockets: f(F_RTT_SOCKETS),
        srttMinUs: f(F_SRTT_MIN),
        srttMaxUs: f(F_SRTT_MAX),
        minRttUs: f(F_MIN_RTT),
        srttSumUs: f(F_SRTT_SUM),
        rttvarSumUs: f(F_RTTVAR_SUM),
        segsOut: f(F_SEGS_OUT),
        retrans: f(F_RETRANS),
        lost: f(F_LOST),
        bytesAcked: f(F_BYTES_ACKED),
        bytesReceived: f(F_BYTES_RECEIVED),
        busyUs: f(F_BUSY),
        rwndUs: f(F_RWND),
        sndbufUs: f(F_SNDBUF),
        closes: f(F_CLOSES),
        retransByCause: {
          timeout: f(F_CAUSE),
          fast: f(F_CAUSE + 1),
          tail_loss_probe: f(F_CAUSE + 2),
          syn: f(F_CAUSE + 3),
        },
      });
    }
    return out;
  }

  static fromRows(rows: readonly HealthRow[]): HealthTable {
    const t = new HealthTable(Math.max(rows.length, 1));
    for (const r of rows) {
      const closed = r.states.length === 0;
      const i = t.push(
        r.netnsInode,
        r.family === 'ipv4' ? 4 : 6,
        r.role === 'active' ? 1 : 2,
        r.address,
        r.port,
        closed,
      );
      const o = i * NF;
      const n = t.num;
      n[o + F_FULL] = r.full;
      n[o + F_RTT_SOCKETS] = r.rttSockets;
      n[o + F_SRTT_MIN] = r.srttMinUs;
      n[o + F_SRTT_MAX] = r.srttMaxUs;
      n[o + F_MIN_RTT] = r.minRttUs;
      n[o + F_SRTT_SUM] = r.srttSumUs;
      n[o + F_RTTVAR_SUM] = r.rttvarSumUs;
      n[o + F_SEGS_OUT] = r.segsOut;
      n[o + F_RETRANS] = r.retrans;
      n[o + F_LOST] = r.lost;
      n[o + F_BYTES_ACKED] = r.bytesAcked;
      n[o + F_BYTES_RECEIVED] = r.bytesReceived;
      n[o + F_BUSY] = r.busyUs;
      n[o + F_RWND] = r.rwndUs;
      n[o + F_SNDBUF] = r.sndbufUs;
      n[o + F_CLOSES] = r.closes;
      RETRANSMIT_CAUSES.forEach((c, k) => (n[o + F_CAUSE + k] = r.retransByCause[c]));
      r.states.forEach((x, k) => k < NSTATES && (t.states[i * NSTATES + k] = x));
      r.rttBuckets.forEach((x, k) => k < NB && (t.hist[i * NB + k] = x));
    }
    return t;
  }
}

const NSTATES = 16;
// the numeric columns of a HealthTable row
const F_FULL = 0;
const F_RTT_SOCKETS = 1;
const F_SRTT_MIN = 2;
const F_SRTT_MAX = 3;
const F_MIN_RTT = 4;
const F_SRTT_SUM = 5;
const F_RTTVAR_SUM = 6;
const F_SEGS_OUT = 7;
const F_RETRANS = 8;
const F_LOST = 9;
const F_BYTES_ACKED = 10;
const F_BYTES_RECEIVED = 11;
const F_BUSY = 12;
const F_RWND = 13;
const F_SNDBUF = 14;
const F_CLOSES = 15;
const F_CAUSE = 16; // 4: RETRANSMIT_CAUSES order
const NF = 20;

/** a peer row's numbers after its histogram: [8..21] of the helper's row → columns */
const PEER_TAIL: readonly number[] = [
  F_RTT_SOCKETS,
  F_SRTT_MIN,
  F_SRTT_MAX,
  F_MIN_RTT,
  F_SRTT_SUM,
  F_RTTVAR_SUM,
  F_SEGS_OUT,
  F_RETRANS,
  F_LOST,
  F_BYTES_ACKED,
  F_BYTES_RECEIVED,
  F_BUSY,
  F_RWND,
  F_SNDBUF,
];
/** a closed row's numbers [5..16] → columns */
const CLOSED_TAIL: readonly number[] = [
  F_CLOSES,
  F_SEGS_OUT,
  F_RETRANS,
  F_BYTES_ACKED,
  F_BYTES_RECEIVED,
  F_BUSY,
  F_RWND,
  F_SNDBUF,
  F_CAUSE,
  F_CAUSE + 1,
  F_CAUSE + 2,
  F_CAUSE + 3,
];

/** Parses the peers and listeners of a `tcpsummary <id> peers` frame; malformed rows are named. */
export function parseHealthFrame(frame: Record<string, unknown>): {
  /** live and closed rows, by column (what the probe reads) */
  table: HealthTable;
  /** the live rows as objects (made when read) */
  readonly peers: HealthRow[];
  /** the accumulators of closed connections and retransmits by cause, one row per key (made when read) */
  readonly closed: HealthRow[];
  closedStats?: ClosedStats;
  listeners: ListenerRow[];
  problems: string[];
} {
  // sized for every row of the frame up front: no doubling copies, no slack (at 50k rows the
  // columns are ~12 MB)
  const binRows =
    typeof frame.peers_bin === 'string' ? Math.floor((frame.peers_bin.length * 3) / 4 / PEER_ROW_BYTES) : 0;
  const listed = (x: unknown): number => (Array.isArray(x) ? x.length : 0);
  const table = new HealthTable(Math.max(1, binRows + listed(frame.peers) + listed(frame.closed)));
  const listeners: ListenerRow[] = [];
  const problems: string[] = [];
  const result = (closedStats?: ClosedStats) => {
    let peers: HealthRow[] | undefined;
    let closed: HealthRow[] | undefined;
    return {
      table,
      get peers(): HealthRow[] {
        return (peers ??= table.rows(false));
      },
      get closed(): HealthRow[] {
        return (closed ??= table.rows(true));
      },
      closedStats,
      listeners,
      problems,
    };
  };
  if (frame.ok !== true) {
    problems.push(`tcphealth: table walk failed at ${String(frame.stage)}: ${String(frame.error ?? 'not ok')}`);
    return result();
  }
  if (
    !(Array.isArray(frame.peers) || typeof frame.peers_bin === 'string') ||
    !Array.isArray(frame.listeners) ||
    !Array.isArray(frame.closed)
  ) {
    problems.push('tcphealth: the helper answered without peers or closed (an older helper build?)');
    return result();
  }
  if (typeof frame.capture_error === 'string')
    problems.push(`tcphealth: close-time capture off, counters cover live connections only: ${frame.capture_error}`);
  const num = (x: unknown): boolean => typeof x === 'number';
  if (typeof frame.peers_bin === 'string') decodePeerRows(frame, table, problems);
  for (const p of (frame.peers ?? []) as unknown[]) {
    if (
      !Array.isArray(p) ||
      p.length !== 22 ||
      !Array.isArray(p[6]) ||
      !Array.isArray(p[7]) ||
      p[7].length !== NB ||
      !num(p[0]) ||
      !num(p[1]) ||
      !num(p[2]) ||
      typeof p[3] !== 'string' ||
      !num(p[4]) ||
      !num(p[5]) ||
      !(p[6] as unknown[]).every(num) ||
      !(p[7] as unknown[]).every(num)
    ) {
      problems.push('tcphealth: malformed peer row');
      continue;
    }
    let ok = true;
    for (let k = 8; k < 22; k++) if (!num(p[k])) ok = false;
    if (!ok) {
      problems.push('tcphealth: malformed peer row');
      continue;
    }
    const n = p as number[]; // numbers as the helper printed them (JSON.parse made them numbers)
    if ((n[1] !== 4 && n[1] !== 6) || (n[2] !== 1 && n[2] !== 2)) {
      problems.push(`tcphealth: peer row with family ${n[1]}, role ${n[2]}`);
      continue;
    }
    const i = table.push(n[0]!, n[1], n[2], p[3], n[4]!, false);
    const o = i * NF;
    table.num[o + F_FULL] = n[5]!;
    for (let k = 0; k < PEER_TAIL.length; k++) table.num[o + PEER_TAIL[k]!] = n[8 + k]!;
    const st = p[6] as number[];
    for (let k = 0; k < st.length && k < NSTATES; k++) table.states[i * NSTATES + k] = st[k]!;
    const h = p[7] as number[];
    for (let k = 0; k < NB; k++) table.hist[i * NB + k] = h[k]!;
  }
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
    const i = table.push(n[0]!, n[1], n[2], String(p[3]), n[4]!, true);
    for (let k = 0; k < CLOSED_TAIL.length; k++) table.num[i * NF + CLOSED_TAIL[k]!] = n[5 + k]!;
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
  return result(closedStats);
}

/** bytes of one `peers_bin` row: struct ks_tcpsum_peer_key (24) + struct ks_tcpsum_peer_val (264) */
const PEER_ROW_BYTES = 288;

/**
 * The helper's binary peer rows (`peers_bin`, base64; bpf/include/ks_tcpsummary.h's key and value
 * as the walk wrote them, little-endian) into the table: no JSON number per field, no array per row.
 */
function decodePeerRows(frame: Record<string, unknown>, table: HealthTable, problems: string[]): void {
  const buf = Buffer.from(frame.peers_bin as string, 'base64');
  if (frame.peer_row_bytes !== PEER_ROW_BYTES || buf.length % PEER_ROW_BYTES !== 0) {
    problems.push(
      `tcphealth: peers_bin rows of ${String(frame.peer_row_bytes)} bytes (${buf.length} bytes in all), expected ${PEER_ROW_BYTES} (a helper of another build?)`,
    );
    return;
  }
  const u64 = (o: number): number => buf.readUInt32LE(o) + buf.readUInt32LE(o + 4) * 2 ** 32;
  for (let o = 0; o < buf.length; o += PEER_ROW_BYTES) {
    const family = buf[o + 6]!;
    const role = buf[o + 7]!;
    if ((family !== 4 && family !== 6) || (role !== 1 && role !== 2)) {
      problems.push(`tcphealth: peer row with family ${family}, role ${role}`);
      continue;
    }
    const i = table.push(
      buf.readUInt32LE(o),
      family,
      role,
      family === 4 ? formatIPv4(buf, o + 8) : formatIPv6(buf, o + 8),
      buf.readUInt16LE(o + 4),
      false,
    );
    const v = o + 24;
    const n = table.num;
    const f = i * NF;
    const rttSockets = buf.readUInt32LE(v + 8);
    const minRtt = buf.readUInt32LE(v + 20);
    n[f + F_FULL] = buf.readUInt32LE(v + 4);
    n[f + F_RTT_SOCKETS] = rttSockets;
    n[f + F_SRTT_MIN] = rttSockets ? buf.readUInt32LE(v + 12) : 0;
    n[f + F_SRTT_MAX] = buf.readUInt32LE(v + 16);
    n[f + F_MIN_RTT] = minRtt === 0xffffffff ? 0 : minRtt;
    n[f + F_SRTT_SUM] = u64(v + 24);
    n[f + F_RTTVAR_SUM] = u64(v + 32);
    n[f + F_SEGS_OUT] = u64(v + 40);
    n[f + F_RETRANS] = u64(v + 48);
    n[f + F_LOST] = u64(v + 56);
    n[f + F_BYTES_ACKED] = u64(v + 64);
    n[f + F_BYTES_RECEIVED] = u64(v + 72);
    n[f + F_BUSY] = u64(v + 80);
    n[f + F_RWND] = u64(v + 88);
    n[f + F_SNDBUF] = u64(v + 96);
    for (let k = 0; k < NSTATES; k++) table.states[i * NSTATES + k] = buf.readUInt32LE(v + 104 + 4 * k);
    for (let k = 0; k < NB; k++) table.hist[i * NB + k] = buf.readUInt32LE(v + 168 + 4 * k);
  }
}

interface Options {
  top_k?: number;
  ttl?: number;
  max_series?: number;
  cidrs?: CidrBucket[];
}

// a series' sums over its rows (A_* of one Float64Array)
const A_FULL = 0;
const A_RTT_SOCKETS = 1;
const A_RTTVAR_SUM = 2;
const A_LOST = 3;
const A_SEGS_OUT = 4;
const A_RETRANS = 5;
const A_CLOSES = 6;
const A_BYTES_ACKED = 7;
const A_BYTES_RECEIVED = 8;
const A_BUSY = 9;
const A_RWND = 10;
const A_SNDBUF = 11;
const A_CAUSE = 12; // 4
const A_MIN_RTT = 16; // min over rows with one (0 = none)
const A_HAS_CLOSED = 17;
const A_STATES = 18; // 16
const NA = A_STATES + NSTATES;
/** [series sum, row column] pairs added row by row */
const SUMS: readonly (readonly [number, number])[] = [
  [A_FULL, F_FULL],
  [A_RTT_SOCKETS, F_RTT_SOCKETS],
  [A_RTTVAR_SUM, F_RTTVAR_SUM],
  [A_LOST, F_LOST],
  [A_SEGS_OUT, F_SEGS_OUT],
  [A_RETRANS, F_RETRANS],
  [A_CLOSES, F_CLOSES],
  [A_BYTES_ACKED, F_BYTES_ACKED],
  [A_BYTES_RECEIVED, F_BYTES_RECEIVED],
  [A_BUSY, F_BUSY],
  [A_RWND, F_RWND],
  [A_SNDBUF, F_SNDBUF],
  [A_CAUSE, F_CAUSE],
  [A_CAUSE + 1, F_CAUSE + 1],
  [A_CAUSE + 2, F_CAUSE + 2],
  [A_CAUSE + 3, F_CAUSE + 3],
];

/** One series of one cycle: the sums of the rows folded into it. */
interface Folded {
  /** namespace|series: the key of its kept state */
  key: string;
  attributes: SampleAttributes;
  /** its sums: NA numbers from acc[at * NA] of the cycle */
  at: number;
  /** its kept state: KW numbers from kept[slot * KW] */
  slot: number;
}

// The cumulative state of a series, KW numbers per slot: RTT histogram (NB), its sum (s), when
// last seen, and the highest value each counter reported (K_HIGH + H_*).
const K_SUM = NB;
const K_SEEN = NB + 1;
const K_HIGH = NB + 2;
const H_SENT = 0;
const H_RETRANS = 1;
const H_CLOSES = 2;
const H_TX = 3;
const H_RX = 4;
const H_CAUSE = 5; // 4: RETRANSMIT_CAUSES order
const H_BUSY = 9; // 3: none, receive_window, send_buffer
const KW = K_HIGH + 12;
/** a length of n-number runs a quarter larger than len */
const grown = (len: number, n: number): number => (Math.ceil(len / n / 4) + len / n) * n;

/**
 * Per-cycle series of the health rows: peer names, top-K per pod by connections (then segments
 * sent) + `other`, the node-wide cap, and the RTT histogram kept cumulative per series (one
 * observation per connection per cycle) until the series is not seen for the TTL. Rows are read by
 * column and summed straight into their series; only a pod's top-K rows are named.
 */
export class HealthSeries {
  private resolver: PeerResolver;
  private topK: number = PEER_DEFAULTS.topK;
  private ttlMs: number = PEER_DEFAULTS.ttlSeconds * 1000;
  private maxSeries: number = PEER_DEFAULTS.maxSeries;
  private cycle = new Map<number, Folded[]>();
  private folded = new Map<number, number>();
  // Numbers of every series in two arrays, not objects and typed arrays per series (they cost
  // ~1.5 KB a series): this cycle's sums (NA per series), and the kept state (KW per slot, by key;
  // a slot freed by the TTL is reused, the arrays keep their high-water size and grow by a quarter,
  // as doubling left up to half of them unused).
  private acc = new Float64Array(64 * NA);
  private nacc = 0;
  private kept = new Float64Array(64 * KW);
  private nslots = 0;
  private readonly slots = new Map<string, number>();
  private readonly free: number[] = [];

  constructor(private readonly directory?: PeerDirectory) {
    this.resolver = new PeerResolver(directory);
  }

  /** series of the last cycle, `other` ones included */
  get size(): number {
    let n = 0;
    for (const l of this.cycle.values()) n += l.length;
    return n;
  }

  configure(o: Options): void {
    this.resolver = new PeerResolver(this.directory, o.cidrs ?? [], 'probes tcphealth: options.cidrs');
    this.topK = o.top_k ?? PEER_DEFAULTS.topK;
    this.ttlMs = (o.ttl ?? PEER_DEFAULTS.ttlSeconds) * 1000;
    this.maxSeries = o.max_series ?? PEER_DEFAULTS.maxSeries;
  }

  add(rows: HealthTable | readonly HealthRow[], now: number): void {
    const t = rows instanceof HealthTable ? rows : HealthTable.fromRows(rows);
    // connections of a row: live ones, then closed ones (a peer of short connections only has closes)
    const total = new Float64Array(t.n);
    for (let i = 0; i < t.n; i++) {
      let x = t.num[i * NF + F_CLOSES]!;
      for (let k = 0; k < NSTATES; k++) x += t.states[i * NSTATES + k]!;
      total[i] = x;
    }
    // the rows of each pod, in frame order
    const byPod = new Map<number, number[]>();
    for (let i = 0; i < t.n; i++) {
      const ns = t.netns[i]!;
      const l = byPod.get(ns);
      if (l) l.push(i);
      else byPod.set(ns, [i]);
    }
    const before = (a: number, b: number): number =>
      total[b]! - total[a]! ||
      t.num[b * NF + F_SEGS_OUT]! - t.num[a * NF + F_SEGS_OUT]! ||
      (t.address[a]! < t.address[b]! ? -1 : t.address[a]! > t.address[b]! ? 1 : t.port[a]! - t.port[b]!);
    this.cycle = new Map();
    this.folded = new Map();
    this.nacc = 0;
    let count = 0;
    for (const [ns, list] of byPod) {
      // a pod's own series: its first K rows in `before` order (picked, not the whole list sorted),
      // each while the node-wide cap allows
      const own = Math.min(this.topK, list.length);
      let top: number[] = [];
      // a large top-K of a pod (the option allows it) would make the insertion below quadratic:
      // then sort the whole list (stable, as the insertion keeps ties in frame order)
      if (own > 64 && own * 8 >= list.length) top = [...list].sort(before).slice(0, own);
      else if (own > 0) {
        for (const i of list) {
          if (top.length === own && before(i, top[own - 1]!) >= 0) continue;
          let at = top.length;
          while (at > 0 && before(i, top[at - 1]!) < 0) at--;
          top.splice(at, 0, i);
          if (top.length > own) top.pop();
        }
      }
      const series = new Map<string, Folded>();
      const into = (key: string, attributes: () => SampleAttributes): Folded => {
        let s = series.get(key);
        if (!s) {
          s = { key: `${ns}|${key}`, attributes: attributes(), at: this.newSums(), slot: -1 };
          series.set(key, s);
          count++;
        }
        return s;
      };
      const other = (i: number): Folded => {
        foldedPeers++;
        const role = t.role[i] === 1 ? 'active' : 'passive';
        return into(`other|${role}`, () => ({
          [ATTR_KUBESKOOP_TCP_OPEN_ROLE]: role,
          [ATTR_NETWORK_PEER_ADDRESS]: 'other',
          [ATTR_KUBESKOOP_PEER_KIND]: 'other',
          [ATTR_KUBESKOOP_PEER_NAME]: 'other',
          [ATTR_KUBESKOOP_PEER_NAMESPACE]: '',
        }));
      };
      let foldedPeers = 0;
      // own series in rank order (the order the series are made and reported in), then `other`
      for (const i of top) {
        if (count >= this.maxSeries) {
          this.fold(t, i, other(i), now);
          continue;
        }
        const role = t.role[i] === 1 ? 'active' : 'passive';
        const family = t.family[i] === 4 ? 'ipv4' : 'ipv6';
        const address = t.address[i]!;
        const port = t.port[i]!;
        const peer = this.resolver.resolve(address);
        const key = `${role}|${family}|${address}|${port}|${peer.kind}|${peer.namespace}|${peer.name}`;
        this.fold(
          t,
          i,
          into(key, () => ({
            [ATTR_KUBESKOOP_TCP_OPEN_ROLE]: role,
            [ATTR_NETWORK_TYPE]: family,
            [ATTR_NETWORK_PEER_ADDRESS]: address,
            [ATTR_KUBESKOOP_PEER_KIND]: peer.kind,
            [ATTR_KUBESKOOP_PEER_NAME]: peer.name,
            [ATTR_KUBESKOOP_PEER_NAMESPACE]: peer.namespace,
            [ATTR_SERVER_PORT]: port,
          })),
          now,
        );
      }
      const isTop = new Uint8Array(t.n);
      for (const i of top) isTop[i] = 1;
      for (const i of list) if (!isTop[i]) this.fold(t, i, other(i), now);
      this.folded.set(ns, foldedPeers);
      this.cycle.set(ns, [...series.values()]);
    }
    for (const [k, slot] of this.slots)
      if (now - this.kept[slot * KW + K_SEEN]! >= this.ttlMs) {
        this.slots.delete(k);
        this.free.push(slot);
      }
  }

  /** a zeroed NA-number run of acc for a new series of this cycle; its index */
  private newSums(): number {
    const at = this.nacc++;
    if (this.nacc * NA > this.acc.length) {
      const b = new Float64Array(grown(this.acc.length, NA));
      b.set(this.acc);
      this.acc = b;
    }
    this.acc.fill(0, at * NA, (at + 1) * NA);
    return at;
  }

  /** the kept slot of a series key, made zeroed when new */
  private slotOf(key: string): number {
    let slot = this.slots.get(key);
    if (slot !== undefined) return slot;
    slot = this.free.pop() ?? this.nslots++;
    if (this.nslots * KW > this.kept.length) {
      const b = new Float64Array(grown(this.kept.length, KW));
      b.set(this.kept);
      this.kept = b;
    }
    this.kept.fill(0, slot * KW, (slot + 1) * KW);
    this.slots.set(key, slot);
    return slot;
  }

  /** Row i into series s: its sums, states and RTT histogram (cumulative). */
  private fold(t: HealthTable, i: number, s: Folded, now: number): void {
    const a = this.acc;
    const b = s.at * NA;
    const o = i * NF;
    for (const [to, from] of SUMS) a[b + to] += t.num[o + from]!;
    const m = t.num[o + F_MIN_RTT]!;
    if (m > 0 && (a[b + A_MIN_RTT] === 0 || m < a[b + A_MIN_RTT]!)) a[b + A_MIN_RTT] = m;
    if (t.closedRow[i]) a[b + A_HAS_CLOSED] = 1;
    for (let k = 0; k < NSTATES; k++) a[b + A_STATES + k] += t.states[i * NSTATES + k]!;
    if (s.slot < 0) s.slot = this.slotOf(s.key);
    const kept = this.kept;
    const h = s.slot * KW;
    kept[h + K_SEEN] = now;
    for (let k = 0; k < NB; k++) kept[h + k] += t.hist[i * NB + k]!;
    kept[h + K_SUM] += t.num[o + F_SRTT_SUM]! / 1e6;
  }

  samples(netnsInode: number): MetricSample[] {
    const out: MetricSample[] = [];
    for (const s of this.cycle.get(netnsInode) ?? []) {
      const a = s.attributes;
      const acc = this.acc.subarray(s.at * NA, (s.at + 1) * NA);
      // views, made per collection (every series of the cycle has been folded, so has a slot)
      const h = this.kept.subarray(s.slot * KW, (s.slot + 1) * KW);
      const buckets = h.subarray(0, NB);
      const count = buckets.reduce((x, y) => x + y, 0);
      if (count > 0) {
        out.push({
          metric: TCPHEALTH_RTT,
          attributes: a,
          value: {
            boundaries: LATENCY_BOUNDS_NS.map((b) => b / 1e9),
            bucketCounts: [...buckets],
            sum: h[K_SUM]!,
            count,
          },
        });
      }
      if (acc[A_MIN_RTT]! > 0) out.push({ metric: TCPHEALTH_RTT_MIN, attributes: a, value: acc[A_MIN_RTT]! / 1e6 });
      for (let st = 0; st < NSTATES; st++) {
        const n = acc[A_STATES + st]!;
        const name = TCP_STATE_BY_NUMBER[st];
        if (n > 0 && name)
          out.push({
            metric: TCPHEALTH_CONNECTIONS,
            attributes: Object.assign({}, a, { [ATTR_NETWORK_CONNECTION_STATE]: connectionState(name) }),
            value: n,
          });
      }
      const rttSockets = acc[A_RTT_SOCKETS]!;
      if (rttSockets > 0)
        out.push({ metric: TCPHEALTH_RTT_VARIATION, attributes: a, value: acc[A_RTTVAR_SUM]! / rttSockets / 1e6 });
      const live = acc[A_FULL]!;
      // a closed row has no states: counters over closed connections
      if (live === 0 && !acc[A_HAS_CLOSED]) continue;
      if (live > 0) out.push({ metric: TCPHEALTH_LOST, attributes: a, value: acc[A_LOST]! });
      // counters: never below what this series reported before (see the head comment)
      const mono = (metric: MetricSample['metric'], attributes: SampleAttributes, v: number, id: number): void => {
        const value = Math.max(v, h[K_HIGH + id]!);
        h[K_HIGH + id] = value;
        out.push({ metric, attributes, value });
      };
      mono(TCPHEALTH_SENT, a, acc[A_SEGS_OUT]!, H_SENT);
      mono(TCPHEALTH_RETRANSMITTED, a, acc[A_RETRANS]!, H_RETRANS);
      mono(TCPHEALTH_CLOSES, a, acc[A_CLOSES]!, H_CLOSES);
      mono(TCPHEALTH_IO, Object.assign({}, a, { [ATTR_NETWORK_IO_DIRECTION]: 'transmit' }), acc[A_BYTES_ACKED]!, H_TX);
      mono(
        TCPHEALTH_IO,
        Object.assign({}, a, { [ATTR_NETWORK_IO_DIRECTION]: 'receive' }),
        acc[A_BYTES_RECEIVED]!,
        H_RX,
      );
      RETRANSMIT_CAUSES.forEach((cause, k) =>
        mono(
          TCPHEALTH_RETRANSMITS,
          Object.assign({}, a, { [ATTR_KUBESKOOP_TCP_RETRANSMIT_CAUSE]: cause }),
          acc[A_CAUSE + k]!,
          H_CAUSE + k,
        ),
      );
      const busy = acc[A_BUSY]!;
      const rwnd = acc[A_RWND]!;
      const sndbuf = acc[A_SNDBUF]!;
      const limits: [string, number][] = [
        ['none', Math.max(0, busy - rwnd - sndbuf)],
        ['receive_window', rwnd],
        ['send_buffer', sndbuf],
      ];
      limits.forEach(([limit, us], k) =>
        mono(
          TCPHEALTH_BUSY_TIME,
          Object.assign({}, a, { [ATTR_KUBESKOOP_TCP_SEND_LIMIT]: limit }),
          us / 1e6,
          H_BUSY + k,
        ),
      );
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
          series.add(parsed.table, Date.now());
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

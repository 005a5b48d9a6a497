// Wire records of the native helper (bpf/include/ks_proto.h) and their decoder.
//
// The decoder is pure and total: bytes in, typed records and a list of problems out; it never
// throws, whatever the bytes. A record split across pipe chunks is left unconsumed until the
// rest arrives (StreamDecoder keeps that tail). After corruption it re-synchronises on the
// record magic. LAYOUTS is the TypeScript copy of the C structs; the helper sends its own
// offsets/sizes in the hello frame and verifyLayouts() compares them before anything is decoded.

export const PROTOCOL_VERSION = 1;
export const RECORD_MAGIC = 0x534b; // bytes 'K','S'
export const HEADER_SIZE = 24;
/** JSON frames (hello, counters) may be large; binary records are at most this. */
export const MAX_BINARY_RECORD = 4096;
export const MAX_JSON_RECORD = 64 * 1024 * 1024;

export const RecordType = {
  TcpReset: 1,
  PacketDrop: 2,
  TcpRetrans: 3,
  Latency: 4,
  Connect: 5,
  Clock: 16,
  Json: 32,
} as const;

type FieldTable = Readonly<Record<string, readonly [offset: number, size: number]>>;
export interface RecordLayout {
  readonly type: number;
  readonly version: number;
  readonly size: number;
  readonly fields: FieldTable;
}

const HDR_FIELDS = (p: string): FieldTable => ({
  [`${p}magic`]: [0, 2], [`${p}type`]: [2, 1], [`${p}version`]: [3, 1], [`${p}len`]: [4, 4],
  [`${p}ts_ns`]: [8, 8], [`${p}netns`]: [16, 4], [`${p}cpu`]: [20, 4],
});
const TUPLE_FIELDS: FieldTable = {
  'tuple.saddr': [24, 16], 'tuple.daddr': [40, 16], 'tuple.sport': [56, 2], 'tuple.dport': [58, 2],
  'tuple.family': [60, 1], 'tuple.l4proto': [61, 1],
};

/** What this decoder reads, field by field (name → [offset, size]), as C lays it out. */
export const LAYOUTS: Readonly<Record<string, RecordLayout>> = {
  hdr: { type: 0, version: 0, size: HEADER_SIZE, fields: HDR_FIELDS('') },
  tcp_reset: {
    type: RecordType.TcpReset, version: 1, size: 96,
    fields: { ...HDR_FIELDS('hdr.'), ...TUPLE_FIELDS, reason: [64, 4], pid: [68, 4], kind: [72, 1], state: [73, 1], comm: [76, 16] },
  },
  packet_drop: {
    type: RecordType.PacketDrop, version: 1, size: 80,
    fields: { ...HDR_FIELDS('hdr.'), ...TUPLE_FIELDS, location: [64, 8], reason: [72, 4], ifindex: [76, 4] },
  },
  tcp_retrans: {
    type: RecordType.TcpRetrans, version: 1, size: 72,
    fields: { ...HDR_FIELDS('hdr.'), ...TUPLE_FIELDS, state: [64, 1] },
  },
  latency: {
    type: RecordType.Latency, version: 1, size: 128,
    fields: {
      ...HDR_FIELDS('hdr.'), ...TUPLE_FIELDS, latency_ns: [64, 8], threshold_ns: [72, 8], stage_ns: [80, 16], pid: [96, 4], aux: [100, 4],
      metric: [104, 1], sub: [105, 1], level: [106, 1], bytes: [108, 4], comm: [112, 16],
    },
  },
  connect: {
    type: RecordType.Connect, version: 1, size: 104,
    fields: {
      ...HDR_FIELDS('hdr.'), ...TUPLE_FIELDS, duration_ns: [64, 8], err: [72, 4], pid: [76, 4], cause: [80, 1], sync: [81, 1], comm: [88, 16],
    },
  },
  clock: {
    type: RecordType.Clock, version: 1, size: 40,
    fields: { ...HDR_FIELDS('hdr.'), realtime_ns: [24, 8], monotonic_ns: [32, 8] },
  },
  count_key: { type: 0, version: 0, size: 12, fields: { netns: [0, 4], domain: [4, 2], code: [8, 4] } },
};

// ---------------------------------------------------------------- record types

export type ResetKind = 'NOSOCK' | 'ACTIVE' | 'PROCESS' | 'RECEIVE';
export const RESET_KINDS: Readonly<Record<number, ResetKind>> = { 1: 'NOSOCK', 2: 'ACTIVE', 3: 'PROCESS', 4: 'RECEIVE' };
export type AddressFamily = 'ipv4' | 'ipv6' | 'unknown';

export interface Tuple {
  family: AddressFamily;
  /** 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'ipproto-<n>'; '' when the packet had no IP header */
  protocol: string;
  srcAddress: string;
  srcPort: number;
  dstAddress: string;
  dstPort: number;
}

interface KernelRecordBase {
  /** network namespace inode (0 = unknown) */
  netnsInode: number;
  /** CLOCK_BOOTTIME nanoseconds when the kernel saw it */
  kernelTimeNs: bigint;
  cpu: number;
}

/** Source = the side that sent the reset; for RECEIVE the peer, destination = local socket. */
export interface TcpResetRecord extends KernelRecordBase {
  type: 'tcp_reset';
  kind: ResetKind;
  /** enum sk_rst_reason name without SK_RST_REASON_ (e.g. NO_SOCKET); 'NOT_SPECIFIED' on RECEIVE */
  resetReason: string;
  resetReasonCode: number;
  /** TCP state name without TCP_ (e.g. ESTABLISHED); '' when there was no socket (NOSOCK) */
  tcpState: string;
  tuple: Tuple;
  /** current task's tgid; in softirq context this is whatever task was interrupted */
  pid: number;
  comm: string;
}

export interface PacketDropRecord extends KernelRecordBase {
  type: 'packet_drop';
  /** enum skb_drop_reason name without SKB_DROP_REASON_ (e.g. NETFILTER_DROP) */
  dropReason: string;
  dropReasonCode: number;
  /** kernel text address that freed the packet (resolve with kallsyms.ts) */
  location: bigint;
  tuple: Tuple;
  /** 0 = unknown */
  ifindex: number;
}

/** Tuple oriented local → remote. */
export interface TcpRetransRecord extends KernelRecordBase {
  type: 'tcp_retrans';
  tcpState: string;
  tuple: Tuple;
}

/** What a latency record measured (enum ks_lat_metric). */
export type LatencyMetric =
  | 'sock_read' | 'sock_write' | 'kernel_rx' | 'kernel_tx' | 'qdisc' | 'netdev' | 'softirq_sched' | 'softirq_exec' | 'bio' | 'virtcmd';
export const LATENCY_METRICS: Readonly<Record<number, LatencyMetric>> = {
  1: 'sock_read', 2: 'sock_write', 3: 'kernel_rx', 4: 'kernel_tx', 5: 'qdisc', 6: 'netdev',
  7: 'softirq_sched', 8: 'softirq_exec', 9: 'bio', 10: 'virtcmd',
};
/** Histogram bucket upper bounds of every latency probe, ns (KS_LAT_BOUNDS_NS; the helper's hello repeats them). */
export const LATENCY_BOUNDS_NS: readonly number[] = [
  1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7, 2e7, 5e7, 1e8, 2e8, 5e8, 1e9, 2e9, 5e9, 1e10,
];

/** A measurement above a latency probe's event threshold. */
export interface LatencyRecord extends KernelRecordBase {
  type: 'latency';
  metric: LatencyMetric;
  /** softirq vector (net_softirq), block REQ_OP (biolatency), command class (virtcmdlatency), else 0 */
  sub: number;
  /** 1 = above the low threshold, 2 = above the high one */
  level: number;
  latencyNs: number;
  thresholdNs: number;
  /** per-stage breakdown where the hooks give stages (netiftxlatency: qdisc, driver); 0 = n/a */
  stageNs: [number, number];
  /** the reader / writer / I/O issuer / current task; 0 unknown */
  pid: number;
  /** ifindex (netiftxlatency, kernellatency), device number (biolatency), CPU (net_softirq), class<<8|cmd (virtcmd) */
  aux: number;
  bytes: number;
  /** task comm, or the device name (netiftxlatency) */
  comm: string;
  tuple: Tuple;
}

/** Failure causes of a TCP connect (enum ks_conn_err), as `error.type` values. */
export type ConnectErrorType =
  | 'refused' | 'reset' | 'timed_out' | 'host_unreachable' | 'net_unreachable' | 'addr_not_available' | 'canceled' | 'other';
export const CONNECT_ERROR_TYPES: readonly ConnectErrorType[] = [
  'refused', 'reset', 'timed_out', 'host_unreachable', 'net_unreachable', 'addr_not_available', 'canceled', 'other',
];

/** A failed TCP connect (connections probe). Tuple local → remote; a synchronous failure has only the destination. */
export interface ConnectRecord extends KernelRecordBase {
  type: 'connect';
  errorType: ConnectErrorType;
  /** the errno (socket error, or connect()'s return value negated); 0 = closed by its owner */
  errno: number;
  /** true: connect() returned it before any SYN left */
  sync: boolean;
  /** SYN_SENT → failure, ns (0 for a synchronous failure) */
  durationNs: number;
  pid: number;
  comm: string;
  tuple: Tuple;
}

export interface ClockRecord {
  type: 'clock';
  bootTimeNs: bigint;
  realtimeNs: bigint;
  monotonicNs: bigint;
}

export interface JsonRecord {
  type: 'json';
  value: unknown;
}

export type KernelEventRecord = TcpResetRecord | PacketDropRecord | TcpRetransRecord | LatencyRecord | ConnectRecord;
export type WireRecord = KernelEventRecord | ClockRecord | JsonRecord;

export interface DecodeProblem {
  /** byte offset in the buffer given to decodeRecords */
  offset: number;
  message: string;
}

/** Code → name tables, from the helper's hello frame (kernel BTF). */
export interface NameTables {
  dropReasons: ReadonlyMap<number, string>;
  resetReasons: ReadonlyMap<number, string>;
  tcpStates: ReadonlyMap<number, string>;
}

/** Used until a hello frame arrived (and as the fallback for TCP states, which are uapi-stable). */
export const DEFAULT_TCP_STATES: ReadonlyMap<number, string> = new Map([
  [1, 'ESTABLISHED'], [2, 'SYN_SENT'], [3, 'SYN_RECV'], [4, 'FIN_WAIT1'], [5, 'FIN_WAIT2'], [6, 'TIME_WAIT'],
  [7, 'CLOSE'], [8, 'CLOSE_WAIT'], [9, 'LAST_ACK'], [10, 'LISTEN'], [11, 'CLOSING'], [12, 'NEW_SYN_RECV'],
  [13, 'BOUND_INACTIVE'],
]);
export const EMPTY_TABLES: NameTables = { dropReasons: new Map(), resetReasons: new Map(), tcpStates: DEFAULT_TCP_STATES };

export function dropReasonName(tables: NameTables, code: number): string {
  const n = tables.dropReasons.get(code);
  if (n !== undefined) return n;
  const subsys = code >>> 16;
  // reasons of a subsystem (mac80211, openvswitch) live in other enums: keep them apart
  return subsys !== 0 ? `SUBSYS_${subsys}_${code & 0xffff}` : `UNKNOWN_${code}`;
}
export function resetReasonName(tables: NameTables, code: number): string {
  return tables.resetReasons.get(code) ?? `UNKNOWN_${code}`;
}
export function tcpStateName(tables: NameTables, code: number): string {
  if (code === 0) return '';
  return tables.tcpStates.get(code) ?? DEFAULT_TCP_STATES.get(code) ?? `UNKNOWN_${code}`;
}

// ---------------------------------------------------------------- address formatting

export function formatIPv4(b: Uint8Array, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** RFC 5952 text form: lowercase, longest run (≥2) of zero groups as ::, IPv4-mapped as ::ffff:a.b.c.d */
export function formatIPv6(b: Uint8Array, off: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!);
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${formatIPv4(b, off + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (x: number): string => x.toString(16);
  if (bestStart < 0) return g.map(hex).join(':');
  const left = g.slice(0, bestStart).map(hex).join(':');
  const right = g.slice(bestStart + bestLen).map(hex).join(':');
  return `${left}::${right}`;
}

const L4_NAMES: Readonly<Record<number, string>> = { 6: 'tcp', 17: 'udp', 1: 'icmp', 58: 'icmpv6', 132: 'sctp' };

function readTuple(b: Buffer, off: number): Tuple {
  const fam = b[off + 60];
  const l4 = b[off + 61]!;
  const family: AddressFamily = fam === 4 ? 'ipv4' : fam === 6 ? 'ipv6' : 'unknown';
  let srcAddress = '';
  let dstAddress = '';
  if (family === 'ipv4') {
    srcAddress = formatIPv4(b, off + 24);
    dstAddress = formatIPv4(b, off + 40);
  } else if (family === 'ipv6') {
    srcAddress = formatIPv6(b, off + 24);
    dstAddress = formatIPv6(b, off + 40);
  }
  const protocol = family === 'unknown' && l4 === 0 ? '' : (L4_NAMES[l4] ?? `ipproto-${l4}`);
  return {
    family, protocol, srcAddress, dstAddress,
    srcPort: b.readUInt16LE(off + 56),
    dstPort: b.readUInt16LE(off + 58),
  };
}

function readComm(b: Buffer, off: number): string {
  let end = off;
  while (end < off + 16 && b[end] !== 0) end++;
  return b.toString('utf8', off, end);
}

// ---------------------------------------------------------------- decoding

export interface DecodeResult {
  records: WireRecord[];
  problems: DecodeProblem[];
  /** bytes of the input that were used; the rest is an incomplete record to keep for later */
  consumed: number;
}

function expectedSize(type: number): number {
  switch (type) {
    case RecordType.TcpReset: return LAYOUTS.tcp_reset!.size;
    case RecordType.PacketDrop: return LAYOUTS.packet_drop!.size;
    case RecordType.TcpRetrans: return LAYOUTS.tcp_retrans!.size;
    case RecordType.Latency: return LAYOUTS.latency!.size;
    case RecordType.Connect: return LAYOUTS.connect!.size;
    case RecordType.Clock: return LAYOUTS.clock!.size;
    default: return -1;
  }
}
function expectedVersion(type: number): number {
  switch (type) {
    case RecordType.TcpReset: return LAYOUTS.tcp_reset!.version;
    case RecordType.PacketDrop: return LAYOUTS.packet_drop!.version;
    case RecordType.TcpRetrans: return LAYOUTS.tcp_retrans!.version;
    case RecordType.Latency: return LAYOUTS.latency!.version;
    case RecordType.Connect: return LAYOUTS.connect!.version;
    case RecordType.Clock: return LAYOUTS.clock!.version;
    case RecordType.Json: return 1;
    default: return -1;
  }
}

/** A header is plausible when magic matches and its length fits its type. */
function plausibleLen(type: number, len: number): boolean {
  if (len < HEADER_SIZE) return false;
  if (type === RecordType.Json) return len <= MAX_JSON_RECORD;
  return len <= MAX_BINARY_RECORD;
}

function findMagic(b: Buffer, from: number): number {
  for (let i = from; i + 1 < b.length; i++) {
    if (b[i] === 0x4b && b[i + 1] === 0x53) return i;
  }
  return -1;
}

function decodeOne(b: Buffer, off: number, type: number, len: number, tables: NameTables): WireRecord | string {
  const version = b[off + 3]!;
  if (version !== expectedVersion(type)) return `record type ${type} version ${version}, expected ${expectedVersion(type)}`;
  if (type === RecordType.Json) {
    try {
      return { type: 'json', value: JSON.parse(b.toString('utf8', off + HEADER_SIZE, off + len)) as unknown };
    } catch (e) {
      return `JSON frame: ${(e as Error).message}`;
    }
  }
  const size = expectedSize(type);
  // a longer record is a newer helper appending fields: read the prefix we know
  if (len < size) return `record type ${type} has ${len} bytes, expected at least ${size}`;
  const netnsInode = b.readUInt32LE(off + 16);
  const kernelTimeNs = b.readBigUInt64LE(off + 8);
  const cpu = b.readUInt32LE(off + 20);
  switch (type) {
    case RecordType.TcpReset: {
      const code = b.readUInt32LE(off + 64);
      const kindCode = b[off + 72]!;
      const kind = RESET_KINDS[kindCode];
      if (kind === undefined) return `tcp_reset with unknown kind ${kindCode}`;
      return {
        type: 'tcp_reset', netnsInode, kernelTimeNs, cpu, kind,
        resetReason: resetReasonName(tables, code), resetReasonCode: code,
        tcpState: tcpStateName(tables, b[off + 73]!),
        tuple: readTuple(b, off),
        pid: b.readUInt32LE(off + 68),
        comm: readComm(b, off + 76),
      };
    }
    case RecordType.PacketDrop: {
      const code = b.readUInt32LE(off + 72);
      return {
        type: 'packet_drop', netnsInode, kernelTimeNs, cpu,
        dropReason: dropReasonName(tables, code), dropReasonCode: code,
        location: b.readBigUInt64LE(off + 64),
        tuple: readTuple(b, off),
        ifindex: b.readUInt32LE(off + 76),
      };
    }
    case RecordType.TcpRetrans:
      return {
        type: 'tcp_retrans', netnsInode, kernelTimeNs, cpu,
        tcpState: tcpStateName(tables, b[off + 64]!),
        tuple: readTuple(b, off),
      };
    case RecordType.Latency: {
      const m = LATENCY_METRICS[b[off + 104]!];
      if (m === undefined) return `latency record with unknown metric ${b[off + 104]}`;
      return {
        type: 'latency', netnsInode, kernelTimeNs, cpu, metric: m,
        sub: b[off + 105]!, level: b[off + 106]!,
        latencyNs: Number(b.readBigUInt64LE(off + 64)),
        thresholdNs: Number(b.readBigUInt64LE(off + 72)),
        stageNs: [Number(b.readBigUInt64LE(off + 80)), Number(b.readBigUInt64LE(off + 88))],
        pid: b.readUInt32LE(off + 96), aux: b.readUInt32LE(off + 100), bytes: b.readUInt32LE(off + 108),
        comm: readComm(b, off + 112), tuple: readTuple(b, off),
      };
    }
    case RecordType.Connect: {
      const errorType = CONNECT_ERROR_TYPES[b[off + 80]!];
      if (errorType === undefined) return `connect record with unknown cause ${b[off + 80]}`;
      return {
        type: 'connect', netnsInode, kernelTimeNs, cpu, errorType,
        errno: b.readUInt32LE(off + 72), sync: b[off + 81] === 1,
        durationNs: Number(b.readBigUInt64LE(off + 64)),
        pid: b.readUInt32LE(off + 76), comm: readComm(b, off + 88), tuple: readTuple(b, off),
      };
    }
    case RecordType.Clock:
      return {
        type: 'clock', bootTimeNs: kernelTimeNs,
        realtimeNs: b.readBigUInt64LE(off + 24),
        monotonicNs: b.readBigUInt64LE(off + 32),
      };
    default:
      return `unknown record type ${type}`;
  }
}

/**
 * Decode as many whole records as `input` holds. Never throws. Unknown types and bad versions
 * are skipped by their length (with a problem); bytes that do not start a plausible record are
 * skipped up to the next magic (with a problem). An incomplete trailing record is not consumed.
 */
export function decodeRecords(input: Uint8Array, tables: NameTables = EMPTY_TABLES): DecodeResult {
  const b = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const records: WireRecord[] = [];
  const problems: DecodeProblem[] = [];
  let off = 0;
  while (off + HEADER_SIZE <= b.length) {
    const magic = b.readUInt16LE(off);
    const type = b[off + 2]!;
    const len = b.readUInt32LE(off + 4);
    if (magic !== RECORD_MAGIC || !plausibleLen(type, len)) {
      const next = findMagic(b, off + 1);
      const to = next < 0 ? Math.max(off + 1, b.length - 1) : next;
      problems.push({ offset: off, message: `skipped ${to - off} byte(s) that do not start a record` });
      off = to;
      continue;
    }
    if (off + len > b.length) break; // the rest is still in the pipe
    const r = decodeOne(b, off, type, len, tables);
    if (typeof r === 'string') problems.push({ offset: off, message: r });
    else records.push(r);
    off += len;
  }
  return { records, problems, consumed: off };
}

/** Keeps the incomplete tail between pipe chunks. */
export class StreamDecoder {
  private tail: Buffer = Buffer.alloc(0);
  private offsetBase = 0;
  tables: NameTables;

  constructor(tables: NameTables = EMPTY_TABLES) {
    this.tables = tables;
  }

  /** bytes waiting for the rest of their record */
  get pending(): number {
    return this.tail.length;
  }

  push(chunk: Uint8Array): DecodeResult {
    const buf = this.tail.length === 0
      ? (Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))
      : Buffer.concat([this.tail, chunk]);
    const res = decodeRecords(buf, this.tables);
    for (const p of res.problems) p.offset += this.offsetBase;
    this.offsetBase += res.consumed;
    // copy: never pin the whole (possibly large) chunk for a few tail bytes
    this.tail = res.consumed >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(res.consumed));
    return res;
  }
}

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
      tcpStates: states.size > 0 ? states : DEFAULT_TCP_STATES,
    },
    layouts: v.layouts,
    latencyBoundsNs: Array.isArray(v.latency_bounds_ns) ? v.latency_bounds_ns.filter((x): x is number => typeof x === 'number') : [],
  };
}

/** Compare the helper's struct layouts with LAYOUTS; returns the differences (empty = same). */
export function verifyLayouts(remote: unknown): string[] {
  const out: string[] = [];
  if (!isObj(remote)) return ['hello has no layouts'];
  for (const [name, mine] of Object.entries(LAYOUTS)) {
    const theirs = remote[name];
    if (!isObj(theirs)) { out.push(`${name}: missing in helper`); continue; }
    if (num(theirs.size, -1) !== mine.size) out.push(`${name}: size ${String(theirs.size)}, expected ${mine.size}`);
    if (num(theirs.type, -1) !== mine.type) out.push(`${name}: type ${String(theirs.type)}, expected ${mine.type}`);
    if (num(theirs.version, -1) !== mine.version) out.push(`${name}: version ${String(theirs.version)}, expected ${mine.version}`);
    const fields = new Map<string, [number, number]>();
    if (Array.isArray(theirs.fields)) {
      for (const f of theirs.fields) {
        if (Array.isArray(f) && typeof f[0] === 'string' && typeof f[1] === 'number' && typeof f[2] === 'number') {
          fields.set(f[0], [f[1], f[2]]);
        }
      }
    }
    for (const [fname, [o, s]] of Object.entries(mine.fields)) {
      const t = fields.get(fname);
      if (!t) out.push(`${name}.${fname}: missing in helper`);
      else if (t[0] !== o || t[1] !== s) out.push(`${name}.${fname}: offset ${t[0]} size ${t[1]}, expected offset ${o} size ${s}`);
    }
  }
  return out;
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
      programs.push({ name: str(p.name), section: str(p.section), ok: p.ok === true, errno: num(p.errno), error: str(p.error) });
    }
  }
  return {
    probe: v.probe, ok: v.ok === true, stage: str(v.stage), errno: num(v.errno), error: str(v.error), log: str(v.log),
    programs,
    unknownReasons: Array.isArray(v.unknown_reasons) ? v.unknown_reasons.filter((x): x is string => typeof x === 'string') : [],
    ...(isObj(v.latency) && Array.isArray(v.latency.threshold_ns)
      ? { latency: { thresholdsNs: [num(v.latency.threshold_ns[0]), num(v.latency.threshold_ns[1])] as [number, number], eventLevel: num(v.latency.event_level) } }
      : {}),
    ...(typeof v.variants === 'string' ? { variants: v.variants } : {}),
  };
}

// ---------------------------------------------------------------- counters

export type LatencyProbeName = 'socketlatency' | 'netiftxlatency' | 'net_softirq' | 'biolatency' | 'kernellatency' | 'virtcmdlatency';
export const LATENCY_PROBE_NAMES: readonly LatencyProbeName[] = ['socketlatency', 'netiftxlatency', 'net_softirq', 'biolatency', 'kernellatency', 'virtcmdlatency'];
export type ProbeName = 'tcpreset' | 'packetloss' | 'tcpretrans' | LatencyProbeName | 'connections';
export const PROBE_NAMES: readonly ProbeName[] = ['tcpreset', 'packetloss', 'tcpretrans', ...LATENCY_PROBE_NAMES, 'connections'];
export function isLatencyProbeName(s: string): s is LatencyProbeName {
  return (LATENCY_PROBE_NAMES as readonly string[]).includes(s);
}
export function isProbeName(s: string): s is ProbeName {
  return (PROBE_NAMES as readonly string[]).includes(s);
}

/** One in-kernel per-namespace count. `key` is the main dimension (reset kind, drop reason, TCP state). */
export type EventCount =
  | { probe: 'tcpreset'; netnsInode: number; key: string; kind: ResetKind; resetReason: string; count: number }
  | { probe: 'packetloss'; netnsInode: number; key: string; dropReason: string; count: number }
  | { probe: 'tcpretrans'; netnsInode: number; key: string; tcpState: string; count: number };

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
const LATENCY_DOMAINS: Readonly<Record<number, LatencyCount['domain']>> = { 3: 'hist', 4: 'sum', 5: 'slow', 6: 'track' };

export type UndeliveredCause = 'netns_rate_limit' | 'global_rate_limit' | 'ring_full';
export const UNDELIVERED_CAUSES: Readonly<Record<number, UndeliveredCause>> = {
  1: 'netns_rate_limit', 2: 'global_rate_limit', 3: 'ring_full',
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
        if (domain === 2) {
          const cause = UNDELIVERED_CAUSES[code!];
          if (cause) dump.undelivered.push({ probe, netnsInode: netnsInode!, cause, count: count! });
          else problems.push(`${probe}: unknown undelivered cause ${code}`);
        } else if (LATENCY_DOMAINS[domain!] !== undefined && isLatencyProbeName(probe)) {
          const metric = LATENCY_METRICS[code! >>> 24];
          if (!metric) { problems.push(`${probe}: unknown latency metric in ${code}`); continue; }
          dump.latency.push({
            probe, scopeKey: netnsInode!, domain: LATENCY_DOMAINS[domain!]!, metric, sub: (code! >>> 16) & 0xff, slot: code! & 0xffff, count: count!,
          });
        } else if (domain === 1) {
          if (probe === 'tcpreset') {
            const kind = RESET_KINDS[code! >>> 16];
            if (!kind) { problems.push(`tcpreset: unknown kind in ${code}`); continue; }
            dump.events.push({ probe, netnsInode: netnsInode!, key: kind, kind, resetReason: resetReasonName(tables, code! & 0xffff), count: count! });
          } else if (probe === 'packetloss') {
            const r = dropReasonName(tables, code!);
            dump.events.push({ probe, netnsInode: netnsInode!, key: r, dropReason: r, count: count! });
          } else if (probe === 'tcpretrans') {
            const s = tcpStateName(tables, code!);
            dump.events.push({ probe, netnsInode: netnsInode!, key: s, tcpState: s, count: count! });
          } else {
            problems.push(`${probe}: unexpected event count`);
          }
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
        programs.push({ name: str(g.name), id: num(g.id), runCount: num(g.run_cnt), runTimeNs: num(g.run_time_ns), recursionMisses: num(g.recursion_misses) });
      }
    }
    dump.probes.push({
      probe, hits: st[0] ?? 0, ignored: st[1] ?? 0, submitted: st[2] ?? 0, netnsRateLimited: st[3] ?? 0,
      globalRateLimited: st[4] ?? 0, ringFull: st[5] ?? 0, countMapFull: st[6] ?? 0, wakeups: st[7] ?? 0, programs,
    });
  }
  return { dump, problems };
}

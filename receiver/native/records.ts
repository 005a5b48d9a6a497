// Wire records of the native helper (bpf/include/ks_proto.h) and their decoder.
//
// The decoder is pure and total: bytes in, typed records and a list of problems out; it never
// throws, whatever the bytes. A record split across pipe chunks is left unconsumed until the
// rest arrives (StreamDecoder keeps that tail). After corruption it re-synchronises on the
// record magic. Every field is read at the offset of LAYOUTS (generated from the C header by
// bpf/gen); the helper sends the compiler's offsets/sizes in the hello frame and verifyLayouts()
// refuses a difference before anything is decoded, so no offset here is written by hand.
import {
  EBPF_PROBES,
  LATENCY_BOUNDS_NS,
  LATENCY_METRICS,
  LATENCY_PROBES,
  LAYOUTS,
  RECORD_PROBE,
  RECORD_TYPES,
  RESET_KIND_CODES,
  type EbpfProbeName,
  type EventProbeName,
  type LatencyMetric,
  type LatencyProbeName,
  type RecordLayout,
  type WireField,
} from './generated/ebpf.js';
import { formatIPv4, formatIPv6 } from '../kernel/inet.js';
import { TCP_STATE_NAMES } from '../kernel/tcp-states.js';

export { LATENCY_BOUNDS_NS, LATENCY_METRICS, LAYOUTS, type LatencyMetric, type LatencyProbeName, type RecordLayout };

export const PROTOCOL_VERSION = 1;
export const RECORD_MAGIC = 0x534b; // bytes 'K','S'
export const HEADER_SIZE = LAYOUTS.hdr.size;
/** JSON frames (hello, counters) may be large; binary records are at most this. */
export const MAX_BINARY_RECORD = 4096;
export const MAX_JSON_RECORD = 64 * 1024 * 1024;
/** A flow map dump frame holds one map batch (the helper reads 4,096 entries at a time). */
export const MAX_FLOW_DUMP_RECORD = LAYOUTS.flow_dump.size + 65536 * LAYOUTS.flow_entry.size;
/** A flow read frame holds at most 4,096 items (bpf/helper/flow.c FL_CHUNK). */
export const MAX_FLOW_READ_RECORD = LAYOUTS.flow_read.size + 4096 * LAYOUTS.flow_newkey.size + 8;

export const RecordType = {
  TcpReset: RECORD_TYPES.TCP_RESET,
  PacketDrop: RECORD_TYPES.PACKET_DROP,
  TcpRetrans: RECORD_TYPES.TCP_RETRANS,
  Latency: RECORD_TYPES.LATENCY,
  Clock: RECORD_TYPES.CLOCK,
  FlowDump: RECORD_TYPES.FLOW_DUMP,
  FlowRead: RECORD_TYPES.FLOW_READ,
  Json: RECORD_TYPES.JSON,
} as const;

// ---------------------------------------------------------------- record types

export type ResetKind = keyof typeof RESET_KIND_CODES;
export const RESET_KINDS: Readonly<Record<number, ResetKind>> = Object.fromEntries(
  Object.entries(RESET_KIND_CODES).map(([k, v]) => [v, k as ResetKind]),
);
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

/**
 * A record of a probe with no hand-written case below: every field of its generated layout by name
 * (u8/u16/u32 as numbers, u64 as bigint, char arrays as text, byte arrays as hex), its tuple when it
 * has one. The probe's module renders it (renderEvent): a new eBPF probe needs no decoder code.
 */
export interface GenericRecord extends KernelRecordBase {
  type: 'generic';
  /** the layout (struct ks_<record>) */
  record: string;
  /** the event probe whose descriptor names this record */
  probe: EventProbeName;
  fields: Readonly<Record<string, number | bigint | string>>;
  tuple?: Tuple;
}

export type KernelEventRecord = TcpResetRecord | PacketDropRecord | TcpRetransRecord | LatencyRecord | GenericRecord;
/** One entry of the kernel flow map (struct ks_flow_entry, bpf/include/ks_flow.h), counters summed over CPUs. */
export interface FlowEntry {
  readonly netnsInode: number;
  readonly ifindex: number;
  readonly direction: 'receive' | 'transmit';
  /** 4, 6, or 0 for a frame that is not IP */
  readonly family: 0 | 4 | 6;
  /** IP protocol number (0 when not IP) */
  readonly proto: number;
  /** server port (0 = not in the key); for non-IP frames the ethertype */
  readonly port: number;
  /** the port is the peer's (the pod connected to it) */
  readonly peerIsServer: boolean;
  /** counted by a hostNetwork pod's cgroup programs: netnsInode holds the low 32 bits of that pod's
   *  cgroup v2 id, ifindex is a device of the node's namespace (key.owner KS_FLOW_OWNER_CGROUP) */
  readonly cgroup: boolean;
  readonly peer: string;
  /** the pod's own address in the packets ('' for a frame that is not IP) */
  readonly local: string;
  readonly packets: number;
  readonly bytes: number;
}

/** One batch of the flow map (struct ks_flow_dump + struct ks_flow_entry), before its JSON answer. */
export interface FlowDumpRecord {
  type: 'flow_dump';
  /** the dump's generation: the JSON answer's "gen" */
  gen: number;
  entries: FlowEntry[];
}

/** The keys of slots announced by a flow read, as columns (struct ks_flow_newkey). */
export interface FlowKeyColumns {
  readonly slot: Uint32Array;
  readonly netns: Uint32Array;
  readonly ifindex: Uint32Array;
  readonly port: Uint16Array;
  /** KS_FLOW_RX (0) / KS_FLOW_TX (1) */
  readonly dir: Uint8Array;
  readonly proto: Uint8Array;
  /** 4, 6, 0 = not IP */
  readonly family: Uint8Array;
  readonly peerServer: Uint8Array;
  /** 1: netns is a hostNetwork pod's cgroup id (low 32 bits), see FlowEntry.cgroup */
  readonly owner: Uint8Array;
  /** the peer's and the local address, 4 words per item: the 16 bytes read little-endian (IPv4: the
   *  first word, the rest 0; not IP: all 0). Text is made by whoever needs it (the flow probe, for
   *  the few peers that get a series of their own). */
  readonly peerWords: Uint32Array;
  readonly localWords: Uint32Array;
}

/** struct ks_flow_count: item size and field offsets */
export const COUNT_SIZE = LAYOUTS.flow_count.size;
export const COUNT_SLOT = LAYOUTS.flow_count.fields.slot.offset;
export const COUNT_PACKETS = LAYOUTS.flow_count.fields.packets.offset;
export const COUNT_BYTES = LAYOUTS.flow_count.fields.bytes.offset;

/** The changed counters of a flow read, read in place (struct ks_flow_count items): no copy, no
 *  object per item — the reader takes slot, packets and bytes by index (or walks `dv` itself, at
 *  COUNT_SIZE strides: FlowSlots does, so its loop sees only a DataView, whose map never dies —
 *  optimised code that checks this class's map is thrown away by any full collection that finds
 *  no instance alive, i.e. between two cycles). */
export class FlowCountView {
  constructor(
    readonly dv: DataView,
    readonly length: number,
  ) {}
  slot(i: number): number {
    return this.dv.getUint32(i * COUNT_SIZE + COUNT_SLOT, true);
  }
  // u64 as two u32 reads: no BigInt per counter (counts stay below 2^53)
  packets(i: number): number {
    const at = i * COUNT_SIZE + COUNT_PACKETS;
    return this.dv.getUint32(at, true) + this.dv.getUint32(at + 4, true) * 0x1_0000_0000;
  }
  bytes(i: number): number {
    const at = i * COUNT_SIZE + COUNT_BYTES;
    return this.dv.getUint32(at, true) + this.dv.getUint32(at + 4, true) * 0x1_0000_0000;
  }
}
/** One frame of a flow read (struct ks_flow_read + items of its kind), before its JSON answer:
 *  columns, no object per item. */
export type FlowReadRecord =
  | { type: 'flow_read'; gen: number; kind: 'keys'; keys: FlowKeyColumns }
  | { type: 'flow_read'; gen: number; kind: 'counts'; counts: FlowCountView }
  | { type: 'flow_read'; gen: number; kind: 'freed'; slot: Uint32Array };

export type WireRecord = KernelEventRecord | ClockRecord | JsonRecord | FlowDumpRecord | FlowReadRecord;

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

/** Used until a hello frame arrived (TCP states are uapi-stable: the kernel's table is the fallback). */
export const EMPTY_TABLES: NameTables = { dropReasons: new Map(), resetReasons: new Map(), tcpStates: TCP_STATE_NAMES };

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
  return tables.tcpStates.get(code) ?? TCP_STATE_NAMES.get(code) ?? `UNKNOWN_${code}`;
}

const L4_NAMES: Readonly<Record<number, string>> = { 6: 'tcp', 17: 'udp', 1: 'icmp', 58: 'icmpv6', 132: 'sctp' };

// ---------------------------------------------------------------- field readers (by layout)

type Fields = Readonly<Record<string, WireField>>;
type TupleField = 'tuple.saddr' | 'tuple.daddr' | 'tuple.sport' | 'tuple.dport' | 'tuple.family' | 'tuple.l4proto';
/** A record's fields, read at `off` (the record's first byte) by the layout's offsets. Field names
 *  are the generated layout's keys, so asking for a field the C struct lacks does not compile. */
class FieldReader<F extends Fields> {
  constructor(
    private readonly b: Buffer,
    private readonly off: number,
    private readonly fields: F,
  ) {}
  private f(name: keyof F & string): WireField {
    return this.fields[name]!;
  }
  /** u8/u16/u32; u64 as a number (latencies, counts: below 2^53) */
  num(name: keyof F & string, index = 0): number {
    const f = this.f(name);
    const at = this.off + f.offset;
    switch (f.kind) {
      case 'u8':
        return this.b[at + index]!;
      case 'u16':
        return this.b.readUInt16LE(at + 2 * index);
      case 'u32':
        return this.b.readUInt32LE(at + 4 * index);
      case 'u64':
        return Number(this.b.readBigUInt64LE(at + 8 * index));
      default:
        return 0; // bytes/string: not a number (the type of the call says which fields are read)
    }
  }
  big(name: keyof F & string): bigint {
    return this.b.readBigUInt64LE(this.off + this.f(name).offset);
  }
  /** a NUL-terminated char array */
  str(name: keyof F & string): string {
    const f = this.f(name);
    const start = this.off + f.offset;
    let end = start;
    while (end < start + f.size && this.b[end] !== 0) end++;
    return this.b.toString('utf8', start, end);
  }
  /** struct ks_tuple `tuple`: addresses in network order, ports in host order */
  tuple(this: FieldReader<Fields & Readonly<Record<TupleField, WireField>>>): Tuple {
    const fam = this.num('tuple.family');
    const l4 = this.num('tuple.l4proto');
    const family: AddressFamily = fam === 4 ? 'ipv4' : fam === 6 ? 'ipv6' : 'unknown';
    const addr = (which: 'tuple.saddr' | 'tuple.daddr'): string => {
      const at = this.off + this.f(which).offset;
      return family === 'ipv4' ? formatIPv4(this.b, at) : family === 'ipv6' ? formatIPv6(this.b, at) : '';
    };
    const protocol = family === 'unknown' && l4 === 0 ? '' : (L4_NAMES[l4] ?? `ipproto-${l4}`);
    return {
      family,
      protocol,
      srcAddress: addr('tuple.saddr'),
      dstAddress: addr('tuple.daddr'),
      srcPort: this.num('tuple.sport'),
      dstPort: this.num('tuple.dport'),
    };
  }
}

// ---------------------------------------------------------------- decoding

export interface DecodeResult {
  records: WireRecord[];
  problems: DecodeProblem[];
  /** bytes of the input that were used; the rest is an incomplete record to keep for later */
  consumed: number;
}

/** The layout of each binary record type (enum ks_rec_type → layout name and layout). */
const BY_TYPE: ReadonlyMap<number, [string, RecordLayout]> = new Map(
  Object.entries(LAYOUTS as Readonly<Record<string, RecordLayout>>)
    .filter(([, l]) => l.type !== 0)
    .map(([n, l]) => [l.type, [n, l]]),
);

/** Every field of a record by its layout, for records without a hand-written case. */
function genericRecord(
  b: Buffer,
  off: number,
  record: string,
  layout: RecordLayout,
  base: KernelRecordBase,
): GenericRecord | string {
  const probe = RECORD_PROBE[record];
  if (probe === undefined) return `record ${record} (type ${layout.type}) belongs to no event probe descriptor`;
  const r = new FieldReader(b, off, layout.fields);
  const fields: Record<string, number | bigint | string> = {};
  for (const [name, f] of Object.entries(layout.fields)) {
    if (name.startsWith('hdr.') || name.startsWith('tuple.')) continue;
    if (f.kind === 'u64') fields[name] = r.big(name);
    else if (f.kind === 'string') fields[name] = r.str(name);
    else if (f.kind === 'bytes') fields[name] = b.toString('hex', off + f.offset, off + f.offset + f.size);
    else fields[name] = r.num(name);
  }
  const tuple =
    'tuple.family' in layout.fields
      ? (r as FieldReader<Fields & Readonly<Record<TupleField, WireField>>>).tuple()
      : undefined;
  return { type: 'generic', record, probe, ...base, fields, ...(tuple ? { tuple } : {}) };
}
const JSON_VERSION = 1;
const HDR = LAYOUTS.hdr.fields;

/** A header is plausible when magic matches and its length fits its type. */
function plausibleLen(type: number, len: number): boolean {
  if (len < HEADER_SIZE) return false;
  if (type === RecordType.Json) return len <= MAX_JSON_RECORD;
  if (type === RecordType.FlowDump) return len <= MAX_FLOW_DUMP_RECORD;
  if (type === RecordType.FlowRead) return len <= MAX_FLOW_READ_RECORD;
  return len <= MAX_BINARY_RECORD;
}

function findMagic(b: Buffer, from: number): number {
  for (let i = from; i + 1 < b.length; i++) {
    if (b[i] === 0x4b && b[i + 1] === 0x53) return i;
  }
  return -1;
}

function decodeOne(b: Buffer, off: number, type: number, len: number, tables: NameTables): WireRecord | string {
  const version = b[off + HDR.version.offset]!;
  if (type === RecordType.Json) {
    if (version !== JSON_VERSION) return `record type ${type} version ${version}, expected ${JSON_VERSION}`;
    try {
      return { type: 'json', value: JSON.parse(b.toString('utf8', off + HEADER_SIZE, off + len)) as unknown };
    } catch (e) {
      return `JSON frame: ${(e as Error).message}`;
    }
  }
  if (type === RecordType.FlowDump) return decodeFlowDump(b, off, version, len);
  if (type === RecordType.FlowRead) return decodeFlowRead(b, off, version, len);
  const known = BY_TYPE.get(type);
  if (!known) return `unknown record type ${type}`;
  const [record, layout] = known;
  if (version !== layout.version) return `record type ${type} version ${version}, expected ${layout.version}`;
  // a longer record is a newer helper appending fields: read the prefix we know
  if (len < layout.size) return `record type ${type} has ${len} bytes, expected at least ${layout.size}`;
  const h = new FieldReader(b, off, LAYOUTS.hdr.fields);
  const base = { netnsInode: h.num('netns'), kernelTimeNs: h.big('ts_ns'), cpu: h.num('cpu') };
  switch (type) {
    case RecordType.TcpReset: {
      const r = new FieldReader(b, off, LAYOUTS.tcp_reset.fields);
      const code = r.num('reason');
      const kind = RESET_KINDS[r.num('kind')];
      if (kind === undefined) return `tcp_reset with unknown kind ${r.num('kind')}`;
      return {
        type: 'tcp_reset',
        ...base,
        kind,
        resetReason: resetReasonName(tables, code),
        resetReasonCode: code,
        tcpState: tcpStateName(tables, r.num('state')),
        tuple: r.tuple(),
        pid: r.num('pid'),
        comm: r.str('comm'),
      };
    }
    case RecordType.PacketDrop: {
      const r = new FieldReader(b, off, LAYOUTS.packet_drop.fields);
      const code = r.num('reason');
      return {
        type: 'packet_drop',
        ...base,
        dropReason: dropReasonName(tables, code),
        dropReasonCode: code,
        location: r.big('location'),
        tuple: r.tuple(),
        ifindex: r.num('ifindex'),
      };
    }
    case RecordType.TcpRetrans: {
      const r = new FieldReader(b, off, LAYOUTS.tcp_retrans.fields);
      return { type: 'tcp_retrans', ...base, tcpState: tcpStateName(tables, r.num('state')), tuple: r.tuple() };
    }
    case RecordType.Latency: {
      const r = new FieldReader(b, off, LAYOUTS.latency.fields);
      const m = (LATENCY_METRICS as Readonly<Record<number, LatencyMetric>>)[r.num('metric')];
      if (m === undefined) return `latency record with unknown metric ${r.num('metric')}`;
      return {
        type: 'latency',
        ...base,
        metric: m,
        sub: r.num('sub'),
        level: r.num('level'),
        latencyNs: r.num('latency_ns'),
        thresholdNs: r.num('threshold_ns'),
        stageNs: [r.num('stage_ns', 0), r.num('stage_ns', 1)],
        pid: r.num('pid'),
        aux: r.num('aux'),
        bytes: r.num('bytes'),
        comm: r.str('comm'),
        tuple: r.tuple(),
      };
    }
    case RecordType.Clock: {
      const r = new FieldReader(b, off, LAYOUTS.clock.fields);
      return {
        type: 'clock',
        bootTimeNs: base.kernelTimeNs,
        realtimeNs: r.big('realtime_ns'),
        monotonicNs: r.big('monotonic_ns'),
      };
    }
    default:
      return genericRecord(b, off, record, layout, base);
  }
}

const FD = LAYOUTS.flow_dump;
const FE = LAYOUTS.flow_entry.fields;
const FE_SIZE = LAYOUTS.flow_entry.size;
/** Text forms of addresses, by a hash of their raw words (checked in full): peers repeat from cycle
 *  to cycle, so a dump of 65k entries makes no new string for an address it has seen. */
interface AddrText {
  readonly w0: number;
  readonly w1: number;
  readonly w2: number;
  readonly w3: number;
  readonly text: string;
}
const v4Text = new Map<number, string>();
const v6Text = new Map<number, AddrText>();
const ADDR_TEXT_MAX = 1 << 18;

function addrOf(b: Buffer, dv: DataView, at: number, family: number, bufAt: number): string {
  if (family === 0) return '';
  const w0 = dv.getUint32(at, true);
  if (family === 4) {
    let t = v4Text.get(w0);
    if (t === undefined) {
      if (v4Text.size >= ADDR_TEXT_MAX) v4Text.clear();
      t = formatIPv4(b, bufAt);
      v4Text.set(w0, t);
    }
    return t;
  }
  const w1 = dv.getUint32(at + 4, true),
    w2 = dv.getUint32(at + 8, true),
    w3 = dv.getUint32(at + 12, true);
  const h =
    Math.imul(w0, 0x9e3779b1) ^ Math.imul(w1, 0x85ebca77) ^ Math.imul(w2, 0xc2b2ae3d) ^ Math.imul(w3, 0x27d4eb2f);
  const e = v6Text.get(h);
  if (e !== undefined && e.w0 === w0 && e.w1 === w1 && e.w2 === w2 && e.w3 === w3) return e.text;
  if (v6Text.size >= ADDR_TEXT_MAX) v6Text.clear();
  const text = formatIPv6(b, bufAt);
  v6Text.set(h, { w0, w1, w2, w3, text }); // a colliding address takes the slot
  return text;
}

/** Entry arrays this decoder made (parseFlowFrame takes them without checking each element). */
const decodedEntries = new WeakSet<readonly FlowEntry[]>();
export function isDecodedFlowEntries(v: unknown): v is readonly FlowEntry[] {
  return Array.isArray(v) && decodedEntries.has(v);
}
/** Joins the entries of a dump's frames into one decoded array. */
export function joinFlowEntries(frames: readonly FlowDumpRecord[]): readonly FlowEntry[] {
  if (frames.length === 1) return frames[0]!.entries;
  let n = 0;
  for (const f of frames) n += f.entries.length;
  const out = new Array<FlowEntry>(n);
  let i = 0;
  for (const f of frames) for (const e of f.entries) out[i++] = e;
  decodedEntries.add(out);
  return out;
}

/** struct ks_flow_dump and its entries, by the generated layout (offsets read once, above). */
function decodeFlowDump(b: Buffer, off: number, version: number, len: number): FlowDumpRecord | string {
  if (version !== FD.version) return `record type ${FD.type} version ${version}, expected ${FD.version}`;
  if (len < FD.size) return `flow_dump has ${len} bytes, expected at least ${FD.size}`;
  // a DataView over the frame: a third of Buffer.readUInt32LE's cost per field on 65k entries
  const dv = new DataView(b.buffer, b.byteOffset + off, len);
  const count = dv.getUint32(FD.fields.count.offset, true);
  if (FD.size + count * FE_SIZE !== len)
    return `flow_dump says ${count} entries of ${FE_SIZE} bytes in ${len - FD.size} bytes`;
  // u64 as two u32 reads: no BigInt per counter (byte and packet counts stay below 2^53)
  const W = 0x1_0000_0000;
  const gen = dv.getUint32(FD.fields.gen.offset, true) + dv.getUint32(FD.fields.gen.offset + 4, true) * W;
  const entries: FlowEntry[] = new Array<FlowEntry>(count);
  const oNetns = FE['key.netns'].offset,
    oIf = FE['key.ifindex'].offset,
    oPeer = FE['key.peer'].offset,
    oLocal = FE['key.local'].offset,
    oPort = FE['key.port'].offset,
    oDir = FE['key.dir'].offset,
    oProto = FE['key.proto'].offset,
    oFam = FE['key.family'].offset,
    oSrv = FE['key.peer_server'].offset,
    oOwner = FE['key.owner'].offset,
    oPk = FE.packets.offset,
    oBy = FE.bytes.offset;
  for (let i = 0, at = FD.size; i < count; i++, at += FE_SIZE) {
    const fam = dv.getUint8(at + oFam);
    const family = fam === 4 || fam === 6 ? fam : 0;
    entries[i] = {
      netnsInode: dv.getUint32(at + oNetns, true),
      ifindex: dv.getUint32(at + oIf, true),
      direction: dv.getUint8(at + oDir) === 0 ? 'receive' : 'transmit',
      family,
      proto: dv.getUint8(at + oProto),
      port: dv.getUint16(at + oPort, true),
      peerIsServer: dv.getUint8(at + oSrv) === 1,
      cgroup: dv.getUint8(at + oOwner) === 1,
      peer: addrOf(b, dv, at + oPeer, family, off + at + oPeer),
      local: addrOf(b, dv, at + oLocal, family, off + at + oLocal),
      packets: dv.getUint32(at + oPk, true) + dv.getUint32(at + oPk + 4, true) * W,
      bytes: dv.getUint32(at + oBy, true) + dv.getUint32(at + oBy + 4, true) * W,
    };
  }
  decodedEntries.add(entries);
  return { type: 'flow_dump', gen, entries };
}

const FR = LAYOUTS.flow_read;
const NK = LAYOUTS.flow_newkey;
const READ_KINDS = { 1: NK.size, 2: COUNT_SIZE, 3: 4 } as const;

/** struct ks_flow_read and its items into columns, by the generated layout. */
function decodeFlowRead(b: Buffer, off: number, version: number, len: number): FlowReadRecord | string {
  if (version !== FR.version) return `record type ${FR.type} version ${version}, expected ${FR.version}`;
  if (len < FR.size) return `flow_read has ${len} bytes, expected at least ${FR.size}`;
  const dv = new DataView(b.buffer, b.byteOffset + off, len);
  const kind = dv.getUint32(FR.fields.kind.offset, true);
  const count = dv.getUint32(FR.fields.count.offset, true);
  const isz = READ_KINDS[kind as 1 | 2 | 3];
  if (isz === undefined) return `flow_read of unknown kind ${kind}`;
  const body = (count * isz + 7) & ~7;
  if (FR.size + body !== len) return `flow_read says ${count} items of ${isz} bytes in ${len - FR.size} bytes`;
  const W = 0x1_0000_0000;
  const gen = dv.getUint32(FR.fields.gen.offset, true) + dv.getUint32(FR.fields.gen.offset + 4, true) * W;
  if (kind === 3) {
    const slot = new Uint32Array(count);
    for (let i = 0, at = FR.size; i < count; i++, at += 4) slot[i] = dv.getUint32(at, true);
    return { type: 'flow_read', gen, kind: 'freed', slot };
  }
  if (kind === 2)
    return {
      type: 'flow_read',
      gen,
      kind: 'counts',
      counts: new FlowCountView(new DataView(b.buffer, b.byteOffset + off + FR.size, count * COUNT_SIZE), count),
    };
  return { type: 'flow_read', gen, kind: 'keys', keys: decodeFlowKeys(dv, count) };
}

const NKF = NK.fields;
const NK_SLOT = NKF.slot.offset,
  NK_NETNS = NKF['key.netns'].offset,
  NK_IFINDEX = NKF['key.ifindex'].offset,
  NK_PORT = NKF['key.port'].offset,
  NK_DIR = NKF['key.dir'].offset,
  NK_PROTO = NKF['key.proto'].offset,
  NK_FAMILY = NKF['key.family'].offset,
  NK_SERVER = NKF['key.peer_server'].offset,
  NK_OWNER = NKF['key.owner'].offset,
  NK_PEER = NKF['key.peer'].offset,
  NK_LOCAL = NKF['key.local'].offset;

/** The items of a keys frame into columns (a function of its own: one loop, optimised on its own
 *  and kept so, apart from the counts frames that come every cycle). */
function decodeFlowKeys(dv: DataView, count: number): FlowKeyColumns {
  const slot = new Uint32Array(count),
    netns = new Uint32Array(count),
    ifindex = new Uint32Array(count),
    port = new Uint16Array(count),
    dir = new Uint8Array(count),
    proto = new Uint8Array(count),
    family = new Uint8Array(count),
    peerServer = new Uint8Array(count),
    owner = new Uint8Array(count),
    peerWords = new Uint32Array(4 * count),
    localWords = new Uint32Array(4 * count);
  for (let i = 0, at = FR.size; i < count; i++, at += NK.size) {
    const fam = dv.getUint8(at + NK_FAMILY);
    const f = fam === 4 || fam === 6 ? fam : 0;
    slot[i] = dv.getUint32(at + NK_SLOT, true);
    netns[i] = dv.getUint32(at + NK_NETNS, true);
    ifindex[i] = dv.getUint32(at + NK_IFINDEX, true);
    port[i] = dv.getUint16(at + NK_PORT, true);
    dir[i] = dv.getUint8(at + NK_DIR);
    proto[i] = dv.getUint8(at + NK_PROTO);
    family[i] = f;
    peerServer[i] = dv.getUint8(at + NK_SERVER);
    owner[i] = dv.getUint8(at + NK_OWNER);
    if (f !== 0) {
      const w = 4 * i;
      peerWords[w] = dv.getUint32(at + NK_PEER, true);
      localWords[w] = dv.getUint32(at + NK_LOCAL, true);
      if (f === 6)
        for (let k = 1; k < 4; k++) {
          peerWords[w + k] = dv.getUint32(at + NK_PEER + 4 * k, true);
          localWords[w + k] = dv.getUint32(at + NK_LOCAL + 4 * k, true);
        }
    }
  }
  return { slot, netns, ifindex, port, dir, proto, family, peerServer, owner, peerWords, localWords };
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
    const magic = b.readUInt16LE(off + HDR.magic.offset);
    const type = b[off + HDR.type.offset]!;
    const len = b.readUInt32LE(off + HDR.len.offset);
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

const EMPTY = Buffer.alloc(0);

/** Keeps the incomplete tail between pipe chunks. */
export class StreamDecoder {
  private tail: Buffer = EMPTY;
  /** chunks after `tail` while a record longer than one chunk arrives (joined once, when whole) */
  private parts: Buffer[] = [];
  private partsLen = 0;
  /** bytes the record at the start of `tail` needs (0: not known) */
  private need = 0;
  private offsetBase = 0;
  tables: NameTables;

  constructor(tables: NameTables = EMPTY_TABLES) {
    this.tables = tables;
  }

  /** bytes waiting for the rest of their record */
  get pending(): number {
    return this.tail.length + this.partsLen;
  }

  push(chunk: Uint8Array): DecodeResult {
    const c = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    if (this.need > 0 && this.tail.length + this.partsLen + c.length < this.need) {
      // still short of the record: keep the chunk, join nothing (a 3 MB dump is not copied per chunk)
      this.parts.push(c);
      this.partsLen += c.length;
      return { records: [], problems: [], consumed: 0 };
    }
    const buf = this.tail.length === 0 && this.parts.length === 0 ? c : Buffer.concat([this.tail, ...this.parts, c]);
    this.parts = [];
    this.partsLen = 0;
    const res = decodeRecords(buf, this.tables);
    for (const p of res.problems) p.offset += this.offsetBase;
    this.offsetBase += res.consumed;
    // a few tail bytes are copied, never pinning the whole (possibly large) buffer for them; a tail
    // that is most of it (a record longer than a pipe chunk, begun) is kept as it is: it is joined
    // with the rest anyway, and copying it too made each such record cross memory twice
    const rest = buf.length - res.consumed;
    this.tail =
      rest === 0
        ? EMPTY
        : rest * 4 >= buf.length
          ? buf.subarray(res.consumed)
          : Buffer.from(buf.subarray(res.consumed));
    // decodeRecords stops at an incomplete record only when its header is plausible
    this.need = this.tail.length >= HEADER_SIZE ? this.tail.readUInt32LE(HDR.len.offset) : 0;
    return res;
  }
}

// ---------------------------------------------------------------- probe names

export type ProbeName = EbpfProbeName;
export const PROBE_NAMES: readonly ProbeName[] = EBPF_PROBES;
export const LATENCY_PROBE_NAMES: readonly LatencyProbeName[] = LATENCY_PROBES;
export function isLatencyProbeName(s: string): s is LatencyProbeName {
  return (LATENCY_PROBE_NAMES as readonly string[]).includes(s);
}
export function isProbeName(s: string): s is ProbeName {
  return (PROBE_NAMES as readonly string[]).includes(s);
}

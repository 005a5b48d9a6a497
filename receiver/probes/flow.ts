// flow: bytes and packets per pod and peer, from the tc programs of bpf/probes/flow.bpf.c that
// the native helper attaches (tcx, first in the chain) to the interfaces of every namespace the
// agent observes. Each cycle: attach what is new and detach what is gone (receiver/peers/attach.ts),
// one read of the kernel's slots (keys of new flows once, counters that moved, slots taken back:
// FlowSlots keeps them in typed arrays by slot id), peer names (receiver/peers/resolve.ts) and the
// cardinality rules (receiver/peers/governance.ts). A namespace is attached the cycle after it is
// first seen; traffic before that is not counted.
//
// hostNetwork pods (host_network_pods) share the node's namespace and interfaces: their packets are
// counted by cgroup_skb programs on each such pod's cgroup (bpf/probes/flow.bpf.c says why there),
// attached the cycle after the host target shows the pod and detached when it goes. Their series are
// the host target's with the pod's k8s.pod.* attributes, governed per pod like any pod's; the node's
// own interfaces (host_interfaces) then leave those packets out of the node's series.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import {
  ATTR_KUBESKOOP_FLOW_PROTOCOL,
  ATTR_KUBESKOOP_PEER_KIND,
  ATTR_KUBESKOOP_PEER_NAME,
  ATTR_KUBESKOOP_PEER_NAMESPACE,
  ATTR_KUBESKOOP_PEER_ROLE,
  ATTR_NETWORK_INTERFACE_NAME,
  ATTR_NETWORK_IO_DIRECTION,
  ATTR_NETWORK_LOCAL_ADDRESS,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_TRANSPORT,
  ATTR_NETWORK_TYPE,
  ATTR_SERVER_PORT,
  FLOW_IO,
  FLOW_MAP_ENTRIES,
  FLOW_MAP_EVICTIONS,
  FLOW_PACKETS,
  FLOW_PEERS_FOLDED,
  FLOW_SERIES_OVERFLOW,
} from '../../semconv/generated/registry.js';
import { parseFlowRead, type FlowEntry, type FlowKeyColumns, type FlowRead } from '../native/commands.js';
import { COUNT_BYTES, COUNT_PACKETS, COUNT_SIZE, COUNT_SLOT } from '../native/records.js';
import { PEER_DEFAULTS, PeerGovernor, markTopPeers, peerOptionsSchema, type Series } from '../peers/governance.js';
import { PeerResolver, type CidrBucket, type Peer } from '../peers/resolve.js';
import { AddressTable } from '../peers/address-table.js';
import type {
  MetricProbe,
  MetricProbeModule,
  MetricSample,
  ProbeEnvironment,
  ProbeResult,
  ProbeStatus,
  SampleAttributes,
} from './probe.js';
import type { Target } from '../targets/target.js';
import {
  TcPrograms,
  attachOptionSchema,
  hostNetworkPodsOptionSchema,
  matchesAny,
  tcDefault,
  tcIntegerSchema,
} from './tc-programs.js';
import { hostNetworkPodCgroups } from './process-split.js';

export const FLOW_DEFAULTS = Object.assign({}, PEER_DEFAULTS, { entries: tcDefault('flow', 'entries') });

const PROTO_NAMES: Readonly<Record<number, string>> = {
  1: 'icmp',
  2: 'igmp',
  47: 'gre',
  50: 'esp',
  58: 'icmpv6',
  132: 'sctp',
};
const ETHERTYPES: Readonly<Record<number, string>> = { 0x0806: 'arp', 0x8035: 'rarp', 0x88cc: 'lldp', 0x8100: 'vlan' };

/** The series attributes of a kernel entry, before peer naming. */
export function entryAttributes(
  e: Pick<FlowEntry, 'direction' | 'family' | 'proto' | 'port' | 'peerIsServer' | 'peer' | 'local'>,
  ifname: string,
  portInLabel: boolean,
): Record<string, string | number> {
  const a: Record<string, string | number> = {
    [ATTR_NETWORK_IO_DIRECTION]: e.direction,
    [ATTR_NETWORK_INTERFACE_NAME]: ifname,
  };
  if (e.family === 0) {
    a[ATTR_KUBESKOOP_FLOW_PROTOCOL] = ETHERTYPES[e.port] ?? `0x${e.port.toString(16).padStart(4, '0')}`;
    return a;
  }
  a[ATTR_NETWORK_TYPE] = e.family === 4 ? 'ipv4' : 'ipv6';
  if (e.proto === 6 || e.proto === 17) {
    a[ATTR_NETWORK_TRANSPORT] = e.proto === 6 ? 'tcp' : 'udp';
    if (portInLabel && e.port > 0) a[ATTR_SERVER_PORT] = e.port;
    a[ATTR_KUBESKOOP_PEER_ROLE] = e.peerIsServer ? 'server' : 'client';
  } else {
    a[ATTR_KUBESKOOP_FLOW_PROTOCOL] = PROTO_NAMES[e.proto] ?? String(e.proto);
  }
  a[ATTR_NETWORK_PEER_ADDRESS] = e.peer;
  a[ATTR_NETWORK_LOCAL_ADDRESS] = e.local;
  return a;
}

interface Options {
  attach?: 'pod' | 'host';
  interfaces?: string[];
  host_interfaces?: string[];
  interfaceName?: string;
  enablePortInLabel?: boolean;
  top_k?: number;
  ttl?: number;
  max_series?: number;
  entries?: number;
  cidrs?: CidrBucket[];
  host_network_pods?: { interfaces?: string[] };
}

/** a hostNetwork pod with the cgroup programs: its series' group and attributes */
interface HostnetPod {
  readonly dir: string;
  readonly id: number;
  /** the governor's group: the key's netns is the id's low 32 bits */
  readonly group: string;
  /** its group key in the probe's per-pod state (groupKeyOfCgroup) */
  readonly key: number;
  readonly attributes: SampleAttributes;
}
const groupOfCgroup = (key32: number): string => `cg:${key32}`;
/** A hostNetwork pod's group key: above every namespace inode (those are 32-bit), so one number
 *  names a pod either way in the per-slot typed arrays. */
const CG_KEY_BASE = 2 ** 32;
const groupKeyOfCgroup = (key32: number): number => CG_KEY_BASE + key32;
const groupOfKey = (key: number): string => (key >= CG_KEY_BASE ? groupOfCgroup(key - CG_KEY_BASE) : String(key));
const sameAttributes = (a: SampleAttributes, b: SampleAttributes): boolean =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

/** The node's device names by ifindex (the agent runs in the node's namespace: /sys/class/net). */
function nodeIfnames(): Map<number, string> {
  const m = new Map<number, string>();
  try {
    for (const name of readdirSync('/sys/class/net'))
      try {
        m.set(Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8').trim()), name);
      } catch {
        // went away while listed
      }
  } catch {
    // no sysfs: devices named by their index
  }
  return m;
}

/**
 * The kernel's slots as the agent knows them, by slot id (the helper's `read`): keys arrive once when
 * a flow is new, counters as cumulative values of the slots that moved, freed slots when the helper
 * took them back. Per-slot state lives in typed arrays; a cycle makes no object per slot.
 */
export class FlowSlots {
  netns = new Uint32Array(0);
  ifindex = new Uint32Array(0);
  port = new Uint16Array(0);
  dir = new Uint8Array(0);
  proto = new Uint8Array(0);
  family = new Uint8Array(0);
  peerServer = new Uint8Array(0);
  /** 1: a hostNetwork pod's slot (netns = its cgroup id's low 32 bits) */
  owner = new Uint8Array(0);
  known = new Uint8Array(0);
  /** the peer's and the local address as ids of `addresses` (text made only when asked) */
  peerId = new Uint32Array(0);
  localId = new Uint32Array(0);
  readonly addresses = new AddressTable();
  /** cumulative counters at the last read, and this read's increase */
  packets = new Float64Array(0);
  bytes = new Float64Array(0);
  dPackets = new Float64Array(0);
  dBytes = new Float64Array(0);
  /** slots that moved in the last read: moved[0..nMoved) */
  moved = new Uint32Array(0);
  nMoved = 0;
  /** slots freed in the last read (their series stay with the governor until its TTL) */
  freedNow: number[] = [];

  get capacity(): number {
    return this.known.length;
  }

  private grow(n: number): void {
    if (n <= this.capacity) return;
    const size = Math.max(n, this.capacity * 2, 64);
    const g = <T extends Uint32Array | Uint16Array | Uint8Array | Float64Array>(a: T, C: new (n: number) => T): T => {
      const x = new C(size);
      x.set(a);
      return x;
    };
    this.netns = g(this.netns, Uint32Array);
    this.ifindex = g(this.ifindex, Uint32Array);
    this.port = g(this.port, Uint16Array);
    this.dir = g(this.dir, Uint8Array);
    this.proto = g(this.proto, Uint8Array);
    this.family = g(this.family, Uint8Array);
    this.peerServer = g(this.peerServer, Uint8Array);
    this.owner = g(this.owner, Uint8Array);
    this.known = g(this.known, Uint8Array);
    this.packets = g(this.packets, Float64Array);
    this.bytes = g(this.bytes, Float64Array);
    this.dPackets = g(this.dPackets, Float64Array);
    this.dBytes = g(this.dBytes, Float64Array);
    this.moved = g(this.moved, Uint32Array);
    this.peerId = g(this.peerId, Uint32Array);
    this.localId = g(this.localId, Uint32Array);
  }

  reset(): void {
    this.known.fill(0);
    this.packets.fill(0);
    this.bytes.fill(0);
    this.addresses.reset();
    this.nMoved = 0;
    this.freedNow = [];
  }

  clear(s: number): void {
    if (this.known[s] === 1) {
      this.addresses.release(this.peerId[s]!);
      this.addresses.release(this.localId[s]!);
    }
    this.known[s] = 0;
    this.packets[s] = 0;
    this.bytes[s] = 0;
  }

  /** the slot's peer and local address as text (for its own series: made once per address) */
  peerText(s: number): string {
    return this.addresses.textOf(this.peerId[s]!);
  }
  localText(s: number): string {
    return this.addresses.textOf(this.localId[s]!);
  }

  /** one read: keys, then counters (increases against the previous read), then freed slots. Each
   *  frame goes through a function with one loop (applyKeys, applyCounts), so each is optimised for
   *  its own loop and stays so from cycle to cycle: one function with all three loops was compiled
   *  on the stack (OSR) for the counters of a cycle and thrown away at the freed-slot loop it had
   *  never run, every cycle — the counters ran mostly unoptimised (15–30 ms for 65k of them). */
  apply(r: FlowRead): void {
    this.grow(r.maxEntries);
    for (const k of r.keys) this.applyKeys(k);
    let m = 0;
    for (const c of r.counts) m = this.applyCounts(c.dv, c.length, m);
    this.nMoved = m;
    this.freedNow = [];
    for (const f of r.freed) this.applyFreed(f);
  }

  private applyKeys(k: FlowKeyColumns): void {
    const n = k.slot.length;
    let top = 0;
    for (let i = 0; i < n; i++) if (k.slot[i]! >= top) top = k.slot[i]! + 1;
    this.grow(top);
    const { netns, ifindex, port, dir, proto, family, peerServer, owner, peerId, localId, packets, bytes, known } =
      this;
    const a = this.addresses;
    const pw = k.peerWords,
      lw = k.localWords;
    for (let i = 0; i < n; i++) {
      const s = k.slot[i]!;
      if (known[s] === 1) {
        // announced again without being freed first: its old addresses are no longer referred to
        a.release(peerId[s]!);
        a.release(localId[s]!);
      }
      netns[s] = k.netns[i]!;
      ifindex[s] = k.ifindex[i]!;
      port[s] = k.port[i]!;
      dir[s] = k.dir[i]!;
      proto[s] = k.proto[i]!;
      family[s] = k.family[i]!;
      peerServer[s] = k.peerServer[i]!;
      owner[s] = k.owner[i]!;
      const f = k.family[i]!,
        w = 4 * i;
      peerId[s] = a.intern(f, pw[w]!, pw[w + 1]!, pw[w + 2]!, pw[w + 3]!);
      localId[s] = a.intern(f, lw[w]!, lw[w + 1]!, lw[w + 2]!, lw[w + 3]!);
      packets[s] = 0;
      bytes[s] = 0;
      known[s] = 1;
    }
  }

  /** the n struct ks_flow_count items of `dv` (read in place: the loop sees a DataView and typed
   *  arrays only, whose maps live as long as the process); the moved slots go to moved[m..];
   *  returns the new end of moved */
  private applyCounts(dv: DataView, n: number, m: number): number {
    if (this.moved.length < m + n) {
      const x = new Uint32Array(Math.max(m + n, this.moved.length * 2));
      x.set(this.moved.subarray(0, m));
      this.moved = x;
    }
    const { known, packets, bytes, dPackets, dBytes, moved } = this;
    const cap = known.length;
    const W = 0x1_0000_0000;
    for (let i = 0, at = 0; i < n; i++, at += COUNT_SIZE) {
      const s = dv.getUint32(at + COUNT_SLOT, true);
      if (s >= cap || known[s] === 0) continue; // not announced to us: never happens
      // u64 as two u32 reads: no BigInt per counter (counts stay below 2^53)
      const p = dv.getUint32(at + COUNT_PACKETS, true) + dv.getUint32(at + COUNT_PACKETS + 4, true) * W;
      const b = dv.getUint32(at + COUNT_BYTES, true) + dv.getUint32(at + COUNT_BYTES + 4, true) * W;
      // a slot's counters only grow while it lives (zeroed when the helper gives it out again)
      const p0 = packets[s]!,
        b0 = bytes[s]!;
      dPackets[s] = p >= p0 ? p - p0 : p;
      dBytes[s] = b >= b0 ? b - b0 : b;
      packets[s] = p;
      bytes[s] = b;
      moved[m++] = s;
    }
    return m;
  }

  private applyFreed(f: Uint32Array): void {
    for (let i = 0; i < f.length; i++) {
      const s = f[i]!;
      if (s < this.capacity && this.known[s]) {
        this.clear(s);
        this.freedNow.push(s);
      }
    }
  }
}

/** The `other` series of a pod's direction and interface, shared by the slots that fold into it. */
interface OtherRef {
  readonly key: string;
  readonly direction: 'receive' | 'transmit';
  readonly ifname: string;
  /** a hostNetwork pod's traffic on a node device its `interfaces` do not ask for: not counted */
  readonly skip: boolean;
  readonly pods: PodPeers;
  series: Series<SampleAttributes> | undefined;
}

/**
 * A pod's peers as small indexes (a peer is its address, what top-K ranks by: an id of the slots'
 * AddressTable, or for a frame that is not IP -1 - its ethertype), with the cycle's bytes per peer
 * in a typed array: each cycle sums, ranks and folds over indexes, with no Map, Set or string per
 * slot. An index lives while a slot of the pod has that peer (counted in refs).
 */
class PodPeers {
  readonly pod: string;
  /** indexes by peer: chains from heads[peer & (length - 1)] through next (-1 ends), typed arrays
   *  only (a pod meeting 32k new peers makes no Map entry for them) */
  private heads = new Int32Array(0);
  private next = new Int32Array(0);
  /** the peer of each index (see above) */
  peer = new Float64Array(0);
  refs = new Uint32Array(0);
  /** this cycle's bytes per peer, and its marks: TOUCHED, TOP, FOLDED */
  bytes = new Float64Array(0);
  mark = new Uint8Array(0);
  /** peers with traffic this cycle: touched[0..nTouched) */
  touched = new Uint32Array(0);
  nTouched = 0;
  folded = 0;
  /** the governor had no series of this pod before this cycle (made this cycle, see openOwn) */
  fresh = false;
  /** by ifindex × 2 + direction */
  readonly others = new Map<number, OtherRef>();
  private readonly free: number[] = [];
  private top = 0;
  /** top-K's tie rule: the lower address first (no text needed to rank) */
  readonly before: (a: number, b: number) => boolean;

  /** key: the namespace inode, or a hostNetwork pod's groupKeyOfCgroup; pod: its governor group */
  constructor(
    readonly key: number,
    pod: string,
    addresses: AddressTable,
  ) {
    this.pod = pod;
    this.before = (a, b) => {
      const x = this.peer[a]!,
        y = this.peer[b]!;
      return x >= 0 && y >= 0 ? addresses.before(x, y) : x < y;
    };
  }

  acquire(peer: number): number {
    let i = this.heads.length > 0 ? this.heads[peer & (this.heads.length - 1)]! : -1;
    while (i >= 0 && this.peer[i] !== peer) i = this.next[i]!;
    if (i < 0) {
      i = this.free.pop() ?? this.top;
      if (i >= this.refs.length) this.grow();
      if (i === this.top) this.top++;
      this.peer[i] = peer;
      const b = peer & (this.heads.length - 1);
      this.next[i] = this.heads[b]!;
      this.heads[b] = i;
    }
    this.refs[i]!++;
    return i;
  }

  release(i: number): void {
    if (--this.refs[i]! > 0) return;
    const b = this.peer[i]! & (this.heads.length - 1);
    let j = this.heads[b]!;
    if (j === i) this.heads[b] = this.next[i]!;
    else {
      while (this.next[j] !== i) j = this.next[j]!;
      this.next[j] = this.next[i]!;
    }
    this.free.push(i);
  }

  /** twice the room (a power of 2), the live indexes chained again */
  private grow(): void {
    const size = Math.max(64, 2 * this.refs.length);
    const g = <T extends Uint32Array | Float64Array | Uint8Array | Int32Array>(x: T, C: new (n: number) => T): T => {
      const y = new C(size);
      y.set(x);
      return y;
    };
    this.peer = g(this.peer, Float64Array);
    this.refs = g(this.refs, Uint32Array);
    this.bytes = g(this.bytes, Float64Array);
    this.mark = g(this.mark, Uint8Array);
    this.touched = g(this.touched, Uint32Array);
    this.next = g(this.next, Int32Array);
    this.heads = new Int32Array(size).fill(-1);
    for (let i = 0; i < this.top; i++)
      if (this.refs[i]! > 0) {
        const b = this.peer[i]! & (size - 1);
        this.next[i] = this.heads[b]!;
        this.heads[b] = i;
      }
  }
}
const TOUCHED = 1,
  TOP = 2,
  FOLDED = 4;

/** A slot's own series, made when its peer is first in its pod's top-K, kept while its names stay
 *  the same (no object per cycle; a slot always folded into `other` never has one). */
interface SlotSeries {
  /** the series' identity in its pod (kernel key and resolved names) */
  readonly key: string;
  /** the peer's names it was made with: while the address's names (AddressTable.names) are this
   *  same object they are current; once taken back, asked again and compared field by field */
  peer: Peer;
  /** its own series while it has one (the governor's; `gone` once dropped there) */
  series: Series<SampleAttributes> | undefined;
}

/** Counts of the flow probe's peer naming since it was made (tests, diagnostics; not exported as metrics). */
export interface FlowNamingStats {
  /** addresses whose names were asked of the resolver (once per address until they change) */
  resolved: number;
  /** named addresses the directory said changed: their names taken back, asked again when needed */
  invalidated: number;
  /** directory changes whose set of addresses was unknown or too large: every name taken back */
  fullRechecks: number;
  /** own series dropped because their peer's names changed */
  renamed: number;
}

/** The flow probe, with the counts of its peer naming. */
export interface FlowProbe extends MetricProbe {
  readonly naming: Readonly<FlowNamingStats>;
}

/** More changed addresses than this since the last cycle: every name is taken back instead. */
const CHANGED_ADDRESSES_MAX = 4096;

export const flow: MetricProbeModule = {
  name: 'flow',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      attach: attachOptionSchema,
      interfaces: {
        type: 'array',
        items: { type: 'string', minLength: 1, maxLength: 15 },
        description: 'Interfaces to count on inside each pod (or other) namespace (default: every interface but lo).',
      },
      host_interfaces: {
        type: 'array',
        items: { type: 'string', minLength: 1, maxLength: 15 },
        description:
          "Interfaces of the host namespace to count on (the node uplink, e.g. [eth0]); default none. hostNetwork pods' traffic is the host's.",
      },
      interfaceName: {
        type: 'string',
        minLength: 1,
        description:
          "KubeSkoop's option: the node interface(s) to count on, a name or a pattern with * (eth0, cali*); the same as host_interfaces: [<it>].",
      },
      enablePortInLabel: {
        type: 'boolean',
        description: "KubeSkoop's option: false drops the server port from the key and the series (default true).",
      },
      host_network_pods: hostNetworkPodsOptionSchema(
        "Also count hostNetwork pods: cgroup_skb programs on each such pod's cgroup count its sockets' packets (both directions, loopback included when asked) under the pod (the host target's series with k8s.pod.* attributes), with the same peer names and cardinality rules as other pods; the node's host_interfaces series then leave them out.",
        "The node's interfaces whose traffic of these pods is counted, names or patterns with * (default: every interface but lo; lo or * counts their loopback traffic too).",
      ),
      ...peerOptionsSchema('bytes'),
      entries: Object.assign(tcIntegerSchema('flow', 'entries'), {
        description: `Flow slots in the kernel (default ${FLOW_DEFAULTS.entries}); when fewer than 1/8 are free the least recently moved are evicted.`,
      }),
    },
  },
  create(env?: ProbeEnvironment): MetricProbe {
    const native = env?.native;
    const tc = new TcPrograms('flow', native);
    const attach = tc.attach;
    let opts: Options = {};
    let resolver = new PeerResolver(env?.peers);
    const governor = new PeerGovernor<SampleAttributes>({
      topK: FLOW_DEFAULTS.topK,
      ttlMs: FLOW_DEFAULTS.ttlSeconds * 1000,
      maxSeries: FLOW_DEFAULTS.maxSeries,
    });
    const slots = new FlowSlots();
    const addresses = slots.addresses;
    /** per slot: its own series (see SlotSeries), while it has one */
    let own: (SlotSeries | undefined)[] = [];
    /** per slot: its pod's `other` series of its direction and interface (the slot's pod, ifname and skip) */
    let slotOther: (OtherRef | undefined)[] = [];
    /** by group key (a namespace inode or a hostNetwork pod's groupKeyOfCgroup): the pod's peers by index (see PodPeers) */
    const podPeers = new Map<number, PodPeers>();
    const naming: FlowNamingStats = { resolved: 0, invalidated: 0, fullRechecks: 0, renamed: 0 };
    /** the directory's version the names are current for (undefined: none taken yet) */
    let namesVersion: number | undefined;
    let problem: string | undefined;
    let mapEntries = 0;
    let evictions = 0;
    /** the node's namespace: the agent runs in it (hostNetwork); the host target corrects it */
    let hostNs = 0;
    /** hostNetwork pods: seen by the last collect of the host target (attached next cycle), and
     *  those with the cgroup programs, by cgroup id */
    let cgSeen = new Map<number, HostnetPod>();
    const cgAttached = new Map<number, HostnetPod>();
    let cgFailure: string | undefined;
    let ifnames = new Map<number, string>();
    /** a hostNetwork pod's series attributes with its pod's added, made once per series */
    let withPod = new WeakMap<SampleAttributes, SampleAttributes>();
    const hostnet = (): boolean => opts.host_network_pods !== undefined;
    const nodeIfname = (ifindex: number): string => {
      if (!ifnames.has(ifindex)) ifnames = nodeIfnames();
      return ifnames.get(ifindex) ?? String(ifindex);
    };

    /** the cycle's slots with traffic, and the pods they are in (kept from cycle to cycle) */
    let cycleSlots = new Uint32Array(0);
    const cyclePods: PodPeers[] = [];
    /** per slot, what sumCycle needs: the pod (group key) it is bound to (NaN: none), its peer index
     *  in that pod, and whether it is left out (OtherRef.skip) */
    let slotKey = new Float64Array(0);
    let slotSkip = new Uint8Array(0);
    let slotPeer = new Uint32Array(0);
    /** per slot: the node's cap refused its own series (see openOwn) */
    let slotRefused = new Uint8Array(0);

    /** a slot leaves its pod (freed, or now another pod's): its peer index goes back; its own series
     *  stays with the governor until its TTL */
    const unbind = (s: number): void => {
      if (s >= slotKey.length || Number.isNaN(slotKey[s]!)) return;
      if (slotSkip[s] === 0) podPeers.get(slotKey[s]!)?.release(slotPeer[s]!);
      slotKey[s] = NaN;
      slotRefused[s] = 0;
      own[s] = undefined;
      slotOther[s] = undefined;
    };
    const release = unbind;

    /** a slot with traffic for pod gk: its peer index there and its `other` series (numbers and
     *  shared objects: no string and no object per slot) */
    const bind = (s: number, gk: number): void => {
      unbind(s);
      let pods = podPeers.get(gk);
      if (!pods) {
        pods = new PodPeers(gk, groupOfKey(gk), addresses);
        pods.fresh = !governor.has(pods.pod);
        podPeers.set(gk, pods);
      }
      const dir = slots.dir[s]!,
        ifindex = slots.ifindex[s]!;
      // a small integer (ifindexes are below 2^30): no heap number per look-up
      const ok = ifindex * 2 + dir;
      let other = pods.others.get(ok);
      if (!other) {
        const direction = dir === 0 ? 'receive' : 'transmit';
        const byCgroup = gk >= CG_KEY_BASE;
        const ifname = byCgroup ? nodeIfname(ifindex) : (attach.ifname(gk, ifindex) ?? String(ifindex));
        const cgIfaces = opts.host_network_pods?.interfaces;
        other = {
          key: `other|${direction}|${ifindex}`,
          direction,
          ifname,
          skip: byCgroup && cgIfaces !== undefined && !matchesAny(ifname, cgIfaces),
          pods,
          series: undefined,
        };
        pods.others.set(ok, other);
      }
      slotKey[s] = gk;
      slotOther[s] = other;
      slotSkip[s] = other.skip ? 1 : 0;
      if (!other.skip) slotPeer[s] = pods.acquire(slots.family[s] === 0 ? -1 - slots.port[s]! : slots.peerId[s]!);
    };

    /** an address's names: asked of the resolver once, then kept until taken back (updateNames) */
    const namesOf = (id: number): Peer => {
      let p = addresses.names[id];
      if (p === undefined) {
        p = resolver.resolve(addresses.textOf(id));
        addresses.names[id] = p;
        naming.resolved++;
      }
      return p;
    };

    /** takes back the names the directory may have changed since the last cycle: those of the
     *  addresses it says changed, or every one when it cannot say or says too many. No directory:
     *  names never change; one without a version: asked again every cycle. */
    const updateNames = (): void => {
      const dir = env?.peers;
      if (!dir) return;
      const v = dir.version?.();
      if (v === undefined) {
        addresses.forgetNames();
        return;
      }
      if (v === namesVersion) return;
      const changed = namesVersion === undefined ? undefined : dir.changedSince?.(namesVersion);
      const first = namesVersion === undefined;
      namesVersion = v;
      if (changed === undefined || changed.size > CHANGED_ADDRESSES_MAX) {
        addresses.forgetNames();
        if (!first) naming.fullRechecks++;
        return;
      }
      for (const a of changed) {
        const id = addresses.idOfText(a);
        if (id !== undefined && addresses.names[id] !== undefined) {
          addresses.names[id] = undefined;
          naming.invalidated++;
        }
      }
    };

    /** the attributes of a slot's own series (made only when the governor makes the series) */
    const attributesOf = (s: number, x: SlotSeries, o: OtherRef, portInLabel: boolean): SampleAttributes => {
      const a = entryAttributes(
        {
          direction: o.direction,
          family: slots.family[s]! as 0 | 4 | 6,
          proto: slots.proto[s]!,
          port: slots.port[s]!,
          peerIsServer: slots.peerServer[s] === 1,
          peer: slots.peerText(s),
          local: slots.localText(s),
        },
        o.ifname,
        portInLabel,
      );
      a[ATTR_KUBESKOOP_PEER_KIND] = x.peer.kind;
      a[ATTR_KUBESKOOP_PEER_NAME] = x.peer.name;
      a[ATTR_KUBESKOOP_PEER_NAMESPACE] = x.peer.namespace;
      return a;
    };
    const otherAttributes = (o: OtherRef): SampleAttributes => ({
      [ATTR_NETWORK_IO_DIRECTION]: o.direction,
      [ATTR_NETWORK_INTERFACE_NAME]: o.ifname,
      [ATTR_NETWORK_PEER_ADDRESS]: 'other',
      [ATTR_KUBESKOOP_PEER_KIND]: 'other',
      [ATTR_KUBESKOOP_PEER_NAME]: 'other',
      [ATTR_KUBESKOOP_PEER_NAMESPACE]: '',
    });

    /**
     * One cycle's increases into the governor, what PeerGovernor.add does per pod (top-K peers by
     * bytes keep their series, the rest go to `other` and are counted), over typed arrays: bytes
     * summed per pod peer index, top-K over the pod's touched indexes, each slot's Series kept. Text
     * and names are made only for slots that get a series of their own. One function per loop
     * (sumCycle, foldCycle, endCycle), so each is optimised for its own loop (see FlowSlots.apply).
     */
    const addCycle = (now: number): void => {
      updateNames();
      if (cycleSlots.length < slots.nMoved) cycleSlots = new Uint32Array(slots.moved.length);
      // dense (an index far past the end would make the array a dictionary)
      while (own.length < slots.capacity) own.push(undefined);
      while (slotOther.length < slots.capacity) slotOther.push(undefined);
      if (slotKey.length < slots.capacity) {
        const cap = slots.capacity;
        const gk = new Float64Array(cap).fill(NaN);
        gk.set(slotKey);
        slotKey = gk;
        const sk = new Uint8Array(cap);
        sk.set(slotSkip);
        slotSkip = sk;
        const pe = new Uint32Array(cap);
        pe.set(slotPeer);
        slotPeer = pe;
        const rf = new Uint8Array(cap);
        rf.set(slotRefused);
        slotRefused = rf;
      }
      cyclePods.length = 0;
      const n = sumCycle(attach.remapper());
      for (const pods of cyclePods)
        markTopPeers(pods.touched, pods.nTouched, pods.bytes, pods.before, governor.topK, pods.mark, TOP);
      foldCycle(n, now);
      for (const pods of cyclePods) endCycle(pods);
    };

    /** the moved slots with traffic into cycleSlots[0..n), their bytes summed per pod peer; returns n */
    const sumCycle = (podOf: (netns: number, ifindex: number) => number): number => {
      const { moved, dPackets, dBytes, netns, ifindex, owner } = slots;
      let n = 0;
      let lastNs = -1;
      let pods: PodPeers | undefined;
      for (let i = 0; i < slots.nMoved; i++) {
        const s = moved[i]!;
        if (dPackets[s] === 0 && dBytes[s] === 0) continue;
        // its pod: a hostNetwork pod's by its cgroup, else the namespace (a host-side veth's: the pod's)
        const gk = owner[s] === 1 ? groupKeyOfCgroup(netns[s]!) : podOf(netns[s]!, ifindex[s]!);
        if (slotKey[s] !== gk) bind(s, gk);
        if (slotSkip[s] === 1) continue;
        if (gk !== lastNs) {
          pods = podPeers.get(gk)!;
          lastNs = gk;
        }
        const p = slotPeer[s]!;
        const pp = pods!;
        if (pp.mark[p] === 0) {
          pp.mark[p] = TOUCHED;
          if (pp.nTouched === 0) cyclePods.push(pp);
          pp.touched[pp.nTouched++] = p;
        }
        pp.bytes[p]! += dBytes[s]!;
        cycleSlots[n++] = s;
      }
      return n;
    };

    /** each slot's increase into its own series (its peer is in the top-K and the cap allows it) or
     *  its `other` series (the peer counted as folded once); a slot with an own series whose peer's
     *  names were taken back is named again first (renamed: the old series is dropped) */
    const foldCycle = (n: number, now: number): void => {
      const { dPackets, dBytes, peerId } = slots;
      for (let i = 0; i < n; i++) {
        const s = cycleSlots[i]!;
        const o = slotOther[s]!;
        const pods = o.pods;
        const p = slotPeer[s]!;
        let x = own[s];
        if (x !== undefined && x.peer !== addresses.names[peerId[s]!]) x = renamed(s, x, pods);
        let g: Series<SampleAttributes> | undefined;
        if ((pods.mark[p]! & TOP) !== 0) {
          g = x?.series;
          if (g === undefined || g.gone) g = openOwn(s, o, now);
        }
        if (g === undefined) {
          if ((pods.mark[p]! & FOLDED) === 0) {
            pods.mark[p]! |= FOLDED;
            pods.folded++;
          }
          g = o.series;
          if (g === undefined || g.gone) g = openOther(o, now);
        }
        g.bytes += dBytes[s]!;
        g.packets += dPackets[s]!;
        g.lastMoved = now;
      }
    };
    /** the slot's own series if its peer's names are the same as asked again; else (a rename) its
     *  old series is dropped (the old labels must not linger) and undefined */
    const renamed = (s: number, x: SlotSeries, pods: PodPeers): SlotSeries | undefined => {
      const p = namesOf(slots.peerId[s]!);
      if (p.kind === x.peer.kind && p.name === x.peer.name && p.namespace === x.peer.namespace) {
        x.peer = p;
        return x;
      }
      governor.drop(pods.pod, x.key);
      naming.renamed++;
      own[s] = undefined;
      return undefined;
    };
    const openOwn = (s: number, o: OtherRef, now: number): Series<SampleAttributes> | undefined => {
      // the node's cap reached: a slot it refused before is refused again without a look-up (its
      // key is the slot's own: nothing else makes that series meanwhile), and so is one of a pod
      // that had no series before this cycle (no series of its key can be there): no key, text or
      // names made for a slot that gets no series
      if (governor.full && (slotRefused[s] === 1 || o.pods.fresh)) {
        slotRefused[s] = 1;
        governor.refuse();
        return undefined;
      }
      let x = own[s];
      if (x === undefined) {
        const peer = namesOf(slots.peerId[s]!);
        const key = `${slots.ifindex[s]}|${o.direction}|${slots.family[s]}|${slots.proto[s]}|${slots.port[s]}|${slots.peerServer[s]}|${slots.peerText(s)}|${slots.localText(s)}|${peer.kind}|${peer.namespace}|${peer.name}`;
        x = { key, peer, series: undefined };
        own[s] = x;
      }
      const portInLabel = opts.enablePortInLabel !== false;
      const y = x;
      const g = governor.open(o.pods.pod, x.key, () => attributesOf(s, y, o, portInLabel), false, now);
      x.series = g;
      slotRefused[s] = g === undefined ? 1 : 0;
      return g;
    };
    const openOther = (o: OtherRef, now: number): Series<SampleAttributes> => {
      o.series = governor.open(o.pods.pod, o.key, () => otherAttributes(o), true, now)!;
      return o.series;
    };
    const endCycle = (pods: PodPeers): void => {
      governor.setFolded(pods.pod, pods.folded);
      const { touched, mark, bytes } = pods;
      for (let j = 0; j < pods.nTouched; j++) {
        const p = touched[j]!;
        mark[p] = 0;
        bytes[p] = 0;
      }
      pods.nTouched = 0;
      pods.folded = 0;
      pods.fresh = false;
    };

    /** a pod gone (its namespace, or a hostNetwork pod's cgroup): its series and per-slot state */
    const forgetKey = (gk: number): void => {
      governor.forget(groupOfKey(gk));
      for (let s = 0; s < slotKey.length; s++)
        if (slotKey[s] === gk) {
          slotKey[s] = NaN;
          slotRefused[s] = 0;
          own[s] = undefined;
          slotOther[s] = undefined;
        }
      podPeers.delete(gk);
    };
    const forgetNamespace = (ns: number): void => forgetKey(ns);
    const resetSlots = (): void => {
      slots.reset();
      own = [];
      slotOther = [];
      slotKey.fill(NaN);
      slotRefused.fill(0);
      podPeers.clear();
      // a reload or a restarted helper closed the cgroup links too
      for (const p of cgAttached.values()) forgetKey(p.key);
      cgAttached.clear();
      withPod = new WeakMap();
    };

    /** the cgroup programs on exactly the hostNetwork pods the host target showed last cycle */
    const syncCgroups = async (): Promise<void> => {
      const want = hostnet() ? cgSeen : new Map<number, HostnetPod>();
      cgSeen = new Map();
      const gone = [...cgAttached.values()].filter((p) => !want.has(p.id));
      if (gone.length > 0) {
        await tc.call(['cgdetach', ...gone.map((p) => String(p.id))]);
        for (const p of gone) {
          cgAttached.delete(p.id);
          forgetKey(p.key);
        }
      }
      const todo = [...want.values()].filter((p) => !cgAttached.has(p.id));
      cgFailure = undefined;
      for (let i = 0; i < todo.length; i += 40) {
        const batch = todo.slice(i, i + 40);
        const r = await tc.call(['cgattach', ...batch.map((p) => p.dir)]);
        const results = Array.isArray(r.targets)
          ? (r.targets as { ok?: boolean; state?: string; error?: string }[])
          : [];
        if (r.ok !== true) cgFailure = typeof r.error === 'string' ? r.error : 'no answer';
        batch.forEach((p, j) => {
          const t = results[j];
          if (t?.ok === true) cgAttached.set(p.id, p);
          else if (t && t.state !== 'gone') cgFailure ??= `${p.dir}: ${t.error ?? 'not attached'}`;
        });
      }
    };

    const probe: FlowProbe = {
      name: 'flow',
      scope: 'netns',
      naming,
      metrics: [FLOW_IO, FLOW_PACKETS, FLOW_PEERS_FOLDED, FLOW_MAP_ENTRIES, FLOW_MAP_EVICTIONS, FLOW_SERIES_OVERFLOW],
      async start(ctx): Promise<ProbeStatus> {
        opts = ctx.options as Options;
        if (hostnet()) hostNs = statSync('/proc/self/ns/net').ino;
        resolver = new PeerResolver(env?.peers, opts.cidrs ?? [], 'probes flow: options.cidrs');
        // its CIDR buckets may differ: every name is asked again
        addresses.forgetNames();
        governor.setOptions({
          topK: opts.top_k ?? FLOW_DEFAULTS.topK,
          ttlMs: (opts.ttl ?? FLOW_DEFAULTS.ttlSeconds) * 1000,
          maxSeries: opts.max_series ?? FLOW_DEFAULTS.maxSeries,
        });
        return this.status!();
      },
      status(): ProbeStatus {
        return tc.status(problem ?? (cgFailure ? `hostNetwork pod cgroup not attached: ${cgFailure}` : undefined));
      },
      async beforeCycle(): Promise<void> {
        if (!tc.usable()) return;
        const now = Date.now();
        try {
          const synced = await tc.sync(
            {
              entries: opts.entries ?? FLOW_DEFAULTS.entries,
              port: opts.enablePortInLabel !== false,
              ...(hostnet() && hostNs
                ? {
                    hostnet: hostNs,
                    cg_lo: opts.host_network_pods?.interfaces?.some((n) => matchesAny('lo', [n])) === true,
                  }
                : {}),
            },
            resetSlots,
          );
          if ('error' in synced) {
            problem = synced.error;
            return;
          }
          for (const ns of synced.gone) forgetNamespace(ns);
          await syncCgroups();
          const ttl = opts.ttl ?? FLOW_DEFAULTS.ttlSeconds;
          const d = parseFlowRead(await tc.call(['read', `ttl=${ttl}`]));
          if ('ok' in d) {
            // the helper restarted and has no flow object: load and attach again next cycle
            problem = `flow map read failed: ${d.error}`;
            tc.lost();
            resetSlots();
            return;
          }
          attach.gone(d.gone);
          for (const [ns] of d.gone) forgetNamespace(ns);
          for (const id of d.cgGone) {
            // its cgroup was removed (the pod went between two cycles)
            const p = cgAttached.get(id);
            if (p) forgetKey(p.key);
            cgAttached.delete(id);
          }
          slots.apply(d);
          for (const s of slots.freedNow) release(s);
          addCycle(now);
          governor.expire(now);
          mapEntries = d.live;
          // slots taken from the least recently moved flows when the map was nearly full, and
          // packets of new flows that found no free slot (counted nowhere until a slot is free)
          evictions = d.evicted + (d.stats['full'] ?? 0);
          problem = d.error ? `flow map read: ${d.error}` : undefined;
        } catch (err) {
          problem = `flow: ${(err as Error).message}`;
        }
      },
      collect(target: Target, ctx): ProbeResult {
        const names =
          target.kind === 'host'
            ? [...(opts.host_interfaces ?? []), ...(opts.interfaceName ? [opts.interfaceName] : [])]
            : opts.interfaces;
        const hostSide = target.kind !== 'host' && opts.attach === 'host';
        if (!tc.see(target, ctx.procRoot, names, hostSide)) return { samples: [], problems: [], targetGone: true };
        const samples: MetricSample[] = [];
        const pod = String(target.netnsInode);
        for (const s of governor.series(pod)) {
          samples.push({ metric: FLOW_IO, value: s.bytes, attributes: s.attributes });
          samples.push({ metric: FLOW_PACKETS, value: s.packets, attributes: s.attributes });
        }
        samples.push({ metric: FLOW_PEERS_FOLDED, value: governor.foldedPeers(pod), attributes: {} });
        if (target.kind === 'host' && hostnet()) {
          hostNs = target.netnsInode;
          for (const p of hostNetworkPodCgroups(target, ctx.procRoot)) {
            const seen = Object.assign({}, p, {
              group: groupOfCgroup(p.id % 2 ** 32),
              key: groupKeyOfCgroup(p.id % 2 ** 32),
            });
            cgSeen.set(p.id, seen);
            // the pod's identity grew (its name known after its uid): its series carry the new one
            const had = cgAttached.get(p.id);
            if (had && !sameAttributes(had.attributes, p.attributes)) {
              cgAttached.set(p.id, seen);
              withPod = new WeakMap();
            }
          }
          // the hostNetwork pods' own series: the host target's, with the pod's attributes
          for (const p of cgAttached.values()) {
            for (const s of governor.series(p.group)) {
              let attributes = withPod.get(s.attributes);
              if (!attributes) withPod.set(s.attributes, (attributes = Object.assign({}, s.attributes, p.attributes)));
              samples.push({ metric: FLOW_IO, value: s.bytes, attributes });
              samples.push({ metric: FLOW_PACKETS, value: s.packets, attributes });
            }
            samples.push({ metric: FLOW_PEERS_FOLDED, value: governor.foldedPeers(p.group), attributes: p.attributes });
          }
        }
        if (target.kind === 'host') {
          samples.push({ metric: FLOW_MAP_ENTRIES, value: mapEntries, attributes: {} });
          samples.push({ metric: FLOW_MAP_EVICTIONS, value: evictions, attributes: {} });
          samples.push({ metric: FLOW_SERIES_OVERFLOW, value: governor.overflow, attributes: {} });
        }
        return { samples, problems: [] };
      },
      async stop(): Promise<void> {
        await tc.stop();
      },
    };
    return probe;
  },
};

// Peer naming for the per-peer probes (flow now; connections and DNS later): an address becomes a
// pod, a Service, a node, a configured CIDR bucket, or stays the IP — in that order.
import { BlockList, isIPv4, isIPv6 } from 'node:net';

export type PeerKind = 'pod' | 'service' | 'node' | 'ip' | 'cidr' | 'other';

export interface Peer {
  readonly kind: PeerKind;
  /** pod/Service/node name, the bucket's name, or the address */
  readonly name: string;
  /** the pod's or Service's Kubernetes namespace; '' otherwise */
  readonly namespace: string;
}

export interface NamedEndpoint {
  readonly name: string;
  readonly namespace: string;
}

/** Where names come from; each source is optional and may change between calls. */
export interface PeerDirectory {
  /** pod IP → pod (the agent's pod list+watch, and every target's own pod) */
  pod?(address: string): NamedEndpoint | undefined;
  /** Service ClusterIP → Service */
  service?(address: string): NamedEndpoint | undefined;
  /** node InternalIP → node name */
  node?(address: string): string | undefined;
  /** a number that changes whenever an answer above may have changed (the watches' changes): a
   *  caller may keep a name while it stays the same. Without it, every name is asked again each time. */
  version?(): number;
  /** the addresses (text forms) whose answers may differ from those at `version` (a value version()
   *  returned): pod IPs, Service ClusterIPs and node addresses added, removed or given to another
   *  object since. Undefined when it cannot say (too old, a source made again, a re-list): then
   *  any answer may have changed. */
  changedSince?(version: number): ReadonlySet<string> | undefined;
}

export interface CidrBucket {
  /** `10.0.0.0/8`, `fd00::/8` */
  readonly cidr: string;
  /** the series' kubeskoop.peer.name (default: the CIDR itself) */
  readonly name?: string;
}

/** Parses `a.b.c.d/n` or `x::/n`; throws naming the entry when it is not one. */
function parseCidr(cidr: string, where: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr.trim());
  const family = m && isIPv4(m[1]!) ? 'ipv4' : m && isIPv6(m[1]!) ? 'ipv6' : undefined;
  const prefix = m ? Number(m[2]) : -1;
  if (!m || !family || prefix > (family === 'ipv4' ? 32 : 128)) {
    throw new Error(`${where}: '${cidr}' is not a CIDR (address/prefix, e.g. 10.0.0.0/8 or fd00::/8)`);
  }
  return { address: m[1]!, prefix, family };
}

export class PeerResolver {
  private readonly buckets: { list: BlockList; name: string }[];

  constructor(
    private readonly directory: PeerDirectory = {},
    cidrs: readonly CidrBucket[] = [],
    where = 'cidrs',
  ) {
    this.buckets = cidrs.map((c, i) => {
      const p = parseCidr(c.cidr, `${where}[${i}]`);
      const list = new BlockList();
      list.addSubnet(p.address, p.prefix, p.family);
      return { list, name: c.name ?? c.cidr };
    });
  }

  /** The peer an address names ('' = a frame without an IP address: the kind is `ip`, the name ''). */
  resolve(address: string): Peer {
    if (address === '') return { kind: 'ip', name: '', namespace: '' };
    const pod = this.directory.pod?.(address);
    if (pod) return { kind: 'pod', name: pod.name, namespace: pod.namespace };
    const svc = this.directory.service?.(address);
    if (svc) return { kind: 'service', name: svc.name, namespace: svc.namespace };
    const node = this.directory.node?.(address);
    if (node) return { kind: 'node', name: node, namespace: '' };
    const family = isIPv4(address) ? 'ipv4' : 'ipv6';
    for (const b of this.buckets)
      if (b.list.check(address, family)) return { kind: 'cidr', name: b.name, namespace: '' };
    return { kind: 'ip', name: address, namespace: '' };
  }
}

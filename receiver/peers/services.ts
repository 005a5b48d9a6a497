// Service ClusterIP → Service and node address → node, for peer naming: a list+watch of every
// Service and every Node of the cluster (receiver/targets/list-watch.ts: relist on 410 Gone, the
// last known names kept through API failures), so a Service created after start names its peers
// within one cycle and a deleted one stops naming them. Cluster-wide: a pod on this node talks to
// Services and nodes anywhere. Needs `list` and `watch` on `services` and `nodes`.
import { ListWatch, type ListWatchOptions } from '../targets/list-watch.js';
import type { NamedEndpoint } from './resolve.js';

interface RawService {
  metadata?: { name?: string; namespace?: string };
  spec?: { clusterIP?: string; clusterIPs?: string[] };
}

interface RawNode {
  metadata?: { name?: string };
  status?: { addresses?: { type?: string; address?: string }[] };
}

/** A Service's ClusterIPs; headless (None) and empty addresses are left out. */
export interface ServiceInfo extends NamedEndpoint {
  readonly ips: readonly string[];
}

export function serviceInfoOf(obj: unknown): ServiceInfo | undefined {
  const it = obj as RawService | undefined;
  const name = it?.metadata?.name;
  if (typeof name !== 'string' || name === '') return undefined;
  const ips = [...new Set([it?.spec?.clusterIP, ...(it?.spec?.clusterIPs ?? [])])].filter(
    (ip): ip is string => typeof ip === 'string' && ip !== '' && ip !== 'None',
  );
  return { name, namespace: it?.metadata?.namespace ?? 'default', ips };
}

/** A node's addresses (InternalIP, ExternalIP; not its host names). */
export interface NodeInfo {
  readonly name: string;
  readonly ips: readonly string[];
}

export function nodeInfoOf(obj: unknown): NodeInfo | undefined {
  const n = obj as RawNode | undefined;
  const name = n?.metadata?.name;
  if (typeof name !== 'string' || name === '') return undefined;
  const ips = (n?.status?.addresses ?? [])
    .filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP')
    .map((a) => a.address)
    .filter((a): a is string => typeof a === 'string' && a !== '');
  return { name, ips: [...new Set(ips)] };
}

/** What differs between the kinds followed for peer names: the resource, what is kept of an
 *  object, its cache key, and what a lookup by address answers. */
interface AddressKind<T extends { readonly ips: readonly string[] }, Name> {
  /** the plural of the kind, as in /api/v1/<resource> */
  readonly resource: string;
  infoOf(obj: unknown): T | undefined;
  keyOf(info: T): string;
  nameOf(info: T): Name;
}

/** A list+watch of one kind whose objects carry addresses: an address index rebuilt after each change. */
class AddressWatch<T extends { readonly ips: readonly string[] }, Name> extends ListWatch<T> {
  private index = new Map<string, T>();
  private indexVersion = -1;

  constructor(
    private readonly kind: AddressKind<T, Name>,
    opts: ListWatchOptions,
  ) {
    super(kind.resource, opts);
  }

  protected infoOf(obj: unknown): T | undefined {
    return this.kind.infoOf(obj);
  }

  protected keyOf(info: T): string {
    return this.kind.keyOf(info);
  }

  protected override addressesOf(info: T): readonly string[] {
    return info.ips;
  }

  protected deletedKey(obj: unknown): string | undefined {
    const info = this.kind.infoOf(obj);
    return info ? this.kind.keyOf(info) : undefined;
  }

  /** The name of the object that has this address. */
  lookup(address: string): Name | undefined {
    if (this.indexVersion !== this.version) {
      this.index = new Map();
      for (const x of this.items.values()) for (const ip of x.ips) this.index.set(ip, x);
      this.indexVersion = this.version;
    }
    const x = this.index.get(address);
    return x ? this.kind.nameOf(x) : undefined;
  }
}

const SERVICES: AddressKind<ServiceInfo, NamedEndpoint> = {
  resource: 'services',
  infoOf: serviceInfoOf,
  keyOf: (s) => `${s.namespace}/${s.name}`,
  nameOf: (s) => ({ name: s.name, namespace: s.namespace }),
};

const NODES: AddressKind<NodeInfo, string> = {
  resource: 'nodes',
  infoOf: nodeInfoOf,
  keyOf: (n) => n.name,
  nameOf: (n) => n.name,
};

/** Service ClusterIP → the Service's name and namespace. */
export class ServiceWatch extends AddressWatch<ServiceInfo, NamedEndpoint> {
  constructor(opts: ListWatchOptions) {
    super(SERVICES, opts);
  }
}

/** Node InternalIP/ExternalIP → the node's name. */
export class NodeWatch extends AddressWatch<NodeInfo, string> {
  constructor(opts: ListWatchOptions) {
    super(NODES, opts);
  }
}

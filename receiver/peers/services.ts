// Service ClusterIP → Service and node address → node, for peer naming: a list+watch of every
// Service and every Node of the cluster (receiver/targets/list-watch.ts: relist on 410 Gone, the
// last known names kept through API failures), so a Service created after start names its peers
// within one cycle and a deleted one stops naming them. Cluster-wide: a pod on this node talks to
// Services and nodes anywhere. Needs `list` and `watch` on `services` and `nodes`.
import { ListWatch, type ListAnswer, type ListParams, type ListWatchOptions } from '../targets/list-watch.js';
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

/** A list+watch whose objects carry addresses: an address index rebuilt after each change. */
abstract class AddressWatch<T extends { readonly ips: readonly string[] }> extends ListWatch<T> {
  private index = new Map<string, T>();
  private indexVersion = -1;

  /** The object that has this address. */
  byIp(address: string): T | undefined {
    if (this.indexVersion !== this.version) {
      this.index = new Map();
      for (const x of this.items.values()) for (const ip of x.ips) this.index.set(ip, x);
      this.indexVersion = this.version;
    }
    return this.index.get(address);
  }
}

export class ServiceWatch extends AddressWatch<ServiceInfo> {
  constructor(opts: ListWatchOptions) {
    super('services', opts);
  }

  protected listPage(params: ListParams): Promise<ListAnswer> {
    return this.api.listServiceForAllNamespaces(params);
  }

  protected infoOf(obj: unknown): ServiceInfo | undefined {
    return serviceInfoOf(obj);
  }

  protected keyOf(info: ServiceInfo): string {
    return `${info.namespace}/${info.name}`;
  }

  protected deletedKey(obj: unknown): string | undefined {
    const s = serviceInfoOf(obj);
    return s ? this.keyOf(s) : undefined;
  }

  lookup(address: string): NamedEndpoint | undefined {
    const s = this.byIp(address);
    return s ? { name: s.name, namespace: s.namespace } : undefined;
  }
}

export class NodeWatch extends AddressWatch<NodeInfo> {
  constructor(opts: ListWatchOptions) {
    super('nodes', opts);
  }

  protected listPage(params: ListParams): Promise<ListAnswer> {
    return this.api.listNode(params);
  }

  protected infoOf(obj: unknown): NodeInfo | undefined {
    return nodeInfoOf(obj);
  }

  protected keyOf(info: NodeInfo): string {
    return info.name;
  }

  protected deletedKey(obj: unknown): string | undefined {
    return nodeInfoOf(obj)?.name;
  }

  lookup(address: string): string | undefined {
    return this.byIp(address)?.name;
  }
}

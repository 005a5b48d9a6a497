// Pod names from the Kubernetes API: a list + watch of the pods on this node
// (fieldSelector spec.nodeName=<node>), kept in a cache keyed by UID. The loop (list, watch from the
// resourceVersion, relist on 410 Gone, backoff, names kept through outages) is list-watch.ts's.
import { ListWatch, type ListWatchOptions, type ListWatchStatus, type WatchState } from './list-watch.js';

export { loadKubeConfig } from './kube-api.js';
export type { WatchState };
export interface PodInfo {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  /** Only the keys in the allow-list (kubernetes.pod_labels). */
  readonly labels: Readonly<Record<string, string>>;
  /** Container id (64 hex, no runtime prefix) → container name, from the container statuses. */
  readonly containers: ReadonlyMap<string, string>;
  readonly hostNetwork: boolean;
  /** The pod's own addresses (status.podIPs); none for a hostNetwork pod (its address is the node's). */
  readonly ips?: readonly string[];
  /** A static pod's config hash (annotation kubernetes.io/config.mirror): what its cgroup carries. */
  readonly mirrorHash?: string;
}

/** The shared list+watch status, plus the node the pods are scoped to and how many it holds. */
export interface PodWatchStatus extends ListWatchStatus {
  readonly nodeName: string;
  readonly pods: number;
}

export interface PodWatchOptions extends ListWatchOptions {
  readonly nodeName: string;
  readonly podLabels?: readonly string[];
}

interface RawPod {
  metadata?: {
    uid?: string;
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
  };
  spec?: { hostNetwork?: boolean };
  status?: {
    podIP?: string;
    podIPs?: { ip?: string }[];
    containerStatuses?: { name?: string; containerID?: string }[];
    initContainerStatuses?: { name?: string; containerID?: string }[];
    ephemeralContainerStatuses?: { name?: string; containerID?: string }[];
  };
}

/** `containerd://<id>`, `cri-o://<id>`, `docker://<id>` → `<id>`. */
export function containerIdOf(containerID: string | undefined): string | undefined {
  if (!containerID) return undefined;
  const i = containerID.indexOf('://');
  const id = (i >= 0 ? containerID.slice(i + 3) : containerID).toLowerCase();
  return /^[0-9a-f]{12,128}$/.test(id) ? id : undefined;
}

/** The parts of a Pod the agent keeps (everything else is dropped at once). */
export function podInfoOf(obj: unknown, labelAllowList: readonly string[]): PodInfo | undefined {
  const p = obj as RawPod | undefined;
  const md = p?.metadata;
  if (!md || typeof md.uid !== 'string' || typeof md.name !== 'string' || md.uid === '' || md.name === '')
    return undefined;
  const labels: Record<string, string> = {};
  for (const k of labelAllowList) {
    const v = md.labels?.[k];
    if (typeof v === 'string') labels[k] = v;
  }
  const containers = new Map<string, string>();
  const st = p?.status;
  for (const list of [st?.initContainerStatuses, st?.containerStatuses, st?.ephemeralContainerStatuses]) {
    for (const c of list ?? []) {
      const id = containerIdOf(c.containerID);
      if (id && typeof c.name === 'string') containers.set(id, c.name);
    }
  }
  const mirror = md.annotations?.['kubernetes.io/config.mirror'];
  const ips =
    p?.spec?.hostNetwork === true
      ? []
      : [
          ...new Set(
            [st?.podIP, ...(st?.podIPs ?? []).map((x) => x.ip)].filter(
              (x): x is string => typeof x === 'string' && x !== '',
            ),
          ),
        ];
  return {
    uid: md.uid.toLowerCase(),
    name: md.name,
    namespace: md.namespace ?? 'default',
    labels,
    containers,
    hostNetwork: p?.spec?.hostNetwork === true,
    ...(ips.length > 0 ? { ips } : {}),
    ...(typeof mirror === 'string' && /^[0-9a-f]{32}$/.test(mirror) ? { mirrorHash: mirror } : {}),
  };
}

export class PodWatch extends ListWatch<PodInfo> {
  private readonly labels: readonly string[];
  /** address → pod, rebuilt lazily after a change (version counts lists, upserts and removals) */
  private ipIndex = new Map<string, PodInfo>();
  private ipIndexVersion = -1;
  private mirror = new Map<string, string>();

  constructor(private readonly podOpts: PodWatchOptions) {
    super('pods', podOpts, `spec.nodeName=${podOpts.nodeName}`);
    this.labels = podOpts.podLabels ?? [];
  }

  protected infoOf(obj: unknown): PodInfo | undefined {
    return podInfoOf(obj, this.labels);
  }

  protected keyOf(info: PodInfo): string {
    return info.uid;
  }

  protected override addressesOf(info: PodInfo): readonly string[] {
    return info.ips ?? [];
  }

  protected deletedKey(obj: unknown): string | undefined {
    const uid = (obj as RawPod | undefined)?.metadata?.uid;
    return typeof uid === 'string' ? uid.toLowerCase() : undefined;
  }

  protected override replaced(): void {
    this.mirror = new Map([...this.items.values()].filter((p) => p.mirrorHash).map((p) => [p.mirrorHash!, p.uid]));
  }

  protected override upserted(old: PodInfo | undefined, info: PodInfo): void {
    if (old?.mirrorHash && old.mirrorHash !== info.mirrorHash) this.mirror.delete(old.mirrorHash);
    if (info.mirrorHash) this.mirror.set(info.mirrorHash, info.uid);
  }

  protected override removed(uid: string, old: PodInfo): void {
    if (old.mirrorHash && this.mirror.get(old.mirrorHash) === uid) this.mirror.delete(old.mirrorHash);
  }

  /** A pod by UID (or, for static pods, by the config hash its cgroup carries). */
  get(uid: string): PodInfo | undefined {
    const p = this.items.get(uid);
    if (p) return p;
    const byMirror = this.mirror.get(uid);
    return byMirror !== undefined ? this.items.get(byMirror) : undefined;
  }

  /** The pod that has this address (status.podIPs), for peer naming. */
  byIp(address: string): PodInfo | undefined {
    if (this.ipIndexVersion !== this.version) {
      this.ipIndex = new Map();
      for (const p of this.items.values()) for (const ip of p.ips ?? []) this.ipIndex.set(ip, p);
      this.ipIndexVersion = this.version;
    }
    return this.ipIndex.get(address);
  }

  status(): PodWatchStatus {
    const s = this.watchStatus();
    return {
      state: s.state,
      stale: s.stale,
      staleSeconds: s.staleSeconds,
      nodeName: this.podOpts.nodeName,
      server: s.server,
      pods: this.items.size,
      resourceVersion: s.resourceVersion,
      lastSyncAt: s.lastSyncAt,
      lastEventAt: s.lastEventAt,
      lastError: s.lastError,
      lists: s.lists,
      goneRelists: s.goneRelists,
      watches: s.watches,
      reconnects: s.reconnects,
      bookmarks: s.bookmarks,
      events: s.events,
    };
  }
}

// A target is one network namespace on this node, with a live process through which its
// /proc/<pid>/net/* files are read, and who it belongs to.

export type TargetKind = 'host' | 'netns' | 'pod';

export interface PodIdentity {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  /** Pod labels named in the config's allow-list (kubernetes.pod_labels) only. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Processes of a target that belong together: one container of one pod, or no pod at all. */
export interface ProcessGroup {
  readonly pids: readonly number[];
  /** The pod these processes are in (in the host target: a hostNetwork pod's). */
  readonly pod?: PodIdentity;
  /** The pod's UID when its name is not known (no API, or not in its cache yet). */
  readonly podUid?: string;
  /** The container (id from the cgroup, name from the pod's container statuses). */
  readonly container?: { readonly id: string; readonly name?: string };
}

export interface Target {
  readonly netnsInode: number;
  /** A live pid inside the namespace (the lowest one seen), for /proc/<pid>/net/*. */
  readonly pid: number;
  /** Every pid inside the namespace (for process-level probes: io, fd). */
  readonly pids: readonly number[];
  readonly kind: TargetKind;
  /** Name under /run/netns, when the namespace has one. */
  readonly netnsName?: string;
  readonly pod?: PodIdentity;
  /** kind `pod` whose name is not known (no API, or not in its cache yet): the UID from the cgroup. */
  readonly podUid?: string;
  /** kind `host`: the node's name. */
  readonly nodeName?: string;
  /** `pids` grouped by pod and container (receiver/targets/identity.ts), for process-level probes
   *  (io, fd): in the host target, hostNetwork pods' processes are told apart from the node's. */
  readonly processGroups?: readonly ProcessGroup[];
  /** KubeSkoop's metrics.additionalLabels for this target (name → value), when configured. */
  readonly additionalLabels?: Readonly<Record<string, string>>;
}

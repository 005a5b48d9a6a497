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

/** `t` with `fields` set, as a new target. Not written as `{ ...t, kind, … }`: V8 (Node 20) gives
 *  every object made by a literal that starts with a spread and adds properties after it a hidden
 *  class (map) of its own, and identity makes ~250 targets a cycle at 250 pods. With a map per
 *  target every read of a target's property was megamorphic, and the agent's largest functions
 *  (the OTLP producer's collect) kept being deoptimized ("wrong map") and compiled again, each
 *  compilation several MiB of RSS for a moment (test/bench/results/sizing-h21t-*.md).
 *  Object.assign onto an empty object takes the shared transitions: one map per set of keys. */
export function withTargetFields(t: Target, fields: Partial<Target>): Target {
  return Object.assign({}, t, fields) as Target;
}

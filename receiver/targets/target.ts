// A target is one network namespace on this node, with a live process through which its
// /proc/<pid>/net/* files are read, and who it belongs to.

export type TargetKind = 'host' | 'netns' | 'pod';

export interface PodIdentity {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
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
}

// The snapshot: the latest values of every enabled probe for every target, replaced whole once
// per cycle. Readers (OTLP push, Prometheus pull, `snapshot`, /status) only read it.
import type { MetricSample, ProbeStatus, SampleAttributes } from '../probes/probe.js';
import type { PodIdentity, ProcessGroup, Target } from '../targets/target.js';
import {
  ATTR_CONTAINER_ID,
  ATTR_K8S_CONTAINER_NAME,
  ATTR_K8S_NODE_NAME,
  ATTR_K8S_POD_LABEL,
  ATTR_K8S_NAMESPACE_NAME,
  ATTR_K8S_POD_NAME,
  ATTR_K8S_POD_UID,
  ATTR_KUBESKOOP_NETNS_INODE,
  ATTR_KUBESKOOP_NETNS_NAME,
  ATTR_KUBESKOOP_TARGET_KIND,
} from '../../semconv/generated/registry.js';

export interface SnapshotEntry {
  readonly probe: string;
  readonly target: Target;
  readonly samples: readonly MetricSample[];
}

export type ProbeErrorKind = 'read' | 'parse' | 'target_gone' | 'internal';

export interface ProbeRunStats {
  readonly probe: string;
  readonly status: ProbeStatus;
  /** Time the probe took over all targets in the last cycle. */
  readonly lastDurationMs: number;
  /** Cumulative since start, by kind. */
  readonly errors: Readonly<Record<ProbeErrorKind, number>>;
  /** Problems of the last cycle (capped), for /status. */
  readonly lastProblems: readonly string[];
  readonly lastRunAt?: number;
}

export interface Snapshot {
  readonly cycle: number;
  /** Wall-clock ms when the cycle finished. */
  readonly takenAt: number;
  readonly cycleDurationMs: number;
  readonly targets: readonly Target[];
  readonly entries: readonly SnapshotEntry[];
  readonly probes: ReadonlyMap<string, ProbeRunStats>;
}

export const EMPTY_SNAPSHOT: Snapshot = {
  cycle: 0,
  takenAt: 0,
  cycleDurationMs: 0,
  targets: [],
  entries: [],
  probes: new Map(),
};

/** Snapshots read across awaits (a /metrics response streamed to a slow client), with their reader
 *  counts: the scheduler writes into no sample while a snapshot is held (sample-list.ts), so a reader
 *  never sees a later cycle's values. */
const readers = new Map<Snapshot, number>();

/** Marks `snap` as being read until the returned function is called (once). */
export function holdSnapshot(snap: Snapshot): () => void {
  readers.set(snap, (readers.get(snap) ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const n = readers.get(snap)! - 1;
    if (n === 0) readers.delete(snap);
    else readers.set(snap, n);
  };
}

/** Whether a snapshot is being read across awaits (the current one, or an older one a slow reader
 *  still has: a list the cycles since did not publish may still hold its samples). */
export function anyHeld(): boolean {
  return readers.size > 0;
}

/** The identity attributes every datapoint of a target carries. */
export function targetAttributes(target: Target): SampleAttributes {
  const attrs: Record<string, string | number> = {
    [ATTR_KUBESKOOP_TARGET_KIND]: target.kind,
    [ATTR_KUBESKOOP_NETNS_INODE]: target.netnsInode,
  };
  if (target.netnsName !== undefined) attrs[ATTR_KUBESKOOP_NETNS_NAME] = target.netnsName;
  if (target.pod !== undefined) podAttributes(attrs, target.pod);
  else if (target.podUid !== undefined) attrs[ATTR_K8S_POD_UID] = target.podUid;
  if (target.nodeName !== undefined) attrs[ATTR_K8S_NODE_NAME] = target.nodeName;
  // KubeSkoop's additionalLabels: configured names (Prometheus label names, never clashing with the above).
  if (target.additionalLabels !== undefined) Object.assign(attrs, target.additionalLabels);
  return attrs;
}

function podAttributes(attrs: Record<string, string | number>, pod: PodIdentity): void {
  attrs[ATTR_K8S_POD_NAME] = pod.name;
  attrs[ATTR_K8S_NAMESPACE_NAME] = pod.namespace;
  attrs[ATTR_K8S_POD_UID] = pod.uid;
  if (pod.labels) for (const [k, v] of Object.entries(pod.labels)) attrs[`${ATTR_K8S_POD_LABEL}.${k}`] = v;
}

/** Attributes of one process group (target.processGroups), for process-level probes (io, fd) to put
 *  on their samples: the pod (a hostNetwork pod's, in the host target) and the container. */
export function processGroupAttributes(group: ProcessGroup): SampleAttributes {
  const attrs: Record<string, string | number> = {};
  if (group.pod !== undefined) podAttributes(attrs, group.pod);
  else if (group.podUid !== undefined) attrs[ATTR_K8S_POD_UID] = group.podUid;
  if (group.container !== undefined) {
    attrs[ATTR_CONTAINER_ID] = group.container.id;
    if (group.container.name !== undefined) attrs[ATTR_K8S_CONTAINER_NAME] = group.container.name;
  }
  return attrs;
}

/** A readable identity for logs and the snapshot table. */
export function targetLabel(target: Target): string {
  if (target.pod) return `${target.pod.namespace}/${target.pod.name}`;
  if (target.podUid !== undefined) return `pod:${target.podUid}`;
  if (target.kind === 'host') return 'host';
  return target.netnsName !== undefined ? `netns:${target.netnsName}` : `netns:${target.netnsInode}`;
}

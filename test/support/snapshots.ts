// Snapshots for the pipeline tests (exporters, encoders, /metrics): pods and one cycle's entries, built
// as the collector hands them over, so each test states only its samples.
import type { Snapshot, SnapshotEntry } from '../../receiver/snapshot/snapshot.js';
import type { Target } from '../../receiver/targets/target.js';

/** Pod `web-<i>` of namespace `shop` (uid `uid-<i>`), in the network namespace `netnsBase + i`. */
export function shopPod(i: number, netnsBase: number): Target {
  return {
    netnsInode: netnsBase + i,
    pid: 1,
    pids: [1],
    kind: 'pod',
    pod: { name: `web-${i}`, namespace: 'shop', uid: `uid-${i}` },
  };
}

/** Cycle 1 of these targets with these entries, taken at `takenAt` (now by default). */
export function snapshotOf(targets: Target[], entries: SnapshotEntry[], takenAt = Date.now()): Snapshot {
  return { cycle: 1, takenAt, cycleDurationMs: 1, targets, probes: new Map(), entries };
}

// Process-level probes (io, fd) on the host namespace: processes of hostNetwork pods share it,
// so their figures go to their pod (k8s.pod.* attributes) while the rest stay with the host.
import type { SampleAttributes } from './probe.js';
import type { Target } from '../targets/target.js';
import { ATTR_K8S_NAMESPACE_NAME, ATTR_K8S_POD_NAME, ATTR_K8S_POD_UID } from '../../semconv/generated/registry.js';

export interface ProcessShare {
  readonly pids: readonly number[];
  /** Extra attributes of this share's samples (a hostNetwork pod's identity; none for the target itself). */
  readonly attributes: SampleAttributes;
}

/** One share for most targets; for the host, one per hostNetwork pod plus the host's own processes. */
export function processShares(target: Target): ProcessShare[] {
  const groups = target.processGroups;
  if (target.kind !== 'host' || !groups?.some((g) => g.pod || g.podUid)) return [{ pids: target.pids, attributes: {} }];
  const own: number[] = [];
  const pods = new Map<string, { pids: number[]; attributes: Record<string, string> }>();
  for (const g of groups) {
    const uid = g.pod?.uid ?? g.podUid;
    if (uid === undefined) {
      own.push(...g.pids);
      continue;
    }
    let share = pods.get(uid);
    if (!share) {
      const attributes: Record<string, string> = { [ATTR_K8S_POD_UID]: uid };
      if (g.pod) {
        attributes[ATTR_K8S_POD_NAME] = g.pod.name;
        attributes[ATTR_K8S_NAMESPACE_NAME] = g.pod.namespace;
      }
      pods.set(uid, (share = { pids: [], attributes }));
    }
    share.pids.push(...g.pids);
  }
  return [{ pids: own, attributes: {} }, ...pods.values()];
}

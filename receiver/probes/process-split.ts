// Process-level probes (io, fd) on the host namespace: processes of hostNetwork pods share it,
// so their figures go to their pod (k8s.pod.* attributes) while the rest stay with the host.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

import { readProcText } from '../kernel/read-proc.js';
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

/** where the node's cgroup v2 hierarchy is mounted (a socket's cgroup id is a directory's inode
 *  there): /sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid (v1 + v2) node */
export const cgroup2Root = (): string | undefined =>
  ['/sys/fs/cgroup', '/sys/fs/cgroup/unified'].find((d) => existsSync(`${d}/cgroup.controllers`));

export interface PodCgroupDir {
  /** the pod's cgroup v2 directory: the nearest ancestor of its processes' cgroups named after
   *  its uid (kubelet's pod<uid> or kubepods-…-pod<uid with _>.slice), else their own cgroup */
  readonly dir: string;
  /** its inode: the cgroup v2 id the kernel gives its sockets' packets */
  readonly id: number;
  readonly attributes: SampleAttributes;
}

/** The host target's hostNetwork pods and their cgroup v2 directories (none for other targets). */
export function hostNetworkPodCgroups(target: Target, procRoot: string): PodCgroupDir[] {
  const root = target.kind === 'host' ? cgroup2Root() : undefined;
  if (!root) return [];
  const out = new Map<number, PodCgroupDir>();
  for (const share of processShares(target)) {
    const uid = share.attributes[ATTR_K8S_POD_UID];
    if (typeof uid !== 'string') continue; // the node's own processes
    for (const pid of share.pids) {
      const r = readProcText(`${procRoot}/${pid}/cgroup`);
      const line = r.ok ? r.text.split('\n').find((l) => l.startsWith('0::')) : undefined;
      if (!line) continue;
      const parts = line.slice(3).split('/').filter(Boolean);
      const u2 = uid.replace(/-/g, '_');
      let at = parts.length - 1;
      while (at >= 0 && !parts[at]!.includes(uid) && !parts[at]!.includes(u2)) at--;
      const dir = path.join(root, ...parts.slice(0, at >= 0 ? at + 1 : parts.length));
      try {
        const id = statSync(dir).ino;
        out.set(id, { dir, id, attributes: share.attributes });
        break; // one process says where the pod is
      } catch {
        // the process left, or its cgroup did: the next one
      }
    }
  }
  return [...out.values()];
}

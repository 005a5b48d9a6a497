// Pod UID and container id from /proc/<pid>/cgroup. Pure and total: text in, an identity or
// undefined out, never a throw.
//
// /proc/<pid>/cgroup has one line per hierarchy, `hierarchy-id:controllers:path`:
//   cgroup v2:   `0::/kubepods.slice/...`
//   cgroup v1:   `4:memory:/kubepods/...`, `1:name=systemd:/kubepods.slice/...`
//   hybrid:      both (v1 controllers plus the v2 line, as on this machine)
// The kubelet names a pod's cgroup after its UID, with either cgroup driver:
//   cgroupfs: /kubepods[/burstable|/besteffort]/pod<uid>/<container-id>
//             (CRI-O: .../pod<uid>/crio-<id>; docker with cgroupfs: .../pod<uid>/<id>)
//   systemd:  /kubepods.slice[/kubepods-<qos>.slice]/kubepods[-<qos>]-pod<uid, - as _>.slice/
//             <runtime>-<id>.scope   with runtime cri-containerd | crio | docker (cri-dockerd)
// A `--cgroup-root` (kind: /kubelet.slice/kubelet-kubepods.slice/...), a cgroup namespace (paths
// starting with /../..), or a nested cgroup under the container's (…/<id>.scope/init) all leave the
// pod and container segments intact, so they are searched for anywhere in the path.
// Static pods: the cgroup carries the config hash (32 hex) instead of a UUID; the mirror pod in the
// API names it in the annotation kubernetes.io/config.mirror.

export type CgroupDriver = 'systemd' | 'cgroupfs';
export type ContainerRuntime = 'containerd' | 'crio' | 'docker' | 'unknown';
export type QosClass = 'guaranteed' | 'burstable' | 'besteffort';

export interface CgroupIdentity {
  /** The pod UID, with dashes (as in metadata.uid), or a static pod's 32-hex config hash. */
  readonly podUid: string;
  /** 64-hex container id, when the process is in a container's cgroup (not only the pod's). */
  readonly containerId?: string;
  readonly runtime?: ContainerRuntime;
  /** CRI-O's conmon (the container monitor) runs in the pod's cgroup but not in its namespaces. */
  readonly conmon?: boolean;
  readonly qos: QosClass;
  readonly driver: CgroupDriver;
  /** Which line gave it: '' for the v2 line, else the v1 controller list (e.g. 'name=systemd'). */
  readonly hierarchy: string;
}

const UUID_DASH = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UUID_UNDERSCORE = /^[0-9a-f]{8}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{12}$/;
const STATIC_HASH = /^[0-9a-f]{32}$/;
const CONTAINER_ID = /^[0-9a-f]{64}$/;
const QOS = new Set(['burstable', 'besteffort']);

/** A pod UID as written in a cgroup name → metadata.uid form; undefined when it is not one. */
export function normalizePodUid(raw: string, driver: CgroupDriver): string | undefined {
  const s = raw.toLowerCase();
  if (driver === 'systemd') {
    if (UUID_UNDERSCORE.test(s)) return s.replaceAll('_', '-');
  } else if (UUID_DASH.test(s)) {
    return s;
  }
  if (STATIC_HASH.test(s)) return s;
  return undefined;
}

interface PodSegment {
  uid: string;
  qos: QosClass;
  driver: CgroupDriver;
  index: number;
}

/** kubepods[-<qos>]-pod<uid>.slice  (systemd) — with any prefix from --cgroup-root, e.g. kubelet-kubepods-… */
const SYSTEMD_POD = /^(?:[a-z0-9_.]+-)?kubepods(?:-(burstable|besteffort))?-pod([0-9a-f_]+)\.slice$/;

function podSegment(segs: readonly string[]): PodSegment | undefined {
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i];
    const sd = SYSTEMD_POD.exec(seg);
    if (sd) {
      const uid = normalizePodUid(sd[2], 'systemd');
      if (uid === undefined) return undefined;
      return { uid, qos: (sd[1] as QosClass | undefined) ?? 'guaranteed', driver: 'systemd', index: i };
    }
    if (seg.startsWith('pod') && seg.length > 3 && i > 0) {
      // cgroupfs: the parent is kubepods or its QoS level.
      const parent = segs[i - 1];
      const grand = i > 1 ? segs[i - 2] : '';
      let qos: QosClass | undefined;
      if (parent === 'kubepods' || parent.endsWith('-kubepods') || parent === 'kubepods.slice') qos = 'guaranteed';
      else if (QOS.has(parent) && (grand === 'kubepods' || grand.endsWith('-kubepods') || grand === 'kubepods.slice'))
        qos = parent as QosClass;
      if (qos === undefined) continue;
      const uid = normalizePodUid(seg.slice(3), 'cgroupfs');
      if (uid === undefined) return undefined;
      return { uid, qos, driver: 'cgroupfs', index: i };
    }
  }
  return undefined;
}

const SCOPE = /^(cri-containerd|crio|crio-conmon|docker)-([0-9a-f]+)\.scope$/;
const CGROUPFS_CRIO = /^crio-(conmon-)?([0-9a-f]+)$/;

function containerSegment(
  seg: string | undefined,
  driver: CgroupDriver,
): { id: string; runtime: ContainerRuntime; conmon: boolean } | undefined {
  if (seg === undefined) return undefined;
  if (driver === 'systemd') {
    const m = SCOPE.exec(seg);
    if (!m || !CONTAINER_ID.test(m[2])) return undefined;
    const runtime: ContainerRuntime = m[1] === 'cri-containerd' ? 'containerd' : m[1] === 'docker' ? 'docker' : 'crio';
    return { id: m[2], runtime, conmon: m[1] === 'crio-conmon' };
  }
  const c = CGROUPFS_CRIO.exec(seg);
  if (c) return CONTAINER_ID.test(c[2]) ? { id: c[2], runtime: 'crio', conmon: c[1] !== undefined } : undefined;
  // containerd and docker with the cgroupfs driver: the bare id.
  if (CONTAINER_ID.test(seg)) return { id: seg, runtime: 'unknown', conmon: false };
  // A scope-style name under a cgroupfs pod (seen with some runtimes' configs).
  const m = SCOPE.exec(seg);
  if (m && CONTAINER_ID.test(m[2])) {
    const runtime: ContainerRuntime = m[1] === 'cri-containerd' ? 'containerd' : m[1] === 'docker' ? 'docker' : 'crio';
    return { id: m[2], runtime, conmon: m[1] === 'crio-conmon' };
  }
  return undefined;
}

/** The pod (and container) a cgroup path belongs to; undefined when it is not a pod's. */
export function parseCgroupPath(path: string, hierarchy = ''): CgroupIdentity | undefined {
  if (typeof path !== 'string' || path.length === 0 || path.length > 4096) return undefined;
  const segs = path.split('/').filter((s) => s.length > 0);
  const pod = podSegment(segs);
  if (!pod) return undefined;
  const c = containerSegment(segs[pod.index + 1], pod.driver);
  return {
    podUid: pod.uid,
    qos: pod.qos,
    driver: pod.driver,
    hierarchy,
    ...(c ? { containerId: c.id, runtime: c.runtime, ...(c.conmon ? { conmon: true } : {}) } : {}),
  };
}

/** Order in which hierarchies are trusted: v2 first, then systemd's named v1 hierarchy, then the rest. */
function rank(controllers: string): number {
  if (controllers === '') return 0;
  if (controllers.split(',').includes('name=systemd')) return 1;
  return 2;
}

/** The pod identity in the text of /proc/<pid>/cgroup (v1, v2 or hybrid); undefined when none. */
export function parseProcCgroup(text: string): CgroupIdentity | undefined {
  if (typeof text !== 'string') return undefined;
  let best: { r: number; id: CgroupIdentity } | undefined;
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const a = line.indexOf(':');
    if (a <= 0) continue;
    const b = line.indexOf(':', a + 1);
    if (b < 0) continue;
    if (!/^\d+$/.test(line.slice(0, a))) continue;
    const controllers = line.slice(a + 1, b);
    const id = parseCgroupPath(line.slice(b + 1), controllers);
    if (!id) continue;
    const r = rank(controllers);
    // The most trusted line wins; among equals, one that names the container wins.
    if (!best || r < best.r || (r === best.r && best.id.containerId === undefined && id.containerId !== undefined))
      best = { r, id };
  }
  return best?.id;
}

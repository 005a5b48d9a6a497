// Kubelet-like cgroups for test pods, on cgroup v2 (production nodes) and v1/hybrid (this machine:
// controllers under /sys/fs/cgroup/<controller>, v2 at /sys/fs/cgroup/unified).
//
// Path made (systemd cgroup driver, containerd):
//   kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid with _>.slice/cri-containerd-<64 hex>.scope
// (Guaranteed pods have no QoS level: kubepods.slice/kubepods-pod<uid>.slice/...)
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmdirSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const CGROUP_ROOT = '/sys/fs/cgroup';

export type CgroupLayout =
  | { kind: 'v2'; root: string }
  | { kind: 'hybrid'; unified: string; v1: Record<string, string> }
  | { kind: 'v1'; v1: Record<string, string> };

/** Which cgroup layout this machine has: pure v2, hybrid (v1 controllers + v2 at unified/), or pure v1. */
export function detectCgroupLayout(root = CGROUP_ROOT): CgroupLayout {
  if (existsSync(path.join(root, 'cgroup.controllers'))) return { kind: 'v2', root };
  const v1: Record<string, string> = {};
  let unified: string | undefined;
  const known = new Set(
    readFileSync('/proc/cgroups', 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split('\t')[0]!),
  );
  // /proc/self/mountinfo: "id parent maj:min root mountpoint opts ... - fstype source superopts"
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!pre || !post) continue;
    const mnt = pre.split(' ')[4] ?? '';
    const [fstype, , superopts = ''] = post.split(' ');
    if (!mnt.startsWith(root + '/')) continue;
    if (fstype === 'cgroup2') unified = mnt;
    else if (fstype === 'cgroup') {
      for (const opt of superopts.split(',')) {
        if ((opt.startsWith('name=') || known.has(opt)) && !v1[opt]) v1[opt] = mnt;
      }
    }
  }
  return unified ? { kind: 'hybrid', unified, v1 } : { kind: 'v1', v1 };
}

export type QosClass = 'besteffort' | 'burstable' | 'guaranteed';

export interface PodCgroupOptions {
  /** Pod UID (default: a random UUID). */
  podUid?: string;
  /** 64-hex container id (default: random). */
  containerId?: string;
  /** QoS class, default 'besteffort'. */
  qos?: QosClass;
  /** Container runtime prefix of the scope, default 'cri-containerd' (CRI-O: 'crio'). */
  runtime?: string;
  /** v1 hierarchies to create it in (default: name=systemd, pids, cpu, cpuacct where present;
   *  memory is left out so a test never moves a process out of a memory limit it runs under). */
  v1Controllers?: string[];
}

export interface PodCgroup {
  podUid: string;
  containerId: string;
  /** The path relative to each hierarchy's root, e.g. /kubepods.slice/.../cri-containerd-<id>.scope. */
  relPath: string;
  /** Every leaf directory made (one per hierarchy). */
  dirs: string[];
  layout: CgroupLayout['kind'];
  /** Move a pid into the container's cgroup in every hierarchy (remembering where it was). */
  addPid(pid: number): Promise<void>;
  /** Move remembered pids back, then remove the directories this made (only empty ones). Idempotent. */
  dispose(): Promise<void>;
}

const DEFAULT_V1 = ['name=systemd', 'pids', 'cpu', 'cpuacct'];
const liveCgroups = new Set<PodCgroup>();
/** Every directory any pod cgroup of this process made (shared parents like kubepods.slice too). */
const madeDirs = new Set<string>();
const byDepth = (a: string, b: string): number => b.split('/').length - a.split('/').length;

// Parents shared by pods of this process stay while another pod uses them; sweep the empty ones at exit.
process.on('exit', () => {
  for (const d of [...madeDirs].sort(byDepth)) {
    try {
      rmdirSync(d);
    } catch {
      /* in use, or already gone */
    }
  }
});

/** The path kubelet (systemd driver) + containerd give a container of a pod. */
export function kubeletCgroupPath(
  podUid: string,
  containerId: string,
  qos: QosClass = 'besteffort',
  runtime = 'cri-containerd',
): string {
  const uid = podUid.replace(/-/g, '_');
  if (qos === 'guaranteed') {
    return `/kubepods.slice/kubepods-pod${uid}.slice/${runtime}-${containerId}.scope`;
  }
  return `/kubepods.slice/kubepods-${qos}.slice/kubepods-${qos}-pod${uid}.slice/${runtime}-${containerId}.scope`;
}

/** The hierarchy roots a pod cgroup goes into, with the name /proc/<pid>/cgroup uses for each. */
function hierarchies(layout: CgroupLayout, want: string[]): { key: string; root: string }[] {
  if (layout.kind === 'v2') return [{ key: '', root: layout.root }];
  const out: { key: string; root: string }[] = [];
  if (layout.kind === 'hybrid') out.push({ key: '', root: layout.unified });
  const seen = new Set<string>();
  for (const c of want) {
    const root = layout.v1[c];
    if (!root || seen.has(root)) continue;
    seen.add(root);
    out.push({ key: c, root });
  }
  return out;
}

/** The cgroup path of a pid in the hierarchy named key ('' = v2; 'pids', 'name=systemd', ... = v1). */
export async function pidCgroupPath(pid: number, key: string): Promise<string | undefined> {
  const text = await readFile(`/proc/${pid}/cgroup`, 'utf8');
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const ctrls = m[2]!.split(',');
    if (key === '' ? m[2] === '' : ctrls.includes(key)) return m[3];
  }
  return undefined;
}

/** Create a kubelet-like container cgroup in every hierarchy. */
export async function createPodCgroup(opts: PodCgroupOptions = {}): Promise<PodCgroup> {
  const layout = detectCgroupLayout();
  const podUid = opts.podUid ?? randomUUID();
  const containerId = opts.containerId ?? randomBytes(32).toString('hex');
  if (!/^[0-9a-f]{64}$/.test(containerId)) throw new Error('containerId must be 64 lowercase hex characters');
  const relPath = kubeletCgroupPath(podUid, containerId, opts.qos ?? 'besteffort', opts.runtime ?? 'cri-containerd');
  const hs = hierarchies(layout, opts.v1Controllers ?? DEFAULT_V1);
  if (hs.length === 0) throw new Error(`no cgroup hierarchy found under ${CGROUP_ROOT}`);
  const created: string[] = []; // directories this call made, deepest last
  const dirs: string[] = [];
  const moved: { pid: number; key: string; root: string; from: string }[] = [];
  const parts = relPath.split('/').filter(Boolean);
  let disposed = false;

  const cg: PodCgroup = {
    podUid,
    containerId,
    relPath,
    dirs,
    layout: layout.kind,
    async addPid(pid: number) {
      for (const h of hs) {
        const from = (await pidCgroupPath(pid, h.key)) ?? '/';
        await writeFile(path.join(h.root, relPath, 'cgroup.procs'), `${pid}\n`);
        moved.push({ pid, key: h.key, root: h.root, from });
      }
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      liveCgroups.delete(cg);
      for (const m of moved.reverse()) {
        // Only pids still in our leaf are moved back (it may have exited, or moved elsewhere).
        const now = await pidCgroupPath(m.pid, m.key).catch(() => undefined);
        if (now !== relPath) continue;
        await writeFile(path.join(m.root, m.from, 'cgroup.procs'), `${m.pid}\n`).catch(async () => {
          await writeFile(path.join(m.root, 'cgroup.procs'), `${m.pid}\n`).catch(() => undefined);
        });
      }
      for (const d of [...created].reverse()) {
        // A shared parent (kubepods.slice) still used by another test stays: rmdir fails with EBUSY.
        await rmdirRetry(d);
      }
    },
  };
  liveCgroups.add(cg);
  try {
    for (const h of hs) {
      let cur = h.root;
      for (const p of parts) {
        cur = path.join(cur, p);
        try {
          await mkdir(cur);
          created.push(cur);
          madeDirs.add(cur);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
      }
      dirs.push(cur);
    }
  } catch (e) {
    await cg.dispose();
    throw e;
  }
  return cg;
}

async function rmdirRetry(d: string): Promise<void> {
  for (let i = 0; i < 20; i++) {
    try {
      await rmdir(d);
      madeDirs.delete(d);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        madeDirs.delete(d);
        return;
      }
      if (code === 'EBUSY' || code === 'ENOTEMPTY') {
        // A just-killed process may still be leaving the cgroup; a shared parent may be in use.
        const procs = await readFile(path.join(d, 'cgroup.procs'), 'utf8').catch(() => '');
        const children = (await readdir(d, { withFileTypes: true }).catch(() => [])).some((x) => x.isDirectory());
        if (procs.trim() === '' && !children && i < 19) {
          await new Promise((r) => setTimeout(r, 25));
          continue;
        }
        return;
      }
      return;
    }
  }
}

/** Remove every pod cgroup this process made and has not removed yet. */
export async function cleanupAllCgroups(): Promise<void> {
  for (const cg of [...liveCgroups]) await cg.dispose().catch(() => undefined);
  // Shared parents this process made, now that none of its pods uses them (deepest first).
  if (liveCgroups.size === 0) for (const d of [...madeDirs].sort(byDepth)) await rmdirRetry(d);
}

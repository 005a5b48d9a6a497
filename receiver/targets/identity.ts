// Gives every target its identity, once per cycle (the scheduler's `identify` hook).
//
// Precedence, per network namespace:
//   1. sidecar mode: the downward API (POD_NAME, POD_NAMESPACE, POD_UID) names the agent's own pod;
//      without POD_UID, the UID in /proc/self/cgroup.
//   2. the host's namespace (pid 1's): kind `host`, labelled with the node name. Processes in it
//      that sit in a pod's cgroup belong to hostNetwork pods: they are grouped per pod and container
//      in `processGroups`, so process-level probes (io, fd) attribute them to their pod while the
//      namespace-level metrics stay with the host.
//   3. a namespace whose processes sit in a pod's cgroup: kind `pod`; the UID comes from the cgroup
//      path (the pod most of its processes belong to; CRI-O's conmon is not counted), the name,
//      namespace and allow-listed labels from the API watch's cache. A UID not (yet) in the cache,
//      or no API configured: kind `pod` with the UID only (`podUid`).
//   4. any other namespace with processes: kind `netns`, with its /run/netns name when it has one.
// Nothing is remembered from one cycle to the next but the last result (replaced whole): a
// namespace that is gone is simply not in the next cycle's targets, and a new pod that gets a
// recycled namespace inode is identified afresh from its own processes.
import { accessSync, constants as fsConstants, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { withTargetFields, type PodIdentity, type ProcessGroup, type Target } from './target.js';
import { parseProcCgroup, type CgroupIdentity } from './cgroup.js';
import { PROCESS_FILE, readProcBytes } from '../kernel/read-proc.js';
// Type-only: kubernetes.ts (and the API client) is loaded only when a watch is asked for.
import type { PodWatch, PodInfo, PodWatchStatus } from './kubernetes.js';
import { parseNetnsLink } from './discover.js';
import { hostname } from 'node:os';
import type { AgentConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import { procPath } from '../kernel/proc-path.js';
import type { TaskRow, TaskTable } from '../kernel/task-table.js';

/** What identity needs from the pod watch (the cache by UID). */
export interface PodLookup {
  get(uid: string): PodInfo | undefined;
  readonly size: number;
  status(): PodWatchStatus;
}

/** The downward API, as a sidecar's environment carries it. */
export interface DownwardApi {
  readonly podName?: string;
  readonly podNamespace?: string;
  readonly podUid?: string;
  readonly nodeName?: string;
}

export function downwardApiFromEnv(env: Readonly<Record<string, string | undefined>>): DownwardApi {
  const v = (k: string): string | undefined => (env[k] !== undefined && env[k] !== '' ? env[k] : undefined);
  return Object.assign(
    {},
    v('POD_NAME') ? { podName: v('POD_NAME') } : {},
    v('POD_NAMESPACE') ? { podNamespace: v('POD_NAMESPACE') } : {},
    v('POD_UID') ? { podUid: v('POD_UID')!.toLowerCase() } : {},
    v('NODE_NAME') ? { nodeName: v('NODE_NAME') } : {},
  );
}

export interface IdentityOptions {
  readonly procRoot: string;
  readonly mode: 'node' | 'sidecar';
  readonly nodeName?: string;
  /** The API watch's cache; unset: identity from cgroups only. */
  readonly pods?: PodLookup;
  /** Sidecar mode: the agent's own pod. */
  readonly downward?: DownwardApi;
  /** Why the API watch that was asked for could not be set up (shown in /status). */
  readonly kubernetesError?: string;
}

export interface IdentityStats {
  readonly mode: 'node' | 'sidecar';
  readonly source: 'kubernetes-api' | 'cgroup' | 'downward-api';
  readonly targets: Readonly<Record<'host' | 'pod' | 'netns', number>>;
  /** Pod namespaces whose UID is not in the API cache (UID-only identity). */
  readonly unresolvedPods: number;
  /** hostNetwork pods seen through their processes in the host namespace. */
  readonly hostNetworkPods: number;
  /** Entries kept between cycles (one per target of the last cycle). */
  readonly cacheEntries: number;
  /** /proc/<pid>/cgroup files read in the last cycle: every process's, or, with a task walk, only
   *  those of processes new or moved to another cgroup since the cycle before. */
  readonly cgroupReads: number;
  readonly lastDurationMs: number;
  readonly kubernetes: PodWatchStatus | null;
  /** Set when the config asked for the API and it could not be used at all. */
  readonly kubernetesError: string | null;
}

interface Member {
  pid: number;
  cg: CgroupIdentity | undefined;
}

/** A readable key for one identity (to notice an inode that changed hands). */
function identityKey(t: Target): string {
  return t.pod ? `pod:${t.pod.uid}` : t.podUid ? `pod:${t.podUid}` : `${t.kind}:${t.netnsName ?? ''}`;
}

export class Identifier {
  private last = new Map<number, string>();
  /** The last cycle's targets by namespace inode: a target that has not changed is handed out again,
   *  the same object, so what is kept per Target object (the exposition's label texts, the probes'
   *  per-target state) is not made again every cycle for every namespace. */
  private lastTargets = new Map<number, Target>();
  private stats: IdentityStats;
  /** Per pid: its cgroup file's last bytes, their parse, the cycle that last saw them (a pid not seen
   *  in a cycle, one that exited, drops out at the cycle's end), and the process's start and css_set
   *  when they came from a task walk. Updated in place. */
  private readonly cgroupCache = new Map<
    number,
    { bytes: Buffer; id: CgroupIdentity | undefined; cycle: number; startNs: number; cssLo: number; cssHi: number }
  >();
  /** cgroup files read in the current cycle */
  private fileReads = 0;
  private cycle = 0;

  constructor(private readonly opts: IdentityOptions) {
    this.stats = {
      mode: opts.mode,
      source: this.source(),
      targets: { host: 0, pod: 0, netns: 0 },
      unresolvedPods: 0,
      hostNetworkPods: 0,
      cacheEntries: 0,
      cgroupReads: 0,
      lastDurationMs: 0,
      kubernetes: opts.pods?.status() ?? null,
      kubernetesError: opts.kubernetesError ?? null,
    };
  }

  private source(): IdentityStats['source'] {
    if (this.opts.mode === 'sidecar') return 'downward-api';
    return this.opts.pods ? 'kubernetes-api' : 'cgroup';
  }

  status(): IdentityStats {
    return Object.assign({}, this.stats, { kubernetes: this.opts.pods?.status() ?? null });
  }

  private readCgroup(pid: number, task?: TaskRow): CgroupIdentity | undefined {
    const last = this.cgroupCache.get(pid);
    // From a task walk: the same process (pid and start) in the same css_set (the set of cgroups it is
    // in: moving it to any cgroup, v1 or v2, gives it another) is in the same cgroups, whose paths
    // are what its file says: not read again.
    if (
      task !== undefined &&
      last !== undefined &&
      last.startNs === task.startNs &&
      last.cssLo === task.cssLo &&
      last.cssHi === task.cssHi
    ) {
      last.cycle = this.cycle;
      return last.id;
    }
    // Else every process every cycle, and the last parse again while the file is the same (a process
    // rarely changes cgroup): its bytes are compared where they were read, no string made.
    this.fileReads++;
    const r = readProcBytes(procPath(this.opts.procRoot, pid, 'cgroup'), PROCESS_FILE);
    if (!r.ok) return undefined; // exited, or not ours to read
    const startNs = task?.startNs ?? -1;
    const cssLo = task?.cssLo ?? -1;
    const cssHi = task?.cssHi ?? -1;
    if (last !== undefined && last.bytes.length === r.length && last.bytes.compare(r.bytes, 0, r.length) === 0) {
      Object.assign(last, { cycle: this.cycle, startNs, cssLo, cssHi });
      return last.id;
    }
    const id = parseProcCgroup(r.bytes.toString('latin1', 0, r.length));
    const bytes = Buffer.from(r.bytes.subarray(0, r.length)); // a copy: the read buffer is reused
    if (last !== undefined) Object.assign(last, { bytes, id, cycle: this.cycle, startNs, cssLo, cssHi });
    else this.cgroupCache.set(pid, { bytes, id, cycle: this.cycle, startNs, cssLo, cssHi });
    return id;
  }

  private podIdentity(uid: string): PodIdentity | undefined {
    const p = this.opts.pods?.get(uid);
    if (!p) return undefined;
    return {
      name: p.name,
      namespace: p.namespace,
      uid: p.uid,
      ...(Object.keys(p.labels).length > 0 ? { labels: p.labels } : {}),
    };
  }

  private groups(members: readonly Member[], ownPod?: { uid: string; pod?: PodIdentity }): ProcessGroup[] {
    const byKey = new Map<string, { pids: number[]; uid?: string; cid?: string }>();
    for (const m of members) {
      const uid = m.cg && !m.cg.conmon ? m.cg.podUid : ownPod?.uid;
      const cid = m.cg && !m.cg.conmon ? m.cg.containerId : undefined;
      const key = `${uid ?? ''}/${cid ?? ''}`;
      const g = byKey.get(key);
      if (g) g.pids.push(m.pid);
      else byKey.set(key, { pids: [m.pid], ...(uid ? { uid } : {}), ...(cid ? { cid } : {}) });
    }
    const out: ProcessGroup[] = [];
    for (const g of byKey.values()) {
      const pod = g.uid
        ? ownPod && ownPod.uid === g.uid && ownPod.pod
          ? ownPod.pod
          : this.podIdentity(g.uid)
        : undefined;
      const info = g.uid ? this.opts.pods?.get(g.uid) : undefined;
      const name = g.cid ? info?.containers.get(g.cid) : undefined;
      out.push({
        pids: g.pids,
        ...(pod ? { pod } : g.uid ? { podUid: g.uid } : {}),
        ...(g.cid ? { container: { id: g.cid, ...(name ? { name } : {}) } } : {}),
      });
    }
    return out;
  }

  /** The scheduler's hook: the same targets, each with its identity; `tasks`: the cycle's task walk,
   *  when the targets were found from one. */
  identify = (targets: readonly Target[], tasks?: TaskTable): readonly Target[] => {
    const started = performance.now();
    this.fileReads = 0;
    let unresolved = 0;
    const hostNetworkPods = new Set<string>();
    const counts = { host: 0, pod: 0, netns: 0 };
    const out: Target[] = [];
    const next = new Map<number, string>();
    const nextTargets = new Map<number, Target>();
    for (const t of targets) {
      let id: Target;
      if (this.opts.mode === 'sidecar') {
        id = this.sidecar(t);
      } else {
        const members: Member[] = t.pids.map((pid) => ({ pid, cg: this.readCgroup(pid, tasks?.rows.get(pid)) }));
        if (t.kind === 'host') {
          const groups = this.groups(members);
          for (const g of groups) if (g.pod || g.podUid) hostNetworkPods.add(g.pod?.uid ?? g.podUid!);
          id = withTargetFields(t, {
            kind: 'host',
            ...(this.opts.nodeName !== undefined ? { nodeName: this.opts.nodeName } : {}),
            processGroups: groups,
          });
        } else {
          // The pod most of the namespace's processes belong to (conmon excluded); ties → the lowest pid's.
          const votes = new Map<string, number>();
          for (const m of members) if (m.cg && !m.cg.conmon) votes.set(m.cg.podUid, (votes.get(m.cg.podUid) ?? 0) + 1);
          let uid: string | undefined;
          let best = 0;
          for (const [u, n] of votes)
            if (n > best) {
              uid = u;
              best = n;
            }
          if (uid === undefined) {
            id = withTargetFields(t, { kind: 'netns', processGroups: this.groups(members) });
          } else {
            const pod = this.podIdentity(uid);
            if (!pod) unresolved++;
            id = withTargetFields(t, {
              kind: 'pod',
              ...(pod ? { pod } : { podUid: uid }),
              processGroups: this.groups(members, { uid, ...(pod ? { pod } : {}) }),
            });
          }
        }
      }
      const prev = this.lastTargets.get(id.netnsInode);
      if (prev !== undefined && isDeepStrictEqual(prev, id)) id = prev;
      counts[id.kind]++;
      out.push(id);
      next.set(id.netnsInode, identityKey(id));
      nextTargets.set(id.netnsInode, id);
    }
    // The previous cycle's entries are dropped whole: nothing of a vanished namespace survives.
    this.last = next;
    this.lastTargets = nextTargets;
    for (const [pid, c] of this.cgroupCache) if (c.cycle !== this.cycle) this.cgroupCache.delete(pid);
    this.cycle++;
    this.stats = {
      mode: this.opts.mode,
      source: this.source(),
      targets: counts,
      unresolvedPods: unresolved,
      hostNetworkPods: hostNetworkPods.size,
      cacheEntries: this.last.size,
      cgroupReads: this.fileReads,
      lastDurationMs: Number((performance.now() - started).toFixed(3)),
      kubernetes: null,
      kubernetesError: this.opts.kubernetesError ?? null,
    };
    return out;
  };

  /** Sidecar: one target, the agent's own namespace, named by the downward API. */
  private sidecar(t: Target): Target {
    const d = this.opts.downward ?? {};
    const own = this.readCgroup(process.pid);
    const uid = d.podUid ?? own?.podUid;
    const pids = this.visiblePeers(t);
    const members: Member[] = pids.map((pid) => ({ pid, cg: pid === process.pid ? own : this.readCgroup(pid) }));
    if (d.podName !== undefined && d.podNamespace !== undefined && uid !== undefined) {
      const pod: PodIdentity = { name: d.podName, namespace: d.podNamespace, uid };
      return withTargetFields(t, { pids, kind: 'pod', pod, processGroups: this.groups(members, { uid, pod }) });
    }
    if (uid !== undefined)
      return withTargetFields(t, { pids, kind: 'pod', podUid: uid, processGroups: this.groups(members, { uid }) });
    return withTargetFields(t, { pids, kind: 'netns', processGroups: this.groups(members) });
  }

  /** Sidecar: the processes of its own pod it can see (shareProcessNamespace, same user). */
  private visiblePeers(t: Target): number[] {
    const pids = new Set<number>(t.pids);
    let entries: string[] = [];
    try {
      entries = readdirSync(this.opts.procRoot);
    } catch {
      return [...pids];
    }
    for (const e of entries) {
      if (!/^\d+$/.test(e)) continue;
      try {
        if (parseNetnsLink(readlinkSync(join(this.opts.procRoot, e, 'ns', 'net'))) === t.netnsInode)
          pids.add(Number(e));
      } catch {
        // another user's process: not visible without privileges
      }
    }
    return [...pids].sort((a, b) => a - b);
  }
}

export interface IdentityRuntime {
  readonly identifier: Identifier;
  /** The API watch, when configured. */
  readonly watch?: PodWatch;
  /** Starts the watch and waits (bounded) for its first list, so the first cycle has names. */
  start(waitMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Identity as the config asks for it: downward API (sidecar), API watch, or cgroups only. */
export function createIdentity(
  config: AgentConfig,
  log: Logger,
  env: Readonly<Record<string, string | undefined>> = process.env,
): IdentityRuntime {
  const k = config.kubernetes;
  let watch: PodWatch | undefined;
  let kubernetesError: string | undefined;
  let wantsWatch = false;
  const watchNodeName = k?.nodeName ?? hostname();
  if (config.mode === 'node' && k?.enabled) {
    if (k.nodeName === undefined) {
      log.warn(
        'kubernetes: no node name (kubernetes.node_name, node_name, NODE_NAME or --node-name); watching the pods of the node named like this host',
        { nodeName: watchNodeName },
      );
    }
    // What can be checked without loading the API client is checked now, so a bad path is
    // reported at start like any config problem; the rest when the watch starts.
    try {
      if (k.kubeconfig !== undefined) accessSync(k.kubeconfig, fsConstants.R_OK);
      wantsWatch = true;
    } catch (err) {
      kubernetesError = `cannot read the kubeconfig ${k.kubeconfig}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      log.error('kubernetes: cannot use the API; pods are identified by UID only', { error: kubernetesError });
    }
  }
  const downward = config.mode === 'sidecar' ? downwardApiFromEnv(env) : undefined;
  if (downward && (downward.podName === undefined || downward.podNamespace === undefined)) {
    log.warn(
      'sidecar mode without POD_NAME and POD_NAMESPACE from the downward API: the pod is known by its UID at most',
    );
  }
  const nodeName = config.nodeName ?? k?.nodeName ?? downward?.nodeName;
  // The watch exists only once started; identity asks through this lookup meanwhile.
  const lookup: PodLookup = {
    get: (uid) => watch?.get(uid),
    get size() {
      return watch?.size ?? 0;
    },
    status: () =>
      watch?.status() ?? {
        state: 'connecting',
        stale: true,
        staleSeconds: null,
        nodeName: watchNodeName,
        server: '',
        pods: 0,
        resourceVersion: '',
        lastSyncAt: null,
        lastEventAt: null,
        lastError: kubernetesError ?? null,
        lists: 0,
        goneRelists: 0,
        watches: 0,
        reconnects: 0,
        bookmarks: 0,
        events: 0,
      },
  };
  const options: IdentityOptions = {
    procRoot: config.procRoot,
    mode: config.mode,
    ...(nodeName !== undefined ? { nodeName } : {}),
    ...(wantsWatch ? { pods: lookup } : {}),
    ...(downward ? { downward } : {}),
    get kubernetesError() {
      return kubernetesError;
    },
  };
  const identifier = new Identifier(options);
  return {
    identifier,
    get watch() {
      return watch;
    },
    async start(waitMs = 5000) {
      if (!wantsWatch || !k) return;
      try {
        const { PodWatch: Watcher } = await import('./kubernetes.js');
        watch = new Watcher({
          nodeName: watchNodeName,
          ...(k.kubeconfig !== undefined ? { kubeconfig: k.kubeconfig } : {}),
          podLabels: k.podLabels,
          log: log.child({ component: 'kubernetes' }),
        });
      } catch (err) {
        kubernetesError = (err as Error).message;
        log.error('kubernetes: cannot use the API; pods are identified by UID only', { error: kubernetesError });
        return;
      }
      watch.start();
      if (!(await watch.waitForSync(waitMs))) {
        log.warn('kubernetes: no pod list yet; starting with pod UIDs only, names follow when the API answers', {
          error: watch.status().lastError,
        });
      }
    },
    async stop() {
      await watch?.stop();
    },
  };
}

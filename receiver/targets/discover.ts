// Finds every network namespace on the node from /proc/*/ns/net, or from the helper's task walk
// (kernel/task-table.ts), as inode → the pids inside it; names those bind-mounted under /run/netns,
// and marks the host's (the one pid 1 is in).
import { readdirSync, readlinkSync, statSync } from 'node:fs';
import type { Target } from './target.js';
import { procPath } from '../kernel/proc-path.js';
import type { TaskTable } from '../kernel/task-table.js';

export interface DiscoveryOptions {
  readonly procRoot: string;
  /** Where `ip netns` bind-mounts named namespaces. */
  readonly netnsDir: string;
  /** Sidecar mode: only the agent's own namespace. */
  readonly selfOnly: boolean;
}

export interface Discovery {
  readonly targets: readonly Target[];
  readonly hostNetnsInode: number | undefined;
  /** Namespaces with a name but no process: their /proc/<pid>/net cannot be read. */
  readonly namedWithoutProcess: readonly string[];
  /** The task walk the targets were found from (absent: from /proc); identity and the io probe
   *  read this cycle's processes from it. */
  readonly tasks?: TaskTable;
}

const NET_LINK = /^net:\[(\d+)\]$/;

/** `net:[4026531840]` → 4026531840; anything else → undefined. */
export function parseNetnsLink(link: string): number | undefined {
  const m = NET_LINK.exec(link);
  return m ? Number(m[1]) : undefined;
}

/** The proc roots whose pid 1 refused its ns/net link (EACCES: some sandboxes refuse it even to root).
 *  pid 1 never exits, so the refusal stands: the link is not asked for again. A refused readlinkSync
 *  throws, and Node's error for it (message, code, stack) cost about 0.1 ms each time, twice per cycle
 *  (perf, 10 namespaces: 3 % of the cycle). */
const pid1Refused = new Set<string>();

function netnsOf(procRoot: string, pid: string): number | undefined {
  if (pid === '1' && pid1Refused.has(procRoot)) return undefined;
  try {
    // Once per process per cycle: a kept path, not path.join's normalisation.
    return parseNetnsLink(readlinkSync(procPath(procRoot, pid, 'ns/net')));
  } catch (e) {
    if (pid === '1' && (e as NodeJS.ErrnoException).code === 'EACCES') pid1Refused.add(procRoot);
    return undefined; // the process exited, or is not ours to see
  }
}

function namedNamespaces(netnsDir: string): Map<number, string> {
  const names = new Map<number, string>();
  let entries: string[];
  try {
    entries = readdirSync(netnsDir);
  } catch {
    return names;
  }
  for (const name of entries.sort()) {
    try {
      // A template string, not path.join's normalisation: once per named namespace per cycle.
      const ino = statSync(`${netnsDir}/${name}`).ino;
      if (!names.has(ino)) names.set(ino, name);
    } catch {
      // a stale mount point whose namespace is gone
    }
  }
  return names;
}

/** The targets: from `tasks` (one walk of the kernel's task list, task-table.ts) when given, else
 *  from /proc (a readlink of every process's ns/net). Both see the same processes: those of the
 *  node's pid namespace that are in a network namespace. */
export function discoverTargets(opts: DiscoveryOptions, tasks?: TaskTable): Discovery {
  if (opts.selfOnly) {
    const inode = netnsOf(opts.procRoot, 'self');
    if (inode === undefined) return { targets: [], hostNetnsInode: undefined, namedWithoutProcess: [] };
    const pid = process.pid;
    return {
      targets: [{ netnsInode: inode, pid, pids: [pid], kind: 'netns' }],
      hostNetnsInode: undefined,
      namedWithoutProcess: [],
    };
  }
  // The host's namespace is pid 1's; where pid 1 cannot be inspected (some sandboxes refuse it even
  // to root), the agent's own, which is the host's when it runs with hostNetwork as deployed.
  const pidsByNetns = new Map<number, number[]>();
  const add = (inode: number, pid: number): void => {
    const list = pidsByNetns.get(inode);
    if (list) list.push(pid);
    else pidsByNetns.set(inode, [pid]);
  };
  let hostNetnsInode: number | undefined;
  if (tasks !== undefined) {
    // pid 1's namespace when the walk has pid 1 (a sandbox's kernel may hide it, as this test
    // machine's does, which also refuses its ns/net link), else the agent's own, as from /proc: its
    // row when the walk has it (a walk is used only where procRoot's pids are the agent's, task-walk.ts),
    // so that no readlink of self is made every cycle
    const init = tasks.rows.get(1)?.netns;
    const own = tasks.rows.get(process.pid)?.netns;
    hostNetnsInode =
      init !== undefined && init !== 0 ? init : own !== undefined && own !== 0 ? own : netnsOf(opts.procRoot, 'self');
    for (const row of tasks.rows.values()) if (row.netns !== 0) add(row.netns, row.pid);
  } else {
    hostNetnsInode = netnsOf(opts.procRoot, '1') ?? netnsOf(opts.procRoot, 'self');
    let entries: string[] = [];
    try {
      entries = readdirSync(opts.procRoot);
    } catch {
      entries = [];
    }
    for (const entry of entries) {
      if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue; // not a pid
      const inode = netnsOf(opts.procRoot, entry);
      if (inode !== undefined) add(inode, Number(entry));
    }
  }
  const names = namedNamespaces(opts.netnsDir);
  const targets: Target[] = [];
  for (const [inode, pids] of pidsByNetns) {
    pids.sort((a, b) => a - b);
    const name = names.get(inode);
    targets.push({
      netnsInode: inode,
      pid: pids[0],
      pids,
      kind: inode === hostNetnsInode ? 'host' : 'netns',
      ...(name !== undefined ? { netnsName: name } : {}),
    });
  }
  targets.sort((a, b) => a.netnsInode - b.netnsInode);
  const namedWithoutProcess = [...names].filter(([ino]) => !pidsByNetns.has(ino)).map(([, n]) => n);
  return { targets, hostNetnsInode, namedWithoutProcess, ...(tasks !== undefined ? { tasks } : {}) };
}

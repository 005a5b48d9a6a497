// io: /proc/<pid>/io of every process of the target, summed (a hostNetwork pod's processes apart
// from the host's). The sums are exported as monotonic counters, so they must not go down when a
// process exits: the kernel adds a child reaped by its parent to the parent's counters, so a process
// whose parent is in the same share leaves nothing to do; a process whose parent is elsewhere (a
// container's init reaped by the shim, a `kubectl exec` shell) takes its counters away when it exits,
// and the probe keeps its last values in the sum ("carried"). The parent comes from /proc/<pid>/stat,
// read once per new process (again when its parent is gone: it was reparented). What a process did
// between its last read and its exit is not counted. A process that vanishes mid-read is skipped quietly.
// Where the cycle has the helper's task walk (kernel/task-table.ts), each process's counters, parent
// and start come from it, one pass over the kernel's task list, instead of a read of its io file.
import {
  ATTR_DISK_IO_DIRECTION,
  ATTR_K8S_POD_UID,
  ATTR_KUBESKOOP_IO_DIRECTION,
  IO_DISK_IO,
  IO_SYSCALLS,
  IO_SYSCALL_BYTES,
} from '../../semconv/generated/registry.js';
import type { MetricProbe, MetricProbeModule, MetricSample, ProbeResult, SampleAttributes } from './probe.js';
import { SampleList } from './sample-list.js';
import type { MetricDefinition } from '../../semconv/types.js';
import type { Target } from '../targets/target.js';
import { parseProcIo, parseStatPpid, type ProcIo } from './parsers/proc-io.js';
import { PROCESS_FILE, readProcText } from '../kernel/read-proc.js';
import { processShares } from './process-split.js';
import { procPath } from '../kernel/proc-path.js';
import type { TaskTable } from '../kernel/task-table.js';

const FIELDS = ['rchar', 'wchar', 'syscr', 'syscw', 'readBytes', 'writeBytes'] as const;
type Counters = Record<(typeof FIELDS)[number], number>;
const zero = (): Counters => ({ rchar: 0, wchar: 0, syscr: 0, syscw: 0, readBytes: 0, writeBytes: 0 });

// Constant attribute sets: none allocated per target per cycle, and the exporters' per-object caches hit.
const READ = { [ATTR_KUBESKOOP_IO_DIRECTION]: 'read' };
const WRITE = { [ATTR_KUBESKOOP_IO_DIRECTION]: 'write' };
const DISK_READ = { [ATTR_DISK_IO_DIRECTION]: 'read' };
const DISK_WRITE = { [ATTR_DISK_IO_DIRECTION]: 'write' };

const SERIES: readonly [MetricDefinition, keyof ProcIo, SampleAttributes][] = [
  [IO_DISK_IO, 'readBytes', DISK_READ],
  [IO_DISK_IO, 'writeBytes', DISK_WRITE],
  [IO_SYSCALL_BYTES, 'rchar', READ],
  [IO_SYSCALL_BYTES, 'wchar', WRITE],
  [IO_SYSCALLS, 'syscr', READ],
  [IO_SYSCALLS, 'syscw', WRITE],
];

/** The samples of one share's sums, written to `out` (pure with a new list); `extra`: the share's own
 *  attributes (a hostNetwork pod's), added to each sample's. */
export function ioSamples(
  sum: ProcIo,
  out: SampleList = new SampleList(),
  extra?: SampleAttributes,
): readonly MetricSample[] {
  for (const [metric, field, attributes] of SERIES)
    out.add(metric, sum[field], extra === undefined ? attributes : Object.assign({}, attributes, extra));
  return out.samples();
}

/** A process's counters; `startNs` (from a task walk) tells a process from another under its pid. */
export type ProcessCounters = ProcIo & { readonly startNs?: number };

/** One process's last read. */
interface ProcessIo {
  io: ProcessCounters;
  ppid: number | undefined;
}

/** The counters of each pid: from the cycle's task walk when there is one (the same counters as
 *  /proc/<pid>/io, read in one walk), else read from /proc/<pid>/io; vanished processes are left
 *  out, other failures reported. */
export function readProcessIo(
  procRoot: string,
  pids: readonly number[],
  tasks?: TaskTable,
): { read: Map<number, ProcessCounters>; problems: string[] } {
  const read = new Map<number, ProcessCounters>();
  const problems: string[] = [];
  if (tasks !== undefined) {
    for (const pid of pids) {
      const row = tasks.rows.get(pid);
      if (row !== undefined) read.set(pid, row);
    }
    return { read, problems };
  }
  for (const pid of pids) {
    const r = readProcText(procPath(procRoot, pid, 'io'), PROCESS_FILE);
    if (!r.ok) {
      if (!r.gone && problems.length < 5) problems.push(r.reason);
      continue;
    }
    const p = parseProcIo(r.text);
    // An exiting process can present an empty file: treat it as gone.
    if (p.io === undefined) {
      if (r.text !== '' && problems.length < 5) problems.push(`${pid}/io: ${p.problems.join('; ')}`);
      continue;
    }
    read.set(pid, p.io);
  }
  return { read, problems };
}

/** Whether `now` is the same process as `before` under its pid: the same start when both reads
 *  know it, else counters that did not go back. */
function sameProcess(now: ProcessCounters, before: ProcessCounters): boolean {
  if (now.startNs !== undefined && before.startNs !== undefined) return now.startNs === before.startNs;
  return !wentBack(now, before);
}

function readPpid(procRoot: string, pid: number): number | undefined {
  const r = readProcText(`${procRoot}/${pid}/stat`);
  return r.ok ? parseStatPpid(r.text) : undefined;
}

/** Whether a counter of `now` is below `before`'s: a new process under a reused pid. Field by field,
 *  not over FIELDS: this and addTo run per process per cycle, where keyed reads by a varying name are
 *  V8's slow path (~5 µs per process with both: a tenth of a 10-namespace cycle's JavaScript). */
function wentBack(now: ProcIo, before: ProcIo): boolean {
  return (
    now.rchar < before.rchar ||
    now.wchar < before.wchar ||
    now.syscr < before.syscr ||
    now.syscw < before.syscw ||
    now.readBytes < before.readBytes ||
    now.writeBytes < before.writeBytes
  );
}

/** Field by field, the larger (see update: a walk can see a process's counters go back). */
function larger(a: ProcessCounters, b: ProcessCounters): ProcessCounters {
  return {
    rchar: Math.max(a.rchar, b.rchar),
    wchar: Math.max(a.wchar, b.wchar),
    syscr: Math.max(a.syscr, b.syscr),
    syscw: Math.max(a.syscw, b.syscw),
    readBytes: Math.max(a.readBytes, b.readBytes),
    writeBytes: Math.max(a.writeBytes, b.writeBytes),
    ...(a.startNs !== undefined ? { startNs: a.startNs } : {}),
  };
}

function addTo(sum: Counters, io: ProcIo): void {
  sum.rchar += io.rchar;
  sum.wchar += io.wchar;
  sum.syscr += io.syscr;
  sum.syscw += io.syscw;
  sum.readBytes += io.readBytes;
  sum.writeBytes += io.writeBytes;
}

/**
 * The running sums of one share of a target's processes: the live processes' counters plus the last
 * values of those that exited without a parent in the share to take them (see the header). Never
 * goes down: should a sum still drop (a case the parent rule does not see), the difference is carried.
 */
export class ProcessIoSum {
  private processes = new Map<number, ProcessIo>();
  private readonly carried = zero();
  private readonly last = zero();

  /** `read`: this cycle's counters by pid; `ppidOf` reads a process's parent (called for new processes only). */
  update(read: ReadonlyMap<number, ProcessCounters>, ppidOf: (pid: number) => number | undefined): Counters {
    // The processes gone since the last cycle, by pid; a pid under another process: another start when
    // both reads know it (task walks), else counters that went back. None in most cycles: no map then.
    let exited: Map<number, ProcessIo> | undefined;
    for (const [pid, prev] of this.processes) {
      const now = read.get(pid);
      if (now === undefined || !sameProcess(now, prev.io)) (exited ??= new Map()).set(pid, prev);
    }
    const next = new Map<number, ProcessIo>();
    for (const [pid, io] of read) {
      const prev = this.processes.get(pid);
      const same = prev !== undefined && exited?.has(pid) !== true;
      let ppid = same ? prev.ppid : ppidOf(pid);
      // Its parent is gone: it was reparented (to the container's init or a subreaper); ask again.
      if (ppid !== undefined && prev !== undefined && !read.has(ppid) && this.processes.has(ppid)) ppid = ppidOf(pid);
      if (same) {
        // the same process: its record is updated, not replaced (nothing else refers to it). A task walk
        // can see its counters go back: a thread that exits during the walk, after its process's
        // signal was read and before the thread was, is in neither (the file's read holds a lock
        // against that); the next walk sees them again, so the larger of the two stands meanwhile.
        prev.io = io.startNs !== undefined && wentBack(io, prev.io) ? larger(io, prev.io) : io;
        prev.ppid = ppid;
        next.set(pid, prev);
      } else next.set(pid, { io, ppid });
    }
    if (exited !== undefined)
      for (const proc of exited.values()) {
        // Follow the parents that exited too; a live one in this share has the counters now.
        let parent = proc.ppid;
        for (let hops = 0; parent !== undefined && exited.has(parent) && hops < 64; hops++)
          parent = exited.get(parent)!.ppid;
        if (parent !== undefined && read.has(parent)) continue;
        addTo(this.carried, proc.io);
      }
    this.processes = next;
    const out = { ...this.carried };
    for (const { io } of next.values()) addTo(out, io);
    for (const f of FIELDS) {
      if (out[f] < this.last[f]) {
        this.carried[f] += this.last[f] - out[f];
        out[f] = this.last[f];
      }
      this.last[f] = out[f];
    }
    return out;
  }
}

export const io: MetricProbeModule = {
  name: 'io',
  create(): MetricProbe {
    // One running sum per share of a target (inode + the hostNetwork pod's UID, if any).
    const sums = new Map<string, { sum: ProcessIoSum; cycle: number }>();
    let cycle = 0;
    return {
      name: 'io',
      scope: 'process',
      metrics: [IO_DISK_IO, IO_SYSCALL_BYTES, IO_SYSCALLS],
      async beforeCycle(): Promise<void> {
        // Targets and pods that are gone: forget their sums (a new namespace starts from its processes).
        for (const [k, v] of sums) if (v.cycle < cycle) sums.delete(k);
        cycle++;
      },
      collect(target: Target, ctx, list = new SampleList()): ProbeResult {
        const problems: string[] = [];
        let anyRead = false;
        const tasks = ctx.tasks?.();
        for (const share of processShares(target)) {
          const r = readProcessIo(ctx.procRoot, share.pids, tasks);
          problems.push(...r.problems);
          if (r.read.size === 0) continue;
          anyRead = true;
          const key = `${target.netnsInode}/${String(share.attributes[ATTR_K8S_POD_UID] ?? '')}`;
          let s = sums.get(key);
          if (!s) sums.set(key, (s = { sum: new ProcessIoSum(), cycle }));
          s.cycle = cycle;
          const total = s.sum.update(r.read, (pid) => tasks?.rows.get(pid)?.ppid ?? readPpid(ctx.procRoot, pid));
          // A namespace's own share has no attributes of its own: its samples keep the constant sets.
          let own = true;
          for (const _ in share.attributes) own = false;
          ioSamples(total, list, own ? undefined : share.attributes);
        }
        if (!anyRead && problems.length === 0) return { samples: [], problems: [], targetGone: true };
        return { samples: list.samples(), problems };
      },
    };
  },
};

// io: /proc/<pid>/io of every process of the target, summed (a hostNetwork pod's processes apart
// from the host's). The sums are exported as monotonic counters, so they must not go down when a
// process exits: the kernel adds a child reaped by its parent to the parent's counters, so a process
// whose parent is in the same share leaves nothing to do; a process whose parent is elsewhere (a
// container's init reaped by the shim, a `kubectl exec` shell) takes its counters away when it exits,
// and the probe keeps its last values in the sum ("carried"). The parent comes from /proc/<pid>/stat,
// read once per new process (again when its parent is gone: it was reparented). What a process did
// between its last read and its exit is not counted. A process that vanishes mid-read is skipped quietly.
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

/** One process's last read. */
interface ProcessIo {
  io: ProcIo;
  ppid: number | undefined;
}

/** Reads /proc/<pid>/io of each pid; vanished processes are left out, other failures reported. */
export function readProcessIo(
  procRoot: string,
  pids: readonly number[],
): { read: Map<number, ProcIo>; problems: string[] } {
  const read = new Map<number, ProcIo>();
  const problems: string[] = [];
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
  update(read: ReadonlyMap<number, ProcIo>, ppidOf: (pid: number) => number | undefined): Counters {
    // The processes gone since the last cycle, by pid; a pid whose counters went back is a new process
    // under a reused pid: the old one exited. None in most cycles: no map then.
    let exited: Map<number, ProcessIo> | undefined;
    for (const [pid, prev] of this.processes) {
      const now = read.get(pid);
      if (now === undefined || wentBack(now, prev.io)) (exited ??= new Map()).set(pid, prev);
    }
    const next = new Map<number, ProcessIo>();
    for (const [pid, io] of read) {
      const prev = this.processes.get(pid);
      const same = prev !== undefined && exited?.has(pid) !== true;
      let ppid = same ? prev.ppid : ppidOf(pid);
      // Its parent is gone: it was reparented (to the container's init or a subreaper); ask again.
      if (ppid !== undefined && prev !== undefined && !read.has(ppid) && this.processes.has(ppid)) ppid = ppidOf(pid);
      if (same) {
        // the same process: its record is updated, not replaced (nothing else refers to it)
        prev.io = io;
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
        for (const share of processShares(target)) {
          const r = readProcessIo(ctx.procRoot, share.pids);
          problems.push(...r.problems);
          if (r.read.size === 0) continue;
          anyRead = true;
          const key = `${target.netnsInode}/${String(share.attributes[ATTR_K8S_POD_UID] ?? '')}`;
          let s = sums.get(key);
          if (!s) sums.set(key, (s = { sum: new ProcessIoSum(), cycle }));
          s.cycle = cycle;
          const total = s.sum.update(r.read, (pid) => readPpid(ctx.procRoot, pid));
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

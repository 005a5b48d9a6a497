// The node's processes as one walk of the kernel's task list gives them (the native helper's
// `tasks` command, bpf/probes/tasks.bpf.c): per pid its network namespace, its cgroup set (as an
// opaque id), its parent, its start and its /proc/<pid>/io counters. Discovery, identity and the io
// probe read these from here, when the helper answers, instead of a readlink of ns/net and reads of
// cgroup and io for every process every cycle; without it (no helper, no BPF, sidecar mode, another
// pid namespace) they read /proc as before. Rows: struct ks_task_row, bpf/include/ks_tasks.h.

import type { ProcIo } from './io-counters.js';

/** One process, as of the walk: /proc/<pid>/io's counters and what discovery and identity need. */
export interface TaskRow extends ProcIo {
  readonly pid: number;
  readonly ppid: number;
  /** inode of its network namespace; 0: it has left its namespaces (exiting) */
  readonly netns: number;
  /** its start (ns since boot): a pid with another start is another process */
  readonly startNs: number;
  /** its css_set, an opaque id in two halves: another value, another set of cgroups */
  readonly cssLo: number;
  readonly cssHi: number;
}

/** One walk: the processes by pid. */
export interface TaskTable {
  readonly rows: ReadonlyMap<number, TaskRow>;
  /** tasks walked (threads included) */
  readonly tasks: number;
  /** the helper's CPU for the walk and the fold, ns */
  readonly cpuNs: number;
}

/** bytes of one row (KS_TASK_ROW_BYTES) */
export const TASK_ROW_BYTES = 80;

/** The helper's `tasks` frame → the table. Throws an Error naming what is wrong with the frame. */
export function decodeTaskFrame(frame: Readonly<Record<string, unknown>>): TaskTable {
  if (frame.ok !== true)
    throw new Error(
      `tasks: the helper could not walk the task list (${String(frame.stage)}): ${String(frame.error ?? 'no reason given')}`,
    );
  if (typeof frame.rows_bin !== 'string') throw new Error('tasks: frame without rows_bin');
  const buf = Buffer.from(frame.rows_bin, 'base64');
  if (frame.row_bytes !== TASK_ROW_BYTES || buf.length % TASK_ROW_BYTES !== 0)
    throw new Error(
      `tasks: rows of ${String(frame.row_bytes)} bytes (${buf.length} bytes in all), expected ${TASK_ROW_BYTES} (a helper of another build?)`,
    );
  const u64 = (o: number): number => buf.readUInt32LE(o) + buf.readUInt32LE(o + 4) * 2 ** 32;
  const rows = new Map<number, TaskRow>();
  for (let o = 0; o < buf.length; o += TASK_ROW_BYTES) {
    const pid = buf.readUInt32LE(o);
    rows.set(pid, {
      pid,
      ppid: buf.readUInt32LE(o + 8),
      netns: buf.readUInt32LE(o + 12),
      startNs: u64(o + 16),
      cssLo: buf.readUInt32LE(o + 24),
      cssHi: buf.readUInt32LE(o + 28),
      rchar: u64(o + 32),
      wchar: u64(o + 40),
      syscr: u64(o + 48),
      syscw: u64(o + 56),
      readBytes: u64(o + 64),
      writeBytes: u64(o + 72),
    });
  }
  return {
    rows,
    tasks: typeof frame.tasks === 'number' ? frame.tasks : rows.size,
    cpuNs: typeof frame.cpu_ns === 'number' ? frame.cpu_ns : 0,
  };
}

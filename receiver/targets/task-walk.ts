// Where a cycle's processes come from: the native helper's task walk (kernel/task-table.ts), when
// the helper runs and answers, else /proc. A walk that fails leaves that cycle to /proc (logged once
// per reason); nothing else depends on it.
import { readlinkSync } from 'node:fs';
import { decodeTaskFrame, type TaskTable } from '../kernel/task-table.js';
import type { Logger } from '../log.js';

/** The init pid namespace's inode (PROC_PID_INIT_INO, fixed by the kernel). */
const INIT_PID_NS = 'pid:[4026531836]';

export interface TaskWalkStatus {
  /** where the last cycle's processes came from */
  readonly source: 'task-walk' | 'proc';
  /** why not from the walk, when not */
  readonly reason: string | null;
  readonly walks: number;
  readonly failures: number;
  /** the helper's CPU for the last walk, µs */
  readonly lastHelperCpuUs: number | null;
}

/**
 * Why a walk cannot stand for `procRoot` here (undefined: it can). The walk sees the tasks of the
 * helper's pid namespace (the agent's) by their pids in the node's: the same as procRoot's only
 * when the agent runs in the node's pid namespace (hostPID) and procRoot shows that namespace.
 */
export function taskWalkUnusable(procRoot: string): string | undefined {
  try {
    if (readlinkSync('/proc/self/ns/pid') !== INIT_PID_NS) return 'the agent is not in the node’s pid namespace';
    if (readlinkSync(`${procRoot}/self`) !== String(process.pid))
      return `${procRoot} does not show the agent’s pid namespace`;
  } catch (e) {
    return `cannot tell the pid namespace: ${(e as Error).message}`;
  }
  return undefined;
}

export class TaskWalk {
  private readonly unusable: string | undefined;
  private st: TaskWalkStatus;

  constructor(
    private readonly command: () => Promise<Record<string, unknown>>,
    /** whether the helper runs now (a walk is not asked of one starting or gone) */
    private readonly helperRunning: () => boolean,
    procRoot: string,
    private readonly log: Logger,
  ) {
    this.unusable = taskWalkUnusable(procRoot);
    this.st = { source: 'proc', reason: this.unusable ?? null, walks: 0, failures: 0, lastHelperCpuUs: null };
  }

  status(): TaskWalkStatus {
    return this.st;
  }

  /** This cycle's walk, or undefined: read /proc. */
  async table(): Promise<TaskTable | undefined> {
    if (this.unusable !== undefined) return undefined;
    if (!this.helperRunning()) {
      this.st = Object.assign({}, this.st, { source: 'proc', reason: 'the native helper is not running' });
      return undefined;
    }
    try {
      const t = decodeTaskFrame(await this.command());
      this.st = {
        source: 'task-walk',
        reason: null,
        walks: this.st.walks + 1,
        failures: this.st.failures,
        lastHelperCpuUs: Math.round(t.cpuNs / 1000),
      };
      return t;
    } catch (e) {
      const reason = (e as Error).message;
      this.log.once(`task-walk:${reason.replace(/\d+/g, '#')}`, 'warn', 'task walk failed: processes read from /proc', {
        error: reason,
      });
      this.st = Object.assign({}, this.st, { source: 'proc', reason, failures: this.st.failures + 1 });
      return undefined;
    }
  }
}

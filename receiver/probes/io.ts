// io: /proc/<pid>/io of every process of the target, summed. The kernel adds a reaped child's
// counters to its parent's, so the sum stays monotonic while children are reaped inside the
// namespace; it drops (a counter reset to consumers) when a process whose parent is outside exits,
// e.g. a container restart. A process that vanishes mid-read is skipped quietly.
import { join } from 'node:path';
import { ATTR_DISK_IO_DIRECTION, ATTR_KUBESKOOP_IO_DIRECTION, IO_DISK_IO, IO_SYSCALLS, IO_SYSCALL_BYTES } from '../../semconv/generated/registry.js';
import type { MetricProbe, MetricProbeModule, MetricSample, ProbeResult } from './probe.js';
import type { Target } from '../targets/target.js';
import { parseProcIo, type ProcIo } from './parsers/proc-io.js';
import { readProcText } from './parsers/read-proc.js';
import { processShares } from './process-split.js';

export function ioSamples(sum: ProcIo): MetricSample[] {
  const r = { [ATTR_KUBESKOOP_IO_DIRECTION]: 'read' };
  const w = { [ATTR_KUBESKOOP_IO_DIRECTION]: 'write' };
  return [
    { metric: IO_DISK_IO, value: sum.readBytes, attributes: { [ATTR_DISK_IO_DIRECTION]: 'read' } },
    { metric: IO_DISK_IO, value: sum.writeBytes, attributes: { [ATTR_DISK_IO_DIRECTION]: 'write' } },
    { metric: IO_SYSCALL_BYTES, value: sum.rchar, attributes: r },
    { metric: IO_SYSCALL_BYTES, value: sum.wchar, attributes: w },
    { metric: IO_SYSCALLS, value: sum.syscr, attributes: r },
    { metric: IO_SYSCALLS, value: sum.syscw, attributes: w },
  ];
}

/** Reads and sums /proc/<pid>/io over pids; vanished processes are skipped, other failures reported. */
export function sumProcIo(procRoot: string, pids: readonly number[]): { sum: ProcIo; read: number; problems: string[] } {
  const sum = { rchar: 0, wchar: 0, syscr: 0, syscw: 0, readBytes: 0, writeBytes: 0 };
  const problems: string[] = [];
  let read = 0;
  for (const pid of pids) {
    const r = readProcText(join(procRoot, String(pid), 'io'));
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
    read++;
    sum.rchar += p.io.rchar; sum.wchar += p.io.wchar; sum.syscr += p.io.syscr; sum.syscw += p.io.syscw;
    sum.readBytes += p.io.readBytes; sum.writeBytes += p.io.writeBytes;
  }
  return { sum, read, problems };
}

export const io: MetricProbeModule = {
  name: 'io',
  create(): MetricProbe {
    return {
      name: 'io',
      scope: 'process',
      metrics: [IO_DISK_IO, IO_SYSCALL_BYTES, IO_SYSCALLS],
      collect(target: Target, ctx): ProbeResult {
        const samples: MetricSample[] = [];
        const problems: string[] = [];
        let anyRead = false;
        for (const share of processShares(target)) {
          const r = sumProcIo(ctx.procRoot, share.pids);
          problems.push(...r.problems);
          if (r.read === 0) continue;
          anyRead = true;
          for (const s of ioSamples(r.sum)) samples.push({ ...s, attributes: { ...s.attributes, ...share.attributes } });
        }
        if (!anyRead && problems.length === 0) return { samples: [], problems: [], targetGone: true };
        return { samples, problems };
      },
    };
  },
};

// fd: open file descriptors (entries of /proc/<pid>/fd) and distinct open sockets (entries linking
// to socket:[inode]) of every process of the target. Opt-in: one readlink per descriptor.
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { FD_OPEN, FD_SOCKETS } from '../../semconv/generated/registry.js';
import type { MetricProbe, MetricProbeModule, MetricSample, ProbeResult } from './probe.js';
import type { Target } from '../targets/target.js';
import { processShares } from './process-split.js';

const gone = (code: string | undefined): boolean => code === 'ENOENT' || code === 'ESRCH';

export function countFds(
  procRoot: string,
  pids: readonly number[],
): { fds: number; sockets: number; processes: number; problems: string[] } {
  let fds = 0;
  let processes = 0;
  const sockets = new Set<string>();
  const problems: string[] = [];
  for (const pid of pids) {
    const dir = join(procRoot, String(pid), 'fd');
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (!gone(code) && problems.length < 5) problems.push(`${dir}: ${code ?? 'EIO'}`);
      continue;
    }
    processes++;
    fds += entries.length;
    for (const e of entries) {
      let link: string;
      try {
        link = readlinkSync(join(dir, e));
      } catch {
        continue; // closed meanwhile
      }
      if (link.startsWith('socket:[')) sockets.add(link);
    }
  }
  return { fds, sockets: sockets.size, processes, problems };
}

export const fd: MetricProbeModule = {
  name: 'fd',
  create(): MetricProbe {
    return {
      name: 'fd',
      scope: 'process',
      metrics: [FD_OPEN, FD_SOCKETS],
      collect(target: Target, ctx): ProbeResult {
        const samples: MetricSample[] = [];
        const problems: string[] = [];
        let processes = 0;
        for (const share of processShares(target)) {
          const c = countFds(ctx.procRoot, share.pids);
          problems.push(...c.problems);
          if (c.processes === 0) continue;
          processes += c.processes;
          samples.push({ metric: FD_OPEN, value: c.fds, attributes: share.attributes });
          samples.push({ metric: FD_SOCKETS, value: c.sockets, attributes: share.attributes });
        }
        if (processes === 0 && problems.length === 0) return { samples: [], problems: [], targetGone: true };
        return { samples, problems };
      },
    };
  },
};

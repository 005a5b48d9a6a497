// The kernel's page size, for sockstat's "mem" (counted in pages). Node has no sysconf(); the first
// mapping in /proc/self/smaps states its KernelPageSize. Read once.
import { closeSync, openSync, readSync } from 'node:fs';

let cached: { bytes: number; problem?: string } | undefined;

export function pageSize(procRoot = '/proc'): { bytes: number; problem?: string } {
  if (cached) return cached;
  try {
    const fd = openSync(`${procRoot}/self/smaps`, 'r');
    try {
      const buf = Buffer.alloc(4096);
      const n = readSync(fd, buf, 0, buf.length, 0);
      const m = /^KernelPageSize:\s+(\d+) kB$/m.exec(buf.toString('latin1', 0, n));
      if (m) cached = { bytes: Number(m[1]) * 1024 };
    } finally {
      closeSync(fd);
    }
  } catch {
    // fall through
  }
  cached ??= {
    bytes: 4096,
    problem: `page size unknown (no KernelPageSize in ${procRoot}/self/smaps): assuming 4096 bytes`,
  };
  return cached;
}

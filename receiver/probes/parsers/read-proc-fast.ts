// A cheaper read of small procfs files than readFileSync: open, read into one reused buffer until
// EOF, close. readFileSync also fstat()s, parses its options and allocates a buffer per call, which
// for files of a few KiB costs about as much as the kernel's own work. Same results as
// readProcText (read-proc.ts); the probes of the default set read several files per namespace per
// cycle through this.
import { closeSync, openSync, readSync } from 'node:fs';
import type { ProcRead } from './read-proc.js';

let buf = Buffer.allocUnsafe(64 * 1024);
const MAX = 16 * 1024 * 1024;

export function readProcTextFast(path: string): ProcRead {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    return { ok: false, gone: code === 'ENOENT' || code === 'ESRCH', reason: `${path}: ${code}` };
  }
  try {
    let len = 0;
    for (;;) {
      if (len === buf.length) {
        if (buf.length >= MAX) return { ok: false, gone: false, reason: `${path}: larger than ${MAX} bytes` };
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
      const n = readSync(fd, buf, len, buf.length - len, null);
      if (n === 0) break;
      len += n;
    }
    return { ok: true, text: buf.toString('latin1', 0, len) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    // ESRCH/ENOENT on read: the process exited between open and read.
    return { ok: false, gone: code === 'ENOENT' || code === 'ESRCH', reason: `${path}: ${code}` };
  } finally {
    closeSync(fd);
  }
}

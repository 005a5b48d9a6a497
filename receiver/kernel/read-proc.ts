// Reading a procfs file for a target whose process may exit at any moment.
//
// The probes of the default set read about nine files per namespace per cycle through this, so it
// is the agent's main CPU cost: open, read into one reused buffer until EOF, close. readFileSync
// also fstat()s (procfs reports size 0 anyway), parses its options and allocates a buffer per call,
// which for files of a few KiB costs about as much as the kernel's own work (test/bench/procfs.ts).
// Synchronous on purpose: procfs text is generated in one go by the kernel, and the thread-pool
// round trip of an async read dominates for files this small.
import { closeSync, openSync, readSync } from 'node:fs';

export type ProcRead =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly gone: boolean; readonly reason: string };

/** A file's bytes: the first `length` of `bytes`, a buffer reused by the next read (use them before). */
export type ProcBytes =
  | { readonly ok: true; readonly bytes: Buffer; readonly length: number }
  | { readonly ok: false; readonly gone: boolean; readonly reason: string };

let buf = Buffer.allocUnsafe(64 * 1024);
const MAX = 16 * 1024 * 1024;

function failed(path: string, err: unknown): Extract<ProcRead, { ok: false }> {
  const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
  // ENOENT/ESRCH: the process (and maybe its namespace) went away between listing and reading.
  return { ok: false, gone: code === 'ENOENT' || code === 'ESRCH', reason: `${path}: ${code}` };
}

export function readProcText(path: string): ProcRead {
  const r = readProcBytes(path);
  // toString copies: the buffer is free for the next read.
  return r.ok ? { ok: true, text: r.bytes.toString('latin1', 0, r.length) } : r;
}

/** The one result object of readProcBytes, rewritten by every read: no allocation per file. */
const bytesRead: { ok: true; bytes: Buffer; length: number } = { ok: true, bytes: buf, length: 0 };

/** readProcText without the string: the bytes in the reused buffer, valid until the next read (the
 *  in-place readers of kept parses take them as they are). */
export function readProcBytes(path: string): ProcBytes {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    return failed(path, err);
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
      // -1, not null: "the current position" both, but null costs an allocation of a few hundred
      // bytes per call in Node 20, and this runs thousands of times per cycle (GC pressure).
      const n = readSync(fd, buf, len, buf.length - len, -1);
      if (n === 0) break;
      len += n;
    }
    bytesRead.bytes = buf;
    bytesRead.length = len;
    return bytesRead;
  } catch (err) {
    return failed(path, err);
  } finally {
    closeSync(fd);
  }
}

// Reading a procfs file for a target whose process may exit at any moment.
//
// The probes of the default set read about nine files per namespace per cycle through this, so it
// is the agent's main CPU cost: open, read into one reused buffer until EOF, close. readFileSync
// also fstat()s (procfs reports size 0 anyway), parses its options and allocates a buffer per call,
// which for files of a few KiB costs about as much as the kernel's own work (test/bench/procfs.ts).
// Synchronous on purpose: procfs text is generated in one go by the kernel, and the thread-pool
// round trip of an async read dominates for files this small.
//
// Kept files: a caller that reads the same file every cycle may keep it open. procfs makes a
// seq_file's text afresh whenever it is read from offset 0 (seq_read_iter restarts the sequence when
// the position moves back; procps' top reads /proc/meminfo so), so a kept descriptor read with
// pread from 0 gives what open/read/close gives, without the kernel's path walk, file and seq_file
// set-up and tear-down per open and close, and two of Node's three fs calls per file: 0.60× the
// kernel work of opening each file each time at 250 namespaces (test/bench/results/procfs.md, the C
// floor's two forms). What a kept descriptor pins, and how that stays right:
//   - /proc/<pid>/net/* pins the network namespace (seq_open_net takes a reference), not the pid. The
//     caller names the namespace it expects (`owner`, its inode); a pid reused in another namespace
//     has another owner and its file is opened afresh.
//   - /proc/<pid>/{io,cgroup} pin the pid: once the process is gone a read answers ESRCH, and the path
//     is opened again (a reused pid's new process, or the failure the caller sees).
//   - a file not read in a cycle is closed at its end (endKeptCycle), so a deleted pod's namespace is
//     held until the end of the next cycle at most; and a budget bounds how many are kept (past it,
//     files are opened each time).
//
// One-record files: most of the files read here are made by the kernel's single_open() (net/snmp,
// snmp6, netstat, sockstat, sockstat6; a process's io, cgroup and stat): show() prints the whole text
// into the seq_file's buffer, growing it until it fits, and a read copies out as much as was asked
// for. So a read that returns less than it asked for has returned the rest of the file, and the read
// that would return 0 (EOF) is skipped: 5 per namespace and 2 per process, about 2,000 calls a cycle
// at 250 pods. Files of several records (net/dev, stat/nf_conntrack, softnet_stat) stop a read at a
// full page and are read until EOF.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

/** The names of the procfs files the kernel makes with single_open() (see the top of this file). */
const ONE_RECORD = new Set(['snmp', 'snmp6', 'netstat', 'sockstat', 'sockstat6', 'io', 'cgroup', 'stat']);

/** True when `path` is a one-record file: a short read is its end. */
export function isOneRecordFile(path: string): boolean {
  return ONE_RECORD.has(path.slice(path.lastIndexOf('/') + 1));
}

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

export function readProcText(path: string, owner?: number): ProcRead {
  const r = readProcBytes(path, owner);
  // toString copies: the buffer is free for the next read.
  return r.ok ? { ok: true, text: r.bytes.toString('latin1', 0, r.length) } : r;
}

/** The one result object of readProcBytes, rewritten by every read: no allocation per file. */
const bytesRead: { ok: true; bytes: Buffer; length: number } = { ok: true, bytes: buf, length: 0 };

/** readProcText without the string: the bytes in the reused buffer, valid until the next read (the
 *  in-place readers of kept parses take them as they are). With `owner` the file is kept open across
 *  reads (see the top of this file): the namespace inode for /proc/<pid>/net/*, PROCESS_FILE for a
 *  process's own files. */
export function readProcBytes(path: string, owner?: number): ProcBytes {
  return owner === undefined ? readOpened(path) : readKept(path, owner);
}

/** Opens `path` and reads it; with `owner`, keeps the descriptor when the read succeeded and the
 *  budget has room, else closes it. */
function readOpened(path: string, owner?: number): ProcBytes {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    return failed(path, err);
  }
  let keep = false;
  try {
    const oneRecord = isOneRecordFile(path);
    const r = readAll(fd, path, oneRecord);
    if (owner !== undefined && r.ok) {
      if (keptMax < 0) keptMax = keptBudget();
      keep = kept.size < keptMax;
      if (keep) kept.set(path, { fd, owner, cycle: keptCycle, oneRecord });
    }
    return r;
  } catch (err) {
    return failed(path, err);
  } finally {
    if (!keep) closeSync(fd);
  }
}

/** The owner of a process's own files (/proc/<pid>/io, cgroup): the kept descriptor pins the process. */
export const PROCESS_FILE = 0;

interface KeptFile {
  readonly fd: number;
  readonly owner: number;
  /** a one-record file (isOneRecordFile): a short read is its end */
  readonly oneRecord: boolean;
  /** the kept-file cycle of its last read */
  cycle: number;
}
const kept = new Map<string, KeptFile>();
let keptCycle = 0;
/** At most this many descriptors kept: a quarter of the soft RLIMIT_NOFILE, at most 16,384 (7 per
 *  namespace and 2 per process: 2,400 at 250 pods), so the agent's other descriptors (sockets, BPF
 *  maps, the helper's pipes) always have room. */
let keptMax = -1;

function keptBudget(): number {
  let soft = 1024;
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'latin1'));
    if (m) soft = m[1] === 'unlimited' ? 1 << 20 : Number(m[1]);
  } catch {
    // no /proc/self/limits: assume the common default
  }
  return Math.min(16_384, Math.floor(soft / 4));
}

function readKept(path: string, owner: number): ProcBytes {
  const k = kept.get(path);
  if (k !== undefined) {
    if (k.owner === owner) {
      try {
        const r = readAll(k.fd, path, k.oneRecord);
        k.cycle = keptCycle;
        return r;
      } catch {
        // ESRCH (the process is gone) or another failure: open the path again, which says which
      }
    }
    kept.delete(path);
    closeSync(k.fd);
  }
  return readOpened(path, owner);
}

/** A cycle of kept reads ends: files not read in it are closed (their namespace or process is gone,
 *  or nobody reads them any more). The scheduler calls this after each collection cycle. */
export function endKeptCycle(): void {
  // forEach, not for…of: no [key, value] array per file (2,400 at 250 pods, every cycle).
  kept.forEach(closeIfUnread);
  keptCycle++;
}

function closeIfUnread(k: KeptFile, path: string): void {
  if (k.cycle < keptCycle) {
    kept.delete(path);
    closeSync(k.fd);
  }
}

/** How many files are kept open (for tests). */
export function keptFileCount(): number {
  return kept.size;
}

/** Closes every kept file: at the agent's stop (Scheduler.stop), and for tests. */
export function closeKeptFiles(): void {
  for (const k of kept.values()) closeSync(k.fd);
  kept.clear();
}

/** A buffer twice `b`'s size that starts with `b`'s first `len` bytes. */
function doubled(b: Buffer<ArrayBuffer>, len: number): Buffer<ArrayBuffer> {
  const bigger = Buffer.allocUnsafeSlow(b.length * 2);
  b.copy(bigger, 0, 0, len);
  return bigger;
}

/** The whole file from offset 0 (pread: a kept descriptor's seq_file starts again) into the buffer;
 *  `oneRecord`: a read shorter than asked for is the end (no read of EOF). */
function readAll(fd: number, path: string, oneRecord: boolean): ProcBytes {
  let len = 0;
  for (;;) {
    if (len === buf.length) {
      if (buf.length >= MAX) return { ok: false, gone: false, reason: `${path}: larger than ${MAX} bytes` };
      buf = doubled(buf, len);
    }
    // A position, not null: null costs an allocation of a few hundred bytes per call in Node 20,
    // and this runs thousands of times per cycle (GC pressure).
    const asked = buf.length - len;
    const n = readSync(fd, buf, len, asked, len);
    if (n === 0) break;
    len += n;
    if (oneRecord && n < asked) break;
  }
  bytesRead.bytes = buf;
  bytesRead.length = len;
  return bytesRead;
}

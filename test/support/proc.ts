// Small process and port helpers for tests. Everything here acts only on processes this
// process started (by pid) and on loopback ports.
import { spawn, type SpawnOptions } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import net from 'node:net';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  pid: number | undefined;
}

export interface RunOptions {
  /** Hard timeout; the child is killed by pid (SIGKILL) when it passes. Default 30 s. */
  timeoutMs?: number;
  /** Written to the child's stdin, which is then closed. */
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Cap on captured stdout/stderr each (bytes); the rest is dropped. Default 64 MiB. */
  maxOutputBytes?: number;
}

/** Run a command (no shell), capture its output, kill it by pid after a hard timeout. Never rejects
 *  for a non-zero exit; rejects only when the command cannot be spawned. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const max = opts.maxOutputBytes ?? 64 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const so: SpawnOptions = { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env, cwd: opts.cwd };
    const child = spawn(cmd, args as string[], so);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    let timedOut = false;
    let settled = false;
    child.stdout!.on('data', (b: Buffer) => {
      if (outLen < max) {
        out.push(b);
        outLen += b.length;
      }
    });
    child.stderr!.on('data', (b: Buffer) => {
      if (errLen < max) {
        err.push(b);
        errLen += b.length;
      }
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killPid(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        code,
        signal,
        timedOut,
        pid: child.pid,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin!.on('error', () => {
      /* child may exit before reading its input */
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    else child.stdin!.end();
  });
}

/** Like run() but rejects with stderr in the message unless the exit status is 0. */
export async function runOk(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    const why = r.timedOut ? `timed out after ${opts.timeoutMs ?? 30_000} ms` : `exit ${r.code ?? r.signal}`;
    throw new Error(`${cmd} ${args.join(' ')}: ${why}: ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return r;
}

/** Send a signal to one pid; false when it is already gone. */
export function killPid(pid: number | undefined, signal: NodeJS.Signals = 'SIGTERM'): boolean {
  if (pid === undefined || pid <= 0) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Wait until a pid has exited (polling /proc), up to timeoutMs; true if it is gone. */
export async function waitPidGone(pid: number, timeoutMs = 5000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    let state = '';
    try {
      const st = await readFile(`/proc/${pid}/stat`, 'utf8');
      state = st.charAt(st.lastIndexOf(')') + 2);
    } catch {
      return true;
    }
    if (state === 'Z' || state === 'X') return true; // zombie: exited, waiting to be reaped
    if (Date.now() >= end) return false;
    await sleep(20);
  }
}

/** SIGTERM a pid we started, then SIGKILL after graceMs if it is still there. */
export async function stopPid(pid: number | undefined, graceMs = 3000): Promise<void> {
  if (pid === undefined) return;
  if (!killPid(pid, 'SIGTERM')) return;
  if (await waitPidGone(pid, graceMs)) return;
  killPid(pid, 'SIGKILL');
  await waitPidGone(pid, 2000);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A free TCP port on host (default 127.0.0.1), chosen by the kernel. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen({ host, port: 0, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Start a server on a port freePort() found, and on a new one when it fails with EADDRINUSE:
 * freePort() closes its socket before the server binds, so another process on this shared
 * machine can take the port in between.
 */
export async function onFreePort<T>(start: (port: number) => Promise<T>, tries = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await start(port);
    } catch (err) {
      if (attempt >= tries || !/EADDRINUSE|address already in use/i.test(String(err))) throw err;
    }
  }
}

/** Wait until something accepts TCP connections on host:port (in this process's namespace). */
export async function waitForPort(port: number, host = '127.0.0.1', timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      await new Promise<void>((resolve, reject) => {
        const s = net.connect({ host, port });
        const t = setTimeout(() => {
          s.destroy();
          reject(new Error('connect timeout'));
        }, 1000);
        s.once('connect', () => {
          clearTimeout(t);
          s.destroy();
          resolve();
        });
        s.once('error', (e) => {
          clearTimeout(t);
          s.destroy();
          reject(e);
        });
      });
      return;
    } catch (e) {
      last = e;
      await sleep(50);
    }
  }
  throw new Error(`nothing listening on ${host}:${port} after ${timeoutMs} ms: ${String(last)}`);
}

/** Poll fn until it returns a value that is not undefined/false, or time out with a message. */
export async function waitUntil<T>(
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
  what = 'condition',
  intervalMs = 50,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() >= end) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}`);
    }
    await sleep(intervalMs);
  }
}

export interface ProcUsage {
  pid: number;
  /** Resident set size, bytes (VmRSS from /proc/<pid>/status). */
  rssBytes: number;
  /** Peak resident set size, bytes (VmHWM). */
  rssPeakBytes: number;
  /** utime and stime from /proc/<pid>/stat, in seconds (clock ticks / 100). */
  userSeconds: number;
  systemSeconds: number;
  cpuSeconds: number;
  threads: number;
  state: string;
}

/** Linux USER_HZ is 100 on every architecture Node runs on (sysconf(_SC_CLK_TCK)). */
export const CLK_TCK = 100;

/** RSS and CPU time of a process, from /proc/<pid>/stat and /proc/<pid>/status. */
export async function procUsage(pid: number): Promise<ProcUsage> {
  const [stat, status] = await Promise.all([
    readFile(`/proc/${pid}/stat`, 'utf8'),
    readFile(`/proc/${pid}/status`, 'utf8'),
  ]);
  return parseProcUsage(pid, stat, status);
}

export function parseProcUsage(pid: number, stat: string, status: string): ProcUsage {
  // comm (field 2) may contain spaces and parentheses: split after the last ')'.
  const rest = stat
    .slice(stat.lastIndexOf(')') + 2)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state); utime is field 14, stime 15, num_threads 20.
  const utime = Number(rest[14 - 3]);
  const stime = Number(rest[15 - 3]);
  const threads = Number(rest[20 - 3]);
  const kb = (key: string): number => {
    const m = new RegExp(`^${key}:\\s+(\\d+)\\s*kB`, 'm').exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  };
  return {
    pid,
    state: rest[0] ?? '?',
    rssBytes: kb('VmRSS'),
    rssPeakBytes: kb('VmHWM'),
    userSeconds: utime / CLK_TCK,
    systemSeconds: stime / CLK_TCK,
    cpuSeconds: (utime + stime) / CLK_TCK,
    threads,
  };
}

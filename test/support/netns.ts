// Test "pods": network namespaces made with `ip netns add`, veth pairs, addresses in 10.199.0.0/16,
// a long-lived process inside each, bounded traffic between them, and cleanup that only touches
// what this process made (names start with `ksotel-<pid in base 36>.`).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { stat, readFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { run, runOk, stopPid, killPid, type RunOptions, type RunResult } from './proc.js';
import { cleanupAllCgroups, createPodCgroup, type PodCgroup, type PodCgroupOptions } from './cgroup.js';

export { createPodCgroup, cleanupAllCgroups, type PodCgroup, type PodCgroupOptions } from './cgroup.js';

const IP = 'ip';
/** Prefix of every namespace and veth this process makes: `ksotel-<pid in base 36>.` — the dot keeps
 *  it from ever matching names other tests choose (`ksotel-nat-…`). */
export const PREFIX = `ksotel-${process.pid.toString(36)}.`;
const IFNAMSIZ = 15;

export interface Netns {
  /** Name under /run/netns. */
  readonly name: string;
  /** pid of the long-lived process kept inside it (a `cat` reading a pipe from this process,
   *  so it also ends if this process dies). */
  readonly pid: number;
  /** Inode of the namespace (same as `stat -L -c %i /run/netns/NAME` and /proc/<pid>/ns/net). */
  readonly inode: number;
  /** Run a command inside the namespace (`ip netns exec NAME cmd ...`). */
  exec(cmd: string, args?: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** Same, rejecting unless it exits 0. */
  execOk(cmd: string, args?: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** Kill the kept process and delete the namespace (and so the veth ends inside it). Idempotent. */
  dispose(): Promise<void>;
}

export interface VethPair {
  /** Interface names; `a` lives in `nsA` (or the host when nsA is 'host'), `b` in `nsB`. */
  readonly a: string;
  readonly b: string;
  readonly nsA: Netns | 'host';
  readonly nsB: Netns | 'host';
  /** Addresses without prefix length, e.g. 10.199.3.1 and 10.199.3.2. */
  readonly addrA: string;
  readonly addrB: string;
  readonly prefixLen: number;
  dispose(): Promise<void>;
}

type Disposer = () => Promise<void>;
const live = new Map<string, Disposer>(); // every namespace, veth and pod this process made and not yet removed
let counter = 0;
let sweptStale = false;

function nextNsName(label?: string): string {
  const n = (counter++).toString(36);
  const tail = label ? `${label.replace(/[^a-zA-Z0-9_.-]/g, '').slice(0, 24)}-${n}` : n;
  return `${PREFIX}${tail}`;
}

const usedVethIdx = new Set<number>();
/** Veth names are PREFIX + base-36 index, end a = 2i, end b = 2i+1: interface names have at most 15
 *  characters, which leaves 4 for the index with a 3-digit pid tag (pid_max 32768), 2 with a 5-digit one. */
function allocVethIdx(): [string, string, number] {
  for (let i = 0; i < 36 ** 4; i++) {
    if (usedVethIdx.has(i)) continue;
    const b = `${PREFIX}${(2 * i + 1).toString(36)}`;
    if (b.length > IFNAMSIZ) break;
    usedVethIdx.add(i);
    return [`${PREFIX}${(2 * i).toString(36)}`, b, i];
  }
  throw new Error(`no free veth name with prefix ${PREFIX} (interface names are at most ${IFNAMSIZ} characters)`);
}

/** Run `ip ARGS` in the host namespace, rejecting on failure. */
export function ip(args: readonly string[], opts?: RunOptions): Promise<RunResult> {
  return runOk(IP, args, { timeoutMs: 15_000, ...opts });
}

/** Run a command inside a named namespace. */
export function execIn(ns: string, cmd: string, args: readonly string[] = [], opts?: RunOptions): Promise<RunResult> {
  return run(IP, ['netns', 'exec', ns, cmd, ...args], opts);
}
export function execInOk(ns: string, cmd: string, args: readonly string[] = [], opts?: RunOptions): Promise<RunResult> {
  return runOk(IP, ['netns', 'exec', ns, cmd, ...args], opts);
}

/** Inode of a named namespace. */
export async function netnsInode(name: string): Promise<number> {
  return (await stat(`/run/netns/${name}`)).ino;
}

/** Inode of the network namespace of a pid. */
export async function pidNetnsInode(pid: number | 'self'): Promise<number> {
  return (await stat(`/proc/${pid}/ns/net`)).ino;
}

async function sweepStaleOnce(): Promise<void> {
  if (sweptStale) return;
  sweptStale = true;
  // A new process owns its prefix: anything already carrying it was left by a dead process with the same pid.
  await sweepPrefix();
}

async function sweepPrefix(): Promise<void> {
  for (const name of listNetnsSync()) {
    if (name.startsWith(PREFIX)) await run(IP, ['netns', 'del', name], { timeoutMs: 15_000 });
  }
  for (const link of await hostLinks()) {
    if (link.startsWith(PREFIX)) await run(IP, ['link', 'del', link], { timeoutMs: 15_000 });
  }
}

function listNetnsSync(): string[] {
  try {
    return readdirSync('/run/netns');
  } catch {
    return [];
  }
}

async function hostLinks(): Promise<string[]> {
  const r = await run(IP, ['-o', 'link', 'show'], { timeoutMs: 15_000 });
  const names: string[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^\d+:\s+([^:@\s]+)/.exec(line);
    if (m) names.push(m[1]!);
  }
  return names;
}

export interface CreateNetnsOptions {
  /** A readable part of the name (letters, digits, . _ -), e.g. 'client'. */
  label?: string;
  /** Bring `lo` up (default true). */
  loUp?: boolean;
}

/** Create a namespace with `lo` up and a process kept inside it. */
export async function createNetns(opts: CreateNetnsOptions = {}): Promise<Netns> {
  await sweepStaleOnce();
  const name = nextNsName(opts.label);
  await ip(['netns', 'add', name]);
  let child: ChildProcess | undefined;
  const dispose = async (): Promise<void> => {
    if (!live.has(`ns:${name}`)) return;
    live.delete(`ns:${name}`);
    if (child?.pid) {
      child.stdin?.destroy();
      await stopPid(child.pid, 2000);
    }
    await run(IP, ['netns', 'del', name], { timeoutMs: 15_000 });
  };
  live.set(`ns:${name}`, dispose);
  try {
    if (opts.loUp !== false) await ip(['-n', name, 'link', 'set', 'lo', 'up']);
    child = spawn(IP, ['netns', 'exec', name, 'cat'], { stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', () => {
      /* reported below as a missing pid */
    });
    child.unref();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    const pid = child.pid;
    if (!pid) throw new Error('could not spawn the process kept in the namespace');
    const inode = await netnsInode(name);
    // `ip netns exec` setns()es then execs, so the pid ends up in the namespace: wait until it has.
    const end = Date.now() + 5000;
    for (;;) {
      const cur = await pidNetnsInode(pid).catch(() => 0);
      let comm = '';
      try {
        comm = (await readFile(`/proc/${pid}/comm`, 'utf8')).trim();
      } catch {
        /* gone */
      }
      if (cur === inode && comm === 'cat') break;
      if (Date.now() > end) throw new Error(`pid ${pid} did not enter namespace ${name}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return {
      name,
      pid,
      inode,
      exec: (cmd, args = [], o) => execIn(name, cmd, args, o),
      execOk: (cmd, args = [], o) => execInOk(name, cmd, args, o),
      dispose,
    };
  } catch (e) {
    await dispose();
    throw e;
  }
}

// ---- addresses: /30 subnets of 10.199.0.0/16 not already on the host -------------------------

let subnetCursor = (process.pid * 7) % 16384;
const usedSubnets = new Set<number>();

async function hostAddrs(): Promise<Set<string>> {
  const r = await run(IP, ['-4', '-o', 'addr', 'show'], { timeoutMs: 15_000 });
  const s = new Set<string>();
  for (const m of r.stdout.matchAll(/inet (10\.199\.\d+\.\d+)\//g)) s.add(m[1]!);
  return s;
}

/** Allocate a /30 in 10.199.0.0/16 (two usable addresses), avoiding ones already used on the host. */
export async function allocSubnet30(): Promise<{ a: string; b: string; prefixLen: 30; release(): void }> {
  const onHost = await hostAddrs();
  for (let tries = 0; tries < 16384; tries++) {
    const idx = subnetCursor;
    subnetCursor = (subnetCursor + 1) % 16384;
    if (usedSubnets.has(idx)) continue;
    const base = idx * 4;
    const third = (base >> 8) & 255;
    const fourth = base & 255;
    const a = `10.199.${third}.${fourth + 1}`;
    const b = `10.199.${third}.${fourth + 2}`;
    if (onHost.has(a) || onHost.has(b)) continue;
    usedSubnets.add(idx);
    return { a, b, prefixLen: 30, release: () => usedSubnets.delete(idx) };
  }
  throw new Error('10.199.0.0/16 is exhausted');
}

function nsArgs(ns: Netns | 'host'): string[] {
  return ns === 'host' ? [] : ['-n', ns.name];
}

/** A veth pair between two namespaces (or a namespace and the host), addressed and up. */
export async function createVethPair(nsA: Netns | 'host', nsB: Netns | 'host'): Promise<VethPair> {
  await sweepStaleOnce();
  const [a, b, idx] = allocVethIdx();
  const sub = await allocSubnet30();
  const key = `veth:${a}`;
  const dispose = async (): Promise<void> => {
    if (!live.has(key)) return;
    live.delete(key);
    // Deleting either end deletes both; an end inside a deleted namespace is already gone.
    const inA = nsA === 'host' || existsSync(`/run/netns/${nsA.name}`);
    const inB = nsB === 'host' || existsSync(`/run/netns/${nsB.name}`);
    if (inA) await run(IP, [...nsArgs(nsA), 'link', 'del', a], { timeoutMs: 15_000 });
    else if (inB) await run(IP, [...nsArgs(nsB), 'link', 'del', b], { timeoutMs: 15_000 });
    usedVethIdx.delete(idx);
    sub.release();
  };
  live.set(key, dispose);
  try {
    // Create both ends in the host namespace, then move each where it belongs.
    await ip(['link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
    if (nsA !== 'host') await ip(['link', 'set', a, 'netns', nsA.name]);
    if (nsB !== 'host') await ip(['link', 'set', b, 'netns', nsB.name]);
    await ip([...nsArgs(nsA), 'addr', 'add', `${sub.a}/${sub.prefixLen}`, 'dev', a]);
    await ip([...nsArgs(nsB), 'addr', 'add', `${sub.b}/${sub.prefixLen}`, 'dev', b]);
    await ip([...nsArgs(nsA), 'link', 'set', a, 'up']);
    await ip([...nsArgs(nsB), 'link', 'set', b, 'up']);
    return { a, b, nsA, nsB, addrA: sub.a, addrB: sub.b, prefixLen: sub.prefixLen, dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}

export interface TestPod {
  netns: Netns;
  /** veth from the host (`veth.a`, host side, `veth.addrA`) to the pod (`veth.b`, inside, `veth.addrB`). */
  veth?: VethPair;
  /** The kubelet-like cgroup holding `netns.pid`, when asked for. */
  cgroup?: PodCgroup;
  /** Pod-side address (veth.addrB), when there is a veth. */
  ip?: string;
  dispose(): Promise<void>;
}

export interface CreatePodOptions extends CreateNetnsOptions {
  /** Add a veth pair to the host (default true). */
  veth?: boolean;
  /** Put the kept process into a kubelet-like cgroup (default false); options or true for defaults. */
  cgroup?: boolean | PodCgroupOptions;
}

/** A test pod: namespace + kept process + (optionally) host veth + (optionally) kubelet-like cgroup. */
export async function createPod(opts: CreatePodOptions = {}): Promise<TestPod> {
  const netns = await createNetns(opts);
  let veth: VethPair | undefined;
  let cgroup: PodCgroup | undefined;
  const dispose = async (): Promise<void> => {
    if (veth) await veth.dispose().catch(() => undefined);
    await netns.dispose(); // kills the kept process first, so the cgroup is empty when removed
    if (cgroup) await cgroup.dispose().catch(() => undefined);
  };
  try {
    if (opts.veth !== false) veth = await createVethPair('host', netns);
    if (opts.cgroup) {
      cgroup = await createPodCgroup(opts.cgroup === true ? {} : opts.cgroup);
      await cgroup.addPid(netns.pid);
    }
  } catch (e) {
    await dispose();
    throw e;
  }
  return { netns, veth, cgroup, ip: veth?.addrB, dispose };
}

/** Two namespaces joined by one veth pair (a in `left`, b in `right`). */
export async function createLinkedPair(
  labels: [string, string] = ['left', 'right'],
): Promise<{ left: Netns; right: Netns; veth: VethPair; dispose(): Promise<void> }> {
  const left = await createNetns({ label: labels[0] });
  let right: Netns | undefined;
  try {
    right = await createNetns({ label: labels[1] });
    const veth = await createVethPair(left, right);
    const r = right;
    return {
      left,
      right,
      veth,
      dispose: async () => {
        await veth.dispose();
        await r.dispose();
        await left.dispose();
      },
    };
  } catch (e) {
    await right?.dispose();
    await left.dispose();
    throw e;
  }
}

/** Delete namespaces and host links named `ksotel-<tag>.…` whose owner pid (the base-36 tag) is no
 *  longer alive in this pid namespace: leftovers of test processes that were killed. Not called
 *  automatically; returns what it deleted. */
export async function sweepOrphans(): Promise<string[]> {
  const gone: string[] = [];
  const owner = (name: string): number | undefined => {
    const m = /^ksotel-([0-9a-z]{1,5})\./.exec(name);
    return m ? parseInt(m[1]!, 36) : undefined;
  };
  const dead = (pid: number | undefined) => pid !== undefined && pid !== process.pid && !pidAliveQuiet(pid);
  for (const name of listNetnsSync()) {
    if (dead(owner(name)) && (await run(IP, ['netns', 'del', name], { timeoutMs: 15_000 })).code === 0) gone.push(name);
  }
  for (const link of await hostLinks()) {
    if (dead(owner(link)) && (await run(IP, ['link', 'del', link], { timeoutMs: 15_000 })).code === 0) gone.push(link);
  }
  return gone;
}

function pidAliveQuiet(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove everything this process made (kept processes, veths, namespaces), then sweep any namespace or
 *  host link that still carries this process's prefix. Safe to call many times. */
export async function cleanupAll(): Promise<void> {
  const ds = [...live.entries()].reverse();
  // veths first, then namespaces
  for (const [k, d] of ds) if (k.startsWith('veth:')) await d().catch(() => undefined);
  for (const [k, d] of ds) if (!k.startsWith('veth:')) await d().catch(() => undefined);
  await cleanupAllCgroups();
  await sweepPrefix();
}

// Last-resort cleanup when the process exits without cleanupAll (synchronous, so it runs in 'exit').
process.on('exit', () => {
  if (live.size === 0) return;
  for (const name of listNetnsSync()) {
    if (!name.startsWith(PREFIX)) continue;
    spawnSync(IP, ['netns', 'del', name], { stdio: 'ignore', timeout: 5000 });
  }
  const links = spawnSync(IP, ['-o', 'link', 'show'], { encoding: 'utf8', timeout: 5000 }).stdout ?? '';
  for (const m of links.matchAll(/^\d+:\s+([^:@\s]+)/gm)) {
    if (m[1]!.startsWith(PREFIX)) spawnSync(IP, ['link', 'del', m[1]!], { stdio: 'ignore', timeout: 5000 });
  }
});

// ---- bounded traffic, generated by Node itself run inside the namespaces -----------------------

// The receiver's buffer holds the whole send: with the default 208 KiB, a receiver the scheduler kept off the
// CPU during the send (a loaded 2-core CI) lost 9 of 300 datagrams of 200 bytes (SO_RCVBUF is capped at
// net.core.rmem_max, 4 MiB here, and doubled by the kernel).
const UDP_RECV = `
const dgram = require('node:dgram');
const [addr, port, count, timeoutMs] = [process.argv[1], +process.argv[2], +process.argv[3], +process.argv[4]];
const s = dgram.createSocket({ type: addr.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 4 << 20 });
let received = 0, bytes = 0;
const done = () => { s.close(); process.stdout.write(JSON.stringify({ received, bytes }) + '\\n'); process.exit(0); };
const t = setTimeout(done, timeoutMs);
s.on('message', (m) => { received++; bytes += m.length; if (received >= count) { clearTimeout(t); done(); } });
s.bind(port, addr, () => process.stdout.write('ready ' + s.address().port + '\\n'));
`;

const UDP_SEND = `
const dgram = require('node:dgram');
const [addr, port, count, size, timeoutMs] = [process.argv[1], +process.argv[2], +process.argv[3], +process.argv[4], +process.argv[5]];
const s = dgram.createSocket(addr.includes(':') ? 'udp6' : 'udp4');
const buf = Buffer.alloc(size, 0x61);
let sent = 0, errors = 0;
const end = Date.now() + timeoutMs;
const finish = () => { s.close(); process.stdout.write(JSON.stringify({ sent, errors }) + '\\n'); process.exit(0); };
const next = () => {
  if (sent + errors >= count || Date.now() > end) return finish();
  s.send(buf, port, addr, (e) => { if (e) errors++; else sent++; setImmediate(next); });
};
next();
`;

const TCP_RECV = `
const net = require('node:net');
const [addr, port, timeoutMs] = [process.argv[1], +process.argv[2], +process.argv[3]];
let bytes = 0, conns = 0;
const srv = net.createServer((c) => { conns++; c.on('data', (b) => { bytes += b.length; }); c.on('error', () => {});
  c.on('end', () => { c.end(); srv.close(); finish(); }); });
const finish = () => { process.stdout.write(JSON.stringify({ bytes, conns }) + '\\n'); process.exit(0); };
setTimeout(finish, timeoutMs);
srv.listen(port, addr, () => process.stdout.write('ready ' + srv.address().port + '\\n'));
`;

const TCP_SEND = `
const net = require('node:net');
const [addr, port, total, timeoutMs] = [process.argv[1], +process.argv[2], +process.argv[3], +process.argv[4]];
let sent = 0;
const chunk = Buffer.alloc(Math.min(65536, Math.max(1, total)), 0x62);
const finish = (err) => { process.stdout.write(JSON.stringify({ sent, error: err ? String(err.code || err) : undefined }) + '\\n'); process.exit(0); };
setTimeout(() => finish(new Error('timeout')), timeoutMs);
const c = net.connect(port, addr, () => {
  const pump = () => {
    while (sent < total) {
      const n = Math.min(chunk.length, total - sent);
      sent += n;
      if (!c.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return c.once('drain', pump);
    }
    c.end();
  };
  pump();
});
c.on('error', finish);
c.on('close', () => finish());
`;

const TCP_CONNECT = `
const net = require('node:net');
const [addr, port, timeoutMs] = [process.argv[1], +process.argv[2], +process.argv[3]];
const c = net.connect(port, addr);
const out = (r) => { process.stdout.write(JSON.stringify({ result: r }) + '\\n'); process.exit(0); };
const t = setTimeout(() => { c.destroy(); out('timeout'); }, timeoutMs);
c.on('connect', () => { clearTimeout(t); c.destroy(); out('connected'); });
c.on('error', (e) => { clearTimeout(t); out(e.code === 'ECONNREFUSED' ? 'refused' : String(e.code || e)); });
`;

/** Where a traffic program runs: a namespace by name (a Netns, or any namespace the test made) or the host. */
export type Where = Pick<Netns, 'name'> | 'host';
function nodeIn(where: Where, script: string, args: (string | number)[]): { cmd: string; args: string[] } {
  const a = ['-e', script, ...args.map(String)];
  if (where === 'host') return { cmd: process.execPath, args: a };
  return { cmd: IP, args: ['netns', 'exec', where.name, process.execPath, ...a] };
}

/** Start a node script and resolve once it prints `ready PORT`; resolves its final JSON line later. */
function startReady(
  where: Where,
  script: string,
  args: (string | number)[],
  hardMs: number,
): Promise<{ port: number; result: Promise<Record<string, unknown>> }> {
  const { cmd, args: a } = nodeIn(where, script, args);
  return new Promise((resolveReady, rejectReady) => {
    const child = spawn(cmd, a, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let ready = false;
    const hard = setTimeout(() => killPid(child.pid, 'SIGKILL'), hardMs);
    let resolveResult!: (v: Record<string, unknown>) => void;
    let rejectResult!: (e: Error) => void;
    const result = new Promise<Record<string, unknown>>((r, j) => {
      resolveResult = r;
      rejectResult = j;
    });
    result.catch(() => undefined);
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /^ready (\d+)$/m.exec(out);
      if (!ready && m) {
        ready = true;
        resolveReady({ port: Number(m[1]), result });
      }
    });
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    child.on('error', (e) => {
      clearTimeout(hard);
      rejectReady(e);
      rejectResult(e);
    });
    child.on('close', (code) => {
      clearTimeout(hard);
      const line = out.trim().split('\n').pop() ?? '';
      if (!ready) rejectReady(new Error(`receiver exited (${code}) before ready: ${err.trim()}`));
      try {
        resolveResult(JSON.parse(line));
      } catch {
        rejectResult(new Error(`receiver output ${JSON.stringify(out)} ${err}`));
      }
    });
  });
}

async function runNode(
  where: Where,
  script: string,
  args: (string | number)[],
  hardMs: number,
): Promise<Record<string, unknown>> {
  const { cmd, args: a } = nodeIn(where, script, args);
  const r = await runOk(cmd, a, { timeoutMs: hardMs });
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
}

export interface UdpTrafficOptions {
  /** Number of datagrams (1..1_000_000). */
  count: number;
  /** Payload bytes per datagram (0..65507). */
  size: number;
  /** UDP port the receiver binds (default: any free port). */
  port?: number;
  /** Stop sending and receiving after this long (default 10 s). */
  timeoutMs?: number;
}

/** Send `count` UDP datagrams of `size` bytes from `from` to `toAddr` in `to`; bounded in count and time. */
export async function sendUdp(
  from: Where,
  to: Where,
  toAddr: string,
  o: UdpTrafficOptions,
): Promise<{ sent: number; errors: number; received: number; receivedBytes: number; port: number }> {
  checkAddr(toAddr);
  if (!(o.count >= 1 && o.count <= 1_000_000)) throw new Error('count must be 1..1000000');
  if (!(o.size >= 0 && o.size <= 65507)) throw new Error('size must be 0..65507');
  const timeoutMs = o.timeoutMs ?? 10_000;
  const recv = await startReady(to, UDP_RECV, [toAddr, o.port ?? 0, o.count, timeoutMs + 500], timeoutMs + 5000);
  const s = await runNode(from, UDP_SEND, [toAddr, recv.port, o.count, o.size, timeoutMs], timeoutMs + 5000);
  const r = await recv.result;
  return {
    sent: Number(s.sent),
    errors: Number(s.errors),
    received: Number(r.received),
    receivedBytes: Number(r.bytes),
    port: recv.port,
  };
}

/** One TCP connection from `from` to `toAddr` in `to`, carrying `bytes` bytes (≤ 1 GiB), bounded in time. */
export async function tcpTransfer(
  from: Where,
  to: Where,
  toAddr: string,
  o: { bytes: number; port?: number; timeoutMs?: number },
): Promise<{ sentBytes: number; receivedBytes: number; port: number; error?: string }> {
  checkAddr(toAddr);
  if (!(o.bytes >= 0 && o.bytes <= 2 ** 30)) throw new Error('bytes must be 0..1GiB');
  const timeoutMs = o.timeoutMs ?? 10_000;
  const recv = await startReady(to, TCP_RECV, [toAddr, o.port ?? 0, timeoutMs + 500], timeoutMs + 5000);
  const s = await runNode(from, TCP_SEND, [toAddr, recv.port, o.bytes, timeoutMs], timeoutMs + 5000);
  const r = await recv.result;
  return {
    sentBytes: Number(s.sent),
    receivedBytes: Number(r.bytes),
    port: recv.port,
    error: s.error as string | undefined,
  };
}

/** One TCP connect attempt from `from` (a closed port answers with a RST: 'refused'). */
export async function tcpConnect(
  from: Where,
  addr: string,
  port: number,
  timeoutMs = 3000,
): Promise<'connected' | 'refused' | 'timeout' | string> {
  checkAddr(addr);
  const r = await runNode(from, TCP_CONNECT, [addr, port, timeoutMs], timeoutMs + 5000);
  return String(r.result);
}

/** Traffic may only go to loopback or to the test's own 10.199.0.0/16. */
export function checkAddr(addr: string): void {
  if (addr === '::1' || /^127\./.test(addr) || /^10\.199\./.test(addr)) return;
  throw new Error(`test traffic is only allowed to loopback or 10.199.0.0/16, not ${addr}`);
}

// Test fixtures for the native probes: network namespaces named ksotel-nat-<pid36>-*, addresses in
// 10.199.0.0/16 (and fd00:199::/32 for IPv6), small Node programs run inside them, and a
// build of bpf/ when the helper is missing. Everything is removed in after hooks.
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

import { run, runOk, killPid, waitPidGone, waitUntil } from '../support/proc.js';
import { HelperClient, packageRoot, type HelperClientOptions, type NativeEvent } from '../../receiver/native/index.js';
import { HELPER } from '../support/agent.js';
import { allocSubnet30 } from '../support/netns.js';

export const ROOT = packageRoot();
export { HELPER };
export const UDPFLOOD = path.join(ROOT, 'bpf', 'build', 'ksotel-udpflood');

let built: Promise<void> | undefined;
/** make -C bpf once, when the helper or the flood tool is missing. */
export function ensureHelperBuilt(): Promise<void> {
  if (!built) {
    built = (async () => {
      if (existsSync(HELPER) && existsSync(UDPFLOOD)) return;
      await runOk('make', ['-C', path.join(ROOT, 'bpf')], { timeoutMs: 300_000 });
    })();
  }
  return built;
}

/** Namespace names carry this process's pid (base 36), so concurrent test runs (other
 *  sessions run the whole suite too) never touch each other's namespaces. */
export const NS_PREFIX = `ksotel-nat-${process.pid.toString(36)}-`;
export const nsName = (tag: string): string => `${NS_PREFIX}${tag}`;
/** veth names must fit IFNAMSIZ (15): k<pid36><n>a */
const vethName = (n: number, side: 'a' | 'b'): string => `k${process.pid.toString(36)}n${n}${side}`;

export async function sh(cmd: string, ...args: string[]): Promise<string> {
  return (await runOk(cmd, args, { timeoutMs: 30_000 })).stdout;
}

export function inNs(ns: string, cmd: string, ...args: string[]): Promise<string> {
  return sh('ip', 'netns', 'exec', ns, cmd, ...args);
}

/** inode of a named namespace, the way an operator would read it */
export async function netnsInode(ns: string): Promise<number> {
  return Number((await sh('stat', '-L', '-c', '%i', `/run/netns/${ns}`)).trim());
}

export interface NsPair {
  a: string;
  b: string;
  aInode: number;
  bInode: number;
  a4: string;
  b4: string;
  a6: string;
  b6: string;
}

/** Two namespaces joined by a veth pair: a = 10.199.<n>.1, b = 10.199.<n>.2 (fd00:199:<n>::1/2). */
export async function makePair(tag: string, n: number, opts: { ipv6?: boolean } = {}): Promise<NsPair> {
  const a = nsName(`${tag}-a`);
  const b = nsName(`${tag}-b`);
  const ipv6 = opts.ipv6 ?? true;
  await deleteNs(a, b);
  await sh('ip', 'netns', 'add', a);
  await sh('ip', 'netns', 'add', b);
  if (!ipv6) {
    // no IPv6 at all: no router solicitations or MLD reports to count alongside the test's drops
    for (const ns of [a, b]) {
      await inNs(ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1');
      await inNs(ns, 'sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1');
    }
  }
  await sh(
    'ip',
    'link',
    'add',
    vethName(n, 'a'),
    'netns',
    a,
    'type',
    'veth',
    'peer',
    'name',
    vethName(n, 'b'),
    'netns',
    b,
  );
  const p: NsPair = {
    a,
    b,
    aInode: await netnsInode(a),
    bInode: await netnsInode(b),
    a4: `10.199.${n}.1`,
    b4: `10.199.${n}.2`,
    a6: `fd00:199:${n}::1`,
    b6: `fd00:199:${n}::2`,
  };
  for (const [ns, dev, v4, v6] of [
    [a, vethName(n, 'a'), p.a4, p.a6],
    [b, vethName(n, 'b'), p.b4, p.b6],
  ] as const) {
    await inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
    await inNs(ns, 'ip', 'addr', 'add', `${v4}/24`, 'dev', dev);
    if (ipv6) await inNs(ns, 'ip', '-6', 'addr', 'add', `${v6}/64`, 'dev', dev, 'nodad');
    await inNs(ns, 'ip', 'link', 'set', dev, 'up');
  }
  // an IPv6 address is usable only once it is no longer tentative
  for (const [ns, dev] of [
    [a, vethName(n, 'a')],
    [b, vethName(n, 'b')],
  ] as const) {
    await waitUntil(
      async () =>
        (await inNs(ns, 'ip', '-6', 'addr', 'show', 'dev', dev, 'scope', 'global', 'tentative')).trim() === '',
      5000,
      `IPv6 address on ${dev} in ${ns}`,
    );
  }
  return p;
}

/** A "pod" namespace with a veth to the host namespace, as a CNI makes one. The host end's addresses
 *  are in the host namespace, which concurrent runs share, so they are unique per run: a /30 of
 *  10.199.0.0/16 no host interface holds (allocSubnet30), host end .1 and pod end .2, and the /64
 *  fd00:199:<pid, n>::/64 (::1 host, ::2 pod). Deleting the namespace deletes both ends. */
export async function makeHostPair(
  tag: string,
  n: number,
): Promise<{ ns: string; inode: number; host: string; pod: string; h4: string; p4: string; h6: string; p6: string }> {
  const ns = nsName(`${tag}-p`);
  const id = process.pid.toString(36);
  const host = `k${id}h${n}`;
  const pod = `k${id}p${n}`;
  await deleteNs(ns);
  await sh('ip', 'link', 'del', host).catch(() => undefined);
  await sh('ip', 'netns', 'add', ns);
  await sh('ip', 'link', 'add', host, 'type', 'veth', 'peer', 'name', pod, 'netns', ns);
  const v4 = await allocSubnet30();
  const pid = process.pid;
  const v6 = `fd00:199:${(pid >>> 8).toString(16)}:${(((pid & 0xff) << 8) | (n & 0xff)).toString(16)}`;
  const r = {
    ns,
    inode: 0,
    host,
    pod,
    h4: v4.a,
    p4: v4.b,
    h6: `${v6}::1`,
    p6: `${v6}::2`,
  };
  r.inode = Number((await sh('stat', '-L', '-c', '%i', `/run/netns/${ns}`)).trim());
  await sh('ip', 'addr', 'add', `${r.h4}/${v4.prefixLen}`, 'dev', host);
  await sh('ip', '-6', 'addr', 'add', `${r.h6}/64`, 'dev', host, 'nodad');
  await sh('ip', 'link', 'set', host, 'up');
  await inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
  await inNs(ns, 'ip', 'addr', 'add', `${r.p4}/${v4.prefixLen}`, 'dev', pod);
  await inNs(ns, 'ip', '-6', 'addr', 'add', `${r.p6}/64`, 'dev', pod, 'nodad');
  await inNs(ns, 'ip', 'link', 'set', pod, 'up');
  return r;
}

/** tcx links the helper holds (its fds' fdinfo): the device's ifindex and the program of each. */
export async function helperTcxLinks(pid: number): Promise<{ ifindex: number; progId: number }[]> {
  const out: { ifindex: number; progId: number }[] = [];
  for (const fd of await readdir(`/proc/${pid}/fdinfo`)) {
    const info = await readFile(`/proc/${pid}/fdinfo/${fd}`, 'utf8').catch(() => '');
    if (!/link_type:\s+tcx/.test(info)) continue;
    out.push({
      ifindex: Number(/ifindex:\s+(\d+)/.exec(info)?.[1] ?? -1),
      progId: Number(/prog_id:\s+(\d+)/.exec(info)?.[1] ?? -1),
    });
  }
  return out;
}

export async function makeSingle(tag: string): Promise<{ ns: string; inode: number }> {
  const ns = nsName(tag);
  await deleteNs(ns);
  await sh('ip', 'netns', 'add', ns);
  await inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
  return { ns, inode: await netnsInode(ns) };
}

export async function deleteNs(...names: string[]): Promise<void> {
  for (const n of names) {
    if (!n.startsWith(NS_PREFIX)) throw new Error(`refusing to delete namespace ${n}: not this process's`);
    await run('ip', ['netns', 'del', n], { timeoutMs: 10_000 });
  }
}

/** Run an ES module (source text) with node inside a namespace; returns its parsed last stdout line. */
export async function nodeIn(ns: string, source: string, timeoutMs = 20_000): Promise<Record<string, unknown>> {
  const r = await run('ip', ['netns', 'exec', ns, process.execPath, '--input-type=module', '-e', source], {
    timeoutMs,
  });
  if (r.code !== 0) throw new Error(`node in ${ns} failed (${r.code ?? r.signal}): ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '{}') as Record<string, unknown>;
}

/** A long-running node program in a namespace that prints {"ready":true} when it is ready. */
/** Node source for nodeIn: n connects, one after another, to a closed port (n NOSOCK resets in the
 *  server's namespace); prints {"done":true}. */
export const refuseN = (host: string, port: number, n: number): string => `
import net from 'node:net';
let left = ${n};
const one = () => {
  const s = net.connect({ host: '${host}', port: ${port} });
  s.on('error', () => { if (--left > 0) one(); else { console.log(JSON.stringify({ done: true })); process.exit(0); } });
  s.on('connect', () => process.exit(2));
};
one();
`;

export interface Background {
  child: ChildProcess;
  pid: number;
  lines: string[];
  done: Promise<Record<string, unknown>>;
}

/** ns 'host': in the test's own (host) namespace. */
export async function startNodeIn(
  ns: string,
  source: string,
  readyTimeoutMs = 10_000,
  /** a cgroup v2 directory the process moves itself into first (a test pod's container) */
  cgroupDir?: string,
): Promise<Background> {
  const node = [process.execPath, '--input-type=module', '-e', source];
  const inNsCmd = ns === 'host' ? node : ['ip', 'netns', 'exec', ns, ...node];
  const [cmd, ...args] = cgroupDir
    ? ['sh', '-c', `echo $$ > '${cgroupDir}/cgroup.procs' && exec "$@"`, 'sh', ...inNsCmd]
    : inNsCmd;
  const child = spawn(cmd!, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buf = '';
  let err = '';
  let onLine: (() => void) | undefined;
  child.stdout!.on('data', (b: Buffer) => {
    buf += b.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    lines.push(...parts.filter((l) => l.length > 0));
    onLine?.();
  });
  child.stderr!.on('data', (b: Buffer) => {
    err += b.toString();
  });
  const done = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.on('exit', (code) => {
      const last = lines[lines.length - 1];
      if (code !== 0) reject(new Error(`background node in ${ns} exited ${code}: ${err}`));
      else resolve(last ? (JSON.parse(last) as Record<string, unknown>) : {});
    });
  });
  done.catch(() => {
    /* observed by the test when it awaits */
  });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`background node in ${ns} not ready: ${err}`)), readyTimeoutMs);
    onLine = () => {
      if (lines.some((l) => l.includes('"ready"'))) {
        clearTimeout(t);
        resolve();
      }
    };
    child.on('exit', () => {
      clearTimeout(t);
      reject(new Error(`background node in ${ns} exited early: ${err}`));
    });
  });
  return { child, pid: child.pid!, lines, done };
}

export async function stopBackground(b: Background | undefined): Promise<void> {
  if (!b || b.child.exitCode !== null || b.child.signalCode !== null) return;
  killPid(b.pid, 'SIGKILL');
  await waitPidGone(b.pid, 3000);
}

/** The tuple a kernel record carries for a TCP segment from src:srcPort to dst:dstPort. */
export function tcpTuple(
  srcAddress: string,
  srcPort: number,
  dstAddress: string,
  dstPort: number,
): {
  family: 'ipv4' | 'ipv6';
  protocol: 'tcp';
  srcAddress: string;
  srcPort: number;
  dstAddress: string;
  dstPort: number;
} {
  return {
    family: srcAddress.includes(':') ? 'ipv6' : 'ipv4',
    protocol: 'tcp',
    srcAddress,
    srcPort,
    dstAddress,
    dstPort,
  };
}

/** A started helper client that records every kernel event it delivers. */
export interface Harness {
  client: HelperClient;
  events: NativeEvent[];
  problems: string[];
  logs: string[];
}

export async function startClient(opts: HelperClientOptions): Promise<Harness> {
  const client = new HelperClient({ helperPath: HELPER, ...opts });
  const h: Harness = { client, events: [], problems: [], logs: [] };
  client.on('event', (e) => h.events.push(e));
  client.on('problem', (p) => h.problems.push(p.message));
  client.on('log', (l) => h.logs.push(l));
  await client.start();
  return h;
}

/** UDP datagrams from a namespace with the C sender (bounded count and time). */
export async function udpFlood(
  ns: string,
  addr: string,
  port: number,
  count: number,
  maxSeconds = 20,
  payload = 16,
  /** > 1: to port … port + ports - 1 in turn (that many interleaved flows) */
  ports = 1,
): Promise<{ sent: number; failed: number; other: number; seconds: number }> {
  const out = await inNs(
    ns,
    UDPFLOOD,
    addr,
    String(port),
    String(count),
    String(maxSeconds),
    String(payload),
    String(ports),
  );
  return JSON.parse(out.trim()) as { sent: number; failed: number; other: number; seconds: number };
}

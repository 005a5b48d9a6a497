// tcpsummary on the real kernel: connections held in a test namespace (established, time-wait,
// unread data in a receive queue) counted by the agent's probe through the real native helper's
// table walk, compared with the namespace's own /proc/<pid>/net/tcp and tcp6 and with `ss -tan`
// (the kernel's sock_diag answer through iproute2, so the oracle is not the fallback's parser); also a namespace with its own table (net.ipv4.tcp_child_ehash_entries) and the
// procfs fallback.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { NativeEventSource } from '../../receiver/events/native-source.js';
import { tcpsummary } from '../../receiver/probes/tcpsummary.js';
import { parseProcNetTcp, TCP_STATE_BY_NUMBER } from '../../receiver/native/commands.js';
import { connectionState } from '../../receiver/kernel/tcp-states.js';
import type { MetricProbe, ProbeContext } from '../../receiver/probes/probe.js';
import type { Target } from '../../receiver/targets/target.js';
import { silentLogger } from '../../receiver/log.js';
import { createNetns, type Netns } from '../support/netns.js';
import { ensureHelperBuilt, startNodeIn, stopBackground, type Background } from '../native/support.js';
import { run, waitUntil } from '../support/proc.js';
import { startAgentProcess, type AgentProcess } from '../support/agent.js';
import { scrape, status, sum, tempDir } from '../faults/support.js';

const N = 6; // established client/server pairs (both ends in the namespace: 2N sockets)
const M = 4; // connections closed by the client first: M sockets in TIME_WAIT
const UNREAD = 5000;

// Servers and clients on loopback inside the namespace; prints {"ready":true} once every
// connection is in place and the closed ones have left FIN_WAIT.
const program = `
import net from 'node:net';
const held = [];
const quiet = net.createServer({ pauseOnConnect: true }, (s) => { held.push(s); s.on('error', () => {}); });
const closing = net.createServer((s) => { s.on('data', () => {}); s.on('end', () => s.end()); s.on('error', () => {}); });
await new Promise((r) => quiet.listen(7101, '127.0.0.1', r));
await new Promise((r) => closing.listen(7102, '127.0.0.1', r));
const connect = (port) => new Promise((r) => { const c = net.connect({ host: '127.0.0.1', port }, () => r(c)); c.on('error', () => {}); });
const clients = [];
for (let i = 0; i < ${N}; i++) clients.push(await connect(7101));
clients[0].write(Buffer.alloc(${UNREAD}, 120));
for (let i = 0; i < ${M}; i++) {
  const c = await connect(7102);
  await new Promise((r) => { c.on('close', r); c.end(); });
}
await new Promise((r) => setTimeout(r, 300));
console.log(JSON.stringify({ ready: true }));
setTimeout(() => process.exit(0), 60000);
`;

function procSummary(pid: number): { states: number[]; rx: number; tx: number } {
  const acc = parseProcNetTcp(readFileSync(`/proc/${pid}/net/tcp`, 'utf8'));
  parseProcNetTcp(readFileSync(`/proc/${pid}/net/tcp6`, 'utf8'), acc);
  return acc;
}

/** state name → count, rx, tx from the probe's samples */
async function collect(
  probe: MetricProbe,
  target: Target,
  ctx: ProbeContext,
): Promise<{ states: Map<string, number>; rx: number; tx: number }> {
  await probe.beforeCycle?.(ctx);
  const r = await probe.collect(target, ctx);
  assert.deepEqual(r.problems, []);
  const states = new Map<string, number>();
  let rx = -1;
  let tx = -1;
  for (const s of r.samples) {
    const a = s.attributes;
    if (a['network.connection.state'] !== undefined) {
      assert.equal(a['network.transport'], 'tcp');
      states.set(String(a['network.connection.state']), s.value as number);
    } else if (a['kubeskoop.socket.queue'] === 'receive') rx = s.value as number;
    else if (a['kubeskoop.socket.queue'] === 'send') tx = s.value as number;
  }
  return { states, rx, tx };
}

/** the /proc view in the probe's terms (listening sockets left out, zero states dropped) */
function expected(p: { states: number[]; rx: number; tx: number }): {
  states: Map<string, number>;
  rx: number;
  tx: number;
} {
  const states = new Map<string, number>();
  p.states.forEach((n, st) => {
    if (n > 0 && st !== 10) {
      const name = connectionState(TCP_STATE_BY_NUMBER[st]!);
      states.set(name, (states.get(name) ?? 0) + n);
    }
  });
  return { states, rx: p.rx, tx: p.tx };
}

/** `ss -tanH` in the target's namespace: connections per state (listening sockets left out, as the
 *  probe does) and the Recv-Q / Send-Q sums of those connections. iproute2's names → semconv's. */
const SS_STATE: Readonly<Record<string, string>> = {
  ESTAB: 'established',
  'SYN-SENT': 'syn_sent',
  'SYN-RECV': 'syn_received',
  'FIN-WAIT-1': 'fin_wait_1',
  'FIN-WAIT-2': 'fin_wait_2',
  'TIME-WAIT': 'time_wait',
  UNCONN: 'closed',
  'CLOSE-WAIT': 'close_wait',
  'LAST-ACK': 'last_ack',
  CLOSING: 'closing',
};
async function ssSummary(pid: number): Promise<{ states: Map<string, number>; rx: number; tx: number }> {
  const r = await run('nsenter', ['-t', String(pid), '-n', 'ss', '-tanH'], { timeoutMs: 10_000 });
  assert.equal(r.code, 0, r.stderr);
  const states = new Map<string, number>();
  let rx = 0;
  let tx = 0;
  for (const line of r.stdout.split('\n').filter((l) => l.trim() !== '')) {
    const [st, recvQ, sendQ] = line.trim().split(/\s+/);
    if (st === 'LISTEN') continue;
    const name = SS_STATE[st!];
    assert.ok(name, `ss state ${st}`);
    states.set(name, (states.get(name) ?? 0) + 1);
    rx += Number(recvQ);
    tx += Number(sendQ);
  }
  return { states, rx, tx };
}
const nonZero = (m: Map<string, number>): Map<string, number> => new Map([...m].filter(([, v]) => v > 0));

describe('tcpsummary (real BPF table walk)', function () {
  this.timeout(120_000);
  let native: NativeEventSource;
  const spaces: Netns[] = [];
  const bgs: Background[] = [];
  let savedChild = '';

  before(async () => {
    await ensureHelperBuilt();
    native = new NativeEventSource({ probes: {}, emitEventsOf: new Set(), log: silentLogger });
    await native.start();
    assert.equal(native.helperState().state, 'running', native.helperState().reason);
    savedChild = readFileSync('/proc/sys/net/ipv4/tcp_child_ehash_entries', 'utf8').trim();
  });
  after(async () => {
    for (const b of bgs) await stopBackground(b);
    for (const ns of spaces) await ns.dispose();
    await native?.stop();
    if (savedChild !== '') await run('sysctl', ['-q', '-w', `net.ipv4.tcp_child_ehash_entries=${savedChild}`]);
  });

  async function scenario(label: string): Promise<{ ns: Netns; target: Target }> {
    const ns = await createNetns({ label });
    spaces.push(ns);
    bgs.push(await startNodeIn(ns.name, program, 20_000));
    return { ns, target: { netnsInode: ns.inode, pid: ns.pid, pids: [ns.pid], kind: 'netns', netnsName: ns.name } };
  }

  async function checkAgainstProc(probe: MetricProbe, target: Target, ctx: ProbeContext): Promise<void> {
    // sockets may change state between two reads (none should here): accept either agent read
    const a1 = await collect(probe, target, ctx);
    const p = expected(procSummary(target.pid));
    const q = await ssSummary(target.pid);
    const a2 = await collect(probe, target, ctx);
    const key = (m: Map<string, number>): string => JSON.stringify([...nonZero(m)].sort());
    const same = (a: typeof a1, o: typeof p): boolean =>
      key(a.states) === key(o.states) && a.rx === o.rx && a.tx === o.tx;
    assert.ok(
      same(a1, p) || same(a2, p),
      `agent ${JSON.stringify([[...a1.states], a1.rx, a1.tx])} vs /proc/${target.pid}/net/tcp* ${JSON.stringify([[...p.states], p.rx, p.tx])}`,
    );
    // and against ss: sock_diag, iproute2's state names, none of the project's code
    assert.ok(
      same(a1, q) || same(a2, q),
      `agent ${JSON.stringify([[...a1.states], a1.rx, a1.tx])} vs ss -tan ${JSON.stringify([[...q.states], q.rx, q.tx])}`,
    );
    assert.equal(a1.states.get('established'), 2 * N);
    assert.ok((a1.states.get('time_wait') ?? 0) >= M, `time_wait ${a1.states.get('time_wait')}`);
    assert.equal(a1.rx, UNREAD);
    for (const s of ['established', 'time_wait', 'close_wait', 'syn_sent', 'syn_received'])
      assert.ok(a1.states.has(s), `state ${s} always reported`);
  }

  it("counts per state and queue bytes equal the namespace's /proc/<pid>/net/tcp{,6} (global table)", async () => {
    const { target } = await scenario('tsum');
    const probe = tcpsummary.create({ native });
    const ctx: ProbeContext = { procRoot: '/proc', log: silentLogger, options: { source: 'bpf' } };
    assert.deepEqual(await probe.start!(ctx), { state: 'running' });
    await checkAgainstProc(probe, target, ctx);
    // ss agrees on the established count too
    const ss = await run('ip', ['netns', 'exec', spaces[0]!.name, 'ss', '-tan', 'state', 'established']);
    assert.equal(ss.stdout.trim().split('\n').length - 1, 2 * N);
  });

  it('a namespace with its own table (tcp_child_ehash_entries=1024) is walked too', async () => {
    await run('sysctl', ['-q', '-w', 'net.ipv4.tcp_child_ehash_entries=1024']);
    let made: { target: Target };
    try {
      made = await scenario('tsumchild');
    } finally {
      await run('sysctl', ['-q', '-w', `net.ipv4.tcp_child_ehash_entries=${savedChild}`]);
    }
    const ehash = (
      await run('ip', ['netns', 'exec', spaces[spaces.length - 1]!.name, 'sysctl', '-n', 'net.ipv4.tcp_ehash_entries'])
    ).stdout.trim();
    assert.equal(ehash, '1024', 'the namespace has its own established table');
    const probe = tcpsummary.create({ native });
    const ctx: ProbeContext = { procRoot: '/proc', log: silentLogger, options: { source: 'bpf' } };
    await probe.start!(ctx);
    await checkAgainstProc(probe, made.target, ctx);
  });

  it("through the real agent: /metrics has the namespace's connections per state and queue bytes; without the helper, degraded with the fallback", async () => {
    const dir = tempDir('tsum');
    const cfg = dir.file('c.yaml', 'interval: 300ms\nmetrics:\n  probes: [netdev, tcpsummary]\n');
    const ino = String(spaces[0]!.inode);
    let agent: AgentProcess | undefined;
    try {
      agent = await startAgentProcess({ args: ['-c', cfg] });
      await waitUntil(async () => (await status(agent!)).lastCycle.cycle >= 3, 30_000, '3 cycles');
      assert.equal(
        (await status(agent)).probes.tcpsummary?.state,
        'running',
        JSON.stringify((await status(agent)).probes.tcpsummary),
      );
      const m = await scrape(agent);
      // a plain namespace: kubeskoop.network.connection.count (system.network.connection.count is the host's)
      assert.equal(
        sum(m.samples, 'kubeskoop_network_connection_count', {
          kubeskoop_netns_inode: ino,
          network_connection_state: 'established',
        }),
        2 * N,
      );
      assert.equal(sum(m.samples, 'system_network_connection_count', { kubeskoop_netns_inode: ino }), 0);
      assert.ok(
        sum(m.samples, 'kubeskoop_network_connection_count', {
          kubeskoop_netns_inode: ino,
          network_connection_state: 'time_wait',
        }) >= M,
      );
      assert.equal(
        sum(m.samples, 'kubeskoop_tcp_queue_usage_bytes', {
          kubeskoop_netns_inode: ino,
          kubeskoop_socket_queue: 'receive',
        }),
        UNREAD,
      );
      await agent.stop();
      // no helper: tcpsummary degraded (reading /proc/<pid>/net/tcp instead), netdev untouched
      agent = await startAgentProcess({
        args: ['-c', cfg],
        env: { KUBESKOOP_BPF_HELPER: '/nonexistent/kubeskoop-bpf-helper' },
      });
      await waitUntil(async () => (await status(agent!)).lastCycle.cycle >= 3, 30_000, '3 cycles');
      const st = await status(agent);
      assert.equal(st.probes.tcpsummary?.state, 'degraded');
      assert.match(st.probes.tcpsummary?.reason ?? '', /nonexistent.*fallback|fallback/);
      assert.equal(st.probes.netdev?.state, 'running');
      const m2 = await scrape(agent);
      assert.equal(
        sum(m2.samples, 'kubeskoop_network_connection_count', {
          kubeskoop_netns_inode: ino,
          network_connection_state: 'established',
        }),
        2 * N,
      );
    } finally {
      await agent?.stop();
      dir.dispose();
    }
  });

  it('the procfs fallback gives the same values', async () => {
    const target: Target = { netnsInode: spaces[0]!.inode, pid: spaces[0]!.pid, pids: [spaces[0]!.pid], kind: 'netns' };
    const probe = tcpsummary.create({});
    const ctx: ProbeContext = { procRoot: '/proc', log: silentLogger, options: { fallback_interval: 0 } };
    const st = await probe.start!(ctx);
    assert.equal(st.state, 'degraded');
    assert.match(st.reason ?? '', /not available.*\/proc\/<pid>\/net\/tcp/);
    await checkAgainstProc(probe, target, ctx);
  });
});

// tcphealth on the real kernel: a client namespace joined to two server namespaces by TUN delay
// lines (bpf/tools/tundelay.c; this kernel has no netem) of 10 ms and 30 ms each way, so the two
// peers have known RTTs of 20 ms and 60 ms. The walk's per-peer RTT must match each peer's own
// delay; retransmits made by an nftables `numgen random` drop towards one peer must be counted
// for that peer only and equal what the kernel counted for the namespace (Tcp RetransSegs) and
// what `ss -ti` reads per socket; a listener that never accepts shows its accept queue full.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

import { parseHealthFrame, tcphealth, type HealthRow } from '../../receiver/probes/tcphealth.js';
import type { NativeCounters } from '../../receiver/probes/probe.js';
import type { Target } from '../../receiver/targets/target.js';
import {
  ROOT,
  deleteNs,
  ensureHelperBuilt,
  inNs,
  makeSingle,
  nsName,
  startClient,
  startNodeIn,
  stopBackground,
  type Background,
  type Harness,
} from './support.js';
import { killPid, waitPidGone, waitUntil } from '../support/proc.js';

const TAG = 'h18b';
const TUNDELAY = path.join(ROOT, 'bpf', 'build', 'ksotel-tundelay');
const P36 = process.pid.toString(36);

/** A delay line between namespaces a and b: a = 10.199.<net>.1, b = 10.199.<net>.2. */
async function delayLine(a: string, b: string, net: number, oneWayMs: number, n: number): Promise<ChildProcess> {
  const ifa = `t${P36}${n}a`;
  const ifb = `t${P36}${n}b`;
  const child = spawn(TUNDELAY, [`/run/netns/${a}`, ifa, `/run/netns/${b}`, ifb, String(oneWayMs), '120'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`tundelay exited ${code}: ${err}`)));
  });
  await inNs(a, 'ip', 'addr', 'add', `10.199.${net}.1`, 'peer', `10.199.${net}.2`, 'dev', ifa);
  await inNs(a, 'ip', 'link', 'set', ifa, 'up');
  await inNs(b, 'ip', 'addr', 'add', `10.199.${net}.2`, 'peer', `10.199.${net}.1`, 'dev', ifb);
  await inNs(b, 'ip', 'link', 'set', ifb, 'up');
  return child;
}

const echoServer = `
import net from 'node:net';
const held = [];
net.createServer((s) => { held.push(s); s.on('data', (d) => s.write(d)); s.on('error', () => {}); })
  .listen(8091, '0.0.0.0', () => {
    net.createServer((s) => { held.push(s); s.on('data', () => {}); s.on('error', () => {}); })
      .listen(8092, '0.0.0.0', () => console.log(JSON.stringify({ ready: true })));
  });
setTimeout(() => process.exit(0), 110000);
`;

/** Two connections to each server, 20 ping-pongs each (RTT samples), a 400 KB write to server 1's
 *  sink port; everything stays open. */
const client = `
import net from 'node:net';
const held = [];
const open = (host, port) => new Promise((resolve, reject) => {
  const s = net.connect({ host, port }, () => resolve(s));
  s.on('error', reject);
  held.push(s);
});
const pingpong = async (s) => {
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => { s.once('data', resolve); s.write(Buffer.alloc(100, 1)); });
  }
};
for (const host of ['10.199.184.2', '10.199.185.2']) {
  for (let k = 0; k < 2; k++) await pingpong(await open(host, 8091));
}
const bulk = await open('10.199.184.2', 8092);
await new Promise((resolve) => bulk.write(Buffer.alloc(400 * 1024, 2), resolve));
console.log(JSON.stringify({ ready: true }));
setTimeout(() => process.exit(0), 100000);
`;

const listener = `
import socket, time
# never accepts; bounded by the sleep, killed by pid by the after hook
s = socket.socket()
s.bind(('0.0.0.0', 8093))
s.listen(4)
print('{"ready": true}', flush=True)
time.sleep(100)
`;

/** /proc/net/snmp or netstat value of a namespace */
async function mib(ns: string, file: 'snmp' | 'netstat', prefix: string, name: string): Promise<number> {
  const lines = (await inNs(ns, 'cat', `/proc/net/${file}`)).split('\n').filter((l) => l.startsWith(`${prefix}:`));
  return Number(lines[1]!.split(/\s+/)[lines[0]!.split(/\s+/).indexOf(name)]);
}

/** sum of total_retrans over the namespace's TCP sockets as ss -ti reads them (sock_diag) */
async function ssRetrans(ns: string, dst: string): Promise<number> {
  const out = await inNs(ns, 'ss', '-tinH', 'dst', dst);
  return [...out.matchAll(/retrans:\d+\/(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
}

describe('native tcphealth (real BPF walk, TUN delay lines)', function () {
  this.timeout(180_000);
  let c: { ns: string; inode: number };
  let s1: { ns: string; inode: number };
  let s2: { ns: string; inode: number };
  const lines: ChildProcess[] = [];
  const bg: Background[] = [];
  let h: Harness;

  const rows = async (): Promise<{ peers: HealthRow[]; frame: Record<string, unknown> }> => {
    const frame = await h.client.command('tcpsummary', ['peers']);
    const r = parseHealthFrame(frame);
    assert.deepEqual(r.problems, []);
    return { peers: r.peers, frame };
  };
  const row = (peers: HealthRow[], ns: number, addr: string, port: number, role = 'active'): HealthRow | undefined =>
    peers.find((r) => r.netnsInode === ns && r.address === addr && r.port === port && r.role === role);

  before(async () => {
    await ensureHelperBuilt();
    c = await makeSingle(`${TAG}-c`);
    s1 = await makeSingle(`${TAG}-s1`);
    s2 = await makeSingle(`${TAG}-s2`);
    lines.push(await delayLine(c.ns, s1.ns, 184, 10, 1));
    lines.push(await delayLine(c.ns, s2.ns, 185, 30, 2));
    h = await startClient({ probes: {} });
  });
  after(async () => {
    for (const b of bg) await stopBackground(b);
    for (const l of lines) {
      if (l.pid && l.exitCode === null) {
        killPid(l.pid, 'SIGKILL');
        await waitPidGone(l.pid, 3000);
      }
    }
    await h?.client.stop();
    await deleteNs(nsName(`${TAG}-c`), nsName(`${TAG}-s1`), nsName(`${TAG}-s2`));
  });

  it('RTT per peer: 20 ms and 60 ms delay lines, each within 20 % on its own peer, on both sides', async () => {
    bg.push(await startNodeIn(s1.ns, echoServer));
    bg.push(await startNodeIn(s2.ns, echoServer));
    bg.push(await startNodeIn(c.ns, client, 60_000));
    const { peers } = await rows();
    const near = (v: number, want: number): boolean => v >= want * 0.8 && v <= want * 1.2;
    for (const [addr, want] of [
      ['10.199.184.2', 20_000],
      ['10.199.185.2', 60_000],
    ] as const) {
      const r = row(peers, c.inode, addr, 8091);
      assert.ok(
        r,
        `a row for ${addr}:8091 in the client namespace: ${JSON.stringify(peers.filter((x) => x.netnsInode === c.inode))}`,
      );
      assert.equal(r.full, 2);
      assert.equal(r.states[1], 2, 'two established');
      assert.equal(r.rttSockets, 2);
      const mean = r.srttSumUs / r.rttSockets;
      const seen = `mean srtt ${mean} µs (min ${r.srttMinUs}, max ${r.srttMaxUs}), min_rtt ${r.minRttUs} µs`;
      assert.ok(near(mean, want), `${addr}: ${seen}; want ${want} ± 20 %`);
      assert.ok(near(r.minRttUs, want), `${addr}: min_rtt ${r.minRttUs} µs, want ${want} ± 20 %`);
      assert.equal(
        r.rttBuckets.reduce((a, b) => a + b, 0),
        2,
      );
    }
    // the server side sees the client as a passive peer of its port, with the same RTT
    const back = row(peers, s2.inode, '10.199.185.1', 8091, 'passive');
    assert.ok(back, JSON.stringify(peers.filter((x) => x.netnsInode === s2.inode)));
    assert.ok(near(back.srttSumUs / back.rttSockets, 60_000), `server side srtt ${back.srttSumUs / back.rttSockets}`);
    // no ephemeral port became a key
    assert.ok(peers.filter((x) => x.netnsInode === c.inode).every((x) => [8091, 8092].includes(x.port)));
  });

  it('retransmits: a 5 % nftables drop towards one peer counts for that peer only, equal to RetransSegs and ss -ti', async () => {
    // a fresh namespace's counters start at 0; every TCP socket of it is still open
    const before = await mib(c.ns, 'snmp', 'Tcp', 'RetransSegs');
    assert.equal(before, 0, 'no retransmit before the drop rule');
    // the row of peer:8092 already holds the first bulk connection: what the new one adds is counted from here
    const bulkRow = row((await rows()).peers, c.inode, '10.199.184.2', 8092);
    assert.ok(bulkRow, 'the bulk connection to 10.199.184.2:8092');
    const t = `t${TAG}`;
    // dropped on the server's input: the client's output carries GSO packets of up to 64 KiB, the
    // server receives them as the delay line wrote them (one segment each)
    await inNs(
      s1.ns,
      'nft',
      `add table inet ${t}; add chain inet ${t} in { type filter hook input priority 0; }; add rule inet ${t} in ip saddr 10.199.184.1 tcp dport 8092 numgen random mod 100 < 5 drop`,
    );
    const more = await startNodeIn(
      c.ns,
      `
import net from 'node:net';
const s = net.connect({ host: '10.199.184.2', port: 8092 }, () => {
  s.write(Buffer.alloc(600 * 1024, 3), () => console.log(JSON.stringify({ ready: true })));
});
setTimeout(() => process.exit(0), 100000);
`,
      60_000,
    );
    bg.push(more);
    // wait until every byte of the new connection is acknowledged: only then have its drops all been
    // found and retransmitted (the counts can agree mid-transfer, before a drop is noticed)
    const settled = await waitUntil(
      async () => {
        const { peers } = await rows();
        const r = row(peers, c.inode, '10.199.184.2', 8092);
        const ss = await ssRetrans(c.ns, '10.199.184.2');
        const kernel = await mib(c.ns, 'snmp', 'Tcp', 'RetransSegs');
        const ours = peers.filter((x) => x.netnsInode === c.inode).reduce((a, x) => a + x.retrans, 0);
        const acked = r !== undefined && r.bytesAcked >= bulkRow.bytesAcked + 600 * 1024;
        return r && acked && r.lost === 0 && ours === kernel && ours === ss && ours > 0
          ? { r, peers, ours }
          : undefined;
      },
      60_000,
      'all acknowledged, and retransmits counted the same by the walk, ss -ti and Tcp RetransSegs',
      500,
    ).catch(async (e: Error) => {
      const { peers } = await rows();
      throw new Error(
        `${e.message}: kernel ${await mib(c.ns, 'snmp', 'Tcp', 'RetransSegs')}, ss ${await ssRetrans(c.ns, '10.199.184.2')}, rows ${JSON.stringify(peers.filter((x) => x.netnsInode === c.inode).map((x) => [x.address, x.port, x.retrans, x.segsOut, x.lost, x.bytesAcked]))}`,
      );
    });
    assert.equal(row(settled.peers, c.inode, '10.199.185.2', 8091)!.retrans, 0, 'the other peer: none');
    assert.equal(row(settled.peers, c.inode, '10.199.184.2', 8091)!.retrans, 0, 'the same peer, another port: none');
    const ratio = settled.r.retrans / (settled.r.segsOut - bulkRow.segsOut);
    assert.ok(ratio > 0.01 && ratio < 0.15, `loss ratio ${ratio}`);
    assert.ok(settled.r.busyUs > 0, 'the bulk sender was busy');
  });

  it('accept queue: a listener with backlog 4 that never accepts is full; ListenOverflows grows', async () => {
    const py = spawn('ip', ['netns', 'exec', s2.ns, 'python3', '-c', listener], { stdio: ['ignore', 'pipe', 'pipe'] });
    lines.push(py);
    await new Promise<void>((resolve, reject) => {
      py.stdout!.once('data', () => resolve());
      py.once('exit', (code) => reject(new Error(`listener exited ${code}`)));
    });
    const overflowsBefore = await mib(s2.ns, 'netstat', 'TcpExt', 'ListenOverflows');
    bg.push(
      await startNodeIn(
        c.ns,
        `
import net from 'node:net';
const held = [];
for (let i = 0; i < 10; i++) { const s = net.connect({ host: '10.199.185.2', port: 8093 }); s.on('error', () => {}); held.push(s); }
console.log(JSON.stringify({ ready: true }));
setTimeout(() => process.exit(0), 100000);
`,
      ),
    );
    const l = await waitUntil(
      async () => {
        const f = parseHealthFrame(await h.client.command('tcpsummary', ['peers']));
        const x = f.listeners.find((y) => y.netnsInode === s2.inode && y.port === 8093);
        return x && x.backlog === 5 ? x : undefined;
      },
      20_000,
      'the accept queue full',
      200,
    );
    // the kernel's rule: full when sk_ack_backlog > sk_max_ack_backlog, so it holds backlog + 1
    assert.deepEqual([l.sockets, l.backlog, l.maxBacklog, l.family], [1, 5, 4, 'ipv4']);
    await waitUntil(
      async () => (await mib(s2.ns, 'netstat', 'TcpExt', 'ListenOverflows')) > overflowsBefore || undefined,
      10_000,
      'ListenOverflows to grow',
    );
  });

  it('what limits sending: a slow reader with a small receive buffer (receive_window), a small send buffer over 60 ms (send_buffer)', async () => {
    // S1: a reader with a 4 KiB receive buffer taking 1 KiB every 100 ms; S2: a fast reader
    const reader = `
import socket, sys, time
port, pause = int(sys.argv[1]), float(sys.argv[2])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096 if pause else 1 << 20)
s.bind(('0.0.0.0', port))
s.listen(4)
s.settimeout(60)
a, _ = s.accept()
end = time.time() + 60
while time.time() < end and a.recv(1024 if pause else 1 << 16):
    time.sleep(pause)
`;
    // ip netns exec execs python: the pid is the reader's own, killed by the after hook
    const readers = [
      spawn('ip', ['netns', 'exec', s1.ns, 'python3', '-c', reader, '8094', '0.1'], { stdio: 'ignore' }),
      spawn('ip', ['netns', 'exec', s2.ns, 'python3', '-c', reader, '8095', '0'], { stdio: 'ignore' }),
    ];
    lines.push(...readers);
    await waitUntil(
      async () =>
        (await inNs(s1.ns, 'ss', '-ltnH', 'sport', '= :8094')).includes('8094') &&
        (await inNs(s2.ns, 'ss', '-ltnH', 'sport', '= :8095')).includes('8095')
          ? true
          : undefined,
      10_000,
      'the two readers listening',
    );
    // C: a sender to each, the second with a 4 KiB send buffer; both bounded to 60 s
    const senders = spawn(
      'ip',
      [
        'netns',
        'exec',
        c.ns,
        'python3',
        '-c',
        `
import socket, threading, time
def send(host, port, sndbuf):
    s = socket.socket()
    if sndbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
    s.connect((host, port))
    s.settimeout(1)
    end = time.time() + 60
    while time.time() < end:
        try:
            s.send(b'x' * 65536)
        except socket.timeout:
            pass
for a in (('10.199.184.2', 8094, 0), ('10.199.185.2', 8095, 4096)):
    threading.Thread(target=send, args=a, daemon=True).start()
time.sleep(60)
`,
      ],
      { stdio: 'ignore' },
    );
    lines.push(senders);
    const share = (r: HealthRow | undefined, f: (x: HealthRow) => number): number =>
      r && r.busyUs > 0 ? f(r) / r.busyUs : 0;
    const got = await waitUntil(
      async () => {
        const { peers } = await rows();
        const slow = row(peers, c.inode, '10.199.184.2', 8094);
        const small = row(peers, c.inode, '10.199.185.2', 8095);
        return slow && small && slow.busyUs > 2e6 && small.busyUs > 2e6 ? { slow, small } : undefined;
      },
      30_000,
      'two seconds of busy time on both senders',
      500,
    );
    const rw = share(got.slow, (x) => x.rwndUs);
    const sb = share(got.small, (x) => x.sndbufUs);
    const detail = JSON.stringify([got.slow, got.small].map((x) => [x.port, x.busyUs, x.rwndUs, x.sndbufUs]));
    assert.ok(rw > 0.5, `slow reader: receive_window share ${rw}: ${detail}`);
    assert.ok(share(got.slow, (x) => x.sndbufUs) < 0.5, detail);
    assert.ok(sb > 0.5, `small send buffer: send_buffer share ${sb}: ${detail}`);
    assert.ok(share(got.small, (x) => x.rwndUs) < 0.5, detail);
  });

  it('the probe: peers named by the peer layer, RTT histogram, accept queue samples', async () => {
    const native: NativeCounters = {
      refreshCounters: async () => undefined,
      counts: () => [],
      probeStatus: () => ({ state: 'running' }),
      helperCommand: (verb, args) => h.client.command(verb, args),
    };
    const probe = tcphealth.create({
      native,
      peers: { pod: (a) => (a === '10.199.184.2' ? { name: 'backend-0', namespace: 'shop' } : undefined) },
    });
    const ctx = { procRoot: '/proc', log: console as never, options: {} };
    await probe.start!({ ...ctx, options: { cidrs: [{ cidr: '10.199.185.0/24', name: 'far' }] } });
    await probe.beforeCycle!(ctx);
    const target = (inode: number): Target => ({ netnsInode: inode, pid: 0, pids: [], kind: 'netns' }) as Target;
    const samples = (await probe.collect(target(c.inode), ctx)).samples;
    const rtt = samples.filter((x) => x.metric.name === 'kubeskoop.tcp.rtt' && x.attributes['server.port'] === 8091);
    const byName = Object.fromEntries(
      rtt.map((x) => [
        `${String(x.attributes['kubeskoop.peer.kind'])}:${String(x.attributes['kubeskoop.peer.name'])}`,
        x.value as { count: number; sum: number },
      ]),
    );
    assert.deepEqual(Object.keys(byName).sort(), ['cidr:far', 'pod:backend-0']);
    assert.equal(byName['pod:backend-0']!.count, 2);
    const mean = byName['cidr:far']!.sum / byName['cidr:far']!.count;
    assert.ok(mean > 0.048 && mean < 0.072, `far mean ${mean}`);
    const q = (await probe.collect(target(s2.inode), ctx)).samples.filter(
      (x) => x.metric.name.startsWith('kubeskoop.tcp.accept_queue') && x.attributes['server.port'] === 8093,
    );
    assert.deepEqual(q.map((x) => [x.metric.name, x.value]).sort(), [
      ['kubeskoop.tcp.accept_queue.count', 5],
      ['kubeskoop.tcp.accept_queue.limit', 4],
    ]);
  });
});

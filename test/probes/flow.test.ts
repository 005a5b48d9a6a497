// flow on the real kernel: two namespaces joined by a veth, the tc (tcx) programs attached by the
// native helper through the probe's own cycle (collect → next cycle attaches → dump), real traffic
// of known size, and the per-peer series compared with what the kernel says independently:
// exact header arithmetic for UDP (IPv4 and IPv6), nftables counters in the receiving namespace for
// a byte-exact TCP transfer, a redirecting tc program installed as a CNI would, many short
// connections, and namespaces that come and go.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';

import { NativeEventSource } from '../../receiver/events/native-source.js';
import { flow, type FlowProbe } from '../../receiver/probes/flow.js';
import type { MetricProbe, ProbeContext } from '../../receiver/probes/probe.js';
import type { Target } from '../../receiver/targets/target.js';
import { silentLogger } from '../../receiver/log.js';
import { PodWatch } from '../../receiver/targets/kubernetes.js';
import { NodeWatch, ServiceWatch } from '../../receiver/peers/services.js';
import { WatchedPeerDirectory } from '../../receiver/peers/directory.js';
import { TestApiServer } from '../identity/apiserver.js';
import { cycle } from '../support/probe-cycle.js';
import {
  flowEntries,
  nftCounters,
  readNft,
  rows,
  tcpClient,
  tcpSink,
  udpSink,
  type Row,
} from '../support/flow-traffic.js';
import { killPid, waitUntil } from '../support/proc.js';
import {
  ROOT,
  deleteNs,
  ensureHelperBuilt,
  inNs,
  helperTcxLinks,
  makeHostPair,
  makePair,
  nodeIn,
  sh,
  startNodeIn,
  udpFlood,
  UDPFLOOD,
  type NsPair,
} from '../native/support.js';

const REDIRECT_OBJ = path.join(ROOT, 'bpf', 'build', 'flow-redirect.bpf.o');
const vethOf = (p: NsPair, side: 'a' | 'b'): string =>
  `k${process.pid.toString(36)}n${p.a.endsWith('-a') ? pairN.get(p.a) : 0}${side}`;
const pairN = new Map<string, number>();

async function pair(tag: string, n: number, ipv6 = true): Promise<NsPair> {
  const p = await makePair(tag, n, { ipv6 });
  pairN.set(p.a, n);
  return p;
}

/** a process kept in each test namespace: a target is read through /proc/<pid>/net */
const keepers = new Map<string, ChildProcess>();
function keeper(ns: string): number {
  let c = keepers.get(ns);
  if (!c) {
    c = spawn('ip', ['netns', 'exec', ns, 'sleep', '600'], { stdio: 'ignore' });
    keepers.set(ns, c);
  }
  return c.pid!;
}
async function target(ns: string, inode: number): Promise<Target> {
  const pid = keeper(ns);
  await waitUntil(
    async () => (await stat(`/proc/${pid}/ns/net`).catch(() => undefined))?.ino === inode,
    5000,
    `a process in ${ns}`,
  );
  return { netnsInode: inode, pid, pids: [pid], kind: 'netns', netnsName: ns };
}

describe('flow (tc programs on real veths, per-peer series)', function () {
  this.timeout(180_000);
  let native: NativeEventSource;
  const made: string[] = [];

  before(async () => {
    await ensureHelperBuilt();
    native = new NativeEventSource({ probes: {}, emitEventsOf: new Set(), log: silentLogger, helperCommands: true });
    await native.start();
  });
  after(async () => {
    await native?.stop();
    for (const c of keepers.values()) killPid(c.pid, 'SIGKILL');
    for (const ns of made) await deleteNs(ns).catch(() => undefined);
  });

  async function setup(
    tag: string,
    n: number,
    options: Record<string, unknown> = {},
    ipv6 = true,
  ): Promise<{ p: NsPair; probe: MetricProbe; ctx: ProbeContext; targets: Target[] }> {
    const p = await pair(tag, n, ipv6);
    made.push(p.a, p.b);
    const probe = flow.create({ native });
    const ctx: ProbeContext = { procRoot: '/proc', log: silentLogger, options };
    assert.deepEqual(await probe.start!(ctx), { state: 'running' });
    const targets = [await target(p.a, p.aInode), await target(p.b, p.bInode)];
    await cycle(probe, ctx, targets); // sees the interfaces
    await cycle(probe, ctx, targets); // attaches them
    assert.deepEqual(probe.status!(), { state: 'running' });
    return { p, probe, ctx, targets };
  }

  it("UDP over IPv4 and IPv6: exact bytes (frame = payload + UDP + IP + Ethernet) and packets per peer, server port the listener's", async () => {
    const { p, probe, ctx, targets } = await setup('fudp', 217);
    try {
      const N = 40,
        SIZE = 300,
        PORT = 5301;
      for (const [src, dst] of [
        [p.a4, p.b4],
        [p.a6, p.b6],
      ] as const) {
        const sink = await startNodeIn(p.b, udpSink(dst, PORT, N));
        const sent = await udpFlood(p.a, dst, PORT, N, 10, SIZE);
        assert.equal(sent.sent, N);
        await sink.done;
        const r = await cycle(probe, ctx, targets);
        const ipHdr = dst.includes(':') ? 40 : 20;
        const frame = SIZE + 8 + ipHdr + 14;
        const tx = rows(r.get(p.aInode)!).get(`transmit|udp|${dst}|${PORT}`);
        const rx = rows(r.get(p.bInode)!).get(`receive|udp|${src}|${PORT}`);
        assert.ok(tx && rx, `series for ${src} → ${dst}: ${[...rows(r.get(p.aInode)!).keys()]}`);
        assert.deepEqual([tx.packets, tx.bytes], [N, N * frame]);
        assert.deepEqual([rx.packets, rx.bytes], [N, N * frame]);
        assert.equal(tx.attributes['kubeskoop.peer.role'], 'server');
        assert.equal(rx.attributes['kubeskoop.peer.role'], 'client');
        assert.equal(tx.attributes['network.type'], dst.includes(':') ? 'ipv6' : 'ipv4');
        assert.equal(tx.attributes['network.interface.name'], vethOf(p, 'a'));
      }
    } finally {
      await probe.stop!();
    }
  });

  it('a byte-exact TCP transfer: bytes and packets per peer equal the nftables counters of the same namespace (+14 B Ethernet per packet), IPv4 and IPv6', async () => {
    const { p, probe, ctx, targets } = await setup('ftcp', 218);
    try {
      const BYTES = 3_000_000,
        PORT4 = 8081,
        PORT6 = 8082;
      for (const [src, dst, port] of [
        [p.a4, p.b4, PORT4],
        [p.a6, p.b6, PORT6],
      ] as const) {
        await sh('ip', 'netns', 'exec', p.b, 'nft', 'delete table inet ksflow').catch(() => undefined);
        await nftCounters(p.b, dst.includes(':'), src, port);
        const srv = await startNodeIn(p.b, tcpSink(dst, port, 1));
        await nodeIn(p.a, tcpClient(dst, port, 1, BYTES), 30_000);
        const got = await srv.done;
        assert.equal(got.bytes, BYTES);
        const r = await cycle(probe, ctx, targets);
        const nft = await readNft(p.b);
        const rx = rows(r.get(p.bInode)!).get(`receive|tcp|${src}|${port}`)!;
        const tx = rows(r.get(p.bInode)!).get(`transmit|tcp|${src}|${port}`)!;
        assert.ok(rx && tx, `series in b: ${[...rows(r.get(p.bInode)!).keys()]}`);
        assert.deepEqual([rx.packets, rx.bytes], [nft.in.packets, nft.in.bytes + 14 * nft.in.packets]);
        assert.deepEqual([tx.packets, tx.bytes], [nft.out.packets, nft.out.bytes + 14 * nft.out.packets]);
        assert.ok(rx.bytes > BYTES, 'the payload is inside the received bytes');
        assert.equal(rx.attributes['kubeskoop.peer.role'], 'client', 'the peer connected to us: the port is ours');
        // the client's side: the same connection, one series per direction, port = the server's
        const ctx2 = rows(r.get(p.aInode)!).get(`transmit|tcp|${dst}|${port}`)!;
        assert.equal(ctx2.attributes['kubeskoop.peer.role'], 'server');
        assert.equal(ctx2.packets, rx.packets);
        assert.equal(ctx2.bytes, rx.bytes);
      }
    } finally {
      await probe.stop!();
    }
  });

  it("IPv4 fragments after the flow's own packets: the first fragment is the flow's, the later ones count without a port even when their first bytes spell the flow's ports (the cached short way checks the offset)", async () => {
    const { p, probe, ctx, targets } = await setup('ffrag', 225, {}, false);
    try {
      const N = 20,
        SMALL = 64,
        BIG = 3000, // 3008 B of IP payload at MTU 1500: fragments of 1480, 1480 and 48 B
        PORT = 5310,
        SPORT = 40310;
      const sink = await startNodeIn(p.b, udpSink(p.b4, PORT, 2 * N));
      // small and big datagrams in turn from one socket: the small one puts the tuple in the
      // per-CPU cache, and each later fragment's first 4 bytes are the tuple's port bytes
      await nodeIn(
        p.a,
        `
import dgram from 'node:dgram';
const s = dgram.createSocket('udp4');
const big = Buffer.alloc(${BIG}, 0x6b);
for (const at of [1472, 2952]) { big.writeUInt16BE(${SPORT}, at); big.writeUInt16BE(${PORT}, at + 2); }
const send = (b) => new Promise((ok, no) => s.send(b, ${PORT}, '${p.b4}', (e) => (e ? no(e) : ok())));
s.bind(${SPORT}, '${p.a4}', async () => {
  for (let i = 0; i < ${N}; i++) { await send(Buffer.alloc(${SMALL}, 0x6b)); await send(big); }
  console.log(JSON.stringify({ sent: ${2 * N} }));
  s.close();
});
`,
      );
      assert.equal((await sink.done).received, 2 * N);
      const r = await cycle(probe, ctx, targets);
      const first = (SMALL + 8 + 20 + 14) * N + 1514 * N; // the small datagrams and the first fragments
      const later = { packets: 2 * N, bytes: (1514 + (48 + 20 + 14)) * N };
      for (const [inode, dir] of [
        [p.aInode, 'transmit'],
        [p.bInode, 'receive'],
      ] as const) {
        const got = rows(r.get(inode)!);
        const own = got.get(`${dir}|udp|${inode === p.aInode ? p.b4 : p.a4}|${PORT}`);
        const rest = got.get(`${dir}|udp|${inode === p.aInode ? p.b4 : p.a4}|`);
        assert.ok(own && rest, `${dir} series: ${[...got.keys()]}`);
        assert.deepEqual([own.packets, own.bytes], [2 * N, first], `${dir}: the flow's own packets`);
        assert.deepEqual([rest.packets, rest.bytes], [later.packets, later.bytes], `${dir}: the later fragments`);
      }
    } finally {
      await probe.stop!();
    }
  });

  it("IPv6 tuples that differ only past the addresses' first 8 bytes, sent in turn from one port: each its own exact series (the cached short way compares every address word)", async () => {
    const { p, probe, ctx, targets } = await setup('fsix', 226);
    try {
      const N = 30,
        SIZE = 100,
        PORT = 5320,
        SPORT = 40320;
      const a6b = p.a6.replace(/::1$/, '::3'); // the same /64, the same first 8 bytes
      await inNs(p.a, 'ip', '-6', 'addr', 'add', `${a6b}/64`, 'dev', vethOf(p, 'a'), 'nodad');
      const sink = await startNodeIn(p.b, udpSink(p.b6, PORT, 2 * N));
      await nodeIn(
        p.a,
        `
import dgram from 'node:dgram';
const one = (addr) => new Promise((ok) => { const s = dgram.createSocket('udp6'); s.bind(${SPORT}, addr, () => ok(s)); });
const [s1, s2] = await Promise.all([one('${p.a6}'), one('${a6b}')]);
const send = (s) => new Promise((ok, no) => s.send(Buffer.alloc(${SIZE}, 1), ${PORT}, '${p.b6}', (e) => (e ? no(e) : ok())));
for (let i = 0; i < ${N}; i++) { await send(s1); await send(s2); }
console.log(JSON.stringify({ sent: ${2 * N} }));
s1.close(); s2.close();
`,
      );
      assert.equal((await sink.done).received, 2 * N);
      const r = await cycle(probe, ctx, targets);
      const frame = SIZE + 8 + 40 + 14;
      for (const src of [p.a6, a6b]) {
        const rx = rows(r.get(p.bInode)!).get(`receive|udp|${src}|${PORT}`);
        const tx = rows(r.get(p.aInode)!).get(`transmit|udp|${p.b6}|${PORT}`);
        assert.ok(rx && tx, `series: ${[...rows(r.get(p.bInode)!).keys()]}`);
        assert.deepEqual([rx.packets, rx.bytes], [N, N * frame], `from ${src}`);
      }
    } finally {
      await probe.stop!();
    }
  });

  it('10,000 short connections (ephemeral ports) collapse into one series per direction; enablePortInLabel: false drops the port', async () => {
    const { p, probe, ctx, targets } = await setup('fmany', 219, {}, false);
    try {
      const N = 10_000,
        PORT = 8090;
      const srv = await startNodeIn(p.b, tcpSink(p.b4, PORT, N));
      const c = await nodeIn(p.a, tcpClient(p.b4, PORT, N, 100), 60_000);
      assert.equal(c.done, N);
      await srv.done;
      const r = await cycle(probe, ctx, targets);
      const tcpA = [...rows(r.get(p.aInode)!).entries()].filter(([k]) => k.includes('|tcp|'));
      assert.deepEqual(tcpA.map(([k]) => k).sort(), [`receive|tcp|${p.b4}|${PORT}`, `transmit|tcp|${p.b4}|${PORT}`]);
      const tx = tcpA.find(([k]) => k.startsWith('transmit'))![1];
      assert.ok(tx.packets >= 4 * N, `at least SYN, data, FIN, ACK per connection: ${tx.packets}`);
    } finally {
      await probe.stop!();
    }
    const noPort = flow.create({ native });
    const ctx2: ProbeContext = { procRoot: '/proc', log: silentLogger, options: { enablePortInLabel: false } };
    await noPort.start!(ctx2);
    const both = [await target(p.a, p.aInode), await target(p.b, p.bInode)];
    try {
      await cycle(noPort, ctx2, both);
      await cycle(noPort, ctx2, both);
      const srv = await startNodeIn(p.b, tcpSink(p.b4, 8091, 20));
      await nodeIn(p.a, tcpClient(p.b4, 8091, 20, 100));
      await srv.done;
      const r = await cycle(noPort, ctx2, both);
      const keys = [...rows(r.get(p.aInode)!).keys()].filter((k) => k.includes('|tcp|'));
      assert.deepEqual(keys.sort(), [`receive|tcp|${p.b4}|`, `transmit|tcp|${p.b4}|`]);
    } finally {
      await noPort.stop!();
    }
  });

  it("attach: host — on the host end of the pod's veth (its iflink): the same byte-exact UDP and TCP series as inside the pod, IPv4 and IPv6; a removed pod's links leave the host interface, and so do a deleted namespace's", async () => {
    const helperPid = (native.helperStatus() as { pid?: number }).pid!;
    const h = await makeHostPair('fhost', 223);
    made.push(h.ns);
    const hostIfindex = Number((await readFile(`/sys/class/net/${h.host}/ifindex`, 'utf8')).trim());
    const selfNs = (await stat('/proc/self/ns/net')).ino;
    const t = await target(h.ns, h.inode);
    const N = 30,
      SIZE = 200,
      BYTES = 1_000_000;
    for (const attach of ['pod', 'host'] as const) {
      const probe = flow.create({ native });
      const ctx: ProbeContext = { procRoot: '/proc', log: silentLogger, options: { attach } };
      try {
        assert.deepEqual(await probe.start!(ctx), { state: 'running' });
        await cycle(probe, ctx, [t]);
        await cycle(probe, ctx, [t]);
        assert.deepEqual(probe.status!(), { state: 'running' });
        const onHost = (await helperTcxLinks(helperPid)).filter((l) => l.ifindex === hostIfindex).length;
        assert.equal(onHost, attach === 'host' ? 2 : 0, `${attach}: tcx links on the host end ${h.host}`);
        for (const [hostAddr, podAddr, port] of [
          [h.h4, h.p4, 5401],
          [h.h6, h.p6, 5402],
        ] as const) {
          // UDP from the node to the pod: exact frames
          const sink = await startNodeIn(h.ns, udpSink(podAddr, port, N));
          const sent = JSON.parse(await sh(UDPFLOOD, podAddr, String(port), String(N), '10', String(SIZE))) as {
            sent: number;
          };
          assert.equal(sent.sent, N);
          await sink.done;
          const frame = SIZE + 8 + (podAddr.includes(':') ? 40 : 20) + 14;
          const r = rows((await cycle(probe, ctx, [t])).get(h.inode)!);
          const rx = r.get(`receive|udp|${hostAddr}|${port}`);
          assert.ok(rx, `${attach}: series ${[...r.keys()]}`);
          assert.deepEqual([rx.packets, rx.bytes], [N, N * frame], `${attach}: UDP to ${podAddr}`);
          assert.equal(rx.attributes['network.interface.name'], h.pod, "the pod's interface, on either side");
          assert.equal(rx.attributes['network.local.address'], podAddr);
          // a byte-exact TCP transfer from the node: equal to the pod's own nftables counters
          const tport = port + 100;
          await sh('ip', 'netns', 'exec', h.ns, 'nft', 'delete table inet ksflow').catch(() => undefined);
          await nftCounters(h.ns, podAddr.includes(':'), hostAddr, tport);
          const srv = await startNodeIn(h.ns, tcpSink(podAddr, tport, 1));
          await sh(process.execPath, '--input-type=module', '-e', tcpClient(podAddr, tport, 1, BYTES));
          assert.equal((await srv.done).bytes, BYTES);
          const r2 = rows((await cycle(probe, ctx, [t])).get(h.inode)!);
          const nft = await readNft(h.ns);
          const trx = r2.get(`receive|tcp|${hostAddr}|${tport}`)!;
          const ttx = r2.get(`transmit|tcp|${hostAddr}|${tport}`)!;
          assert.ok(trx && ttx, `${attach}: TCP series ${[...r2.keys()]}`);
          assert.deepEqual(
            [trx.packets, trx.bytes],
            [nft.in.packets, nft.in.bytes + 14 * nft.in.packets],
            `${attach} rx`,
          );
          assert.deepEqual(
            [ttx.packets, ttx.bytes],
            [nft.out.packets, nft.out.bytes + 14 * nft.out.packets],
            `${attach} tx`,
          );
          assert.equal(trx.attributes['kubeskoop.peer.role'], 'client');
        }
        if (attach === 'host') {
          // the pod is no longer a target: its links leave the host interface
          await cycle(probe, ctx, []);
          await cycle(probe, ctx, []);
          assert.equal((await helperTcxLinks(helperPid)).filter((l) => l.ifindex === hostIfindex).length, 0);
          // back, then its namespace deleted (the veth goes with it): nothing is left in the helper
          await cycle(probe, ctx, [t]);
          await cycle(probe, ctx, [t]);
          assert.equal((await helperTcxLinks(helperPid)).filter((l) => l.ifindex === hostIfindex).length, 2);
          killPid(keepers.get(h.ns)!.pid, 'SIGKILL');
          keepers.delete(h.ns);
          await deleteNs(h.ns);
          await waitUntil(
            async () => !(await readdir('/sys/class/net')).includes(h.host),
            10_000,
            'the host end deleted with the namespace',
          );
          await cycle(probe, ctx, []);
          const d = await native.helperCommand('flow', ['dump', 'all']);
          assert.equal(d.attached, 0);
          assert.equal((await helperTcxLinks(helperPid)).length, 0, 'no tcx link held');
          assert.equal(
            flowEntries(d).filter((e) => e.ifindex === hostIfindex && e.netnsInode === selfNs).length,
            0,
            "the host end's entries deleted",
          );
        }
      } finally {
        await probe.stop!();
      }
    }
  });

  it('host_interfaces: a node interface in the host namespace is counted for the node (the host target, no pod): exact UDP frames both ways', async () => {
    const h = await makeHostPair('fnode', 224);
    made.push(h.ns);
    const selfNs = (await stat('/proc/self/ns/net')).ino;
    const node: Target = { netnsInode: selfNs, pid: process.pid, pids: [process.pid], kind: 'host' };
    const probe = flow.create({ native });
    const ctx: ProbeContext = { procRoot: '/proc', log: silentLogger, options: { host_interfaces: [h.host] } };
    try {
      assert.deepEqual(await probe.start!(ctx), { state: 'running' });
      await cycle(probe, ctx, [node]);
      await cycle(probe, ctx, [node]);
      assert.deepEqual(probe.status!(), { state: 'running' });
      const N = 25,
        SIZE = 120,
        PORT = 5501;
      const sink = await startNodeIn(h.ns, udpSink(h.p4, PORT, N));
      const sent = JSON.parse(await sh(UDPFLOOD, h.p4, String(PORT), String(N), '10', String(SIZE))) as {
        sent: number;
      };
      assert.equal(sent.sent, N);
      await sink.done;
      const r = rows((await cycle(probe, ctx, [node])).get(selfNs)!);
      const tx = r.get(`transmit|udp|${h.p4}|${PORT}`);
      assert.ok(tx, `node series: ${[...r.keys()]}`);
      assert.deepEqual([tx.packets, tx.bytes], [N, N * (SIZE + 8 + 20 + 14)]);
      assert.equal(tx.attributes['network.interface.name'], h.host);
      assert.equal(tx.attributes['network.local.address'], h.h4);
      // and the pod's answer traffic the other way: a UDP exchange from the pod to the node's address
      const back = await startNodeIn('host', udpSink(h.h4, PORT + 1, N));
      assert.equal((await udpFlood(h.ns, h.h4, PORT + 1, N, 10, SIZE)).sent, N);
      await back.done;
      const rx = rows((await cycle(probe, ctx, [node])).get(selfNs)!).get(`receive|udp|${h.p4}|${PORT + 1}`);
      assert.ok(rx);
      assert.deepEqual([rx.packets, rx.bytes], [N, N * (SIZE + 8 + 20 + 14)]);
    } finally {
      await probe.stop!();
    }
  });

  it('a redirecting tc program installed after ours (clsact, as a CNI would) does not hide the traffic', async () => {
    const { p, probe, ctx, targets } = await setup('fredir', 220, {}, false);
    try {
      // the redirect target: a veth made inside the namespace with ifindex 50 (the program's target)
      // whose other end is down, so what goes there is dropped (this kernel has no dummy device)
      await inNs(p.b, 'ip', 'link', 'add', 'ksr0', 'index', '50', 'type', 'veth', 'peer', 'name', 'ksr1');
      await inNs(p.b, 'ip', 'link', 'set', 'ksr0', 'up');
      const idx = JSON.parse(await inNs(p.b, 'ip', '-j', 'link', 'show', 'ksr0')) as { ifindex: number }[];
      assert.equal(idx[0]?.ifindex, 50, 'the redirect target must be ifindex 50');
      const dev = vethOf(p, 'b');
      await inNs(p.b, 'tc', 'qdisc', 'add', 'dev', dev, 'clsact');
      await inNs(
        p.b,
        'tc',
        'filter',
        'add',
        'dev',
        dev,
        'ingress',
        'pref',
        '1',
        'bpf',
        'da',
        'obj',
        REDIRECT_OBJ,
        'sec',
        'tc',
      );
      const N = 30,
        PORT = 5302;
      const sink = await startNodeIn(p.b, udpSink(p.b4, PORT, N));
      assert.equal((await udpFlood(p.a, p.b4, PORT, N, 10, 200)).sent, N);
      const got = await sink.done; // waits its 15 s: nothing arrives
      assert.equal(got.received, 0, 'the CNI program redirected every datagram away from the socket');
      const r = await cycle(probe, ctx, targets);
      const rx = rows(r.get(p.bInode)!).get(`receive|udp|${p.a4}|${PORT}`);
      assert.ok(rx, `series in b: ${[...rows(r.get(p.bInode)!).keys()]}`);
      assert.deepEqual([rx.packets, rx.bytes], [N, N * (200 + 8 + 20 + 14)]);
      const r0 = JSON.parse(await inNs(p.b, 'ip', '-s', '-j', 'link', 'show', 'ksr0')) as {
        stats64: { tx: { dropped: number } };
      }[];
      assert.ok(r0[0]!.stats64.tx.dropped >= N, 'the redirected datagrams went to ksr0 and were dropped there');
    } finally {
      await probe.stop!();
    }
  });

  it("100,000 distinct peers through a 1024-entry map: the map stays at its size, evictions and the node cap's overflow are counted, series stay bounded", async () => {
    const { p, probe, ctx, targets } = await setup('fcard', 221, { entries: 1024, top_k: 1000, max_series: 40 });
    try {
      // every destination in fd00:199:221:f::/64 is routed to b (one neighbour: b's address)
      await inNs(p.a, 'ip', '-6', 'route', 'add', 'fd00:199:221:f::/64', 'via', p.b6);
      const N = 100_000;
      const sent = await nodeIn(
        p.a,
        `
import dgram from 'node:dgram';
const s = dgram.createSocket('udp6');
let sent = 0, i = 0;
const deadline = Date.now() + 60000;
const next = () => {
  if (i >= ${N} || Date.now() > deadline) { console.log(JSON.stringify({ sent })); process.exit(0); }
  const n = i++;
  s.send(Buffer.alloc(8), 9, 'fd00:199:221:f::' + (n >> 16).toString(16) + ':' + (n & 0xffff).toString(16), (e) => { if (!e) sent++; next(); });
};
for (let k = 0; k < 64; k++) next();
`,
        90_000,
      );
      // a few sends may fail (neighbour queue full while b's address resolves): count what left
      assert.ok((sent.sent as number) > 0.99 * N, `sent ${sent.sent}`);
      const r = await cycle(probe, ctx, [...targets, { netnsInode: 1, pid: process.pid, pids: [], kind: 'host' }]);
      const host = r.get(1)!;
      const val = (name: string): number => host.find((x) => x.metric.name === name)?.value as number;
      assert.ok(val('kubeskoop.flow.map.entries') <= 1024, `map entries ${val('kubeskoop.flow.map.entries')}`);
      assert.ok(val('kubeskoop.flow.map.evictions') >= N - 1024, `evictions ${val('kubeskoop.flow.map.evictions')}`);
      const aRows = [...rows(r.get(p.aInode)!).values()];
      const peers = aRows.filter((x) => x.attributes['kubeskoop.peer.kind'] !== 'other');
      const other = aRows.filter((x) => x.attributes['kubeskoop.peer.kind'] === 'other');
      assert.ok(peers.length <= 40, `series under the node cap: ${peers.length}`);
      assert.ok(other.length >= 1, 'the rest is folded into other');
      assert.ok(val('kubeskoop.flow.series.overflow') > 0, 'the cap refused series and counted them');
      const folded = r.get(p.aInode)!.find((x) => x.metric.name === 'kubeskoop.flow.peer.folded')!.value as number;
      assert.ok(folded > 0, `folded peers ${folded}`);
      // what the agent saw (the last map contents) is reported in full: peers + other
      const total =
        aRows
          .filter(
            (x) => x.attributes['network.io.direction'] === 'transmit' && x.attributes['network.transport'] === 'udp',
          )
          .reduce((t, x) => t + x.packets, 0) +
        other.filter((x) => x.attributes['network.io.direction'] === 'transmit').reduce((t, x) => t + x.packets, 0);
      assert.ok(total > 0 && total <= N, `transmit packets reported ${total}`);
    } finally {
      await probe.stop!();
    }
  });

  it('200 namespaces attached then deleted leave no tcx link, no map entry and no series behind', async () => {
    const helperPid = (native.helperStatus() as { pid?: number }).pid;
    const N = 200;
    const tag = `fchurn${process.pid.toString(36)}`;
    const names = Array.from({ length: N }, (_, i) => `ksotel-nat-${process.pid.toString(36)}-${tag}-${i}`);
    const probe = flow.create({ native });
    const ctx: ProbeContext = { procRoot: '/proc', log: silentLogger, options: { interfaces: ['e0', 'e1'] } };
    await probe.start!(ctx);
    /** links in the kernel's list running this helper's flow programs (ids from its fds' fdinfo) */
    const ourLinks = async (): Promise<number> => {
      const ids = new Set<number>();
      for (const fd of await readdir(`/proc/${helperPid}/fdinfo`)) {
        const info = await readFile(`/proc/${helperPid}/fdinfo/${fd}`, 'utf8').catch(() => '');
        const m = /prog_id:\s+(\d+)/.exec(info);
        if (m && !/link_type/.test(info)) ids.add(Number(m[1]));
      }
      const progs = JSON.parse(await sh('bpftool', 'prog', 'show', '-j')) as { id: number; name?: string }[];
      const flowIds = new Set(
        progs.filter((x) => ids.has(x.id) && (x.name === 'ks_flow_rx' || x.name === 'ks_flow_tx')).map((x) => x.id),
      );
      assert.equal(flowIds.size, 2, 'the helper holds both flow programs');
      const links = JSON.parse(await sh('bpftool', 'link', 'show', '-j')) as { prog_id: number }[];
      return links.filter((l) => flowIds.has(l.prog_id)).length;
    };
    const targets: Target[] = [];
    try {
      for (let i = 0; i < N; i += 20) {
        await Promise.all(
          names.slice(i, i + 20).map(async (ns) => {
            made.push(ns);
            await sh('ip', 'netns', 'add', ns);
            await sh('ip', '-n', ns, 'link', 'add', 'e0', 'type', 'veth', 'peer', 'name', 'e1');
            await sh('ip', '-n', ns, 'link', 'set', 'e0', 'up');
            await sh('ip', '-n', ns, 'link', 'set', 'e1', 'up');
            targets.push({
              netnsInode: (await stat(`/run/netns/${ns}`)).ino,
              pid: 0,
              pids: [],
              kind: 'netns',
              netnsName: ns,
            });
          }),
        );
      }
      await cycle(probe, ctx, targets);
      await cycle(probe, ctx, targets);
      assert.deepEqual(probe.status!(), { state: 'running' });
      assert.equal(await ourLinks(), 4 * N, 'two links (ingress, egress) per interface');
      // IPv6 router solicitations and MLD reports of the new links: some entries to clean up
      await waitUntil(
        async () => {
          const d = await native.helperCommand('flow', ['dump', 'all']);
          return flowEntries(d).filter((e) => targets.some((t) => t.netnsInode === e.netnsInode)).length > 0;
        },
        10_000,
        'entries of the new namespaces',
      );
      for (const ns of names) await deleteNs(ns);
      await cycle(probe, ctx, []); // they are no longer seen: detached, entries deleted
      await cycle(probe, ctx, []);
      assert.equal(await ourLinks(), 0);
      const d = await native.helperCommand('flow', ['dump', 'all']);
      assert.equal(flowEntries(d).filter((e) => targets.some((t) => t.netnsInode === e.netnsInode)).length, 0);
      assert.equal(d.attached, 0);
      for (const t of targets) {
        const r = await probe.collect(t, ctx);
        assert.equal(r.samples.filter((x) => x.metric.name === 'kubeskoop.flow.io').length, 0);
      }
    } finally {
      await probe.stop!();
      for (const ns of names) await deleteNs(ns).catch(() => undefined);
    }
  });

  it("peers are named by the pod, Service and Node list+watch (Kubernetes API test server); a Service created after start names its peer the next cycle; a deleted pod's or Service's name leaves with it", async () => {
    const api = new TestApiServer({ bookmarkIntervalMs: 100 });
    await api.start();
    const watch = new PodWatch({
      nodeName: 'node-h17',
      kubeconfig: api.kubeconfig(),
      log: silentLogger,
      backoffInitialMs: 50,
      backoffMaxMs: 400,
    });
    const k8s = { kubeconfig: api.kubeconfig(), log: silentLogger, backoffInitialMs: 50, backoffMaxMs: 400 };
    const services = new ServiceWatch(k8s);
    const nodes = new NodeWatch(k8s);
    const p = await pair('fpeer', 222, false);
    made.push(p.a, p.b);
    const probe = flow.create({
      native,
      peers: {
        pod: (ip) => {
          const x = watch.byIp(ip);
          return x ? { name: x.name, namespace: x.namespace } : undefined;
        },
        service: (ip) => services.lookup(ip),
        node: (ip) => nodes.lookup(ip),
        // as the agent gives it: names are kept while no watch changed
        version: () => watch.changes + services.changes + nodes.changes,
      },
    });
    const ctx: ProbeContext = {
      procRoot: '/proc',
      log: silentLogger,
      options: { cidrs: [{ cidr: '10.199.0.0/16', name: 'test-net' }] },
    };
    try {
      api.upsertPod({ name: 'server-pod', namespace: 'shop', nodeName: 'node-h17', podIPs: [p.b4] });
      watch.start();
      services.start();
      nodes.start();
      assert.ok(await watch.waitForSync(10_000));
      assert.ok(await services.waitForSync(10_000));
      assert.ok(await nodes.waitForSync(10_000));
      await probe.start!(ctx);
      const targets = [await target(p.a, p.aInode), await target(p.b, p.bInode)];
      await cycle(probe, ctx, targets);
      await cycle(probe, ctx, targets);
      const send = async (): Promise<Map<string, Row>> => {
        const sink = await startNodeIn(p.b, udpSink(p.b4, 5303, 5));
        assert.equal((await udpFlood(p.a, p.b4, 5303, 5, 10, 50)).sent, 5);
        await sink.done;
        return rows((await cycle(probe, ctx, targets)).get(p.aInode)!);
      };
      let tx = (await send()).get(`transmit|udp|${p.b4}|5303`)!;
      assert.deepEqual(
        [
          tx.attributes['kubeskoop.peer.kind'],
          tx.attributes['kubeskoop.peer.name'],
          tx.attributes['kubeskoop.peer.namespace'],
        ],
        ['pod', 'server-pod', 'shop'],
      );
      // an address that is a Service's ClusterIP (inside the pod, before any NAT, the peer is the VIP)
      const vip = `10.199.222.10`;
      await inNs(p.b, 'ip', 'addr', 'add', `${vip}/24`, 'dev', vethOf(p, 'b'));
      // created after start: the watch's ADDED event names it, no re-list
      const listsBefore = api.counts.serviceLists;
      api.upsertService('shop-api', 'shop', [vip]);
      await waitUntil(() => services.lookup(vip) !== undefined, 5000, "the Service's ADDED event");
      const sink2 = await startNodeIn(p.b, udpSink(vip, 5304, 3));
      assert.equal((await udpFlood(p.a, vip, 5304, 3, 10, 50)).sent, 3);
      await sink2.done;
      const viaVip = rows((await cycle(probe, ctx, targets)).get(p.aInode)!).get(`transmit|udp|${vip}|5304`)!;
      assert.deepEqual(
        [
          viaVip.attributes['kubeskoop.peer.kind'],
          viaVip.attributes['kubeskoop.peer.name'],
          viaVip.attributes['kubeskoop.peer.namespace'],
        ],
        ['service', 'shop-api', 'shop'],
      );
      assert.equal(api.counts.serviceLists, listsBefore, 'named by the watch, not by another list');
      // a node's InternalIP (the Node list+watch) is named as the node
      const nodeIp = `10.199.222.11`;
      await inNs(p.b, 'ip', 'addr', 'add', `${nodeIp}/24`, 'dev', vethOf(p, 'b'));
      api.upsertNode('worker-h17', [nodeIp]);
      await waitUntil(() => nodes.lookup(nodeIp) !== undefined, 5000, "the Node's ADDED event");
      const sink3 = await startNodeIn(p.b, udpSink(nodeIp, 5305, 2));
      assert.equal((await udpFlood(p.a, nodeIp, 5305, 2, 10, 50)).sent, 2);
      await sink3.done;
      const toNode = rows((await cycle(probe, ctx, targets)).get(p.aInode)!).get(`transmit|udp|${nodeIp}|5305`)!;
      assert.deepEqual(
        [
          toNode.attributes['kubeskoop.peer.kind'],
          toNode.attributes['kubeskoop.peer.name'],
          toNode.attributes['kubeskoop.peer.namespace'],
        ],
        ['node', 'worker-h17', ''],
      );
      // a deleted Service stops naming its address (DELETED event): the next traffic is the CIDR bucket's
      api.deleteService('shop', 'shop-api');
      await waitUntil(() => services.lookup(vip) === undefined, 5000, "the Service's DELETED event");
      const sink4 = await startNodeIn(p.b, udpSink(vip, 5306, 2));
      assert.equal((await udpFlood(p.a, vip, 5306, 2, 10, 50)).sent, 2);
      await sink4.done;
      const afterSvc = rows((await cycle(probe, ctx, targets)).get(p.aInode)!).get(`transmit|udp|${vip}|5306`)!;
      assert.deepEqual(
        [afterSvc.attributes['kubeskoop.peer.kind'], afterSvc.attributes['kubeskoop.peer.name']],
        ['cidr', 'test-net'],
      );
      // the client's side is no pod of the API: its address falls in the configured CIDR bucket
      const rxB = rows((await cycle(probe, ctx, targets)).get(p.bInode)!).get(`receive|udp|${p.a4}|5303`)!;
      assert.deepEqual(
        [rxB.attributes['kubeskoop.peer.kind'], rxB.attributes['kubeskoop.peer.name']],
        ['cidr', 'test-net'],
      );
      api.deletePod('shop', 'server-pod');
      await waitUntil(() => watch.byIp(p.b4) === undefined, 5000, 'the DELETED event');
      const after = await send();
      tx = after.get(`transmit|udp|${p.b4}|5303`)!;
      assert.deepEqual(
        [tx.attributes['kubeskoop.peer.kind'], tx.attributes['kubeskoop.peer.name']],
        ['cidr', 'test-net'],
      );
      assert.equal(tx.packets, 5, 'the renamed series starts with the traffic after the rename');
      assert.ok(
        ![...after.values()].some((x) => x.attributes['kubeskoop.peer.name'] === 'server-pod'),
        "no series keeps the deleted pod's name",
      );
      // this directory cannot say which addresses changed (no changedSince): every name was taken back
      assert.ok((probe as FlowProbe).naming.fullRechecks > 0, 'names re-checked in full');
    } finally {
      await probe.stop!();
      await Promise.all([services.stop(), nodes.stop(), watch.stop()]);
      await api.dispose();
    }
  });

  it("names are taken back per address: a pod's IP given to another pod names its series after the new pod the next cycle; a change of other addresses re-names nothing (the agent's directory over the list+watches)", async () => {
    const api = new TestApiServer({ bookmarkIntervalMs: 100 });
    await api.start();
    const k8s = { kubeconfig: api.kubeconfig(), log: silentLogger, backoffInitialMs: 50, backoffMaxMs: 400 };
    const watch = new PodWatch({ ...k8s, nodeName: 'node-h17k' });
    const services = new ServiceWatch(k8s);
    const nodes = new NodeWatch(k8s);
    const p = await pair('fname', 183, false);
    made.push(p.a, p.b);
    const probe = flow.create({
      native,
      peers: new WatchedPeerDirectory({ pods: () => watch, services: () => services, nodes: () => nodes }),
    }) as FlowProbe;
    const ctx: ProbeContext = { procRoot: '/proc', log: silentLogger, options: {} };
    const nameOf = (r: Row | undefined): string | undefined => r?.attributes['kubeskoop.peer.name'] as string;
    try {
      api.upsertPod({ name: 'server-pod', namespace: 'shop', nodeName: 'node-h17k', podIPs: [p.b4] });
      for (const w of [watch, services, nodes]) w.start();
      for (const w of [watch, services, nodes]) assert.ok(await w.waitForSync(10_000));
      await probe.start!(ctx);
      const targets = [await target(p.a, p.aInode), await target(p.b, p.bInode)];
      await cycle(probe, ctx, targets);
      await cycle(probe, ctx, targets);
      const send = async (): Promise<Map<string, Row>> => {
        const sink = await startNodeIn(p.b, udpSink(p.b4, 5403, 5));
        assert.equal((await udpFlood(p.a, p.b4, 5403, 5, 10, 50)).sent, 5);
        await sink.done;
        return rows((await cycle(probe, ctx, targets)).get(p.aInode)!);
      };
      assert.equal(nameOf((await send()).get(`transmit|udp|${p.b4}|5403`)), 'server-pod');
      const before = { ...probe.naming };
      // other addresses change: a new pod, a new Service, a new node; the named peer keeps its name
      // and nothing is asked again
      const changesBefore = watch.changes + services.changes + nodes.changes;
      api.upsertPod({ name: 'bystander', namespace: 'shop', nodeName: 'node-h17k', podIPs: ['10.199.183.50'] });
      api.upsertService('bystander-api', 'shop', ['10.199.183.60']);
      api.upsertNode('worker-h17k', ['10.199.183.70']);
      await waitUntil(
        () => watch.changes + services.changes + nodes.changes >= changesBefore + 3,
        5000,
        'the three ADDED events',
      );
      assert.equal(nameOf((await send()).get(`transmit|udp|${p.b4}|5403`)), 'server-pod');
      assert.deepEqual(probe.naming, before, 'no name taken back or asked again');
      // the pod goes and another pod gets its IP: that one address is named again, the series renamed
      api.deletePod('shop', 'server-pod');
      api.upsertPod({ name: 'new-pod', namespace: 'shop', nodeName: 'node-h17k', podIPs: [p.b4] });
      await waitUntil(() => watch.byIp(p.b4)?.name === 'new-pod', 5000, 'the DELETED and ADDED events');
      const after = await send();
      const tx = after.get(`transmit|udp|${p.b4}|5403`)!;
      assert.deepEqual(
        [tx.attributes['kubeskoop.peer.kind'], nameOf(tx), tx.attributes['kubeskoop.peer.namespace']],
        ['pod', 'new-pod', 'shop'],
      );
      assert.equal(tx.packets, 5, 'the renamed series starts with the traffic after the rename');
      assert.ok(![...after.values()].some((x) => nameOf(x) === 'server-pod'), 'no series keeps the old name');
      assert.deepEqual(probe.naming, {
        resolved: before.resolved + 1,
        invalidated: before.invalidated + 1,
        fullRechecks: before.fullRechecks,
        renamed: before.renamed + 1,
      });
    } finally {
      await probe.stop!();
      await Promise.all([services.stop(), nodes.stop(), watch.stop()]);
      await api.dispose();
    }
  });
});

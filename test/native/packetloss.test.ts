// packetloss on the real kernel: drops made on purpose in test namespaces, counted exactly in
// the kernel per namespace and reason, with events carrying the reason name, location and tuple.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { PacketDropEvent } from '../../receiver/native/index.js';
import { inNs, startClient, startNodeIn, stopBackground, udpFlood, type Background, type Harness } from './support.js';
import { pairWithHelper, type HelperPair } from '../support/helper-pair.js';
import { killPid, sleep, waitUntil } from '../support/proc.js';

// A UDP receiver with a tiny buffer that counts what it gets; it stops reading while SIGSTOPped.
const slowReceiver = (host: string, port: number): string => `
import dgram from 'node:dgram';
const s = dgram.createSocket({ type: 'udp4', recvBufferSize: 4096 });
let n = 0; let last = Date.now();
s.on('message', () => { n++; last = Date.now(); });
s.bind(${port}, '${host}', () => console.log(JSON.stringify({ ready: true })));
const t = setInterval(() => { if (n > 0 && Date.now() - last > 700) { clearInterval(t); console.log(JSON.stringify({ received: n })); process.exit(0); } }, 100);
setTimeout(() => { console.log(JSON.stringify({ received: n })); process.exit(0); }, 15000);
`;

describe('native packetloss (real BPF)', function () {
  this.timeout(60_000);
  let p: HelperPair;
  let h: Harness;
  let bg: Background | undefined;

  before(async () => {
    p = await pairWithHelper('drop', 12, {
      ipv6: false,
      probes: { packetloss: { netnsRatePerSecond: 'unlimited', globalRatePerSecond: 'unlimited' } },
      running: ['packetloss'],
    });
    h = p.helper;
  });
  after(async () => {
    await stopBackground(bg);
    await p?.dispose();
  });
  beforeEach(() => {
    h.events.length = 0;
  });

  const drops = (ns: number, reason: string): PacketDropEvent[] =>
    h.events.filter(
      (e): e is PacketDropEvent => e.type === 'packet_drop' && e.netnsInode === ns && e.dropReason === reason,
    );
  const kernelCount = async (ns: number, reason: string): Promise<number> => {
    const d = await h.client.dumpCounters();
    return d.events
      .filter((c) => c.probe === 'packetloss' && c.netnsInode === ns && c.key === reason)
      .reduce((a, c) => a + c.count, 0);
  };

  it('no route: packets routed into a namespace with no route onward are dropped as IP_INNOROUTES, counted exactly', async () => {
    await inNs(p.a, 'ip', 'route', 'add', 'default', 'via', p.b4);
    await inNs(p.b, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    const before = await kernelCount(p.bInode, 'IP_INNOROUTES');
    const r = await udpFlood(p.a, '10.199.250.1', 5000, 37);
    assert.equal(r.sent, 37);
    await sleep(200);
    await h.client.dropsSymbolized();
    assert.equal((await kernelCount(p.bInode, 'IP_INNOROUTES')) - before, 37);
    const ev = drops(p.bInode, 'IP_INNOROUTES');
    assert.equal(ev.length, 37);
    const e = ev[0]!;
    assert.match(e.locationSymbol, /^(ip_error|ip_route_input|ip_rcv)\w*\+0x[0-9a-f]+$/);
    assert.deepEqual(
      { ...e.tuple, srcPort: 0 },
      { family: 'ipv4', protocol: 'udp', srcAddress: p.a4, srcPort: 0, dstAddress: '10.199.250.1', dstPort: 5000 },
    );
    assert.ok(e.ifindex > 0);
  });

  it('a netfilter DROP rule in the namespace: NETFILTER_DROP at an nf/nft location, count = packets sent', async () => {
    await inNs(
      p.b,
      'nft',
      'add table inet ksotel; add chain inet ksotel in { type filter hook input priority 0; }; add rule inet ksotel in udp dport 9999 drop',
    );
    try {
      const r = await udpFlood(p.a, p.b4, 9999, 53);
      assert.equal(r.sent, 53);
      await sleep(200);
      await h.client.dropsSymbolized();
      assert.equal(await kernelCount(p.bInode, 'NETFILTER_DROP'), 53);
      const ev = drops(p.bInode, 'NETFILTER_DROP');
      assert.equal(ev.length, 53);
      assert.match(ev[0]!.locationSymbol, /^(nf_hook_slow|nft_\w+)\+0x[0-9a-f]+$/);
      assert.equal(ev[0]!.tuple.dstPort, 9999);
      assert.equal(ev[0]!.tuple.srcAddress, p.a4);
      assert.equal(ev[0]!.tuple.dstAddress, p.b4);
      assert.equal(ev[0]!.tuple.protocol, 'udp');
      assert.equal(drops(p.aInode, 'NETFILTER_DROP').length, 0);
    } finally {
      await inNs(p.b, 'nft', 'delete table inet ksotel');
    }
  });

  it('a full socket receive buffer: SOCKET_RCVBUFF count = sent - received', async () => {
    bg = await startNodeIn(p.b, slowReceiver(p.b4, 9998));
    killPid(bg.pid, 'SIGSTOP'); // the receiver stops reading; its 4 KiB buffer fills
    const before = await kernelCount(p.bInode, 'SOCKET_RCVBUFF');
    const r = await udpFlood(p.a, p.b4, 9998, 200, 10, 1000);
    assert.equal(r.sent, 200);
    await sleep(200);
    await h.client.dropsSymbolized();
    killPid(bg.pid, 'SIGCONT');
    const out = await bg.done;
    const received = Number(out.received);
    assert.ok(received > 0 && received < 200, `received ${received}`);
    const dropped = (await kernelCount(p.bInode, 'SOCKET_RCVBUFF')) - before;
    assert.equal(dropped, 200 - received);
    const ev = drops(p.bInode, 'SOCKET_RCVBUFF');
    assert.equal(ev.length, dropped);
    assert.match(ev[0]!.locationSymbol, /udp/);
  });

  it('reason filter: ignored reasons are neither counted nor emitted; count-only reasons are counted without events', async () => {
    const h2 = await startClient({
      probes: { packetloss: { ignoreReasons: ['NETFILTER_DROP'], countOnlyReasons: ['IP_INNOROUTES'] } },
    });
    try {
      await inNs(
        p.b,
        'nft',
        'add table inet ksotel; add chain inet ksotel in { type filter hook input priority 0; }; add rule inet ksotel in udp dport 9999 drop',
      );
      try {
        await udpFlood(p.a, p.b4, 9999, 10);
        await udpFlood(p.a, '10.199.250.1', 5000, 10);
        await sleep(200);
        await h2.client.dropsSymbolized();
        const d = await h2.client.dumpCounters();
        const mine = d.events.filter((c) => c.netnsInode === p.bInode);
        assert.equal(
          mine.find((c) => c.key === 'NETFILTER_DROP'),
          undefined,
        );
        assert.equal(mine.find((c) => c.key === 'IP_INNOROUTES')?.count, 10);
        assert.deepEqual(
          h2.events
            .filter((e) => e.netnsInode === p.bInode)
            .map((e) => (e.type === 'packet_drop' ? e.dropReason : e.type)),
          [],
        );
        assert.ok((d.probes[0]?.ignored ?? 0) >= 10);
      } finally {
        await inNs(p.b, 'nft', 'delete table inet ksotel');
      }
    } finally {
      await h2.client.stop();
    }
  });
  it('drops wait for their location in arrival order: nothing is emitted until the kallsyms pass can read, then all, resolved', async () => {
    // kallsyms behind a named pipe: the agent's passes block until a writer gives them the file.
    const dir = mkdtempSync(path.join(tmpdir(), 'ks-kallsyms-fifo-'));
    const fifo = path.join(dir, 'kallsyms');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
    let writer: ChildProcess | undefined;
    const h3 = await startClient({
      probes: { packetloss: { netnsRatePerSecond: 'unlimited', globalRatePerSecond: 'unlimited' } },
      kallsymsPath: fifo,
    });
    const mine = (): PacketDropEvent[] =>
      h3.events.filter(
        (e): e is PacketDropEvent =>
          e.type === 'packet_drop' && e.netnsInode === p.bInode && e.dropReason === 'IP_INNOROUTES',
      );
    try {
      await inNs(p.a, 'ip', 'route', 'replace', 'default', 'via', p.b4);
      await inNs(p.b, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
      // 30 datagrams to ports 6000…6029 in turn: the drops' order is the ports' order
      const r = await udpFlood(p.a, '10.199.250.1', 6000, 30, 20, 16, 30);
      assert.equal(r.sent, 30);
      await sleep(500);
      assert.equal(mine().length, 0, 'no drop is emitted while its location waits for the pass');
      const counted = (await h3.client.dumpCounters()).events
        .filter((c) => c.netnsInode === p.bInode && c.key === 'IP_INNOROUTES')
        .reduce((a, c) => a + c.count, 0);
      assert.equal(counted, 30, 'the kernel counted them meanwhile');
      // From now on every pass gets the file (another process writes it, bounded in time: the passes read
      // on this process's event loop, and other drops on the machine may need passes of their own). The
      // pause lets a pass see the end of the file: a writer reopening at once while the reader still drains
      // the pipe would go on into the same pass.
      writer = spawn(
        'timeout',
        ['60', 'sh', '-c', 'while :; do cat /proc/kallsyms > "$0" || exit 1; sleep 0.3; done', fifo],
        {
          stdio: 'ignore',
        },
      );
      await waitUntil(() => mine().length >= 30, 30_000, '30 drops emitted');
      const ev = mine();
      assert.equal(ev.length, 30);
      assert.deepEqual(
        ev.map((e) => e.tuple.dstPort),
        Array.from({ length: 30 }, (_, i) => 6000 + i),
        'in the order they came',
      );
      for (const e of ev) assert.match(e.locationSymbol, /^(ip_error|ip_route_input|ip_rcv)\w*\+0x[0-9a-f]+$/);
    } finally {
      killPid(writer?.pid, 'SIGKILL');
      await h3.client.stop();
      // A pass still blocked on the pipe gets an empty file (its addresses then hex); none: ENXIO.
      for (let i = 0; i < 3; i++) {
        try {
          closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
        } catch {
          /* no pass waits */
        }
        await sleep(50);
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// tcphealth's close-time capture and retransmits by cause on the real kernel, between two test
// namespaces joined by a veth pair. Short connections at 500 per second, each opened and closed
// between two walks, must be counted exactly through the kernel's per-peer accumulators (closes
// = the client's own count, segments = what the namespace's Tcp MIB counted), and the counters the
// probe exports must never go down while connections close between walks. Retransmits by cause:
// every segment to a peer dropped (nftables) → timeout; one packet dropped in a bulk stream → fast;
// summed over causes, they equal the namespace's Tcp RetransSegs.
import assert from 'node:assert/strict';

import { HealthSeries, parseHealthFrame, type HealthRow } from '../../receiver/probes/tcphealth.js';
import { inNs, startNodeIn, stopBackground, type Background } from './support.js';
import { pairWithHelper, type HelperPair } from '../support/helper-pair.js';
import { tcpMib } from '../support/kernel-counters.js';
import { waitUntil } from '../support/proc.js';

const TAG = 'h18c';
const NET = 186;
const RATE = 500; // connections per second
const SECONDS = 5;

/** Accepts, answers one byte per request, and closes when the client does. */
const server = `
import net from 'node:net';
let accepted = 0;
const srv = net.createServer((s) => {
  accepted++;
  s.on('data', () => s.write('y'));
  s.on('end', () => s.end());
  s.on('error', () => {});
});
srv.listen({ port: 7000, host: '0.0.0.0', backlog: 4096 }, () => console.log(JSON.stringify({ ready: true })));
process.on('SIGUSR2', () => {});
setInterval(() => console.log(JSON.stringify({ accepted })), 200);
setTimeout(() => process.exit(0), 120000);
`;

/** ${RATE} connections per second for ${SECONDS} s, paced by the clock: connect, one request,
 *  one answer, close (this side first). Bounded: at most RATE × SECONDS connections. */
const burst = `
import net from 'node:net';
const total = ${RATE * SECONDS};
let started = 0, done = 0, failed = 0;
const t0 = Date.now();
const one = () => {
  const s = net.connect({ host: '10.199.${NET}.2', port: 7000 }, () => s.write('x'));
  s.once('data', () => s.end());
  s.on('close', () => { done++; if (done + failed === total) finish(); });
  s.on('error', () => { failed++; });
};
const finish = () => {
  console.log(JSON.stringify({ done: done - failed, failed, seconds: (Date.now() - t0) / 1000 }));
  process.exit(0);
};
const tick = setInterval(() => {
  const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * ${RATE}));
  while (started < due) { started++; one(); }
  if (started === total) clearInterval(tick);
}, 5);
console.log(JSON.stringify({ ready: true }));
setTimeout(() => { console.log(JSON.stringify({ done, failed, timeout: true })); process.exit(0); }, 60000);
`;

describe('native tcphealth close-time capture and retransmits by cause (real BPF, veth pair)', function () {
  this.timeout(180_000);
  let p: HelperPair;
  const bg: Background[] = [];
  const table = `t${TAG}`;

  const frame = async (): Promise<ReturnType<typeof parseHealthFrame>> => {
    const f = parseHealthFrame(await p.helper.client.command('tcpsummary', ['peers']));
    assert.deepEqual(f.problems, []);
    return f;
  };
  /** live + closed rows of one key */
  const rowsOf = (
    f: { peers: HealthRow[]; closed: HealthRow[] },
    ns: number,
    addr: string,
    port: number,
    role: string,
  ) =>
    [...f.peers, ...f.closed].filter(
      (r) => r.netnsInode === ns && r.address === addr && r.port === port && r.role === role,
    );
  const sum = (rows: HealthRow[], k: (r: HealthRow) => number): number => rows.reduce((a, r) => a + k(r), 0);

  before(async () => {
    p = await pairWithHelper(TAG, NET, { ipv6: false, probes: {} });
    // the first peers walk attaches the capture programs
    await frame();
  });
  after(async () => {
    for (const b of bg) await stopBackground(b);
    if (p) await inNs(p.b, 'nft', 'delete', 'table', 'inet', table).catch(() => undefined);
    await p?.dispose();
  });

  it(`${RATE} short connections per second for ${SECONDS} s: counted exactly by close-time capture; exported counters never go down`, async () => {
    bg.push(await startNodeIn(p.b, server));
    const segs0 = (await tcpMib(p.a, 'OutSegs')) + (await tcpMib(p.a, 'RetransSegs'));
    const client = await startNodeIn(p.a, burst);
    bg.push(client);
    // walk while the connections come and go, through the probe's own series
    const series = new HealthSeries();
    series.configure({});
    const exported: number[] = [];
    const closesSeen: number[] = [];
    let walks = 0;
    let liveSeen = 0;
    const sent = (): number =>
      series
        .samples(p.aInode)
        .filter((x) => x.metric.name === 'kubeskoop.tcp.peer.segments.sent' && x.attributes['server.port'] === 7000)
        .reduce((a, x) => a + (x.value as number), 0);
    const cycle = async (): Promise<ReturnType<typeof parseHealthFrame>> => {
      const f = await frame();
      walks++;
      liveSeen = Math.max(
        liveSeen,
        sum(
          f.peers.filter((r) => r.netnsInode === p.aInode && r.port === 7000),
          (r) => r.full,
        ),
      );
      series.add([...f.peers, ...f.closed], Date.now());
      exported.push(sent());
      closesSeen.push(sum(rowsOf(f, p.aInode, p.b4, 7000, 'active'), (r) => r.closes));
      return f;
    };
    // a cycle every 200 ms (an agent's is seconds): connections close between and during walks
    while (client.child.exitCode === null) {
      await cycle();
      await new Promise((r) => setTimeout(r, 200));
    }
    const result = (await client.done) as { done: number; failed: number; seconds: number; timeout?: boolean };
    assert.ok(!result.timeout, `the client finished: ${JSON.stringify(result)}`);
    assert.equal(result.failed, 0);
    assert.equal(result.done, RATE * SECONDS);
    // every connection closed on both sides (the server closes on the client's FIN)
    const f = await waitUntil(
      async () => {
        const g = await cycle();
        const c = sum(rowsOf(g, p.aInode, p.b4, 7000, 'active'), (r) => r.closes);
        const s = sum(rowsOf(g, p.bInode, p.a4, 7000, 'passive'), (r) => r.closes);
        return c === result.done && s === result.done ? g : undefined;
      },
      30_000,
      `${result.done} closes counted on both sides`,
      200,
    ).catch(async (e: Error) => {
      const g = await frame();
      throw new Error(
        `${e.message}: ${JSON.stringify(g.closed.filter((r) => r.netnsInode === p.aInode || r.netnsInode === p.bInode).slice(0, 4))} stats ${JSON.stringify(g.closedStats)}`,
      );
    });
    const client7000 = rowsOf(f, p.aInode, p.b4, 7000, 'active');
    // segments: everything the client namespace sent, new (OutSegs) and retransmitted
    const segs = (await tcpMib(p.a, 'OutSegs')) + (await tcpMib(p.a, 'RetransSegs')) - segs0;
    assert.equal(
      sum(client7000, (r) => r.segsOut),
      segs,
      'segments sent = the namespace Tcp OutSegs + RetransSegs',
    );
    // connect, request (1 byte) and close: at least SYN, ACK, data, FIN, ACK each
    assert.ok(segs >= 5 * result.done, `segments ${segs}`);
    // bytes in sequence space, as tcpi_bytes_acked/received count them: one byte each way, plus the
    // client's SYN and FIN acknowledged, the server's FIN received (its SYN sets the start)
    const bytes = [
      sum(client7000, (r) => r.bytesAcked),
      sum(client7000, (r) => r.bytesReceived),
      sum(rowsOf(f, p.bInode, p.a4, 7000, 'passive'), (r) => r.bytesAcked),
      sum(rowsOf(f, p.bInode, p.a4, 7000, 'passive'), (r) => r.bytesReceived),
    ];
    assert.deepEqual(
      bytes,
      [3, 2, 2, 2].map((x) => x * result.done),
      'client acked, received; server acked, received',
    );
    // no ephemeral port became a key on either side
    for (const r of [...f.peers, ...f.closed].filter((x) => x.netnsInode === p.aInode || x.netnsInode === p.bInode))
      assert.equal(r.port, 7000, JSON.stringify(r));
    assert.equal(f.closedStats!.failed, 0);
    assert.equal(f.closedStats!.missed, 0);
    // the exported counter: never down, and at the end exactly the namespace's count
    for (let i = 1; i < exported.length; i++)
      assert.ok(exported[i]! >= exported[i - 1]!, `cycle ${i}: ${exported[i - 1]} → ${exported[i]}`);
    for (let i = 1; i < closesSeen.length; i++) assert.ok(closesSeen[i]! >= closesSeen[i - 1]!);
    assert.equal(exported[exported.length - 1], segs);
    console.log(
      `      ${result.done} connections in ${result.seconds} s (${Math.round(result.done / result.seconds)}/s), ${walks} walks, at most ${liveSeen} live at a walk; segments ${segs}`,
    );
  });

  it('retransmits by cause: a drop of everything → timeout; one packet lost in a bulk stream → fast; the sum = Tcp RetransSegs', async () => {
    const keep = `
import net from 'node:net';
const held = [];
for (const port of [7001, 7002])
  net.createServer((s) => { held.push(s); s.on('data', () => {}); s.on('error', () => {}); }).listen(port, '0.0.0.0');
setTimeout(() => console.log(JSON.stringify({ ready: true })), 200);
setTimeout(() => process.exit(0), 120000);
`;
    bg.push(await startNodeIn(p.b, keep));
    const retrans0 = await tcpMib(p.a, 'RetransSegs');
    const causes = (f: ReturnType<typeof parseHealthFrame>, port: number) => {
      const r = rowsOf(f, p.aInode, p.b4, port, 'active');
      return {
        timeout: sum(r, (x) => x.retransByCause.timeout),
        fast: sum(r, (x) => x.retransByCause.fast),
        tail_loss_probe: sum(r, (x) => x.retransByCause.tail_loss_probe),
        syn: sum(r, (x) => x.retransByCause.syn),
        total: sum(r, (x) => x.retrans),
      };
    };
    // 7001: connected, then every segment towards the server dropped for 1.5 s while it sends
    await inNs(
      p.b,
      'nft',
      `add table inet ${table}; add chain inet ${table} in { type filter hook input priority 0; }`,
    );
    const sender = await startNodeIn(
      p.a,
      `
import net from 'node:net';
const s = net.connect({ host: '10.199.${NET}.2', port: 7001 }, () => {
  s.write('hello', () => console.log(JSON.stringify({ ready: true })));
});
const t = setInterval(() => s.write(Buffer.alloc(1000, 1)), 100);
setTimeout(() => clearInterval(t), 1500);
setTimeout(() => process.exit(0), 100000);
`,
    );
    bg.push(sender);
    await inNs(p.b, 'nft', `add rule inet ${table} in ip saddr ${p.a4} tcp dport 7001 drop`);
    await new Promise((r) => setTimeout(r, 1500));
    await inNs(p.b, 'nft', `flush chain inet ${table} in`);
    // 7002: 8 MiB in one stream, its 40th data packet dropped (numgen inc counts this rule's matches)
    await inNs(
      p.b,
      'nft',
      `add rule inet ${table} in ip saddr ${p.a4} tcp dport 7002 meta length > 1000 numgen inc mod 1000000 == 40 drop`,
    );
    bg.push(
      await startNodeIn(
        p.a,
        `
import net from 'node:net';
const s = net.connect({ host: '10.199.${NET}.2', port: 7002 }, () => {
  s.write(Buffer.alloc(8 << 20, 2), () => console.log(JSON.stringify({ ready: true })));
});
setTimeout(() => process.exit(0), 100000);
`,
        60_000,
      ),
    );
    const got = await waitUntil(
      async () => {
        const f = await frame();
        const a = causes(f, 7001);
        const b = causes(f, 7002);
        const kernel = (await tcpMib(p.a, 'RetransSegs')) - retrans0;
        const byCause = a.timeout + a.fast + a.tail_loss_probe + a.syn + b.timeout + b.fast + b.tail_loss_probe + b.syn;
        return a.timeout > 0 && b.fast > 0 && byCause === kernel && a.total + b.total === kernel
          ? { a, b, kernel }
          : undefined;
      },
      60_000,
      'timeouts on 7001, fast retransmits on 7002, the sum by cause = RetransSegs',
      300,
    ).catch(async (e: Error) => {
      const f = await frame();
      throw new Error(
        `${e.message}: 7001 ${JSON.stringify(causes(f, 7001))}, 7002 ${JSON.stringify(causes(f, 7002))}, kernel ${(await tcpMib(p.a, 'RetransSegs')) - retrans0}, accumulators ${JSON.stringify(f.closedStats)}`,
      );
    });
    assert.equal(
      got.b.timeout,
      0,
      `a single loss in a bulk stream is repaired without a timeout: ${JSON.stringify(got.b)}`,
    );
    assert.equal(got.a.fast, 0, `nothing came back while everything was dropped: ${JSON.stringify(got.a)}`);
    console.log(`      7001 ${JSON.stringify(got.a)}; 7002 ${JSON.stringify(got.b)}; RetransSegs ${got.kernel}`);
  });
});

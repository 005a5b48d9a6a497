// net_softirq and kernellatency on the real kernel, under a bounded TCP transfer between two test
// namespaces. What can be forced here: the programs attach, the histograms fill, and the
// threshold/event path fires when the thresholds are lowered to 1 µs (the options an operator
// has). What cannot be forced reliably on this 2-vCPU guest: a real 10 ms softirq or kernel-path
// delay (the kernel runs softirqs on interrupt exit whatever a busy loop does, and a stalled
// ksoftirqd needs a real-time hog that would also stall the test), so the default thresholds are
// asserted only to stay at zero for this light load.
import assert from 'node:assert/strict';

import {
  deleteNs,
  ensureHelperBuilt,
  makePair,
  nodeIn,
  startNodeIn,
  stopBackground,
  type Background,
  type NsPair,
} from '../native/support.js';
import { sleep } from '../support/proc.js';
import { collect, counter, histogram, startSource, type Source } from './support.js';

const N = 58;
const BYTES = 4 * 1024 * 1024;

const sink = (host: string, port: number): string => `
import net from 'node:net';
let n = 0;
const srv = net.createServer((s) => { s.on('data', (b) => { n += b.length; }); s.on('end', () => { console.log(JSON.stringify({ received: n })); srv.close(); setTimeout(() => process.exit(0), 50); }); });
srv.listen(${port}, '${host}', () => console.log(JSON.stringify({ ready: true })));
setTimeout(() => process.exit(3), 30000);
`;
const source = (host: string, port: number, bytes: number): string => `
import net from 'node:net';
const c = net.connect(${port}, '${host}', () => { const chunk = Buffer.alloc(65536, 120); let left = ${bytes};
  const pump = () => { while (left > 0) { left -= chunk.length; if (!c.write(chunk)) { c.once('drain', pump); return; } } c.end(); }; pump(); });
c.on('close', () => { console.log(JSON.stringify({ sent: ${bytes} })); process.exit(0); });
c.on('error', (e) => { console.log(JSON.stringify({ error: e.code })); process.exit(1); });
setTimeout(() => process.exit(3), 30000);
`;

async function transfer(pair: NsPair, port: number): Promise<void> {
  let bg: Background | undefined;
  try {
    bg = await startNodeIn(pair.b, sink(pair.b4, port));
    await nodeIn(pair.a, source(pair.b4, port, BYTES));
    const r = await bg.done;
    assert.equal(r.received, BYTES);
  } finally {
    await stopBackground(bg);
  }
}

describe('net_softirq and kernellatency under bounded traffic', function () {
  this.timeout(120_000);
  let pair: NsPair | undefined;

  before(async () => {
    await ensureHelperBuilt();
    pair = await makePair('sk', N, { ipv6: false });
  });
  after(async () => {
    if (pair) await deleteNs(pair.a, pair.b);
  });

  describe('default thresholds (10 ms / 100 ms)', () => {
    let s: Source | undefined;
    before(async () => {
      s = await startSource({ net_softirq: {}, kernellatency: {} });
    });
    after(async () => {
      await s?.source.stop();
    });

    it('attach, fill the histograms, stay under the thresholds', async () => {
      for (const p of ['net_softirq', 'kernellatency'] as const)
        assert.equal(s!.source.probeStatus(p).state, 'running', JSON.stringify(s!.source.probeStatus(p)));
      await transfer(pair!, 5101);
      await sleep(100);
      const sq = await collect('net_softirq', s!, { netnsInode: 0, kind: 'host' });
      for (const phase of ['schedule', 'execute']) {
        const h = histogram(sq, 'kubeskoop.softirq.duration', {
          'kubeskoop.softirq.phase': phase,
          'kubeskoop.softirq.type': 'NET_RX',
        });
        assert.ok(h && h.count > 0, `NET_RX ${phase}: ${h?.count}`);
        assert.ok(h.sum > 0);
      }
      // threshold counters exist per CPU for every measured type, both thresholds
      assert.ok(
        sq.some(
          (x) =>
            x.metric.name === 'kubeskoop.softirq.slow' &&
            x.attributes['kubeskoop.latency.threshold'] === 0.01 &&
            typeof x.attributes['cpu.logical_number'] === 'number',
        ),
      );
      // not a namespace's: nothing for a pod target
      assert.equal((await collect('net_softirq', s!, { netnsInode: pair!.aInode, kind: 'netns' })).length, 0);

      const a = await collect('kernellatency', s!, { netnsInode: pair!.aInode, kind: 'netns' });
      const b = await collect('kernellatency', s!, { netnsInode: pair!.bInode, kind: 'netns' });
      const tx = histogram(a, 'kubeskoop.kernel.packet.duration', { 'network.io.direction': 'transmit' });
      const rx = histogram(b, 'kubeskoop.kernel.packet.duration', { 'network.io.direction': 'receive' });
      assert.ok(tx && tx.count > 10, `tx ${tx?.count}`);
      assert.ok(rx && rx.count > 10, `rx ${rx?.count}`);
      assert.equal(
        counter(a, 'kubeskoop.kernel.packet.slow', {
          'network.io.direction': 'transmit',
          'kubeskoop.latency.threshold': 0.1,
        }),
        0,
      );
      assert.equal(
        counter(b, 'kubeskoop.kernel.packet.slow', {
          'network.io.direction': 'receive',
          'kubeskoop.latency.threshold': 0.1,
        }),
        0,
      );
    });
  });

  describe('thresholds lowered to 1 µs (forced)', () => {
    let s: Source | undefined;
    before(async () => {
      s = await startSource({
        net_softirq: { thresholdLowUs: 1, thresholdHighUs: 100_000, eventLevel: 1 },
        kernellatency: { thresholdLowUs: 1, thresholdHighUs: 100_000, eventLevel: 1 },
      });
    });
    after(async () => {
      await s?.source.stop();
    });

    it('counts above 1 µs, NETSOFTIRQ_*_SLOW, RXKERNEL_SLOW and TXKERNEL_SLOW events with flow and direction', async () => {
      await transfer(pair!, 5102);
      await sleep(100);
      const sq = await collect('net_softirq', s!, { netnsInode: 0, kind: 'host' });
      const exec = histogram(sq, 'kubeskoop.softirq.duration', {
        'kubeskoop.softirq.phase': 'execute',
        'kubeskoop.softirq.type': 'NET_RX',
      })!;
      const slowExec = counter(sq, 'kubeskoop.softirq.slow', {
        'kubeskoop.softirq.phase': 'execute',
        'kubeskoop.softirq.type': 'NET_RX',
        'kubeskoop.latency.threshold': 0.000001,
      });
      // Exact: both come from one helper dump, which reads the slow counters before the histogram,
      // and a run counts its bucket before its slow counter, so slow can never exceed the count.
      assert.ok(slowExec > 0 && slowExec <= exec.count, `slow ${slowExec} of ${exec.count}`);
      const sev = s!.events.filter((e) => e.record.eventName === 'kubeskoop.softirq.latency');
      assert.ok(
        sev.some((e) => e.record.type === 'NETSOFTIRQ_EXCUTE_SLOW'),
        [...new Set(sev.map((e) => e.record.type))].join(),
      );
      for (const e of sev) {
        assert.match(e.record.type, /^NETSOFTIRQ_(SCHED|EXCUTE)_(SLOW|100MS)$/);
        assert.equal(typeof e.record.attributes['cpu.logical_number'], 'number');
        assert.match(String(e.record.attributes['kubeskoop.softirq.type']), /^NET_(RX|TX)$/);
      }

      const rx = s!.events.filter((e) => e.inode === pair!.bInode && e.record.type === 'RXKERNEL_SLOW');
      const tx = s!.events.filter((e) => e.inode === pair!.aInode && e.record.type === 'TXKERNEL_SLOW');
      assert.ok(rx.length > 0 && tx.length > 0, `rx ${rx.length} tx ${tx.length}`);
      assert.ok(
        rx.some(
          (e) =>
            e.record.attributes['source.address'] === pair!.a4 &&
            e.record.attributes['destination.address'] === pair!.b4 &&
            e.record.attributes['destination.port'] === 5102,
        ),
      );
      assert.ok(
        tx.some(
          (e) => e.record.attributes['source.address'] === pair!.a4 && e.record.attributes['destination.port'] === 5102,
        ),
      );
      for (const e of [...rx, ...tx]) assert.equal(e.record.attributes['kubeskoop.latency.threshold'], 0.000001);
      const b = await collect('kernellatency', s!, { netnsInode: pair!.bInode, kind: 'netns' });
      assert.ok(
        counter(b, 'kubeskoop.kernel.packet.slow', {
          'network.io.direction': 'receive',
          'kubeskoop.latency.threshold': 0.000001,
        }) > 0,
      );
    });
  });
});

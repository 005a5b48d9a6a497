// net_softirq and kernellatency on the real kernel, under a bounded TCP transfer between two test
// namespaces. What can be forced here: the programs attach, the histograms fill, and the
// threshold/event path fires when the thresholds are lowered to 1 µs (the options an operator
// has). What cannot be forced reliably on this 2-vCPU guest: a real 10 ms softirq or kernel-path
// delay (the kernel runs softirqs on interrupt exit whatever a busy loop does, and a stalled
// ksoftirqd needs a real-time hog that would also stall the test), so the default thresholds are
// asserted only to stay at zero for this light load.
import assert from 'node:assert/strict';

import { deleteNs, ensureHelperBuilt, makePair, type NsPair } from '../native/support.js';
import { tcpTransfer } from '../support/netns.js';
import { sleep } from '../support/proc.js';
import { collect, counter, histogram, startSource, type Source } from './support.js';

const N = 58;
const BYTES = 4 * 1024 * 1024;

/** One bounded TCP transfer from a to b (to a free port, returned); every byte must arrive. */
async function transfer(pair: NsPair): Promise<number> {
  const t = await tcpTransfer({ name: pair.a }, { name: pair.b }, pair.b4, { bytes: BYTES, timeoutMs: 30_000 });
  assert.equal(t.receivedBytes, BYTES, JSON.stringify(t));
  return t.port;
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
      await transfer(pair!);
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
      const port = await transfer(pair!);
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
            e.record.attributes['destination.port'] === port,
        ),
      );
      assert.ok(
        tx.some(
          (e) => e.record.attributes['source.address'] === pair!.a4 && e.record.attributes['destination.port'] === port,
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

// netiftxlatency on the real kernel: UDP from one test namespace to another over a veth, first
// straight through (noqueue), then through a TBF qdisc with a low rate and a long latency, which
// holds packets for up to a second (netem is not built into this kernel).
import assert from 'node:assert/strict';

import { deleteNs, ensureHelperBuilt, inNs, makePair, udpFlood, type NsPair } from '../native/support.js';
import { sleep } from '../support/proc.js';
import { collect, countAbove, counter, histogram, startRunningSource, type Source } from './support.js';

const N = 57;
const vethA = `k${process.pid.toString(36)}n${N}a`;

describe('netiftxlatency (tp_btf/net_dev_queue -> net_dev_start_xmit -> net_dev_xmit)', function () {
  this.timeout(120_000);
  let s: Source | undefined;
  let pair: NsPair | undefined;

  before(async () => {
    await ensureHelperBuilt();
    pair = await makePair('nt', N, { ipv6: false });
    s = await startRunningSource({ netiftxlatency: {} });
  });
  after(async () => {
    await s?.source.stop();
    if (pair) await deleteNs(pair.a, pair.b);
  });

  it('without a delaying qdisc: every packet measured, nothing above the thresholds', async () => {
    const r = await udpFlood(pair!.a, pair!.b4, 9999, 200, 10, 100);
    assert.equal(r.sent, 200);
    await sleep(200);
    const samples = await collect('netiftxlatency', s!, { netnsInode: pair!.aInode, kind: 'netns' });
    const q = histogram(samples, 'kubeskoop.netif.tx.duration', { 'kubeskoop.netif.tx.stage': 'qdisc' });
    const d = histogram(samples, 'kubeskoop.netif.tx.duration', { 'kubeskoop.netif.tx.stage': 'driver' });
    assert.ok(q && q.count >= 200, `qdisc count ${q?.count}`);
    assert.ok(d && d.count >= 200, `driver count ${d?.count}`);
    assert.equal(countAbove(q, 0.1), 0);
    assert.equal(
      counter(samples, 'kubeskoop.netif.tx.slow', {
        'kubeskoop.netif.tx.stage': 'qdisc',
        'kubeskoop.latency.threshold': 0.1,
      }),
      0,
    );
    assert.equal(s!.events.filter((e) => e.inode === pair!.aInode).length, 0);
  });

  it('TBF 200kbit / latency 1s: packets held > 100 ms are counted and reported as TXLAT_QDISC_100MS', async () => {
    await inNs(
      pair!.a,
      'tc',
      'qdisc',
      'add',
      'dev',
      vethA,
      'root',
      'tbf',
      'rate',
      '200kbit',
      'burst',
      '1600',
      'latency',
      '1s',
    );
    const r = await udpFlood(pair!.a, pair!.b4, 9999, 60, 10, 1000);
    assert.equal(r.sent + r.failed, 60);
    await sleep(1800); // the TBF drains its queue (at most ~1 s of it)
    const samples = await collect('netiftxlatency', s!, { netnsInode: pair!.aInode, kind: 'netns' });
    const slow = counter(samples, 'kubeskoop.netif.tx.slow', {
      'kubeskoop.netif.tx.stage': 'qdisc',
      'kubeskoop.latency.threshold': 0.1,
    });
    const q = histogram(samples, 'kubeskoop.netif.tx.duration', { 'kubeskoop.netif.tx.stage': 'qdisc' })!;
    assert.ok(slow >= 5, `qdisc > 100 ms: ${slow}`);
    assert.equal(
      countAbove(q, 0.2),
      counter(samples, 'kubeskoop.netif.tx.slow', {
        'kubeskoop.netif.tx.stage': 'qdisc',
        'kubeskoop.latency.threshold': 0.1,
      }) - (q.bucketCounts[16] ?? 0),
    );
    assert.ok(
      counter(samples, 'kubeskoop.netif.tx.slow', {
        'kubeskoop.netif.tx.stage': 'qdisc',
        'kubeskoop.latency.threshold': 0.01,
      }) >= slow,
    );
    assert.equal(
      counter(samples, 'kubeskoop.netif.tx.slow', {
        'kubeskoop.netif.tx.stage': 'driver',
        'kubeskoop.latency.threshold': 0.1,
      }),
      0,
    );
    const ev = s!.events.filter((e) => e.inode === pair!.aInode && e.record.type === 'TXLAT_QDISC_100MS');
    assert.equal(ev.length, slow, 'one event per slow packet (under the rate limit)');
    for (const e of ev) {
      const a = e.record.attributes;
      assert.equal(e.record.eventName, 'kubeskoop.netif.tx.latency');
      assert.equal(a['network.interface.name'], vethA);
      assert.equal(a['kubeskoop.netif.tx.stage'], 'qdisc');
      assert.ok((a['kubeskoop.latency.duration'] as number) > 0.1 && (a['kubeskoop.latency.duration'] as number) < 2);
      if (a['network.transport'] === 'udp') {
        assert.equal(a['source.address'], pair!.a4);
        assert.equal(a['destination.address'], pair!.b4);
        assert.equal(a['destination.port'], 9999);
      }
    }
    assert.ok(
      ev.some((e) => e.record.attributes['destination.port'] === 9999),
      'the test flow is named',
    );
  });
});

// The histograms' hot path is a direct-mapped per-CPU table with a per-CPU hash behind it for keys
// whose slots are taken. A one-slot table (test-only option) sends all but one key per CPU through
// the hash; the helper's dump sums both per key, so every packet must still be counted once.
describe('netiftxlatency with a one-slot histogram table (hash fallback, summed dump)', function () {
  this.timeout(120_000);
  let s: Source | undefined;
  let pair: NsPair | undefined;

  before(async () => {
    await ensureHelperBuilt();
    pair = await makePair('nu', 59, { ipv6: false });
    s = await startRunningSource({ netiftxlatency: { testLatSlots: 1 } });
  });
  after(async () => {
    await s?.source.stop();
    if (pair) await deleteNs(pair.a, pair.b);
  });

  it('both stages of both namespaces counted for every packet', async () => {
    const ra = await udpFlood(pair!.a, pair!.b4, 9999, 200, 10, 100);
    const rb = await udpFlood(pair!.b, pair!.a4, 9999, 150, 10, 100);
    assert.equal(ra.sent, 200);
    assert.equal(rb.sent, 150);
    await sleep(200);
    // 4 keys (2 namespaces x 2 stages) and 1 slot per CPU: at least 3 of them go through the hash
    for (const [inode, n] of [
      [pair!.aInode, 200],
      [pair!.bInode, 150],
    ] as const) {
      const samples = await collect('netiftxlatency', s!, { netnsInode: inode, kind: 'netns' });
      const q = histogram(samples, 'kubeskoop.netif.tx.duration', { 'kubeskoop.netif.tx.stage': 'qdisc' });
      const d = histogram(samples, 'kubeskoop.netif.tx.duration', { 'kubeskoop.netif.tx.stage': 'driver' });
      assert.ok(q && q.count >= n, `qdisc count ${q?.count} < ${n}`);
      assert.ok(d && d.count >= n, `driver count ${d?.count} < ${n}`);
      assert.equal(q.count, d.count, 'every packet queued was handed to the driver and counted in both stages');
      assert.equal(
        q.bucketCounts.reduce((a, b) => a + b, 0),
        q.count,
      );
      assert.ok(q.sum > 0 && d.sum > 0);
    }
  });
});

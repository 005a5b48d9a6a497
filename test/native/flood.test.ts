// A bounded drop flood in two test namespaces at once: the in-kernel counts are exact, the
// events delivered respect the per-namespace and global rate limits, and for each namespace
// delivered + counted-as-undelivered = total.
import assert from 'node:assert/strict';

import {
  NS_PREFIX,
  deleteNs,
  nsName,
  ensureHelperBuilt,
  inNs,
  makeSingle,
  startClient,
  udpFlood,
  type Harness,
} from './support.js';
import { sleep } from '../support/proc.js';

const PER_NS = 150_000;
const NETNS_RATE = 200;
const GLOBAL_RATE = 300;

describe('native packetloss flood (real BPF)', function () {
  this.timeout(120_000);
  const names = [nsName('flood1'), nsName('flood2')];
  const inodes: number[] = [];
  let h: Harness;

  before(async () => {
    await ensureHelperBuilt();
    for (const n of names) {
      const { ns, inode } = await makeSingle(n.slice(NS_PREFIX.length));
      await inNs(ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1');
      // dropped on output, in the sender's own context: no backlog between send and drop
      await inNs(
        ns,
        'nft',
        'add table inet ksotel; add chain inet ksotel out { type filter hook output priority 0; }; add rule inet ksotel out udp dport 9999 drop',
      );
      inodes.push(inode);
    }
    h = await startClient({
      probes: { packetloss: { netnsRatePerSecond: NETNS_RATE, globalRatePerSecond: GLOBAL_RATE } },
    });
    assert.equal(h.client.status().probes.packetloss.state, 'running', h.client.status().probes.packetloss.reason);
  });
  after(async () => {
    await h?.client.stop();
    await deleteNs(...names);
  });

  it(`${2 * PER_NS} dropped packets: exact counts, rate limits held, delivered + undelivered = total`, async () => {
    const t0 = Date.now();
    const results = await Promise.all(names.map((n) => udpFlood(n, '127.0.0.1', 9999, PER_NS, 60)));
    await sleep(200);
    const d = await h.client.dumpCounters(); // drains every submitted event before answering
    const elapsedS = (Date.now() - t0) / 1000;
    // events can span at most floor(elapsed)+2 one-second windows; each roll-over may let one
    // extra event per CPU through (atomics-only limiter)
    const windows = Math.floor(elapsedS) + 2;
    const slack = 2 * windows;
    let delivered = 0;
    for (const [i, ns] of inodes.entries()) {
      const r = results[i]!;
      assert.equal(r.failed, PER_NS, `sendto EPERM count ${JSON.stringify(r)}`); // every packet reached the DROP rule
      const counts = d.events.filter((c) => c.probe === 'packetloss' && c.netnsInode === ns);
      const total = counts.find((c) => c.key === 'NETFILTER_DROP')?.count ?? 0;
      const misses = d.probes[0]!.programs.map((p) => p.recursionMisses).join(',');
      assert.equal(total, PER_NS, `in-kernel count (recursion misses ${misses})`);
      // nothing else in these namespaces produced events
      assert.equal(
        counts.filter((c) => c.key !== 'NETFILTER_DROP' && c.key !== 'NOT_SPECIFIED').length,
        0,
        JSON.stringify(counts),
      );
      const got = h.events.filter((e) => e.netnsInode === ns).length;
      const undelivered = d.undelivered.filter((u) => u.netnsInode === ns).reduce((a, u) => a + u.count, 0);
      assert.equal(got + undelivered, total, `delivered ${got} + undelivered ${undelivered} vs total ${total}`);
      assert.ok(got <= NETNS_RATE * windows + slack, `namespace ${ns}: ${got} events in ${elapsedS}s > limit`);
      assert.ok(got > 0);
      delivered += got;
      const byCause = new Set(d.undelivered.filter((u) => u.netnsInode === ns).map((u) => u.cause));
      assert.ok(byCause.has('netns_rate_limit'), [...byCause].join());
    }
    assert.ok(delivered <= GLOBAL_RATE * windows + slack, `${delivered} events in ${elapsedS}s > global limit`);
    const totals = d.probes.find((p) => p.probe === 'packetloss')!;
    assert.ok(totals.globalRateLimited > 0 || delivered <= GLOBAL_RATE, 'global limiter never engaged');
  });
});

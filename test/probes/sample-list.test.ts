// Samples kept across cycles (receiver/probes/sample-list.ts): a series keeps its sample object and
// only its value is written, in two buffers that alternate, so a published snapshot stays as it was
// while the next cycle writes. Checked on the list itself and through the real scheduler on a real
// namespace with traffic between cycles: the reused samples carry this cycle's values, the previous
// snapshot's do not move, and an idle namespace's snapshot equals the pure functions on its files.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SampleList } from '../../receiver/probes/sample-list.js';
import { Scheduler } from '../../receiver/snapshot/scheduler.js';
import { discoverTargets } from '../../receiver/targets/discover.js';
import { METRIC_PROBES } from '../../receiver/probes/catalog.js';
import { silentLogger } from '../../receiver/log.js';
import type { MetricSample } from '../../receiver/probes/probe.js';
import { holdSnapshot, type Snapshot } from '../../receiver/snapshot/snapshot.js';
import { netdevSamples } from '../../receiver/probes/netdev.js';
import { tcpSamples } from '../../receiver/probes/tcp.js';
import { udpSamples } from '../../receiver/probes/udp.js';
import { ipSamples } from '../../receiver/probes/ip.js';
import { tcpextSamples } from '../../receiver/probes/tcpext.js';
import { sockSamples } from '../../receiver/probes/sock.js';
import { parseMibPairs, parseSnmp6 } from '../../receiver/probes/parsers/snmp.js';
import { parseSockstat } from '../../receiver/probes/parsers/sockstat.js';
import { pageSize } from '../../receiver/probes/page-size.js';
import { NETDEV_IO, NETDEV_PACKET_COUNT, TCP_OPENS } from '../../semconv/generated/registry.js';
import { cleanupAll, createNetns, sendUdp, type Netns } from '../support/netns.js';

const A = { a: 1 };
const B = { a: 2 };

describe('samples kept across cycles (sample-list.ts)', () => {
  it("a series keeps its object two cycles later with the new value; the last cycle's samples do not move", () => {
    const list = new SampleList();
    list.add(TCP_OPENS, 1, A);
    list.add(TCP_OPENS, 2, B);
    const first = list.samples();
    const firstObjects = [...first];
    list.next().add(TCP_OPENS, 10, A);
    list.add(TCP_OPENS, 20, B);
    const second = list.samples();
    assert.notEqual(second, first);
    assert.deepEqual(
      first.map((s) => s.value),
      [1, 2],
    );
    list.next().add(TCP_OPENS, 100, A);
    list.add(TCP_OPENS, 200, B);
    const third = list.samples();
    assert.equal(third, first, 'the buffer of two cycles ago is written again');
    assert.ok(
      third.every((s, i) => s === firstObjects[i]),
      'same sample objects',
    );
    assert.deepEqual(
      third.map((s) => s.value),
      [100, 200],
    );
    assert.deepEqual(
      second.map((s) => s.value),
      [10, 20],
    );
  });

  it('another metric or attribute object at a position makes a new sample; a shorter cycle drops the rest', () => {
    const list = new SampleList();
    list.add(TCP_OPENS, 1, A);
    list.add(TCP_OPENS, 2, B);
    const before = [...list.samples()];
    list.next();
    list.next().add(TCP_OPENS, 3, B);
    const s = list.samples();
    assert.equal(s.length, 1);
    assert.notEqual(s[0], before[0]);
    assert.deepEqual({ ...s[0]! }, { metric: TCP_OPENS, value: 3, attributes: B });
    list.next();
    list.next().add(NETDEV_IO.pod, 4, B);
    assert.equal(list.samples()[0]!.metric, NETDEV_IO.pod);
    assert.equal(list.samples()[0]!.value, 4);
  });

  describe('through the scheduler, on a real namespace', function () {
    this.timeout(60_000);
    let ns: Netns;
    const probeNames = ['netdev', 'tcp', 'udp', 'ip', 'tcpext', 'sock'];
    let scheduler: Scheduler;
    before(async () => {
      ns = await createNetns({ label: 'samples' });
      scheduler = new Scheduler({
        intervalMs: 60_000,
        procRoot: '/proc',
        probes: probeNames.map((name) => ({ probe: METRIC_PROBES.get(name)!.create(), options: {} })),
        log: silentLogger,
        discover: () => {
          const d = discoverTargets({ procRoot: '/proc', netnsDir: '/run/netns', selfOnly: false });
          return { ...d, targets: d.targets.filter((t) => t.netnsInode === ns.inode) };
        },
      });
      await scheduler.startProbes();
    });
    after(async () => {
      await scheduler?.stop();
      await cleanupAll();
    });

    const samplesOf = (snap: Snapshot, probe: string): readonly MetricSample[] => {
      const e = snap.entries.find((x) => x.probe === probe && x.target.netnsInode === ns.inode);
      assert.ok(e, `${probe} has an entry for the namespace`);
      return e.samples;
    };
    const values = (snap: Snapshot): Map<string, number[]> =>
      new Map(probeNames.map((p) => [p, samplesOf(snap, p).map((s) => s.value as number)]));
    const loRxPackets = (snap: Snapshot): number => {
      const packets = new Set(Object.values(NETDEV_PACKET_COUNT));
      const s = samplesOf(snap, 'netdev').find(
        (x) =>
          packets.has(x.metric) &&
          Object.values(x.attributes).includes('lo') &&
          Object.values(x.attributes).includes('receive'),
      );
      assert.ok(s, 'a lo receive packet count');
      return s.value as number;
    };

    it('reused samples carry the new values, and the previous snapshot keeps its own', async () => {
      const c1 = await scheduler.runCycle();
      const v1 = values(c1);
      const objects1 = new Map(probeNames.map((p) => [p, [...samplesOf(c1, p)]]));
      await sendUdp(ns, ns, '127.0.0.1', { count: 5, size: 100 });
      const c2 = await scheduler.runCycle();
      assert.deepEqual(values(c1), v1, 'cycle 1 unchanged by cycle 2');
      const v2 = values(c2);
      assert.ok(loRxPackets(c2) >= loRxPackets(c1) + 5, 'cycle 2 saw the datagrams');
      await sendUdp(ns, ns, '127.0.0.1', { count: 5, size: 100 });
      const c3 = await scheduler.runCycle();
      assert.deepEqual(values(c2), v2, 'cycle 2 unchanged by cycle 3');
      assert.ok(loRxPackets(c3) >= loRxPackets(c2) + 5, 'cycle 3 saw the datagrams, in the reused samples');
      for (const p of probeNames) {
        const o1 = objects1.get(p)!;
        const s3 = samplesOf(c3, p);
        assert.equal(s3.length, o1.length, `${p}: same series`);
        assert.ok(
          s3.every((s, i) => s === o1[i]),
          `${p}: cycle 3 wrote into cycle 1's sample objects`,
        );
      }
    });

    it('a snapshot still being read (holdSnapshot) keeps its samples: the cycles meanwhile write new ones', async () => {
      const c1 = await scheduler.runCycle();
      const release = holdSnapshot(c1);
      try {
        const v1 = values(c1);
        const objects1 = new Map(probeNames.map((p) => [p, [...samplesOf(c1, p)]]));
        await sendUdp(ns, ns, '127.0.0.1', { count: 5, size: 100 });
        await scheduler.runCycle();
        await sendUdp(ns, ns, '127.0.0.1', { count: 5, size: 100 });
        const c3 = await scheduler.runCycle();
        assert.deepEqual(values(c1), v1, 'the held snapshot did not move');
        assert.ok(loRxPackets(c3) >= loRxPackets(c1) + 10, 'cycle 3 saw the datagrams');
        for (const p of probeNames)
          assert.ok(
            samplesOf(c3, p).every((s, i) => s !== objects1.get(p)![i]),
            `${p}: cycle 3 did not write into the held snapshot's samples`,
          );
      } finally {
        release();
      }
    });

    it("an idle namespace's kept samples equal the pure functions on its files, series and values", async () => {
      const pid = ns.pid;
      const read = (f: string): string => readFileSync(`/proc/${pid}/net/${f}`, 'latin1');
      const expected = (): Map<string, Map<string, number>> => {
        const snmp = parseMibPairs(read('snmp'));
        const snmp6 = parseSnmp6(read('snmp6'));
        const netstat = parseMibPairs(read('netstat'));
        const out: Record<string, readonly MetricSample[]> = {
          netdev: netdevSamples(read('dev'), 'netns').samples,
          tcp: tcpSamples(snmp).samples,
          udp: udpSamples(snmp, snmp6).samples,
          ip: ipSamples(snmp, snmp6, netstat).samples,
          tcpext: tcpextSamples(netstat).samples,
          sock: sockSamples(parseSockstat(read('sockstat')), parseSockstat(read('sockstat6')), {
            nodeWide: false,
            pageBytes: pageSize('/proc').bytes,
          }).samples,
        };
        return new Map(probeNames.map((p) => [p, seriesMap(out[p]!)]));
      };
      let match = false;
      for (let attempt = 0; attempt < 5 && !match; attempt++) {
        const before = expected();
        // Two cycles: both buffers written at least twice by now (the earlier test ran three).
        await scheduler.runCycle();
        const snap = await scheduler.runCycle();
        const after = expected();
        // Only a namespace whose files did not move around the cycles is compared exactly.
        if (!deepEqualMaps(before, after)) continue;
        match = true;
        for (const p of probeNames) assert.deepEqual(seriesMap(samplesOf(snap, p)), after.get(p), p);
      }
      assert.ok(match, 'the namespace stayed idle over two cycles in one of five attempts');
    });
  });
});

function seriesMap(samples: readonly MetricSample[]): Map<string, number> {
  return new Map(samples.map((s) => [`${s.metric.name} ${JSON.stringify(s.attributes)}`, s.value as number]));
}

function deepEqualMaps(a: Map<string, Map<string, number>>, b: Map<string, Map<string, number>>): boolean {
  try {
    assert.deepEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

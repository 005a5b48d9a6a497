// The streamed /metrics exposition (receiver/pipeline/prometheus-exposition.ts) must print exactly
// what @opentelemetry/exporter-prometheus prints for the same snapshot through the SDK path
// (SnapshotMetricProducer → PrometheusSerializer): on a real snapshot of this machine, with a test
// pod whose identity needs escaping, and on 2,000 generated snapshots (odd label values, NaN/±Inf,
// histograms, a metric two probes fill).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { writeSnapshotExposition } from '../../receiver/pipeline/prometheus-exposition.js';
import { SnapshotMetricProducer } from '../../receiver/pipeline/snapshot-producer.js';
import { Scheduler } from '../../receiver/snapshot/scheduler.js';
import { discoverTargets } from '../../receiver/targets/discover.js';
import { METRIC_PROBES } from '../../receiver/probes/catalog.js';
import { silentLogger } from '../../receiver/log.js';
import type { MetricSample } from '../../receiver/probes/probe.js';
import type { Snapshot, SnapshotEntry } from '../../receiver/snapshot/snapshot.js';
import type { Target } from '../../receiver/targets/target.js';
import { METRICS } from '../../semconv/generated/registry.js';
import { cleanupAll, createPod, tcpTransfer, type TestPod } from '../support/netns.js';

/** The SDK's text for a snapshot: the producer's collection through the exporter's serializer, with
 *  the agent's settings (no scope labels) and without target_info (the agent writes that once, apart). */
async function sdkText(snap: Snapshot): Promise<string> {
  const producer = new SnapshotMetricProducer(() => snap, resourceFromAttributes({ 'service.name': 't' }), { name: 'kubeskoop-otel', version: '0' });
  const { resourceMetrics } = await producer.collect();
  const text = new PrometheusSerializer(undefined, false, undefined, true, true).serialize(resourceMetrics);
  return text === '# no registered metrics' ? '' : text;
}

async function streamedText(snap: Snapshot): Promise<{ text: string; chunks: number[] }> {
  const chunks: string[] = [];
  await writeSnapshotExposition(snap, { write: (c) => { chunks.push(c); } });
  return { text: chunks.join(''), chunks: chunks.map((c) => c.length) };
}

describe('pipeline: streamed Prometheus exposition = the SDK exporter\'s text', function () {
  this.timeout(120_000);
  let pod: TestPod | undefined;
  after(async () => { await pod?.dispose(); await cleanupAll(); });

  it('on a real snapshot of every procfs probe over this machine\'s namespaces (a pod whose name needs escaping)', async () => {
    pod = await createPod({ label: 'expo' });
    // Some real TCP traffic in the pod, so counters are not all zero.
    await tcpTransfer(pod.netns, pod.netns, '127.0.0.1', { bytes: 20_000 });
    const probes = ['netdev', 'sock', 'tcp', 'udp', 'ip', 'tcpext', 'softnet', 'io', 'fd', 'conntrack', 'ipvs'].map((name) => ({
      probe: METRIC_PROBES.get(name)!.create(),
      options: ['udp', 'ip', 'tcpext'].includes(name) ? { fields: ['*'] } : {},
    }));
    const podInode = pod.netns.inode;
    const scheduler = new Scheduler({
      intervalMs: 15_000, procRoot: '/proc', probes, log: silentLogger,
      discover: () => discoverTargets({ procRoot: '/proc', netnsDir: '/run/netns', selfOnly: false }),
      identify: (targets) => targets.map((t): Target => (t.netnsInode === podInode
        ? { ...t, kind: 'pod', pod: { name: 'we"b\\0\nx', namespace: 'shop', uid: 'u-1' } } : t)),
    });
    await scheduler.startProbes();
    const snap = await scheduler.runCycle();
    await scheduler.stop();
    const series = snap.entries.reduce((n, e) => n + e.samples.length, 0);
    assert.ok(series > 500, `a real snapshot (${series} samples over ${snap.targets.length} targets)`);
    const expected = await sdkText(snap);
    const { text, chunks } = await streamedText(snap);
    assert.ok(text.includes('k8s_pod_name="we\\"b\\\\0\\nx"'), 'the pod name is escaped');
    assert.equal(text, expected);
    // Memory stays per chunk: no chunk is much larger than 64 KiB (one family header or series line over).
    assert.ok(chunks.length > 1 || text.length < 65_536, `written in chunks (${chunks.length} for ${text.length} bytes)`);
    assert.ok(Math.max(...chunks) < 65_536 + 4_096, `largest chunk ${Math.max(...chunks)} bytes`);
  });

  it('on 2,000 generated snapshots: odd label values, NaN/±Inf, histograms, one metric filled by two probes', async () => {
    const scalarMetrics = METRICS.filter((m) => m.instrument !== 'histogram');
    const histogramMetrics = METRICS.filter((m) => m.instrument === 'histogram');
    const labelText = fc.string({ unit: fc.constantFrom('a', 'Z', '0', '"', '\\', '\n', ' ', '=', ',', '{', 'é', '😀', '.'), maxLength: 8 });
    const attrs = fc.dictionary(fc.constantFrom('interface.name', 'network.io.direction', 'kubeskoop.field', 'cpu.logical_number', 'x-y.z'),
      fc.oneof(labelText, fc.integer({ min: -5, max: 1_000_000 })), { maxKeys: 3 });
    const value = fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }), fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, 0.1 + 0.2));
    const histogram = fc.integer({ min: 0, max: 4 }).chain((n) => fc.record({
      boundaries: fc.constant([0.001, 0.01, 0.1, 1].slice(0, n)),
      bucketCounts: fc.array(fc.nat(1000), { minLength: n + 1, maxLength: n + 1 }),
      sum: fc.double({ min: 0, max: 1e6, noNaN: true }),
    })).map((h) => ({ ...h, count: h.bucketCounts.reduce((a, b) => a + b, 0) }));
    const sample = fc.oneof(
      fc.record({ metric: fc.constantFrom(...scalarMetrics), value, attributes: attrs }),
      fc.record({ metric: fc.constantFrom(...histogramMetrics), value: histogram, attributes: attrs }),
    ) as fc.Arbitrary<MetricSample>;
    const target = fc.record({
      netnsInode: fc.integer({ min: 1, max: 40 }),
      kind: fc.constantFrom('pod' as const, 'netns' as const, 'host' as const),
      podName: fc.option(labelText, { nil: undefined }),
    }).map(({ netnsInode, kind, podName }): Target => ({
      netnsInode, pid: 1, pids: [1], kind,
      ...(podName !== undefined ? { pod: { name: podName, namespace: 'ns', uid: `u${netnsInode}` } } : {}),
    }));
    const entry = fc.record({ probe: fc.constantFrom('a', 'b'), target, samples: fc.array(sample, { maxLength: 6 }) });
    await fc.assert(fc.asyncProperty(fc.array(entry, { maxLength: 8 }), async (entries: SnapshotEntry[]) => {
      // As in a real snapshot: one entry per probe and target, and one probe never reports the same
      // series twice; two probes may (the first wins in both paths).
      const unique = entries.filter((e, i) => entries.findIndex((o) => o.probe === e.probe && o.target.netnsInode === e.target.netnsInode) === i).map((e) => ({ ...e, samples: e.samples.filter((s, i) => e.samples.findIndex((o) => o.metric.name === s.metric.name && JSON.stringify(o.attributes) === JSON.stringify(s.attributes)) === i) }));
      const snap: Snapshot = { cycle: 1, takenAt: 1_000, cycleDurationMs: 1, targets: [], entries: unique, probes: new Map() };
      assert.equal((await streamedText(snap)).text, await sdkText(snap));
    }), { numRuns: 2_000 });
  });
});

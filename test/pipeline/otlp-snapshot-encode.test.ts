// OTLP straight from the snapshot: the producer hands the exporter columns over the snapshot's values
// (no DataPoint object per point) and the encoder writes the protobuf from them. Checked on generated
// snapshots (counters that reset, up-down counters, gauges, histograms; pod, netns and host targets;
// hostNetwork pods' process samples moved to the pod's Resource; duplicate series; requests split at
// a few points): the bytes equal the SDK serializer's encoding of the same collection as MetricData
// (ProtobufMetricsSerializer, the independent oracle), they decode with the OTLP protos to exactly the
// snapshot's samples under the right Resource, and the column path is the one taken — except for a
// resource the encoder cannot write (a negative integer attribute), which goes to the SDK's serializer.
import assert from 'node:assert/strict';
import path from 'node:path';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { encodeMetricsRequest, encodedPoints } from '../../receiver/pipeline/otlp-encode.js';
import { byResource, packRequests, pointCount } from '../../receiver/pipeline/otlp-metrics.js';
import { SNAPSHOT_POINTS, SnapshotMetricProducer } from '../../receiver/pipeline/snapshot-producer.js';
import { createResources } from '../../receiver/pipeline/resources.js';
import { loadConfig } from '../../receiver/config/load.js';
import { probeCapabilities } from '../../receiver/agent.js';
import type { Snapshot, SnapshotEntry } from '../../receiver/snapshot/snapshot.js';
import type { Target } from '../../receiver/targets/target.js';
import type { HistogramValue, MetricSample } from '../../receiver/probes/probe.js';
import { METRICS } from '../../semconv/generated/registry.js';
import { protoDir } from '../support/otlp-receiver.js';
import { shopPod } from '../support/snapshots.js';
import { SampleList } from '../../receiver/probes/sample-list.js';

const byInstrument = (i: string) => METRICS.find((m) => m.instrument === i && !m.name.startsWith('kubeskoop.agent'))!;
const DEFS = [byInstrument('counter'), byInstrument('updowncounter'), byInstrument('gauge'), byInstrument('histogram')];

function requestType(): protobuf.Type {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => path.join(protoDir(), target);
  root.loadSync('opentelemetry/proto/collector/metrics/v1/metrics_service.proto');
  return root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest');
}
const Request = requestType();

const sdkBytes = (request: ResourceMetrics[]): Buffer =>
  Buffer.concat(request.map((rm) => ProtobufMetricsSerializer.serializeRequest(rm)!));

// One sample: a metric of the four kinds, a small attribute set (sometimes a hostNetwork pod's
// process, sometimes a negative integer), a value.
const sampleArb = fc
  .record({
    def: fc.integer({ min: 0, max: 3 }),
    iface: fc.constantFrom('eth0', 'lo', 'zürich-Ω'),
    dir: fc.constantFrom('receive', 'transmit'),
    port: fc.integer({ min: 0, max: 70000 }),
    hostPod: fc.integer({ min: 0, max: 9 }),
    value: fc.integer({ min: 0, max: 2 ** 45 }),
    ratio: fc.double({ min: 0, max: 1e6, noNaN: true }),
    counts: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 4 }),
  })
  .map((s): MetricSample => {
    const def = DEFS[s.def]!;
    const attributes: Record<string, string | number> = { 'network.interface.name': s.iface, dir: s.dir, port: s.port };
    if (s.hostPod === 0)
      Object.assign(attributes, {
        'k8s.pod.uid': 'host-pod-uid',
        'k8s.pod.name': 'hp',
        'k8s.namespace.name': 'kube-system',
      });
    let value: number | HistogramValue = def.instrument === 'gauge' ? s.ratio : s.value;
    if (def.instrument === 'histogram') {
      const boundaries = s.counts.slice(1).map((_, i) => 0.001 * 2 ** i);
      value = { boundaries, bucketCounts: s.counts, sum: s.ratio, count: s.counts.reduce((a, b) => a + b, 0) };
    }
    return { metric: def, value, attributes };
  });

const targetArb = (i: number): fc.Arbitrary<Target> =>
  fc.constantFrom<Target>(
    shopPod(i, 4026530000),
    { netnsInode: 4026530000 + i, pid: 1, pids: [1], kind: 'netns', netnsName: `ns-${i}` },
    { netnsInode: 4026530000 + i, pid: 1, pids: [1], kind: 'host', nodeName: 'node-a' },
  );

const snapshotArb = (negative: boolean): fc.Arbitrary<Snapshot> =>
  fc
    .array(
      fc.array(fc.array(sampleArb, { minLength: negative ? 1 : 0, maxLength: 6 }), { minLength: 1, maxLength: 2 }),
      {
        minLength: 1,
        maxLength: 4,
      },
    )
    .chain((perTarget) =>
      fc.tuple(
        fc.constant(perTarget),
        fc.tuple(...perTarget.map((_, i) => targetArb(i))),
        fc.integer({ min: 1, max: 2 ** 40 }),
      ),
    )
    .map(([perTarget, targets, takenAt]) => {
      const entries: SnapshotEntry[] = perTarget.flatMap((probes, i) =>
        probes.map((samples, p) => ({ probe: `p${p}`, target: targets[i]!, samples })),
      );
      if (negative) {
        const [first, ...rest] = entries[0]!.samples;
        entries[0] = {
          ...entries[0]!,
          samples: [{ ...first!, attributes: { ...first!.attributes, offset: -3 } }, ...rest],
        };
      }
      return { cycle: 1, takenAt, cycleDurationMs: 1, targets, entries, probes: new Map() };
    });

const config = loadConfig({ env: {}, flags: {}, probes: probeCapabilities() });

/** The snapshot's series as the receiver should see them: one per (namespace or pod, metric, attributes), first probe wins. */
function expectedSeries(snap: Snapshot): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of snap.entries) {
    for (const s of e.samples) {
      const own = { ...s.attributes };
      const shared = own['k8s.pod.uid'] !== undefined;
      const where = shared ? `pod ${own['k8s.pod.uid']}` : `netns ${e.target.netnsInode}`;
      for (const k of Object.keys(own)) if (k.startsWith('k8s.')) delete own[k];
      const key = `${where}|${s.metric.name}|${JSON.stringify(Object.entries(own).sort())}`;
      const dedupe = `${e.target.netnsInode}|${s.metric.name}|${JSON.stringify(s.attributes)}`;
      if (out.has(`dedupe ${dedupe}`)) continue;
      out.set(`dedupe ${dedupe}`, 0);
      out.set(key, typeof s.value === 'number' ? s.value : s.value.count);
    }
  }
  for (const k of [...out.keys()]) if (k.startsWith('dedupe ')) out.delete(k);
  return out;
}

const anyValue = (v: any): string | number => v.stringValue ?? Number(v.intValue ?? v.doubleValue);

/** What the receiver gets, by the same keys. */
function receivedSeries(bytes: Uint8Array): Map<string, number> {
  const out = new Map<string, number>();
  const msg = Request.decode(bytes).toJSON() as any;
  for (const rm of msg.resourceMetrics ?? []) {
    const res = new Map<string, string | number>(rm.resource.attributes.map((a: any) => [a.key, anyValue(a.value)]));
    const where =
      res.get('kubeskoop.netns.inode') !== undefined
        ? `netns ${res.get('kubeskoop.netns.inode')}`
        : `pod ${res.get('k8s.pod.uid')}`;
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const data = m.sum ?? m.gauge ?? m.histogram;
        for (const p of data.dataPoints) {
          const attrs = (p.attributes ?? []).map((a: any) => [a.key, anyValue(a.value)]).sort();
          const v = m.histogram ? Number(p.count) : Number(p.asInt ?? p.asDouble ?? 0);
          const key = `${where}|${m.name}|${JSON.stringify(attrs)}`;
          assert.ok(!out.has(key), `${key} twice`);
          out.set(key, v);
        }
      }
    }
  }
  return out;
}

describe('pipeline: OTLP encoded straight from the snapshot', () => {
  it('generated snapshots, split into requests: the SDK serializer’s bytes, the snapshot’s samples, the column path', async () => {
    const Resources = createResources(config, '0.0.0-test', {});
    await fc.assert(
      fc.asyncProperty(snapshotArb(false), fc.integer({ min: 1, max: 7 }), async (snap, max) => {
        const producer = new SnapshotMetricProducer(() => snap, Resources, { name: 'kubeskoop-otel', version: '1' });
        // twice: the second collection reuses kept start times and cached encodings
        for (let round = 0; round < 2; round++) {
          const { resourceMetrics } = await producer.collect();
          const requests = packRequests(byResource(resourceMetrics), max);
          const parts: Buffer[] = [];
          for (const request of requests) {
            const points = request.reduce((n, rm) => n + pointCount(rm), 0);
            assert.ok(points <= max);
            for (const rm of request)
              for (const sm of rm.scopeMetrics)
                assert.ok((sm as any)[SNAPSHOT_POINTS], 'a scope of the snapshot is columns');
            const before = { ...encodedPoints };
            const ours = Buffer.from(encodeMetricsRequest(request)!);
            assert.deepEqual(encodedPoints, { ...before, columns: before.columns + points });
            // the oracle reads `metrics`: the same collection as the SDK's MetricData
            assert.deepEqual(ours, sdkBytes(request));
            parts.push(ours);
          }
          assert.deepEqual(receivedSeries(Buffer.concat(parts)), expectedSeries(snap));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('cycles where series appear, disappear and change attributes: each collection the SDK’s bytes and its snapshot’s samples', async () => {
    const Resources = createResources(config, '0.0.0-test', {});
    // Successive snapshots of one producer over the same namespaces (inodes by position): a series of one
    // cycle may be gone in the next, come back, or carry other attributes; kept groups, start times and
    // cached encodings must follow. Every other cycle the attribute objects are copies (a probe that
    // builds them per cycle), else the same objects (a probe that keeps them).
    await fc.assert(
      fc.asyncProperty(
        fc.array(snapshotArb(false), { minLength: 2, maxLength: 5 }),
        fc.integer({ min: 1, max: 7 }),
        async (snaps, max) => {
          let current = snaps[0]!;
          const producer = new SnapshotMetricProducer(() => current, Resources, {
            name: 'kubeskoop-otel',
            version: '1',
          });
          for (let cycle = 0; cycle < snaps.length * 2; cycle++) {
            const snap = snaps[cycle % snaps.length]!;
            current =
              cycle % 2 === 0
                ? snap
                : {
                    ...snap,
                    entries: snap.entries.map((e) => ({
                      ...e,
                      samples: e.samples.map((x) => ({ ...x, attributes: { ...x.attributes } })),
                    })),
                  };
            const { resourceMetrics } = await producer.collect();
            const requests = packRequests(byResource(resourceMetrics), max);
            const parts = requests.map((request) => {
              const ours = Buffer.from(encodeMetricsRequest(request)!);
              assert.deepEqual(ours, sdkBytes(request));
              return ours;
            });
            assert.deepEqual(receivedSeries(Buffer.concat(parts)), expectedSeries(current), `cycle ${cycle}`);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a collection keeps the values it read: the next cycle publishing into the same samples does not change its requests', async () => {
    const Resources = createResources(config, '0.0.0-test', {});
    await fc.assert(
      fc.asyncProperty(snapshotArb(false), fc.integer({ min: 1, max: 7 }), async (generated, max) => {
        // The entries' samples as the scheduler keeps them: one SampleList per entry, published.
        const lists = generated.entries.map((e) => {
          const list = new SampleList();
          for (const x of e.samples) list.add(x.metric, x.value, x.attributes);
          return list;
        });
        const snap: Snapshot = {
          ...generated,
          entries: generated.entries.map((e, i) => ({ ...e, samples: lists[i]!.publish(false) })),
        };
        const expected = expectedSeries(snap);
        const producer = new SnapshotMetricProducer(() => snap, Resources, { name: 'kubeskoop-otel', version: '1' });
        const { resourceMetrics } = await producer.collect();
        // the next cycle: every series again, other values, published in place (no snapshot held)
        generated.entries.forEach((e, i) => {
          const list = lists[i]!.next();
          for (const x of e.samples)
            list.add(
              x.metric,
              typeof x.value === 'number'
                ? x.value + 1
                : {
                    ...x.value,
                    bucketCounts: x.value.bucketCounts.map((c) => c + 1),
                    count: x.value.count + x.value.bucketCounts.length,
                  },
              x.attributes,
            );
          assert.equal(list.publish(false), snap.entries[i]!.samples, 'written in place');
        });
        if (snap.entries.some((e) => e.samples.length > 0))
          assert.notDeepEqual(expectedSeries(snap), expected, 'the samples moved on');
        const requests = packRequests(byResource(resourceMetrics), max);
        const bytes = requests.map((request) => {
          const ours = Buffer.from(encodeMetricsRequest(request)!);
          assert.deepEqual(ours, sdkBytes(request));
          return ours;
        });
        assert.deepEqual(receivedSeries(Buffer.concat(bytes)), expected);
      }),
      { numRuns: 150 },
    );
  });

  it('a resource with a negative integer attribute goes through the SDK’s serializer, the others from columns', async () => {
    const Resources = createResources(config, '0.0.0-test', {});
    await fc.assert(
      fc.asyncProperty(snapshotArb(true), async (snap) => {
        const producer = new SnapshotMetricProducer(() => snap, Resources, { name: 'kubeskoop-otel', version: '1' });
        const { resourceMetrics } = await producer.collect();
        const request = byResource(resourceMetrics);
        const before = { ...encodedPoints };
        const ours = Buffer.from(encodeMetricsRequest(request)!);
        const total = request.reduce((n, rm) => n + pointCount(rm), 0);
        const viaSdk = encodedPoints.sdk - before.sdk;
        assert.ok(viaSdk >= 1, 'the resource with the negative attribute went to the SDK');
        assert.equal(encodedPoints.columns - before.columns + viaSdk, total);
        assert.equal(encodedPoints.objects, before.objects);
        assert.deepEqual(ours, sdkBytes(request));
        assert.deepEqual(receivedSeries(ours), expectedSeries(snap));
      }),
      { numRuns: 50 },
    );
  });
});

// A large collection leaves as several OTLP requests of at most 2048 data points (bounded encoding
// memory; each request far under a collector's default 4 MiB gRPC message limit), and nothing is
// lost or duplicated on the way: checked on a real gRPC OTLP receiver, and the split itself on
// generated collections.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DataPointType, AggregationTemporality, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ValueType } from '@opentelemetry/api';
import { splitResourceMetrics } from '../../receiver/pipeline/export-accounting.js';
import { createTelemetry, type Telemetry } from '../../receiver/pipeline/telemetry.js';
import { loadConfig } from '../../receiver/config/load.js';
import { probeCapabilities } from '../../receiver/agent.js';
import { silentLogger } from '../../receiver/log.js';
import type { Snapshot } from '../../receiver/snapshot/snapshot.js';
import type { Target } from '../../receiver/targets/target.js';
import { NETDEV_IO } from '../../semconv/generated/registry.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';

describe('pipeline: large OTLP collections are split into bounded requests', function () {
  this.timeout(60_000);
  let rx: OtlpReceiver | undefined;
  let telemetry: Telemetry | undefined;
  after(async () => { await telemetry?.shutdown(); await rx?.close(); });

  it('5,000 series reach a real gRPC receiver complete, in requests of ≤ 2048 points', async () => {
    rx = await startOtlpReceiver();
    const targets: Target[] = Array.from({ length: 50 }, (_, i) => ({ netnsInode: 1000 + i, pid: 1, pids: [1], kind: 'netns' }));
    const snap: Snapshot = {
      cycle: 1, takenAt: Date.now(), cycleDurationMs: 1, targets, probes: new Map(),
      entries: targets.map((t) => ({
        probe: 'netdev', target: t,
        samples: Array.from({ length: 100 }, (_, k) => ({ metric: NETDEV_IO, value: t.netnsInode * 1000 + k, attributes: { 'network.interface.name': `if${k}`, 'network.io.direction': 'receive' } })),
      })),
    };
    const config = loadConfig({ env: {}, flags: { otlpEndpoint: rx.grpcEndpoint, otlpProtocol: 'grpc' }, probes: probeCapabilities() });
    telemetry = createTelemetry({ config, version: '0', snapshot: () => snap, log: silentLogger });
    await telemetry.forceFlush(); // one export (the shutdown in `after` adds a second)
    const requests = rx.requests.filter((r) => r.signal === 'metrics');
    const sizes = requests.map((r) => {
      let n = 0;
      for (const rm of r.body.resourceMetrics) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) n += (m.sum ?? m.gauge ?? m.histogram).dataPoints.length;
      return n;
    });
    assert.ok(requests.length >= 3, `one export of >5000 points went as ${requests.length} requests (${sizes.join(', ')})`);
    assert.ok(sizes.every((n) => n <= 2048), `points per request: ${sizes.join(', ')}`);
    const io = rx.latestMetrics().filter((p) => p.name === NETDEV_IO.name);
    assert.equal(io.length, 5000, 'every series arrived once');
    const byKey = new Map(io.map((p) => [`${p.attributes['kubeskoop.netns.inode']}/${p.attributes['network.interface.name']}`, p.value]));
    for (const t of targets) for (const k of [0, 57, 99]) assert.equal(byKey.get(`${t.netnsInode}/if${k}`), t.netnsInode * 1000 + k);
    assert.equal(rx.metrics().filter((p) => p.name === NETDEV_IO.name).length, 5000, 'and no point twice');
  });

  it('split: every point once, in order, ≤ max per part, descriptors kept (1,000 generated collections)', () => {
    const resource = resourceFromAttributes({ 'service.name': 't' });
    const metric = (name: string, n: number): MetricData => ({
      descriptor: { name, description: '', unit: '1', valueType: ValueType.INT },
      aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE,
      dataPoints: Array.from({ length: n }, (_, i) => ({ startTime: [0, 0], endTime: [0, 0], attributes: { i }, value: i })),
    });
    fc.assert(fc.property(fc.array(fc.array(fc.nat(40), { maxLength: 5 }), { maxLength: 3 }), fc.integer({ min: 1, max: 50 }), (scopes, max) => {
      const rm: ResourceMetrics = { resource, scopeMetrics: scopes.map((ms, s) => ({ scope: { name: `s${s}` }, metrics: ms.map((n, m) => metric(`m${s}.${m}`, n)) })) };
      const parts = splitResourceMetrics(rm, max);
      const flat = (r: ResourceMetrics): string[] => r.scopeMetrics.flatMap((sm) => sm.metrics.flatMap((m) => m.dataPoints.map((p) => `${sm.scope.name}/${m.descriptor.name}/${String(p.value)}`)));
      const total = flat(rm).length;
      if (total <= max) assert.equal(parts[0], rm, 'small collections are passed through');
      for (const p of parts) assert.ok(flat(p).length <= max && p.resource === resource);
      assert.deepEqual(parts.flatMap(flat), flat(rm));
    }), { numRuns: 1_000 });
  });
});

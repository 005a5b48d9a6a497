// OTLP metrics: each target's data under its own Resource (its identity there, not on the points), a
// large collection as several requests of at most OTLP_POINTS_PER_REQUEST data points holding several targets each,
// nothing lost or duplicated (checked on a real gRPC OTLP receiver, and the packing itself on generated
// collections); and StartTime moves only when a monotonic sum goes down, never for an UpDownCounter
// or a gauge (checked at the receiver across exports of a changing snapshot).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DataPointType,
  AggregationTemporality,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ValueType } from '@opentelemetry/api';
import { packRequests } from '../../receiver/pipeline/otlp-metrics.js';
import { OTLP_POINTS_PER_REQUEST, createTelemetry, type Telemetry } from '../../receiver/pipeline/telemetry.js';
import { loadConfig } from '../../receiver/config/load.js';
import { probeCapabilities } from '../../receiver/agent.js';
import { silentLogger } from '../../receiver/log.js';
import type { Snapshot } from '../../receiver/snapshot/snapshot.js';
import type { Target } from '../../receiver/targets/target.js';
import type { MetricSample } from '../../receiver/probes/probe.js';
import { IP_DEFAULT_TTL, NETDEV_IO, SOCK_COUNT } from '../../semconv/generated/registry.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { shopPod, snapshotOf } from '../support/snapshots.js';

const config = (rx: OtlpReceiver) =>
  loadConfig({ env: {}, flags: { otlpEndpoint: rx.grpcEndpoint, otlpProtocol: 'grpc' }, probes: probeCapabilities() });

describe('pipeline: OTLP metrics, one Resource per target, in bounded requests', function () {
  this.timeout(60_000);
  let rx: OtlpReceiver | undefined;
  let telemetry: Telemetry | undefined;
  afterEach(async () => {
    await telemetry?.shutdown();
    await rx?.close();
    telemetry = undefined;
    rx = undefined;
  });

  it('20,000 series of 200 pods reach a real gRPC receiver complete, each pod under its own Resource, in requests of ≤ OTLP_POINTS_PER_REQUEST points', async () => {
    rx = await startOtlpReceiver();
    const targets = Array.from({ length: 200 }, (_, i) => shopPod(i, 1000));
    const snap = snapshotOf(
      targets,
      targets.map((t) => ({
        probe: 'netdev',
        target: t,
        samples: Array.from({ length: 100 }, (_, k) => ({
          metric: NETDEV_IO.pod,
          value: t.netnsInode * 1000 + k,
          attributes: { 'network.interface.name': `if${k}`, 'network.io.direction': 'receive' },
        })),
      })),
    );
    telemetry = createTelemetry({ config: config(rx), version: '0', snapshot: () => snap, log: silentLogger, env: {} });
    await telemetry.forceFlush(); // one export (the shutdown in afterEach adds a second)
    const requests = rx.requests.filter((r) => r.signal === 'metrics');
    const sizes = requests.map((r) => {
      let n = 0;
      for (const rm of r.body.resourceMetrics)
        for (const sm of rm.scopeMetrics)
          for (const m of sm.metrics) n += (m.sum ?? m.gauge ?? m.histogram).dataPoints.length;
      return n;
    });
    assert.ok(
      requests.length >= 3,
      `one export of >20000 points went as ${requests.length} requests (${sizes.join(', ')})`,
    );
    assert.ok(
      sizes.every((n) => n <= OTLP_POINTS_PER_REQUEST),
      `points per request: ${sizes.join(', ')}`,
    );
    assert.ok(
      requests.some((r) => r.body.resourceMetrics.length > 2),
      'a request holds several pods, each its own ResourceMetrics',
    );
    const io = rx.latestMetrics().filter((p) => p.name === NETDEV_IO.pod.name);
    assert.equal(io.length, 20000, 'every series arrived once');
    for (const t of targets) {
      const mine = io.filter((p) => p.resource['k8s.pod.uid'] === t.pod!.uid);
      assert.equal(mine.length, 100);
      assert.deepEqual(
        { ...mine[0]!.resource },
        {
          'k8s.pod.name': t.pod!.name,
          'k8s.namespace.name': 'shop',
          'k8s.pod.uid': t.pod!.uid,
          'kubeskoop.target.kind': 'pod',
          'kubeskoop.netns.inode': t.netnsInode,
        },
        'the pod resource: its identity (no node name configured here)',
      );
      for (const k of [0, 57, 99])
        assert.equal(
          mine.find((p) => p.attributes['network.interface.name'] === `if${k}`)?.value,
          t.netnsInode * 1000 + k,
        );
      assert.ok(
        mine.every((p) => Object.keys(p.attributes).sort().join() === 'network.interface.name,network.io.direction'),
        'identity not on the points',
      );
    }
    assert.equal(rx.metrics().filter((p) => p.name === NETDEV_IO.pod.name).length, 20000, 'and no point twice');
    // The agent's own metrics under the agent's resource.
    const own = rx.latestMetrics().find((p) => p.name === 'kubeskoop.agent.target.count')!;
    assert.equal(own.resource['service.name'], 'kubeskoop-otel');
    assert.equal(own.resource['telemetry.sdk.language'], 'nodejs');
    assert.equal(own.resource['k8s.pod.uid'], undefined);
  });

  it('StartTime moves when a monotonic sum goes down (a reset), never when an UpDownCounter or a gauge does', async () => {
    rx = await startOtlpReceiver();
    const target: Target = { netnsInode: 7, pid: 1, pids: [1], kind: 'netns', netnsName: 'n7' };
    let values = { io: 5000, sockets: 40, ttl: 64 };
    const samples = (): MetricSample[] => [
      {
        metric: NETDEV_IO.netns,
        value: values.io,
        attributes: { 'network.interface.name': 'eth0', 'network.io.direction': 'receive' },
      },
      { metric: SOCK_COUNT, value: values.sockets, attributes: { 'network.transport': 'tcp', 'network.type': 'ipv4' } },
      { metric: IP_DEFAULT_TTL, value: values.ttl, attributes: {} },
    ];
    let takenAt = Date.now();
    const snap = (): Snapshot => ({
      cycle: 1,
      takenAt,
      cycleDurationMs: 1,
      targets: [target],
      probes: new Map(),
      entries: [{ probe: 'x', target, samples: samples() }],
    });
    telemetry = createTelemetry({ config: config(rx), version: '0', snapshot: snap, log: silentLogger, env: {} });
    const exportNow = async (): Promise<Map<string, { start: string; time: string; value: number }>> => {
      rx!.clear();
      await telemetry!.forceFlush();
      const out = new Map<string, { start: string; time: string; value: number }>();
      for (const p of rx!.metrics())
        if (p.resource['kubeskoop.netns.inode'] === 7)
          out.set(p.name, { start: p.startTimeUnixNano, time: p.timeUnixNano, value: p.value });
      return out;
    };
    const first = await exportNow();
    assert.equal(first.get(SOCK_COUNT.name)?.value, 40);
    // The levels go down, the counter goes up: no cumulative start time moves.
    takenAt += 2000;
    values = { io: 6000, sockets: 10, ttl: 32 };
    const second = await exportNow();
    assert.equal(second.get(SOCK_COUNT.name)!.value, 10);
    assert.equal(
      second.get(SOCK_COUNT.name)!.start,
      first.get(SOCK_COUNT.name)!.start,
      'an UpDownCounter going down keeps its start time',
    );
    assert.equal(second.get(NETDEV_IO.netns.name)!.start, first.get(NETDEV_IO.netns.name)!.start);
    // The counter goes down: a reset (e.g. the interface was recreated), a new start time.
    takenAt += 2000;
    values = { io: 100, sockets: 12, ttl: 16 };
    const third = await exportNow();
    assert.ok(
      BigInt(third.get(NETDEV_IO.netns.name)!.start) > BigInt(first.get(NETDEV_IO.netns.name)!.start),
      'a monotonic sum going down starts anew',
    );
    assert.equal(
      third.get(SOCK_COUNT.name)!.start,
      first.get(SOCK_COUNT.name)!.start,
      'and the UpDownCounter still keeps its start',
    );
    // A gauge has no cumulative start: its start time is its time.
    assert.equal(third.get(IP_DEFAULT_TTL.name)!.value, 16);
    assert.equal(third.get(IP_DEFAULT_TTL.name)!.start, third.get(IP_DEFAULT_TTL.name)!.time);
  });

  it('packing: every point once, in order, ≤ max per request, resources and descriptors kept (1,000 generated collections)', () => {
    const metric = (name: string, n: number): MetricData => ({
      descriptor: { name, description: '', unit: '1', valueType: ValueType.INT },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.GAUGE,
      dataPoints: Array.from({ length: n }, (_, i) => ({
        startTime: [0, 0],
        endTime: [0, 0],
        attributes: { i },
        value: i,
      })),
    });
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.array(fc.nat(40), { maxLength: 4 }), { maxLength: 3 }), { maxLength: 4 }),
        fc.integer({ min: 1, max: 50 }),
        (resources, max) => {
          const rms: ResourceMetrics[] = resources.map((scopes, r) => ({
            resource: resourceFromAttributes({ r }),
            scopeMetrics: scopes.map((ms, s) => ({
              scope: { name: `s${s}` },
              metrics: ms.map((n, m) => metric(`m${s}.${m}`, n)),
            })),
          }));
          const flat = (list: readonly ResourceMetrics[]): string[] =>
            list.flatMap((rm) =>
              rm.scopeMetrics.flatMap((sm) =>
                sm.metrics.flatMap((m) =>
                  m.dataPoints.map(
                    (p) =>
                      `${String(rm.resource.attributes['r'])}/${sm.scope.name}/${m.descriptor.name}/${String(p.value)}`,
                  ),
                ),
              ),
            );
          const requests = packRequests(rms, max);
          for (const q of requests) {
            assert.ok(flat(q).length <= max && flat(q).length > 0);
            assert.ok(
              q.every((rm) => rms.some((x) => x.resource === rm.resource)),
              "resources are the collection's own objects",
            );
          }
          assert.deepEqual(
            requests.flatMap((q) => flat(q)),
            flat(rms),
          );
        },
      ),
      { numRuns: 1_000 },
    );
  });
});

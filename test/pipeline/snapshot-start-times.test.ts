// The OTLP producer's start times (snapshot-producer.ts): a cumulative series keeps the start of its
// first collection, starts again when a counter goes down or when the series was gone for a collection,
// and a gauge's start is its collection's time; over thousands of series (the kept columns grow) and
// many collections (the table of start times is swept while series restart every collection).
import assert from 'node:assert/strict';
import type { HrTime } from '@opentelemetry/api';
import {
  SnapshotMetricProducer,
  TARGET_RESOURCE,
  type TargetScopeMetrics,
} from '../../receiver/pipeline/snapshot-producer.js';
import { createResources } from '../../receiver/pipeline/resources.js';
import { loadConfig } from '../../receiver/config/load.js';
import { probeCapabilities } from '../../receiver/agent.js';
import type { Snapshot, SnapshotEntry } from '../../receiver/snapshot/snapshot.js';
import type { Target } from '../../receiver/targets/target.js';
import type { MetricSample } from '../../receiver/probes/probe.js';
import { ATTR_KUBESKOOP_NETNS_INODE, METRICS } from '../../semconv/generated/registry.js';

const config = loadConfig({ env: {}, flags: {}, probes: probeCapabilities() });
const byInstrument = (i: string) => METRICS.find((m) => m.instrument === i && !m.name.startsWith('kubeskoop.agent'))!;
const COUNTER = byInstrument('counter');
const UPDOWN = byInstrument('updowncounter');
const GAUGE = byInstrument('gauge');

const SERIES = 1500; // per target and metric: 3 targets × 3 metrics × 1500 slots, past the columns' first size
const ATTRS = Array.from({ length: SERIES }, (_, i) => ({ port: i }));
const target = (i: number): Target => ({
  netnsInode: 4026540000 + i,
  pid: 1,
  pids: [1],
  kind: 'pod',
  pod: { name: `web-${i}`, namespace: 'shop', uid: `uid-${i}` },
});
const TARGETS = [0, 1, 2].map(target);

/** One collection's snapshot: value(target, metric, series) for each target listed. */
function snapshot(
  takenAt: number,
  targets: Target[],
  value: (t: number, def: (typeof METRICS)[number], i: number) => number,
): Snapshot {
  const entries: SnapshotEntry[] = targets.map((t) => ({
    probe: 'p',
    target: t,
    samples: [COUNTER, UPDOWN, GAUGE].flatMap((def) =>
      ATTRS.map((attributes, i): MetricSample => ({
        metric: def,
        value: value(t.netnsInode - 4026540000, def, i),
        attributes,
      })),
    ),
  }));
  return { cycle: 0, takenAt, cycleDurationMs: 1, targets, entries, probes: new Map() };
}

const hr = (ms: number): HrTime => [Math.floor(ms / 1000), (ms % 1000) * 1e6];

/** Start times of a collection by "target|metric|port". */
async function starts(producer: SnapshotMetricProducer): Promise<Map<string, HrTime>> {
  const out = new Map<string, HrTime>();
  const { resourceMetrics } = await producer.collect();
  for (const sm of resourceMetrics.scopeMetrics as TargetScopeMetrics[]) {
    const inode = Number(sm[TARGET_RESOURCE]!.attributes[ATTR_KUBESKOOP_NETNS_INODE]) - 4026540000;
    for (const m of sm.metrics)
      for (const p of m.dataPoints) out.set(`${inode}|${m.descriptor.name}|${String(p.attributes.port)}`, p.startTime);
  }
  return out;
}

describe('pipeline: the OTLP producer’s start times', () => {
  it('kept from the first collection, new on a counter’s reset or a series’ return, a gauge’s at each collection', async () => {
    const T = [1_700_000_000_000, 1_700_000_005_000, 1_700_000_010_000, 1_700_000_015_000];
    let current = snapshot(T[0]!, TARGETS, () => 100);
    const producer = new SnapshotMetricProducer(() => current, createResources(config, '1', {}), {
      name: 'kubeskoop-otel',
      version: '1',
    });
    let s = await starts(producer);
    assert.equal(s.size, 3 * 3 * SERIES);
    for (const [key, start] of s) assert.deepEqual(start, hr(T[0]!), key);

    // a counter and an up-down counter go down for port 5 of target 0; the rest goes up
    current = snapshot(T[1]!, TARGETS, (t, def, i) => (t === 0 && i === 5 ? 50 : 200 + (def === GAUGE ? i : 0)));
    s = await starts(producer);
    assert.deepEqual(s.get(`0|${COUNTER.name}|5`), hr(T[1]!), 'a counter that went down started again');
    assert.deepEqual(s.get(`0|${UPDOWN.name}|5`), hr(T[0]!), 'an up-down counter may go down');
    assert.deepEqual(s.get(`0|${GAUGE.name}|5`), hr(T[1]!), 'a gauge starts at its collection');
    assert.deepEqual(s.get(`0|${COUNTER.name}|6`), hr(T[0]!));
    assert.deepEqual(s.get(`2|${COUNTER.name}|${SERIES - 1}`), hr(T[0]!));

    // target 1 is gone for a collection, then back: its series start again
    current = snapshot(T[2]!, [TARGETS[0]!, TARGETS[2]!], () => 300);
    s = await starts(producer);
    assert.equal(s.size, 2 * 3 * SERIES);
    current = snapshot(T[3]!, TARGETS, () => 400);
    s = await starts(producer);
    assert.deepEqual(s.get(`1|${COUNTER.name}|0`), hr(T[3]!), 'a series back after a gap starts again');
    assert.deepEqual(s.get(`1|${UPDOWN.name}|${SERIES - 1}`), hr(T[3]!));
    assert.deepEqual(s.get(`0|${COUNTER.name}|5`), hr(T[1]!), 'the restart is kept');
    assert.deepEqual(s.get(`2|${COUNTER.name}|7`), hr(T[0]!));
  });

  it('a counter restarting every collection, 300 times, among series that do not', async () => {
    const t0 = 1_700_000_000_000;
    let current = snapshot(t0, [TARGETS[0]!], () => 1000);
    const producer = new SnapshotMetricProducer(() => current, createResources(config, '1', {}), {
      name: 'kubeskoop-otel',
      version: '1',
    });
    await starts(producer);
    for (let k = 1; k <= 300; k++) {
      const at = t0 + k * 5000 + (k % 1000);
      current = snapshot(at, [TARGETS[0]!], (_t, _def, i) => (i === 3 ? 1000 - k : 1000 + k));
      const s = await starts(producer);
      assert.deepEqual(s.get(`0|${COUNTER.name}|3`), hr(at), `collection ${k}`);
      assert.deepEqual(s.get(`0|${COUNTER.name}|4`), hr(t0), `collection ${k}`);
    }
  });
});

// Latency-probe test fixtures: the agent's own NativeEventSource (one real helper, real BPF) and
// the probe modules collecting from it, as the scheduler would.
import assert from 'node:assert/strict';

import { NativeEventSource, type NativeProbe } from '../../receiver/events/native-source.js';
import type { EventRecord } from '../../receiver/probes/event-record.js';
import type { NativeProbeOptions } from '../../receiver/native/index.js';
import { createLogger } from '../../receiver/log.js';
import { METRIC_PROBES } from '../../receiver/probes/catalog.js';
import type { HistogramValue, MetricSample, ProbeContext } from '../../receiver/probes/probe.js';
import type { Target } from '../../receiver/targets/target.js';
import { HELPER } from '../native/support.js';

export interface Source {
  source: NativeEventSource;
  events: { record: EventRecord; inode: number }[];
}

export async function startSource(probes: Partial<Record<NativeProbe, NativeProbeOptions>>): Promise<Source> {
  const log = createLogger({ level: 'error', format: 'json', write: () => {} });
  const source = new NativeEventSource({
    probes,
    emitEventsOf: new Set(Object.keys(probes) as NativeProbe[]),
    log,
    helperPath: HELPER,
  });
  const s: Source = { source, events: [] };
  source.on('event', (record, inode) => s.events.push({ record, inode }));
  await source.start();
  return s;
}

/** startSource, then every probe asked for must be running (the source is stopped when one is not). */
export async function startRunningSource(probes: Partial<Record<NativeProbe, NativeProbeOptions>>): Promise<Source> {
  const s = await startSource(probes);
  try {
    for (const p of Object.keys(probes) as NativeProbe[]) {
      const status = s.source.probeStatus(p);
      assert.equal(status.state, 'running', `${p}: ${JSON.stringify(status)}`);
    }
  } catch (e) {
    await s.source.stop();
    throw e;
  }
  return s;
}

const ctx: ProbeContext = {
  procRoot: '/proc',
  log: createLogger({ level: 'error', format: 'json', write: () => {} }),
  options: {},
};

/** One cycle of a probe module over one target, exactly as the scheduler runs it. */
export async function collect(
  probe: string,
  s: Source,
  target: Pick<Target, 'netnsInode' | 'kind'>,
): Promise<MetricSample[]> {
  const mod = METRIC_PROBES.get(probe);
  if (!mod) throw new Error(`no probe ${probe}`);
  const p = mod.create({ native: s.source });
  await p.beforeCycle?.(ctx);
  const t: Target = { netnsInode: target.netnsInode, kind: target.kind, pid: process.pid, pids: [] };
  const r = await p.collect(t, ctx);
  return [...r.samples];
}

export function find(
  samples: MetricSample[],
  name: string,
  attrs: Record<string, string | number> = {},
): MetricSample[] {
  return samples.filter(
    (s) => s.metric.name === name && Object.entries(attrs).every(([k, v]) => s.attributes[k] === v),
  );
}

export function counter(samples: MetricSample[], name: string, attrs: Record<string, string | number> = {}): number {
  return find(samples, name, attrs).reduce((a, s) => a + (typeof s.value === 'number' ? s.value : 0), 0);
}

export function histogram(
  samples: MetricSample[],
  name: string,
  attrs: Record<string, string | number> = {},
): HistogramValue | undefined {
  const h = find(samples, name, attrs)
    .map((s) => s.value)
    .filter((v): v is HistogramValue => typeof v !== 'number');
  if (h.length > 1) throw new Error(`${name}: ${h.length} histograms for ${JSON.stringify(attrs)}`);
  return h[0];
}

/** Count in buckets whose lower bound is at least `s` seconds. */
export function countAbove(h: HistogramValue, s: number): number {
  let n = 0;
  for (let i = 0; i < h.bucketCounts.length; i++) {
    const lower = i === 0 ? 0 : h.boundaries[i - 1]!;
    if (lower >= s) n += h.bucketCounts[i]!;
  }
  return n;
}

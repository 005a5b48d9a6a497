// Shared by the eBPF latency probes (socketlatency, netiftxlatency, net_softirq, biolatency,
// kernellatency, virtcmdlatency): their metrics are the in-kernel histograms (fixed buckets,
// sum) and threshold counts, dumped once per cycle from the native helper and split by the
// probe's scope (namespace, or the whole node for CPU- and device-keyed probes).
import type { MetricDefinition } from '../../semconv/types.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_KUBESKOOP_LATENCY_THRESHOLD,
  ATTR_KUBESKOOP_PROBE_NAME,
} from '../../semconv/generated/registry.js';
import type { LatencyMetric, LatencyProbeName } from '../native/records.js';
import { LATENCY_BOUNDS_NS } from '../native/records.js';
import { EBPF_PROBE_DESCRIPTORS } from '../native/generated/ebpf.js';
import type {
  AttributeValue,
  HistogramValue,
  MetricProbe,
  MetricSample,
  NativeCount,
  OptionsSchema,
  ProbeEnvironment,
  ProbeStatus,
} from './probe.js';
import { seconds } from '../kernel/units.js';
import { latencyEventRecord } from './latency-events.js';
import type { NativeEvent } from '../native/helper-client.js';
import type { EventRecord } from './event-record.js';

export interface LatencySeriesSpec {
  /** the kernel's measurement (enum ks_lat_metric) */
  readonly metric: LatencyMetric;
  readonly slow: MetricDefinition;
  readonly duration: MetricDefinition;
  /** attributes shared by the slow counter and the histogram */
  readonly attributes: (sub: number, scopeKey: number) => Record<string, AttributeValue>;
  /** attributes of the slow counter only (e.g. the CPU, which the histogram sums over) */
  readonly slowOnly?: (sub: number, scopeKey: number) => Record<string, AttributeValue>;
}

export interface LatencyProbeSpec {
  readonly name: LatencyProbeName;
  readonly series: readonly LatencySeriesSpec[];
  readonly undelivered: MetricDefinition;
  readonly untracked?: MetricDefinition;
  /** adds what the helper cannot know to a degraded status (virtcmdlatency: the device check) */
  readonly explain?: (s: ProbeStatus) => ProbeStatus;
}

const UNAVAILABLE = 'the native eBPF helper is not available to this agent';

interface Hist {
  attrs: Record<string, AttributeValue>;
  buckets: number[];
  sumNs: number;
}

export function latencyProbe(spec: LatencyProbeSpec, env: ProbeEnvironment | undefined): MetricProbe {
  const native = env?.native;
  // from the probe's descriptor (bpf/probes/<name>.yaml): the scope of its counts (netns: keyed by
  // namespace inode; node: by CPU or device, reported on the host target) and the program's default
  // thresholds, used until the helper reports the ones in effect
  const { scope, thresholdsNs: defaultThresholdsNs } = EBPF_PROBE_DESCRIPTORS[spec.name].latency!;
  let counts: NativeCount[] = [];
  const metrics = [
    ...spec.series.flatMap((s) => [s.slow, s.duration]),
    spec.undelivered,
    ...(spec.untracked ? [spec.untracked] : []),
  ];
  const status = (): ProbeStatus => {
    const s: ProbeStatus = native ? native.probeStatus(spec.name) : { state: 'degraded', reason: UNAVAILABLE };
    return spec.explain && s.state !== 'running' ? spec.explain(s) : s;
  };
  return {
    name: spec.name,
    scope: scope === 'netns' ? 'netns' : 'node',
    metrics,
    async start(): Promise<ProbeStatus> {
      return status();
    },
    status,
    async beforeCycle(): Promise<void> {
      if (!native) return;
      await native.refreshCounters(0);
      counts = native.counts(spec.name);
    },
    collect(target) {
      const isHost = target.kind === 'host';
      if (scope === 'node' && !isHost) return { samples: [], problems: [] };
      const thresholds = native?.latencyThresholds?.(spec.name) ?? defaultThresholdsNs;
      const mine = (c: NativeCount): boolean =>
        scope === 'node' || c.netnsInode === target.netnsInode || (isHost && c.netnsInode === 0);
      const hists = new Map<string, Hist & { series: LatencySeriesSpec }>();
      const slow = new Map<
        string,
        { metric: MetricDefinition; attrs: Record<string, AttributeValue>; value: number }
      >();
      const samples: MetricSample[] = [];
      const addSlow = (series: LatencySeriesSpec, sub: number, scopeKey: number, slot: number, value: number): void => {
        const th = thresholds[slot === 1 ? 1 : 0]!;
        const attrs = Object.assign({}, series.attributes(sub, scopeKey), series.slowOnly?.(sub, scopeKey), {
          [ATTR_KUBESKOOP_LATENCY_THRESHOLD]: seconds(th),
        });
        const key = `${series.metric}|${JSON.stringify(attrs)}`;
        const cur = slow.get(key);
        if (cur) cur.value += value;
        else slow.set(key, { metric: series.slow, attrs, value });
      };
      const sums = new Map<
        string,
        { metric: MetricDefinition; attrs: Record<string, AttributeValue>; value: number }
      >();
      const addSum = (metric: MetricDefinition, attrs: Record<string, AttributeValue>, value: number): void => {
        const key = `${metric.id}|${JSON.stringify(attrs)}`;
        const cur = sums.get(key);
        if (cur) cur.value += value;
        else sums.set(key, { metric, attrs, value });
      };
      for (const c of counts) {
        if (c.series === 'undelivered') {
          if (mine(c))
            addSum(
              spec.undelivered,
              { [ATTR_KUBESKOOP_PROBE_NAME]: spec.name, [ATTR_ERROR_TYPE]: c.labels.cause ?? 'unknown' },
              c.count,
            );
          continue;
        }
        if (c.series === 'track') {
          if (isHost && spec.untracked) {
            const cause = c.labels.slot === '1' ? 'evicted' : c.labels.slot === '2' ? 'expired' : 'unknown';
            addSum(spec.untracked, { [ATTR_KUBESKOOP_PROBE_NAME]: spec.name, [ATTR_ERROR_TYPE]: cause }, c.count);
          }
          continue;
        }
        if (!mine(c)) continue;
        const series = spec.series.find((s) => s.metric === c.labels.metric);
        if (!series) continue;
        const sub = Number(c.labels.sub ?? 0);
        const slot = Number(c.labels.slot ?? 0);
        if (c.series === 'slow') {
          addSlow(series, sub, c.netnsInode, slot, c.count);
          continue;
        }
        const attrs = series.attributes(sub, c.netnsInode);
        const key = `${series.metric}|${JSON.stringify(attrs)}`;
        let h = hists.get(key);
        if (!h) {
          h = { attrs, buckets: new Array<number>(LATENCY_BOUNDS_NS.length + 1).fill(0), sumNs: 0, series };
          hists.set(key, h);
        }
        if (c.series === 'hist') {
          if (slot <= LATENCY_BOUNDS_NS.length) h.buckets[slot]! += c.count;
        } else if (c.series === 'sum') h.sumNs += c.count;
        // every measured series also gets both threshold counters (0 until something is slow)
        if (c.series === 'hist') {
          addSlow(series, sub, c.netnsInode, 0, 0);
          addSlow(series, sub, c.netnsInode, 1, 0);
        }
      }
      for (const h of hists.values()) {
        const count = h.buckets.reduce((a, b) => a + b, 0);
        const value: HistogramValue = {
          boundaries: LATENCY_BOUNDS_NS.map((b) => b / 1e9),
          bucketCounts: h.buckets,
          sum: h.sumNs / 1e9,
          count,
        };
        samples.push({ metric: h.series.duration, value, attributes: h.attrs });
      }
      for (const s of [...slow.values(), ...sums.values()])
        samples.push({ metric: s.metric, value: s.value, attributes: s.attrs });
      return { samples, problems: [] };
    },
  };
}

/** Options of a latency probe, as the config file writes them (plus the event probes' rate options). */
/** `spans: true`: the probe's slow intervals also go out as spans when the trace signal is on (docs/traces.md). */
export const SPANS_OPTION = { spans: { type: 'boolean' } } as const;

export function latencyOptionsSchema(
  base: OptionsSchema,
  extra: Readonly<Record<string, unknown>> = {},
): OptionsSchema {
  const props = (base as { properties?: Record<string, unknown> }).properties ?? {};
  return Object.assign({}, base, {
    properties: Object.assign(
      {},
      props,
      {
        threshold_low_ms: { type: 'number', exclusiveMinimum: 0 },
        threshold_high_ms: { type: 'number', exclusiveMinimum: 0 },
        events_above: { enum: ['low', 'high', 'none'] },
        track_entries: { type: 'integer', minimum: 64 },
      },
      extra,
    ),
  });
}

/** Every latency probe's renderEvent: its latency records as events. */
export function renderLatencyEvent(e: NativeEvent): EventRecord | undefined {
  return e.type === 'latency' ? latencyEventRecord(e) : undefined;
}

// Turns the snapshot into OTel metric data at collection time, for the OTLP reader. A MetricProducer
// rather than observable instruments because the SDK keeps reporting a cumulative async series forever
// after its last observation; here a namespace that is gone stops being exported in the next collection.
// Each target's data is one ScopeMetrics marked with the target's Resource (TARGET_RESOURCE): the
// reader merges every producer into one ResourceMetrics, and the exporter (otlp-metrics.ts) sends each
// target under its own Resource, with the identity there instead of on every data point.
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type DataPoint,
  type Histogram,
  type MetricData,
  type MetricProducer,
  type ScopeMetrics,
} from '@opentelemetry/sdk-metrics';
import type { Resource } from '@opentelemetry/resources';
import type { MetricDefinition } from '../../semconv/types.js';
import type { HistogramValue, SampleAttributes } from '../probes/probe.js';
import { ATTR_K8S_NAMESPACE_NAME, ATTR_K8S_POD_UID } from '../../semconv/generated/registry.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { targetAttributes } from '../snapshot/snapshot.js';
import type { Resources } from './resources.js';

/** The Resource a ScopeMetrics of this producer belongs to (absent: the reader's, the agent's own). */
export const TARGET_RESOURCE: unique symbol = Symbol('kubeskoop-otel target resource');
export type TargetScopeMetrics = ScopeMetrics & { [TARGET_RESOURCE]?: Resource };

const toHrTime = (ms: number): HrTime => {
  const s = Math.floor(ms / 1000);
  return [s, Math.round((ms - s * 1000) * 1e6)];
};

/** Series identity without sorting: a metric's attributes come from one probe in one key order. */
export function seriesKey(name: string, inode: number, attrs: Readonly<Record<string, string | number>>): string {
  let key = `${name}\u0000${inode}`;
  for (const k in attrs) key += `\u0000${k}=${attrs[k]}`;
  return key;
}

/** The attribute part of a series' identity. Probes reuse one attribute object for a series across
 *  cycles (MIB fields, directions): its text is kept per object, so such a series costs no string work. */
const attrKeys = new WeakMap<object, string>();
function attrKey(attrs: Readonly<Record<string, string | number>>): string {
  let key = attrKeys.get(attrs);
  if (key === undefined) {
    key = '';
    for (const k in attrs) key += `\u0000${k}=${attrs[k]}`;
    attrKeys.set(attrs, key);
  }
  return key;
}

interface SeriesStart {
  startTime: HrTime;
  last: number;
  seenAt: number;
}

/** Whether a series going down means it restarted. Only a monotonic sum (and a histogram's count)
 *  cannot go down otherwise; an UpDownCounter or a gauge may, and keeps its start time. */
export function resetsWhenLower(def: MetricDefinition): boolean {
  return def.instrument === 'counter' || def.instrument === 'histogram';
}

/** A process-level sample of a hostNetwork pod (in the host target, io and fd split its processes
 *  out): the pod's identity, which goes to the pod's Resource, and the sample's own attributes. */
function podShare(attrs: SampleAttributes): { pod: SampleAttributes; own: SampleAttributes } | undefined {
  if (attrs[ATTR_K8S_POD_UID] === undefined) return undefined;
  const pod: Record<string, string | number> = {};
  const own: Record<string, string | number> = {};
  for (const k in attrs) {
    if (k.startsWith('k8s.pod.') || k === ATTR_K8S_NAMESPACE_NAME) pod[k] = attrs[k]!;
    else own[k] = attrs[k]!;
  }
  return { pod, own };
}

type Points = { def: MetricDefinition; points: DataPoint<number | Histogram>[] };
type Group = { resource: Resource; byName: Map<string, Points> };

export class SnapshotMetricProducer implements MetricProducer {
  /** When each cumulative series started (a monotonic one restarts when its value goes backwards):
   *  by namespace inode, metric name, then attributes (numbers and kept strings as keys: no per-point
   *  key string to build and hash). */
  private readonly starts = new Map<number, Map<string, Map<string, SeriesStart>>>();
  private round = 0;

  constructor(
    private readonly snapshot: () => Snapshot,
    private readonly resources: Resources,
    private readonly scope: { name: string; version: string },
  ) {}

  async collect(): Promise<CollectionResult> {
    const snap = this.snapshot();
    const endMs = snap.takenAt > 0 ? snap.takenAt : Date.now();
    const endTime = toHrTime(endMs);
    const round = ++this.round;
    // Resource → (metric name → points); one ScopeMetrics per target (and per hostNetwork pod).
    const byResource = new Map<Resource, Group>();
    const groupOf = (resource: Resource): Group => {
      let g = byResource.get(resource);
      if (!g) byResource.set(resource, (g = { resource, byName: new Map() }));
      return g;
    };
    for (const entry of snap.entries) {
      const inode = entry.target.netnsInode;
      const target = groupOf(this.resources.forTarget(targetAttributes(entry.target)));
      let byName = this.starts.get(inode);
      if (!byName) this.starts.set(inode, (byName = new Map()));
      let lastName = '';
      let series: Map<string, SeriesStart> | undefined;
      for (const sample of entry.samples) {
        const def = sample.metric;
        if (def.name !== lastName || series === undefined) {
          lastName = def.name;
          series = byName.get(def.name);
          if (!series) byName.set(def.name, (series = new Map()));
        }
        const key = attrKey(sample.attributes);
        let start = series.get(key);
        if (start?.seenAt === round) continue; // one point per series (first probe wins)
        const scalar = typeof sample.value === 'number' ? sample.value : sample.value.count;
        if (!start || (resetsWhenLower(def) && scalar < start.last)) {
          start = { startTime: endTime, last: scalar, seenAt: round };
          series.set(key, start);
        }
        start.last = scalar;
        start.seenAt = round;
        const share = podShare(sample.attributes);
        const into = share ? groupOf(this.resources.forTarget(share.pod)) : target;
        let group = into.byName.get(def.name);
        if (!group) into.byName.set(def.name, (group = { def, points: [] }));
        group.points.push({
          startTime: def.instrument === 'gauge' ? endTime : start.startTime,
          endTime,
          attributes: (share ? share.own : sample.attributes) as Attributes,
          value: typeof sample.value === 'number' ? sample.value : histogramPoint(sample.value),
        });
      }
    }
    // Series not seen in this collection are forgotten (a namespace gone, an interface removed).
    for (const [inode, byName] of this.starts) {
      for (const [name, series] of byName) {
        for (const [key, start] of series) if (start.seenAt !== round) series.delete(key);
        if (series.size === 0) byName.delete(name);
      }
      if (byName.size === 0) this.starts.delete(inode);
    }
    const scopeMetrics: TargetScopeMetrics[] = [];
    for (const { resource, byName } of byResource.values()) {
      if (byName.size === 0) continue;
      const metrics = [...byName.values()].map(({ def, points }) => toMetricData(def, points));
      scopeMetrics.push({ scope: this.scope, metrics, [TARGET_RESOURCE]: resource });
    }
    return { resourceMetrics: { resource: this.resources.agent, scopeMetrics }, errors: [] };
  }
}

function histogramPoint(h: HistogramValue): Histogram {
  return { buckets: { boundaries: [...h.boundaries], counts: [...h.bucketCounts] }, sum: h.sum, count: h.count };
}

function toMetricData(def: MetricDefinition, points: DataPoint<number | Histogram>[]): MetricData {
  const descriptor = {
    name: def.name,
    description: def.brief.en,
    unit: def.unit,
    valueType: def.instrument === 'counter' || def.instrument === 'updowncounter' ? ValueType.INT : ValueType.DOUBLE,
  };
  switch (def.instrument) {
    case 'counter':
    case 'updowncounter':
      return {
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.SUM,
        isMonotonic: def.instrument === 'counter',
        dataPoints: points as DataPoint<number>[],
      };
    case 'gauge':
      return {
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.GAUGE,
        dataPoints: points as DataPoint<number>[],
      };
    case 'histogram':
      return {
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: points as DataPoint<Histogram>[],
      };
  }
}

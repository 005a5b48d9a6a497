// Turns the snapshot into OTel metric data at collection time. A MetricProducer rather than
// observable instruments because the SDK keeps reporting a cumulative async series forever after
// its last observation; here a namespace that is gone stops being exported in the next collection.
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import {
  AggregationTemporality, DataPointType, type CollectionResult, type DataPoint, type Histogram, type MetricData, type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import type { Resource } from '@opentelemetry/resources';
import type { MetricDefinition } from '../../semconv/types.js';
import type { HistogramValue } from '../probes/probe.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { targetAttributes } from '../snapshot/snapshot.js';

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

interface SeriesStart { startTime: HrTime; last: number; seenAt: number }

export class SnapshotMetricProducer implements MetricProducer {
  /** When each cumulative series started (reset when its value goes backwards: a new namespace). */
  private readonly starts = new Map<string, SeriesStart>();
  private round = 0;

  constructor(
    private readonly snapshot: () => Snapshot,
    private readonly resource: Resource,
    private readonly scope: { name: string; version: string },
  ) {}

  async collect(): Promise<CollectionResult> {
    const snap = this.snapshot();
    const endMs = snap.takenAt > 0 ? snap.takenAt : Date.now();
    const endTime = toHrTime(endMs);
    const round = ++this.round;
    const byName = new Map<string, { def: MetricDefinition; points: DataPoint<number | HistogramPointValue>[] }>();
    for (const entry of snap.entries) {
      const identity = targetAttributes(entry.target);
      const inode = entry.target.netnsInode;
      for (const sample of entry.samples) {
        const key = seriesKey(sample.metric.name, inode, sample.attributes);
        let start = this.starts.get(key);
        if (start?.seenAt === round) continue; // one point per series (first probe wins)
        const scalar = typeof sample.value === 'number' ? sample.value : sample.value.count;
        if (!start || scalar < start.last) {
          start = { startTime: endTime, last: scalar, seenAt: round };
          this.starts.set(key, start);
        }
        start.last = scalar;
        start.seenAt = round;
        let group = byName.get(sample.metric.name);
        if (!group) byName.set(sample.metric.name, (group = { def: sample.metric, points: [] }));
        group.points.push({
          startTime: sample.metric.instrument === 'gauge' ? endTime : start.startTime, endTime,
          attributes: { ...sample.attributes, ...identity } as Attributes,
          value: typeof sample.value === 'number' ? sample.value : histogramPoint(sample.value),
        });
      }
    }
    for (const [key, start] of this.starts) if (start.seenAt !== round) this.starts.delete(key);
    const metrics: MetricData[] = [...byName.values()].map(({ def, points }) => toMetricData(def, points));
    return {
      resourceMetrics: { resource: this.resource, scopeMetrics: metrics.length > 0 ? [{ scope: this.scope, metrics }] : [] },
      errors: [],
    };
  }
}

type HistogramPointValue = Histogram;

function histogramPoint(h: HistogramValue): Histogram {
  return { buckets: { boundaries: [...h.boundaries], counts: [...h.bucketCounts] }, sum: h.sum, count: h.count };
}

function toMetricData(def: MetricDefinition, points: DataPoint<number | HistogramPointValue>[]): MetricData {
  const descriptor = {
    name: def.name, description: def.brief.en, unit: def.unit,
    valueType: def.instrument === 'counter' || def.instrument === 'updowncounter' ? ValueType.INT : ValueType.DOUBLE,
  };
  switch (def.instrument) {
    case 'counter':
    case 'updowncounter':
      return {
        descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.SUM,
        isMonotonic: def.instrument === 'counter', dataPoints: points as DataPoint<number>[],
      };
    case 'gauge':
      return { descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints: points as DataPoint<number>[] };
    case 'histogram':
      return {
        descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.HISTOGRAM,
        dataPoints: points as DataPoint<Histogram>[],
      };
  }
}

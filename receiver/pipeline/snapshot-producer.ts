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
import type { HistogramValue, MetricSample, SampleAttributes } from '../probes/probe.js';
import { ATTR_K8S_NAMESPACE_NAME, ATTR_K8S_POD_UID } from '../../semconv/generated/registry.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import type { Target } from '../targets/target.js';
import { targetAttributes } from '../snapshot/snapshot.js';
import type { Resources } from './resources.js';
import { flatString } from '../flat-string.js';

/** The Resource a ScopeMetrics of this producer belongs to (absent: the reader's, the agent's own). */
export const TARGET_RESOURCE: unique symbol = Symbol('kubeskoop-otel target resource');

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

type Share = { pod: SampleAttributes; own: SampleAttributes };
/** What the producer needs of an attribute object: the attribute part of the series' identity and,
 *  for a hostNetwork pod's process sample, its split (share). Probes reuse one attribute object for
 *  a series across cycles (MIB fields, directions), and one object across namespaces: kept per object,
 *  such a series costs one lookup. */
interface AttrInfo {
  readonly key: string;
  readonly share: Share | undefined;
  /** The series key (metric name + key) with the metric this object was last seen with, and with the
   *  others (an object such as a direction serves several metrics): built once, not per point. */
  lastDef: MetricDefinition | undefined;
  lastKey: string;
  keys: Map<MetricDefinition, string> | undefined;
}
const attrInfos = new WeakMap<object, AttrInfo>();
function attrInfo(attrs: SampleAttributes): AttrInfo {
  let info = attrInfos.get(attrs);
  if (info === undefined) {
    let key = '';
    for (const k in attrs) key += `\u0000${k}=${attrs[k]}`;
    info = { key: flatString(key), share: podShare(attrs), lastDef: undefined, lastKey: '', keys: undefined };
    attrInfos.set(attrs, info);
  }
  return info;
}

/** The series' key within its namespace: metric name and attributes. */
function seriesKeyOf(info: AttrInfo, def: MetricDefinition): string {
  if (info.lastDef === def) return info.lastKey;
  let key = info.keys?.get(def);
  if (key === undefined) {
    key = def.name + info.key;
    if (info.lastDef !== undefined) (info.keys ??= new Map()).set(info.lastDef, info.lastKey);
    info.keys?.set(def, key);
  }
  info.lastDef = def;
  info.lastKey = key;
  return key;
}

/** Each known series' start time, last value and the collection it was last seen in, in columns by a
 *  slot number: an object per series (with its boxed last value) held ~64 bytes per series, 2 MiB at
 *  250 pods (heap snapshot, test/bench/results/sizing.md); here 20 bytes. Freed slots are reused. */
class SeriesStarts {
  startMs = new Float64Array(1024);
  last = new Float64Array(1024);
  seenAt = new Int32Array(1024);
  private used = 0;
  private readonly free: number[] = [];

  add(startMs: number, last: number, round: number): number {
    let i = this.free.pop();
    if (i === undefined) {
      i = this.used++;
      if (i === this.startMs.length) this.grow();
    }
    this.startMs[i] = startMs;
    this.last[i] = last;
    this.seenAt[i] = round;
    return i;
  }

  release(i: number): void {
    this.free.push(i);
  }

  private grow(): void {
    const n = this.startMs.length * 2;
    const startMs = new Float64Array(n);
    const last = new Float64Array(n);
    const seenAt = new Int32Array(n);
    startMs.set(this.startMs);
    last.set(this.last);
    seenAt.set(this.seenAt);
    this.startMs = startMs;
    this.last = last;
    this.seenAt = seenAt;
  }
}

/** Whether a series going down means it restarted. Only a monotonic sum (and a histogram's count)
 *  cannot go down otherwise; an UpDownCounter or a gauge may, and keeps its start time. */
export function resetsWhenLower(def: MetricDefinition): boolean {
  return def.instrument === 'counter' || def.instrument === 'histogram';
}

/** A process-level sample of a hostNetwork pod (in the host target, io and fd split its processes
 *  out): the pod's identity, which goes to the pod's Resource, and the sample's own attributes. */
function podShare(attrs: SampleAttributes): Share | undefined {
  if (attrs[ATTR_K8S_POD_UID] === undefined) return undefined;
  const pod: Record<string, string | number> = {};
  const own: Record<string, string | number> = {};
  for (const k in attrs) {
    if (k.startsWith('k8s.pod.') || k === ATTR_K8S_NAMESPACE_NAME) pod[k] = attrs[k]!;
    else own[k] = attrs[k]!;
  }
  return { pod, own };
}

/** A collection's points as columns (no DataPoint object per point): the snapshot's values and
 *  attribute objects, and each series' start time, grouped by metric in ranges. The OTLP encoder
 *  writes the protobuf straight from these (otlp-encode.ts); anything else that reads a ScopeMetrics'
 *  `metrics` gets the SDK's MetricData, made from the columns then (materialize). */
export interface PointColumns {
  /** Each point's value as the collection read it (a histogram point's: its count). Read at collect,
   *  not later from the sample: the scheduler writes a later cycle's values into the same samples
   *  (sample-list.ts) while a collection's requests may still be going out. */
  readonly values: Float64Array;
  /** A histogram point's value at its index; none when the collection has no histogram. */
  readonly histograms: readonly (HistogramValue | undefined)[] | undefined;
  readonly attributes: readonly Attributes[];
  readonly starts: readonly HrTime[];
  readonly endTime: HrTime;
}

/** One metric's points: [from, to) of the columns. */
export interface PointRange {
  readonly def: MetricDefinition;
  readonly from: number;
  readonly to: number;
}

/** The points of one ScopeMetrics, in the order its `metrics` lists them. */
export interface SnapshotPoints {
  readonly columns: PointColumns;
  readonly ranges: readonly PointRange[];
}

/** Marks a ScopeMetrics whose metrics are columns of the snapshot (its `metrics` is made on demand). */
export const SNAPSHOT_POINTS: unique symbol = Symbol('kubeskoop-otel snapshot points');
export type TargetScopeMetrics = ScopeMetrics & { [TARGET_RESOURCE]?: Resource; [SNAPSHOT_POINTS]?: SnapshotPoints };

/** A ScopeMetrics over columns: `metrics` is built (once) only when something reads it. A class, not
 *  an object literal with a `get metrics()`: V8 (Node 20) makes each such literal a dictionary-mode
 *  object with a map of its own (a few hundred per collection at 250 pods), which kept the code that
 *  reads them being deoptimized and compiled again (test/bench/results/sizing-h21t-*.md). */
class SnapshotScope implements TargetScopeMetrics {
  private built: MetricData[] | undefined = undefined;
  readonly [SNAPSHOT_POINTS]: SnapshotPoints;
  readonly [TARGET_RESOURCE]: Resource | undefined;
  constructor(
    readonly scope: ScopeMetrics['scope'],
    points: SnapshotPoints,
    resource: Resource | undefined,
  ) {
    this[SNAPSHOT_POINTS] = points;
    this[TARGET_RESOURCE] = resource;
  }
  get metrics(): MetricData[] {
    const points = this[SNAPSHOT_POINTS];
    return (this.built ??= points.ranges.map((r) => toMetricData(r.def, materialize(points.columns, r))));
  }
}

export function snapshotScope(
  scope: ScopeMetrics['scope'],
  points: SnapshotPoints,
  resource?: Resource,
): TargetScopeMetrics {
  return new SnapshotScope(scope, points, resource);
}

/** Data points of a ScopeMetrics, without building its MetricData when it is over columns. */
export function scopePointCount(sm: ScopeMetrics): number {
  const points = (sm as TargetScopeMetrics)[SNAPSHOT_POINTS];
  let n = 0;
  if (points !== undefined) for (const r of points.ranges) n += r.to - r.from;
  else for (const m of sm.metrics) n += m.dataPoints.length;
  return n;
}

/** The SDK's data points of one range (what the producer handed the SDK before the columns). */
function materialize(c: PointColumns, r: PointRange): DataPoint<number | Histogram>[] {
  const out: DataPoint<number | Histogram>[] = [];
  for (let i = r.from; i < r.to; i++) {
    const h = c.histograms?.[i];
    out.push({
      startTime: c.starts[i]!,
      endTime: c.endTime,
      attributes: c.attributes[i]!,
      value: h === undefined ? c.values[i]! : histogramPoint(h),
    });
  }
  return out;
}

/** A metric of one Resource while collecting: its points' indexes in the unsorted columns. Kept across
 *  collections (count reset on first use in a round): a target's ~100 groups are not made again each time. */
interface Group {
  readonly def: MetricDefinition;
  count: number;
  at: number;
  round: number;
}

/** One Resource's groups: by metric name, and those used in this round in first-seen order (the first
 *  `used` of `list`: the array is kept across collections, not emptied and grown again). */
interface ResourceGroups {
  readonly resource: Resource;
  readonly byName: Map<string, Group>;
  readonly list: Group[];
  used: number;
  round: number;
}

export class SnapshotMetricProducer implements MetricProducer {
  /** When each cumulative series started (a monotonic one restarts when its value goes backwards):
   *  by namespace inode, then series key (metric name + attributes, kept per attribute object: no
   *  per-point key string). One map per namespace: a map per namespace and metric (~120 per pod, most
   *  with one or two series) held ~160 bytes per series in hash tables (heap snapshot at 250 pods,
   *  test/bench/results/sizing-h21m-250-before.md). */
  private readonly starts = new Map<number, Map<string, number>>();
  /** The series' columns (slot numbers are the values of `starts`' maps). */
  private readonly columns = new SeriesStarts();
  /** Start times as HrTime, one per distinct start (the collections series started in: few). */
  private startTimes = new Map<number, HrTime>();
  /** startTimes' size after its last sweep: swept again when it has doubled. */
  private startTimesKept = 0;
  private round = 0;
  /** Series in `starts`. */
  private seriesCount = 0;
  private readonly groups = new Map<Resource, ResourceGroups>();
  /** The points in snapshot order, before the sort into ranges: reused (filled by index) because growing
   *  four arrays of ~64k elements by push each collection was a third of collect's time (profile,
   *  test/bench/results/export.md). Only used within one synchronous collect. */
  private readonly scratch = {
    samples: [] as MetricSample[],
    attributes: [] as Attributes[],
    starts: [] as HrTime[],
    groupOf: [] as Group[],
  };

  constructor(
    private readonly snapshot: () => Snapshot,
    private readonly resources: Resources,
    private readonly scope: { name: string; version: string },
  ) {}

  /** This collection's Resources in first-seen order, and each target's or hostNetwork
   *  pod's Resource (a target has an entry per probe, a pod a share per sample: looked up once).
   *  Fields and methods rather than closures made in collect(): V8 compiles collect's loop while it
   *  runs (on-stack replacement) and kept that code for the next collection, whose new closures it
   *  then took for the wrong call target, and compiled collect again (sizing-h21t-*.md). */
  private readonly order: ResourceGroups[] = [];
  private readonly resourceOf = new Map<object, Resource>();
  /** The series the last gather() saw (known before or new). */
  private seen = 0;

  private startTime(ms: number): HrTime {
    let t = this.startTimes.get(ms);
    if (t === undefined) this.startTimes.set(ms, (t = toHrTime(ms)));
    return t;
  }

  private resourceGroups(resource: Resource): ResourceGroups {
    let rg = this.groups.get(resource);
    if (rg === undefined)
      this.groups.set(resource, (rg = { resource, byName: new Map(), list: [], used: 0, round: 0 }));
    if (rg.round !== this.round) {
      rg.round = this.round;
      rg.used = 0;
      this.order.push(rg);
    }
    return rg;
  }

  private group(resource: Resource, def: MetricDefinition): Group {
    const rg = this.resourceGroups(resource);
    let g = rg.byName.get(def.name);
    if (g === undefined) rg.byName.set(def.name, (g = { def, count: 0, at: 0, round: 0 }));
    if (g.round !== this.round) {
      g.round = this.round;
      g.count = 0;
      rg.list[rg.used++] = g;
    }
    return g;
  }

  private targetResource(target: Target): Resource {
    let r = this.resourceOf.get(target);
    if (r === undefined) this.resourceOf.set(target, (r = this.resources.forTarget(targetAttributes(target))));
    return r;
  }

  private podResource(pod: SampleAttributes): Resource {
    let r = this.resourceOf.get(pod);
    if (r === undefined) this.resourceOf.set(pod, (r = this.resources.forTarget(pod)));
    return r;
  }

  async collect(): Promise<CollectionResult> {
    const snap = this.snapshot();
    const endMs = snap.takenAt > 0 ? snap.takenAt : Date.now();
    const endTime = toHrTime(endMs);
    const round = ++this.round;
    this.startTimes.set(endMs, endTime);
    // Resource → its groups; one ScopeMetrics per Resource (target, hostNetwork pod), in first-seen order.
    this.order.length = 0;
    // Three methods, not one function: V8 optimizes each apart, and an optimization of the whole (with
    // what it inlined) took 60–110 ms on the main thread and several MiB of compiler memory at once, at
    // 250 pods the agent's largest moment of RSS (test/bench/results/sizing-h21u-*.md).
    const n = this.gather(snap.entries, endMs, endTime, round);
    this.resourceOf.clear(); // the snapshot's targets are not kept past the collection
    this.forget(round);
    return { resourceMetrics: { resource: this.resources.agent, scopeMetrics: this.scopes(n, endTime) }, errors: [] };
  }

  /** The snapshot's points into the scratch columns, in snapshot order (value, attributes, start, group);
   *  each series' start time and last value kept. The number of points. */
  private gather(entries: Snapshot['entries'], endMs: number, endTime: HrTime, round: number): number {
    const cols = this.columns;
    let seen = 0;
    const { samples, attributes, starts, groupOf } = this.scratch;
    let n = 0;
    // Indexed loops over the sample arrays (packed: a holey one among them had this loop deoptimized,
    // native-counts.ts).
    for (let e = 0; e < entries.length; e++) {
      const entry = entries[e]!;
      const inode = entry.target.netnsInode;
      const target = this.targetResource(entry.target);
      this.resourceGroups(target);
      let series = this.starts.get(inode);
      if (!series) this.starts.set(inode, (series = new Map()));
      let last: Group | undefined; // the target's group of the previous sample (a probe writes a metric's samples together)
      const entrySamples = entry.samples;
      for (let i = 0; i < entrySamples.length; i++) {
        const sample = entrySamples[i]!;
        const def = sample.metric;
        const info = attrInfo(sample.attributes);
        const share = info.share;
        const key = seriesKeyOf(info, def);
        let slot = series.get(key);
        if (slot !== undefined && cols.seenAt[slot] === round) continue; // one point per series (first probe wins)
        const scalar = typeof sample.value === 'number' ? sample.value : sample.value.count;
        seen++;
        if (slot === undefined) {
          this.seriesCount++;
          series.set(key, (slot = cols.add(endMs, scalar, round)));
        } else if (resetsWhenLower(def) && scalar < cols.last[slot]!) cols.startMs[slot] = endMs;
        cols.last[slot] = scalar;
        cols.seenAt[slot] = round;
        let g: Group;
        if (share) g = this.group(this.podResource(share.pod), def);
        else {
          if (last === undefined || last.def !== def) last = this.group(target, def);
          g = last;
        }
        g.count++;
        samples[n] = sample;
        attributes[n] = (share ? share.own : sample.attributes) as Attributes;
        starts[n] = def.instrument === 'gauge' ? endTime : this.startTime(cols.startMs[slot]!);
        groupOf[n] = g;
        n++;
      }
    }
    this.seen = seen;
    return n;
  }

  /** Series not seen in this collection, start times, Resources and groups no series has any more. */
  private forget(round: number): void {
    const cols = this.columns;
    const seen = this.seen;
    // Series not seen in this collection are forgotten (a namespace gone, an interface removed). Most
    // collections see every series they know: then there is nothing to sweep.
    if (seen !== this.seriesCount) {
      // (forEach: for…of over a Map makes an entry array per series)
      let count = 0;
      this.starts.forEach((series, inode) => {
        series.forEach((slot, key) => {
          if (cols.seenAt[slot] !== round) {
            series.delete(key);
            cols.release(slot);
          }
        });
        if (series.size === 0) this.starts.delete(inode);
        else count += series.size;
      });
      this.seriesCount = count;
    }
    // Start times no series has any more: kept while few (most series start in the first collection),
    // swept when their number has doubled (series restarting every collection add one each time).
    const startTimes = this.startTimes;
    if (startTimes.size > 2 * this.startTimesKept + 64) {
      const inUse = new Map<number, HrTime>();
      this.starts.forEach((series) =>
        series.forEach((slot) => {
          const ms = cols.startMs[slot]!;
          inUse.set(ms, startTimes.get(ms)!);
        }),
      );
      this.startTimes = inUse;
      this.startTimesKept = inUse.size;
    }
    // Resources and groups not used in this collection are forgotten (a target gone, a metric it no longer has).
    for (const [resource, rg] of this.groups) {
      if (rg.round !== round) this.groups.delete(resource);
      else if (rg.byName.size > 2 * rg.used + 8)
        for (const [name, g] of rg.byName) if (g.round !== round) rg.byName.delete(name);
    }
  }

  /** The gathered points sorted into ranges, one ScopeMetrics per Resource. */
  private scopes(n: number, endTime: HrTime): TargetScopeMetrics[] {
    const { samples, attributes, starts, groupOf } = this.scratch;
    const order = this.order;
    // Ranges: each group's points together, groups in first-seen order per Resource (a counting sort).
    let at = 0;
    for (const rg of order) {
      for (let k = 0; k < rg.used; k++) {
        const g = rg.list[k]!;
        g.at = at;
        at += g.count;
      }
    }
    // endTime in the literal, not added after: an added property is a map transition that only the
    // collection's columns use, which V8 may drop between collections and make again.
    const sorted = {
      values: new Float64Array(n),
      histograms: undefined as (HistogramValue | undefined)[] | undefined,
      attributes: new Array<Attributes>(n),
      starts: new Array<HrTime>(n),
      endTime,
    };
    for (let i = 0; i < n; i++) {
      const g = groupOf[i]!;
      const j = g.at++;
      const v = samples[i]!.value;
      if (typeof v === 'number') sorted.values[j] = v;
      else {
        sorted.values[j] = v.count;
        (sorted.histograms ??= new Array<HistogramValue | undefined>(n))[j] = v;
      }
      sorted.attributes[j] = attributes[i]!;
      sorted.starts[j] = starts[i]!;
    }
    // A smaller collection than the last: the scratch's tail lets go of the older samples.
    if (samples.length > n) {
      samples.length = n;
      attributes.length = n;
      starts.length = n;
      groupOf.length = n;
    }
    const columns: PointColumns = sorted;
    const scopeMetrics: TargetScopeMetrics[] = [];
    for (const rg of order) {
      if (rg.used === 0) continue;
      if (rg.list.length > 2 * rg.used + 8) rg.list.length = rg.used; // groups it no longer has
      const list = new Array<PointRange>(rg.used);
      for (let k = 0; k < rg.used; k++) {
        const g = rg.list[k]!;
        list[k] = { def: g.def, from: g.at - g.count, to: g.at };
      }
      scopeMetrics.push(snapshotScope(this.scope, { columns, ranges: list }, rg.resource));
    }
    return scopeMetrics;
  }
}

function histogramPoint(h: HistogramValue): Histogram {
  return { buckets: { boundaries: [...h.boundaries], counts: [...h.bucketCounts] }, sum: h.sum, count: h.count };
}

/** How a registry metric goes out in OTLP: its descriptor (one object per definition) and kind. */
export interface MetricShape {
  readonly descriptor: MetricData['descriptor'];
  readonly dataPointType: DataPointType.SUM | DataPointType.GAUGE | DataPointType.HISTOGRAM;
  readonly isMonotonic: boolean;
}
const shapes = new WeakMap<MetricDefinition, MetricShape>();
export function shapeOf(def: MetricDefinition): MetricShape {
  let shape = shapes.get(def);
  if (shape === undefined) {
    const sum = def.instrument === 'counter' || def.instrument === 'updowncounter';
    shape = {
      descriptor: {
        name: def.name,
        description: def.brief.en,
        unit: def.unit,
        valueType: sum ? ValueType.INT : ValueType.DOUBLE,
      },
      dataPointType: sum
        ? DataPointType.SUM
        : def.instrument === 'gauge'
          ? DataPointType.GAUGE
          : DataPointType.HISTOGRAM,
      isMonotonic: def.instrument === 'counter',
    };
    shapes.set(def, shape);
  }
  return shape;
}

function toMetricData(def: MetricDefinition, points: DataPoint<number | Histogram>[]): MetricData {
  const { descriptor, dataPointType, isMonotonic } = shapeOf(def);
  const aggregationTemporality = AggregationTemporality.CUMULATIVE;
  switch (dataPointType) {
    case DataPointType.SUM:
      return {
        descriptor,
        aggregationTemporality,
        dataPointType,
        isMonotonic,
        dataPoints: points as DataPoint<number>[],
      };
    case DataPointType.GAUGE:
      return { descriptor, aggregationTemporality, dataPointType, dataPoints: points as DataPoint<number>[] };
    case DataPointType.HISTOGRAM:
      return { descriptor, aggregationTemporality, dataPointType, dataPoints: points as DataPoint<Histogram>[] };
  }
}

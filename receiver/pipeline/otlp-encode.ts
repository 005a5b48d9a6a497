// The OTLP metrics request in protobuf, written in one exact-size buffer. The SDK's serializer
// (ProtobufMetricsSerializer) walks every point twice (a size pass, then a write pass) and encodes
// every attribute key and value, every resource and every metric name again on every export: at
// 250 pods that is ~32k points with the same few attribute sets, ~250 resources and ~130 names. Here
// the parts that repeat are encoded once and kept (per attribute object, Resource, scope and metric
// descriptor, while the object lives), so a point costs its two timestamps, its value and a copy.
// The bytes are the SDK's, field for field and in its order (test/pipeline/otlp-encode.test.ts
// compares them); what this does not write (exponential histograms, attribute values other than
// strings, booleans, non-negative integers and doubles) goes to the SDK's serializer instead.
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type DataPoint,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
  type ScopeMetrics,
} from '@opentelemetry/sdk-metrics';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import type { HistogramValue } from '../probes/probe.js';
import {
  SNAPSHOT_POINTS,
  shapeOf,
  type PointColumns,
  type PointRange,
  type SnapshotPoints,
  type TargetScopeMetrics,
} from './snapshot-producer.js';

/** Data points written by each path since the process started (tests read which path a request took):
 *  columns — straight from the snapshot's columns; objects — from the SDK's MetricData; sdk — handed to
 *  the SDK's serializer (what this does not write). */
export const encodedPoints = { columns: 0, objects: 0, sdk: 0 };

/** Metric headers (name, description, unit) encoded since the process started (the rest came from the
 *  cache: tests read it). */
export const encodedHeaders = { count: 0 };

/** Request buffers allocated since the process started (the rest were a caller's, reused: tests read it). */
export const requestBuffers = { allocated: 0 };

/** Something this encoder does not write: the request goes through the SDK's serializer. */
class Unsupported extends Error {}

const varintLen = (n: number): number => {
  let len = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
};

/** Builds the small cached parts (keys, values, names): plain arrays, written once per object. */
class Bytes {
  readonly b: number[] = [];
  varint(n: number): this {
    while (n >= 128) {
      this.b.push((n % 128) | 0x80);
      n = Math.floor(n / 128);
    }
    this.b.push(n);
    return this;
  }
  tag(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }
  bytes(x: ArrayLike<number>): this {
    this.varint(x.length);
    for (let i = 0; i < x.length; i++) this.b.push(x[i]!);
    return this;
  }
  string(s: string): this {
    return this.bytes(Buffer.from(s, 'utf8'));
  }
  double(v: number): this {
    const d = Buffer.allocUnsafe(8);
    d.writeDoubleLE(v, 0);
    for (const x of d) this.b.push(x);
    return this;
  }
  raw(x: ArrayLike<number>): this {
    for (let i = 0; i < x.length; i++) this.b.push(x[i]!);
    return this;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.b);
  }
}

/** One AnyValue (as the SDK writes it: int_value for integers in the int64 range, else double_value). */
function anyValue(out: Bytes, v: unknown): void {
  if (typeof v === 'string') out.tag(1, 2).string(v);
  else if (typeof v === 'boolean') out.tag(2, 0).varint(v ? 1 : 0);
  else if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 0 && v < 2 ** 63) out.tag(3, 0).varint(v);
    else if (!Number.isInteger(v)) out.tag(4, 1).double(v);
    else throw new Unsupported('a negative integer attribute');
  } else throw new Unsupported('an attribute value that is not a string, boolean or number');
}

/** The repeated KeyValue field `field` of an attribute set, tags included. */
function attributeBytes(attrs: Attributes | undefined, field: number): Uint8Array {
  const out = new Bytes();
  if (attrs === undefined) return out.done();
  for (const key in attrs) {
    if (!Object.prototype.hasOwnProperty.call(attrs, key)) continue;
    const kv = new Bytes().tag(1, 2).string(key);
    const value = new Bytes();
    anyValue(value, attrs[key]);
    kv.tag(2, 2).bytes(value.b);
    out.tag(field, 2).bytes(kv.b);
  }
  return out.done();
}

// Attribute sets of points by object: the probes' constant sets (MIB fields, directions) hit every
// time; a set made per cycle is encoded once per export. Weak: a set dropped by the snapshot goes.
const pointAttrs = new WeakMap<object, Uint8Array>(); // NumberDataPoint.attributes (7)
const histogramAttrs = new WeakMap<object, Uint8Array>(); // HistogramDataPoint.attributes (9)
const NO_ATTRS = new Uint8Array(0);

function cachedAttrs(attrs: Attributes | undefined, field: 7 | 9): Uint8Array {
  if (attrs === undefined) return NO_ATTRS;
  const cache = field === 7 ? pointAttrs : histogramAttrs;
  let b = cache.get(attrs);
  if (b === undefined) cache.set(attrs, (b = attributeBytes(attrs, field)));
  return b;
}

/** Resource (field 1 of ResourceMetrics, tag and length included): attributes, dropped count 0. */
const resources = new WeakMap<Resource, Uint8Array>();
function resourceBytes(r: Resource): Uint8Array {
  let b = resources.get(r);
  if (b === undefined) {
    const content = new Bytes().raw(attributeBytes(r.attributes, 1)).tag(2, 0).varint(0);
    resources.set(r, (b = new Bytes().tag(1, 2).bytes(content.b).done()));
  }
  return b;
}

type Scope = ScopeMetrics['scope'];
/** InstrumentationScope (field 1 of ScopeMetrics, tag and length included). */
const scopes = new WeakMap<Scope, Uint8Array>();
function scopeBytes(s: Scope): Uint8Array {
  let b = scopes.get(s);
  if (b === undefined) {
    const content = new Bytes().tag(1, 2).string(s.name);
    if (s.version) content.tag(2, 2).string(s.version);
    scopes.set(s, (b = new Bytes().tag(1, 2).bytes(content.b).done()));
  }
  return b;
}

/** Metric name, description and unit (fields 1–3), by name, each description and unit a name comes with
 *  kept: one name may come with two (the SDK's batch processor and the agent's retry buffer both report
 *  otel.sdk.processor.log.queue.size, each with its own description), and one entry per name was encoded
 *  again for both at every export. */
interface Header {
  description: string;
  unit: string;
  bytes: Uint8Array;
}
const headers = new Map<string, Header[]>();
let headerCount = 0;
function headerBytes(d: MetricData['descriptor']): Uint8Array {
  const known = headers.get(d.name);
  if (known !== undefined)
    for (let i = 0; i < known.length; i++) {
      const h = known[i]!;
      if (h.description === d.description && h.unit === d.unit) return h.bytes;
    }
  encodedHeaders.count++;
  const out = new Bytes().tag(1, 2).string(d.name);
  if (d.description) out.tag(2, 2).string(d.description);
  if (d.unit) out.tag(3, 2).string(d.unit);
  const bytes = out.done();
  if (headerCount < 10_000) {
    headerCount++;
    const h: Header = { description: d.description, unit: d.unit, bytes };
    if (known === undefined) headers.set(d.name, [h]);
    else known.push(h);
  }
  return bytes;
}

/** The producer's descriptors are one constant object per definition (shapeOf): kept by object. */
const shapeHeaders = new WeakMap<object, Uint8Array>();
function shapeHeader(d: MetricData['descriptor']): Uint8Array {
  let b = shapeHeaders.get(d);
  if (b === undefined) shapeHeaders.set(d, (b = headerBytes(d)));
  return b;
}

const temporalityOf = (t: AggregationTemporality): number =>
  t === AggregationTemporality.DELTA ? 1 : t === AggregationTemporality.CUMULATIVE ? 2 : 0;

/** Length of a NumberDataPoint's content. */
const numberPointLen = (attrs: Uint8Array): number => 27 + attrs.length;

function histogramPointLen(h: Histogram, attrs: Uint8Array): number {
  let n = 27 + attrs.length; // start, time, count
  if (h.sum !== undefined) n += 9;
  const c = h.buckets.counts.length;
  if (c > 0) n += 1 + varintLen(8 * c) + 8 * c;
  const b = h.buckets.boundaries.length;
  if (b > 0) n += 1 + varintLen(8 * b) + 8 * b;
  if (h.min !== undefined) n += 9;
  if (h.max !== undefined) n += 9;
  return n;
}

/** Length of a HistogramDataPoint's content from the snapshot's value (sum, no min or max, as the producer's). */
function columnHistogramLen(h: HistogramValue, attrs: Uint8Array): number {
  let n = 36 + attrs.length; // start, time, count, sum
  const c = h.bucketCounts.length;
  if (c > 0) n += 1 + varintLen(8 * c) + 8 * c;
  const b = h.boundaries.length;
  if (b > 0) n += 1 + varintLen(8 * b) + 8 * b;
  return n;
}

/** Writes into one buffer whose size pass 1 computed: `reuse` when it is large enough, else a new one
 *  (its own memory, not a slice of Node's shared pool: the caller may reuse it). */
class Writer {
  pos = 0;
  readonly buf: Buffer;
  constructor(size: number, reuse: Buffer | undefined) {
    if (reuse !== undefined && reuse.length >= size) this.buf = reuse.subarray(0, size);
    else {
      this.buf = Buffer.allocUnsafeSlow(size);
      requestBuffers.allocated++;
    }
  }
  byte(x: number): void {
    this.buf[this.pos++] = x;
  }
  varint(n: number): void {
    while (n >= 128) {
      this.buf[this.pos++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }
  raw(x: Uint8Array): void {
    this.buf.set(x, this.pos);
    this.pos += x.length;
  }
  fixed64(lo: number, hi: number): void {
    // byte stores (a Uint8Array keeps the low 8 bits): no range checks per word as writeUInt32LE does
    const b = this.buf;
    const p = this.pos;
    b[p] = lo;
    b[p + 1] = lo >>> 8;
    b[p + 2] = lo >>> 16;
    b[p + 3] = lo >>> 24;
    b[p + 4] = hi;
    b[p + 5] = hi >>> 8;
    b[p + 6] = hi >>> 16;
    b[p + 7] = hi >>> 24;
    this.pos = p + 8;
  }
  double(v: number): void {
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }
  /** Unsigned fixed64 of a non-negative count, as the SDK splits it. */
  count(v: number): void {
    this.fixed64(v >>> 0, (v / 0x100000000) >>> 0);
  }
  sfixed64(v: number): void {
    if (v >= 0) return this.fixed64(v >>> 0, (v / 0x100000000) >>> 0);
    const abs = Math.abs(v);
    let lo = ~(abs >>> 0) >>> 0;
    let hi = ~((abs / 0x100000000) >>> 0) >>> 0;
    lo = (lo + 1) >>> 0;
    if (lo === 0) hi = (hi + 1) >>> 0;
    this.fixed64(lo, hi);
  }
  time(t: HrTime): void {
    const [low, high] = timeWords(t);
    this.fixed64(low, high);
  }
}

/** An HrTime as nanoseconds in fixed64 (low and high words), exactly (the SDK's split: no product above 2^53). */
/** A NumberDataPoint's value (as_int or as_double), then its attributes: the fields after the times. */
function numberValueAndAttributes(w: Writer, v: number, asInt: boolean, attrs: Uint8Array): void {
  if (asInt) {
    w.byte(0x31); // as_int (sfixed64)
    w.sfixed64(v);
  } else {
    w.byte(0x21); // as_double
    w.double(v);
  }
  w.raw(attrs);
}

/** A HistogramDataPoint's count, sum, bucket counts, bounds and attributes: the fields after the times. */
function histogramBody(
  w: Writer,
  count: number,
  sum: number | undefined,
  counts: ArrayLike<number>,
  bounds: ArrayLike<number>,
  attrs: Uint8Array,
): void {
  w.byte(0x21); // count
  w.count(count);
  if (sum !== undefined) {
    w.byte(0x29); // sum
    w.double(sum);
  }
  if (counts.length > 0) {
    w.byte(0x32); // bucket_counts, packed fixed64
    w.varint(8 * counts.length);
    for (let k = 0; k < counts.length; k++) w.count(counts[k]!);
  }
  if (bounds.length > 0) {
    w.byte(0x3a); // explicit_bounds, packed double
    w.varint(8 * bounds.length);
    for (let k = 0; k < bounds.length; k++) w.double(bounds[k]!);
  }
  w.raw(attrs);
}

function timeWords(t: HrTime): [number, number] {
  const s = t[0];
  const lower = (s & 0xffff) * 1e9;
  const upper = ((s / 0x10000) >>> 0) * 1e9;
  const low = (lower >>> 0) + ((((upper & 0xffff) * 0x10000) >>> 0) + t[1]);
  const high = Math.floor(lower / 0x100000000) + ((upper / 0x10000) >>> 0) + Math.floor(low / 0x100000000);
  return [low >>> 0, high >>> 0];
}

/** One request's parts and their lengths, from pass 1, in write order: `nl` lengths and `na` attribute
 *  parts used. One plan for every request, its arrays kept and filled by index: built anew per request
 *  they were ~50 bytes of garbage per point (a length and an attribute reference, grown by push). */
interface Plan {
  readonly lens: number[];
  readonly attrs: Uint8Array[];
  nl: number;
  na: number;
  /** Points from columns (the rest of the request's points are from objects). */
  columnPoints: number;
  objectPoints: number;
}
const plan: Plan = { lens: [], attrs: [], nl: 0, na: 0, columnPoints: 0, objectPoints: 0 };
/** Beyond this many entries the plan's arrays are let go after the request (a whole collection in one). */
const PLAN_KEEP = 1 << 16;

function planMetric(m: MetricData, plan: Plan): number {
  const header = headerBytes(m.descriptor);
  let data = 0;
  const histogram = m.dataPointType === DataPointType.HISTOGRAM;
  if (!histogram && m.dataPointType !== DataPointType.SUM && m.dataPointType !== DataPointType.GAUGE)
    throw new Unsupported('an exponential histogram');
  const slot = plan.nl++;
  plan.lens[slot] = 0; // the data's length, known after its points
  for (const p of m.dataPoints as DataPoint<number | Histogram>[]) {
    const attrs = cachedAttrs(p.attributes, histogram ? 9 : 7);
    const len = histogram ? histogramPointLen(p.value as Histogram, attrs) : numberPointLen(attrs);
    plan.attrs[plan.na++] = attrs;
    plan.lens[plan.nl++] = len;
    data += 1 + varintLen(len) + len;
  }
  plan.objectPoints += m.dataPoints.length;
  if (m.dataPointType !== DataPointType.GAUGE) {
    const t = temporalityOf(m.aggregationTemporality);
    if (t !== 0) data += 1 + varintLen(t);
    if (m.dataPointType === DataPointType.SUM && m.isMonotonic) data += 2;
  }
  plan.lens[slot] = data;
  return header.length + 1 + varintLen(data) + data;
}

/** A metric over the snapshot's columns: as planMetric for the MetricData the producer would have made. */
function planRange(c: PointColumns, r: PointRange, plan: Plan): number {
  const shape = shapeOf(r.def);
  const header = shapeHeader(shape.descriptor);
  const histogram = shape.dataPointType === DataPointType.HISTOGRAM;
  let data = 0;
  const slot = plan.nl++;
  plan.lens[slot] = 0;
  for (let i = r.from; i < r.to; i++) {
    const attrs = cachedAttrs(c.attributes[i], histogram ? 9 : 7);
    const len = histogram ? columnHistogramLen(c.histograms![i]!, attrs) : numberPointLen(attrs);
    plan.attrs[plan.na++] = attrs;
    plan.lens[plan.nl++] = len;
    data += 1 + varintLen(len) + len;
  }
  if (shape.dataPointType !== DataPointType.GAUGE) data += 2; // cumulative
  if (shape.isMonotonic) data += 2;
  plan.lens[slot] = data;
  plan.columnPoints += r.to - r.from;
  return header.length + 1 + varintLen(data) + data;
}

function planResource(rm: ResourceMetrics, plan: Plan): number {
  if (rm.resource.schemaUrl) throw new Unsupported('a resource schema URL');
  let content = resourceBytes(rm.resource).length;
  const rmSlot = plan.nl++;
  plan.lens[rmSlot] = 0;
  for (const sm of rm.scopeMetrics) {
    if (sm.scope.schemaUrl) throw new Unsupported('a scope schema URL');
    const smSlot = plan.nl++;
    plan.lens[smSlot] = 0;
    let scope = scopeBytes(sm.scope).length;
    const points = (sm as TargetScopeMetrics)[SNAPSHOT_POINTS];
    if (points !== undefined) {
      for (const r of points.ranges) {
        const mSlot = plan.nl++;
        plan.lens[mSlot] = 0;
        const len = planRange(points.columns, r, plan);
        plan.lens[mSlot] = len;
        scope += 1 + varintLen(len) + len;
      }
      plan.lens[smSlot] = scope;
      content += 1 + varintLen(scope) + scope;
      continue;
    }
    for (const m of sm.metrics) {
      const mSlot = plan.nl++;
      plan.lens[mSlot] = 0;
      const len = planMetric(m, plan);
      plan.lens[mSlot] = len;
      scope += 1 + varintLen(len) + len;
    }
    plan.lens[smSlot] = scope;
    content += 1 + varintLen(scope) + scope;
  }
  plan.lens[rmSlot] = content;
  return 1 + varintLen(content) + content;
}

function writeResource(w: Writer, rm: ResourceMetrics, plan: Plan, at: { len: number; attr: number }): void {
  w.byte(0x0a); // ExportMetricsServiceRequest.resource_metrics
  w.varint(plan.lens[at.len++]!);
  w.raw(resourceBytes(rm.resource));
  for (const sm of rm.scopeMetrics) {
    w.byte(0x12); // ResourceMetrics.scope_metrics
    w.varint(plan.lens[at.len++]!);
    w.raw(scopeBytes(sm.scope));
    const points = (sm as TargetScopeMetrics)[SNAPSHOT_POINTS];
    if (points !== undefined) {
      writeRanges(w, points, plan, at);
      continue;
    }
    for (const m of sm.metrics) {
      w.byte(0x12); // ScopeMetrics.metrics
      w.varint(plan.lens[at.len++]!);
      w.raw(headerBytes(m.descriptor));
      const histogram = m.dataPointType === DataPointType.HISTOGRAM;
      // gauge (5), sum (7), histogram (9)
      w.byte(m.dataPointType === DataPointType.GAUGE ? 0x2a : m.dataPointType === DataPointType.SUM ? 0x3a : 0x4a);
      w.varint(plan.lens[at.len++]!);
      const asInt = m.descriptor.valueType === ValueType.INT;
      for (const p of m.dataPoints as DataPoint<number | Histogram>[]) {
        const attrs = plan.attrs[at.attr++]!;
        w.byte(0x0a); // data_points
        w.varint(plan.lens[at.len++]!);
        w.byte(0x11); // start_time_unix_nano
        w.time(p.startTime);
        w.byte(0x19); // time_unix_nano
        w.time(p.endTime);
        if (!histogram) {
          numberValueAndAttributes(w, p.value as number, asInt, attrs);
          continue;
        }
        const h = p.value as Histogram;
        histogramBody(w, h.count, h.sum, h.buckets.counts, h.buckets.boundaries, attrs);
        if (h.min !== undefined) {
          w.byte(0x59);
          w.double(h.min);
        }
        if (h.max !== undefined) {
          w.byte(0x61);
          w.double(h.max);
        }
      }
      if (m.dataPointType !== DataPointType.GAUGE) {
        const t = temporalityOf(m.aggregationTemporality);
        if (t !== 0) {
          w.byte(0x10);
          w.varint(t);
        }
        if (m.dataPointType === DataPointType.SUM && m.isMonotonic) {
          w.byte(0x18);
          w.byte(1);
        }
      }
    }
  }
}

/** The metrics of a scope over the snapshot's columns, in the order planRange measured them. */
function writeRanges(w: Writer, points: SnapshotPoints, plan: Plan, at: { len: number; attr: number }): void {
  const c = points.columns;
  // one end time per collection, and series mostly share their start (the collection that first saw them)
  const [endLow, endHigh] = timeWords(c.endTime);
  let start: HrTime | undefined;
  let startLow = 0;
  let startHigh = 0;
  for (const r of points.ranges) {
    const shape = shapeOf(r.def);
    w.byte(0x12); // ScopeMetrics.metrics
    w.varint(plan.lens[at.len++]!);
    w.raw(shapeHeader(shape.descriptor));
    const type = shape.dataPointType;
    w.byte(type === DataPointType.GAUGE ? 0x2a : type === DataPointType.SUM ? 0x3a : 0x4a);
    w.varint(plan.lens[at.len++]!);
    const asInt = shape.descriptor.valueType === ValueType.INT;
    for (let i = r.from; i < r.to; i++) {
      const attrs = plan.attrs[at.attr++]!;
      w.byte(0x0a); // data_points
      w.varint(plan.lens[at.len++]!);
      if (c.starts[i] !== start) {
        start = c.starts[i]!;
        [startLow, startHigh] = timeWords(start);
      }
      w.byte(0x11); // start_time_unix_nano
      w.fixed64(startLow, startHigh);
      w.byte(0x19); // time_unix_nano
      w.fixed64(endLow, endHigh);
      if (type !== DataPointType.HISTOGRAM) {
        numberValueAndAttributes(w, c.values[i]!, asInt, attrs);
        continue;
      }
      const h = c.histograms![i]!;
      histogramBody(w, h.count, h.sum, h.bucketCounts, h.boundaries, attrs);
    }
    if (type !== DataPointType.GAUGE) {
      w.byte(0x10); // aggregation_temporality: cumulative
      w.byte(2);
    }
    if (shape.isMonotonic) {
      w.byte(0x18);
      w.byte(1);
    }
  }
}

/**
 * One ExportMetricsServiceRequest holding every ResourceMetrics of `request`, as the SDK's serializer
 * would write each (concatenated: a repeated field's encodings join into one message).
 */
export function encodeMetricsRequest(request: readonly ResourceMetrics[], reuse?: Buffer): Buffer | undefined {
  // pass 1: every length (and the SDK's bytes for what this does not write); pass 2: one buffer
  const parts: ({ len: number; attr: number } | Uint8Array)[] = [];
  let total = 0;
  plan.nl = plan.na = 0;
  try {
    for (const rm of request) {
      const at = { len: plan.nl, attr: plan.na };
      plan.columnPoints = plan.objectPoints = 0;
      try {
        total += planResource(rm, plan);
        parts.push(at);
        encodedPoints.columns += plan.columnPoints;
        encodedPoints.objects += plan.objectPoints;
      } catch (e) {
        if (!(e instanceof Unsupported)) throw e;
        plan.nl = at.len;
        plan.na = at.attr;
        // the SDK's serializer reads `metrics`: a scope over columns builds its MetricData now
        const sdk = ProtobufMetricsSerializer.serializeRequest(rm);
        if (sdk === undefined) return undefined;
        for (const sm of rm.scopeMetrics) for (const m of sm.metrics) encodedPoints.sdk += m.dataPoints.length;
        total += sdk.length;
        parts.push(sdk);
      }
    }
    const w = new Writer(total, reuse);
    parts.forEach((part, i) => {
      if (part instanceof Uint8Array) w.raw(part);
      else writeResource(w, request[i]!, plan, part);
    });
    if (w.pos !== total) throw new Error(`OTLP encoder: wrote ${w.pos} bytes of a planned ${total}`);
    return w.buf;
  } finally {
    // a very large plan is not kept (a request's is a few thousand entries, its parts cached bytes anyway)
    if (plan.lens.length > PLAN_KEEP) plan.lens.length = plan.attrs.length = 0;
  }
}

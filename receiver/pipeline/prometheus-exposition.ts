// /metrics in the Prometheus text format (0.0.4), with the names and labels the OTel specification's
// Prometheus compatibility rules give (semconv/lib/prom-names.ts): what a user gets after OTLP →
// Collector → Prometheus, so one dashboard works by scrape and by OTLP.
//  - names: unit words appended (`By` → _bytes, `s` → _seconds, `{packet}` → nothing), `_total` on
//    monotonic sums, `_ratio` on gauges of unit 1; `# UNIT` is that unit word, never braces;
//  - types: monotonic sum → counter, UpDownCounter and gauge → gauge, histogram → _bucket/_sum/_count;
//  - labels: each attribute with invalid characters → `_` (keys that collide joined with `;`, in the
//    order of the original keys), then the target's identity (OTLP has it on the resource; here it
//    stays on the series, as the Collector's resource_to_telemetry_conversion puts it), then
//    otel_scope_name and otel_scope_version (off with prometheus.scope_info: false);
//  - target_info: the agent's resource, once.
// The probe metrics are written straight from the snapshot, one family at a time: the SDK's path
// (MetricProducer → DataPoint objects → one string) held every series of a scrape at once (~100 MiB at
// 250 namespaces); here a scrape holds one family's index and a 64 KiB chunk. The agent's own
// instruments (a few families) come from an SDK collection (renderCollection).
import type { Attributes } from '@opentelemetry/api';
import { flatString } from '../flat-string.js';
import type { Resource } from '@opentelemetry/resources';
import {
  DataPointType,
  type DataPoint,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { Instrument, MetricDefinition } from '../../semconv/types.js';
import type { HistogramValue } from '../probes/probe.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import type { Target } from '../targets/target.js';
import { targetAttributes } from '../snapshot/snapshot.js';
import { promLabelName, promName, promUnit } from '../../semconv/lib/prom-names.js';
import { seriesKey } from './snapshot-producer.js';

/** Where the text goes: `write` may return a promise when the consumer wants the producer to wait. */
export interface TextSink {
  write(chunk: string): void | Promise<void>;
}

/** The instrumentation scope whose name and version label every series (undefined: no scope labels). */
export interface ScopeLabels {
  readonly name: string;
  readonly version?: string;
}

/** Escapes HELP text (and names) per the text format: backslash, line feed. */
export function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Escapes a label value per the text format: backslash, double quote, line feed. */
const NEEDS_ESCAPE = /[\\"\n]/;
export function escapeLabelValue(v: string): string {
  if (!NEEDS_ESCAPE.test(v)) return v;
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A sample value as the text format writes it (±Inf spelt out). */
export function formatValue(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return `${v}`;
}

type AttrValue = string | number | boolean | readonly unknown[] | null | undefined;
const text = (v: AttrValue): string => (typeof v === 'string' ? v : JSON.stringify(v));

// Label names repeat on every series: translate each attribute key once.
const labelNames = new Map<string, string>();
function labelName(key: string): string {
  let n = labelNames.get(key);
  if (n === undefined) {
    n = promLabelName(key);
    if (labelNames.size < 10_000) labelNames.set(key, n);
  }
  return n;
}

/**
 * Label text for attribute sets, in order. Keys that translate to one label name are merged, their
 * values joined with `;` in the lexicographic order of the original keys (the specification's rule).
 */
export function labelText(...sets: readonly Readonly<Record<string, AttrValue>>[]): string {
  let out = '';
  let names: Map<string, [string, string][]> | undefined;
  const seen = new Set<string>();
  for (const set of sets) {
    for (const key in set) {
      const v = set[key];
      if (v === undefined) continue;
      const name = labelName(key);
      if (seen.has(name)) {
        names ??= new Map();
        continue;
      }
      seen.add(name);
      out += `${out.length > 0 ? ',' : ''}${name}="${escapeLabelValue(text(v))}"`;
    }
  }
  if (names === undefined) return out;
  // A collision (rare: pod label keys that differ only in . / _): rebuild with the values merged.
  for (const set of sets)
    for (const key in set) {
      const v = set[key];
      if (v === undefined) continue;
      const name = labelName(key);
      const list = names.get(name) ?? [];
      if (!list.some(([k]) => k === key)) list.push([key, text(v)]);
      names.set(name, list);
    }
  const byKey = ([a]: [string, string], [b]: [string, string]): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...names]
    .map(
      ([name, kv]) =>
        `${name}="${escapeLabelValue(
          kv
            .sort(byKey)
            .map(([, v]) => v)
            .join(';'),
        )}"`,
    )
    .join(',');
}

/** The scope labels of every series (empty when turned off). */
export function scopeLabelText(scope: ScopeLabels | undefined): string {
  if (scope === undefined) return '';
  const version = scope.version !== undefined && scope.version !== '' ? { otel_scope_version: scope.version } : {};
  return labelText({ otel_scope_name: scope.name, ...version });
}

/** The family name of a registry metric on /metrics. */
export function familyName(def: MetricDefinition): string {
  return family(def).name;
}

// A registry metric's family name and header are the same at every scrape: made once per definition
// (~130 families made again took 0.11 ms of a 10-pod scrape, CPU profile of 1,000 scrapes).
const familyCache = new WeakMap<MetricDefinition, { readonly name: string; readonly head: string }>();
function family(def: MetricDefinition): { readonly name: string; readonly head: string } {
  let f = familyCache.get(def);
  if (f === undefined) {
    const name = promName(def.name, def.instrument, def.unit);
    familyCache.set(def, (f = { name, head: header(name, def.brief.en, def.instrument, def.unit) }));
  }
  return f;
}

function promType(instrument: Instrument): string {
  switch (instrument) {
    case 'counter':
      return 'counter';
    case 'histogram':
      return 'histogram';
    default:
      return 'gauge'; // gauge, and updowncounter (a non-monotonic sum)
  }
}

function header(name: string, help: string, instrument: Instrument, unit: string): string {
  const word = promUnit(instrument, unit);
  const unitLine = word !== '' ? `# UNIT ${name} ${word}\n` : '';
  return `# HELP ${name} ${escapeHelp(help || 'description missing')}\n${unitLine}# TYPE ${name} ${promType(instrument)}\n`;
}

const joinLabels = (...parts: string[]): string => parts.filter((p) => p !== '').join(',');

function histogramLines(name: string, lbl: string, h: HistogramValue): string {
  const sep = lbl === '' ? '' : ',';
  let out = `${name}_count${lbl === '' ? '' : `{${lbl}}`} ${formatValue(h.count)}\n`;
  out += `${name}_sum${lbl === '' ? '' : `{${lbl}}`} ${formatValue(h.sum)}\n`;
  let cumulative = 0;
  let infinite = false;
  for (let i = 0; i < h.bucketCounts.length; i++) {
    cumulative += h.bucketCounts[i]!;
    const bound = h.boundaries[i];
    if (bound === undefined && infinite) break;
    if (bound === Infinity) infinite = true;
    const le = bound === undefined || bound === Infinity ? '+Inf' : String(bound);
    out += `${name}_bucket{${lbl}${sep}le="${le}"} ${formatValue(cumulative)}\n`;
  }
  return out;
}

/** target_info: the resource's attributes as labels, once. */
export function targetInfo(resource: Resource): string {
  const lbl = labelText(resource.attributes as Readonly<Record<string, AttrValue>>);
  if (lbl === '') return '';
  return `# HELP target_info Target metadata\n# TYPE target_info gauge\ntarget_info{${lbl}} 1\n`;
}

function instrumentOf(m: MetricData): Instrument {
  switch (m.dataPointType) {
    case DataPointType.SUM:
      return m.isMonotonic ? 'counter' : 'updowncounter';
    case DataPointType.HISTOGRAM:
      return 'histogram';
    default:
      return 'gauge';
  }
}

/**
 * An SDK collection (the agent's own instruments, the SDK's otel.sdk.* ones) as text, each series
 * labelled with its own scope. Families of one name are written once.
 */
export function renderCollection(
  collection: ResourceMetrics,
  opts: { scopeInfo: boolean },
): { text: string; families: Set<string> } {
  const families = new Map<string, { head: string; lines: string[] }>();
  for (const sm of collection.scopeMetrics) {
    const version = sm.scope.version !== undefined ? { version: sm.scope.version } : {};
    const scope = opts.scopeInfo ? scopeLabelText({ name: sm.scope.name, ...version }) : '';
    for (const m of sm.metrics) {
      const instrument = instrumentOf(m);
      const name = promName(m.descriptor.name, instrument, m.descriptor.unit);
      let f = families.get(name);
      if (!f) {
        f = { head: header(name, m.descriptor.description, instrument, m.descriptor.unit), lines: [] };
        families.set(name, f);
      }
      for (const p of m.dataPoints as DataPoint<number | Histogram>[]) {
        const lbl = joinLabels(labelText(p.attributes as Attributes), scope);
        if (typeof p.value === 'number') {
          f.lines.push(`${name}${lbl === '' ? '' : `{${lbl}}`} ${formatValue(p.value)}\n`);
        } else {
          const h = p.value;
          const value = {
            boundaries: h.buckets.boundaries,
            bucketCounts: h.buckets.counts,
            sum: h.sum ?? 0,
            count: h.count,
          };
          f.lines.push(histogramLines(name, lbl, value));
        }
      }
    }
  }
  let out = '';
  for (const f of families.values()) out += f.head + f.lines.join('');
  return { text: out, families: new Set(families.keys()) };
}

const CHUNK = 64 * 1024;
/** A character outside Latin-1: a string holding one is stored two bytes per character. */
const WIDE = /[^\u0000-\u00ff]/;

// A sample's own label text and label names, kept per attribute object: probes reuse one object for a
// series across cycles (MIB fields, directions), so most series cost no label work after the first scrape.
const ownLabelCache = new WeakMap<object, { text: string; names: string[] }>();
function ownLabels(own: Readonly<Record<string, string | number>>): { text: string; names: string[] } {
  let o = ownLabelCache.get(own);
  if (o === undefined) {
    o = { text: flatString(labelText(own)), names: Object.keys(own).map(labelName) };
    ownLabelCache.set(own, o);
  }
  return o;
}

/** A target's identity, its label text and label names. */
interface TargetLabels {
  readonly attrs: Readonly<Record<string, string | number>>;
  readonly text: string;
  readonly names: ReadonlySet<string>;
}
// Kept per Target object across scrapes (a Target is immutable, and identity hands out the same object
// while the target is unchanged): every probe's entry of a target, and every scrape, share one label text.
const targetLabelCache = new WeakMap<Target, TargetLabels>();
function targetLabels(target: Target): TargetLabels {
  let t = targetLabelCache.get(target);
  if (t === undefined) {
    const attrs = targetAttributes(target);
    t = { attrs, text: flatString(labelText(attrs)), names: new Set(Object.keys(attrs).map(labelName)) };
    targetLabelCache.set(target, t);
  }
  return t;
}

/** A series' labels: its own, its target's, the scope's. */
function seriesLabels(own: Readonly<Record<string, string | number>>, t: TargetLabels, scope: string): string {
  const o = ownLabels(own);
  for (const n of o.names) if (t.names.has(n)) return joinLabels(labelText(own, t.attrs), scope);
  let out = o.text;
  if (t.text !== '') out = out === '' ? t.text : `${out},${t.text}`;
  if (scope !== '') out = out === '' ? scope : `${out},${scope}`;
  return out;
}

/** The text of one scrape, given to the sink in chunks of about CHUNK characters. */
class ChunkedText {
  text = '';
  constructor(private readonly sink: TextSink) {}
  async flush(): Promise<void> {
    if (this.text === '') return;
    const chunk = this.text;
    this.text = '';
    await this.sink.write(chunk);
  }
}

/**
 * Writes every probe metric of `snap`. Families appear in the order of their first sample; a family's
 * series in snapshot order. `skip`: family names already written by someone else (left out).
 * No closures made per call: V8's optimized code for this function took a scrape's closures for its
 * call targets and was deoptimized when they were collected ("weak objects", --trace-deopt), then
 * compiled again at the next scrape (test/bench/results/sizing-h21u-*.md).
 */
export async function writeSnapshotExposition(
  snap: Snapshot,
  sink: TextSink,
  opts: { scope?: ScopeLabels; skip?: ReadonlySet<string> } = {},
): Promise<Set<string>> {
  // Index: metric name → packed (entry, sample) positions. Small integers in plain arrays stay compact.
  // By name: several probes' definitions may share one name (kubeskoop.event.undelivered).
  const families = new Map<string, { def: MetricDefinition; refs: number[]; probes: Set<string> }>();
  const entries = snap.entries;
  // position = entry × SHIFT + sample (exact in a double for any realistic snapshot)
  let SHIFT = 1;
  for (let e = 0; e < entries.length; e++) SHIFT = Math.max(SHIFT, entries[e]!.samples.length);
  for (let e = 0; e < entries.length; e++) {
    const entry = entries[e]!;
    const samples = entry.samples;
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      let f = families.get(s.metric.name);
      if (!f) families.set(s.metric.name, (f = { def: s.metric, refs: [], probes: new Set() }));
      f.refs.push(e * SHIFT + i);
      f.probes.add(entry.probe);
    }
  }
  const scope = scopeLabelText(opts.scope);
  const written = new Set<string>();
  const buf = new ChunkedText(sink);
  for (const { def, refs, probes } of families.values()) {
    const { name, head: h } = family(def);
    if (opts.skip?.has(name) || written.has(name)) continue;
    written.add(name);
    if (!WIDE.test(h)) buf.text += h;
    else {
      // A HELP text beyond Latin-1 (…, —, →) made the whole chunk a two-byte string, which the
      // response's UTF-8 encoding took ~3.5× as long over (1.7 ms of a 10-pod scrape, CPU profile):
      // such a header goes on its own, the sample lines stay in one-byte chunks.
      await buf.flush();
      await sink.write(h);
    }
    const seen = probes.size > 1 ? new Set<string>() : undefined;
    for (let r = 0; r < refs.length; r++) {
      const ref = refs[r]!;
      const e = Math.floor(ref / SHIFT);
      const entry = entries[e]!;
      const sample = entry.samples[ref % SHIFT]!;
      if (seen) {
        const key = seriesKey(name, entry.target.netnsInode, sample.attributes);
        if (seen.has(key)) continue;
        seen.add(key);
      }
      const lbl = seriesLabels(sample.attributes, targetLabels(entry.target), scope);
      buf.text +=
        typeof sample.value === 'number'
          ? `${name}${lbl === '' ? '' : `{${lbl}}`} ${formatValue(sample.value)}\n`
          : histogramLines(name, lbl, sample.value);
      if (buf.text.length >= CHUNK) await buf.flush();
    }
  }
  await buf.flush();
  return written;
}

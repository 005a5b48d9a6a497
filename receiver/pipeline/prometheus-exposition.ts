// The probe metrics of /metrics, written straight from the snapshot to the response, one metric
// family at a time. The SDK's path (MetricProducer → DataPoint objects → PrometheusSerializer →
// one string) holds every series of a scrape in memory at once: at 250 namespaces (~36k series)
// one scrape allocated ~100 MiB and left the agent at ~160 MiB RSS. Here a scrape holds one
// family's index and a 64 KiB chunk. The text is the one @opentelemetry/exporter-prometheus 0.223
// writes for the same data (names, `_total`, HELP/UNIT/TYPE, label order, escaping, histogram
// lines); test/pipeline/prometheus-exposition.test.ts compares the two byte for byte.
import type { MetricDefinition } from '../../semconv/types.js';
import type { HistogramValue, MetricSample } from '../probes/probe.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { targetAttributes } from '../snapshot/snapshot.js';
import { promLabelName, promNameJs } from '../../semconv/lib/prom-names.js';
import { seriesKey } from './snapshot-producer.js';

/** Where the text goes: `write` may return a promise when the consumer wants the producer to wait. */
export interface TextSink {
  write(chunk: string): void | Promise<void>;
}

/** Escapes HELP text (and names) per the text format: backslash, line feed. */
export function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Escapes a label value per the text format: backslash, double quote, line feed. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A sample value as the text format writes it (±Inf spelt out). */
export function formatValue(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return `${v}`;
}

function labels(attrs: Readonly<Record<string, string | number>>): string {
  let out = '';
  // Non-string values as JSON, as the SDK's serializer does.
  for (const key in attrs) {
    const v = attrs[key]!;
    out += `${out.length > 0 ? ',' : ''}${promLabelName(key)}="${escapeLabelValue(typeof v === 'string' ? v : JSON.stringify(v))}"`;
  }
  return out;
}

/** The family name the SDK's PrometheusExporter gives a metric (sanitized, `_total` on counters). */
export function familyName(def: MetricDefinition): string {
  return promNameJs(def.name, def.instrument);
}

function promType(def: MetricDefinition): string {
  switch (def.instrument) {
    case 'counter': return 'counter';
    case 'histogram': return 'histogram';
    default: return 'gauge'; // gauge, and updowncounter (a non-monotonic sum)
  }
}

function header(def: MetricDefinition, name: string): string {
  const unit = def.unit ? `\n# UNIT ${name} ${escapeHelp(def.unit)}` : '';
  return `# HELP ${name} ${escapeHelp(def.brief.en || 'description missing')}${unit}\n# TYPE ${name} ${promType(def)}\n`;
}

/** One series: the sample's own labels first, then the target's (the producer's attribute order). */
function seriesLabels(own: string, target: string): string {
  return own === '' ? target : target === '' ? own : `${own},${target}`;
}

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


const CHUNK = 64 * 1024;

/**
 * Writes every probe metric of `snap` as Prometheus text. Families appear in the order of their
 * first sample, as in the SDK's exposition; a family's series in snapshot order.
 * `skip`: family names already written by someone else (left out).
 */
export async function writeSnapshotExposition(snap: Snapshot, sink: TextSink, skip?: ReadonlySet<string>): Promise<Set<string>> {
  // Index: metric name → packed (entry, sample) positions. Small integers in plain arrays stay compact.
  // By name, as the SDK groups: several probes' definitions may share one name (kubeskoop.event.undelivered).
  const families = new Map<string, { def: MetricDefinition; refs: number[]; probes: Set<string> }>();
  // position = entry × SHIFT + sample (exact in a double for any realistic snapshot)
  const SHIFT = snap.entries.reduce((max, e) => Math.max(max, e.samples.length), 1);
  snap.entries.forEach((entry, e) => {
    entry.samples.forEach((s: MetricSample, i) => {
      let f = families.get(s.metric.name);
      if (!f) families.set(s.metric.name, (f = { def: s.metric, refs: [], probes: new Set() }));
      f.refs.push(e * SHIFT + i);
      f.probes.add(entry.probe);
    });
  });
  const targetLabels = new Map<number, string>(); // entry index → the target's label text
  const targetLabelsOf = (e: number): string => {
    let t = targetLabels.get(e);
    if (t === undefined) targetLabels.set(e, (t = labels(targetAttributes(snap.entries[e]!.target))));
    return t;
  };
  const written = new Set<string>();
  let buf = '';
  const flush = async (): Promise<void> => {
    if (buf === '') return;
    const chunk = buf;
    buf = '';
    await sink.write(chunk);
  };
  for (const { def, refs, probes } of families.values()) {
    const name = familyName(def);
    if (skip?.has(name)) continue;
    written.add(name);
    buf += header(def, name);
    const seen = probes.size > 1 ? new Set<string>() : undefined;
    for (const ref of refs) {
      const e = Math.floor(ref / SHIFT);
      const entry = snap.entries[e]!;
      const sample = entry.samples[ref % SHIFT]!;
      if (seen) {
        const key = seriesKey(name, entry.target.netnsInode, sample.attributes);
        if (seen.has(key)) continue;
        seen.add(key);
      }
      const lbl = seriesLabels(labels(sample.attributes), targetLabelsOf(e));
      buf += typeof sample.value === 'number'
        ? `${name}${lbl === '' ? '' : `{${lbl}}`} ${formatValue(sample.value)}\n`
        : histogramLines(name, lbl, sample.value);
      if (buf.length >= CHUNK) await flush();
    }
  }
  await flush();
  return written;
}

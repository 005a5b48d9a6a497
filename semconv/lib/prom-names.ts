// How Prometheus names an OpenTelemetry metric: the OTel specification's Prometheus compatibility
// rules ("OTLP Metric points to Prometheus") as the Collector's Prometheus exporters and Prometheus'
// own OTLP ingestion apply them (prometheus/otlptranslator, default strategy
// UnderscoreEscapingWithSuffixes): the name split on characters outside [a-zA-Z0-9:], the unit word
// appended unless already a token (`By` → bytes, `s` → seconds, `{packet}` → none), `_total` on
// monotonic sums (after removing any `total` token), `_ratio` on gauges of unit `1`. The agent's
// /metrics serves exactly these names, so one dashboard works by scrape and by OTLP.
// Also the JS PrometheusExporter's rule (no unit words), which /metrics followed before: only for the
// upgrade notes and `explain` of the old names.
// Pure functions, used by the agent's /metrics, the docs, the dashboard, `explain` and `top`.
import type { Instrument } from '../types.js';

/** Characters Prometheus does not allow in names (classic, non-UTF-8 mode). */
const INVALID = /[^a-zA-Z0-9_:]/g;

/** A label name as otlptranslator's LabelNamer makes it: invalid characters → `_` (runs kept, as the
 *  Collector does), `key_` before a leading digit, `key` before one leading `_`. */
export function promLabelName(attribute: string): string {
  const n = attribute.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(n)) return `key_${n}`;
  if (n.startsWith('_') && !n.startsWith('__')) return `key${n}`;
  return n;
}

/** The metric name the JS PrometheusExporter (0.223) writes for an instrument: what /metrics served
 *  before the names followed the specification (upgrade notes, `explain`). */
export function promNameJs(name: string, instrument: Instrument): string {
  // as the exporter does: HELP-escaped first (backslash, line feed), then sanitized
  let n = name
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/[^a-z0-9_]/gi, '_')
    .replace(/_{2,}/g, '_');
  if (n[0]! >= '0' && n[0]! <= '9') n = `_${n}`;
  if (instrument === 'counter' && !n.endsWith('_total')) n += '_total';
  return n;
}

// otlptranslator's unit maps (unit_namer.go).
const MAIN_UNITS: Readonly<Record<string, string>> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '1': '',
  '%': 'percent',
};
const PER_UNITS: Readonly<Record<string, string>> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

/** The unit words Prometheus' OTLP ingestion appends: `By` → bytes, `By/s` → bytes + per_second, `{packet}` → none. */
export function unitSuffixes(unit: string): { main: string; per: string } {
  const clean = (u: string): string => u.replace(INVALID, '_').replace(/_{2,}/g, '_').replace(/^_/, '');
  const [mainRaw = '', perRaw] = unit.split(/\/(.*)/s, 2);
  const m = mainRaw.trim();
  // A unit part with an annotation ({packet}) gives no word.
  const main = m !== '' && !/[{}]/.test(m) ? clean(MAIN_UNITS[m] ?? m) : '';
  let per = '';
  const p = (perRaw ?? '').trim();
  if (p !== '' && !/[{}]/.test(p)) per = clean(`per_${PER_UNITS[p] ?? p}`).replace(/_$/, '');
  return { main: per !== '' ? main.replace(/_$/, '') : main, per: per === 'per' ? '' : per };
}

/** The `# UNIT` word of a metric: the unit words of its name (`bytes`, `bytes_per_second`; `ratio` for
 *  a gauge of unit 1), without braces; empty for annotation-only units such as `{packet}`. */
export function promUnit(instrument: Instrument, unit: string): string {
  if (unit === '1') return instrument === 'gauge' ? 'ratio' : '';
  const { main, per } = unitSuffixes(unit);
  return [main, per].filter((x) => x !== '').join('_');
}

/** The metric name the specification's translation gives an OTel metric: what /metrics serves, what the
 *  Collector's Prometheus exporters and Prometheus' OTLP receiver give (histograms: the base of _bucket/_sum/_count). */
export function promName(name: string, instrument: Instrument, unit: string): string {
  // Tokens of valid characters; `_` is not valid here, so runs of separators collapse.
  let tokens = name.split(/[^a-zA-Z0-9:]+/).filter((t) => t !== '');
  const { main, per } = unitSuffixes(unit);
  if (main !== '' && !tokens.includes(main)) tokens.push(main);
  if (per !== '' && !tokens.includes(per)) tokens.push(per);
  if (instrument === 'counter') tokens = [...tokens.filter((t) => t !== 'total'), 'total'];
  if (unit === '1' && instrument === 'gauge') tokens = [...tokens.filter((t) => t !== 'ratio'), 'ratio'];
  let n = tokens.join('_');
  if (/^[0-9]/.test(n)) n = `_${n}`;
  return n;
}

/** The series names a metric produces in Prometheus (histograms give three). */
export function promSeriesNames(base: string, instrument: Instrument): string[] {
  return instrument === 'histogram' ? [`${base}_bucket`, `${base}_sum`, `${base}_count`] : [base];
}

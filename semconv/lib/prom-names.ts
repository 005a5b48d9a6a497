// How Prometheus names an OpenTelemetry metric, two ways (../../../shared/reference/otel-facts.md §5):
//  - the JS PrometheusExporter (what the agent's own /metrics serves): invalid characters → `_`,
//    runs of `_` collapsed, `_total` appended to monotonic sums; no unit words;
//  - Prometheus' OTLP ingestion (otlptranslator, default strategy UnderscoreEscapingWithSuffixes):
//    the name split on invalid characters, the unit word appended unless already a token,
//    `_total` on monotonic sums (after removing any `total` token), `_ratio` on gauges of unit `1`.
// Pure functions, used by the docs, the dashboard, `explain` and `top`.
import type { Instrument } from '../types.js';

/** Characters Prometheus does not allow in names (classic, non-UTF-8 mode). */
const INVALID = /[^a-zA-Z0-9_:]/g;

/** A label name as both renderings make it: `network.io.direction` → `network_io_direction`. */
export function promLabelName(attribute: string): string {
  return attribute.replace(/[^a-zA-Z0-9_]/g, '_').replace(/_{2,}/g, '_');
}

/** The metric name the JS PrometheusExporter (0.223) writes for an instrument. */
export function promNameJs(name: string, instrument: Instrument): string {
  // as the exporter does: HELP-escaped first (backslash, line feed), then sanitized
  let n = name.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/[^a-z0-9_]/gi, '_').replace(/_{2,}/g, '_');
  if (n[0]! >= '0' && n[0]! <= '9') n = `_${n}`;
  if (instrument === 'counter' && !n.endsWith('_total')) n += '_total';
  return n;
}

// otlptranslator's unit maps (unit_namer.go).
const MAIN_UNITS: Readonly<Record<string, string>> = {
  d: 'days', h: 'hours', min: 'minutes', s: 'seconds', ms: 'milliseconds', us: 'microseconds', ns: 'nanoseconds',
  By: 'bytes', KiBy: 'kibibytes', MiBy: 'mebibytes', GiBy: 'gibibytes', TiBy: 'tibibytes',
  KBy: 'kilobytes', MBy: 'megabytes', GBy: 'gigabytes', TBy: 'terabytes',
  m: 'meters', V: 'volts', A: 'amperes', J: 'joules', W: 'watts', g: 'grams',
  Cel: 'celsius', Hz: 'hertz', '1': '', '%': 'percent',
};
const PER_UNITS: Readonly<Record<string, string>> = {
  s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week', mo: 'month', y: 'year',
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

/** The metric name Prometheus' own OTLP receiver gives an OTel metric (histograms: the base of _bucket/_sum/_count). */
export function promNameOtlp(name: string, instrument: Instrument, unit: string): string {
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

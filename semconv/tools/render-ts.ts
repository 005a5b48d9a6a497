// Renders the registry as TypeScript: one constant per metric, event and attribute, plus the
// catalogues. Probes and the pipeline import these; nothing else spells a metric name.
import type { Registry } from './load-registry.js';

export const GENERATED_TS_PATH = 'semconv/generated/registry.ts';

const HEADER = `// GENERATED FILE — do not edit by hand.
// Source: semconv/registry/*.yaml; generator: semconv/tools/generate.ts; regenerate with \`npm run generate\`.
`;

export function constName(...parts: string[]): string {
  return parts.join('_').replace(/[^A-Za-z0-9]+/g, '_').toUpperCase();
}

const lit = (v: unknown): string => JSON.stringify(v, null, 2);

export function renderTypeScript(r: Registry): string {
  const out: string[] = [HEADER];
  out.push(`import type { AttributeDefinition, EventDefinition, MetricDefinition, ProbeDefinition, UnsupportedProbe } from '../types.js';\n`);

  out.push('// Attribute names');
  for (const a of r.attributes) out.push(`export const ${constName('ATTR', a.name)} = ${lit(a.name)};`);
  out.push('');
  out.push(`export const ATTRIBUTES: readonly AttributeDefinition[] = ${lit(r.attributes)};\n`);

  out.push('// Metrics');
  for (const m of r.metrics) out.push(`export const ${constName(m.probe, m.key)}: MetricDefinition = ${lit(m)};\n`);
  out.push(`export const METRICS: readonly MetricDefinition[] = [${r.metrics.map((m) => constName(m.probe, m.key)).join(', ')}];\n`);

  out.push('// Events');
  for (const e of r.events) out.push(`export const ${constName('EVENT', e.probe, e.key)}: EventDefinition = ${lit(e)};\n`);
  out.push(`export const EVENTS: readonly EventDefinition[] = [${r.events.map((e) => constName('EVENT', e.probe, e.key)).join(', ')}];\n`);

  out.push('// Probes');
  out.push(`export const PROBES: readonly ProbeDefinition[] = ${lit(r.probes)};\n`);
  out.push(`export const UNSUPPORTED_PROBES: readonly UnsupportedProbe[] = ${lit(r.unsupported)};\n`);
  return out.join('\n');
}

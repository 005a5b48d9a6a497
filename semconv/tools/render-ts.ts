// Renders the registry as TypeScript: one constant per metric, event and attribute, plus the
// catalogues. Probes and the pipeline import these; nothing else spells a metric name.
import type { MetricDefinition } from '../types.js';
import { TARGET_ENTITIES, type Registry } from './load-registry.js';

export const GENERATED_TS_PATH = 'semconv/generated/registry.ts';

const HEADER = `// GENERATED FILE — do not edit by hand.
// Source: semconv/registry/*.yaml; generator: semconv/tools/generate.ts; regenerate with \`npm run generate\`.
`;

export function constName(...parts: string[]): string {
  return parts
    .join('_')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase();
}

const lit = (v: unknown): string => JSON.stringify(v, null, 2);

export function renderTypeScript(r: Registry): string {
  const out: string[] = [HEADER];
  out.push(
    `import type {\n  AttributeDefinition, EntityDefinition, EntityMetrics, EventDefinition, MetricDefinition, ProbeDefinition, UnsupportedProbe,\n} from '../types.js';\n`,
  );

  out.push('// Whom metrics describe');
  out.push(`export const ENTITIES: readonly EntityDefinition[] = ${lit(r.entities)};\n`);
  out.push('// Attribute names');
  for (const a of r.attributes) out.push(`export const ${constName('ATTR', a.name)} = ${lit(a.name)};`);
  out.push('');
  out.push(`export const ATTRIBUTES: readonly AttributeDefinition[] = ${lit(r.attributes)};\n`);

  out.push('// Metrics');
  const metricConst = (m: MetricDefinition): string =>
    constName(m.probe, m.key, ...(m.id === m.family ? [] : m.entities));
  for (const m of r.metrics) out.push(`export const ${metricConst(m)}: MetricDefinition = ${lit(m)};\n`);
  out.push(`export const METRICS: readonly MetricDefinition[] = [${r.metrics.map(metricConst).join(', ')}];\n`);
  out.push('// Measurements whose name follows the entity (NAMING.md rule 6): the name for each kind of target.');
  const families = new Map<string, MetricDefinition[]>();
  for (const m of r.metrics) if (m.id !== m.family) families.set(m.family, [...(families.get(m.family) ?? []), m]);
  for (const ms of families.values()) {
    const byKind = TARGET_ENTITIES.map((k) => {
      const m = ms.find((x) => x.entities.includes(k));
      return m ? `${k}: ${metricConst(m)}` : undefined;
    }).filter((x) => x !== undefined);
    out.push(`export const ${constName(ms[0]!.probe, ms[0]!.key)}: EntityMetrics = { ${byKind.join(', ')} };\n`);
  }

  out.push('// Events');
  for (const e of r.events)
    out.push(`export const ${constName('EVENT', e.probe, e.key)}: EventDefinition = ${lit(e)};\n`);
  out.push(
    `export const EVENTS: readonly EventDefinition[] = [${r.events.map((e) => constName('EVENT', e.probe, e.key)).join(', ')}];\n`,
  );

  out.push('// Probes');
  out.push(`export const PROBES: readonly ProbeDefinition[] = ${lit(r.probes)};\n`);
  out.push(`export const UNSUPPORTED_PROBES: readonly UnsupportedProbe[] = ${lit(r.unsupported)};\n`);
  return out.join('\n');
}

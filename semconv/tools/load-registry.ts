// Reads semconv/registry/*.yaml, validates each file against its schema and checks the entries
// against each other (names unique, attributes declared, probes known). Total: it returns every
// problem it finds, each naming the file and the path inside it.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import type {
  AttributeDefinition, EventDefinition, MetricDefinition, ProbeDefinition, UnsupportedProbe, LegacyName,
} from '../types.js';
import { attributesFileSchema, eventsFileSchema, metricsFileSchema, probesFileSchema, sharedMetricsFileSchema } from './schema.js';

export interface Registry {
  readonly attributes: readonly AttributeDefinition[];
  readonly probes: readonly ProbeDefinition[];
  readonly unsupported: readonly UnsupportedProbe[];
  readonly metrics: readonly MetricDefinition[];
  readonly events: readonly EventDefinition[];
}

export interface RegistryLoad {
  readonly registry: Registry;
  readonly problems: readonly string[];
}

/** Metrics that several probes fill under one name and meaning (see that file's header). */
export const SHARED_METRICS_FILE = 'shared-metrics.yaml';

/** The pseudo-probe that owns the agent's own metrics. */
export const AGENT_PROBE = 'agent';

const ajv = new Ajv({ allErrors: true, strict: true });
const validators = {
  attributes: ajv.compile(attributesFileSchema),
  probes: ajv.compile(probesFileSchema),
  metrics: ajv.compile(metricsFileSchema),
  sharedMetrics: ajv.compile(sharedMetricsFileSchema),
  events: ajv.compile(eventsFileSchema),
};

function describe(file: string, errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const at = e.instancePath === '' ? '(top level)' : e.instancePath.slice(1).replaceAll('/', '.');
    return `${file}: at ${at}: ${e.message ?? 'invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`;
  });
}

interface RawBilingual { en: string; zh: string }
interface RawAttribute { name: string; type: AttributeDefinition['type']; semconv?: boolean; brief: RawBilingual; values?: string[]; examples?: string[] }
interface RawProbe {
  name: string; kind: ProbeDefinition['kind']; scope: ProbeDefinition['scope']; aliases: string[]; status_key: string;
  source: string; kubeskoop_overhead: ProbeDefinition['kubeskoopOverhead']; brief: RawBilingual; when_to_use: RawBilingual;
  measured_overhead?: ProbeDefinition['measuredOverhead'];
}
interface RawUnsupported { name: string; aliases: string[]; status_key: string; reason: string }
interface RawLegacy { name: string; attributes?: Record<string, string>; seed_typo_of?: string; node_wide?: boolean }
interface RawMetric {
  key: string; name: string; semconv?: boolean; instrument: MetricDefinition['instrument']; unit: string; attributes: string[];
  source: string; brief: RawBilingual; buckets?: number[]; legacy_aggregation?: MetricDefinition['legacyAggregation']; legacy?: RawLegacy[];
  legacy_type?: MetricDefinition['legacyType']; top?: MetricDefinition['top'];
}
/** A probe's entry naming a metric of shared-metrics.yaml. */
interface RawSharedRef { shared: string }
interface RawEventType { type: string; brief: RawBilingual; aliases?: string[]; kubeskoop_msg?: string }
interface RawEvent {
  key: string; name: string; severity: EventDefinition['severity']; attributes: string[]; threshold?: string;
  brief: RawBilingual; action: RawBilingual; types: RawEventType[]; kubeskoop_labels?: EventDefinition['kubeskoopLabels'];
}

function readYaml(path: string, rel: string, problems: string[]): unknown {
  try {
    return parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    problems.push(`${rel}: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => join(dir, f));
}

export function loadRegistry(registryDir: string): RegistryLoad {
  const problems: string[] = [];
  const rel = (p: string): string => relative(join(registryDir, '..', '..'), p);

  const attributes: AttributeDefinition[] = [];
  const attrPath = join(registryDir, 'attributes.yaml');
  const attrDoc = readYaml(attrPath, rel(attrPath), problems);
  if (attrDoc !== undefined) {
    if (!validators.attributes(attrDoc)) problems.push(...describe(rel(attrPath), validators.attributes.errors));
    else for (const a of (attrDoc as { attributes: RawAttribute[] }).attributes) {
      attributes.push({
        name: a.name, type: a.type, semconv: a.semconv ?? false, brief: a.brief,
        ...(a.values ? { values: a.values } : {}), ...(a.examples ? { examples: a.examples } : {}),
      });
    }
  }

  const probes: ProbeDefinition[] = [];
  const unsupported: UnsupportedProbe[] = [];
  const probesPath = join(registryDir, 'probes.yaml');
  const probesDoc = readYaml(probesPath, rel(probesPath), problems);
  if (probesDoc !== undefined) {
    if (!validators.probes(probesDoc)) problems.push(...describe(rel(probesPath), validators.probes.errors));
    else {
      const doc = probesDoc as { probes: RawProbe[]; unsupported: RawUnsupported[] };
      for (const p of doc.probes) {
        probes.push({
          name: p.name, kind: p.kind, scope: p.scope, aliases: p.aliases, statusKey: p.status_key, source: p.source,
          kubeskoopOverhead: p.kubeskoop_overhead, brief: p.brief, whenToUse: p.when_to_use,
          ...(p.measured_overhead ? { measuredOverhead: p.measured_overhead } : {}),
        });
      }
      for (const u of doc.unsupported) unsupported.push({ name: u.name, aliases: u.aliases, statusKey: u.status_key, reason: u.reason });
    }
  }

  // Metrics several probes fill with one meaning, defined once; a probe takes one with `- shared: <name>`.
  const shared = new Map<string, RawMetric>();
  const sharedPath = join(registryDir, SHARED_METRICS_FILE);
  if (existsSync(sharedPath)) {
    const doc = readYaml(sharedPath, rel(sharedPath), problems);
    if (doc !== undefined) {
      if (!validators.sharedMetrics(doc)) problems.push(...describe(rel(sharedPath), validators.sharedMetrics.errors));
      else for (const m of (doc as { metrics: RawMetric[] }).metrics) {
        if (shared.has(m.name)) problems.push(`${rel(sharedPath)}: ${m.name} is defined twice`);
        shared.set(m.name, m);
      }
    }
  }

  const metrics: MetricDefinition[] = [];
  for (const path of yamlFiles(join(registryDir, 'metrics'))) {
    const doc = readYaml(path, rel(path), problems);
    if (doc === undefined) continue;
    if (!validators.metrics(doc)) { problems.push(...describe(rel(path), validators.metrics.errors)); continue; }
    const { probe, metrics: raw } = doc as { probe: string; metrics: (RawMetric | RawSharedRef)[] };
    raw.forEach((entry, i) => {
      const isRef = 'shared' in entry;
      const m = isRef ? shared.get(entry.shared) : entry;
      if (!m) {
        problems.push(`${rel(path)}: at metrics.${i}.shared: ${(entry as RawSharedRef).shared} is not in ${rel(sharedPath)}`);
        return;
      }
      // One definition only: a second full copy would drift from the shared one.
      if (!isRef && shared.has(m.name)) problems.push(`${rel(path)}: at metrics.${i}: ${m.name} is defined in ${rel(sharedPath)}; write \`- shared: ${m.name}\``);
      const legacy: LegacyName[] = (m.legacy ?? []).map((l) => ({
        name: l.name, attributes: l.attributes ?? {}, ...(l.seed_typo_of ? { seedTypoOf: l.seed_typo_of } : {}),
        ...(l.node_wide ? { nodeWide: true } : {}),
      }));
      metrics.push({
        id: `${probe}.${m.key}`, probe, key: m.key, name: m.name, semconv: m.semconv ?? false, instrument: m.instrument,
        unit: m.unit, attributes: m.attributes, source: m.source, brief: m.brief, legacy,
        legacyAggregation: m.legacy_aggregation ?? 'none', ...(m.buckets ? { buckets: m.buckets } : {}),
        ...(m.legacy_type ? { legacyType: m.legacy_type } : {}), ...(m.top ? { top: m.top } : {}),
      });
      if (m.instrument !== 'histogram' && m.buckets) {
        problems.push(isRef ? `${rel(sharedPath)}: ${m.name}: only histograms have buckets` : `${rel(path)}: at metrics.${i}.buckets: only histograms have buckets`);
      }
    });
  }

  const events: EventDefinition[] = [];
  for (const path of yamlFiles(join(registryDir, 'events'))) {
    const doc = readYaml(path, rel(path), problems);
    if (doc === undefined) continue;
    if (!validators.events(doc)) { problems.push(...describe(rel(path), validators.events.errors)); continue; }
    const { probe, events: raw } = doc as { probe: string; events: RawEvent[] };
    for (const e of raw) {
      events.push({
        id: `${probe}.${e.key}`, probe, key: e.key, name: e.name, severity: e.severity, attributes: e.attributes,
        types: e.types.map((t) => ({
          type: t.type, brief: t.brief, aliases: t.aliases ?? [], ...(t.kubeskoop_msg !== undefined ? { kubeskoopMsg: t.kubeskoop_msg } : {}),
        })),
        brief: e.brief, action: e.action, ...(e.threshold ? { threshold: e.threshold } : {}),
        ...(e.kubeskoop_labels ? { kubeskoopLabels: e.kubeskoop_labels } : {}),
      });
    }
  }

  problems.push(...crossCheck({ attributes, probes, unsupported, metrics, events }));
  return { registry: { attributes, probes, unsupported, metrics, events }, problems };
}

/** Checks that need the whole registry: uniqueness and references. */
function crossCheck(r: Registry): string[] {
  const problems: string[] = [];
  const dup = <T>(items: readonly T[], key: (t: T) => string, what: string): void => {
    const seen = new Set<string>();
    for (const it of items) {
      const k = key(it);
      if (seen.has(k)) problems.push(`duplicate ${what}: ${k}`);
      seen.add(k);
    }
  };
  dup(r.attributes, (a) => a.name, 'attribute');
  dup(r.metrics, (m) => m.id, 'metric id');
  dup(r.events, (e) => e.id, 'event id');
  dup(r.events, (e) => e.name, 'event name');
  // One OTel name may be filled by several probes only with the same instrument and unit.
  const byName = new Map<string, MetricDefinition>();
  for (const m of r.metrics) {
    const prev = byName.get(m.name);
    if (prev && (prev.instrument !== m.instrument || prev.unit !== m.unit)) {
      problems.push(`metric ${m.name}: ${prev.id} and ${m.id} disagree on instrument or unit`);
    }
    byName.set(m.name, m);
  }
  dup(r.metrics.flatMap((m) => m.legacy.map((l) => `${l.name} ${JSON.stringify(l.attributes)}`)), (s) => s, 'legacy name');
  dup([...r.probes.flatMap((p) => [p.name, ...p.aliases]), ...r.unsupported.flatMap((u) => [u.name, ...u.aliases])],
    (s) => s.toLowerCase(), 'probe name or alias');
  const attrNames = new Set(r.attributes.map((a) => a.name));
  const probeNames = new Set([...r.probes.map((p) => p.name), AGENT_PROBE]);
  for (const m of r.metrics) {
    if (!probeNames.has(m.probe)) problems.push(`metric ${m.id}: unknown probe ${m.probe}`);
    for (const a of m.attributes) if (!attrNames.has(a)) problems.push(`metric ${m.id}: attribute ${a} is not declared in attributes.yaml`);
    for (const l of m.legacy) for (const a of Object.keys(l.attributes)) {
      if (!m.attributes.includes(a)) problems.push(`metric ${m.id}: legacy ${l.name} selects attribute ${a} the metric does not have`);
    }
    for (const t of m.top ?? []) {
      for (const a of [...Object.keys(t.attributes ?? {}), ...(t.breakdown ? [t.breakdown] : [])]) {
        if (!m.attributes.includes(a)) problems.push(`metric ${m.id}: top column ${t.column} uses attribute ${a} the metric does not have`);
      }
    }
  }
  // A spelling (type or alias) names one type: the sinks translate any spelling to the type.
  dup(r.events.flatMap((e) => e.types.flatMap((t) => [t.type, ...t.aliases])), (s) => s, 'event type or alias');
  for (const e of r.events) {
    if (!probeNames.has(e.probe)) problems.push(`event ${e.id}: unknown probe ${e.probe}`);
    for (const a of e.attributes) if (!attrNames.has(a)) problems.push(`event ${e.id}: attribute ${a} is not declared in attributes.yaml`);
  }
  return problems;
}

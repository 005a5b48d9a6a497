// Reads semconv/registry/*.yaml, validates each file against its schema and checks the entries
// against each other (names unique, attributes declared, probes known). Total: it returns every
// problem it finds, each naming the file and the path inside it.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import type {
  AttributeDefinition,
  EntityDefinition,
  EventDefinition,
  MetricDefinition,
  MetricEntity,
  ProbeDefinition,
  UnsupportedProbe,
  LegacyName,
  TopColumn,
} from '../types.js';
import {
  attributesFileSchema,
  entitiesFileSchema,
  eventsFileSchema,
  metricsFileSchema,
  probesFileSchema,
  sharedMetricsFileSchema,
} from './schema.js';

export interface Registry {
  readonly entities: readonly EntityDefinition[];
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
export const AGENT_PROBE = 'agent' as const;

const ajv = new Ajv({ allErrors: true, strict: true });
const validators = {
  attributes: ajv.compile(attributesFileSchema),
  entities: ajv.compile(entitiesFileSchema),
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

interface RawBilingual {
  en: string;
  zh: string;
}
interface RawAttribute {
  name: string;
  type: AttributeDefinition['type'];
  semconv?: boolean;
  brief: RawBilingual;
  values?: string[];
  examples?: string[];
  renamed_from?: string[];
}
interface RawProbe {
  name: string;
  kind: ProbeDefinition['kind'];
  scope: ProbeDefinition['scope'];
  aliases: string[];
  status_key: string;
  source: string;
  kubeskoop_overhead: ProbeDefinition['kubeskoopOverhead'];
  brief: RawBilingual;
  when_to_use: RawBilingual;
  measured_overhead?: ProbeDefinition['measuredOverhead'];
}
interface RawUnsupported {
  name: string;
  aliases: string[];
  status_key: string;
  reason: string;
}
interface RawLegacy {
  name: string;
  attributes?: Record<string, string>;
  seed_typo_of?: string;
  scale?: number;
  node_wide?: boolean;
  tuple?: boolean;
}
type RawEntities = MetricEntity | MetricEntity[];
/** What one OTel name of a measurement says about itself. */
interface RawNameFields {
  entity?: RawEntities;
  semconv?: boolean;
  semconv_entity?: string;
  renamed_from?: string[];
  renamed_attributes?: Record<string, string>;
}
interface RawName extends RawNameFields {
  name: string;
  entity: RawEntities;
  attributes?: string[];
  top?: readonly TopColumn[];
}
interface RawMetric extends RawNameFields {
  key: string;
  name?: string;
  names?: RawName[];
  instrument: MetricDefinition['instrument'];
  unit: string;
  attributes: string[];
  source: string;
  brief: RawBilingual;
  buckets?: number[];
  legacy_aggregation?: MetricDefinition['legacyAggregation'];
  legacy?: RawLegacy[];
  legacy_type?: MetricDefinition['legacyType'];
  top?: MetricDefinition['top'];
}

/** Every target kind: the default of a probe's metric whose one name serves them all. */
export const TARGET_ENTITIES: readonly MetricEntity[] = ['host', 'pod', 'netns'];

const entityList = (e: RawEntities | undefined, probe: string): MetricEntity[] =>
  e === undefined ? (probe === AGENT_PROBE ? [AGENT_PROBE] : [...TARGET_ENTITIES]) : Array.isArray(e) ? e : [e];
/** A probe's entry naming a metric of shared-metrics.yaml. */
interface RawSharedRef {
  shared: string;
}
interface RawEventType {
  type: string;
  brief: RawBilingual;
  aliases?: string[];
  kubeskoop_msg?: string;
}
interface RawEvent {
  key: string;
  name: string;
  severity: EventDefinition['severity'];
  attributes: string[];
  threshold?: string;
  brief: RawBilingual;
  action: RawBilingual;
  types: RawEventType[];
  kubeskoop_labels?: EventDefinition['kubeskoopLabels'];
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
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f));
}

export function loadRegistry(registryDir: string): RegistryLoad {
  const problems: string[] = [];
  const rel = (p: string): string => relative(join(registryDir, '..', '..'), p);

  const attributes: AttributeDefinition[] = [];
  const attrPath = join(registryDir, 'attributes.yaml');
  const attrDoc = readYaml(attrPath, rel(attrPath), problems);
  if (attrDoc !== undefined) {
    if (!validators.attributes(attrDoc)) problems.push(...describe(rel(attrPath), validators.attributes.errors));
    else
      for (const a of (attrDoc as { attributes: RawAttribute[] }).attributes) {
        attributes.push({
          name: a.name,
          type: a.type,
          semconv: a.semconv ?? false,
          brief: a.brief,
          ...(a.renamed_from ? { renamedFrom: a.renamed_from } : {}),
          ...(a.values ? { values: a.values } : {}),
          ...(a.examples ? { examples: a.examples } : {}),
        });
      }
  }

  const entities: EntityDefinition[] = [];
  const entitiesPath = join(registryDir, 'entities.yaml');
  const entitiesDoc = readYaml(entitiesPath, rel(entitiesPath), problems);
  if (entitiesDoc !== undefined) {
    if (!validators.entities(entitiesDoc)) problems.push(...describe(rel(entitiesPath), validators.entities.errors));
    else
      for (const e of (
        entitiesDoc as {
          entities: { name: MetricEntity; semconv_entity?: string; resource: string[]; brief: RawBilingual }[];
        }
      ).entities) {
        entities.push({
          name: e.name,
          ...(e.semconv_entity ? { semconvEntity: e.semconv_entity } : {}),
          resource: e.resource,
          brief: e.brief,
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
          name: p.name,
          kind: p.kind,
          scope: p.scope,
          aliases: p.aliases,
          statusKey: p.status_key,
          source: p.source,
          kubeskoopOverhead: p.kubeskoop_overhead,
          brief: p.brief,
          whenToUse: p.when_to_use,
          ...(p.measured_overhead ? { measuredOverhead: p.measured_overhead } : {}),
        });
      }
      for (const u of doc.unsupported)
        unsupported.push({ name: u.name, aliases: u.aliases, statusKey: u.status_key, reason: u.reason });
    }
  }

  // Metrics several probes fill with one meaning, defined once; a probe takes one with `- shared: <name>`.
  const shared = new Map<string, RawMetric>(); // by name: shared metrics have one name
  const sharedPath = join(registryDir, SHARED_METRICS_FILE);
  if (existsSync(sharedPath)) {
    const doc = readYaml(sharedPath, rel(sharedPath), problems);
    if (doc !== undefined) {
      if (!validators.sharedMetrics(doc)) problems.push(...describe(rel(sharedPath), validators.sharedMetrics.errors));
      else
        for (const m of (doc as { metrics: RawMetric[] }).metrics) {
          if (m.name === undefined) {
            problems.push(`${rel(sharedPath)}: ${m.key}: a shared metric has one name`);
            continue;
          }
          if (shared.has(m.name)) problems.push(`${rel(sharedPath)}: ${m.name} is defined twice`);
          shared.set(m.name, m);
        }
    }
  }

  const metrics: MetricDefinition[] = [];
  for (const path of yamlFiles(join(registryDir, 'metrics'))) {
    const doc = readYaml(path, rel(path), problems);
    if (doc === undefined) continue;
    if (!validators.metrics(doc)) {
      problems.push(...describe(rel(path), validators.metrics.errors));
      continue;
    }
    const { probe, metrics: raw } = doc as { probe: string; metrics: (RawMetric | RawSharedRef)[] };
    raw.forEach((entry, i) => {
      const isRef = 'shared' in entry;
      const m = isRef ? shared.get(entry.shared) : entry;
      if (!m) {
        problems.push(
          `${rel(path)}: at metrics.${i}.shared: ${(entry as RawSharedRef).shared} is not in ${rel(sharedPath)}`,
        );
        return;
      }
      // One definition only: a second full copy would drift from the shared one.
      const where = isRef ? `${rel(sharedPath)}: ${m.key}` : `${rel(path)}: at metrics.${i}`;
      if (!isRef && m.name !== undefined && shared.has(m.name))
        problems.push(`${where}: ${m.name} is defined in ${rel(sharedPath)}; write \`- shared: ${m.name}\``);
      if ((m.name === undefined) === (m.names === undefined)) {
        problems.push(`${where}: give either name (one name for every entity) or names (one per entity)`);
        return;
      }
      const legacy: LegacyName[] = (m.legacy ?? []).map((l) => ({
        name: l.name,
        attributes: l.attributes ?? {},
        ...(l.seed_typo_of ? { seedTypoOf: l.seed_typo_of } : {}),
        ...(l.scale !== undefined ? { scale: l.scale } : {}),
        ...(l.node_wide ? { nodeWide: true } : {}),
        ...(l.tuple ? { tuple: true } : {}),
      }));
      const family = `${probe}.${m.key}`;
      const variants: RawName[] = m.names ?? [
        { ...m, name: m.name!, entity: m.entity ?? entityList(undefined, probe) },
      ];
      for (const v of variants) {
        const ents = entityList(v.entity, probe);
        const top = v.top ?? m.top;
        metrics.push({
          id: m.names ? `${family}.${ents.join('_')}` : family,
          probe,
          key: m.key,
          family,
          name: v.name,
          entities: ents,
          semconv: v.semconv ?? false,
          ...(v.semconv_entity ? { semconvEntity: v.semconv_entity } : {}),
          ...(v.renamed_from ? { renamedFrom: v.renamed_from } : {}),
          ...(v.renamed_attributes ? { renamedAttributes: v.renamed_attributes } : {}),
          instrument: m.instrument,
          unit: m.unit,
          attributes: v.attributes ?? m.attributes,
          source: m.source,
          brief: m.brief,
          legacy,
          legacyAggregation: m.legacy_aggregation ?? 'none',
          ...(m.buckets ? { buckets: m.buckets } : {}),
          ...(m.legacy_type ? { legacyType: m.legacy_type } : {}),
          ...(top ? { top } : {}),
        });
      }
      if (m.instrument !== 'histogram' && m.buckets) problems.push(`${where}.buckets: only histograms have buckets`);
    });
  }

  const events: EventDefinition[] = [];
  for (const path of yamlFiles(join(registryDir, 'events'))) {
    const doc = readYaml(path, rel(path), problems);
    if (doc === undefined) continue;
    if (!validators.events(doc)) {
      problems.push(...describe(rel(path), validators.events.errors));
      continue;
    }
    const { probe, events: raw } = doc as { probe: string; events: RawEvent[] };
    for (const e of raw) {
      events.push({
        id: `${probe}.${e.key}`,
        probe,
        key: e.key,
        name: e.name,
        severity: e.severity,
        attributes: e.attributes,
        types: e.types.map((t) => ({
          type: t.type,
          brief: t.brief,
          aliases: t.aliases ?? [],
          ...(t.kubeskoop_msg !== undefined ? { kubeskoopMsg: t.kubeskoop_msg } : {}),
        })),
        brief: e.brief,
        action: e.action,
        ...(e.threshold ? { threshold: e.threshold } : {}),
        ...(e.kubeskoop_labels ? { kubeskoopLabels: e.kubeskoop_labels } : {}),
      });
    }
  }

  problems.push(...crossCheck({ entities, attributes, probes, unsupported, metrics, events }));
  return { registry: { entities, attributes, probes, unsupported, metrics, events }, problems };
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
  // The names of one measurement share its legacy names: each counts once.
  const families = new Map<string, MetricDefinition[]>();
  for (const m of r.metrics) families.set(m.family, [...(families.get(m.family) ?? []), m]);
  dup(
    [...families.values()].flatMap((ms) => ms[0]!.legacy.map((l) => `${l.name} ${JSON.stringify(l.attributes)}`)),
    (s) => s,
    'legacy name',
  );
  for (const [family, ms] of families) {
    const seen = new Set<string>();
    for (const m of ms)
      for (const e of m.entities) {
        if (seen.has(e)) problems.push(`metric ${family}: two names for entity ${e}`);
        seen.add(e);
      }
    // A measurement whose name follows the entity names it for every kind of target (the probe picks one per target).
    if (ms.length > 1)
      for (const e of TARGET_ENTITIES) if (!seen.has(e)) problems.push(`metric ${family}: no name for entity ${e}`);
  }
  // A semconv name only for the entity semconv associates it with (entities.yaml says which is which).
  const semconvEntityOf = new Map(r.entities.map((e) => [e.name, e.semconvEntity]));
  for (const m of r.metrics) {
    for (const e of m.entities)
      if (!semconvEntityOf.has(e)) problems.push(`metric ${m.id}: entity ${e} is not in entities.yaml`);
    // `semconv_entity: any`: semconv defines the name for whatever emits it (dns.lookup.duration)
    if (m.semconv && m.semconvEntity !== 'any') {
      for (const e of m.entities) {
        if (semconvEntityOf.get(e) !== m.semconvEntity) {
          problems.push(
            `metric ${m.id}: ${m.name} is semconv's name for ${m.semconvEntity ?? 'no entity'}, not for ${e} (${semconvEntityOf.get(e) ?? 'no semconv entity'})`,
          );
        }
      }
    }
    if (!m.semconv && m.semconvEntity !== undefined)
      problems.push(`metric ${m.id}: semconv_entity on a name semconv does not define`);
    if (!m.semconv && !m.name.startsWith('kubeskoop.'))
      problems.push(`metric ${m.id}: ${m.name}: own names live in kubeskoop. (NAMING.md rule 1)`);
    for (const [from, to] of Object.entries(m.renamedAttributes ?? {})) {
      if (!m.attributes.includes(to))
        problems.push(`metric ${m.id}: renamed attribute ${from} → ${to}, which the metric does not have`);
    }
  }
  dup(
    [...r.probes.flatMap((p) => [p.name, ...p.aliases]), ...r.unsupported.flatMap((u) => [u.name, ...u.aliases])],
    (s) => s.toLowerCase(),
    'probe name or alias',
  );
  const attrNames = new Set(r.attributes.map((a) => a.name));
  const probeNames = new Set([...r.probes.map((p) => p.name), AGENT_PROBE]);
  for (const m of r.metrics) {
    if (!probeNames.has(m.probe)) problems.push(`metric ${m.id}: unknown probe ${m.probe}`);
    for (const a of m.attributes)
      if (!attrNames.has(a)) problems.push(`metric ${m.id}: attribute ${a} is not declared in attributes.yaml`);
    for (const l of m.legacy)
      for (const a of Object.keys(l.attributes)) {
        if (!m.attributes.includes(a))
          problems.push(`metric ${m.id}: legacy ${l.name} selects attribute ${a} the metric does not have`);
      }
    for (const t of m.top ?? []) {
      for (const a of [...Object.keys(t.attributes ?? {}), ...(t.breakdown ? [t.breakdown] : [])]) {
        if (!m.attributes.includes(a))
          problems.push(`metric ${m.id}: top column ${t.column} uses attribute ${a} the metric does not have`);
      }
    }
  }
  // A spelling (type or alias) names one type: the sinks translate any spelling to the type.
  dup(
    r.events.flatMap((e) => e.types.flatMap((t) => [t.type, ...t.aliases])),
    (s) => s,
    'event type or alias',
  );
  for (const e of r.events) {
    if (!probeNames.has(e.probe)) problems.push(`event ${e.id}: unknown probe ${e.probe}`);
    for (const a of e.attributes)
      if (!attrNames.has(a)) problems.push(`event ${e.id}: attribute ${a} is not declared in attributes.yaml`);
  }
  return problems;
}

// The seed's names (semconv/registry/seed-names.yaml) and how each resolves through the registry:
// mapped to an OTel metric (with the attribute values it selects) or an event type, or pending with a
// reason. Pure resolution over a Registry, so the generator, `explain` and the tests agree.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import type { EventDefinition, EventTypeDefinition, LegacyName, MetricDefinition } from '../types.js';
import type { Registry } from './load-registry.js';

export interface SeedMetricName {
  /** As the seed spells it. */
  readonly name: string;
  readonly probe: string;
  /** The seed's own explanation (Chinese). */
  readonly seed: string;
  /** The name KubeSkoop really exported, when the seed misspells it. */
  readonly typoOf?: string;
  readonly pending?: string;
}

export interface SeedEventType {
  readonly type: string;
  readonly probe: string;
  readonly seed: string;
  readonly typoOf?: string;
  readonly pending?: string;
}

export interface SeedNames {
  readonly metrics: readonly SeedMetricName[];
  readonly events: readonly SeedEventType[];
}

export const SEED_NAMES_FILE = 'seed-names.yaml';

const entry = (key: 'name' | 'type') => ({
  type: 'object',
  required: [key, 'probe', 'seed'],
  additionalProperties: false,
  properties: {
    [key]: { type: 'string', pattern: key === 'name' ? '^[a-z][a-z0-9_]*$' : '^[A-Za-z][A-Za-z0-9_]*$' },
    probe: { type: 'string', pattern: '^[a-z][a-z0-9_]*$' },
    seed: { type: 'string', minLength: 1 },
    typo_of: { type: 'string', minLength: 1 },
    pending: { type: 'string', minLength: 1 },
  },
});

export const seedNamesFileSchema = {
  type: 'object',
  required: ['metrics', 'events'],
  additionalProperties: false,
  properties: {
    metrics: { type: 'array', items: entry('name') },
    events: { type: 'array', items: entry('type') },
  },
} as const;

interface RawSeed { name?: string; type?: string; probe: string; seed: string; typo_of?: string; pending?: string }

/** Reads and validates seed-names.yaml; problems name the file and path. */
export function loadSeedNames(path: string, rel = SEED_NAMES_FILE): { seed: SeedNames; problems: string[] } {
  const problems: string[] = [];
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    return { seed: { metrics: [], events: [] }, problems: [`${rel}: ${(err as Error).message.split('\n')[0]}`] };
  }
  const validate = new Ajv({ allErrors: true, strict: true }).compile(seedNamesFileSchema);
  if (!validate(doc)) {
    for (const e of validate.errors ?? []) problems.push(`${rel}: at ${e.instancePath.slice(1).replaceAll('/', '.') || '(top level)'}: ${e.message ?? 'invalid'}`);
    return { seed: { metrics: [], events: [] }, problems };
  }
  const d = doc as { metrics: RawSeed[]; events: RawSeed[] };
  const opt = (r: RawSeed) => ({ ...(r.typo_of ? { typoOf: r.typo_of } : {}), ...(r.pending ? { pending: r.pending } : {}) });
  return {
    seed: {
      metrics: d.metrics.map((r) => ({ name: r.name!, probe: r.probe, seed: r.seed, ...opt(r) })),
      events: d.events.map((r) => ({ type: r.type!, probe: r.probe, seed: r.seed, ...opt(r) })),
    },
    problems,
  };
}

/** The registry pieces resolution needs (the YAML registry or the generated constants). */
export type RegistryView = Pick<Registry, 'metrics' | 'events' | 'probes' | 'unsupported'>;

export type SeedMetricResolution =
  | { readonly status: 'mapped'; readonly metric: MetricDefinition; readonly legacy: LegacyName; readonly via: string }
  | { readonly status: 'pending'; readonly reason: string }
  | { readonly status: 'unmapped'; readonly reason: string };

export type SeedEventResolution =
  | { readonly status: 'mapped'; readonly event: EventDefinition; readonly type: EventTypeDefinition; readonly via: string }
  | { readonly status: 'pending'; readonly reason: string }
  | { readonly status: 'unmapped'; readonly reason: string };

/** Every registry metric carrying this legacy name (a name may select a series of one metric only). */
export function findLegacy(r: RegistryView, name: string): { metric: MetricDefinition; legacy: LegacyName } | undefined {
  for (const m of r.metrics) for (const l of m.legacy) if (l.name === name) return { metric: m, legacy: l };
  return undefined;
}

export function findEventType(r: RegistryView, type: string): { event: EventDefinition; type: EventTypeDefinition } | undefined {
  const t = type.toUpperCase();
  for (const e of r.events) for (const et of e.types) {
    if (et.type.toUpperCase() === t || et.aliases.some((a) => a.toUpperCase() === t)) return { event: e, type: et };
  }
  return undefined;
}

function unsupportedReason(r: RegistryView, probe: string): string | undefined {
  const u = r.unsupported.find((x) => x.name === probe || x.aliases.includes(probe));
  return u ? `probe ${probe} is not supported: ${u.reason}` : undefined;
}

export function resolveSeedMetric(r: RegistryView, s: SeedMetricName): SeedMetricResolution {
  // The real name first: the seed's typo maps through the name KubeSkoop exported.
  for (const n of [s.typoOf, s.name]) {
    if (n === undefined) continue;
    const hit = findLegacy(r, n);
    if (hit) return { status: 'mapped', metric: hit.metric, legacy: hit.legacy, via: n };
  }
  if (s.pending) return { status: 'pending', reason: s.pending };
  const un = unsupportedReason(r, s.probe);
  if (un) return { status: 'pending', reason: un };
  if (!r.metrics.some((m) => m.probe === s.probe)) return { status: 'pending', reason: `probe ${s.probe} has no metrics in the registry yet` };
  return { status: 'unmapped', reason: `probe ${s.probe} is in the registry but no metric lists ${s.typoOf ?? s.name} as a legacy name` };
}

export function resolveSeedEvent(r: RegistryView, s: SeedEventType): SeedEventResolution {
  for (const n of [s.typoOf, s.type]) {
    if (n === undefined) continue;
    const hit = findEventType(r, n);
    if (hit) return { status: 'mapped', event: hit.event, type: hit.type, via: n };
  }
  if (s.pending) return { status: 'pending', reason: s.pending };
  const un = unsupportedReason(r, s.probe);
  if (un) return { status: 'pending', reason: un };
  if (!r.events.some((e) => e.probe === s.probe)) return { status: 'pending', reason: `probe ${s.probe} has no events in the registry yet` };
  return { status: 'unmapped', reason: `probe ${s.probe} has events in the registry but none lists type ${s.typoOf ?? s.type}` };
}

/** Problems the consistency test and the generator report: unknown probes, unmapped names. */
export function checkSeedNames(r: RegistryView, seed: SeedNames): string[] {
  const problems: string[] = [];
  const probes = new Set([...r.probes.flatMap((p) => [p.name, ...p.aliases]), ...r.unsupported.flatMap((u) => [u.name, ...u.aliases])]);
  for (const s of seed.metrics) {
    if (!probes.has(s.probe)) problems.push(`seed metric ${s.name}: unknown probe ${s.probe}`);
    const res = resolveSeedMetric(r, s);
    if (res.status === 'unmapped') problems.push(`seed metric ${s.name}: ${res.reason}`);
    if (res.status === 'mapped' && res.metric.probe !== s.probe) problems.push(`seed metric ${s.name}: listed under probe ${s.probe} but mapped to ${res.metric.id}`);
  }
  for (const s of seed.events) {
    if (!probes.has(s.probe)) problems.push(`seed event ${s.type}: unknown probe ${s.probe}`);
    const res = resolveSeedEvent(r, s);
    if (res.status === 'unmapped') problems.push(`seed event ${s.type}: ${res.reason}`);
  }
  return problems;
}

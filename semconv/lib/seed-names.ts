// How each of the seed's names (semconv/registry/seed-names.yaml, read by tools/load-seed-names.ts)
// resolves through the registry: mapped to an OTel metric (with the attribute values it selects) or an
// event type, or pending with a reason. Pure resolution, so the generator, `explain` and the tests agree.
import type {
  EventDefinition,
  EventTypeDefinition,
  LegacyName,
  MetricDefinition,
  ProbeDefinition,
  UnsupportedProbe,
} from '../types.js';

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

/** The registry pieces resolution needs (the YAML registry or the generated constants). */
export interface RegistryView {
  readonly metrics: readonly MetricDefinition[];
  readonly events: readonly EventDefinition[];
  readonly probes: readonly ProbeDefinition[];
  readonly unsupported: readonly UnsupportedProbe[];
}

export type SeedMetricResolution =
  | { readonly status: 'mapped'; readonly metric: MetricDefinition; readonly legacy: LegacyName; readonly via: string }
  | { readonly status: 'pending'; readonly reason: string }
  | { readonly status: 'unmapped'; readonly reason: string };

export type SeedEventResolution =
  | {
      readonly status: 'mapped';
      readonly event: EventDefinition;
      readonly type: EventTypeDefinition;
      readonly via: string;
    }
  | { readonly status: 'pending'; readonly reason: string }
  | { readonly status: 'unmapped'; readonly reason: string };

/** Every registry metric carrying this legacy name (a name may select a series of one metric only). */
export function findLegacy(
  r: RegistryView,
  name: string,
): { metric: MetricDefinition; legacy: LegacyName } | undefined {
  for (const m of r.metrics) for (const l of m.legacy) if (l.name === name) return { metric: m, legacy: l };
  return undefined;
}

export function findEventType(
  r: RegistryView,
  type: string,
): { event: EventDefinition; type: EventTypeDefinition } | undefined {
  const t = type.toUpperCase();
  for (const e of r.events)
    for (const et of e.types) {
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
  if (!r.metrics.some((m) => m.probe === s.probe))
    return { status: 'pending', reason: `probe ${s.probe} has no metrics in the registry yet` };
  return {
    status: 'unmapped',
    reason: `probe ${s.probe} is in the registry but no metric lists ${s.typoOf ?? s.name} as a legacy name`,
  };
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
  if (!r.events.some((e) => e.probe === s.probe))
    return { status: 'pending', reason: `probe ${s.probe} has no events in the registry yet` };
  return {
    status: 'unmapped',
    reason: `probe ${s.probe} has events in the registry but none lists type ${s.typoOf ?? s.type}`,
  };
}

/** Problems the consistency test and the generator report: unknown probes, unmapped names. */
export function checkSeedNames(r: RegistryView, seed: SeedNames): string[] {
  const problems: string[] = [];
  const probes = new Set([
    ...r.probes.flatMap((p) => [p.name, ...p.aliases]),
    ...r.unsupported.flatMap((u) => [u.name, ...u.aliases]),
  ]);
  for (const s of seed.metrics) {
    if (!probes.has(s.probe)) problems.push(`seed metric ${s.name}: unknown probe ${s.probe}`);
    const res = resolveSeedMetric(r, s);
    if (res.status === 'unmapped') problems.push(`seed metric ${s.name}: ${res.reason}`);
    if (res.status === 'mapped' && res.metric.probe !== s.probe)
      problems.push(`seed metric ${s.name}: listed under probe ${s.probe} but mapped to ${res.metric.id}`);
  }
  for (const s of seed.events) {
    if (!probes.has(s.probe)) problems.push(`seed event ${s.type}: unknown probe ${s.probe}`);
    const res = resolveSeedEvent(r, s);
    if (res.status === 'unmapped') problems.push(`seed event ${s.type}: ${res.reason}`);
  }
  return problems;
}

// Every metric name KubeSkoop v1.x exports (semconv/registry/kubeskoop-names.yaml) and whether
// kubeskoop-otel serves it: served when a registry metric lists it under `legacy`, otherwise the
// file says why (`not_served`). Pure over a Registry, so the docs and the tests agree.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { Ajv } from 'ajv';
import type { MetricDefinition } from '../types.js';
import type { Registry } from './load-registry.js';

export const KUBESKOOP_NAMES_FILE = 'kubeskoop-names.yaml';

export interface KubeskoopProbeNames {
  /** KubeSkoop's probe (the metric name's middle part). */
  readonly probe: string;
  /** The Go file in KubeSkoop that exports them. */
  readonly source: string;
  readonly type: 'gauge' | 'counter';
  readonly labels: readonly string[];
  readonly labelsNote?: string;
  readonly notServed?: string;
  readonly names: readonly string[];
}

const schema = {
  type: 'object',
  required: ['probes'],
  additionalProperties: false,
  properties: {
    probes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['probe', 'source', 'type', 'labels', 'names'],
        additionalProperties: false,
        properties: {
          probe: { type: 'string', pattern: '^[a-z][a-z0-9_]*$' },
          source: { type: 'string', minLength: 1 },
          type: { enum: ['gauge', 'counter'] },
          labels: { type: 'array', items: { type: 'string', pattern: '^[a-z_][a-z0-9_]*$' } },
          labels_note: { type: 'string', minLength: 1 },
          not_served: { type: 'string', minLength: 1 },
          names: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^kubeskoop_[A-Za-z0-9_]+$' } },
        },
      },
    },
  },
} as const;

interface Raw {
  probe: string;
  source: string;
  type: 'gauge' | 'counter';
  labels: string[];
  labels_note?: string;
  not_served?: string;
  names: string[];
}

export function loadKubeskoopNames(path: string, rel = path): { names: KubeskoopProbeNames[]; problems: string[] } {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    return { names: [], problems: [`${rel}: ${(err as Error).message.split('\n')[0]}`] };
  }
  const validate = new Ajv({ allErrors: true }).compile(schema);
  if (!validate(doc))
    return {
      names: [],
      problems: (validate.errors ?? []).map(
        (e) => `${rel}: at ${e.instancePath || '(top)'}: ${e.message ?? 'invalid'}`,
      ),
    };
  const names = (doc as { probes: Raw[] }).probes.map((p) => ({
    probe: p.probe,
    source: p.source,
    type: p.type,
    labels: p.labels,
    names: p.names,
    ...(p.labels_note ? { labelsNote: p.labels_note } : {}),
    ...(p.not_served ? { notServed: p.not_served } : {}),
  }));
  return { names, problems: [] };
}

export type KubeskoopNameStatus =
  | { readonly served: true; readonly metric: MetricDefinition; readonly type: 'gauge' | 'counter' }
  | { readonly served: false; readonly reason: string };

/** Legacy name → the registry metric that serves it. */
function servedBy(r: Pick<Registry, 'metrics'>): Map<string, MetricDefinition> {
  const m = new Map<string, MetricDefinition>();
  for (const metric of r.metrics)
    for (const l of metric.legacy) if (l.seedTypoOf === undefined && !m.has(l.name)) m.set(l.name, metric);
  return m;
}

export function kubeskoopNameStatus(
  r: Pick<Registry, 'metrics'>,
  group: KubeskoopProbeNames,
  name: string,
): KubeskoopNameStatus {
  const metric = servedBy(r).get(name);
  if (metric) return { served: true, metric, type: metric.legacyType ?? 'gauge' };
  return { served: false, reason: group.notServed ?? 'not served: no registry metric lists it' };
}

/** Problems: a name neither served nor given a reason; a served name typed unlike KubeSkoop; a
 *  registry kubeskoop_* legacy name KubeSkoop never exported. */
export function checkKubeskoopNames(r: Pick<Registry, 'metrics'>, groups: readonly KubeskoopProbeNames[]): string[] {
  const problems: string[] = [];
  const served = servedBy(r);
  const listed = new Set(groups.flatMap((g) => g.names));
  for (const g of groups) {
    for (const n of g.names) {
      const metric = served.get(n);
      if (!metric && g.notServed === undefined) problems.push(`${n}: not served and no not_served reason`);
      if (metric && g.notServed !== undefined)
        problems.push(`${n}: served by ${metric.name} but its group says not_served`);
      if (metric && (metric.legacyType ?? 'gauge') !== g.type)
        problems.push(
          `${n}: KubeSkoop typed it ${g.type}, served as ${metric.legacyType ?? 'gauge'} (set legacy_type)`,
        );
    }
  }
  for (const n of served.keys())
    if (n.startsWith('kubeskoop_') && !listed.has(n))
      problems.push(`${n}: a registry legacy name KubeSkoop does not export`);
  return problems;
}

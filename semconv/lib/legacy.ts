// KubeSkoop's legacy exposition rules, shared by the docs (render-docs.ts) and the agent's
// legacy-name mode (receiver/pipeline/legacy-prometheus.ts), so both say and do the same thing.
import type { LegacyName, MetricDefinition } from '../types.js';

/** Label names per legacy family: v0.1.x `inspector_pod_*` and v1.x `kubeskoop_<probe>_<m>`. */
export const LEGACY_LABELS = {
  inspector: ['target_node', 'target_namespace', 'target_pod', 'node', 'namespace', 'pod'],
  kubeskoop: ['k8s_node', 'k8s_namespace', 'k8s_pod'],
} as const;

export type LegacyFamily = keyof typeof LEGACY_LABELS;

/** KubeSkoop's flow tuple labels (pkg/exporter/probe/legacy.go TupleMetricsLabels), for `tuple` legacy names. */
export const LEGACY_TUPLE_LABELS = [
  'protocol',
  'src',
  'src_type',
  'src_node',
  'src_namespace',
  'src_pod',
  'dst',
  'dst_type',
  'dst_node',
  'dst_namespace',
  'dst_pod',
  'sport',
  'dport',
] as const;

export function legacyFamily(name: string): LegacyFamily {
  return name.startsWith('inspector_') ? 'inspector' : 'kubeskoop';
}

/** The Prometheus type KubeSkoop gave a legacy name: `inspector_pod_*` always gauge; `kubeskoop_*` per `legacy_type`. */
export function legacyPromType(m: MetricDefinition, legacyName: string): 'gauge' | 'counter' {
  return legacyFamily(legacyName) === 'kubeskoop' ? (m.legacyType ?? 'gauge') : 'gauge';
}

/** Attributes that name an interface (what `sum_except_lo` looks at). */
export const INTERFACE_ATTRIBUTES = ['network.interface.name', 'system.device.name'] as const;
export const LOOPBACK = 'lo';

/** Legacy names the exporter really served (the seed's typos are documented, never served). */
export function servedLegacyNames(m: MetricDefinition): LegacyName[] {
  return m.legacy.filter((l) => l.seedTypoOf === undefined);
}

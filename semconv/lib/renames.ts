// What changed for a user upgrading from the names before they followed the entity and the
// specification's Prometheus translation: each earlier OTel name (registry `renamed_from`) and each
// earlier /metrics name (the JS exporter's rendering, promNameJs) with the name that replaces it, and
// each renamed attribute. Pure, from the registry: the upgrade page, `explain` and the tests agree.
import type { AttributeDefinition, MetricDefinition, MetricEntity } from '../types.js';
import { promLabelName, promName, promNameJs } from './prom-names.js';

export interface MetricRename {
  /** The OTel name before (the same as now when only the /metrics name changed). */
  readonly oldName: string;
  /** What /metrics served before. */
  readonly oldProm: string;
  readonly metric: MetricDefinition;
  /** Whom the new name is for (an old name shared by several entities maps to one name per entity). */
  readonly entities: readonly MetricEntity[];
  readonly newProm: string;
}

export interface AttributeRename {
  readonly oldName: string;
  readonly newName: string;
  readonly oldLabel: string;
  readonly newLabel: string;
  /** The metric it changed on; undefined when the attribute was renamed everywhere. */
  readonly metric?: MetricDefinition;
}

/** Every metric rename, one row per (old name, new name). A metric whose names did not change is absent,
 *  and so is a new one (`renamed_from: []`). */
export function metricRenames(metrics: readonly MetricDefinition[]): MetricRename[] {
  const out: MetricRename[] = [];
  const seen = new Set<string>();
  for (const m of metrics) {
    for (const oldName of m.renamedFrom ?? [m.name]) {
      const oldProm = promNameJs(oldName, m.instrument);
      const newProm = promName(m.name, m.instrument, m.unit);
      if (oldName === m.name && oldProm === newProm) continue;
      const key = `${oldName} ${m.name}`;
      if (seen.has(key)) continue; // a name several probes fill (kubeskoop.mib.events)
      seen.add(key);
      out.push({ oldName, oldProm, metric: m, entities: m.entities, newProm });
    }
  }
  return out;
}

/** Every attribute rename: on all metrics (attributes.yaml `renamed_from`) or on one (`renamed_attributes`). */
export function attributeRenames(
  metrics: readonly MetricDefinition[],
  attributes: readonly AttributeDefinition[],
): AttributeRename[] {
  const row = (oldName: string, newName: string, metric?: MetricDefinition): AttributeRename => ({
    oldName,
    newName,
    oldLabel: promLabelName(oldName),
    newLabel: promLabelName(newName),
    ...(metric ? { metric } : {}),
  });
  const out: AttributeRename[] = [];
  for (const a of attributes) for (const old of a.renamedFrom ?? []) out.push(row(old, a.name));
  const global = new Set(out.map((r) => `${r.oldName} ${r.newName}`));
  const seen = new Set<string>();
  for (const m of metrics) {
    for (const [from, to] of Object.entries(m.renamedAttributes ?? {})) {
      const key = `${from} ${to} ${m.name}`;
      if (seen.has(key) || global.has(`${from} ${to}`)) continue;
      seen.add(key);
      out.push(row(from, to, m));
    }
  }
  return out;
}

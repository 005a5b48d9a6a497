// KubeSkoop's `metrics.additionalLabels` (pkg/exporter/probe/legacy.go): entries `name=template`,
// each `${labels:<key>}` in the template replaced by the pod's label of that key ("" when the pod
// has none, and for the host). KubeSkoop put them after k8s_node, k8s_namespace, k8s_pod on every
// series; here they also become an attribute of that name on every OTel datapoint.
import type { AdditionalLabel } from './types.js';

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const POD_LABEL = /\$\{labels:(.*?)\}/g;
/** Labels every kubeskoop_* series has already. */
const TAKEN = new Set(['k8s_node', 'k8s_namespace', 'k8s_pod']);

/** `app=${labels:app}` → {name, template}, or the reason it cannot be one. */
export function parseAdditionalLabel(entry: string): AdditionalLabel | string {
  const eq = entry.indexOf('=');
  if (eq < 0) return 'expected name=value, e.g. app=${labels:app}';
  const name = entry.slice(0, eq).trim();
  if (!LABEL_NAME.test(name) || name.startsWith('__'))
    return `expected a Prometheus label name before "=", not ${JSON.stringify(name)}`;
  if (TAKEN.has(name)) return `expected a label name other than ${[...TAKEN].join(', ')} (every series has those)`;
  return { name, template: entry.slice(eq + 1).trim() };
}

/** The pod label keys a template reads. */
export function podLabelKeys(template: string): string[] {
  return [...template.matchAll(POD_LABEL)].map((m) => m[1]!);
}

/** The label's value for a pod with these labels (none: the host, or a namespace that is no pod). */
export function additionalLabelValue(template: string, podLabels: Readonly<Record<string, string>> = {}): string {
  return template.replace(POD_LABEL, (_, key: string) => podLabels[key] ?? '');
}

/** Every additional label of a target, by name. */
export function additionalLabelValues(
  labels: readonly AdditionalLabel[],
  podLabels?: Readonly<Record<string, string>>,
): Record<string, string> {
  return Object.fromEntries(labels.map((l) => [l.name, additionalLabelValue(l.template, podLabels)]));
}

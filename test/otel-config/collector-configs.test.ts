// Static checks of the collector configurations shipped in otel-config/.
//
// No collector binary is available here, so these tests check what the
// collector itself checks at start (every component a pipeline names is
// declared, ids are well formed) plus the project's own rules: processor
// order, that no pipeline regroups by pod keys (the agent sends one Resource per
// pod), each exporter's required fields,
// `${env:NAME}` references, and that the Helm values embed the same pipeline
// as grafana-lgtm.yaml once merged with the chart's defaults.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const DIR = resolve(ROOT, 'otel-config');

type Obj = Record<string, unknown>;

const SECTIONS = ['receivers', 'processors', 'exporters', 'extensions', 'connectors'] as const;
const POD_KEYS = ['k8s.pod.name', 'k8s.namespace.name', 'k8s.pod.uid'];
const SIGNALS = ['metrics', 'logs', 'traces', 'profiles'];

/** Component types known under two names: old (before the rename) and new. */
const RENAMED: Record<string, string> = {
  otlp: 'otlp_grpc', // exporter only; the `otlp` receiver keeps its name
  otlphttp: 'otlp_http',
  k8sattributes: 'k8s_attributes',
  prometheusremotewrite: 'prometheus_remote_write',
};

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function loadYaml(file: string): unknown {
  const text = readFileSync(resolve(DIR, file), 'utf8');
  const doc = parseDocument(text, { uniqueKeys: true });
  assert.deepEqual(
    doc.errors.map((e) => e.message),
    [],
    `${file} does not parse as YAML`,
  );
  return doc.toJS();
}

/** `type/name` -> `type`. */
function typeOf(id: string): string {
  const slash = id.indexOf('/');
  return slash === -1 ? id : id.slice(0, slash);
}

/** The canonical (post-rename) type, for checks that accept either spelling. */
function canonical(type: string, section: string): string {
  if (type === 'otlp' && section !== 'exporters') return type;
  return RENAMED[type] ?? type;
}

const ID_RE = /^[a-z][a-z0-9_]*(\/[A-Za-z0-9_.-]+)?$/;

/**
 * Checks a collector config and returns the list of problems (empty when valid).
 * Kept separate from the `it` blocks so the checker itself can be tested on bad input.
 */
function collectorConfigProblems(cfg: unknown): string[] {
  const problems: string[] = [];
  if (!isObj(cfg)) return ['config is not a mapping'];
  const declared: Record<string, Set<string>> = {};
  for (const section of SECTIONS) {
    const sec = cfg[section];
    declared[section] = new Set();
    if (sec === undefined) continue;
    if (!isObj(sec)) {
      problems.push(`${section} is not a mapping`);
      continue;
    }
    for (const id of Object.keys(sec)) {
      if (!ID_RE.test(id)) problems.push(`${section}: bad component id "${id}"`);
      declared[section].add(id);
    }
  }
  const service = cfg.service;
  if (!isObj(service)) return [...problems, 'service is missing'];
  const pipelines = service.pipelines;
  if (!isObj(pipelines) || Object.keys(pipelines).length === 0) {
    return [...problems, 'service.pipelines is missing or empty'];
  }
  const used: Record<string, Set<string>> = {};
  for (const section of SECTIONS) used[section] = new Set();

  for (const [pid, p] of Object.entries(pipelines)) {
    if (!SIGNALS.includes(typeOf(pid))) problems.push(`pipeline "${pid}" has no signal type`);
    if (!isObj(p)) {
      problems.push(`pipeline ${pid} is not a mapping`);
      continue;
    }
    for (const role of ['receivers', 'processors', 'exporters'] as const) {
      const list = p[role] ?? [];
      if (!Array.isArray(list)) {
        problems.push(`${pid}.${role} is not a list`);
        continue;
      }
      if (role !== 'processors' && list.length === 0) problems.push(`${pid} has no ${role}`);
      if (new Set(list).size !== list.length) problems.push(`${pid}.${role} lists a component twice`);
      for (const ref of list) {
        if (typeof ref !== 'string') {
          problems.push(`${pid}.${role}: non-string entry`);
          continue;
        }
        // Connectors act as exporters of one pipeline and receivers of another.
        if (role !== 'processors' && declared.connectors.has(ref)) {
          used.connectors.add(ref);
        } else if (declared[role].has(ref)) {
          used[role].add(ref);
        } else {
          problems.push(`${pid}.${role} references "${ref}", which is not declared under ${role}`);
        }
      }
    }
  }
  const ext = service.extensions ?? [];
  if (!Array.isArray(ext)) problems.push('service.extensions is not a list');
  else {
    for (const ref of ext) {
      if (!declared.extensions.has(ref)) problems.push(`service.extensions references undeclared "${ref}"`);
      else used.extensions.add(ref);
    }
  }
  for (const section of SECTIONS) {
    for (const id of declared[section]) {
      if (!used[section].has(id)) problems.push(`${section}.${id} is declared but used nowhere`);
    }
  }
  return problems;
}

/**
 * The documented processor order: memory_limiter, then k8s_attributes (or its
 * old name); anything else after those two; a batch processor, if someone adds
 * one back for an old collector, only last.
 */
function orderProblems(cfg: Obj): string[] {
  const problems: string[] = [];
  const pipelines = (cfg.service as Obj).pipelines as Obj;
  for (const [pid, p] of Object.entries(pipelines)) {
    if (typeOf(pid) === 'traces') continue; // not produced by the agent
    const procs = ((p as Obj).processors ?? []) as string[];
    const types = procs.map((id) => canonical(typeOf(id), 'processors'));
    const head = ['memory_limiter', 'k8s_attributes'];
    if (JSON.stringify(types.slice(0, head.length)) !== JSON.stringify(head)) {
      problems.push(`${pid}: processors start with [${types.slice(0, head.length).join(', ')}], want [${head.join(', ')}]`);
    }
    for (const t of head) {
      if (types.filter((x) => x === t).length !== 1) problems.push(`${pid}: ${t} must appear exactly once`);
    }
    const b = types.indexOf('batch');
    if (b !== -1 && b !== types.length - 1) problems.push(`${pid}: batch must be the last processor`);
  }
  return problems;
}

/** Every string scalar in a parsed YAML tree, with its path. */
function strings(v: unknown, path = ''): Array<[string, string]> {
  if (typeof v === 'string') return [[path, v]];
  if (Array.isArray(v)) return v.flatMap((x, i) => strings(x, `${path}[${i}]`));
  if (isObj(v)) return Object.entries(v).flatMap(([k, x]) => strings(x, path ? `${path}.${k}` : k));
  return [];
}

const ENV_REF = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/g;

function envProblems(cfg: unknown): string[] {
  const problems: string[] = [];
  for (const [path, s] of strings(cfg)) {
    const rest = s.replace(ENV_REF, '');
    if (rest.includes('$')) problems.push(`${path}: "${s}" uses "$" outside the \${env:NAME} syntax`);
  }
  return problems;
}

function envNames(cfg: unknown): Set<string> {
  const names = new Set<string>();
  for (const [, s] of strings(cfg)) for (const m of s.matchAll(ENV_REF)) names.add(m[1]);
  return names;
}

function isEnvOrUrl(s: unknown, schemes: string[]): boolean {
  if (typeof s !== 'string' || s.length === 0) return false;
  if (s.startsWith('${env:')) return true;
  return schemes.some((sch) => s.startsWith(sch));
}

/** Required fields of each exporter type used in otel-config/. */
function exporterProblems(cfg: Obj): string[] {
  const problems: string[] = [];
  for (const [id, raw] of Object.entries((cfg.exporters ?? {}) as Obj)) {
    const e = (raw ?? {}) as Obj;
    const type = canonical(typeOf(id), 'exporters');
    switch (type) {
      case 'otlp_http': {
        const ep = e.endpoint ?? e.metrics_endpoint ?? e.logs_endpoint;
        if (!isEnvOrUrl(ep, ['http://', 'https://'])) problems.push(`${id}: endpoint must be an http(s) URL or \${env:...}`);
        if (/loki|mimir/.test(id) && !(typeof ep === 'string' && ep.endsWith('/otlp'))) {
          problems.push(`${id}: Loki and Mimir take OTLP at <base>/otlp (the exporter adds /v1/<signal>)`);
        }
        break;
      }
      case 'otlp_grpc':
        if (typeof e.endpoint !== 'string' || e.endpoint.length === 0) problems.push(`${id}: endpoint is required`);
        break;
      case 'prometheus_remote_write':
        if (!isEnvOrUrl(e.endpoint, ['http://', 'https://'])) problems.push(`${id}: endpoint is required`);
        break;
      case 'datadog': {
        const api = (e.api ?? {}) as Obj;
        if (api.key !== '${env:DD_API_KEY}') problems.push(`${id}: api.key must be \${env:DD_API_KEY}, never a literal`);
        if (typeof api.site !== 'string' || !api.site.startsWith('${env:DD_SITE')) {
          problems.push(`${id}: api.site must come from \${env:DD_SITE...}`);
        }
        break;
      }
      case 'debug': {
        const v = e.verbosity;
        if (v !== undefined && !(typeof v === 'string' && (/^(basic|normal|detailed)$/.test(v) || v.startsWith('${env:')))) {
          problems.push(`${id}: verbosity must be basic|normal|detailed`);
        }
        break;
      }
      default:
        problems.push(`${id}: exporter type ${type} has no required-field check here; add one`);
    }
    // Batching is done by the exporters (sending_queue::batch), except where
    // there is nothing to batch for (debug) or the exporter keeps its own queue.
    if (type !== 'debug' && type !== 'prometheus_remote_write') {
      const q = e.sending_queue as Obj | undefined;
      if (!isObj(q) || !isObj(q.batch) || q.enabled === false) {
        problems.push(`${id}: sending_queue.batch must be set (batching is done in the exporter)`);
      }
    }
  }
  return problems;
}

function processorOfType(cfg: Obj, type: string): Array<[string, Obj]> {
  return Object.entries((cfg.processors ?? {}) as Obj)
    .filter(([id]) => canonical(typeOf(id), 'processors') === type)
    .map(([id, v]) => [id, (v ?? {}) as Obj]);
}

/** Helm's merge of user values over chart defaults: maps merge, lists and scalars replace, null deletes. */
function helmCoalesce(base: unknown, over: unknown): unknown {
  if (over === null) return undefined;
  if (!isObj(base) || !isObj(over)) return over === undefined ? base : over;
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const merged = helmCoalesce(base[k], v);
    if (merged === undefined) delete out[k];
    else out[k] = merged;
  }
  return out;
}

/**
 * The parts of the opentelemetry-collector chart's default `config` (chart
 * 0.170.0) that a user's `config` is merged over: the components and pipelines
 * the gateway values must remove or replace.
 */
const CHART_DEFAULT_CONFIG: Obj = {
  exporters: { debug: {} },
  extensions: { health_check: { endpoint: '${env:MY_POD_IP}:13133' } },
  processors: {
    batch: {},
    memory_limiter: { check_interval: '5s', limit_percentage: 80, spike_limit_percentage: 25 },
  },
  receivers: {
    jaeger: { protocols: { grpc: { endpoint: '${env:MY_POD_IP}:14250' } } },
    otlp: { protocols: { grpc: { endpoint: '${env:MY_POD_IP}:4317' }, http: { endpoint: '${env:MY_POD_IP}:4318' } } },
    prometheus: { config: { scrape_configs: [{ job_name: 'opentelemetry-collector' }] } },
    zipkin: { endpoint: '${env:MY_POD_IP}:9411' },
  },
  service: {
    extensions: ['health_check'],
    pipelines: {
      logs: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['debug'] },
      metrics: { receivers: ['otlp', 'prometheus'], processors: ['memory_limiter', 'batch'], exporters: ['debug'] },
      traces: { receivers: ['otlp', 'jaeger', 'zipkin'], processors: ['memory_limiter', 'batch'], exporters: ['debug'] },
    },
  },
};

/** Top-level keys of the chart's values (chart 0.170.0); its schema rejects any other. */
const CHART_VALUE_KEYS = new Set([
  'additionalLabels', 'affinity', 'alternateConfig', 'annotations', 'apiVersion', 'autoscaling', 'clusterRole',
  'command', 'config', 'configMap', 'dnsConfig', 'dnsPolicy', 'enableConfigChecksumAnnotation', 'enabled',
  'extraContainers', 'extraEnvs', 'extraEnvsFrom', 'extraManifests', 'extraVolumeMounts', 'extraVolumes',
  'fullnameOverride', 'global', 'hostAliases', 'hostNetwork', 'hostPID', 'httproute', 'image', 'imagePullSecrets',
  'ingress', 'initContainers', 'internalTelemetryViaOTLP', 'lifecycleHooks', 'livenessProbe', 'mode', 'nameOverride',
  'namespaceOverride', 'networkPolicy', 'nodeSelector', 'podAnnotations', 'podDisruptionBudget', 'podLabels',
  'podMonitor', 'podSecurityContext', 'ports', 'presets', 'priorityClassName', 'prometheusRule', 'readinessProbe',
  'replicaCount', 'resizePolicy', 'resources', 'revisionHistoryLimit', 'rewriteDeprecatedComponentNames', 'rollout',
  'runtimeClassName', 'schedulerName', 'securityContext', 'service', 'serviceAccount', 'serviceMonitor',
  'shareProcessNamespace', 'startupProbe', 'statefulset', 'terminationGracePeriodSeconds', 'tolerations',
  'topologySpreadConstraints', 'useGOMEMLIMIT',
]);

const CONFIG_FILES = ['debug.yaml', 'datadog.yaml', 'grafana-lgtm.yaml'];

describe('otel-config collector configurations', () => {
  for (const file of CONFIG_FILES) {
    describe(file, () => {
      let cfg: Obj;
      before(() => {
        cfg = loadYaml(file) as Obj;
      });

      it('parses as a YAML mapping with a service section', () => {
        assert.ok(isObj(cfg), `${file} is not a mapping`);
        assert.ok(isObj(cfg.service), `${file} has no service section`);
      });

      it('declares every component a pipeline references, and uses every declared component', () => {
        assert.deepEqual(collectorConfigProblems(cfg), []);
      });

      it('has metrics and logs pipelines fed by the OTLP receiver on 4317 (gRPC) and 4318 (HTTP)', () => {
        const pipelines = (cfg.service as Obj).pipelines as Obj;
        for (const sig of ['metrics', 'logs']) {
          const p = pipelines[sig] as Obj | undefined;
          assert.ok(p, `${file}: no ${sig} pipeline`);
          assert.deepEqual(p.receivers, ['otlp']);
        }
        const protocols = ((cfg.receivers as Obj).otlp as Obj).protocols as Obj;
        assert.match(String((protocols.grpc as Obj).endpoint), /:4317$/);
        assert.match(String((protocols.http as Obj).endpoint), /:4318$/);
      });

      it('orders processors memory_limiter -> k8s_attributes (batching in the exporters)', () => {
        assert.deepEqual(orderProblems(cfg), []);
        assert.deepEqual(processorOfType(cfg, 'batch'), [], 'batching is configured in sending_queue, not a batch processor');
      });

      it('does not regroup by pod keys: the agent already sends one Resource per pod (k8s.pod.uid, k8s.pod.name, k8s.namespace.name)', () => {
        assert.deepEqual(processorOfType(cfg, 'groupbyattrs'), [], 'groupbyattrs would be a no-op at best');
        // k8s_attributes finds the pod by exactly the resource attributes the agent sets.
        const [[, k8s]] = processorOfType(cfg, 'k8s_attributes');
        const names = (k8s.pod_association as Array<{ sources: Array<{ name?: string }> }>).flatMap((a) => a.sources.map((x) => x.name));
        for (const n of names) assert.ok(POD_KEYS.includes(String(n)), `associates by ${n}, which the agent's pod Resource does not carry`);
      });

      it('k8s_attributes associates pods by resource attributes only, never by connection IP', () => {
        const [[, k8s]] = processorOfType(cfg, 'k8s_attributes');
        assert.equal(k8s.passthrough, false);
        const assoc = k8s.pod_association as Array<{ sources: Array<{ from: string; name?: string }> }>;
        assert.ok(Array.isArray(assoc) && assoc.length > 0);
        const sources = assoc.flatMap((a) => a.sources);
        assert.ok(sources.every((s) => s.from === 'resource_attribute'), 'connection-based association would match the node IP');
        assert.deepEqual(assoc[0].sources, [{ from: 'resource_attribute', name: 'k8s.pod.uid' }]);
        // Only attributes listed in extract.metadata can be used for association.
        const metadata = ((k8s.extract as Obj).metadata ?? []) as string[];
        for (const s of sources) assert.ok(metadata.includes(String(s.name)), `${s.name} missing from extract.metadata`);
      });

      it('sets the required fields of every exporter', () => {
        assert.deepEqual(exporterProblems(cfg), []);
      });

      it('uses only ${env:NAME} references for environment variables', () => {
        assert.deepEqual(envProblems(cfg), []);
      });

      it('uses the post-rename component names and documents the old ones', () => {
        for (const section of ['processors', 'exporters'] as const) {
          for (const id of Object.keys((cfg[section] ?? {}) as Obj)) {
            const t = typeOf(id);
            const old = section === 'exporters' ? t in RENAMED : t in RENAMED && t !== 'otlp';
            assert.ok(!old, `${file}: ${section}.${id} uses the pre-rename name; use ${RENAMED[t]}`);
          }
        }
        const text = readFileSync(resolve(DIR, file), 'utf8');
        assert.match(text, /k8sattributes/, `${file} should name the old k8sattributes spelling for older collectors`);
      });
    });
  }

  it('datadog.yaml reads the API key and site from the environment and converts counters to deltas', () => {
    const cfg = loadYaml('datadog.yaml') as Obj;
    const names = envNames(cfg);
    assert.ok(names.has('DD_API_KEY') && names.has('DD_SITE'));
    const dd = (cfg.exporters as Obj).datadog as Obj;
    assert.equal((((dd.metrics as Obj).sums as Obj).cumulative_monotonic_mode), 'to_delta');
    assert.equal((dd.metrics as Obj).resource_attributes_as_tags, true);
  });

  it('grafana-lgtm.yaml sends metrics to Mimir /otlp and events to Loki /otlp, endpoints from the environment', () => {
    const cfg = loadYaml('grafana-lgtm.yaml') as Obj;
    const pipelines = (cfg.service as Obj).pipelines as Obj;
    const exporters = cfg.exporters as Obj;
    const metricsExp = (pipelines.metrics as Obj).exporters as string[];
    const logsExp = (pipelines.logs as Obj).exporters as string[];
    assert.deepEqual(metricsExp, ['otlp_http/mimir']);
    assert.deepEqual(logsExp, ['otlp_http/loki']);
    assert.equal((exporters['otlp_http/mimir'] as Obj).endpoint, '${env:MIMIR_ENDPOINT:-http://mimir:8080}/otlp');
    assert.equal((exporters['otlp_http/loki'] as Obj).endpoint, '${env:LOKI_ENDPOINT:-http://loki:3100}/otlp');
    assert.equal(pipelines.traces, undefined, 'traces pipeline stays commented out until the agent emits traces');
    const text = readFileSync(resolve(DIR, 'grafana-lgtm.yaml'), 'utf8');
    assert.match(text, /# prometheus_remote_write\/mimir:/, 'remote-write alternative is documented');
    assert.match(text, /# otlp_grpc\/tempo:/, 'Tempo exporter is ready to uncomment');
  });

  describe('the checker itself', () => {
    const good = (): Obj => ({
      receivers: { otlp: { protocols: { grpc: {} } } },
      processors: { memory_limiter: {}, k8s_attributes: {} },
      exporters: { debug: {} },
      service: {
        pipelines: {
          metrics: { receivers: ['otlp'], processors: ['memory_limiter', 'k8s_attributes'], exporters: ['debug'] },
        },
      },
    });

    it('accepts a minimal valid config', () => {
      assert.deepEqual(collectorConfigProblems(good()), []);
      assert.deepEqual(orderProblems(good()), []);
    });

    it('rejects an undeclared or unused component and a wrong order', () => {
      const bad = good();
      (((bad.service as Obj).pipelines as Obj).metrics as Obj).processors = ['k8s_attributes', 'batch', 'memory_limiter'];
      assert.ok(collectorConfigProblems(bad).some((p) => p.includes('"batch", which is not declared')));
      const order = orderProblems(bad);
      assert.ok(order.some((p) => p.includes('processors start with')), order.join('; '));
      assert.ok(order.some((p) => p.includes('batch must be the last')), order.join('; '));
      const unused = good();
      (unused.exporters as Obj)['otlp_http/x'] = { endpoint: 'http://x' };
      assert.ok(collectorConfigProblems(unused).some((p) => p.includes('declared but used nowhere')));
    });

    it('rejects "$" references outside ${env:NAME}', () => {
      assert.deepEqual(envProblems({ a: '${env:A}', b: '${env:B:-x:1}/otlp' }), []);
      assert.equal(envProblems({ a: '${A}', b: '$B' }).length, 2);
    });

    it('models Helm merging: null deletes, maps merge, lists replace', () => {
      assert.deepEqual(helmCoalesce({ a: 1, b: { c: [1, 2], d: 2 } }, { a: null, b: { c: [3] } }), { b: { c: [3], d: 2 } });
    });
  });
});

describe('otel-config/gateway-values.yaml (opentelemetry-collector Helm chart)', () => {
  let values: Obj;
  let config: Obj;
  before(() => {
    values = loadYaml('gateway-values.yaml') as Obj;
    config = helmCoalesce(CHART_DEFAULT_CONFIG, values.config) as Obj;
  });

  it('uses only value keys the chart knows', () => {
    for (const k of Object.keys(values)) assert.ok(CHART_VALUE_KEYS.has(k), `unknown chart value "${k}"`);
  });

  it('runs otelcol-contrib as a Deployment gateway behind a Service with OTLP ports only', () => {
    assert.equal(values.mode, 'deployment');
    assert.equal((values.image as Obj).repository, 'otel/opentelemetry-collector-contrib');
    assert.equal((values.command as Obj).name, 'otelcol-contrib');
    const ports = values.ports as Record<string, Obj>;
    assert.equal(ports.otlp.enabled, true);
    assert.equal(ports['otlp-http'].enabled, true);
    for (const p of ['jaeger-compact', 'jaeger-thrift', 'jaeger-grpc', 'zipkin']) assert.equal(ports[p].enabled, false, p);
    assert.notEqual((values.service as Obj).enabled, false);
  });

  it('grants k8s_attributes read access to pods, namespaces and replicasets', () => {
    assert.equal(((values.presets as Obj).kubernetesAttributes as Obj).enabled, false);
    const role = values.clusterRole as Obj;
    assert.equal(role.create, true);
    const rules = role.rules as Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
    const allows = (group: string, resource: string) =>
      rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) &&
        ['get', 'list', 'watch'].every((v) => r.verbs.includes(v)));
    assert.ok(allows('', 'pods'));
    assert.ok(allows('', 'namespaces'));
    assert.ok(allows('apps', 'replicasets'));
  });

  it('embeds a valid collector config once merged with the chart defaults', () => {
    assert.deepEqual(collectorConfigProblems(config), []);
    assert.deepEqual(orderProblems(config), []);
    assert.deepEqual(exporterProblems(config), []);
    assert.deepEqual(envProblems(config), []);
    assert.deepEqual((config.service as Obj).extensions, ['health_check'], 'the chart probes need health_check');
    assert.deepEqual(Object.keys(config.receivers as Obj), ['otlp'], 'jaeger/zipkin/prometheus defaults removed');
  });

  it('embeds the same processors, exporters and pipelines as grafana-lgtm.yaml', () => {
    const lgtm = loadYaml('grafana-lgtm.yaml') as Obj;
    assert.deepEqual(config.processors, lgtm.processors);
    assert.deepEqual(config.exporters, lgtm.exporters);
    assert.deepEqual((config.service as Obj).pipelines, (lgtm.service as Obj).pipelines);
  });

  it('sets every environment variable the embedded config reads (besides the chart-provided MY_POD_IP)', () => {
    const set = new Set(((values.extraEnvs ?? []) as Array<{ name: string }>).map((e) => e.name));
    set.add('MY_POD_IP');
    for (const name of envNames(values.config)) assert.ok(set.has(name), `${name} is read but not set in extraEnvs`);
  });
});

describe('otel-config/README.md', () => {
  it('describes every file, the processor order, the renames and how to point the agent at the gateway', () => {
    const text = readFileSync(resolve(DIR, 'README.md'), 'utf8');
    for (const f of [...CONFIG_FILES, 'gateway-values.yaml']) assert.ok(text.includes(f), `README does not mention ${f}`);
    for (const s of ['otelcol-contrib --config', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL',
      'otlp_grpc', 'otlp_http', 'k8s_attributes', 'prometheus_remote_write', 'memory_limiter',
      'sending_queue', 'k8s_pod_network_io_bytes_total', 'semconv/docs/upgrade.md']) {
      assert.ok(text.includes(s), `README does not mention ${s}`);
    }
  });
});

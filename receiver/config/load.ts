// Loads the configuration: one YAML file (kubeskoop-otel's format, or KubeSkoop's v0.1 or v1
// format, each translated by its own module in formats/), then the environment, then CLI flags
// (one override table, overrides.ts) — flags win over env, env over the file, the file over the
// defaults (defaults.ts). Validated once; every problem names where it is, what was found and what
// was expected (messages.ts). Throws ConfigError (exit status 2).
import type { AgentConfig, ConfigFormat } from './types.js';
import { ConfigError } from './errors.js';
import { createAjv, schemaProblems } from './messages.js';
import { DEFAULTS } from './defaults.js';
import { applyOverrides, parseDuration, type FlagOverrides, type OverridableSettings } from './overrides.js';
import { readConfigFile } from './file.js';
import { checkOtlpTls } from './otlp-tls.js';
import { resolveProbes, type ProbeCapabilities } from './resolve-probes.js';
import { emptyTranslated, isMapping, type FormatTranslator, type Mapping } from './translated.js';
import { projectFormat } from './formats/project.js';
import { kubeskoopV0Format } from './formats/kubeskoop-v0.js';
import { kubeskoopV1Format } from './formats/kubeskoop-v1.js';

export { parseDuration, parseResourceAttributes, type FlagOverrides } from './overrides.js';
export type { ProbeCapabilities } from './resolve-probes.js';

export interface LoadInputs {
  readonly file?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly flags: FlagOverrides;
  readonly probes: ProbeCapabilities;
}

type FileFormat = Exclude<ConfigFormat, 'defaults'>;

const FORMATS: Record<FileFormat, FormatTranslator> = {
  'kubeskoop-otel': projectFormat,
  'kubeskoop-v0': kubeskoopV0Format,
  'kubeskoop-v1': kubeskoopV1Format,
};

// verbose: errors carry their schema, so messages can say what was expected.
const ajv = createAjv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
const VALIDATORS = Object.fromEntries(Object.entries(FORMATS).map(([f, t]) => [f, ajv.compile(t.schema)])) as Record<
  FileFormat,
  ReturnType<typeof ajv.compile>
>;

/** Which format a parsed file is in, from the keys only KubeSkoop's formats have. */
export function detectFormat(doc: Mapping): FileFormat {
  const keys = Object.keys(doc);
  const has = (k: string): boolean => k in doc;
  // v0.1 was read case-insensitively (viper): `Metric_Config` is v0.1 too.
  if (
    keys.some((k) => ['metric_config', 'event_config'].includes(k.toLowerCase())) ||
    (has('debugmode') && !has('metrics'))
  )
    return 'kubeskoop-v0';
  if (['debugMode', 'enableController', 'controllerAddr', 'event', 'port', 'address'].some(has)) return 'kubeskoop-v1';
  const metrics = doc.metrics;
  if (isMapping(metrics)) {
    if ('additionalLabels' in metrics) return 'kubeskoop-v1';
    if (Array.isArray(metrics.probes) && metrics.probes.some((p) => isMapping(p) && 'args' in p)) return 'kubeskoop-v1';
  }
  return 'kubeskoop-otel';
}

export function loadConfig(inputs: LoadInputs): AgentConfig {
  const { file, env, flags } = inputs;
  let format: ConfigFormat = 'defaults';
  let t = emptyTranslated();
  if (file !== undefined) {
    const raw = readConfigFile(file);
    format = detectFormat(raw);
    const translator = FORMATS[format];
    const doc = translator.normalize ? translator.normalize(raw) : raw;
    const validate = VALIDATORS[format];
    if (!validate(doc)) throw new ConfigError(schemaProblems(file, doc, validate.errors ?? []));
    t = translator.translate(doc, file);
  }
  const where = file ?? 'defaults';
  const resolved = resolveProbes(t, where, inputs.probes);
  const problems = [...t.problems, ...resolved.problems];

  const fileInterval = t.interval !== undefined ? parseDuration(t.interval) : undefined;
  if (fileInterval === 0) problems.push(`${where}: at interval: found 0, expected a duration above zero`);
  const exportInterval = t.otlp.exportInterval !== undefined ? parseDuration(t.otlp.exportInterval) : undefined;
  const exportTimeout = t.otlp.timeout !== undefined ? parseDuration(t.otlp.timeout) : undefined;
  const retryInitial =
    t.otlp.retry?.initialInterval !== undefined ? parseDuration(t.otlp.retry.initialInterval) : undefined;
  const retryMax = t.otlp.retry?.maxInterval !== undefined ? parseDuration(t.otlp.retry.maxInterval) : undefined;
  const buffer = {
    maxRecords: t.otlp.buffer?.maxRecords ?? DEFAULTS.otlp.buffer.maxRecords,
    maxBytes: Math.round((t.otlp.buffer?.maxMiB ?? DEFAULTS.otlp.buffer.maxMiB) * 2 ** 20),
    initialBackoffMs: retryInitial || DEFAULTS.otlp.buffer.initialBackoffMs,
    maxBackoffMs: retryMax || DEFAULTS.otlp.buffer.maxBackoffMs,
  };
  if (buffer.maxBackoffMs < buffer.initialBackoffMs) {
    problems.push(
      `${where}: at otlp.retry.max_interval: found ${buffer.maxBackoffMs} ms, expected at least initial_interval (${buffer.initialBackoffMs} ms)`,
    );
  }
  const s: OverridableSettings = {
    intervalMs: fileInterval || DEFAULTS.intervalMs,
    mode: t.mode ?? DEFAULTS.mode,
    ...(t.nodeName !== undefined ? { nodeName: t.nodeName } : {}),
    procRoot: t.procRoot ?? DEFAULTS.procRoot,
    port: t.server.port ?? DEFAULTS.server.port,
    address: t.server.address ?? DEFAULTS.server.address,
    logFormat: t.log.format ?? DEFAULTS.log.format,
    logLevel: t.log.level ?? DEFAULTS.log.level,
    ...(t.otlp.endpoint !== undefined ? { otlpEndpoint: t.otlp.endpoint } : {}),
    otlpProtocol: t.otlp.protocol ?? DEFAULTS.otlp.protocol,
    ...(exportInterval !== undefined ? { exportIntervalMs: exportInterval } : {}),
    exportTimeoutMs: exportTimeout ?? DEFAULTS.otlp.exportTimeoutMs,
    resourceAttributes: { ...t.service.resourceAttributes },
    ...(t.server.webConfigFile !== undefined ? { webConfigFile: t.server.webConfigFile } : {}),
    ...(t.server.authorization !== undefined ? { authorization: t.server.authorization } : {}),
  };
  if (t.kubernetes?.kubeconfig !== undefined) s.kubeconfig = t.kubernetes.kubeconfig;
  const fromFile = new Set<keyof OverridableSettings>([
    ...(t.nodeName !== undefined ? ['nodeName' as const] : []),
    ...(s.kubeconfig !== undefined ? ['kubeconfig' as const] : []),
  ]);
  problems.push(...applyOverrides(s, fromFile, env, flags));
  // The SDK's TLS and header variables, when something is pushed (the exporters read them themselves).
  const otlpTls =
    s.otlpEndpoint !== undefined
      ? checkOtlpTls(env, { METRICS: s.otlpEndpoint, LOGS: s.otlpEndpoint }, s.otlpProtocol === 'grpc')
      : { problems: [], warnings: [] };
  problems.push(...otlpTls.problems);
  // OTEL_TRACES_EXPORTER: otlp turns the trace signal on, none off (the SDK's variable); the file otherwise.
  const tracesExporter = (env['OTEL_TRACES_EXPORTER'] ?? '').trim();
  if (tracesExporter !== '' && tracesExporter !== 'otlp' && tracesExporter !== 'none') {
    problems.push(
      `environment variable OTEL_TRACES_EXPORTER: found ${JSON.stringify(tracesExporter)}, expected otlp or none`,
    );
  }
  const tracesEndpoint = (env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ?? '').trim();
  if (tracesEndpoint !== '' && !/^https?:\/\/\S+$/.test(tracesEndpoint)) {
    problems.push(
      `environment variable OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: found ${JSON.stringify(tracesEndpoint)}, expected a URL like http://collector:4317`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const traces = {
    enabled:
      tracesExporter === 'otlp'
        ? true
        : tracesExporter === 'none'
          ? false
          : (t.traces?.enabled ?? DEFAULTS.traces.enabled),
    ratePerNode: t.traces?.ratePerNode ?? DEFAULTS.traces.ratePerNode,
    ...(tracesEndpoint !== '' ? { endpoint: tracesEndpoint } : {}),
  };

  // OTEL_SERVICE_NAME over service.name in the resource attributes, over the file's service.name.
  const serviceName = s.serviceName ?? s.resourceAttributes['service.name'] ?? t.service.name ?? DEFAULTS.service.name;
  const metricProbes =
    file !== undefined && (t.metricProbes.length > 0 || t.eventProbes.length > 0)
      ? resolved.metric
      : inputs.probes.defaultMetricProbes
          .filter((n) => inputs.probes.metric.has(n))
          .map((name) => ({ name, options: {} }));
  const k = t.kubernetes;
  const kubeNode = k?.nodeName ?? s.nodeName;
  return {
    source: { ...(file !== undefined ? { file } : {}), format },
    mode: s.mode,
    intervalMs: s.intervalMs,
    ...(s.nodeName !== undefined ? { nodeName: s.nodeName } : {}),
    procRoot: s.procRoot,
    netnsDir: t.netnsDir ?? DEFAULTS.netnsDir,
    server: {
      address: s.address,
      port: s.port,
      ...(s.webConfigFile !== undefined ? { webConfigFile: s.webConfigFile } : {}),
      ...(s.authorization !== undefined && s.authorization !== 'none' ? { authorization: s.authorization } : {}),
    },
    log: { level: s.logLevel, format: s.logFormat },
    prometheus: {
      enabled: t.prometheus.enabled ?? DEFAULTS.prometheus.enabled,
      names: t.prometheus.names ?? DEFAULTS.prometheus.names,
      scopeInfo: t.prometheus.scopeInfo ?? DEFAULTS.prometheus.scopeInfo,
    },
    otlp: {
      ...(s.otlpEndpoint !== undefined ? { endpoint: s.otlpEndpoint } : {}),
      protocol: s.otlpProtocol,
      exportIntervalMs: s.exportIntervalMs ?? s.intervalMs,
      exportTimeoutMs: s.exportTimeoutMs,
      buffer,
    },
    service: { name: serviceName, resourceAttributes: s.resourceAttributes },
    traces,
    metrics: { probes: metricProbes, additionalLabels: t.additionalLabels },
    events: { probes: resolved.event, sinks: t.sinks },
    unsupported: resolved.unsupported,
    warnings: [...t.warnings, ...resolved.warnings, ...otlpTls.warnings],
    kubernetes: {
      // Default: on with a kubeconfig in the file; in node mode also with KUBECONFIG or inside a cluster.
      enabled:
        k?.enabled ??
        (k?.kubeconfig !== undefined ||
          (s.mode === 'node' && (s.kubeconfig !== undefined || (env['KUBERNETES_SERVICE_HOST'] ?? '') !== ''))),
      ...(s.kubeconfig !== undefined ? { kubeconfig: s.kubeconfig } : {}),
      ...(kubeNode !== undefined ? { nodeName: kubeNode } : {}),
      podLabels: [...new Set(k?.podLabels ?? [])],
    },
  };
}

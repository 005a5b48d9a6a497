// Loads the configuration: one YAML file (kubeskoop-otel's format, or KubeSkoop's v0.1 or v1
// format, translated), then OTEL_* environment variables, then CLI flags — flags win over env,
// env over the file. Validated once; every problem names where it is, what was found and what
// was expected. Throws ConfigError (exit status 2).
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parseDocument } from 'yaml';
import type {
  AgentConfig, ConfigFormat, OtlpProtocol, ProbeSelection, ServerAuthorization, SinkConfig, UnsupportedSelection,
} from './types.js';
import { ConfigError, describeValue, formatPath } from './errors.js';
import { kubeskoopV0Schema, kubeskoopV1Schema, projectSchema } from './schema.js';
import { CANONICAL_PROBE_NAMES, resolveProbeName } from './probe-names.js';
import { checkOtlpTls } from './otlp-tls.js';
import { PROBES } from '../../semconv/generated/registry.js';
import type { LogFormat, LogLevel } from '../log.js';

/** Values given on the command line, as typed. */
export interface FlagOverrides {
  readonly port?: string;
  readonly address?: string;
  readonly interval?: string;
  readonly otlpEndpoint?: string;
  readonly otlpProtocol?: string;
  readonly nodeName?: string;
  readonly mode?: string;
  readonly logFormat?: string;
  readonly logLevel?: string;
  readonly procRoot?: string;
  /** --web.config.file */
  readonly webConfigFile?: string;
  /** --authorization */
  readonly authorization?: string;
}

/** What this build can run: probe name → JSON Schema of its options (or undefined: no options). */
export interface ProbeCapabilities {
  readonly metric: ReadonlyMap<string, Readonly<Record<string, unknown>> | undefined>;
  readonly event: ReadonlyMap<string, Readonly<Record<string, unknown>> | undefined>;
  readonly defaultMetricProbes: readonly string[];
}

export interface LoadInputs {
  readonly file?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly flags: FlagOverrides;
  readonly probes: ProbeCapabilities;
}

// verbose: errors carry their schema, so messages can say what was expected.
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
const SCHEMAS: Record<Exclude<ConfigFormat, 'defaults'>, ValidateFunction> = {
  'kubeskoop-otel': ajv.compile(projectSchema),
  'kubeskoop-v0': ajv.compile(kubeskoopV0Schema),
  'kubeskoop-v1': ajv.compile(kubeskoopV1Schema),
};

type Mapping = Record<string, unknown>;
const isMapping = (v: unknown): v is Mapping => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Which format a parsed file is in, from the keys only KubeSkoop's formats have. */
export function detectFormat(doc: Mapping): Exclude<ConfigFormat, 'defaults'> {
  if ('metric_config' in doc || 'event_config' in doc || 'debugmode' in doc && !('metrics' in doc)) return 'kubeskoop-v0';
  const v1Keys = ['debugMode', 'enableController', 'controllerAddr', 'event', 'port', 'address'];
  if (v1Keys.some((k) => k in doc)) return 'kubeskoop-v1';
  const metrics = doc.metrics;
  if (isMapping(metrics)) {
    if ('additionalLabels' in metrics) return 'kubeskoop-v1';
    if (Array.isArray(metrics.probes) && metrics.probes.some((p) => isMapping(p) && 'args' in p)) return 'kubeskoop-v1';
  }
  return 'kubeskoop-otel';
}

function valueAt(data: unknown, pointer: string): unknown {
  let cur = data;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(cur)) cur = cur[Number(key)];
    else if (isMapping(cur)) cur = cur[key];
    else return undefined;
  }
  return cur;
}

function pointerSegments(pointer: string): (string | number)[] {
  return pointer.split('/').slice(1).map((s) => (/^\d+$/.test(s) ? Number(s) : s.replaceAll('~1', '/').replaceAll('~0', '~')));
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string', number: 'a number', integer: 'a whole number', boolean: 'true or false', object: 'a mapping', array: 'a list', null: 'nothing',
};

function schemaProblem(where: string, data: unknown, e: ErrorObject, prefix: readonly (string | number)[] = []): string {
  const segs = [...prefix, ...pointerSegments(e.instancePath)];
  const found = describeValue(valueAt(data, e.instancePath));
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const parentSchema = e.parentSchema as { properties?: Record<string, unknown> } | undefined;
      const allowed = Object.keys(parentSchema?.properties ?? {}).join(', ');
      return `${where}: at ${formatPath([...segs, key])}: found an unknown key, expected one of: ${allowed}`;
    }
    case 'required':
      return `${where}: at ${formatPath(segs)}: found a mapping without "${String((e.params as { missingProperty: string }).missingProperty)}", expected it to be set`;
    case 'type': {
      const t = (e.params as { type: string | string[] }).type;
      const words = (Array.isArray(t) ? t : String(t).split(',')).map((x) => TYPE_WORDS[x] ?? x).join(' or ');
      return `${where}: at ${formatPath(segs)}: found ${found}, expected ${words}`;
    }
    case 'enum':
      return `${where}: at ${formatPath(segs)}: found ${found}, expected one of: ${((e.params as { allowedValues: unknown[] }).allowedValues).map(String).join(', ')}`;
    case 'pattern': {
      const hint = e.schema === '^(https?)://[^\\s]+$' ? 'a URL like http://collector:4317'
        : String(e.schema).includes('ms|s|m|h') ? 'a duration like 15, 15s, 500ms or 1m' : `text matching ${String(e.schema)}`;
      return `${where}: at ${formatPath(segs)}: found ${found}, expected ${hint}`;
    }
    case 'minimum': case 'maximum':
      return `${where}: at ${formatPath(segs)}: found ${found}, expected a value ${e.keyword === 'minimum' ? '>=' : '<='} ${String((e.params as { limit: number }).limit)}`;
    case 'minLength':
      return `${where}: at ${formatPath(segs)}: found an empty string, expected a non-empty one`;
    default:
      return `${where}: at ${formatPath(segs)}: found ${found}, expected it to ${e.message ?? 'be valid'}`;
  }
}

/** Seconds (number or "15"), or "500ms" / "15s" / "1m" / "1h" → milliseconds. */
export function parseDuration(v: number | string): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v * 1000 : undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h'];
}

interface ProbeItem { name: string; options: Mapping; path: (string | number)[]; optionsPath: (string | number)[] }

/** The file translated to one intermediate shape (the project's keys), plus compatibility warnings. */
interface Translated {
  interval?: number | string;
  mode?: 'node' | 'sidecar';
  nodeName?: string;
  procRoot?: string;
  netnsDir?: string;
  server: { address?: string; port?: number; webConfigFile?: string; authorization?: ServerAuthorization };
  log: { level?: LogLevel; format?: LogFormat };
  prometheus: { enabled?: boolean; names?: 'otel' | 'legacy' | 'both' };
  otlp: { endpoint?: string; protocol?: OtlpProtocol; exportInterval?: number | string; timeout?: number | string };
  service: { name?: string; resourceAttributes: Record<string, string> };
  metricProbes: ProbeItem[];
  eventProbes: ProbeItem[];
  sinks: SinkConfig[];
  warnings: string[];
  kubernetes?: { enabled?: boolean; kubeconfig?: string; nodeName?: string; podLabels?: string[] };
}

const emptyTranslated = (): Translated => ({
  server: {}, log: {}, prometheus: {}, otlp: {}, service: { resourceAttributes: {} },
  metricProbes: [], eventProbes: [], sinks: [], warnings: [],
});

function probeItems(list: unknown, base: (string | number)[], optionsKey: 'options' | 'args'): Translated['metricProbes'] {
  if (!Array.isArray(list)) return [];
  return list.map((item, i) => {
    if (typeof item === 'string') return { name: item, options: {}, path: [...base, i], optionsPath: [...base, i, optionsKey] };
    const m = item as Mapping;
    const opts = m[optionsKey];
    return { name: String(m.name), options: isMapping(opts) ? opts : {}, path: [...base, i, 'name'], optionsPath: [...base, i, optionsKey] };
  });
}

function translateProject(doc: Mapping): Translated {
  const t = emptyTranslated();
  const server = (doc.server ?? {}) as Mapping;
  const log = (doc.log ?? {}) as Mapping;
  const prom = (doc.prometheus ?? {}) as Mapping;
  const otlp = (doc.otlp ?? {}) as Mapping;
  const service = (doc.service ?? {}) as Mapping;
  const metrics = (doc.metrics ?? {}) as Mapping;
  const events = (doc.events ?? {}) as Mapping;
  t.interval = doc.interval as number | string | undefined;
  t.mode = doc.mode as Translated['mode'];
  t.nodeName = doc.node_name as string | undefined;
  t.procRoot = doc.proc_root as string | undefined;
  t.netnsDir = doc.netns_dir as string | undefined;
  if (isMapping(doc.kubernetes)) {
    const k = doc.kubernetes;
    t.kubernetes = {
      enabled: k.enabled as boolean | undefined, kubeconfig: k.kubeconfig as string | undefined,
      nodeName: k.node_name as string | undefined, podLabels: k.pod_labels as string[] | undefined,
    };
  }
  t.server = {
    address: server.address as string | undefined, port: server.port as number | undefined,
    webConfigFile: server.web_config_file as string | undefined,
    authorization: server.authorization as ServerAuthorization | undefined,
  };
  t.log = { level: log.level as LogLevel | undefined, format: log.format as LogFormat | undefined };
  t.prometheus = { enabled: prom.enabled as boolean | undefined, names: prom.names as Translated['prometheus']['names'] };
  t.otlp = {
    endpoint: otlp.endpoint as string | undefined, protocol: otlp.protocol as OtlpProtocol | undefined,
    exportInterval: otlp.export_interval as number | string | undefined, timeout: otlp.timeout as number | string | undefined,
  };
  t.service = {
    name: service.name as string | undefined,
    resourceAttributes: Object.fromEntries(Object.entries((service.resource_attributes ?? {}) as Mapping).map(([k, v]) => [k, String(v)])),
  };
  t.metricProbes = probeItems(metrics.probes, ['metrics', 'probes'], 'options');
  t.eventProbes = probeItems(events.probes, ['events', 'probes'], 'options');
  for (const s of (events.sinks ?? []) as Mapping[]) {
    if (s.name === 'stderr') t.sinks.push({ kind: 'stderr' });
    else if (s.name === 'file') t.sinks.push({ kind: 'file', path: String(s.path ?? '/var/log/kubeskoop-otel/events.jsonl') });
    else t.sinks.push({ kind: 'loki', address: String(s.address ?? 'loki') });
  }
  return t;
}

function translateV0(doc: Mapping): Translated {
  const t = emptyTranslated();
  // A KubeSkoop config keeps KubeSkoop's names on /metrics (its dashboards keep working), next to the OTel ones.
  t.prometheus.names = 'both';
  if (doc.debugmode === true) t.log.level = 'debug';
  const mc = (doc.metric_config ?? {}) as Mapping;
  const ec = (doc.event_config ?? {}) as Mapping;
  if (mc.interval !== undefined) t.interval = mc.interval as number;
  if (mc.port !== undefined) t.server.port = mc.port as number;
  if (mc.verbose !== undefined || mc.expose_labels !== undefined) {
    t.warnings.push('metric_config.verbose and metric_config.expose_labels are ignored: pod identity is always on every series as k8s.* attributes');
  }
  t.metricProbes = probeItems(mc.probes, ['metric_config', 'probes'], 'args');
  t.eventProbes = probeItems(ec.probes, ['event_config', 'probes'], 'args');
  if (ec.port !== undefined) t.warnings.push('event_config.port is ignored: events are exported as OTel log records over OTLP, not served over gRPC');
  if (ec.infotolog !== undefined) t.warnings.push('event_config.infotolog is ignored');
  if (ec.loki_enable === true) t.sinks.push({ kind: 'loki', address: String(ec.loki_address ?? 'loki-service') });
  return t;
}

function translateV1(doc: Mapping): Translated {
  const t = emptyTranslated();
  t.prometheus.names = 'both';
  if (doc.debugMode === true || doc.debugmode === true) t.log.level = 'debug';
  if (typeof doc.address === 'string' && doc.address !== '') {
    // KubeSkoop: [tcp://]host:port
    const m = /^(?:tcp:\/\/)?(.*):(\d+)$/.exec(doc.address);
    if (m) {
      t.server.address = m[1] === '' ? '0.0.0.0' : m[1];
      t.server.port = Number(m[2]);
    } else {
      t.warnings.push(`address ${JSON.stringify(doc.address)} is not host:port; using the default listen address`);
    }
  } else if (doc.port !== undefined) {
    t.server.port = doc.port as number;
  }
  if (doc.enableController !== undefined || doc.controllerAddr !== undefined) {
    t.warnings.push('enableController and controllerAddr are ignored: kubeskoop-otel has no controller; pod identity comes from the Kubernetes API');
  }
  const metrics = (doc.metrics ?? {}) as Mapping;
  const event = (doc.event ?? {}) as Mapping;
  if (Array.isArray(metrics.additionalLabels) && metrics.additionalLabels.length > 0) {
    t.warnings.push('metrics.additionalLabels is ignored: pod labels become attributes through the kubernetes.pod_labels allow-list');
  }
  t.metricProbes = probeItems(metrics.probes, ['metrics', 'probes'], 'args');
  t.eventProbes = probeItems(event.probes, ['event', 'probes'], 'args');
  for (const s of (event.sinks ?? []) as Mapping[]) {
    const args = (isMapping(s.args) ? s.args : {}) as Mapping;
    if (s.name === 'stderr') t.sinks.push({ kind: 'stderr' });
    else if (s.name === 'file') t.sinks.push({ kind: 'file', path: String(args.path ?? '/var/log/kubeskoop/events.log') });
    else t.sinks.push({ kind: 'loki', address: String(args.addr ?? 'loki-service') });
  }
  return t;
}

const MAX_CONFIG_CHARS = 1024 * 1024;

function readFileDoc(file: string): Mapping {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`${file}: cannot read the config file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  // A ConfigMap holds at most 1 MiB; anything bigger is not a config file (and would cost seconds to parse).
  if (text.length > MAX_CONFIG_CHARS) {
    throw new ConfigError([`${file}: found a file of ${text.length} characters, expected a config file of at most ${MAX_CONFIG_CHARS} (1 MiB)`]);
  }
  // logLevel error: the yaml library's warnings (complex keys stringified) would be raw stderr lines.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, logLevel: 'error' });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = e.linePos?.[0];
    const at = pos ? `line ${pos.line}, column ${pos.col}` : 'unknown position';
    const what = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError([`${file}: at ${at}: found invalid YAML (${what}), expected well-formed YAML`]);
  }
  let value: unknown;
  try {
    // maxAliasCount bounds alias expansion ("billion laughs"); an unresolved alias throws here too.
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError([`${file}: found invalid YAML (${(err as Error).message.split('\n')[0]}), expected well-formed YAML`]);
  }
  if (value === null || value === undefined) return {};
  if (!isMapping(value)) throw new ConfigError([`${file}: at (top level): found ${describeValue(value)}, expected a mapping of settings`]);
  return value;
}

interface ResolvedProbes {
  metric: ProbeSelection[];
  event: ProbeSelection[];
  unsupported: UnsupportedSelection[];
  problems: string[];
  warnings: string[];
}

const optionsAjv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true, verbose: true });

function resolveProbes(t: Translated, where: string, caps: ProbeCapabilities): ResolvedProbes {
  const out: ResolvedProbes = { metric: [], event: [], unsupported: [], problems: [], warnings: [] };
  const kindOf = new Map(PROBES.map((p) => [p.name, p.kind]));
  const seen = { metric: new Set<string>(), event: new Set<string>() };
  const handle = (item: ProbeItem, list: 'metric' | 'event'): void => {
    const r = resolveProbeName(item.name);
    if (r.kind === 'unknown') {
      const hint = r.suggestions.length > 0 ? `; did you mean ${r.suggestions.map((s) => `"${s}"`).join(' or ')}?` : '';
      out.problems.push(`${where}: at ${formatPath(item.path)}: found ${JSON.stringify(item.name)}, expected a probe name${hint} Valid names: ${CANONICAL_PROBE_NAMES.join(', ')}`);
      return;
    }
    if (r.kind === 'unsupported') {
      out.unsupported.push({ name: item.name, canonical: r.canonical, reason: r.reason });
      out.warnings.push(`probe ${JSON.stringify(item.name)} (${formatPath(item.path)}) is not supported by kubeskoop-otel and will not run: ${r.reason}`);
      return;
    }
    let target = list;
    const kind = kindOf.get(r.canonical);
    if (list === 'metric' && kind === 'event') {
      out.warnings.push(`probe ${r.canonical} (${formatPath(item.path)}) has events only; running it as an event probe`);
      target = 'event';
    }
    const implemented = target === 'metric' ? caps.metric : caps.event;
    if (!implemented.has(r.canonical)) {
      // Known to KubeSkoop, not (yet) in this build: never a reason to refuse a working config.
      if (!out.unsupported.some((u) => u.canonical === r.canonical)) {
        const reason = `the ${target} side of probe ${r.canonical} is not implemented in this build of kubeskoop-otel`;
        out.unsupported.push({ name: item.name, canonical: r.canonical, reason });
        out.warnings.push(`probe ${JSON.stringify(item.name)} (${formatPath(item.path)}) will not run: ${reason}`);
      }
      return;
    }
    if (seen[target].has(r.canonical)) {
      out.warnings.push(`probe ${r.canonical} is listed more than once (${formatPath(item.path)}); the first entry is used`);
      return;
    }
    const schema = implemented.get(r.canonical);
    if (schema !== undefined) {
      const validate = optionsAjv.compile(schema);
      if (!validate(item.options)) {
        for (const e of validate.errors ?? []) out.problems.push(schemaProblem(where, item.options, e, item.optionsPath));
        return;
      }
    }
    seen[target].add(r.canonical);
    (target === 'metric' ? out.metric : out.event).push({ name: r.canonical, options: item.options });
  };
  for (const item of t.metricProbes) handle(item, 'metric');
  for (const item of t.eventProbes) handle(item, 'event');
  return out;
}

function envProblem(name: string, value: string, expected: string): string {
  return `environment variable ${name}: found ${JSON.stringify(value)}, expected ${expected}`;
}
function flagProblem(name: string, value: string, expected: string): string {
  return `flag --${name}: found ${JSON.stringify(value)}, expected ${expected}`;
}

/** `key1=value1,key2=value2` with %-encoding, as OTEL_RESOURCE_ATTRIBUTES defines it. */
export function parseResourceAttributes(text: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    try {
      out[decodeURIComponent(part.slice(0, eq).trim())] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return out;
}

export function loadConfig(inputs: LoadInputs): AgentConfig {
  const { file, env, flags } = inputs;
  let format: ConfigFormat = 'defaults';
  let t = emptyTranslated();
  const problems: string[] = [];
  if (file !== undefined) {
    const doc = readFileDoc(file);
    format = detectFormat(doc);
    const validate = SCHEMAS[format];
    if (!validate(doc)) {
      const seen = new Set<string>();
      for (const e of validate.errors ?? []) {
        const p = schemaProblem(file, doc, e);
        if (!seen.has(p)) { seen.add(p); problems.push(p); }
      }
      throw new ConfigError(problems);
    }
    t = format === 'kubeskoop-v0' ? translateV0(doc) : format === 'kubeskoop-v1' ? translateV1(doc) : translateProject(doc);
  }
  const where = file ?? 'defaults';
  const resolved = resolveProbes(t, where, inputs.probes);
  problems.push(...resolved.problems);

  // Environment (OTel SDK spec names) over the file.
  const e = (n: string): string | undefined => (env[n] !== undefined && env[n] !== '' ? env[n] : undefined);
  let endpoint = t.otlp.endpoint;
  let protocol: OtlpProtocol = t.otlp.protocol ?? 'grpc';
  const envEndpoint = e('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT') ?? e('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (envEndpoint !== undefined) {
    if (!/^https?:\/\/\S+$/.test(envEndpoint)) problems.push(envProblem(e('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT') ? 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT', envEndpoint, 'a URL like http://collector:4317'));
    else endpoint = envEndpoint;
  }
  const envProtocol = e('OTEL_EXPORTER_OTLP_METRICS_PROTOCOL') ?? e('OTEL_EXPORTER_OTLP_PROTOCOL');
  if (envProtocol !== undefined) {
    if (envProtocol !== 'grpc' && envProtocol !== 'http/protobuf') problems.push(envProblem('OTEL_EXPORTER_OTLP_PROTOCOL', envProtocol, 'grpc or http/protobuf'));
    else protocol = envProtocol;
  }
  const intervalFromFile = t.interval !== undefined ? parseDuration(t.interval) : undefined;
  let intervalMs = intervalFromFile ?? 15_000;
  let exportIntervalMs = t.otlp.exportInterval !== undefined ? parseDuration(t.otlp.exportInterval) : undefined;
  let exportTimeoutMs = (t.otlp.timeout !== undefined ? parseDuration(t.otlp.timeout) : undefined) ?? 10_000;
  const envInterval = e('OTEL_METRIC_EXPORT_INTERVAL');
  if (envInterval !== undefined) {
    if (!/^\d+$/.test(envInterval) || Number(envInterval) <= 0) problems.push(envProblem('OTEL_METRIC_EXPORT_INTERVAL', envInterval, 'milliseconds as a positive whole number'));
    else exportIntervalMs = Number(envInterval);
  }
  const envTimeout = e('OTEL_METRIC_EXPORT_TIMEOUT');
  if (envTimeout !== undefined) {
    if (!/^\d+$/.test(envTimeout)) problems.push(envProblem('OTEL_METRIC_EXPORT_TIMEOUT', envTimeout, 'milliseconds as a whole number'));
    else exportTimeoutMs = Number(envTimeout);
  }
  let serviceName = t.service.name ?? 'kubeskoop-otel';
  const resourceAttributes = { ...t.service.resourceAttributes };
  const envResource = e('OTEL_RESOURCE_ATTRIBUTES');
  if (envResource !== undefined) {
    const parsed = parseResourceAttributes(envResource);
    if (parsed === undefined) problems.push(envProblem('OTEL_RESOURCE_ATTRIBUTES', envResource, 'key=value pairs separated by commas'));
    else Object.assign(resourceAttributes, parsed);
  }
  if (resourceAttributes['service.name'] !== undefined) serviceName = resourceAttributes['service.name'];
  serviceName = e('OTEL_SERVICE_NAME') ?? serviceName;
  let nodeName = t.nodeName ?? e('NODE_NAME') ?? e('INSPECTOR_NODENAME');
  let mode = t.mode ?? 'node';
  let port = t.server.port ?? 9102;
  let address = t.server.address ?? '0.0.0.0';
  let logFormat: LogFormat = t.log.format ?? 'json';
  let logLevel: LogLevel = t.log.level ?? 'info';
  let procRoot = t.procRoot ?? '/proc';

  // Flags over everything.
  if (flags.port !== undefined) {
    if (!/^\d+$/.test(flags.port) || Number(flags.port) > 65535) problems.push(flagProblem('port', flags.port, 'a port number from 0 to 65535'));
    else port = Number(flags.port);
  }
  if (flags.address !== undefined) address = flags.address;
  if (flags.interval !== undefined) {
    const ms = parseDuration(flags.interval);
    if (ms === undefined || ms <= 0) problems.push(flagProblem('interval', flags.interval, 'a duration like 15, 15s, 500ms or 1m'));
    else intervalMs = ms;
  }
  if (flags.otlpEndpoint !== undefined) {
    if (!/^https?:\/\/\S+$/.test(flags.otlpEndpoint)) problems.push(flagProblem('otlp-endpoint', flags.otlpEndpoint, 'a URL like http://collector:4317'));
    else endpoint = flags.otlpEndpoint;
  }
  if (flags.otlpProtocol !== undefined) {
    if (flags.otlpProtocol !== 'grpc' && flags.otlpProtocol !== 'http/protobuf') problems.push(flagProblem('otlp-protocol', flags.otlpProtocol, 'grpc or http/protobuf'));
    else protocol = flags.otlpProtocol;
  }
  if (flags.nodeName !== undefined) nodeName = flags.nodeName;
  if (flags.mode !== undefined) {
    if (flags.mode !== 'node' && flags.mode !== 'sidecar') problems.push(flagProblem('mode', flags.mode, 'node or sidecar'));
    else mode = flags.mode;
  }
  if (flags.logFormat !== undefined) {
    if (flags.logFormat !== 'json' && flags.logFormat !== 'human') problems.push(flagProblem('log-format', flags.logFormat, 'json or human'));
    else logFormat = flags.logFormat;
  }
  if (flags.logLevel !== undefined) {
    if (!['debug', 'info', 'warn', 'error'].includes(flags.logLevel)) problems.push(flagProblem('log-level', flags.logLevel, 'debug, info, warn or error'));
    else logLevel = flags.logLevel as LogLevel;
  }
  if (flags.procRoot !== undefined) procRoot = flags.procRoot;
  const webConfigFile = flags.webConfigFile ?? t.server.webConfigFile;
  if (flags.webConfigFile === '') problems.push(flagProblem('web.config.file', '', 'the path of a web config file'));
  let authorization: ServerAuthorization | undefined = t.server.authorization;
  if (flags.authorization !== undefined) {
    if (flags.authorization === 'none' || flags.authorization === 'kubernetes') authorization = flags.authorization;
    else problems.push(flagProblem('authorization', flags.authorization, 'none or kubernetes'));
  }
  if (intervalMs <= 0) problems.push(`${where}: at interval: found 0, expected a duration above zero`);
  // The SDK's TLS and header variables, when something is pushed (the exporters read them themselves).
  const otlpTls = endpoint !== undefined
    ? checkOtlpTls(env, { METRICS: endpoint, LOGS: endpoint }, protocol === 'grpc') : { problems: [], warnings: [] };
  problems.push(...otlpTls.problems);
  if (problems.length > 0) throw new ConfigError(problems);

  const metricProbes = file !== undefined && (t.metricProbes.length > 0 || t.eventProbes.length > 0)
    ? resolved.metric
    : inputs.probes.defaultMetricProbes.filter((n) => inputs.probes.metric.has(n)).map((name) => ({ name, options: {} }));
  return {
    source: { ...(file !== undefined ? { file } : {}), format },
    mode,
    intervalMs,
    ...(nodeName !== undefined ? { nodeName } : {}),
    procRoot,
    netnsDir: t.netnsDir ?? '/run/netns',
    server: {
      address, port, ...(webConfigFile !== undefined ? { webConfigFile } : {}),
      ...(authorization !== undefined && authorization !== 'none' ? { authorization } : {}),
    },
    log: { level: logLevel, format: logFormat },
    prometheus: { enabled: t.prometheus.enabled ?? true, names: t.prometheus.names ?? 'otel' },
    otlp: { ...(endpoint !== undefined ? { endpoint } : {}), protocol, exportIntervalMs: exportIntervalMs ?? intervalMs, exportTimeoutMs },
    service: { name: serviceName, resourceAttributes },
    metrics: { probes: metricProbes },
    events: { probes: resolved.event, sinks: t.sinks },
    unsupported: resolved.unsupported,
    warnings: [...t.warnings, ...resolved.warnings, ...otlpTls.warnings],
    kubernetes: {
      enabled: t.kubernetes?.enabled ?? (t.kubernetes?.kubeconfig !== undefined || (mode === 'node' && e('KUBERNETES_SERVICE_HOST') !== undefined)),
      ...(t.kubernetes?.kubeconfig !== undefined ? { kubeconfig: t.kubernetes.kubeconfig } : {}),
      ...((t.kubernetes?.nodeName ?? nodeName) !== undefined ? { nodeName: t.kubernetes?.nodeName ?? nodeName } : {}),
      podLabels: [...new Set(t.kubernetes?.podLabels ?? [])],
    },
  };
}

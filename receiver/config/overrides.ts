// Settings the environment (OpenTelemetry SDK names, KubeSkoop's) and the command line can set:
// ONE table, each row naming its variables, its flag, how the text is read and what it should
// look like. The environment goes over the file, flags over the environment — except rows marked
// `envIsDefault` (NODE_NAME: the file's node_name wins, the variable fills in when it is unset).
import type { LogFormat, LogLevel } from '../log.js';
import type { OtlpProtocol, ServerAuthorization } from './types.js';

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

/** What the rows set (after the file, before the config is assembled). */
export interface OverridableSettings {
  intervalMs: number;
  mode: 'node' | 'sidecar';
  nodeName?: string;
  procRoot: string;
  port: number;
  address: string;
  logFormat: LogFormat;
  logLevel: LogLevel;
  otlpEndpoint?: string;
  otlpProtocol: OtlpProtocol;
  exportIntervalMs?: number;
  exportTimeoutMs: number;
  serviceName?: string;
  resourceAttributes: Record<string, string>;
  /** kubernetes.kubeconfig (KUBECONFIG, as kubectl, when the file names none). */
  kubeconfig?: string;
  webConfigFile?: string;
  authorization?: ServerAuthorization;
}

type Key = keyof OverridableSettings;
type Row<K extends Key = Key> = {
  readonly setting: K;
  /** Variables, the first one set (non-empty) wins. */
  readonly env?: readonly string[];
  readonly envIsDefault?: boolean;
  /** --flag name and its FlagOverrides key. */
  readonly flag?: readonly [string, keyof FlagOverrides];
  /** The value, or undefined when the text is not one. */
  readonly parse: (text: string) => OverridableSettings[K] | undefined;
  readonly expected: string;
  /** How a value combines with the one already set (default: replaces it). */
  readonly merge?: (old: OverridableSettings[K], value: OverridableSettings[K]) => OverridableSettings[K];
};

/** Seconds (number or "15"), or "500ms" / "15s" / "1m" / "1h" → milliseconds. */
export function parseDuration(v: number | string): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v * 1000 : undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h'];
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

const oneOf =
  <T extends string>(...values: T[]) =>
  (text: string): T | undefined =>
    values.includes(text as T) ? (text as T) : undefined;
const wholeMs =
  (min: number) =>
  (text: string): number | undefined =>
    /^\d+$/.test(text) && Number(text) >= min ? Number(text) : undefined;
const anyText = (text: string): string => text;
const url = (text: string): string | undefined => (/^https?:\/\/\S+$/.test(text) ? text : undefined);

const row = <K extends Key>(r: Row<K>): Row => r as unknown as Row;

/** Every override, in the order applied. */
export const OVERRIDES: readonly Row[] = [
  row({
    setting: 'otlpEndpoint',
    env: ['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT'],
    flag: ['otlp-endpoint', 'otlpEndpoint'],
    parse: url,
    expected: 'a URL like http://collector:4317',
  }),
  row({
    setting: 'otlpProtocol',
    env: ['OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL'],
    flag: ['otlp-protocol', 'otlpProtocol'],
    parse: oneOf<OtlpProtocol>('grpc', 'http/protobuf'),
    expected: 'grpc or http/protobuf',
  }),
  row({
    setting: 'exportIntervalMs',
    env: ['OTEL_METRIC_EXPORT_INTERVAL'],
    parse: wholeMs(1),
    expected: 'milliseconds as a positive whole number',
  }),
  row({
    setting: 'exportTimeoutMs',
    env: ['OTEL_METRIC_EXPORT_TIMEOUT'],
    parse: wholeMs(0),
    expected: 'milliseconds as a whole number',
  }),
  row({
    setting: 'resourceAttributes',
    env: ['OTEL_RESOURCE_ATTRIBUTES'],
    parse: parseResourceAttributes,
    expected: 'key=value pairs separated by commas',
    merge: (old, value) => ({ ...old, ...value }),
  }),
  row({ setting: 'serviceName', env: ['OTEL_SERVICE_NAME'], parse: anyText, expected: 'a service name' }),
  row({
    setting: 'kubeconfig',
    env: ['KUBECONFIG'],
    envIsDefault: true,
    parse: anyText,
    expected: 'a kubeconfig file',
  }),
  row({
    setting: 'nodeName',
    env: ['NODE_NAME', 'INSPECTOR_NODENAME'],
    envIsDefault: true,
    flag: ['node-name', 'nodeName'],
    parse: anyText,
    expected: 'a node name',
  }),
  row({
    setting: 'port',
    flag: ['port', 'port'],
    parse: (t) => (/^\d+$/.test(t) && Number(t) <= 65535 ? Number(t) : undefined),
    expected: 'a port number from 0 to 65535',
  }),
  row({ setting: 'address', flag: ['address', 'address'], parse: anyText, expected: 'a listen address' }),
  row({
    setting: 'intervalMs',
    flag: ['interval', 'interval'],
    parse: (t) => {
      const ms = parseDuration(t);
      return ms !== undefined && ms > 0 ? ms : undefined;
    },
    expected: 'a duration like 15, 15s, 500ms or 1m',
  }),
  row({ setting: 'mode', flag: ['mode', 'mode'], parse: oneOf('node', 'sidecar'), expected: 'node or sidecar' }),
  row({
    setting: 'logFormat',
    flag: ['log-format', 'logFormat'],
    parse: oneOf<LogFormat>('json', 'human'),
    expected: 'json or human',
  }),
  row({
    setting: 'logLevel',
    flag: ['log-level', 'logLevel'],
    parse: oneOf<LogLevel>('debug', 'info', 'warn', 'error'),
    expected: 'debug, info, warn or error',
  }),
  row({ setting: 'procRoot', flag: ['proc-root', 'procRoot'], parse: anyText, expected: 'a directory' }),
  row({
    setting: 'webConfigFile',
    flag: ['web.config.file', 'webConfigFile'],
    parse: (t) => (t === '' ? undefined : t),
    expected: 'the path of a web config file',
  }),
  row({
    setting: 'authorization',
    flag: ['authorization', 'authorization'],
    parse: oneOf<ServerAuthorization>('none', 'kubernetes'),
    expected: 'none or kubernetes',
  }),
];

/** Applies the environment, then the flags, to `settings` (from the file and defaults); returns the problems.
 *  `fromFile` tells which settings the file set (an `envIsDefault` variable does not replace those). */
export function applyOverrides(
  settings: OverridableSettings,
  fromFile: ReadonlySet<Key>,
  env: Readonly<Record<string, string | undefined>>,
  flags: FlagOverrides,
): string[] {
  const problems: string[] = [];
  const set = (r: Row, value: unknown): void => {
    const s = settings as unknown as Record<Key, unknown>;
    s[r.setting] = r.merge ? (r.merge as (a: unknown, b: unknown) => unknown)(s[r.setting], value) : value;
  };
  for (const r of OVERRIDES) {
    const name = r.env?.find((n) => env[n] !== undefined && env[n] !== '');
    if (name === undefined || (r.envIsDefault && fromFile.has(r.setting))) continue;
    const value = r.parse(env[name]!);
    if (value === undefined)
      problems.push(`environment variable ${name}: found ${JSON.stringify(env[name])}, expected ${r.expected}`);
    else set(r, value);
  }
  for (const r of OVERRIDES) {
    if (!r.flag) continue;
    const text = flags[r.flag[1]];
    if (text === undefined) continue;
    const value = r.parse(text);
    if (value === undefined)
      problems.push(`flag --${r.flag[0]}: found ${JSON.stringify(text)}, expected ${r.expected}`);
    else set(r, value);
  }
  return problems;
}

// The one intermediate shape every file format is translated to (the project's keys, nothing
// defaulted yet), plus what a translator needs to build it. The loader applies defaults, the
// environment and flags on top (load.ts).
import type { LogFormat, LogLevel } from '../log.js';
import type { AdditionalLabel, OtlpProtocol, ServerAuthorization, SinkConfig } from './types.js';

export type Mapping = Record<string, unknown>;
export const isMapping = (v: unknown): v is Mapping => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A probe as written in the file, with where it was written (for messages). */
export interface ProbeItem {
  readonly name: string;
  readonly options: Mapping;
  readonly path: (string | number)[];
  readonly optionsPath: (string | number)[];
}

export interface Translated {
  interval?: number | string;
  mode?: 'node' | 'sidecar';
  nodeName?: string;
  procRoot?: string;
  netnsDir?: string;
  server: { address?: string; port?: number; webConfigFile?: string; authorization?: ServerAuthorization };
  log: { level?: LogLevel; format?: LogFormat };
  prometheus: { enabled?: boolean; names?: 'otel' | 'legacy' | 'both'; scopeInfo?: boolean };
  otlp: {
    endpoint?: string;
    protocol?: OtlpProtocol;
    exportInterval?: number | string;
    timeout?: number | string;
    buffer?: { maxMiB?: number; maxRecords?: number };
    retry?: { initialInterval?: number | string; maxInterval?: number | string };
  };
  service: { name?: string; resourceAttributes: Record<string, string> };
  traces?: { enabled?: boolean; ratePerNode?: number };
  metricProbes: ProbeItem[];
  eventProbes: ProbeItem[];
  /** KubeSkoop's metrics.additionalLabels. */
  additionalLabels: AdditionalLabel[];
  sinks: SinkConfig[];
  /** Settings accepted for compatibility that have no effect here, and why. */
  warnings: string[];
  /** Problems only the translator can see (beyond the schema), as full messages. */
  problems: string[];
  kubernetes?: { enabled?: boolean; kubeconfig?: string; nodeName?: string; podLabels?: string[] };
}

export const emptyTranslated = (): Translated => ({
  server: {},
  log: {},
  prometheus: {},
  otlp: {},
  service: { resourceAttributes: {} },
  metricProbes: [],
  eventProbes: [],
  additionalLabels: [],
  sinks: [],
  warnings: [],
  problems: [],
});

/** A probe list (names or {name, options|args} mappings) with the path of each entry. */
export function probeItems(list: unknown, base: (string | number)[], optionsKey: 'options' | 'args'): ProbeItem[] {
  if (!Array.isArray(list)) return [];
  return list.map((item, i) => {
    if (typeof item === 'string')
      return { name: item, options: {}, path: [...base, i], optionsPath: [...base, i, optionsKey] };
    const m = item as Mapping;
    const opts = m[optionsKey];
    return {
      name: String(m.name),
      options: isMapping(opts) ? opts : {},
      path: [...base, i, 'name'],
      optionsPath: [...base, i, optionsKey],
    };
  });
}

/** A loki sink address: a URL (http://loki:3100) or host[:port]; the problem in words, or undefined. */
export function lokiAddressProblem(address: string): string | undefined {
  try {
    const u = new URL(/^https?:\/\//.test(address) ? address : `http://${address}`);
    if (!/^https?:\/\//.test(address) && (u.pathname !== '/' || u.search !== '' || u.username !== ''))
      throw new Error('not host[:port]');
    return undefined;
  } catch {
    return 'expected a URL like http://loki:3100 or host[:port]';
  }
}

/** One file format: its schema, how a parsed file is reshaped before validation, its translation. */
export interface FormatTranslator {
  readonly schema: Readonly<Record<string, unknown>>;
  /** e.g. viper's case-insensitive keys (KubeSkoop v0.1). */
  readonly normalize?: (doc: Mapping) => Mapping;
  /** `where` names the file, for the problems only the translator can see. */
  translate(doc: Mapping, where: string): Translated;
}

// kubeskoop-otel's own format: the file's keys map one to one onto the intermediate shape.
import type { LogFormat, LogLevel } from '../../log.js';
import { DEFAULTS } from '../defaults.js';
import { projectSchema } from '../schema.js';
import {
  emptyTranslated,
  lokiAddressProblem,
  probeItems,
  type FormatTranslator,
  type Mapping,
  type Translated,
} from '../translated.js';
import type { OtlpProtocol, ServerAuthorization, SinkConfig } from '../types.js';

const section = (doc: Mapping, key: string): Mapping => (doc[key] ?? {}) as Mapping;

function sink(s: Mapping): SinkConfig {
  if (s.name === 'stderr') return { kind: 'stderr' };
  if (s.name === 'file') return { kind: 'file', path: String(s.path ?? DEFAULTS.sinks.filePath) };
  return {
    kind: 'loki',
    address: String(s.address ?? DEFAULTS.sinks.lokiAddress),
    protocol: s.protocol === 'otlp' ? 'otlp' : 'push',
    encoding: s.encoding === 'protobuf' ? 'protobuf' : 'json',
    ...(typeof s.tenant === 'string' ? { tenant: s.tenant } : {}),
  };
}

function translate(doc: Mapping, where: string): Translated {
  const t = emptyTranslated();
  const server = section(doc, 'server');
  const log = section(doc, 'log');
  const prom = section(doc, 'prometheus');
  const otlp = section(doc, 'otlp');
  const service = section(doc, 'service');
  const events = section(doc, 'events');
  t.interval = doc.interval as number | string | undefined;
  t.mode = doc.mode as Translated['mode'];
  t.nodeName = doc.node_name as string | undefined;
  t.procRoot = doc.proc_root as string | undefined;
  t.netnsDir = doc.netns_dir as string | undefined;
  if (doc.kubernetes !== undefined) {
    const k = section(doc, 'kubernetes');
    t.kubernetes = {
      enabled: k.enabled as boolean | undefined,
      kubeconfig: k.kubeconfig as string | undefined,
      nodeName: k.node_name as string | undefined,
      podLabels: k.pod_labels as string[] | undefined,
    };
  }
  t.server = {
    address: server.address as string | undefined,
    port: server.port as number | undefined,
    webConfigFile: server.web_config_file as string | undefined,
    authorization: server.authorization as ServerAuthorization | undefined,
  };
  t.log = { level: log.level as LogLevel | undefined, format: log.format as LogFormat | undefined };
  t.prometheus = {
    enabled: prom.enabled as boolean | undefined,
    names: prom.names as Translated['prometheus']['names'],
    scopeInfo: prom.scope_info as boolean | undefined,
  };
  t.otlp = {
    endpoint: otlp.endpoint as string | undefined,
    protocol: otlp.protocol as OtlpProtocol | undefined,
    exportInterval: otlp.export_interval as number | string | undefined,
    timeout: otlp.timeout as number | string | undefined,
  };
  if (otlp.buffer !== undefined) {
    const b = section(otlp, 'buffer');
    t.otlp.buffer = { maxMiB: b.max_mib as number | undefined, maxRecords: b.max_records as number | undefined };
  }
  if (otlp.retry !== undefined) {
    const r = section(otlp, 'retry');
    t.otlp.retry = {
      initialInterval: r.initial_interval as number | string | undefined,
      maxInterval: r.max_interval as number | string | undefined,
    };
  }
  if (doc.traces !== undefined) {
    const tr = section(doc, 'traces');
    t.traces = { enabled: tr.enabled as boolean | undefined, ratePerNode: tr.rate_per_node as number | undefined };
  }
  t.service = {
    name: service.name as string | undefined,
    resourceAttributes: Object.fromEntries(
      Object.entries((service.resource_attributes ?? {}) as Mapping).map(([k, v]) => [k, String(v)]),
    ),
  };
  t.metricProbes = probeItems(section(doc, 'metrics').probes, ['metrics', 'probes'], 'options');
  t.eventProbes = probeItems(events.probes, ['events', 'probes'], 'options');
  t.sinks = ((events.sinks ?? []) as Mapping[]).map(sink);
  t.sinks.forEach((s, i) => {
    const problem = s.kind === 'loki' ? lokiAddressProblem(s.address) : undefined;
    if (problem)
      t.problems.push(
        `${where}: at events.sinks[${i}].address: found ${JSON.stringify((s as { address: string }).address)}, ${problem}`,
      );
  });
  return t;
}

export const projectFormat: FormatTranslator = { schema: projectSchema, translate };

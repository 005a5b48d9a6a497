// KubeSkoop up to v0.1.x (the seed's config.yaml): debugmode, metric_config, event_config. Read
// with viper, which matched keys case-insensitively: KubeSkoop's own vagrant deploy writes
// `debugMode`, so every key is lowercased before validation, as viper did.
import { KUBESKOOP_DEFAULTS } from '../defaults.js';
import { kubeskoopV0Schema } from '../schema.js';
import {
  emptyTranslated,
  isMapping,
  probeItems,
  type FormatTranslator,
  type Mapping,
  type Translated,
} from '../translated.js';

function lowerKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(lowerKeys);
  if (!isMapping(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.toLowerCase(), lowerKeys(x)]));
}

function translate(doc: Mapping): Translated {
  const t = emptyTranslated();
  t.prometheus.names = KUBESKOOP_DEFAULTS.prometheusNames;
  if (doc.debugmode === true) t.log.level = 'debug';
  const mc = (doc.metric_config ?? {}) as Mapping;
  const ec = (doc.event_config ?? {}) as Mapping;
  if (mc.interval !== undefined) t.interval = mc.interval as number;
  if (mc.port !== undefined) t.server.port = mc.port as number;
  if (mc.verbose !== undefined || mc.expose_labels !== undefined) {
    t.warnings.push(
      'metric_config.verbose and metric_config.expose_labels are ignored: pod identity is always on every series as k8s.* attributes',
    );
  }
  t.metricProbes = probeItems(mc.probes, ['metric_config', 'probes'], 'args');
  t.eventProbes = probeItems(ec.probes, ['event_config', 'probes'], 'args');
  if (ec.port !== undefined)
    t.warnings.push(
      'event_config.port is ignored: events are exported as OTel log records over OTLP, not served over gRPC',
    );
  if (ec.infotolog !== undefined) t.warnings.push('event_config.infotolog is ignored');
  if (ec.loki_enable === true) {
    t.sinks.push({
      kind: 'loki',
      address: String(ec.loki_address ?? KUBESKOOP_DEFAULTS.sinks.lokiAddress),
      protocol: 'push',
      encoding: 'json',
    });
  }
  return t;
}

export const kubeskoopV0Format: FormatTranslator = {
  schema: kubeskoopV0Schema,
  normalize: (doc) => lowerKeys(doc) as Mapping,
  translate,
};

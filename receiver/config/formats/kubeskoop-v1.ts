// KubeSkoop v1.x (pkg/exporter/cmd/config.go): debugMode, port/address, metrics{probes,
// additionalLabels}, event{probes, sinks}; probe options under `args`.
import { formatPath } from '../errors.js';
import { KUBESKOOP_DEFAULTS } from '../defaults.js';
import { kubeskoopV1Schema } from '../schema.js';
import { parseAdditionalLabel, podLabelKeys } from '../additional-labels.js';
import {
  emptyTranslated,
  isMapping,
  lokiAddressProblem,
  probeItems,
  type FormatTranslator,
  type Mapping,
  type Translated,
} from '../translated.js';

function translate(doc: Mapping, where: string): Translated {
  const t = emptyTranslated();
  t.prometheus.names = KUBESKOOP_DEFAULTS.prometheusNames;
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
    t.warnings.push(
      'enableController and controllerAddr are ignored: kubeskoop-otel has no controller; pod identity comes from the Kubernetes API',
    );
  }
  const metrics = (doc.metrics ?? {}) as Mapping;
  const event = (doc.event ?? {}) as Mapping;
  // null (the Helm chart's rendering of an unset value) is none.
  const additional = Array.isArray(metrics.additionalLabels) ? (metrics.additionalLabels as string[]) : [];
  additional.forEach((entry, i) => {
    const label = parseAdditionalLabel(entry);
    const at = formatPath(['metrics', 'additionalLabels', i]);
    if (typeof label === 'string') t.problems.push(`${where}: at ${at}: found ${JSON.stringify(entry)}, ${label}`);
    else if (t.additionalLabels.some((l) => l.name === label.name))
      t.problems.push(`${where}: at ${at}: found label ${label.name} a second time, expected each name once`);
    else t.additionalLabels.push(label);
  });
  // The pod labels the templates read must come from the Kubernetes API.
  const keys = [...new Set(t.additionalLabels.flatMap((l) => podLabelKeys(l.template)))];
  if (keys.length > 0) t.kubernetes = { podLabels: keys };
  t.metricProbes = probeItems(metrics.probes, ['metrics', 'probes'], 'args');
  t.eventProbes = probeItems(event.probes, ['event', 'probes'], 'args');
  ((event.sinks ?? []) as Mapping[]).forEach((s, i) => {
    const args = (isMapping(s.args) ? s.args : {}) as Mapping;
    if (s.name === 'stderr') t.sinks.push({ kind: 'stderr' });
    else if (s.name === 'file')
      t.sinks.push({ kind: 'file', path: String(args.path ?? KUBESKOOP_DEFAULTS.sinks.filePath) });
    else {
      const address = String(args.addr ?? KUBESKOOP_DEFAULTS.sinks.lokiAddress);
      const problem = lokiAddressProblem(address);
      if (problem)
        t.problems.push(`${where}: at event.sinks[${i}].args.addr: found ${JSON.stringify(address)}, ${problem}`);
      t.sinks.push({ kind: 'loki', address, protocol: 'push', encoding: 'json' });
    }
  });
  return t;
}

export const kubeskoopV1Format: FormatTranslator = { schema: kubeskoopV1Schema, translate };

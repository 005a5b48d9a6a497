// KubeSkoop's own names on /metrics (`prometheus.names: legacy | both`): a pure renderer from the
// snapshot to Prometheus text format 0.0.4. Every name comes from the registry's `legacy` entries:
//  - `inspector_pod_*` (v0.1.x) with labels target_node, target_namespace, target_pod, node, namespace, pod;
//  - `kubeskoop_<probe>_<m>` (v1.x) with labels k8s_node, k8s_namespace, k8s_pod;
//  - one series per target: the OTel series the legacy name selects (its attribute values), summed
//    as KubeSkoop did (`legacy_aggregation`; netdev: every interface except lo);
//  - typed as KubeSkoop typed them (`inspector_pod_*` gauges; `kubeskoop_*` per `legacy_type`);
//  - KubeSkoop's metrics.additionalLabels after k8s_node, k8s_namespace, k8s_pod on `kubeskoop_*`;
//  - a `node_wide` legacy name on every target of its probe with the host's value (the value every
//    namespace's own /proc file shows), so sums like sock_inuse + sock_orphan match per pod;
//  - a `tuple` legacy name (kubeskoop_flow_*) once per flow tuple, with KubeSkoop's 13 tuple labels
//    built from each flow series (the pod's address and the peer's as src/dst by direction), so
//    KubeSkoop's controller draws its network graph from them unchanged.
// The seed's misspellings (`seed_typo_of`) are documented but never served: KubeSkoop never exported them.
import type { MetricDefinition } from '../../semconv/types.js';
import {
  INTERFACE_ATTRIBUTES,
  LEGACY_LABELS,
  LEGACY_TUPLE_LABELS,
  LOOPBACK,
  legacyFamily,
  legacyPromType,
  servedLegacyNames,
} from '../../semconv/lib/legacy.js';
import type { MetricSample } from '../probes/probe.js';
import { escapeHelp, escapeLabelValue, formatValue } from './prometheus-exposition.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import type { Target } from '../targets/target.js';

export interface LegacyRenderOptions {
  /** The node's name (config node_name, else the host name): target_node/node/k8s_node. */
  readonly nodeName: string;
  /** Families already in the same response (`both` mode: the OTel exposition). A legacy name equal to one
   *  of them (e.g. an OTel gauge that renders to KubeSkoop's own name) is left out, with a comment saying so. */
  readonly skipFamilies?: ReadonlySet<string>;
  /** KubeSkoop's metrics.additionalLabels names, in order (values: each target's additionalLabels). */
  readonly additionalLabels?: readonly string[];
}

/** The pod identity KubeSkoop would have given a target. */
export function legacyIdentity(target: Target): { namespace: string; pod: string } {
  if (target.pod) return { namespace: target.pod.namespace, pod: target.pod.name };
  if (target.kind === 'host') return { namespace: '', pod: '' };
  // KubeSkoop dropped namespaces it could not map to a pod; we keep them, named after the namespace.
  return { namespace: '', pod: target.netnsName ?? `netns-${target.netnsInode}` };
}

function labelSet(name: string, node: string, target: Target, additional: readonly string[]): string {
  const id = legacyIdentity(target);
  const family = legacyFamily(name);
  const values =
    family === 'inspector' ? [node, id.namespace, id.pod, node, id.namespace, id.pod] : [node, id.namespace, id.pod];
  const names: string[] = [...LEGACY_LABELS[family]];
  if (family === 'kubeskoop') {
    for (const a of additional) {
      names.push(a);
      values.push(target.additionalLabels?.[a] ?? '');
    }
  }
  return names.map((n, i) => `${n}="${escapeLabelValue(values[i]!)}"`).join(',');
}

/** KubeSkoop's protocol label (bpfutil.GetProtoStr): TCP, UDP, ICMP, ICMP6, else IP. */
function tupleProtocol(a: MetricSample['attributes']): string {
  const t = a['network.transport'];
  if (t === 'tcp' || t === 'udp') return t.toUpperCase();
  const p = a['kubeskoop.flow.protocol'];
  return p === 'icmp' ? 'ICMP' : p === 'icmpv6' ? 'ICMP6' : 'IP';
}

/**
 * KubeSkoop's tuple label values for one flow series of `target`, or undefined for a series it had
 * no counterpart of (non-IP frames, the folded `other` series). The ephemeral port is never in the
 * series: the client side's port is 0, as KubeSkoop wrote ports it did not key on.
 */
export function flowTupleLabels(s: MetricSample, target: Target, node: string): string[] | undefined {
  const a = s.attributes;
  const peer = a['network.peer.address'];
  const local = a['network.local.address'];
  if (typeof peer !== 'string' || typeof local !== 'string' || peer === '' || local === '' || peer === 'other')
    return undefined;
  const id = legacyIdentity(target);
  // type, node, namespace, pod, as BuildTupleMetricsLabels' ipInfo
  const self = target.kind === 'host' ? ['node', node, '', ''] : ['pod', '', id.namespace, id.pod];
  const kind = a['kubeskoop.peer.kind'];
  const other =
    kind === 'pod'
      ? ['pod', '', String(a['kubeskoop.peer.namespace'] ?? ''), String(a['kubeskoop.peer.name'] ?? '')]
      : kind === 'node'
        ? ['node', String(a['kubeskoop.peer.name'] ?? ''), '', '']
        : ['unknown', '', '', ''];
  const port = typeof a['server.port'] === 'number' ? a['server.port'] : 0;
  const peerIsServer = a['kubeskoop.peer.role'] === 'server';
  const sent = a['network.io.direction'] === 'transmit';
  // the server's side gets the port: the peer's when it is the server, else the pod's
  const srcIsServer = sent ? !peerIsServer : peerIsServer;
  const [src, srcInfo, dst, dstInfo] = sent ? [local, self, peer, other] : [peer, other, local, self];
  return [
    tupleProtocol(a),
    src,
    ...srcInfo,
    dst,
    ...dstInfo,
    String(srcIsServer ? port : 0),
    String(srcIsServer ? 0 : port),
  ];
}

function matches(s: MetricSample, sel: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(sel)) if (String(s.attributes[k]) !== v) return false;
  return true;
}

function isLoopback(s: MetricSample): boolean {
  return INTERFACE_ATTRIBUTES.some((a) => s.attributes[a] === LOOPBACK);
}

interface Family {
  type: 'gauge' | 'counter';
  help: string;
  lines: string[];
  seen: Set<string>;
}

/** The legacy value of one legacy name for one target's samples of `metric`, or undefined when nothing matches. */
export function legacyValue(
  metric: MetricDefinition,
  selection: Readonly<Record<string, string>>,
  samples: readonly MetricSample[],
  scale = 1,
): number | undefined {
  const selected = samples.filter(
    (s) => s.metric.id === metric.id && typeof s.value === 'number' && matches(s, selection),
  );
  if (selected.length === 0) return undefined;
  const kept = metric.legacyAggregation === 'sum_except_lo' ? selected.filter((s) => !isLoopback(s)) : selected;
  return kept.reduce((sum, s) => sum + (s.value as number), 0) * scale;
}

/** The metric family names of a Prometheus text exposition (its `# TYPE` lines). */
export function familyNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) /gm)) names.add(m[1]!);
  return names;
}

/** Snapshot → Prometheus text with KubeSkoop's names and labels. */
export function renderLegacyMetrics(snap: Snapshot, opts: LegacyRenderOptions): string {
  const families = new Map<string, Family>();
  const additional = opts.additionalLabels ?? [];
  const add = (metric: MetricDefinition, name: string, target: Target, value: number): void => {
    let fam = families.get(name);
    if (!fam) {
      fam = {
        type: legacyPromType(metric, name),
        help: `${metric.brief.en} (KubeSkoop name; OTel: ${metric.name})`,
        lines: [],
        seen: new Set(),
      };
      families.set(name, fam);
    }
    const labels = labelSet(name, opts.nodeName, target, additional);
    if (fam.seen.has(labels)) return; // one series per target (first probe wins)
    fam.seen.add(labels);
    fam.lines.push(`${name}{${labels}} ${formatValue(value)}`);
  };
  // tuple names: one series per tuple, summed over the flow series that give the same one (interfaces)
  const tuples = new Map<string, { metric: MetricDefinition; name: string; labels: string; value: number }>();
  const addTuples = (
    metric: MetricDefinition,
    name: string,
    target: Target,
    samples: readonly MetricSample[],
  ): void => {
    for (const s of samples) {
      if (s.metric.id !== metric.id || typeof s.value !== 'number') continue;
      const values = flowTupleLabels(s, target, opts.nodeName);
      if (!values) continue;
      const labels = LEGACY_TUPLE_LABELS.map((n, i) => `${n}="${escapeLabelValue(values[i]!)}"`).join(',');
      const k = `${name}{${labels}}`;
      const t = tuples.get(k);
      if (t) t.value += s.value;
      else tuples.set(k, { metric, name, labels, value: s.value });
    }
  };
  // node_wide names: the host's value, then served on every target of the probe.
  const nodeWide: { metric: MetricDefinition; name: string; value: number }[] = [];
  for (const entry of snap.entries) {
    const metrics = new Map<string, MetricDefinition>();
    for (const s of entry.samples) if (!metrics.has(s.metric.id)) metrics.set(s.metric.id, s.metric);
    for (const metric of metrics.values()) {
      for (const legacy of servedLegacyNames(metric)) {
        if (legacy.tuple) {
          addTuples(metric, legacy.name, entry.target, entry.samples);
          continue;
        }
        const value = legacyValue(metric, legacy.attributes, entry.samples, legacy.scale);
        if (value === undefined) continue;
        if (legacy.nodeWide && entry.target.kind === 'host') nodeWide.push({ metric, name: legacy.name, value });
        add(metric, legacy.name, entry.target, value);
      }
    }
  }
  for (const { metric, name, value } of nodeWide) {
    for (const entry of snap.entries) if (entry.probe === metric.probe) add(metric, name, entry.target, value);
  }
  for (const t of tuples.values()) {
    let fam = families.get(t.name);
    if (!fam) {
      fam = {
        type: legacyPromType(t.metric, t.name),
        help: `${t.metric.brief.en} (KubeSkoop name; OTel: ${t.metric.name})`,
        lines: [],
        seen: new Set(),
      };
      families.set(t.name, fam);
    }
    fam.lines.push(`${t.name}{${t.labels}} ${formatValue(t.value)}`);
  }
  const out: string[] = [];
  for (const name of [...families.keys()].sort()) {
    const f = families.get(name)!;
    if (opts.skipFamilies?.has(name)) {
      out.push(
        `# kubeskoop-otel: legacy ${name} not repeated: the OTel exposition above already has a family of that name`,
      );
      continue;
    }
    out.push(`# HELP ${name} ${escapeHelp(f.help)}`, `# TYPE ${name} ${f.type}`, ...f.lines);
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

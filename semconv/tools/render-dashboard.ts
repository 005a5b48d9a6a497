// Renders a Grafana dashboard from the registry: a row per probe (and one for the agent itself),
// `namespace` and `pod` variables, one time-series panel per metric name (a measurement whose name
// follows the entity has one per name: system.network.io for the host, k8s.pod.network.io for pods…).
// Queries use the Prometheus names as the OTel specification translates them (prom-names.ts), which the
// agent's /metrics serves and OTLP → Collector → Prometheus gives alike; counters are rate()d,
// histograms shown as p50/p99.
import { join } from 'node:path';
// Grafana's own dashboard schema (types generated from its CUE schema): tsc checks the JSON's shape.
import type { Dashboard, DataSourceRef, Panel as GrafanaPanel, RowPanel, VariableModel } from '@grafana/schema';
import type { MetricDefinition } from '../types.js';
import { loadRegistry, type Registry } from './load-registry.js';
import { promLabelName, promName } from '../lib/prom-names.js';

export const DASHBOARD_PATH = 'semconv/dashboards/kubeskoop-otel.json';
export const DASHBOARD_UID = 'kubeskoop-otel';
const POD = promLabelName('k8s.pod.name');
const NAMESPACE = promLabelName('k8s.namespace.name');
const IDENTITY_SELECTOR = `${NAMESPACE}=~"$namespace", ${POD}=~"$pod"`;

export interface DashboardQuery {
  readonly metricId: string;
  readonly probe: string;
  readonly expr: string;
}

// A type literal (not an interface), so it fits the schema's Record<string, unknown> targets.
export type PanelTarget = { refId: string; expr: string; legendFormat: string; datasource: DataSourceRef };
type Panel = GrafanaPanel | RowPanel;

const DS: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

function grafanaUnit(m: MetricDefinition): string {
  if (m.instrument === 'counter') return m.unit === 'By' ? 'Bps' : m.unit === 's' ? 's' : 'cps';
  if (m.instrument === 'histogram') return m.unit === 's' ? 's' : 'short';
  if (m.unit === 'By') return 'bytes';
  if (m.unit === 's') return 's';
  if (m.unit === '1') return 'percentunit';
  return 'short';
}

/** The PromQL of a metric's panel (one or two queries). `perPod`: keep the pod/namespace grouping and filters. */
export function metricQueries(m: MetricDefinition, perPod: boolean): { expr: string; legend: string }[] {
  const name = promName(m.name, m.instrument, m.unit);
  const attrs = m.attributes.map(promLabelName);
  const by = [...(perPod ? [NAMESPACE, POD] : []), ...attrs];
  const sel = perPod ? `{${IDENTITY_SELECTOR}}` : '';
  const legend =
    [...(perPod ? [`{{${NAMESPACE}}}/{{${POD}}}`] : []), ...attrs.map((a) => `{{${a}}}`)].join(' ') || m.name;
  const byClause = by.length ? ` by (${by.join(', ')})` : '';
  switch (m.instrument) {
    case 'counter':
      return [{ expr: `sum${byClause} (rate(${name}${sel}[$__rate_interval]))`, legend }];
    case 'histogram': {
      const hb = ` by (${['le', ...by].join(', ')})`;
      return [0.5, 0.99].map((q) => ({
        expr: `histogram_quantile(${q}, sum${hb} (rate(${name}_bucket${sel}[$__rate_interval])))`,
        legend: `p${q * 100} ${legend}`,
      }));
    }
    default:
      return [{ expr: `sum${byClause} (${name}${sel})`, legend }];
  }
}

function panelFor(m: MetricDefinition, id: number, x: number, y: number, perPod: boolean): GrafanaPanel {
  const qs = metricQueries(m, perPod);
  const targets: PanelTarget[] = qs.map((q, i) => ({
    refId: String.fromCharCode(65 + i),
    expr: q.expr,
    legendFormat: q.legend,
    datasource: DS,
  }));
  return {
    id,
    type: 'timeseries',
    title: `${m.name}${m.instrument === 'counter' ? ' (per second)' : ''}`,
    description: `${m.brief.en}\n\n${m.brief.zh}\n\nSource: ${m.source}`,
    datasource: DS,
    gridPos: { h: 8, w: 12, x, y },
    targets,
    fieldConfig: {
      defaults: {
        unit: grafanaUnit(m),
        custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: 10, showPoints: 'never' },
      },
      overrides: [],
    },
    options: {
      legend: { displayMode: 'table', placement: 'bottom', calcs: ['lastNotNull', 'max'] },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
  };
}

const PEER_ATTRS = ['kubeskoop.peer.kind', 'kubeskoop.peer.namespace', 'kubeskoop.peer.name'];
const TOP_PEERS = 10;

/** A byte counter per peer (flow): its top peers per pod by rate, peer names only (address, port,
 *  direction summed), so a pod's main conversations are read at a glance. */
function topPeersPanel(m: MetricDefinition, id: number, x: number, y: number): GrafanaPanel | undefined {
  if (m.instrument !== 'counter' || m.unit !== 'By' || !PEER_ATTRS.every((a) => m.attributes.includes(a)))
    return undefined;
  const peer = PEER_ATTRS.map(promLabelName);
  const expr = `topk by (${NAMESPACE}, ${POD}) (${TOP_PEERS}, sum by (${[NAMESPACE, POD, ...peer].join(', ')}) (rate(${promName(m.name, m.instrument, m.unit)}{${IDENTITY_SELECTOR}}[$__rate_interval])))`;
  const p = panelFor(m, id, x, y, true);
  return {
    ...p,
    title: `${m.name} — top ${TOP_PEERS} peers per pod (per second)`,
    description: `The ${TOP_PEERS} peers of each pod with the most traffic (both directions, every address and port of the peer).\n\n每个 Pod 流量最大的 ${TOP_PEERS} 个对端（双向合计，含对端的所有地址与端口）。\n\n${p.description ?? ''}`,
    targets: [
      {
        refId: 'A',
        expr,
        legendFormat: `{{${NAMESPACE}}}/{{${POD}}} → {{${peer[0]}}} {{${peer[1]}}}/{{${peer[2]}}}`,
        datasource: DS,
      },
    ],
  };
}

export function renderDashboard(r: Registry): string {
  const panels: Panel[] = [];
  let id = 1;
  let y = 0;
  const groups: { title: string; metrics: MetricDefinition[]; perPod: boolean }[] = [];
  for (const p of r.probes) {
    const ms = r.metrics.filter((m) => m.probe === p.name);
    if (ms.length > 0) groups.push({ title: `${p.name} — ${p.brief.en}`, metrics: ms, perPod: true });
  }
  const agent = r.metrics.filter((m) => !r.probes.some((p) => p.name === m.probe));
  if (agent.length > 0)
    groups.push({ title: `${agent[0]!.probe} — kubeskoop-otel itself`, metrics: agent, perPod: false });
  for (const g of groups) {
    panels.push({
      id: id++,
      type: 'row',
      title: g.title,
      collapsed: false,
      panels: [],
      gridPos: { h: 1, w: 24, x: 0, y },
    });
    y += 1;
    const extra = g.perPod ? g.metrics.filter((m) => topPeersPanel(m, 0, 0, 0) !== undefined) : [];
    [...extra, ...g.metrics].forEach((m, i) => {
      const top = i < extra.length ? topPeersPanel(m, id, 0, 0) : undefined;
      const at = { x: (i % 2) * 12, y: y + Math.floor(i / 2) * 8 };
      panels.push(top ? { ...top, gridPos: { h: 8, w: 12, ...at } } : panelFor(m, id, at.x, at.y, g.perPod));
      id++;
    });
    y += Math.ceil((extra.length + g.metrics.length) / 2) * 8;
  }
  const variables: VariableModel[] = [
    {
      name: 'datasource',
      label: 'Data source',
      type: 'datasource',
      query: 'prometheus',
      hide: 0,
      refresh: 1,
      regex: '',
      options: [],
    },
    {
      name: 'namespace',
      label: 'Namespace',
      type: 'query',
      datasource: DS,
      query: { query: `label_values(${NAMESPACE})`, refId: 'namespace' },
      refresh: 2,
      includeAll: true,
      allValue: '.*',
      multi: true,
      sort: 1,
      current: { selected: true, text: ['All'], value: ['$__all'] },
      options: [],
      hide: 0,
      regex: '',
    },
    {
      name: 'pod',
      label: 'Pod',
      type: 'query',
      datasource: DS,
      query: { query: `label_values({${NAMESPACE}=~"$namespace"}, ${POD})`, refId: 'pod' },
      refresh: 2,
      includeAll: true,
      allValue: '.*',
      multi: true,
      sort: 1,
      current: { selected: true, text: ['All'], value: ['$__all'] },
      options: [],
      hide: 0,
      regex: '',
    },
  ];
  const dashboard: Dashboard & { __comment: string } = {
    __comment:
      'GENERATED — do not edit. Source: semconv/registry/*.yaml; generator: semconv/tools/render-dashboard.ts; regenerate with `npm run generate`.',
    uid: DASHBOARD_UID,
    title: 'kubeskoop-otel: pod network stack',
    description:
      "Every metric of the kubeskoop-otel registry, by its Prometheus name as the OpenTelemetry specification translates it: the same whether the agent's /metrics is scraped or its OTLP goes through a Collector to Prometheus.",
    tags: ['kubeskoop-otel', 'network', 'kubernetes'],
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-1h', to: 'now' },
    refresh: '30s',
    timezone: 'browser',
    annotations: { list: [] },
    links: [],
    templating: { list: variables },
    panels,
  };
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}

/** Every query of the dashboard with the metric it shows (for the tests). */
export function dashboardQueries(dashboardJson: string, r: Pick<Registry, 'metrics'>): DashboardQuery[] {
  const d = JSON.parse(dashboardJson) as { panels: (Panel & { targets?: PanelTarget[] })[] };
  const out: DashboardQuery[] = [];
  let rowProbe = '';
  for (const p of d.panels) {
    if (p.type === 'row') {
      rowProbe = (p.title ?? '').split(' — ')[0] ?? '';
      continue;
    }
    if (!p.targets) continue;
    const title = (p.title ?? '').replace(/ \(per second\)$/, '').split(' — ')[0]!;
    const m = r.metrics.find((x) => x.name === title && x.probe === rowProbe);
    for (const t of p.targets) out.push({ metricId: m?.id ?? '', probe: m?.probe ?? '', expr: t.expr });
  }
  return out;
}

export function dashboardRenderer(root: string): Map<string, string> {
  const { registry, problems } = loadRegistry(join(root, 'semconv', 'registry'));
  if (problems.length > 0) throw new Error(`cannot render the dashboard:\n  ${problems.join('\n  ')}`);
  return new Map([[DASHBOARD_PATH, renderDashboard(registry)]]);
}

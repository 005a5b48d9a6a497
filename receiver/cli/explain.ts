// `kubeskoop-otel explain <name>`: what a metric, event or probe is, from the registry. Accepts an
// OTel name, a Prometheus name (the agent's /metrics = what OTLP → Collector → Prometheus gives), an
// earlier name (an OTel or /metrics name from before the names followed the entity and the
// specification: what replaced it), a KubeSkoop legacy name (incl. the seed's misspellings), a
// KubeSkoop event type, a probe name or an attribute. Unknown names get the closest matches. Pure:
// returns text; the CLI prints it.
import type {
  AttributeDefinition,
  EventDefinition,
  LegacyName,
  MetricDefinition,
  ProbeDefinition,
  UnsupportedProbe,
} from '../../semconv/types.js';
import {
  ATTR_K8S_NAMESPACE_NAME,
  ATTR_K8S_NODE_NAME,
  ATTR_K8S_POD_NAME,
  ATTR_K8S_POD_UID,
  ATTR_KUBESKOOP_NETNS_INODE,
  ATTR_KUBESKOOP_NETNS_NAME,
  ATTR_KUBESKOOP_TARGET_KIND,
  ATTRIBUTES,
  EVENTS,
  METRICS,
  PROBES,
  UNSUPPORTED_PROBES,
} from '../../semconv/generated/registry.js';
import { SEED_NAMES } from '../../semconv/generated/seed-names.js';
import { promLabelName, promName, promNameJs, promSeriesNames } from '../../semconv/lib/prom-names.js';
import { attributeRenames, metricRenames, type AttributeRename, type MetricRename } from '../../semconv/lib/renames.js';
import { INTERFACE_ATTRIBUTES, LOOPBACK, legacyPromType } from '../../semconv/lib/legacy.js';
import {
  resolveSeedEvent,
  resolveSeedMetric,
  type RegistryView,
  type SeedEventType,
  type SeedMetricName,
  type SeedNames,
} from '../../semconv/lib/seed-names.js';

export type Lang = 'en' | 'zh';

export interface ExplainCatalog {
  readonly metrics: readonly MetricDefinition[];
  readonly events: readonly EventDefinition[];
  readonly probes: readonly ProbeDefinition[];
  readonly unsupported: readonly UnsupportedProbe[];
  readonly attributes: readonly AttributeDefinition[];
  readonly seed: SeedNames;
}

export const DEFAULT_CATALOG: ExplainCatalog = {
  metrics: METRICS,
  events: EVENTS,
  probes: PROBES,
  unsupported: UNSUPPORTED_PROBES,
  attributes: ATTRIBUTES,
  seed: SEED_NAMES,
};

/** How a name was recognised. */
export type HitKind =
  | 'otel-metric'
  | 'prom'
  | 'renamed'
  | 'renamed-prom'
  | 'renamed-attribute'
  | 'legacy'
  | 'seed-metric'
  | 'event'
  | 'event-type'
  | 'seed-event'
  | 'probe'
  | 'attribute';

type Hit =
  | { kind: 'otel-metric' | 'prom'; metric: MetricDefinition }
  | { kind: 'renamed' | 'renamed-prom'; rename: MetricRename }
  | { kind: 'renamed-attribute'; rename: AttributeRename }
  | { kind: 'legacy'; metric: MetricDefinition; legacy: LegacyName }
  | { kind: 'seed-metric'; seed: SeedMetricName }
  | { kind: 'event'; event: EventDefinition }
  | { kind: 'event-type'; event: EventDefinition; type: string }
  | { kind: 'seed-event'; seed: SeedEventType }
  | { kind: 'probe'; probe: ProbeDefinition }
  | { kind: 'unsupported'; probe: UnsupportedProbe }
  | { kind: 'attribute'; attribute: AttributeDefinition };

export interface ExplainResult {
  readonly found: boolean;
  /** How the name was recognised (empty when not found). */
  readonly kinds: readonly HitKind[];
  readonly text: string;
  /** Closest known names, when not found. */
  readonly suggestions: readonly string[];
}

const L = {
  en: {
    metric: 'metric',
    unit: 'unit',
    meaning: 'Meaning',
    probe: 'Probe',
    source: 'Source',
    attributes: 'Attributes',
    identity: "plus the target identity (in OTLP on the target's resource)",
    prom: 'Prometheus',
    promHow: '/metrics, and OTLP → Collector or Prometheus',
    entity: 'Reported for',
    semconv: 'semconv name for',
    ownName: "kubeskoop-otel's own name",
    before: 'Before',
    renamedTo: 'renamed: now',
    forEntity: 'for',
    seeAlso: 'kubeskoop-otel explain',
    wasProm: 'the /metrics name before',
    wasOtel: 'the OTel name before',
    attrRenamed: 'attribute renamed: now',
    onMetric: 'on',
    overhead: 'Overhead',
    measured: 'measured',
    notMeasured: 'not measured yet',
    kubeskoop: "KubeSkoop's label",
    legacy: 'Legacy names',
    whenToUse: 'When to use',
    next: 'Look next',
    docs: 'Docs',
    promql: 'PromQL equivalent',
    severity: 'Severity',
    threshold: 'Threshold',
    types: 'KubeSkoop types',
    action: 'What to do',
    isNow: 'is now',
    legacyName: 'KubeSkoop legacy name',
    gauge: 'gauge',
    counter: 'counter',
    seedTypo: "the seed catalogue's spelling of",
    neverExported: 'KubeSkoop never exported this spelling',
    seedSays: 'The seed says',
    pending: 'not mapped yet',
    eventType: 'KubeSkoop event type',
    of: 'of',
    event: 'event (LogRecord)',
    sameProbe: 'other metrics of this probe',
    eventsOfProbe: 'events of this probe',
    unsupported: 'not supported',
    attribute: 'attribute',
    values: 'values',
    usedBy: 'used by',
    notFound: 'unknown name',
    didYouMean: 'closest matches',
    matchedAs: 'matched as',
    none: '—',
    agg: { none: '', sum: 'summed over all its series', sum_except_lo: 'summed over every interface except lo' },
    levels: { low: 'low (低)', medium: 'medium (中)', high: 'high (高)' },
    kinds: {
      'otel-metric': 'OTel metric name',
      prom: 'Prometheus name (/metrics; OTLP → Collector or Prometheus)',
      renamed: 'an earlier OTel name',
      'renamed-prom': 'an earlier /metrics name',
      'renamed-attribute': 'an earlier attribute name',
      legacy: 'KubeSkoop legacy name',
      'seed-metric': "name in KubeSkoop's seed catalogue",
      event: 'OTel event name',
      'event-type': 'KubeSkoop event type',
      'seed-event': "event type in KubeSkoop's seed catalogue",
      probe: 'probe',
      attribute: 'attribute',
    } as Record<HitKind, string>,
    listHeads: {
      metrics: 'Metrics (OTel name · Prometheus name · for)',
      renamed: 'Earlier names (before → now)',
      legacy: 'KubeSkoop legacy names',
      events: 'Events and KubeSkoop event types',
      probes: 'Probes',
      seed: 'Seed names not mapped yet',
    },
  },
  zh: {
    metric: '指标',
    unit: '单位',
    meaning: '含义',
    probe: '探针',
    source: '数据来源',
    attributes: '属性',
    identity: '以及目标身份属性（OTLP 中位于目标的 resource 上）',
    prom: 'Prometheus',
    promHow: '/metrics，以及 OTLP → Collector 或 Prometheus',
    entity: '上报对象',
    semconv: '语义约定名称，对应',
    ownName: 'kubeskoop-otel 自有名称',
    before: '此前',
    renamedTo: '已更名：现为',
    forEntity: '对象',
    seeAlso: 'kubeskoop-otel explain',
    wasProm: '此前的 /metrics 名称',
    wasOtel: '此前的 OTel 名称',
    attrRenamed: '属性已更名：现为',
    onMetric: '所属指标',
    overhead: '开销',
    measured: '实测',
    notMeasured: '尚未实测',
    kubeskoop: 'KubeSkoop 标注',
    legacy: '旧名称',
    whenToUse: '适用场景',
    next: '下一步查看',
    docs: '文档',
    promql: '等价 PromQL',
    severity: '级别',
    threshold: '阈值',
    types: 'KubeSkoop 事件类型',
    action: '处理建议',
    isNow: '现在对应',
    legacyName: 'KubeSkoop 旧指标名',
    gauge: 'gauge',
    counter: 'counter',
    seedTypo: '原文档对以下名称的笔误',
    neverExported: 'KubeSkoop 从未导出过这个拼写',
    seedSays: '原文说明',
    pending: '尚未映射',
    eventType: 'KubeSkoop 事件类型',
    of: '属于',
    event: '事件（LogRecord）',
    sameProbe: '该探针的其他指标',
    eventsOfProbe: '该探针的事件',
    unsupported: '不支持',
    attribute: '属性',
    values: '取值',
    usedBy: '使用者',
    notFound: '未知名称',
    didYouMean: '最接近的名称',
    matchedAs: '识别为',
    none: '—',
    agg: { none: '', sum: '对其全部序列求和', sum_except_lo: '对 lo 以外的全部网卡求和' },
    levels: { low: '低 (low)', medium: '中 (medium)', high: '高 (high)' },
    kinds: {
      'otel-metric': 'OTel 指标名',
      prom: 'Prometheus 名称（/metrics；OTLP → Collector 或 Prometheus）',
      renamed: '此前的 OTel 名称',
      'renamed-prom': '此前的 /metrics 名称',
      'renamed-attribute': '此前的属性名',
      legacy: 'KubeSkoop 旧指标名',
      'seed-metric': 'KubeSkoop 原文档中的名称',
      event: 'OTel 事件名',
      'event-type': 'KubeSkoop 事件类型',
      'seed-event': 'KubeSkoop 原文档中的事件类型',
      probe: '探针',
      attribute: '属性',
    } as Record<HitKind, string>,
    listHeads: {
      metrics: '指标（OTel 名称 · Prometheus 名称 · 上报对象）',
      renamed: '此前的名称（此前 → 现在）',
      legacy: 'KubeSkoop 旧指标名',
      events: '事件与 KubeSkoop 事件类型',
      probes: '探针',
      seed: '尚未映射的原文档名称',
    },
  },
} as const;

const TARGET_IDENTITY = [
  ATTR_K8S_POD_NAME,
  ATTR_K8S_NAMESPACE_NAME,
  ATTR_K8S_POD_UID,
  ATTR_K8S_NODE_NAME,
  ATTR_KUBESKOOP_TARGET_KIND,
  ATTR_KUBESKOOP_NETNS_INODE,
  ATTR_KUBESKOOP_NETNS_NAME,
];

/** Every name explain knows, lower-cased → what it names. */
function buildIndex(c: ExplainCatalog): Map<string, Hit[]> {
  const idx = new Map<string, Hit[]>();
  const add = (name: string, hit: Hit): void => {
    const k = name.toLowerCase();
    const list = idx.get(k) ?? [];
    // The same metric under two spellings that happen to coincide (e.g. JS = OTLP name): keep the first.
    if (!list.some((h) => JSON.stringify(h) === JSON.stringify(hit))) list.push(hit);
    idx.set(k, list);
  };
  for (const m of c.metrics) {
    add(m.name, { kind: 'otel-metric', metric: m });
    const prom = promName(m.name, m.instrument, m.unit);
    for (const n of [prom, ...promSeriesNames(prom, m.instrument)]) add(n, { kind: 'prom', metric: m });
    // A legacy name is a pod's: explained through the pod's name of its measurement (the others are listed with it).
    if (legacyMetric(c, m) === m) for (const l of m.legacy) add(l.name, { kind: 'legacy', metric: m, legacy: l });
  }
  for (const r of metricRenames(c.metrics)) {
    if (r.oldName !== r.metric.name) add(r.oldName, { kind: 'renamed', rename: r });
    for (const n of [r.oldProm, ...promSeriesNames(r.oldProm, r.metric.instrument)]) {
      // an old /metrics name that is also a current one (a counter without a unit word) is not a rename
      if (!(idx.get(n.toLowerCase()) ?? []).some((h) => h.kind === 'prom')) add(n, { kind: 'renamed-prom', rename: r });
    }
  }
  for (const r of attributeRenames(c.metrics, c.attributes)) {
    for (const n of new Set([r.oldName, r.oldLabel])) add(n, { kind: 'renamed-attribute', rename: r });
  }
  for (const s of c.seed.metrics) {
    if (resolveSeedMetric(view(c), s).status === 'mapped') continue; // explained through its legacy entry
    add(s.name, { kind: 'seed-metric', seed: s });
    if (s.typoOf && !idx.has(s.typoOf.toLowerCase())) add(s.typoOf, { kind: 'seed-metric', seed: s });
  }
  for (const e of c.events) {
    add(e.name, { kind: 'event', event: e });
    for (const t of e.types)
      for (const n of [t.type, ...t.aliases]) add(n, { kind: 'event-type', event: e, type: t.type });
  }
  for (const s of c.seed.events) {
    // The seed's spelling, and the type KubeSkoop really used when the seed misspells it.
    for (const n of [s.type, ...(s.typoOf ? [s.typoOf] : [])])
      if (!idx.has(n.toLowerCase())) add(n, { kind: 'seed-event', seed: s });
  }
  for (const p of c.probes) for (const n of [p.name, ...p.aliases]) add(n, { kind: 'probe', probe: p });
  for (const u of c.unsupported) for (const n of [u.name, ...u.aliases]) add(n, { kind: 'unsupported', probe: u });
  for (const a of c.attributes) {
    add(a.name, { kind: 'attribute', attribute: a });
    if (promLabelName(a.name) !== a.name) add(promLabelName(a.name), { kind: 'attribute', attribute: a });
  }
  return idx;
}

/** The name a legacy (per-pod) series is now: the measurement's name for pods. */
function legacyMetric(c: ExplainCatalog, m: MetricDefinition): MetricDefinition {
  return c.metrics.find((x) => x.family === m.family && x.entities.includes('pod')) ?? m;
}

const view = (c: ExplainCatalog): RegistryView => ({
  metrics: c.metrics,
  events: c.events,
  probes: c.probes,
  unsupported: c.unsupported,
});

/** Levenshtein distance (insert, delete, substitute = 1). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** Known names closest to `name` (edit distance, then length), at most `n`. */
export function closestNames(name: string, c: ExplainCatalog = DEFAULT_CATALOG, n = 5): string[] {
  const q = name.toLowerCase();
  const names = [...new Set(allNames(c))];
  // A known name containing the query (a legacy name without its inspector_pod_ prefix…) counts as close.
  const scored = names.map((k) => ({
    k,
    d: q.length >= 4 && k.toLowerCase().includes(q) ? 1 : editDistance(q, k.toLowerCase()),
  }));
  scored.sort((x, y) => x.d - y.d || x.k.length - y.k.length || x.k.localeCompare(y.k));
  const limit = Math.max(3, Math.ceil(q.length / 3));
  return scored
    .filter((s) => s.d <= limit)
    .slice(0, n)
    .map((s) => s.k);
}

function allNames(c: ExplainCatalog): string[] {
  const out: string[] = [];
  for (const m of c.metrics) out.push(m.name, promName(m.name, m.instrument, m.unit), ...m.legacy.map((l) => l.name));
  for (const r of metricRenames(c.metrics)) out.push(r.oldName, r.oldProm);
  for (const s of [
    ...c.seed.metrics.map((x) => ({ n: x.name, t: x.typoOf })),
    ...c.seed.events.map((x) => ({ n: x.type, t: x.typoOf })),
  ])
    out.push(s.n, ...(s.t ? [s.t] : []));
  for (const e of c.events) out.push(e.name, ...e.types.flatMap((t) => [t.type, ...t.aliases]));
  out.push(...c.probes.flatMap((p) => [p.name, ...p.aliases]), ...c.attributes.map((a) => a.name));
  return out;
}

function overhead(p: ProbeDefinition | undefined, lang: Lang): string {
  const t = L[lang];
  if (!p) return t.none;
  const m = p.measuredOverhead;
  return `${t.measured}: ${m ? `${m.value} ${m.unit} / ${m.per}` : t.notMeasured}; ${t.kubeskoop}: ${t.levels[p.kubeskoopOverhead]}`;
}

function selector(l: LegacyName): string {
  const e = Object.entries(l.attributes);
  return e.length ? e.map(([k, v]) => `${k}=${v}`).join(', ') : '';
}

/** The PromQL over the agent's OTel names that gives a legacy series back. */
export function legacyPromql(m: MetricDefinition, l: LegacyName): string {
  const matchers = Object.entries(l.attributes).map(([k, v]) => `${promLabelName(k)}="${v}"`);
  if (m.legacyAggregation === 'sum_except_lo') {
    for (const a of INTERFACE_ATTRIBUTES)
      if (m.attributes.includes(a)) matchers.push(`${promLabelName(a)}!="${LOOPBACK}"`);
  }
  return `sum by (${promLabelName(ATTR_K8S_NAMESPACE_NAME)}, ${promLabelName(ATTR_K8S_POD_NAME)}) (${promName(m.name, m.instrument, m.unit)}${matchers.length ? `{${matchers.join(', ')}}` : ''})`;
}

function attrLine(c: ExplainCatalog, name: string, lang: Lang): string {
  const a = c.attributes.find((x) => x.name === name);
  const vals = a?.values ? ` (${a.values.join('|')})` : '';
  return `    ${name}${vals} [${promLabelName(name)}]${a ? ` — ${a.brief[lang]}` : ''}`;
}

function explainMetric(c: ExplainCatalog, m: MetricDefinition, lang: Lang): string[] {
  const t = L[lang];
  const p = c.probes.find((x) => x.name === m.probe);
  const out = [
    `${m.name}  (${t.metric}: ${m.instrument}, ${t.unit} ${m.unit})`,
    `  ${t.meaning}: ${m.brief[lang]}`,
    `  ${t.probe}: ${m.probe}${p ? ` — ${p.brief[lang]}` : ''}`,
    `  ${t.source}: ${m.source}`,
    `  ${t.attributes}:`,
    ...(m.attributes.length ? m.attributes.map((a) => attrLine(c, a, lang)) : [`    ${t.none}`]),
    `    (${t.identity}: ${TARGET_IDENTITY.join(', ')})`,
    `  ${t.entity}: ${m.entities.join(', ')}${m.semconv ? ` (${t.semconv} ${m.semconvEntity ?? m.entities.join(', ')})` : ` (${t.ownName})`}`,
    `  ${t.prom} (${t.promHow}): ${promSeriesNames(promName(m.name, m.instrument, m.unit), m.instrument).join(', ')}`,
    ...(m.renamedFrom?.length
      ? [`  ${t.before}: ${m.renamedFrom.map((o) => `${o} (${promNameJs(o, m.instrument)})`).join(', ')}`]
      : []),
    `  ${t.overhead}: ${overhead(p, lang)}`,
  ];
  // Other names of the same measurement for other entities.
  const siblings = c.metrics.filter((x) => x.family === m.family && x.id !== m.id);
  if (siblings.length)
    out.push(`  ${t.entity}: ${siblings.map((x) => `${x.entities.join('/')} → ${x.name}`).join('; ')}`);
  if (m.legacy.length) {
    out.push(`  ${t.legacy}:`);
    for (const l of m.legacy) {
      const sel = selector(l);
      out.push(
        `    ${l.name}${l.seedTypoOf ? ` (${t.seedTypo} ${l.seedTypoOf})` : ` (${legacyPromType(m, l.name)})`}${sel ? ` ← ${sel}` : ''}${t.agg[m.legacyAggregation] ? `, ${t.agg[m.legacyAggregation]}` : ''}`,
      );
    }
  }
  if (p) out.push(`  ${t.whenToUse}: ${p.whenToUse[lang]}`);
  out.push(...nextSteps(c, m.probe, m.id, lang));
  return out;
}

function nextSteps(c: ExplainCatalog, probe: string, exceptId: string | undefined, lang: Lang): string[] {
  const t = L[lang];
  const others = c.metrics.filter((x) => x.probe === probe && x.id !== exceptId).map((x) => x.name);
  const events = c.events.filter((e) => e.probe === probe).map((e) => e.name);
  const out = [`  ${t.next}:`];
  if (others.length) out.push(`    ${t.sameProbe}: ${[...new Set(others)].join(', ')}`);
  if (events.length) out.push(`    ${t.eventsOfProbe}: ${events.join(', ')}`);
  out.push(`    kubeskoop-otel top   ·   ${t.docs}: semconv/docs/probes/${probe}${lang === 'zh' ? '.zh' : ''}.md`);
  return out;
}

function explainEvent(c: ExplainCatalog, e: EventDefinition, lang: Lang, type?: string): string[] {
  const t = L[lang];
  const p = c.probes.find((x) => x.name === e.probe);
  const out = [
    `${e.name}  (${t.event}${type ? `; kubeskoop.event.type=${type}` : ''})`,
    `  ${t.meaning}: ${e.brief[lang]}`,
    `  ${t.probe}: ${e.probe}${p ? ` — ${p.brief[lang]}` : ''}`,
    ...(p ? [`  ${t.source}: ${p.source}`] : []),
    `  ${t.severity}: ${e.severity}${e.threshold ? `   ${t.threshold}: ${e.threshold}` : ''}`,
    `  ${t.types}:`,
    ...e.types.map((x) => `    ${x.type}${x.aliases.length ? ` (${x.aliases.join(', ')})` : ''} — ${x.brief[lang]}`),
    `  ${t.attributes}:`,
    ...e.attributes.map((a) => attrLine(c, a, lang)),
    `  ${t.overhead}: ${overhead(p, lang)}`,
    `  ${t.action}: ${e.action[lang]}`,
  ];
  out.push(...nextSteps(c, e.probe, undefined, lang).map((l) => l.replace(`/probes/${e.probe}`, '/events')));
  return out;
}

function explainHit(c: ExplainCatalog, h: Hit, query: string, lang: Lang): string[] {
  const t = L[lang];
  switch (h.kind) {
    case 'otel-metric':
    case 'prom':
      return [
        ...(h.kind !== 'otel-metric' ? [`${query}: ${t.kinds[h.kind]}`] : []),
        ...explainMetric(c, h.metric, lang),
      ];
    case 'renamed':
    case 'renamed-prom': {
      const r = h.rename;
      return [
        `${query}: ${h.kind === 'renamed' ? t.wasOtel : t.wasProm} — ${t.renamedTo} ${r.metric.name} (/metrics ${r.newProm}), ${t.forEntity} ${r.entities.join(', ')}`,
        `  ${t.meaning}: ${r.metric.brief[lang]}`,
        `  ${t.seeAlso} ${r.metric.name}`,
      ];
    }
    case 'renamed-attribute': {
      const r = h.rename;
      return [
        `${query}: ${t.kinds['renamed-attribute']} — ${t.attrRenamed} ${r.newName} [${r.newLabel}]${r.metric ? ` (${t.onMetric} ${r.metric.name})` : ''}`,
        `  ${t.seeAlso} ${r.newName}`,
      ];
    }
    case 'legacy': {
      const sel = selector(h.legacy);
      const head = h.legacy.seedTypoOf
        ? [`${h.legacy.name}: ${t.seedTypo} ${h.legacy.seedTypoOf} — ${t.neverExported}.`]
        : [`${h.legacy.name}: ${t.legacyName} (${legacyPromType(h.metric, h.legacy.name)})`];
      const seed = c.seed.metrics.find((s) => s.name === h.legacy.name);
      return [
        ...head,
        ...(seed ? [`  ${t.seedSays}: ${seed.seed}`] : []),
        `  ${t.isNow}: ${h.metric.name}${sel ? ` {${sel}}` : ''}${t.agg[h.metric.legacyAggregation] ? `, ${t.agg[h.metric.legacyAggregation]}` : ''}`,
        `  ${t.promql}: ${legacyPromql(h.metric, h.legacy)}`,
        '',
        ...explainMetric(c, h.metric, lang),
      ];
    }
    case 'seed-metric': {
      const r = resolveSeedMetric(view(c), h.seed);
      const head = [
        `${h.seed.name}: ${t.kinds['seed-metric']} (${t.probe} ${h.seed.probe})${h.seed.typoOf ? `; ${t.seedTypo} ${h.seed.typoOf} — ${t.neverExported}` : ''}`,
        `  ${t.seedSays}: ${h.seed.seed}`,
      ];
      if (r.status === 'mapped') {
        const m = legacyMetric(c, r.metric);
        return [
          ...head,
          `  ${t.isNow}: ${m.name} {${selector(r.legacy)}}`,
          `  ${t.promql}: ${legacyPromql(m, r.legacy)}`,
          '',
          ...explainMetric(c, m, lang),
        ];
      }
      const p = c.probes.find((x) => x.name === h.seed.probe);
      return [
        ...head,
        `  ${t.pending}: ${r.reason}`,
        ...(p ? [`  ${t.probe}: ${p.name} — ${p.brief[lang]}`, `  ${t.overhead}: ${overhead(p, lang)}`] : []),
        ...nextSteps(c, h.seed.probe, undefined, lang),
      ];
    }
    case 'event':
      return explainEvent(c, h.event, lang);
    case 'event-type':
      return [`${query}: ${t.eventType} ${t.of} ${h.event.name}`, ...explainEvent(c, h.event, lang, h.type)];
    case 'seed-event': {
      const r = resolveSeedEvent(view(c), h.seed);
      const head = [
        `${h.seed.type}: ${t.kinds['seed-event']} (${t.probe} ${h.seed.probe})${h.seed.typoOf ? `; ${t.seedTypo} ${h.seed.typoOf}` : ''}`,
        `  ${t.seedSays}: ${h.seed.seed}`,
      ];
      if (r.status === 'mapped') return [...head, ...explainEvent(c, r.event, lang, r.type.type)];
      return [...head, `  ${t.pending}: ${r.reason}`, ...nextSteps(c, h.seed.probe, undefined, lang)];
    }
    case 'probe': {
      const p = h.probe;
      const ms = c.metrics.filter((m) => m.probe === p.name);
      return [
        `${p.name}  (${t.probe}: ${p.kind}, ${p.scope}; KubeSkoop: ${[p.name, ...p.aliases].join(', ')})`,
        `  ${t.meaning}: ${p.brief[lang]}`,
        `  ${t.source}: ${p.source}`,
        `  ${t.overhead}: ${overhead(p, lang)}`,
        `  ${t.whenToUse}: ${p.whenToUse[lang]}`,
        ...(ms.length
          ? [
              `  ${t.metric}:`,
              ...ms.map(
                (m) =>
                  `    ${m.name} (${promName(m.name, m.instrument, m.unit)}; ${m.entities.join(', ')}) — ${m.brief[lang]}`,
              ),
            ]
          : []),
        ...nextSteps(c, p.name, '', lang).slice(-1),
      ];
    }
    case 'unsupported':
      return [`${h.probe.name}  (${t.probe}: ${t.unsupported})`, `  ${h.probe.reason}`];
    case 'attribute': {
      const a = h.attribute;
      const users = c.metrics.filter((m) => m.attributes.includes(a.name)).map((m) => m.name);
      return [
        `${a.name}  (${t.attribute}, ${a.type}; Prometheus label ${promLabelName(a.name)})`,
        `  ${t.meaning}: ${a.brief[lang]}`,
        ...(a.values ? [`  ${t.values}: ${a.values.join(', ')}`] : []),
        ...(users.length ? [`  ${t.usedBy}: ${[...new Set(users)].join(', ')}`] : []),
      ];
    }
  }
}

const hitKind = (h: Hit): HitKind => (h.kind === 'unsupported' ? 'probe' : h.kind);

const INDEXES = new WeakMap<ExplainCatalog, Map<string, Hit[]>>();

export function explain(name: string, opts: { lang?: Lang; catalog?: ExplainCatalog } = {}): ExplainResult {
  const lang = opts.lang ?? 'en';
  const c = opts.catalog ?? DEFAULT_CATALOG;
  let index = INDEXES.get(c);
  if (!index) INDEXES.set(c, (index = buildIndex(c)));
  const hits = index.get(name.trim().toLowerCase()) ?? [];
  if (hits.length === 0) {
    const suggestions = closestNames(name, c);
    const t = L[lang];
    const text = `${t.notFound}: ${name}\n${suggestions.length ? `${t.didYouMean}:\n${suggestions.map((s) => `  ${s}`).join('\n')}\n` : ''}`;
    return { found: false, kinds: [], text, suggestions };
  }
  const text = hits.map((h) => explainHit(c, h, name.trim(), lang).join('\n')).join('\n\n');
  return { found: true, kinds: [...new Set(hits.map(hitKind))], text: `${text}\n`, suggestions: [] };
}

/** `explain --list`: every name, grouped. */
export function explainList(opts: { lang?: Lang; catalog?: ExplainCatalog } = {}): string {
  const lang = opts.lang ?? 'en';
  const c = opts.catalog ?? DEFAULT_CATALOG;
  const t = L[lang];
  const out: string[] = [`${t.listHeads.metrics}:`];
  const seen = new Set<string>();
  for (const m of c.metrics) {
    if (seen.has(m.name)) continue;
    seen.add(m.name);
    out.push(`  ${m.name}  ·  ${promName(m.name, m.instrument, m.unit)}  ·  ${m.entities.join(', ')}`);
  }
  out.push('', `${t.listHeads.renamed}:`);
  for (const r of metricRenames(c.metrics))
    out.push(`  ${r.oldName} (${r.oldProm})  →  ${r.metric.name} (${r.newProm}) [${r.entities.join(', ')}]`);
  out.push('', `${t.listHeads.legacy}:`);
  const legacy = c.metrics.flatMap((m) =>
    m.legacy.map(
      (l) =>
        `  ${l.name}  →  ${m.name}${selector(l) ? ` {${selector(l)}}` : ''}${l.seedTypoOf ? `  (${t.seedTypo} ${l.seedTypoOf})` : ''}`,
    ),
  );
  out.push(...legacy.sort());
  out.push('', `${t.listHeads.events}:`);
  for (const e of c.events) out.push(`  ${e.name}: ${e.types.flatMap((x) => [x.type, ...x.aliases]).join(', ')}`);
  const pendingSeed = [
    ...c.seed.metrics.filter((s) => resolveSeedMetric(view(c), s).status !== 'mapped').map((s) => s.name),
    ...c.seed.events.filter((s) => resolveSeedEvent(view(c), s).status !== 'mapped').map((s) => s.type),
  ];
  if (pendingSeed.length) out.push('', `${t.listHeads.seed}:`, ...pendingSeed.map((s) => `  ${s}`));
  out.push('', `${t.listHeads.probes}:`);
  for (const p of c.probes)
    out.push(`  ${p.name}${p.aliases.length ? ` (${p.aliases.join(', ')})` : ''} — ${p.brief[lang]}`);
  return `${out.join('\n')}\n`;
}

/** The `explain` command: prints to `out`, returns the exit status (1 for an unknown name, 2 for bad usage). */
export function explainCommand(
  names: readonly string[],
  opts: { list?: boolean; lang?: string },
  out: (s: string) => void,
  err: (s: string) => void,
): number {
  const lang = opts.lang ?? 'en';
  if (lang !== 'en' && lang !== 'zh') {
    err(`explain: --lang must be en or zh, not ${JSON.stringify(lang)}\n`);
    return 2;
  }
  if (opts.list) {
    out(explainList({ lang }));
    return 0;
  }
  if (names.length === 0) {
    err('explain: which name? (kubeskoop-otel explain NAME, or explain --list)\n');
    return 2;
  }
  let status = 0;
  for (const n of names) {
    const r = explain(n, { lang });
    out(r.text);
    if (!r.found) status = 1;
  }
  return status;
}

// Renders the user-facing docs from the registry, in English (*.md) and Chinese (*.zh.md):
// an index, a page per probe, the event catalogue and the legacy-name mapping. Also writes
// semconv/generated/seed-names.ts so `explain` knows the seed's spellings at run time.
import { join } from 'node:path';
import type { EventDefinition, LegacyName, MetricDefinition, ProbeDefinition } from '../types.js';
import { loadRegistry, type Registry } from './load-registry.js';
import { promLabelName, promName, promSeriesNames } from '../lib/prom-names.js';
import { attributeRenames, metricRenames } from '../lib/renames.js';
import { LEGACY_LABELS, legacyPromType } from '../lib/legacy.js';
import { resolveSeedEvent, resolveSeedMetric, type SeedNames } from '../lib/seed-names.js';
import { loadSeedNames, SEED_NAMES_FILE } from './load-seed-names.js';
import {
  KUBESKOOP_NAMES_FILE,
  kubeskoopNameStatus,
  loadKubeskoopNames,
  type KubeskoopProbeNames,
} from './kubeskoop-names.js';

export const DOCS_DIR = 'semconv/docs';
export const SEED_TS_PATH = 'semconv/generated/seed-names.ts';
export type Lang = 'en' | 'zh';

const GENERATED = {
  en: '<!-- GENERATED — do not edit. Source: semconv/registry/*.yaml; generator: semconv/tools/render-docs.ts; regenerate with `npm run generate`. -->',
  zh: '<!-- GENERATED — do not edit. 由 semconv/registry/*.yaml 经 semconv/tools/render-docs.ts 生成；用 `npm run generate` 重新生成。 -->',
};

/** The identity attributes the snapshot adds to every datapoint of a target (receiver/snapshot/snapshot.ts). */
export const TARGET_ATTRIBUTES = [
  'k8s.pod.name',
  'k8s.namespace.name',
  'k8s.pod.uid',
  'k8s.node.name',
  'kubeskoop.target.kind',
  'kubeskoop.netns.inode',
  'kubeskoop.netns.name',
];

const T = {
  en: {
    title: 'kubeskoop-otel: metrics and events',
    probes: 'Probes',
    probe: 'Probe',
    events: 'Event catalogue',
    legacy: 'KubeSkoop legacy names',
    observes: 'What it observes',
    source: 'Source',
    overhead: 'Overhead',
    measured: 'measured',
    notMeasured: 'not measured yet',
    kubeskoop: "KubeSkoop's label",
    whenToUse: 'When to use',
    metrics: 'Metrics',
    kind: 'Kind',
    scope: 'Scope',
    aliases: 'KubeSkoop names',
    otelName: 'OTel name',
    instrument: 'Instrument',
    unit: 'Unit',
    attributes: 'Attributes',
    prom: 'Prometheus (/metrics = OTLP → Collector)',
    entity: 'For',
    legacyNames: 'Legacy names',
    meaning: 'Meaning',
    none: '—',
    noMetrics: 'This probe has no metrics in the registry yet.',
    identity:
      "Every series also carries the identity of its target (in OTLP on the target's Resource, one per pod; on /metrics as labels): ",
    sources: 'Sources',
    severity: 'Severity',
    threshold: 'Threshold',
    types: 'KubeSkoop types',
    whatToDo: 'What to do',
    sinkMsg: 'msg in the stderr/file/loki sinks',
    sinkIntro:
      'Every event is an OTel LogRecord (EventName below, the type as `kubeskoop.event.type`) and, in KubeSkoop\'s `stderr`, `file` and `loki` sinks, the JSON line KubeSkoop writes: `{"timestamp":<ns>,"type":…,"labels":[{"name":…,"value":…}]|null,"msg":…}` with the type\'s first spelling, the event\'s labels and the msg template below filled in — `{tuple}`: `protocol=TCP saddr=… sport=… daddr=… dport=… ` (source → destination of the attributes), `{tuple_reversed}`: the same with the sides swapped (KubeSkoop printed the segment that triggered a reset), `{tcp_state}`: `TCP_ESTABLISHED`, `TCP_SYN_SENT`, `TCP_SYN_RECV`, `TCP_LISTEN` or `TCP_OTHER`, `{latency}`: whole `ms`, `us` or `ns` as KubeSkoop printed it, `{cpu}`, `{pid}`, `{comm}`. The loki sink pushes that line to Loki\'s push API in the stream `{job="kubeskoop", instance="<node>"}`, as KubeSkoop\'s web console reads it. KubeSkoop\'s kernel stacks (PacketLoss with enableStack, TCPRetrans) are not captured: their msg is empty.',
    sinkLabels:
      "labels in the stderr/file/loki sinks (KubeSkoop's JSON: {timestamp, type, labels, msg}, type as the first spelling)",
    sinkLabelKinds: {
      pod: '`pod`, `namespace`, `node` (the host: empty pod and namespace; a namespace that is no pod: its name as `pod`, as on the legacy series; `null` for a namespace the agent does not know)',
      tuple:
        '`protocol`, `src`, `src_type`, `src_node`, `src_namespace`, `src_pod`, `dst`, `dst_type`, `dst_node`, `dst_namespace`, `dst_pod`, `sport`, `dport` (the `*_type` is `unknown` and the node/namespace/pod empty, as KubeSkoop wrote them)',
      softirq: '`type` = the softirq (`net_rx`, …)',
      none: '`null`',
    },
    type: 'Type',
    event: 'Event',
    noEvents: 'No events in the registry yet.',
    seedMeant: 'The seed says',
    typoOf: 'KubeSkoop really exported',
    status: 'Status',
    mapped: 'mapped',
    pending: 'pending',
    unmapped: 'UNMAPPED',
    selects: 'Selects',
    aggregation: 'Aggregation',
    legacyType: 'Prometheus type',
    seedMetrics: "The seed's metric names",
    allLegacy: 'Every legacy name the registry maps',
    seedEvents: "The seed's event types",
    labelsTitle: 'Labels in legacy mode',
    unsupported: 'Not supported',
    reason: 'Reason',
    agg: { none: 'one series', sum: 'summed over series', sum_except_lo: 'summed over interfaces except lo' },
    aggTuple: "one series per flow tuple (KubeSkoop's 13 tuple labels), summed over interfaces",
    promNote:
      "Prometheus names as the OpenTelemetry specification translates them (dots → `_`, the unit word appended: `By` → `_bytes`, `s` → `_seconds`, `{packet}` → nothing; `_total` on counters; `_ratio` on gauges of unit 1): the agent's /metrics serves exactly what OTLP → Collector → Prometheus (or Prometheus' own OTLP receiver) gives. Label names: invalid characters → `_`; every series also carries `otel_scope_name` and `otel_scope_version` (`prometheus.scope_info: false` turns them off). Names follow the entity (the For column): semconv's `system.*` for the host, its `k8s.pod.*` for pods, `kubeskoop.*` otherwise.",
    entitiesTitle: 'Whom the metrics describe',
    upgrade: 'Upgrading: renamed metrics and attributes',
    upgradeIntro:
      "Every name that changed when the names began to follow the entity (semconv's `system.*` only for the host; `k8s.pod.*` for pods; `kubeskoop.*` for the rest and for per-target sums of process counters) and the OpenTelemetry specification's Prometheus translation (unit words such as `_bytes` and `_seconds` in the /metrics names). Update dashboards, alerts and recording rules with this table; `kubeskoop-otel explain <old name>` prints the new one. KubeSkoop's legacy names (`prometheus.names: legacy | both`) did not change. In OTLP the target identity (`k8s.pod.*`, `kubeskoop.netns.*`, `kubeskoop.target.kind`) moved from the data points to one Resource per target; on /metrics it stays on the series, which also carry `otel_scope_name` and `otel_scope_version`.",
    oldName: 'Before (OTel)',
    oldProm: 'Before (/metrics)',
    newName: 'Now (OTel)',
    newProm: 'Now (/metrics)',
    renamedMetrics: 'Metrics',
    renamedAttrs: 'Attributes',
    onMetric: 'On',
    everywhere: 'every metric',
    semconvEntity: 'semconv entity',
    resource: 'Resource (OTLP)',
    v1Title: 'Every name KubeSkoop v1.x exports',
    v1Intro: (served: number, total: number) =>
      `Read from KubeSkoop's source (\`semconv/registry/kubeskoop-names.yaml\`): ${served} of ${total} are served (\`prometheus.names: legacy\` or \`both\`; a KubeSkoop-format config defaults to \`both\`). Not served: the \`rdma\` probe (no RDMA device or soft-RoCE on the machines this is built and tested on). \`kubeskoop_flow_*\` are served with KubeSkoop's tuple labels, built from each flow series' pod and peer addresses. The 10 \`kubeskoop_rdma_*\` names of the nodes dashboard's RDMA row are the only names of KubeSkoop's two Grafana dashboards not served; every other panel of both returns data (test/compat/dashboards.test.ts).`,
    v1Head: ['Name', 'KubeSkoop probe', 'KubeSkoop type', 'KubeSkoop labels', 'Served', 'OTel metric, or why not'],
    yes: 'yes',
    no: 'no',
    extrasTitle: "Where the legacy series differ from KubeSkoop's",
    extras: [
      "`metrics.additionalLabels` (`name=value`, `${labels:<pod label>}` replaced by the pod's label, empty when the pod has none and for the host) is honoured as KubeSkoop did: each becomes a label after `k8s_node`, `k8s_namespace`, `k8s_pod` on every `kubeskoop_*` series, and an attribute of that name on every OTel datapoint (OTLP and /metrics). The pod labels it reads are fetched from the Kubernetes API.",
      "A legacy name marked node-wide (`kubeskoop_sock_orphan`, `inspector_pod_sockorphan`: the kernel keeps one orphan count for the node and shows it in every namespace's sockstat) is served on every target of its probe with the node's value, so that KubeSkoop's \"TCP Socket Count\" panel (`kubeskoop_sock_inuse + kubeskoop_sock_orphan`) has the same label set on both sides for pods and for the host. KubeSkoop itself served `kubeskoop_sock_*` for the host only.",
      "Per-flow labels (`protocol, src, …, dport` on `kubeskoop_packetloss_*` and `kubeskoop_tcpretrans_total`, `softirq_type` on `kubeskoop_softirq_*`) are not reproduced: see the labels column above. The flow of each drop or retransmit is in its event, whose JSON in the stderr/file/loki sinks is KubeSkoop's own ([events](events.md)).",
    ],
    legacyIntro:
      "How each name KubeSkoop exported (its seed catalogue's `inspector_pod_*`, the v1.x `kubeskoop_<probe>_<m>`) maps to an OTel metric and attribute values. With `prometheus.names: legacy` or `both`, /metrics serves these names again, computed from the same snapshot.",
    labelsIntro:
      "Names `inspector_pod_*` carry the v0.1.x labels, names `kubeskoop_*` the v1.x labels. The values: node = the node name (config `node_name`, else the host name); namespace/pod = the pod's; the host namespace has empty namespace and pod (as in KubeSkoop); a namespace that is not a pod (KubeSkoop dropped these) has an empty namespace and `pod` = its /run/netns name or `netns-<inode>`. Label values are escaped per the Prometheus text format. Both families are served, as KubeSkoop did from January to May 2024: one series per target and legacy name, the OTel series it selects summed as the Aggregation column says; `inspector_pod_*` typed gauge, `kubeskoop_*` typed as KubeSkoop v1.x did (gauge unless the registry says `legacy_type: counter`). The seed's misspellings are documented here but never served. In `both` mode, a legacy name that equals an OTel name on /metrics is served once, in its OTel form.",
    docsLinks: 'Pages',
    indexIntro:
      'Generated from the semantic-convention registry (`semconv/registry`): every page lists what the agent exports, under which names, and what it means.',
    eventsOf: 'Events',
    measuredPer: 'per',
    seed: 'seed',
    overheadLevels: { low: 'low (低)', medium: 'medium (中)', high: 'high (高)' },
    histogram: 'histogram series',
    langLink: '中文',
    tools: 'Tools',
    toolsList: [
      '`kubeskoop-otel explain <name>` — any name on this site (OTel, Prometheus, an earlier name from the upgrade page, legacy, event type, probe, attribute) explained on the command line; `--list`, `--lang zh`; unknown names get the closest matches.',
      '`kubeskoop-otel top [--url http://127.0.0.1:9102]` — pods ranked by network trouble, live; the columns are the metrics marked `top:` in the registry.',
      '`prometheus.names: otel | legacy | both` — which names /metrics serves; OTLP always carries the OTel names. See the legacy page for the labels.',
      'Grafana: import `semconv/dashboards/kubeskoop-otel.json` (a row per probe, `namespace` and `pod` variables; its queries use the Prometheus names, which are the same by scrape and by OTLP → Collector).',
    ],
  },
  zh: {
    title: 'kubeskoop-otel：指标与事件',
    probes: '探针',
    probe: '探针',
    events: '事件目录',
    legacy: 'KubeSkoop 旧指标名',
    observes: '观测内容',
    source: '数据来源',
    overhead: '开销',
    measured: '实测',
    notMeasured: '尚未实测',
    kubeskoop: 'KubeSkoop 标注',
    whenToUse: '适用场景',
    metrics: '指标',
    kind: '类型',
    scope: '范围',
    aliases: 'KubeSkoop 中的名称',
    otelName: 'OTel 名称',
    instrument: '仪表类型',
    unit: '单位',
    attributes: '属性',
    prom: 'Prometheus（/metrics = OTLP → Collector）',
    entity: '上报对象',
    legacyNames: '旧名称',
    meaning: '含义',
    none: '—',
    noMetrics: '该探针在注册表中尚无指标。',
    identity: '每条序列还带有目标的身份属性（OTLP 中位于目标的 Resource 上，每个 Pod 一个；/metrics 中为标签）：',
    sources: '来源',
    severity: '级别',
    threshold: '阈值',
    types: 'KubeSkoop 事件类型',
    whatToDo: '处理建议',
    sinkMsg: 'stderr/file/loki sink 中的 msg',
    sinkIntro:
      '每个事件都是一条 OTel LogRecord（EventName 见下，类型为 `kubeskoop.event.type`），在 KubeSkoop 的 `stderr`、`file`、`loki` sink 中则是 KubeSkoop 写出的 JSON 行：`{"timestamp":<ns>,"type":…,"labels":[{"name":…,"value":…}]|null,"msg":…}`，type 取类型的第一个拼写，labels 按事件而定，msg 为下表模板填入后的文本——`{tuple}`：`protocol=TCP saddr=… sport=… daddr=… dport=… `（属性中的源 → 目的），`{tuple_reversed}`：两侧互换（KubeSkoop 打印的是触发 reset 的报文），`{tcp_state}`：`TCP_ESTABLISHED`、`TCP_SYN_SENT`、`TCP_SYN_RECV`、`TCP_LISTEN` 或 `TCP_OTHER`，`{latency}`：与 KubeSkoop 一样取整的 `ms`、`us` 或 `ns`，`{cpu}`、`{pid}`、`{comm}`。loki sink 把该行推送到 Loki 的 push API，流为 `{job="kubeskoop", instance="<节点>"}`，与 KubeSkoop 的 Web 控制台读取方式一致。KubeSkoop 的内核栈（开启 enableStack 的 PacketLoss、TCPRetrans）不采集：其 msg 为空。',
    sinkLabels:
      'stderr/file/loki sink 中的 labels（KubeSkoop 的 JSON：{timestamp, type, labels, msg}，type 取第一个拼写）',
    sinkLabelKinds: {
      pod: '`pod`、`namespace`、`node`（主机：pod 与 namespace 为空；不属于 Pod 的命名空间：`pod` 为其名称，与旧名称序列相同；agent 不认识的命名空间为 `null`）',
      tuple:
        '`protocol`、`src`、`src_type`、`src_node`、`src_namespace`、`src_pod`、`dst`、`dst_type`、`dst_node`、`dst_namespace`、`dst_pod`、`sport`、`dport`（与 KubeSkoop 一样，`*_type` 为 `unknown`，node/namespace/pod 为空）',
      softirq: '`type` = 软中断（`net_rx` 等）',
      none: '`null`',
    },
    type: '类型',
    event: '事件',
    noEvents: '注册表中尚无事件。',
    seedMeant: '原文说明',
    typoOf: 'KubeSkoop 实际导出的名称',
    status: '状态',
    mapped: '已映射',
    pending: '待定',
    unmapped: '未映射',
    selects: '选取',
    aggregation: '聚合',
    legacyType: 'Prometheus 类型',
    seedMetrics: '原文档中的指标名',
    allLegacy: '注册表映射的全部旧名称',
    seedEvents: '原文档中的事件类型',
    labelsTitle: '旧名称模式下的标签',
    unsupported: '不支持',
    reason: '原因',
    agg: { none: '单条序列', sum: '对序列求和', sum_except_lo: '对 lo 以外的网卡求和' },
    aggTuple: '每个流元组一条序列（KubeSkoop 的 13 个元组标签），对网卡求和',
    promNote:
      'Prometheus 名称按 OpenTelemetry 规范的转换规则生成（点 → `_`，追加单位词：`By` → `_bytes`、`s` → `_seconds`、`{packet}` 不加；计数器加 `_total`；单位为 1 的 gauge 加 `_ratio`）：agent 的 /metrics 与经 OTLP → Collector → Prometheus（或 Prometheus 自身的 OTLP 接收）得到的名称完全相同。标签名：非法字符 → `_`；每条序列还带有 `otel_scope_name` 与 `otel_scope_version`（`prometheus.scope_info: false` 可关闭）。名称随上报对象而定（“上报对象”列）：主机用语义约定的 `system.*`，Pod 用 `k8s.pod.*`，其余用 `kubeskoop.*`。',
    entitiesTitle: '指标描述的对象',
    upgrade: '升级：已更名的指标与属性',
    upgradeIntro:
      '名称开始随上报对象而定（语义约定的 `system.*` 仅用于主机；Pod 用 `k8s.pod.*`；其余以及按目标汇总的进程计数器用 `kubeskoop.*`）并遵循 OpenTelemetry 规范的 Prometheus 转换（/metrics 名称带单位词，如 `_bytes`、`_seconds`）后，所有发生变化的名称。请据此表更新仪表盘、告警与记录规则；`kubeskoop-otel explain <旧名称>` 会给出新名称。KubeSkoop 旧名称（`prometheus.names: legacy | both`）不变。OTLP 中目标身份（`k8s.pod.*`、`kubeskoop.netns.*`、`kubeskoop.target.kind`）由数据点移到每个目标各自的 Resource；/metrics 中仍在序列上，且序列另带 `otel_scope_name` 与 `otel_scope_version`。',
    oldName: '此前（OTel）',
    oldProm: '此前（/metrics）',
    newName: '现在（OTel）',
    newProm: '现在（/metrics）',
    renamedMetrics: '指标',
    renamedAttrs: '属性',
    onMetric: '所属指标',
    everywhere: '所有指标',
    semconvEntity: '语义约定实体',
    resource: 'Resource（OTLP）',
    v1Title: 'KubeSkoop v1.x 导出的全部名称',
    v1Intro: (served: number, total: number) =>
      `取自 KubeSkoop 源码（\`semconv/registry/kubeskoop-names.yaml\`）：${total} 个中输出 ${served} 个（\`prometheus.names: legacy\` 或 \`both\`；KubeSkoop 格式的配置默认为 \`both\`）。不输出的：\`rdma\` 探针（构建与测试所用机器上没有 RDMA 设备，也没有 soft-RoCE）。\`kubeskoop_flow_*\` 已输出，其 KubeSkoop 元组标签由每条 flow 序列的 Pod 地址与对端地址构成。KubeSkoop 两个 Grafana 仪表盘中只有节点仪表盘 RDMA 行的 10 个 \`kubeskoop_rdma_*\` 名称不输出；两个仪表盘的其他面板均有数据（test/compat/dashboards.test.ts）。`,
    v1Head: ['名称', 'KubeSkoop 探针', 'KubeSkoop 类型', 'KubeSkoop 标签', '是否输出', 'OTel 指标，或不输出的原因'],
    yes: '是',
    no: '否',
    extrasTitle: '旧名称序列与 KubeSkoop 的不同之处',
    extras: [
      '`metrics.additionalLabels`（`name=value`，`${labels:<Pod 标签>}` 替换为 Pod 的标签值，Pod 无此标签或为主机时为空）与 KubeSkoop 一样生效：每个都成为每条 `kubeskoop_*` 序列上 `k8s_node`、`k8s_namespace`、`k8s_pod` 之后的标签，并成为每个 OTel 数据点（OTLP 与 /metrics）上的同名属性。所需的 Pod 标签从 Kubernetes API 获取。',
      '标注为全节点的旧名称（`kubeskoop_sock_orphan`、`inspector_pod_sockorphan`：内核为整个节点只保留一个 orphan 计数，并在每个命名空间的 sockstat 中显示）在其探针的每个目标上以节点的值输出，使 KubeSkoop 的 “TCP Socket Count” 面板（`kubeskoop_sock_inuse + kubeskoop_sock_orphan`）对 Pod 与主机两侧的标签集一致。KubeSkoop 自己只为主机输出 `kubeskoop_sock_*`。',
      '按流的标签（`kubeskoop_packetloss_*` 与 `kubeskoop_tcpretrans_total` 上的 `protocol, src, …, dport`，`kubeskoop_softirq_*` 上的 `softirq_type`）不复现：见上表标签列。每次丢包或重传的流信息在其事件中，事件在 stderr/file/loki sink 中的 JSON 与 KubeSkoop 相同（[事件](events.zh.md)）。',
    ],
    legacyIntro:
      'KubeSkoop 导出过的每个名称（原文档的 `inspector_pod_*`、v1.x 的 `kubeskoop_<probe>_<m>`）如何对应到 OTel 指标与属性值。配置 `prometheus.names: legacy` 或 `both` 时，/metrics 会由同一份快照重新输出这些名称。',
    labelsIntro:
      '`inspector_pod_*` 名称带 v0.1.x 的标签，`kubeskoop_*` 名称带 v1.x 的标签。取值：node 为节点名（配置 `node_name`，否则为主机名）；namespace/pod 为 Pod 的；主机网络命名空间的 namespace 与 pod 为空（与 KubeSkoop 相同）；不属于 Pod 的命名空间（KubeSkoop 会丢弃）namespace 为空，`pod` 为其 /run/netns 名称或 `netns-<inode>`。标签值按 Prometheus 文本格式转义。两套名称同时输出（与 KubeSkoop 2024 年 1 月至 5 月的行为相同）：每个目标、每个旧名称一条序列，其值为所选 OTel 序列按“聚合”列求和；`inspector_pod_*` 类型为 gauge，`kubeskoop_*` 类型与 KubeSkoop v1.x 相同（除非注册表标注 `legacy_type: counter`，否则为 gauge）。原文档中的笔误只在本页说明，不会输出。`both` 模式下，与 /metrics 上某个 OTel 名称相同的旧名称只以 OTel 形式输出一次。',
    docsLinks: '页面',
    indexIntro: '由语义约定注册表（`semconv/registry`）生成：每页列出 agent 导出的内容、名称及其含义。',
    eventsOf: '事件',
    measuredPer: '每',
    seed: '原文',
    overheadLevels: { low: '低 (low)', medium: '中 (medium)', high: '高 (high)' },
    histogram: '直方图序列',
    langLink: 'English',
    tools: '工具',
    toolsList: [
      '`kubeskoop-otel explain <name>` — 在命令行解释本文档中的任意名称（OTel 名称、Prometheus 名称、升级页中的此前名称、旧名称、事件类型、探针、属性）；`--list`、`--lang zh`；未知名称给出最接近的候选。',
      '`kubeskoop-otel top [--url http://127.0.0.1:9102]` — 按网络问题实时排序的 Pod 列表；列来自注册表中标注了 `top:` 的指标。',
      '`prometheus.names: otel | legacy | both` — /metrics 输出哪套名称；OTLP 始终使用 OTel 名称。标签见旧名称页。',
      'Grafana：导入 `semconv/dashboards/kubeskoop-otel.json`（每个探针一行，`namespace` 与 `pod` 变量；查询使用 Prometheus 名称，抓取与 OTLP → Collector 两条路径相同）。',
    ],
  },
} as const;

const ext = (lang: Lang): string => (lang === 'en' ? '.md' : '.zh.md');
const code = (s: string): string => `\`${s}\``;
/** A table cell: no raw `|` or newline. */
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(head: string[], rows: string[][]): string {
  if (rows.length === 0) return '';
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

export function describeSelection(l: LegacyName): string {
  const e = Object.entries(l.attributes);
  return e.length === 0 ? '—' : e.map(([k, v]) => `${k}=${v}`).join(', ');
}

function overheadText(p: ProbeDefinition, lang: Lang): string {
  const t = T[lang];
  const measured = p.measuredOverhead
    ? `${t.measured}: ${p.measuredOverhead.value} ${p.measuredOverhead.unit} ${t.measuredPer} ${p.measuredOverhead.per}${p.measuredOverhead.measured ? ` (${p.measuredOverhead.measured})` : ''}`
    : `${t.measured}: ${t.notMeasured}`;
  return `${measured}; ${t.kubeskoop}: ${t.overheadLevels[p.kubeskoopOverhead]}`;
}

function promNames(m: MetricDefinition): string {
  return promSeriesNames(promName(m.name, m.instrument, m.unit), m.instrument).join(', ');
}

function metricRows(ms: readonly MetricDefinition[], lang: Lang): string[][] {
  return ms.map((m) => {
    const legacy = m.legacy.map(
      (l) =>
        `${code(l.name)}${l.seedTypoOf ? ` (${T[lang].seed} typo → ${code(l.seedTypoOf)})` : ''}${Object.keys(l.attributes).length ? ` [${describeSelection(l)}]` : ''}`,
    );
    return [
      code(m.name),
      m.entities.join(', ') + (m.semconv ? ' (semconv)' : ''),
      m.instrument,
      code(m.unit),
      m.attributes.length ? m.attributes.map((a) => `${code(a)} (${code(promLabelName(a))})`).join('<br>') : '—',
      code(promNames(m)),
      legacy.join('<br>') || '—',
      m.brief[lang],
    ];
  });
}

function probePage(r: Registry, p: ProbeDefinition, lang: Lang): string {
  const t = T[lang];
  const ms = r.metrics.filter((m) => m.probe === p.name);
  const es = r.events.filter((e) => e.probe === p.name);
  const out: string[] = [
    GENERATED[lang],
    '',
    `# ${t.probe}: ${p.name}`,
    '',
    `[${t.langLink}](${p.name}${ext(lang === 'en' ? 'zh' : 'en')}) · [${t.title}](../index${ext(lang)})`,
    '',
  ];
  out.push(`**${t.observes}:** ${p.brief[lang]}`, '');
  out.push(
    table(
      [t.kind, t.scope, t.source, t.aliases],
      [
        [
          p.kind,
          p.scope,
          code(p.source),
          [p.name, ...p.aliases].map(code).join(', ') + ` (/status: ${code(p.statusKey)})`,
        ],
      ],
    ),
    '',
  );
  out.push(`**${t.overhead}:** ${overheadText(p, lang)}`, '');
  out.push(`**${t.whenToUse}:** ${p.whenToUse[lang]}`, '');
  out.push(`## ${t.metrics}`, '');
  if (ms.length === 0) out.push(t.noMetrics, '');
  else {
    out.push(t.promNote, '');
    out.push(
      table(
        [t.otelName, t.entity, t.instrument, t.unit, t.attributes, t.prom, t.legacyNames, t.meaning],
        metricRows(ms, lang),
      ),
      '',
    );
    out.push(`${t.identity}${TARGET_ATTRIBUTES.map(code).join(', ')}.`, '');
    out.push(`### ${t.sources}`, '');
    out.push(
      table(
        [t.otelName, t.source],
        ms.map((m) => [code(m.name), m.source]),
      ),
      '',
    );
  }
  if (es.length > 0) {
    out.push(`## ${t.eventsOf}`, '');
    out.push(
      table(
        [t.event, t.types, t.severity, t.meaning],
        es.map((e) => [
          `[${code(e.name)}](../events${ext(lang)}#${anchor(e.name)})`,
          e.types.map((x) => code(x.type)).join(', '),
          e.severity,
          e.brief[lang],
        ]),
      ),
      '',
    );
  }
  return out.join('\n');
}

function anchor(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9\- ]/g, '')
    .replace(/ /g, '-');
}

function eventsPage(r: Registry, seed: SeedNames, lang: Lang): string {
  const t = T[lang];
  const out: string[] = [
    GENERATED[lang],
    '',
    `# ${t.events}`,
    '',
    `[${t.langLink}](events${ext(lang === 'en' ? 'zh' : 'en')}) · [${t.title}](index${ext(lang)})`,
    '',
  ];
  out.push(t.sinkIntro, '');
  if (r.events.length === 0) out.push(t.noEvents, '');
  for (const e of r.events) out.push(...eventSection(e, lang));
  out.push(`## ${t.seedEvents}`, '');
  out.push(
    table(
      [t.type, t.probe, t.seedMeant, t.typoOf, t.event, t.status],
      seed.events.map((s) => {
        const res = resolveSeedEvent(r, s);
        return [
          code(s.type),
          s.probe,
          s.seed,
          s.typoOf ? code(s.typoOf) : '—',
          res.status === 'mapped' ? `${code(res.event.name)} (kubeskoop.event.type=${res.type.type})` : '—',
          res.status === 'mapped' ? t.mapped : `${res.status === 'pending' ? t.pending : t.unmapped}: ${res.reason}`,
        ];
      }),
    ),
    '',
  );
  return out.join('\n');
}

function eventSection(e: EventDefinition, lang: Lang): string[] {
  const t = T[lang];
  return [
    `## ${e.name}`,
    '',
    e.brief[lang],
    '',
    table(
      [t.probe, t.severity, t.threshold, t.attributes],
      [
        [
          `[${e.probe}](probes/${e.probe}${ext(lang)})`,
          e.severity,
          e.threshold ?? '—',
          e.attributes.map(code).join(', '),
        ],
      ],
    ),
    '',
    table(
      [t.types, t.meaning, t.sinkMsg],
      e.types.map((x) => [
        [x.type, ...x.aliases].map(code).join(', '),
        x.brief[lang],
        x.kubeskoopMsg !== undefined ? code(JSON.stringify(x.kubeskoopMsg)) : '—',
      ]),
    ),
    '',
    `**${t.sinkLabels}:** ${t.sinkLabelKinds[e.kubeskoopLabels ?? 'pod']}`,
    '',
    `**${t.whatToDo}:** ${e.action[lang]}`,
    '',
  ];
}

function kubeskoopNamesSection(r: Registry, groups: readonly KubeskoopProbeNames[], lang: Lang): string[] {
  const t = T[lang];
  const rows: string[][] = [];
  let served = 0;
  for (const g of groups) {
    for (const n of g.names) {
      const st = kubeskoopNameStatus(r, g, n);
      if (st.served) served++;
      rows.push([
        code(n),
        g.probe,
        g.type,
        g.labels.map(code).join(', ') + (g.labelsNote ? ` — ${g.labelsNote}` : ''),
        st.served ? t.yes : t.no,
        st.served ? code(st.metric.name) : st.reason,
      ]);
    }
  }
  return [
    `## ${t.v1Title}`,
    '',
    t.v1Intro(served, rows.length),
    '',
    table([...t.v1Head], rows),
    '',
    `## ${t.extrasTitle}`,
    '',
    ...t.extras.map((x) => `- ${x}`),
    '',
  ];
}

function legacyPage(
  r: Registry,
  seed: SeedNames,
  lang: Lang,
  kubeskoopNames: readonly KubeskoopProbeNames[] = [],
): string {
  const t = T[lang];
  const out: string[] = [
    GENERATED[lang],
    '',
    `# ${t.legacy}`,
    '',
    `[${t.langLink}](legacy-names${ext(lang === 'en' ? 'zh' : 'en')}) · [${t.title}](index${ext(lang)})`,
    '',
    t.legacyIntro,
    '',
  ];
  out.push(`## ${t.seedMetrics}`, '');
  out.push(
    table(
      [t.legacyNames, t.probe, t.seedMeant, t.typoOf, t.otelName, t.selects, t.aggregation, t.status],
      seed.metrics.map((s) => {
        const res = resolveSeedMetric(r, s);
        if (res.status !== 'mapped') {
          return [
            code(s.name),
            s.probe,
            s.seed,
            s.typoOf ? code(s.typoOf) : '—',
            '—',
            '—',
            '—',
            `${res.status === 'pending' ? t.pending : t.unmapped}: ${res.reason}`,
          ];
        }
        return [
          code(s.name),
          s.probe,
          `${s.seed}${lang === 'en' ? ` — ${res.metric.brief.en}` : ''}`,
          s.typoOf ? code(s.typoOf) : '—',
          code(res.metric.name),
          describeSelection(res.legacy),
          t.agg[res.metric.legacyAggregation],
          t.mapped,
        ];
      }),
    ),
    '',
  );
  out.push(`## ${t.allLegacy}`, '');
  const rows: string[][] = [];
  for (const m of r.metrics)
    for (const l of m.legacy) {
      rows.push([
        code(l.name),
        l.seedTypoOf ? `${t.seed} typo → ${code(l.seedTypoOf)}` : legacyPromType(m, l.name),
        code(m.name),
        describeSelection(l),
        l.tuple ? t.aggTuple : t.agg[m.legacyAggregation],
        m.brief[lang],
      ]);
    }
  rows.sort((a, b) => a[0]!.localeCompare(b[0]!));
  out.push(table([t.legacyNames, t.legacyType, t.otelName, t.selects, t.aggregation, t.meaning], rows), '');
  out.push(`## ${t.labelsTitle}`, '', t.labelsIntro, '');
  out.push(
    table(
      [t.legacyNames, t.attributes],
      [
        [code('inspector_pod_*'), LEGACY_LABELS.inspector.map(code).join(', ')],
        [code('kubeskoop_*'), LEGACY_LABELS.kubeskoop.map(code).join(', ')],
      ],
    ),
    '',
  );
  if (kubeskoopNames.length > 0) out.push(...kubeskoopNamesSection(r, kubeskoopNames, lang));
  out.push(`## ${t.seedEvents}`, '', `→ [${t.events}](events${ext(lang)}#${anchor(t.seedEvents)})`, '');
  return out.join('\n');
}

function indexPage(r: Registry, seed: SeedNames, lang: Lang): string {
  const t = T[lang];
  const out: string[] = [
    GENERATED[lang],
    '',
    `# ${t.title}`,
    '',
    `[${t.langLink}](index${ext(lang === 'en' ? 'zh' : 'en')})`,
    '',
    t.indexIntro,
    '',
  ];
  out.push(
    `- [${t.events}](events${ext(lang)})`,
    `- [${t.legacy}](legacy-names${ext(lang)})`,
    `- [${t.upgrade}](upgrade${ext(lang)})`,
    `- [Grafana dashboard](../dashboards/kubeskoop-otel.json)`,
    '',
  );
  out.push(`## ${t.entitiesTitle}`, '');
  out.push(
    table(
      [t.entity, t.semconvEntity, t.resource, t.meaning],
      r.entities.map((e) => [
        code(e.name),
        e.semconvEntity ? code(e.semconvEntity) : '—',
        e.resource.map(code).join(', '),
        e.brief[lang],
      ]),
    ),
    '',
  );
  out.push(`## ${t.tools}`, '', ...t.toolsList.map((x) => `- ${x}`), '');
  out.push(`## ${t.probes}`, '');
  out.push(
    table(
      [t.probe, t.kind, t.overhead, t.metrics, t.eventsOf, t.observes],
      r.probes.map((p) => [
        `[${p.name}](probes/${p.name}${ext(lang)})`,
        p.kind,
        overheadText(p, lang),
        String(r.metrics.filter((m) => m.probe === p.name).length),
        String(r.events.filter((e) => e.probe === p.name).length),
        p.brief[lang],
      ]),
    ),
    '',
  );
  const agent = r.metrics.filter((m) => !r.probes.some((p) => p.name === m.probe));
  if (agent.length > 0) {
    out.push(`## ${t.metrics}: agent`, '');
    out.push(
      table(
        [t.otelName, t.entity, t.instrument, t.unit, t.attributes, t.prom, t.legacyNames, t.meaning],
        metricRows(agent, lang),
      ),
      '',
    );
  }
  if (r.unsupported.length > 0) {
    out.push(`## ${t.unsupported}`, '');
    out.push(
      table(
        [t.probe, t.aliases, t.reason],
        r.unsupported.map((u) => [u.name, [u.name, ...u.aliases].map(code).join(', '), u.reason]),
      ),
      '',
    );
  }
  const mapped = seed.metrics.filter((s) => resolveSeedMetric(r, s).status === 'mapped').length;
  const mappedEv = seed.events.filter((s) => resolveSeedEvent(r, s).status === 'mapped').length;
  out.push(
    `${t.seedMetrics}: ${mapped}/${seed.metrics.length} ${t.mapped}; ${t.seedEvents}: ${mappedEv}/${seed.events.length} ${t.mapped}.`,
    '',
  );
  return out.join('\n');
}

function upgradePage(r: Registry, lang: Lang): string {
  const t = T[lang];
  const out: string[] = [
    GENERATED[lang],
    '',
    `# ${t.upgrade}`,
    '',
    `[${t.langLink}](upgrade${ext(lang === 'en' ? 'zh' : 'en')}) · [${t.title}](index${ext(lang)})`,
    '',
    t.upgradeIntro,
    '',
  ];
  out.push(`## ${t.renamedMetrics}`, '');
  const rows = metricRenames(r.metrics).map((x) => [
    code(x.oldName),
    code(x.oldProm),
    code(x.metric.name),
    code(x.newProm),
    x.entities.join(', '),
    x.metric.probe === 'agent'
      ? `[agent](index${ext(lang)})`
      : `[${x.metric.probe}](probes/${x.metric.probe}${ext(lang)})`,
  ]);
  rows.sort((a, b) => a[0]!.localeCompare(b[0]!) || a[4]!.localeCompare(b[4]!));
  out.push(table([t.oldName, t.oldProm, t.newName, t.newProm, t.entity, t.probe], rows), '');
  out.push(`## ${t.renamedAttrs}`, '');
  out.push(
    table(
      [t.oldName, t.oldProm, t.newName, t.newProm, t.onMetric],
      attributeRenames(r.metrics, r.attributes).map((x) => [
        code(x.oldName),
        code(x.oldLabel),
        code(x.newName),
        code(x.newLabel),
        x.metric ? code(x.metric.name) : t.everywhere,
      ]),
    ),
    '',
  );
  return out.join('\n');
}

function seedTs(seed: SeedNames): string {
  return `// GENERATED FILE — do not edit by hand.
// Source: semconv/registry/${SEED_NAMES_FILE}; generator: semconv/tools/render-docs.ts; regenerate with \`npm run generate\`.
import type { SeedNames } from '../lib/seed-names.js';

export const SEED_NAMES: SeedNames = ${JSON.stringify(seed, null, 2)};
`;
}

/** Every docs file (path → content) for a registry and seed list. */
export function renderDocs(
  r: Registry,
  seed: SeedNames,
  kubeskoopNames: readonly KubeskoopProbeNames[] = [],
): Map<string, string> {
  const files = new Map<string, string>();
  for (const lang of ['en', 'zh'] as const) {
    files.set(`${DOCS_DIR}/index${ext(lang)}`, indexPage(r, seed, lang));
    files.set(`${DOCS_DIR}/events${ext(lang)}`, eventsPage(r, seed, lang));
    files.set(`${DOCS_DIR}/legacy-names${ext(lang)}`, legacyPage(r, seed, lang, kubeskoopNames));
    files.set(`${DOCS_DIR}/upgrade${ext(lang)}`, upgradePage(r, lang));
    for (const p of r.probes) files.set(`${DOCS_DIR}/probes/${p.name}${ext(lang)}`, probePage(r, p, lang));
  }
  files.set(SEED_TS_PATH, seedTs(seed));
  return files;
}

/** The generator hook (semconv/tools/generate.ts). */
export function docsRenderer(root: string): Map<string, string> {
  const dir = join(root, 'semconv', 'registry');
  const { registry, problems } = loadRegistry(dir);
  const seed = loadSeedNames(join(dir, SEED_NAMES_FILE), `semconv/registry/${SEED_NAMES_FILE}`);
  const ks = loadKubeskoopNames(join(dir, KUBESKOOP_NAMES_FILE), `semconv/registry/${KUBESKOOP_NAMES_FILE}`);
  const all = [...problems, ...seed.problems, ...ks.problems];
  if (all.length > 0) throw new Error(`cannot render docs:\n  ${all.join('\n  ')}`);
  return renderDocs(registry, seed.seed, ks.names);
}

// The shapes of registry entries, shared by the generator (semconv/tools) and the code that imports
// the generated registry. Hand-written; the data itself lives in semconv/registry/*.yaml.

export type Instrument = 'counter' | 'updowncounter' | 'gauge' | 'histogram';
/** What a target is (NAMING.md rule 6): the node itself, a pod, or a network namespace that is neither. */
export type TargetEntity = 'host' | 'pod' | 'netns';
/** Whom a metric describes: a kind of target, or the agent itself (its own metrics). */
export type MetricEntity = TargetEntity | 'agent';
export type ProbeKind = 'metric' | 'event' | 'metric+event';
/** Where a probe's truth lives: one network namespace, the whole node, or the processes of a target. */
export type ProbeScope = 'netns' | 'node' | 'process';
export type OverheadLevel = 'low' | 'medium' | 'high';
export type Severity = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
/** How KubeSkoop's legacy series are built from the per-interface OTel series. */
export type LegacyAggregation = 'none' | 'sum' | 'sum_except_lo';

export interface Bilingual {
  readonly en: string;
  readonly zh: string;
}

export interface AttributeDefinition {
  readonly name: string;
  /** Earlier names of this attribute (upgrade notes, `explain`). */
  readonly renamedFrom?: readonly string[];
  readonly type: 'string' | 'int' | 'double' | 'boolean' | 'enum';
  /** Defined by the OpenTelemetry semantic conventions (otherwise in the kubeskoop. namespace). */
  readonly semconv: boolean;
  readonly brief: Bilingual;
  readonly values?: readonly string[];
  readonly examples?: readonly string[];
}

export interface LegacyName {
  /** A name KubeSkoop exported (inspector_pod_*, kubeskoop_*), or a spelling used in its seed catalogue. */
  readonly name: string;
  /** The OTel attribute values that select the series this legacy name stood for. */
  readonly attributes: Readonly<Record<string, string>>;
  /** Set when `name` is a typo of the seed catalogue: the name KubeSkoop really exported. */
  readonly seedTypoOf?: string;
  /** KubeSkoop's value is the OTel value times this (e.g. 1000: it exported milliseconds, OTel has seconds). */
  readonly scale?: number;
  /** A node-wide value (the kernel shows the node's in every namespace): served on every target of
   *  the probe with the host's value, not on the host only. */
  readonly nodeWide?: boolean;
  /** KubeSkoop's flow tuple names (kubeskoop_flow_*): one series per OTel series, labelled
   *  protocol, src, src_type, src_node, src_namespace, src_pod, dst, …, sport, dport (LEGACY_TUPLE_LABELS). */
  readonly tuple?: boolean;
}

/** A cost measured by the benchmark (test/bench), e.g. 0.19 ms of CPU per namespace per cycle. */
export interface MeasuredOverhead {
  readonly value: number;
  readonly unit: 'ms' | 'us' | 'ns' | 'MiBy';
  /** What the value is per: "namespace per cycle", "event", … */
  readonly per: string;
  /** When/where it was measured (kernel, machine, date). */
  readonly measured?: string;
}

/** A column of `kubeskoop-otel top` this metric feeds (its rate per second, summed per pod). */
export interface TopColumn {
  /** Column header, upper case, ≤ 12 characters. */
  readonly column: string;
  /** Only the series with these attribute values. */
  readonly attributes?: Readonly<Record<string, string>>;
  /** An attribute whose largest value is shown next to the column (e.g. the top drop reason). */
  readonly breakdown?: string;
}

export interface MetricDefinition {
  /** The stable internal id: `<probe>.<key>`, or `<probe>.<key>.<entities>` for one of several names of a measurement. */
  readonly id: string;
  readonly probe: string;
  readonly key: string;
  /** `<probe>.<key>`: the measurement. Its names for different entities (a pod's k8s.pod.network.io, the
   *  host's system.network.io) share the family, the source, the meaning and the legacy names. */
  readonly family: string;
  /** The OpenTelemetry metric name. */
  readonly name: string;
  /** Whom this name is reported for (NAMING.md rule 6: names follow the entity). */
  readonly entities: readonly MetricEntity[];
  readonly semconv: boolean;
  /** A semconv name's entity, as semconv associates it (its model's `entity_associations`: host, k8s.pod, …). */
  readonly semconvEntity?: string;
  /** Earlier OTel names of the same series, for the upgrade notes and `explain` ([]: a new metric; absent: unchanged). */
  readonly renamedFrom?: readonly string[];
  /** Attributes renamed on this metric: old name → new name. */
  readonly renamedAttributes?: Readonly<Record<string, string>>;
  readonly instrument: Instrument;
  readonly unit: string;
  readonly attributes: readonly string[];
  readonly source: string;
  readonly brief: Bilingual;
  readonly legacy: readonly LegacyName[];
  readonly legacyAggregation: LegacyAggregation;
  /** How KubeSkoop typed its `kubeskoop_*` names of this metric (`inspector_pod_*` were always gauges). Default gauge. */
  readonly legacyType?: 'gauge' | 'counter';
  readonly top?: readonly TopColumn[];
  /** Histogram bucket boundaries (seconds for durations). */
  readonly buckets?: readonly number[];
}

/** Whom metrics describe (semconv/registry/entities.yaml). */
export interface EntityDefinition {
  readonly name: MetricEntity;
  /** The semconv entity it is (undefined: semconv has none), e.g. host, k8s.pod. */
  readonly semconvEntity?: string;
  /** The resource attributes that identify it in OTLP. */
  readonly resource: readonly string[];
  readonly brief: Bilingual;
}

/** One measurement's name for each kind of target (a probe picks `METRIC[target.kind]`). */
export type EntityMetrics = Readonly<Record<TargetEntity, MetricDefinition>>;

export interface EventTypeDefinition {
  /** KubeSkoop's event type as its current version writes it, kept as the `kubeskoop.event.type` attribute. */
  readonly type: string;
  readonly brief: Bilingual;
  /** Other spellings of this type (older KubeSkoop versions, the seed catalogue, seed typos). */
  readonly aliases: readonly string[];
  /** KubeSkoop's `msg` text for this type, as a template over the event (its sinks' JSON). */
  readonly kubeskoopMsg?: string;
}

/** Which `labels` list KubeSkoop's sinks write for an event: [pod, namespace, node]; the 13 flow
 *  tuple labels; [type = the softirq]; or none (`null`). */
export type KubeskoopEventLabels = 'pod' | 'tuple' | 'softirq' | 'none';

export interface EventDefinition {
  readonly id: string;
  readonly probe: string;
  readonly key: string;
  /** The LogRecord EventName. */
  readonly name: string;
  readonly severity: Severity;
  readonly attributes: readonly string[];
  readonly types: readonly EventTypeDefinition[];
  readonly brief: Bilingual;
  /** What an SRE should do on seeing it. */
  readonly action: Bilingual;
  readonly threshold?: string;
  /** KubeSkoop's `labels` list in its sinks (default pod). */
  readonly kubeskoopLabels?: KubeskoopEventLabels;
}

export interface ProbeDefinition {
  readonly name: string;
  readonly kind: ProbeKind;
  readonly scope: ProbeScope;
  /** Every other spelling KubeSkoop used for this probe (config names, /status keys). */
  readonly aliases: readonly string[];
  /** The key KubeSkoop's /status used for this probe. */
  readonly statusKey: string;
  readonly source: string;
  readonly kubeskoopOverhead: OverheadLevel;
  readonly measuredOverhead?: MeasuredOverhead;
  readonly brief: Bilingual;
  readonly whenToUse: Bilingual;
}

export interface UnsupportedProbe {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly statusKey: string;
  readonly reason: string;
}

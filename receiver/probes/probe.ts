// The probe contract. A metric probe reads one source for one target and returns typed samples;
// it never touches OpenTelemetry. Which registry entries it fills is declared in `metrics`.
import type { EbpfProbeName, TcProbeName } from '../native/generated/ebpf.js';
import type { NativeEvent } from '../native/helper-client.js';
import type { EventRecord } from './event-record.js';
import type { MetricDefinition, ProbeScope } from '../../semconv/types.js';
import type { Target } from '../targets/target.js';
import type { Logger } from '../log.js';
import type { PeerDirectory } from '../peers/resolve.js';
import type { SampleList } from './sample-list.js';
import type { TaskTable } from '../kernel/task-table.js';

export type AttributeValue = string | number;
export type SampleAttributes = Readonly<Record<string, AttributeValue>>;

/** A histogram already aggregated (e.g. in a BPF map): cumulative since the probe started. */
export interface HistogramValue {
  readonly boundaries: readonly number[];
  /** One more count than boundaries (the last bucket is +Inf). */
  readonly bucketCounts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

export interface MetricSample {
  readonly metric: MetricDefinition;
  readonly value: number | HistogramValue;
  /** The metric's own attributes (interface, direction…); target identity is added by the snapshot. */
  readonly attributes: SampleAttributes;
}

export interface ProbeResult {
  readonly samples: readonly MetricSample[];
  /** What could not be read or parsed; the samples that could be read are still returned. */
  readonly problems: readonly string[];
  /** The target's namespace (or process) vanished while it was read: drop quietly. */
  readonly targetGone?: boolean;
}

export type ProbeState = 'running' | 'degraded' | 'unsupported' | 'stopped';

export interface ProbeStatus {
  readonly state: ProbeState;
  /** Why the probe is degraded or unsupported, precise enough to act on. */
  readonly reason?: string;
}

export interface ProbeContext {
  /** Mount point of the host's procfs (`/proc`; in a container with hostPID, also `/proc`). */
  readonly procRoot: string;
  readonly log: Logger;
  /** This probe's options from the config, already validated against `optionsSchema`. */
  readonly options: Readonly<Record<string, unknown>>;
  /** The cycle's task walk (every process's namespace, parent and io counters), when discovery had
   *  one: a process-scope probe reads its processes from it instead of /proc. */
  readonly tasks?: () => TaskTable | undefined;
}

export interface MetricProbe {
  /** Canonical probe name (semconv/registry/probes.yaml). */
  readonly name: string;
  /** netns: once per namespace; node: once per cycle (host target); process: once per target, over its processes. */
  readonly scope: ProbeScope;
  /** The registry entries this probe fills. */
  readonly metrics: readonly MetricDefinition[];
  /** Checks the source is usable here; a probe that cannot run says why instead of failing each cycle. */
  start?(ctx: ProbeContext): Promise<ProbeStatus>;
  /** The live state, for probes whose state changes after start (a restarted helper). */
  status?(): ProbeStatus;
  /** Once per cycle before any target is collected (e.g. one dump of in-kernel counters). */
  beforeCycle?(ctx: ProbeContext): Promise<void>;
  /** `out`: where to write this target's samples, kept across cycles by the scheduler (sample-list.ts);
   *  a probe may ignore it and return new samples. Absent (a test calling collect): a new list. */
  collect(target: Target, ctx: ProbeContext, out?: SampleList): Promise<ProbeResult> | ProbeResult;
  stop?(): Promise<void>;
}

/** Exact in-kernel counts kept by the eBPF probes (see receiver/events/native-source.ts). */
export interface NativeCount {
  readonly probe: string;
  readonly netnsInode: number;
  /** events/undelivered: the event probes; hist/sum/slow/track: the latency probes (labels metric, sub, slot) */
  readonly series: 'events' | 'undelivered' | 'hist' | 'sum' | 'slow' | 'track';
  readonly labels: Readonly<Record<string, string>>;
  readonly count: number;
}

/** An eBPF probe: one descriptor bpf/probes/<name>.yaml each. */
export type NativeProbeId = EbpfProbeName;

export interface NativeCounters {
  refreshCounters(minIntervalMs: number): Promise<void>;
  counts(probe: NativeProbeId): NativeCount[];
  probeStatus(probe: NativeProbeId): ProbeStatus;
  /** latency probes: thresholds in effect (ns, low and high), once loaded */
  latencyThresholds?(probe: NativeProbeId): readonly [number, number] | undefined;
  /** helper commands answered by one JSON frame (tcpsummary walk, qdisc netlink dumps, a tc probe's
   *  command of its name) */
  helperCommand?(
    verb: 'tcpsummary' | 'tasks' | 'qdisc' | 'connections' | TcProbeName,
    args?: readonly string[],
  ): Promise<Record<string, unknown>>;
  /** the helper process's own state (running, or degraded with the reason) */
  helperState?(): ProbeStatus;
}

/** What a probe may need beyond procfs. */
export interface ProbeEnvironment {
  readonly native?: NativeCounters;
  /** names for peer addresses (pods, Services, nodes) of the per-peer probes */
  readonly peers?: PeerDirectory;
  /** events a metric probe finds in its own dumps (dns), delivered like the kernel's ring events */
  readonly emitEvent?: (record: EventRecord, netnsInode: number, probe: string) => void;
}

/** A JSON Schema for a probe's options (validated with the config). */
export type OptionsSchema = Readonly<Record<string, unknown>>;

export interface MetricProbeModule {
  readonly name: string;
  readonly optionsSchema?: OptionsSchema;
  create(env?: ProbeEnvironment): MetricProbe;
  /** eBPF probes: a kernel record of this probe as an event (undefined: not one of its records) */
  renderEvent?(e: NativeEvent): EventRecord | undefined;
}

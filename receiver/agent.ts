// Puts the data path together: config → targets → probes → snapshot → pipeline, plus the HTTP
// server. The CLI's `run` and the tests start the agent through here.
import { hostname } from 'node:os';
import type { AgentConfig } from './config/types.js';
import type { ProbeCapabilities } from './config/load.js';
import { createLogger, type Logger } from './log.js';
import {
  METRIC_PROBES,
  DEFAULT_METRIC_PROBES,
  HELPER_METRIC_PROBES,
  NATIVE_PROBE_NAMES,
  PROCESS_METRIC_PROBES,
} from './probes/catalog.js';
import type { ProbeEnvironment } from './probes/probe.js';
import type { EventRecord } from './probes/event-record.js';
import type { NodeWatch, ServiceWatch } from './peers/services.js';
import { OwnAddresses } from './peers/own-addresses.js';
import { WatchedPeerDirectory } from './peers/directory.js';
import { NativeEventSource, needsHelper, type NativeProbe, type NativeSelection } from './events/native-source.js';
import { nativeOptions } from './probes/native-options.js';
import { createSinks, type SinkContext, type SinkOptions } from './events/sinks.js';
import { SinkDrops } from './events/sink-drops.js';
import { legacyIdentity } from './pipeline/legacy-prometheus.js';
import { additionalLabelValues } from './config/additional-labels.js';
import { targetAttributes } from './snapshot/snapshot.js';
import { withTargetFields, type Target } from './targets/target.js';
import { discoverTargets } from './targets/discover.js';
import { TaskWalk } from './targets/task-walk.js';
import { Scheduler, type ScheduledProbe } from './snapshot/scheduler.js';
import { createTelemetry, lokiOtlpSinks, type Telemetry } from './pipeline/telemetry.js';
import { startHttpServer, type HttpServer } from './server/http.js';
import { buildStatus } from './server/status.js';
import { serverSecurity } from './server/security.js';
import { VERSION } from './version.js';
import type { Snapshot } from './snapshot/snapshot.js';
import { createIdentity, type Identifier, type IdentityRuntime } from './targets/identity.js';
import { effectiveCapabilities } from './kernel/capabilities.js';
import { privilegedProbeReason, restrictedProbe } from './probes/privilege.js';

/** What this build implements, for the config loader. */
export function probeCapabilities(): ProbeCapabilities {
  return {
    metric: new Map([...METRIC_PROBES].map(([name, m]) => [name, m.optionsSchema])),
    event: new Map(NATIVE_PROBE_NAMES.map((name) => [name, METRIC_PROBES.get(name)?.optionsSchema])),
    defaultMetricProbes: DEFAULT_METRIC_PROBES,
  };
}

/** The eBPF probes a config asks for (under metrics: counts only; under events: counts and records). */
export function nativeSelections(config: AgentConfig): Map<string, Readonly<Record<string, unknown>>> {
  const out = new Map<string, Readonly<Record<string, unknown>>>();
  for (const sel of [...config.events.probes, ...config.metrics.probes]) {
    if (NATIVE_PROBE_NAMES.includes(sel.name) && !out.has(sel.name)) out.set(sel.name, sel.options);
  }
  return out;
}

/** What the native helper runs for a config: its eBPF probes, which of them emit events, and
 *  whether tcpsummary/qdisc need its commands. Sidecar mode loads no eBPF: nothing. */
export function nativeSelection(config: AgentConfig): NativeSelection {
  if (config.mode === 'sidecar') return { probes: {}, emitEventsOf: new Set() };
  const natives = nativeSelections(config);
  return {
    probes: Object.fromEntries([...natives].map(([name, options]) => [name, nativeOptions(options)])),
    emitEventsOf: new Set(config.events.probes.map((p) => p.name).filter((n): n is NativeProbe => natives.has(n))),
    helperCommands: config.metrics.probes.some(
      (p) => HELPER_METRIC_PROBES.includes(p.name) || PROCESS_METRIC_PROBES.includes(p.name),
    ),
  };
}

/** The scheduled probes a config asks for; `reuse` keeps the running instance of a probe whose
 *  selection (name and options) did not change, so its state and counters carry over a reload. */
export function scheduledProbes(
  config: AgentConfig,
  env: ProbeEnvironment = {},
  reuse?: ReadonlyMap<string, ScheduledProbe>,
): ScheduledProbe[] {
  // Sidecar mode is unprivileged: probes needing privileges it lacks are degraded, not started.
  const caps = config.mode === 'sidecar' ? effectiveCapabilities() : 0n;
  // Event probes listed only under events still export their exact counts.
  const selections = [
    ...config.metrics.probes,
    ...config.events.probes.filter((e) => !config.metrics.probes.some((m) => m.name === e.name)),
  ];
  return selections.map((sel) => {
    const old = reuse?.get(sel.name);
    if (old && JSON.stringify(old.options) === JSON.stringify(sel.options)) return old;
    const mod = METRIC_PROBES.get(sel.name);
    if (!mod) throw new Error(`internal: probe ${sel.name} passed config validation but has no implementation`);
    const reason = config.mode === 'sidecar' ? privilegedProbeReason(sel.name, caps) : undefined;
    const probe = mod.create(env);
    return { probe: reason !== undefined ? restrictedProbe(probe, reason) : probe, options: sel.options };
  });
}

/** Every target with its KubeSkoop additionalLabels (values from its pod's labels; the host and
 *  namespaces that are no pod get the templates with empty pod labels, as in KubeSkoop). */
export function withAdditionalLabels(config: AgentConfig, targets: readonly Target[]): readonly Target[] {
  const labels = config.metrics.additionalLabels;
  if (labels.length === 0) return targets;
  return targets.map((t) => withTargetFields(t, { additionalLabels: additionalLabelValues(labels, t.pod?.labels) }));
}

export function createScheduler(
  config: AgentConfig,
  log: Logger,
  identity?: Identifier,
  env: ProbeEnvironment = {},
): Scheduler {
  const probes = scheduledProbes(config, env);
  const identifier = identity ?? createIdentity({ ...config, kubernetes: undefined }, log).identifier;
  const native = env.native;
  // The processes from the helper's task walk while it runs (not in sidecar mode: no helper there).
  const walk =
    config.mode !== 'sidecar' && native?.helperCommand !== undefined
      ? new TaskWalk(
          () => native.helperCommand!('tasks'),
          () => native.helperState?.().state === 'running',
          config.procRoot,
          log,
        )
      : undefined;
  const discovery = { procRoot: config.procRoot, netnsDir: config.netnsDir, selfOnly: config.mode === 'sidecar' };
  return new Scheduler({
    intervalMs: config.intervalMs,
    procRoot: config.procRoot,
    probes,
    discover: async () => discoverTargets(discovery, walk ? await walk.table() : undefined),
    ...(walk ? { discoveryStatus: () => ({ ...walk.status() }) } : {}),
    identify: (targets, tasks) => withAdditionalLabels(config, identifier.identify(targets, tasks)),
    log,
  });
}

/** Sidecar mode loads no eBPF program: its event probes are degraded, with the reason. */
function sidecarEventStatus(config: AgentConfig, probe: string): { state: 'degraded'; reason: string } | undefined {
  if (config.mode !== 'sidecar') return undefined;
  const reason =
    privilegedProbeReason(probe, effectiveCapabilities()) ??
    'sidecar mode loads no eBPF programs: kernel events come from the node agent (DaemonSet)';
  return { state: 'degraded', reason };
}

/** What a config reload did. */
export interface ReloadResult {
  readonly started: string[];
  readonly stopped: string[];
  /** Probes whose options changed: stopped, then started with the new options. */
  readonly restarted: string[];
  readonly kept: string[];
  /** The eBPF side (absent in sidecar mode). A native probe is in started/stopped/restarted/kept
   *  above too (its counters are a scheduled probe); here is what the helper did with it. */
  readonly ebpf?: {
    readonly loaded: string[];
    readonly unloaded: string[];
    readonly reloaded: string[];
    readonly kept: string[];
    /** probes whose events now go out, or are now counted only (nothing reloaded for that) */
    readonly eventsOn: string[];
    readonly eventsOff: string[];
    readonly helper?: 'started' | 'stopped';
  };
  /** KubeSkoop's stderr/file event sinks were closed and opened again with the new list. */
  readonly sinksReopened?: boolean;
  readonly intervalSeconds?: { from: number; to: number };
  /** Settings that differ but take effect only after a restart of the agent (the old value stays). */
  readonly needsRestart: string[];
}

const lokiSinks = (c: AgentConfig): AgentConfig['events']['sinks'] => lokiOtlpSinks(c);
const localSinks = (c: AgentConfig): AgentConfig['events']['sinks'] =>
  c.events.sinks.filter((s) => !(s.kind === 'loki' && s.protocol === 'otlp'));

/** Settings a reload cannot change in place (listening socket, exporters, identity). A loki sink on
 *  Loki's OTLP endpoint is an OTLP log exporter of the pipeline, made once like the OTLP exporters. */
const RESTART_ONLY: readonly [string, (c: AgentConfig) => unknown][] = [
  ['mode', (c) => c.mode],
  ['server', (c) => c.server],
  ['proc_root', (c) => c.procRoot],
  ['netns_dir', (c) => c.netnsDir],
  ['node_name', (c) => c.nodeName],
  ['otlp', (c) => c.otlp],
  ['prometheus', (c) => c.prometheus],
  ['service', (c) => c.service],
  ['kubernetes', (c) => c.kubernetes],
  ['log.format', (c) => c.log.format],
  ['events.sinks (loki)', lokiSinks],
  ['metrics.additionalLabels', (c) => c.metrics.additionalLabels],
  ['traces', (c) => c.traces],
];

export interface RunningAgent {
  /** The config in force (the last one accepted by reload). */
  readonly config: AgentConfig;
  readonly scheduler: Scheduler;
  readonly telemetry: Telemetry;
  readonly http: HttpServer;
  readonly identity: IdentityRuntime;
  snapshot(): Snapshot;
  /** Applies a new, already validated config: metric and eBPF probes are started, stopped or kept
   *  as the diff says (kept probes keep their state and counters), the interval and the local event
   *  sinks follow; settings that need a restart are reported and keep their old value. */
  reload(next: AgentConfig): Promise<ReloadResult>;
  stop(): Promise<void>;
}

export async function startAgent(config: AgentConfig, log: Logger = createLogger(config.log)): Promise<RunningAgent> {
  const startedAt = Date.now();
  let current = config;
  for (const w of config.warnings) log.warn(w);
  // First: a bad web config file stops the start (exit 2) before anything runs.
  const security = await serverSecurity(config, log);
  const identity = createIdentity(config, log);
  let natives = config.mode === 'sidecar' ? new Map<string, unknown>() : nativeSelections(config);
  // Outside sidecar mode the source always exists, so that a reload can add the first eBPF probe
  // (or tcpsummary/qdisc, which use the helper's commands); it spawns the helper only when needed.
  const native = config.mode !== 'sidecar' ? new NativeEventSource({ ...nativeSelection(config), log }) : undefined;
  // Events a sink could not deliver are counted with the kernel's undelivered ones.
  const sinkDrops = new SinkDrops();
  // The node's name as KubeSkoop's sinks and legacy series give it (its INSPECTOR_NODENAME, else the host name).
  const nodeName = config.nodeName ?? hostname();
  // peer names for the per-peer probes (flow, connections, tcphealth, dns): pods of the agent's
  // list+watch by address, Services by ClusterIP and nodes by address (cluster-wide list+watch, made
  // only when one of them is enabled with the API on), and this node's own addresses
  let services: ServiceWatch | undefined;
  let nodes: NodeWatch | undefined;
  // which addresses changed between two versions, so a probe re-names only the peers they are
  const peers = new WatchedPeerDirectory({
    pods: () => identity.watch,
    services: () => services,
    nodes: () => nodes,
    own: new OwnAddresses(),
    nodeName,
  });
  // events a metric probe finds in its own dumps (dns) go the same way as the kernel's ring events
  const emitEvent = (record: EventRecord, inode: number, probe: string): void => deliverEvent(record, inode, probe);
  const env: ProbeEnvironment = native ? { native: sinkDrops.wrap(native), peers, emitEvent } : { peers, emitEvent };
  const scheduler = createScheduler(config, log, identity.identifier, env);
  const telemetry = createTelemetry({
    config,
    version: VERSION,
    snapshot: () => scheduler.snapshot,
    log,
    ...(native ? { bpfSkippedRuns: () => native.skippedRuns() } : {}),
  });
  scheduler.on('cycle', (report) => {
    telemetry.recordCycle(report);
    native?.forgetNamespaces(new Set(report.snapshot.targets.map((t) => t.netnsInode)));
  });
  // Kernel events: attributed to their namespace's target, then OTLP/Loki and KubeSkoop's sinks.
  const sinkOptions: SinkOptions = {
    log,
    nodeName,
    onUndelivered: (probe, inode, cause) => sinkDrops.add(probe, inode, cause),
  };
  let sinks = createSinks(config.events.sinks, sinkOptions);
  let targetIndex: { cycle: number; byInode: Map<number, Target> } = { cycle: -1, byInode: new Map() };
  const targetOf = (inode: number): Target | undefined => {
    const snap = scheduler.snapshot;
    if (targetIndex.cycle !== snap.cycle)
      targetIndex = { cycle: snap.cycle, byInode: new Map(snap.targets.map((t) => [t.netnsInode, t])) };
    return inode === 0 ? snap.targets.find((t) => t.kind === 'host') : targetIndex.byInode.get(inode);
  };
  // Probes whose intervals also go out as spans (`spans: true`), for the config in force.
  let spansOf: { config: AgentConfig; probes: Set<string> } | undefined;
  const wantsSpans = (probe: string): boolean => {
    if (spansOf?.config !== current) {
      spansOf = {
        config: current,
        probes: new Set(current.events.probes.filter((p) => p.options.spans === true).map((p) => p.name)),
      };
    }
    return spansOf.probes.has(probe);
  };
  const deliverEvent = (record: EventRecord, inode: number, probe: string): void => {
    const target = targetOf(inode);
    const ids: Record<string, string | number> = target
      ? { ...targetAttributes(target) }
      : { 'kubeskoop.netns.inode': inode };
    telemetry.emitEvent(record, ids);
    if (record.span !== undefined && telemetry.tracing && wantsSpans(probe)) telemetry.emitSpan(record, ids);
    if (sinks.length > 0) {
      const ctx: SinkContext = {
        netnsInode: inode,
        ...(target ? { identity: { ...legacyIdentity(target), node: nodeName } } : {}),
      };
      for (const sink of sinks) sink.write(record, ctx);
    }
  };
  native?.on('event', deliverEvent);
  const http = await startHttpServer(
    config.server.address,
    config.server.port,
    {
      metrics: (req, res) => telemetry.handleMetrics(req, res),
      status: () =>
        buildStatus({
          config: current,
          snapshot: scheduler.snapshot,
          version: VERSION,
          startedAt,
          metricProbeStatus: (n) => scheduler.probeStatus(n),
          eventProbeStatus: (n) =>
            native && natives.has(n) ? native.probeStatus(n as NativeProbe) : sidecarEventStatus(config, n),
          availableMetricProbes: [...METRIC_PROBES.keys()],
          availableEventProbes: NATIVE_PROBE_NAMES,
          identity: () => identity.identifier.status(),
          processes: () => scheduler.discoveryStatus(),
          exports: () =>
            config.otlp.endpoint !== undefined || lokiOtlpSinks(config).length > 0 ? telemetry.exportStatus() : null,
          server: () => http.security(),
        }),
      healthy: () => {
        const snap = scheduler.snapshot;
        if (snap.cycle === 0) return { ok: false, detail: 'starting: no collection cycle has finished yet' };
        const ageMs = Date.now() - snap.takenAt;
        // Stale when three intervals passed without a cycle: the scheduler is stuck.
        if (ageMs > 3 * current.intervalMs + 5_000)
          return { ok: false, detail: `stale: last cycle ${Math.round(ageMs / 1000)} s ago` };
        return { ok: true, detail: `ok: cycle ${snap.cycle}, ${snap.targets.length} targets` };
      },
    },
    security,
  );
  log.info('agent started', {
    version: VERSION,
    mode: config.mode,
    listen: `${config.server.address}:${http.port}`,
    probes: config.metrics.probes.map((p) => p.name),
    intervalSeconds: config.intervalMs / 1000,
  });
  await identity.start();
  // the per-peer probes name peers by Service ClusterIP and node address too
  const perPeer = new Set(['flow', 'tcphealth', 'connections', 'dns']);
  if (identity.watch && [...config.metrics.probes, ...config.events.probes].some((p) => perPeer.has(p.name))) {
    // Loaded only here, as identity loads the pod watch: an agent that never talks to the API loads none of it.
    const [{ ServiceWatch: Services, NodeWatch: Nodes }, { loadKubeConfig }] = await Promise.all([
      import('./peers/services.js'),
      import('./targets/kubernetes.js'),
    ]);
    const k = config.kubernetes;
    const api = loadKubeConfig({ ...(k?.kubeconfig !== undefined ? { kubeconfig: k.kubeconfig } : {}) });
    const klog = log.child({ component: 'kubernetes' });
    services = new Services({ api, log: klog });
    nodes = new Nodes({ api, log: klog });
    // not awaited: the first cycle only attaches (names are needed from the second), and without
    // RBAC for them (rbac.services / rbac.nodes off) the loops retry with backoff, names by address
    services.start();
    nodes.start();
  }
  if (native && needsHelper(native.selection())) await native.start();
  await scheduler.start();
  let reloading: Promise<unknown> = Promise.resolve();
  const reload = async (next: AgentConfig): Promise<ReloadResult> => {
    const needsRestart = RESTART_ONLY.filter(
      ([, get]) => JSON.stringify(get(current)) !== JSON.stringify(get(next)),
    ).map(([k]) => k);
    // Settings that need a restart keep their running value.
    const applied: AgentConfig =
      needsRestart.length === 0
        ? next
        : {
            ...next,
            mode: current.mode,
            server: current.server,
            procRoot: current.procRoot,
            netnsDir: current.netnsDir,
            otlp: current.otlp,
            prometheus: current.prometheus,
            service: current.service,
            traces: current.traces,
            events: { probes: next.events.probes, sinks: [...lokiSinks(current), ...localSinks(next)] },
            metrics: { ...next.metrics, additionalLabels: current.metrics.additionalLabels },
            ...(current.nodeName !== undefined ? { nodeName: current.nodeName } : {}),
            ...(current.kubernetes !== undefined ? { kubernetes: current.kubernetes } : {}),
            log: { ...next.log, format: current.log.format },
          };
    // eBPF programs first, so that the scheduled probes reading their counts start on a loaded
    // probe (and stop reading a removed one at the next cycle, when its counts are gone already).
    const nat = native ? await native.reconfigure(nativeSelection(applied)) : undefined;
    natives = applied.mode === 'sidecar' ? new Map() : nativeSelections(applied);
    let sinksReopened = false;
    if (JSON.stringify(localSinks(current)) !== JSON.stringify(localSinks(applied))) {
      // Cheap (a file opened in append mode): close the old ones once the new ones take the events.
      const old = sinks;
      sinks = createSinks(applied.events.sinks, sinkOptions);
      for (const sink of old) await sink.close();
      sinksReopened = true;
    }
    const running = new Map(scheduler.scheduledProbes().map((sp) => [sp.probe.name, sp]));
    const probes = scheduledProbes(applied, env, running);
    const nextNames = new Set(probes.map((p) => p.probe.name));
    const result: ReloadResult = {
      started: probes.filter((p) => !running.has(p.probe.name)).map((p) => p.probe.name),
      stopped: [...running.keys()].filter((n) => !nextNames.has(n)),
      restarted: probes
        .filter((p) => running.has(p.probe.name) && running.get(p.probe.name) !== p)
        .map((p) => p.probe.name),
      kept: probes.filter((p) => running.get(p.probe.name) === p).map((p) => p.probe.name),
      ...(nat ? { ebpf: nat } : {}),
      ...(sinksReopened ? { sinksReopened } : {}),
      ...(applied.intervalMs !== current.intervalMs
        ? { intervalSeconds: { from: current.intervalMs / 1000, to: applied.intervalMs / 1000 } }
        : {}),
      needsRestart,
    };
    await scheduler.reconfigure({ probes, intervalMs: applied.intervalMs });
    for (const w of applied.warnings) if (!current.warnings.includes(w)) log.warn(w);
    current = applied;
    return result;
  };
  return {
    get config() {
      return current;
    },
    scheduler,
    telemetry,
    http,
    identity,
    snapshot: () => scheduler.snapshot,
    // One reload at a time, in order.
    reload: (next) => {
      const p = reloading.then(() => reload(next));
      reloading = p.catch(() => undefined);
      return p;
    },
    async stop() {
      await scheduler.stop();
      await native?.stop();
      for (const sink of sinks) await sink.close();
      await Promise.all([services?.stop(), nodes?.stop()]);
      await identity.stop();
      await http.close();
      await telemetry.forceFlush();
      await telemetry.shutdown();
    },
  };
}

// Puts the data path together: config → targets → probes → snapshot → pipeline, plus the HTTP
// server. The CLI's `run` and the tests start the agent through here.
import type { AgentConfig } from './config/types.js';
import type { ProbeCapabilities } from './config/load.js';
import { createLogger, type Logger } from './log.js';
import { METRIC_PROBES, DEFAULT_METRIC_PROBES } from './probes/catalog.js';
import { discoverTargets } from './targets/discover.js';
import { Scheduler, type ScheduledProbe } from './snapshot/scheduler.js';
import { createTelemetry, type Telemetry } from './pipeline/telemetry.js';
import { startHttpServer, type HttpServer } from './server/http.js';
import { buildStatus } from './server/status.js';
import { VERSION } from './version.js';
import { AGENT_CYCLE_DURATION, AGENT_PROBE_DURATION, AGENT_PROBE_ERRORS, AGENT_TARGET_COUNT } from '../semconv/generated/registry.js';
import type { Snapshot } from './snapshot/snapshot.js';
import { createIdentity, type Identifier, type IdentityRuntime } from './targets/identity.js';
import { effectiveCapabilities, privilegedProbeReason, restrictedProbe } from './targets/sidecar.js';

/** What this build implements, for the config loader. */
export function probeCapabilities(): ProbeCapabilities {
  return {
    metric: new Map([...METRIC_PROBES].map(([name, m]) => [name, m.optionsSchema])),
    event: new Map(),
    defaultMetricProbes: DEFAULT_METRIC_PROBES,
  };
}

/** `identity`: who each target is (default: cgroups and the downward API, no API watch). */
export function createScheduler(config: AgentConfig, log: Logger, identity?: Identifier): Scheduler {
  // Sidecar mode is unprivileged: probes needing privileges it lacks are degraded, not started.
  const caps = config.mode === 'sidecar' ? effectiveCapabilities() : 0n;
  const probes: ScheduledProbe[] = config.metrics.probes.map((sel) => {
    const mod = METRIC_PROBES.get(sel.name);
    if (!mod) throw new Error(`internal: probe ${sel.name} passed config validation but has no implementation`);
    const reason = config.mode === 'sidecar' ? privilegedProbeReason(sel.name, caps) : undefined;
    return { probe: reason !== undefined ? restrictedProbe(mod.create(), reason) : mod.create(), options: sel.options };
  });
  const identifier = identity ?? createIdentity({ ...config, kubernetes: undefined }, log).identifier;
  return new Scheduler({
    intervalMs: config.intervalMs,
    procRoot: config.procRoot,
    probes,
    discover: () => discoverTargets({ procRoot: config.procRoot, netnsDir: config.netnsDir, selfOnly: config.mode === 'sidecar' }),
    identify: identifier.identify,
    log,
  });
}

export interface RunningAgent {
  readonly config: AgentConfig;
  readonly scheduler: Scheduler;
  readonly telemetry: Telemetry;
  readonly http: HttpServer;
  readonly identity: IdentityRuntime;
  snapshot(): Snapshot;
  stop(): Promise<void>;
}

export async function startAgent(config: AgentConfig, log: Logger = createLogger(config.log)): Promise<RunningAgent> {
  const startedAt = Date.now();
  for (const w of config.warnings) log.warn(w);
  const identity = createIdentity(config, log);
  const scheduler = createScheduler(config, log, identity.identifier);
  const enabledMetrics = [
    AGENT_PROBE_DURATION, AGENT_PROBE_ERRORS, AGENT_CYCLE_DURATION, AGENT_TARGET_COUNT,
    ...config.metrics.probes.flatMap((sel) => METRIC_PROBES.get(sel.name)?.create().metrics ?? []),
  ];
  const telemetry = createTelemetry({ config, version: VERSION, metrics: enabledMetrics, snapshot: () => scheduler.snapshot, log });
  scheduler.on('cycle', (report) => telemetry.recordCycle(report));
  const http = await startHttpServer(config.server.address, config.server.port, {
    metrics: (req, res) => telemetry.handleMetrics(req, res),
    status: () => buildStatus({
      config, snapshot: scheduler.snapshot, version: VERSION, startedAt,
      metricProbeStatus: (n) => scheduler.probeStatus(n), eventProbeStatus: () => undefined,
      availableMetricProbes: [...METRIC_PROBES.keys()], availableEventProbes: [],
      identity: () => identity.identifier.status(),
    }),
    healthy: () => {
      const snap = scheduler.snapshot;
      if (snap.cycle === 0) return { ok: false, detail: 'starting: no collection cycle has finished yet' };
      const ageMs = Date.now() - snap.takenAt;
      // Stale when three intervals passed without a cycle: the scheduler is stuck.
      if (ageMs > 3 * config.intervalMs + 5_000) return { ok: false, detail: `stale: last cycle ${Math.round(ageMs / 1000)} s ago` };
      return { ok: true, detail: `ok: cycle ${snap.cycle}, ${snap.targets.length} targets` };
    },
  });
  log.info('agent started', {
    version: VERSION, mode: config.mode, listen: `${config.server.address}:${http.port}`,
    probes: config.metrics.probes.map((p) => p.name), intervalSeconds: config.intervalMs / 1000,
  });
  await identity.start();
  await scheduler.start();
  return {
    config, scheduler, telemetry, http, identity,
    snapshot: () => scheduler.snapshot,
    async stop() {
      await scheduler.stop();
      await identity.stop();
      await http.close();
      await telemetry.forceFlush();
      await telemetry.shutdown();
    },
  };
}

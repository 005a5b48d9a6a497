// /status: KubeSkoop's keys (true/false per probe, as its v0.1 /status answered), its v1 shape
// (inuse_probes / available_probes), and for every probe its state and, when not running, why.
import { PROBES } from '../../semconv/generated/registry.js';
import type { AgentConfig } from '../config/types.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import type { ProbeStatus } from '../probes/probe.js';

export interface ProbeStatusView {
  readonly kind: 'metric' | 'event';
  readonly state: string;
  readonly reason?: string;
  readonly statusKey: string;
  readonly lastDurationMs?: number;
  readonly errors?: Readonly<Record<string, number>>;
  readonly lastProblems?: readonly string[];
}

export interface StatusInputs {
  readonly config: AgentConfig;
  readonly snapshot: Snapshot;
  readonly metricProbeStatus: (name: string) => ProbeStatus | undefined;
  readonly eventProbeStatus: (name: string) => ProbeStatus | undefined;
  readonly availableMetricProbes: readonly string[];
  readonly availableEventProbes: readonly string[];
  readonly version: string;
  readonly startedAt: number;
  /** Who the targets are and how that was decided (receiver/targets/identity.ts), incl. API staleness. */
  readonly identity?: () => unknown;
  /** where the last cycle's processes came from (the task walk or /proc) */
  readonly processes?: () => unknown;
  /** OTLP export outcomes per signal (failures, dropped records); unset or null: nothing pushed. */
  readonly exports?: () => unknown;
  /** What protects the endpoints (TLS, client certificates, auth), the certificate served, reloads. */
  readonly server?: () => unknown;
}

const STATUS_KEY = new Map(PROBES.map((p) => [p.name, p.statusKey]));

export function buildStatus(inp: StatusInputs): Record<string, unknown> {
  const probes: Record<string, ProbeStatusView> = {};
  for (const sel of inp.config.metrics.probes) {
    const stats = inp.snapshot.probes.get(sel.name);
    const st = inp.metricProbeStatus(sel.name) ?? { state: 'stopped' };
    probes[sel.name] = {
      kind: 'metric',
      state: st.state,
      ...(st.reason !== undefined ? { reason: st.reason } : {}),
      statusKey: STATUS_KEY.get(sel.name) ?? sel.name,
      ...(stats
        ? {
            lastDurationMs: Number(stats.lastDurationMs.toFixed(3)),
            errors: stats.errors,
            lastProblems: stats.lastProblems,
          }
        : {}),
    };
  }
  for (const sel of inp.config.events.probes) {
    const st = inp.eventProbeStatus(sel.name) ?? { state: 'stopped' };
    const key = probes[sel.name] ? `${sel.name}:event` : sel.name;
    probes[key] = {
      kind: 'event',
      state: st.state,
      ...(st.reason !== undefined ? { reason: st.reason } : {}),
      statusKey: STATUS_KEY.get(sel.name) ?? sel.name,
    };
  }
  for (const u of inp.config.unsupported) {
    if (!probes[u.canonical])
      probes[u.canonical] = {
        kind: 'metric',
        state: 'unsupported',
        reason: u.reason,
        statusKey: STATUS_KEY.get(u.canonical) ?? u.name,
      };
  }
  // KubeSkoop v0.1: {"procnetdev": true, ...}; a key shared by several probes is true if any runs.
  const legacyKeys: Record<string, boolean> = {};
  for (const view of Object.values(probes)) {
    const ok = view.state === 'running';
    legacyKeys[view.statusKey] = (legacyKeys[view.statusKey] ?? false) || ok;
  }
  const byKind: Record<string, number> = {};
  for (const t of inp.snapshot.targets) byKind[t.kind] = (byKind[t.kind] ?? 0) + 1;
  const asV1 = (kind: 'metric' | 'event'): { name: string; state: string }[] =>
    Object.entries(probes)
      .filter(([, v]) => v.kind === kind)
      .map(([name, v]) => ({ name: name.replace(/:event$/, ''), state: v.state }));
  return {
    ...legacyKeys,
    agent: {
      version: inp.version,
      mode: inp.config.mode,
      startedAt: new Date(inp.startedAt).toISOString(),
      config: inp.config.source,
      intervalSeconds: inp.config.intervalMs / 1000,
      nodeName: inp.config.nodeName ?? null,
      otlp:
        inp.config.otlp.endpoint !== undefined
          ? { endpoint: inp.config.otlp.endpoint, protocol: inp.config.otlp.protocol }
          : null,
    },
    lastCycle: {
      cycle: inp.snapshot.cycle,
      at: inp.snapshot.takenAt > 0 ? new Date(inp.snapshot.takenAt).toISOString() : null,
      durationMs: Number(inp.snapshot.cycleDurationMs.toFixed(3)),
      targets: { total: inp.snapshot.targets.length, ...byKind },
      processes: inp.processes?.() ?? null,
    },
    identity: inp.identity?.() ?? null,
    exports: inp.exports?.() ?? null,
    server: inp.server?.() ?? null,
    probes,
    inuse_probes: { metrics: asV1('metric'), event: asV1('event') },
    available_probes: { metrics: inp.availableMetricProbes, event: inp.availableEventProbes },
  };
}

// Sidecar mode runs unprivileged inside one pod. The eBPF probes (one descriptor each under
// bpf/probes/) need CAP_BPF + CAP_PERFMON, or CAP_SYS_ADMIN on older kernels; without them they are
// not started: they are reported degraded with the reason, and everything else runs.
import { PROBES } from '../../semconv/generated/registry.js';
import { EBPF_PROBES } from '../native/generated/ebpf.js';
import { canLoadBpf } from '../kernel/capabilities.js';
import type { MetricProbe } from './probe.js';

// Helper probes whose BPF programs have no procfs fallback (tcpsummary falls back to /proc/net/tcp,
// qdisc reads rtnetlink): tc programs attached per interface, not descriptor probes yet.
const TC_PROBES: readonly string[] = ['flow', 'dns'];

/** Why a probe cannot run with these capabilities; undefined when it can. */
export function privilegedProbeReason(probe: string, caps: bigint): string | undefined {
  const loadsBpf = (EBPF_PROBES as readonly string[]).includes(probe) || TC_PROBES.includes(probe);
  if (!loadsBpf || canLoadBpf(caps)) return undefined;
  const source = PROBES.find((p) => p.name === probe)?.source ?? 'eBPF programs';
  return (
    `sidecar mode runs without privileges: ${probe} loads eBPF programs (${source}), which needs CAP_BPF and CAP_PERFMON ` +
    '(or CAP_SYS_ADMIN); run the node agent (DaemonSet) for it'
  );
}

/** The probe, kept from starting: degraded with the reason, no samples, never a throw. */
export function restrictedProbe(probe: MetricProbe, reason: string): MetricProbe {
  return {
    name: probe.name,
    scope: probe.scope,
    metrics: probe.metrics,
    start: async () => ({ state: 'degraded', reason }),
    collect: () => ({ samples: [], problems: [] }),
  };
}

// Sidecar mode runs unprivileged inside one pod. Probes that need privileges the process does not
// have (eBPF: CAP_BPF + CAP_PERFMON, or CAP_SYS_ADMIN on older kernels) are not started there: they
// are reported degraded with the reason, and everything else runs.
import { readFileSync } from 'node:fs';
import { PROBES } from '../../semconv/generated/registry.js';
import type { MetricProbe } from '../probes/probe.js';

export const CAP_SYS_ADMIN = 21;
export const CAP_PERFMON = 38;
export const CAP_BPF = 39;

/** The effective capability set of this process (CapEff in /proc/self/status); 0n when unreadable. */
export function effectiveCapabilities(statusPath = '/proc/self/status'): bigint {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync(statusPath, 'utf8'));
    return m ? BigInt(`0x${m[1]}`) : 0n;
  } catch {
    return 0n;
  }
}

const has = (caps: bigint, cap: number): boolean => (caps & (1n << BigInt(cap))) !== 0n;

/** Why a probe cannot run with these capabilities; undefined when it can. */
export function privilegedProbeReason(probe: string, caps: bigint): string | undefined {
  const def = PROBES.find((p) => p.name === probe);
  if (!def || !/\beBPF\b/i.test(def.source)) return undefined;
  if ((has(caps, CAP_BPF) && has(caps, CAP_PERFMON)) || has(caps, CAP_SYS_ADMIN)) return undefined;
  return `sidecar mode runs without privileges: ${probe} loads eBPF programs (${def.source}), which needs CAP_BPF and CAP_PERFMON `
    + '(or CAP_SYS_ADMIN); run the node agent (DaemonSet) for it';
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

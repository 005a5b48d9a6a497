// This process's capabilities (what loading eBPF needs: CAP_BPF + CAP_PERFMON, or CAP_SYS_ADMIN on
// older kernels), and what an EPERM from the kernel means given them.
import { readFileSync } from 'node:fs';

export const CAP_SYS_ADMIN = 21;
export const CAP_PERFMON = 38;
export const CAP_BPF = 39;
const CAP_NAMES: Readonly<Record<number, string>> = {
  [CAP_BPF]: 'CAP_BPF',
  [CAP_PERFMON]: 'CAP_PERFMON',
  [CAP_SYS_ADMIN]: 'CAP_SYS_ADMIN',
};

/** The effective capability set of this process (CapEff in /proc/self/status); 0n when unreadable. */
export function effectiveCapabilities(statusPath = '/proc/self/status'): bigint {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync(statusPath, 'utf8'));
    return m ? BigInt(`0x${m[1]}`) : 0n;
  } catch {
    return 0n;
  }
}

export const hasCapability = (caps: bigint, cap: number): boolean => (caps & (1n << BigInt(cap))) !== 0n;

/** Enough to load eBPF programs: CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN. */
export const canLoadBpf = (caps: bigint): boolean =>
  (hasCapability(caps, CAP_BPF) && hasCapability(caps, CAP_PERFMON)) || hasCapability(caps, CAP_SYS_ADMIN);

/** EPERM from the kernel: say which privilege is missing (capabilities of this process, read now). */
export function withPermissionHint(
  reason: string,
  errno: number,
  caps: bigint = effectiveCapabilities(),
  seccomp: number = seccompMode(),
): string {
  if (errno !== 1 && !/Operation not permitted|EPERM/.test(reason)) return reason;
  const has = (cap: number): boolean => hasCapability(caps, cap);
  const missing = [CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN].filter((c) => !has(c)).map((c) => CAP_NAMES[c]!);
  const enough = canLoadBpf(caps);
  if (enough && !has(CAP_SYS_ADMIN) && seccomp === 2) {
    // some runtimes' default seccomp profiles (podman 4.3's, containers-common 0.50: measured)
    // allow bpf() and perf_event_open() only to CAP_SYS_ADMIN holders
    return (
      `${reason}: BPF not permitted: the agent has CAP_BPF and CAP_PERFMON but lacks CAP_SYS_ADMIN, which the ` +
      "seccomp filter it runs under may require for bpf() (older runtimes' default profiles do); add CAP_SYS_ADMIN " +
      'or use a profile that allows bpf() to CAP_BPF (else kernel lockdown or an LSM forbids it)'
    );
  }
  return enough
    ? `${reason}: BPF not permitted although the agent has ${has(CAP_SYS_ADMIN) ? 'CAP_SYS_ADMIN' : 'CAP_BPF and CAP_PERFMON'} (kernel lockdown, an LSM or seccomp forbids it)`
    : `${reason}: BPF not permitted: the agent lacks ${missing.join(', ')} (it needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN)`;
}

/** Seccomp mode of this process (/proc/self/status; 2 = a filter); 0 when unreadable. */
function seccompMode(): number {
  try {
    return Number(/^Seccomp:\s*(\d+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

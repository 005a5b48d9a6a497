// Events a sink could not deliver (Loki refused them, stayed down, or fell behind) are counted
// where the kernel's own undelivered events are: kubeskoop.event.undelivered of the event's probe
// and namespace, with the sink's cause. The probes read those counts from the native counters, so
// the sinks' counts are added to what they read.
import type { NativeCount, NativeCounters, NativeProbeId } from '../probes/probe.js';

export class SinkDrops {
  private readonly counts = new Map<string, NativeCount>();

  add(probe: string, netnsInode: number, cause: string): void {
    const key = `${probe}|${netnsInode}|${cause}`;
    const c = this.counts.get(key);
    this.counts.set(key, { probe, netnsInode, series: 'undelivered', labels: { cause }, count: (c?.count ?? 0) + 1 });
  }

  of(probe: string): NativeCount[] {
    return [...this.counts.values()].filter((c) => c.probe === probe);
  }

  /** The native counters, with these drops among each probe's counts. */
  wrap(native: NativeCounters): NativeCounters {
    return {
      refreshCounters: (ms) => native.refreshCounters(ms),
      counts: (probe: NativeProbeId) => [...native.counts(probe), ...this.of(probe)],
      probeStatus: (probe) => native.probeStatus(probe),
      ...(native.latencyThresholds
        ? { latencyThresholds: (probe: NativeProbeId) => native.latencyThresholds!(probe) }
        : {}),
      ...(native.helperCommand
        ? {
            helperCommand: (
              verb: 'tcpsummary' | 'tasks' | 'qdisc' | 'connections' | 'flow' | 'dns',
              args?: readonly string[],
            ) => native.helperCommand!(verb, args),
          }
        : {}),
      ...(native.helperState ? { helperState: () => native.helperState!() } : {}),
    };
  }
}

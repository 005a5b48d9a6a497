// Shared by the eBPF event probes (tcpreset, packetloss, tcpretrans): their metrics are the
// exact in-kernel counts, read once per cycle from the native helper and split by namespace.
import type { MetricDefinition } from '../../semconv/types.js';
import { ATTR_ERROR_TYPE, ATTR_KUBESKOOP_PROBE_NAME } from '../../semconv/generated/registry.js';
import type { MetricProbe, MetricSample, NativeCount, ProbeEnvironment, ProbeStatus } from './probe.js';

export type { EventProbeName as NativeProbeName } from '../native/generated/ebpf.js';
import type { EventProbeName } from '../native/generated/ebpf.js';

export interface NativeCountProbeSpec {
  readonly name: EventProbeName;
  readonly events: MetricDefinition;
  readonly undelivered: MetricDefinition;
  /** The count's labels → the events metric's attributes. */
  readonly attributes: (labels: Readonly<Record<string, string>>) => Record<string, string>;
}

export function nativeCountProbe(spec: NativeCountProbeSpec, env: ProbeEnvironment | undefined): MetricProbe {
  const native = env?.native;
  let byInode = new Map<number, NativeCount[]>();
  return {
    name: spec.name,
    scope: 'netns',
    metrics: [spec.events, spec.undelivered],
    async start(): Promise<ProbeStatus> {
      if (!native) return { state: 'degraded', reason: 'the native eBPF helper is not available to this agent' };
      return native.probeStatus(spec.name);
    },
    status(): ProbeStatus {
      return native
        ? native.probeStatus(spec.name)
        : { state: 'degraded', reason: 'the native eBPF helper is not available to this agent' };
    },
    async beforeCycle(): Promise<void> {
      if (!native) return;
      await native.refreshCounters(0);
      byInode = new Map();
      for (const c of native.counts(spec.name)) {
        const list = byInode.get(c.netnsInode);
        if (list) list.push(c);
        else byInode.set(c.netnsInode, [c]);
      }
    },
    collect(target) {
      // Counts the kernel could not place in a namespace (inode 0) are the host's.
      const counts = [
        ...(byInode.get(target.netnsInode) ?? []),
        ...(target.kind === 'host' ? (byInode.get(0) ?? []) : []),
      ];
      const samples: MetricSample[] = counts.map((c) =>
        c.series === 'events'
          ? { metric: spec.events, value: c.count, attributes: spec.attributes(c.labels) }
          : {
              metric: spec.undelivered,
              value: c.count,
              attributes: { [ATTR_KUBESKOOP_PROBE_NAME]: spec.name, [ATTR_ERROR_TYPE]: c.labels.cause ?? 'unknown' },
            },
      );
      return { samples, problems: [] };
    },
  };
}

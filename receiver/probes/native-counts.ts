// Shared by the eBPF event probes (tcpreset, packetloss, tcpretrans): their metrics are the
// exact in-kernel counts, read once per cycle from the native helper and split by namespace.
import type { MetricDefinition } from '../../semconv/types.js';
import { ATTR_ERROR_TYPE, ATTR_KUBESKOOP_PROBE_NAME } from '../../semconv/generated/registry.js';
import type { MetricProbe, NativeCount, ProbeEnvironment, ProbeStatus, SampleAttributes } from './probe.js';
import { SampleList } from './sample-list.js';

export type { EventProbeName as NativeProbeName } from '../native/generated/ebpf.js';
import type { EventProbeName } from '../native/generated/ebpf.js';

export interface NativeCountProbeSpec {
  readonly name: EventProbeName;
  readonly events: MetricDefinition;
  readonly undelivered: MetricDefinition;
  /** The count's labels → the events metric's attributes. */
  readonly attributes: (labels: Readonly<Record<string, string>>) => Record<string, string>;
}

/** No problems: one shared array, not one per target per cycle. */
const NO_PROBLEMS: readonly string[] = Object.freeze([]);

export function nativeCountProbe(spec: NativeCountProbeSpec, env: ProbeEnvironment | undefined): MetricProbe {
  const native = env?.native;
  let byInode = new Map<number, NativeCount[]>();
  // One attribute object per label set, kept while the label set is counted: the helper's counts are
  // new objects every cycle, and a new attribute object per series per cycle missed the exporters'
  // per-object caches and the SampleList's kept samples. Those of the last cycle and this one are kept.
  let attributesNow = new Map<string, SampleAttributes>();
  let attributesBefore = new Map<string, SampleAttributes>();
  const attributesOf = (c: NativeCount): SampleAttributes => {
    let key: string = c.series;
    for (const k in c.labels) key += `\u0000${k}=${c.labels[k]}`;
    let a = attributesNow.get(key);
    if (a === undefined) {
      a =
        attributesBefore.get(key) ??
        (c.series === 'events'
          ? spec.attributes(c.labels)
          : { [ATTR_KUBESKOOP_PROBE_NAME]: spec.name, [ATTR_ERROR_TYPE]: c.labels.cause ?? 'unknown' });
      attributesNow.set(key, a);
    }
    return a;
  };
  // Written one by one into the cycle's SampleList: Array.prototype.map made holey arrays here, the only
  // ones among the snapshot's packed sample arrays, and the code that loops over every probe's samples
  // (the OTLP producer's collect, the scheduler's cycle) was deoptimized ("wrong map") each time one
  // appeared, then compiled again (--trace-deopt and %HasHoleyElements, test/bench/results/sizing-h21u-*.md).
  const add = (counts: readonly NativeCount[] | undefined, out: SampleList): void => {
    if (counts === undefined) return;
    for (let i = 0; i < counts.length; i++) {
      const c = counts[i]!;
      out.add(c.series === 'events' ? spec.events : spec.undelivered, c.count, attributesOf(c));
    }
  };
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
      attributesBefore = attributesNow;
      attributesNow = new Map();
    },
    collect(target, _ctx, out = new SampleList()) {
      add(byInode.get(target.netnsInode), out);
      // Counts the kernel could not place in a namespace (inode 0) are the host's.
      if (target.kind === 'host') add(byInode.get(0), out);
      return { samples: out.samples(), problems: NO_PROBLEMS };
    },
  };
}

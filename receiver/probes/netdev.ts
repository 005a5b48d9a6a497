// netdev: per-interface byte, packet, error and drop counters of each namespace, from
// /proc/<pid>/net/dev. rx/tx is the network.io.direction attribute, not two metric names. The names
// follow the target (NAMING.md rule 6): the registry gives one per kind (system.network.io for the host,
// k8s.pod.network.io for a pod, kubeskoop.network.io for another namespace).
import {
  ATTR_NETWORK_INTERFACE_NAME,
  ATTR_NETWORK_IO_DIRECTION,
  ATTR_SYSTEM_DEVICE_NAME,
  NETDEV_ERRORS,
  NETDEV_IO,
  NETDEV_PACKET_COUNT,
  NETDEV_PACKET_DROPPED,
} from '../../semconv/generated/registry.js';
import type { MetricDefinition } from '../../semconv/types.js';
import type { MetricProbe, MetricProbeModule, ProbeResult, SampleAttributes } from './probe.js';
import { SampleList } from './sample-list.js';
import { unreadable } from './read-failure.js';
import type { Target, TargetKind } from '../targets/target.js';
import { parseNetDev, NET_DEV_KEPT, type DirectionCounters, type NetDevParse } from './parsers/net-dev.js';
import { sharedParse } from './shared-read.js';
import { procPath } from '../kernel/proc-path.js';

const DIRECTIONS = ['receive', 'transmit'] as const;

/** The interface attribute a metric keys its series by (semconv's own list: system.device.name on the host's packet count). */
const interfaceKey = (attributes: readonly string[]): string =>
  attributes.includes(ATTR_SYSTEM_DEVICE_NAME) ? ATTR_SYSTEM_DEVICE_NAME : ATTR_NETWORK_INTERFACE_NAME;

/** One attribute object per interface key, name and direction, kept across cycles: every namespace
 *  has the same few (lo, eth0), so the cycle allocates none, and the snapshot's and exporters' caches
 *  keyed by attribute object hit. Never mutated once handed out. One map per interface key and
 *  direction, keyed by the interface name: no key string is built per sample. */
const attributeCache = new Map<
  string,
  { receive: Map<string, SampleAttributes>; transmit: Map<string, SampleAttributes> }
>();
let attributeCount = 0;
const ATTRIBUTE_CACHE_MAX = 4096;

function attributesOf(key: string, interfaceName: string, direction: (typeof DIRECTIONS)[number]): SampleAttributes {
  let byDirection = attributeCache.get(key);
  if (byDirection === undefined) attributeCache.set(key, (byDirection = { receive: new Map(), transmit: new Map() }));
  const byName = byDirection[direction];
  let a = byName.get(interfaceName);
  if (a === undefined) {
    // Bounded: interface names come and go (veths of deleted pods).
    if (attributeCount >= ATTRIBUTE_CACHE_MAX) {
      for (const d of attributeCache.values()) {
        d.receive.clear();
        d.transmit.clear();
      }
      attributeCount = 0;
    }
    a = { [key]: interfaceName, [ATTR_NETWORK_IO_DIRECTION]: direction };
    byName.set(interfaceName, a);
    attributeCount++;
  }
  return a;
}

interface Column {
  readonly metric: MetricDefinition;
  readonly field: keyof DirectionCounters;
  /** the interface attribute the metric keys its series by */
  readonly key: string;
}
const columns = (kind: TargetKind): readonly Column[] =>
  (
    [
      [NETDEV_IO[kind], 'bytes'],
      [NETDEV_PACKET_COUNT[kind], 'packets'],
      [NETDEV_PACKET_DROPPED[kind], 'dropped'],
      [NETDEV_ERRORS[kind], 'errors'],
    ] as const
  ).map(([metric, field]) => ({ metric, field, key: interfaceKey(metric.attributes) }));
/** Per target kind: the four metrics and the counter each takes, made once. */
const COLUMNS: Record<TargetKind, readonly Column[]> = {
  host: columns('host'),
  pod: columns('pod'),
  netns: columns('netns'),
};

/** The samples of one net/dev text, written to `out` (pure with a new list). */
export function netdevSamples(text: string, kind: TargetKind, out: SampleList = new SampleList()): ProbeResult {
  return netdevSamplesOf(parseNetDev(text), kind, out);
}

function netdevSamplesOf(
  { interfaces, problems }: NetDevParse,
  kind: TargetKind,
  out: SampleList = new SampleList(),
): ProbeResult {
  const metrics = COLUMNS[kind];
  for (const iface of interfaces) {
    for (const direction of DIRECTIONS) {
      const c: DirectionCounters = iface[direction];
      for (const { metric, field, key } of metrics)
        out.add(metric, c[field], attributesOf(key, iface.interfaceName, direction));
    }
  }
  return { samples: out.samples(), problems };
}

export const netdev: MetricProbeModule = {
  name: 'netdev',
  create(): MetricProbe {
    return {
      name: 'netdev',
      scope: 'netns',
      metrics: [NETDEV_IO, NETDEV_PACKET_COUNT, NETDEV_PACKET_DROPPED, NETDEV_ERRORS].flatMap((m) => [
        ...new Set(Object.values(m)),
      ]),
      collect(target: Target, ctx, list): ProbeResult {
        const read = sharedParse(
          procPath(ctx.procRoot, target.pid, 'net/dev'),
          'netdev',
          NET_DEV_KEPT,
          target.netnsInode,
        );
        if (!read.ok) return unreadable(read);
        return netdevSamplesOf(read.value, target.kind, list);
      },
    };
  },
};

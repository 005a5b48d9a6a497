// netdev: per-interface byte, packet, error and drop counters of each namespace, from
// /proc/<pid>/net/dev. rx/tx is the network.io.direction attribute, not two metric names.
import { join } from 'node:path';
import {
  ATTR_NETWORK_INTERFACE_NAME, ATTR_NETWORK_IO_DIRECTION, ATTR_SYSTEM_DEVICE,
  NETDEV_ERRORS, NETDEV_IO, NETDEV_PACKET_COUNT, NETDEV_PACKET_DROPPED,
} from '../../semconv/generated/registry.js';
import type { MetricProbe, MetricProbeModule, MetricSample, ProbeResult } from './probe.js';
import { unreadable } from './read-failure.js';
import type { Target } from '../targets/target.js';
import { parseNetDev, type DirectionCounters } from './parsers/net-dev.js';
import { readProcText } from './parsers/read-proc.js';

const DIRECTIONS = [['receive', 'receive'], ['transmit', 'transmit']] as const;

export function netdevSamples(text: string): ProbeResult {
  const { interfaces, problems } = parseNetDev(text);
  const samples: MetricSample[] = [];
  for (const iface of interfaces) {
    for (const [key, direction] of DIRECTIONS) {
      const c: DirectionCounters = iface[key];
      const attrs = { [ATTR_NETWORK_INTERFACE_NAME]: iface.interfaceName, [ATTR_NETWORK_IO_DIRECTION]: direction };
      samples.push({ metric: NETDEV_IO, value: c.bytes, attributes: attrs });
      samples.push({
        metric: NETDEV_PACKET_COUNT, value: c.packets,
        attributes: { [ATTR_SYSTEM_DEVICE]: iface.interfaceName, [ATTR_NETWORK_IO_DIRECTION]: direction },
      });
      samples.push({ metric: NETDEV_PACKET_DROPPED, value: c.dropped, attributes: attrs });
      samples.push({ metric: NETDEV_ERRORS, value: c.errors, attributes: attrs });
    }
  }
  return { samples, problems };
}

export const netdev: MetricProbeModule = {
  name: 'netdev',
  create(): MetricProbe {
    return {
      name: 'netdev',
      scope: 'netns',
      metrics: [NETDEV_IO, NETDEV_PACKET_COUNT, NETDEV_PACKET_DROPPED, NETDEV_ERRORS],
      collect(target: Target, ctx): ProbeResult {
        const read = readProcText(join(ctx.procRoot, String(target.pid), 'net', 'dev'));
        if (!read.ok) return unreadable(read);
        return netdevSamples(read.text);
      },
    };
  },
};

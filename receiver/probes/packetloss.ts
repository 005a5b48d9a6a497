// packetloss: packets the kernel dropped, counted exactly in the kernel per namespace and drop
// reason (names from the running kernel's enum skb_drop_reason); each drop is also an event.
import {
  ATTR_KUBESKOOP_DROP_LOCATION,
  ATTR_KUBESKOOP_DROP_REASON,
  ATTR_KUBESKOOP_EVENT_TYPE,
  EVENT_PACKETLOSS_DROP,
  PACKETLOSS_DROPS,
  PACKETLOSS_UNDELIVERED,
} from '../../semconv/generated/registry.js';
import type { MetricProbeModule } from './probe.js';
import { nativeCountProbe } from './native-counts.js';
import { nativeOptionsSchema } from './native-options.js';
import { flowText, tupleAttributes } from './tuple.js';

export const packetloss: MetricProbeModule = {
  name: 'packetloss',
  optionsSchema: nativeOptionsSchema(true),
  create: (env) =>
    nativeCountProbe(
      {
        name: 'packetloss',
        events: PACKETLOSS_DROPS,
        undelivered: PACKETLOSS_UNDELIVERED,
        attributes: (l) => ({ [ATTR_KUBESKOOP_DROP_REASON]: l.reason ?? 'unknown' }),
      },
      env,
    ),
  renderEvent(e) {
    if (e.type !== 'packet_drop') return undefined;
    const t = e.tuple;
    return {
      eventName: EVENT_PACKETLOSS_DROP.name,
      type: 'PACKETLOSS',
      severity: EVENT_PACKETLOSS_DROP.severity,
      timeUnixNano: e.timeUnixNano,
      body: `Packet dropped: ${e.dropReason} at ${e.locationSymbol} (${t.protocol || 'non-IP'} ${flowText(t)})`,
      attributes: {
        [ATTR_KUBESKOOP_EVENT_TYPE]: 'PACKETLOSS',
        [ATTR_KUBESKOOP_DROP_REASON]: e.dropReason,
        [ATTR_KUBESKOOP_DROP_LOCATION]: e.locationSymbol,
        ...tupleAttributes(t),
      },
    };
  },
};

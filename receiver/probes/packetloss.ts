// packetloss: packets the kernel dropped, counted exactly in the kernel per namespace and drop
// reason (names from the running kernel's enum skb_drop_reason).
import { ATTR_KUBESKOOP_DROP_REASON, PACKETLOSS_DROPS, PACKETLOSS_UNDELIVERED } from '../../semconv/generated/registry.js';
import type { MetricProbeModule } from './probe.js';
import { nativeCountProbe } from './native-counts.js';
import { nativeOptionsSchema } from './native-options.js';

export const packetloss: MetricProbeModule = {
  name: 'packetloss',
  optionsSchema: nativeOptionsSchema(true),
  create: (env) => nativeCountProbe({
    name: 'packetloss', events: PACKETLOSS_DROPS, undelivered: PACKETLOSS_UNDELIVERED,
    attributes: (l) => ({ [ATTR_KUBESKOOP_DROP_REASON]: l.reason ?? 'unknown' }),
  }, env),
};

// tcpretrans: TCP retransmissions counted exactly in the kernel per namespace and TCP state.
import { ATTR_NETWORK_CONNECTION_STATE, TCPRETRANS_SEGMENTS, TCPRETRANS_UNDELIVERED } from '../../semconv/generated/registry.js';
import type { MetricProbeModule } from './probe.js';
import { nativeCountProbe } from './native-counts.js';
import { nativeOptionsSchema } from './native-options.js';

export const tcpretrans: MetricProbeModule = {
  name: 'tcpretrans',
  optionsSchema: nativeOptionsSchema(false),
  create: (env) => nativeCountProbe({
    name: 'tcpretrans', events: TCPRETRANS_SEGMENTS, undelivered: TCPRETRANS_UNDELIVERED,
    attributes: (l) => ({ [ATTR_NETWORK_CONNECTION_STATE]: l.state || 'unknown' }),
  }, env),
};

// tcpretrans: TCP retransmissions counted exactly in the kernel per namespace and TCP state; each
// retransmitted segment is also an event (TCPRETRANS).
import {
  ATTR_KUBESKOOP_EVENT_TYPE,
  ATTR_NETWORK_CONNECTION_STATE,
  ATTR_NETWORK_TRANSPORT,
  EVENT_TCPRETRANS_RETRANSMIT,
  TCPRETRANS_SEGMENTS,
  TCPRETRANS_UNDELIVERED,
} from '../../semconv/generated/registry.js';
import type { MetricProbeModule } from './probe.js';
import { nativeCountProbe } from './native-counts.js';
import { nativeOptionsSchema } from './native-options.js';
import { connectionState } from '../kernel/tcp-states.js';
import { flowText, tupleAttributes } from './tuple.js';

export const tcpretrans: MetricProbeModule = {
  name: 'tcpretrans',
  optionsSchema: nativeOptionsSchema(false),
  create: (env) =>
    nativeCountProbe(
      {
        name: 'tcpretrans',
        events: TCPRETRANS_SEGMENTS,
        undelivered: TCPRETRANS_UNDELIVERED,
        attributes: (l) => ({ [ATTR_NETWORK_CONNECTION_STATE]: l.state || 'unknown' }),
      },
      env,
    ),
  renderEvent(e) {
    if (e.type !== 'tcp_retrans') return undefined;
    const state = connectionState(e.tcpState);
    return {
      eventName: EVENT_TCPRETRANS_RETRANSMIT.name,
      type: 'TCPRETRANS',
      severity: EVENT_TCPRETRANS_RETRANSMIT.severity,
      timeUnixNano: e.timeUnixNano,
      body: `TCP segment retransmitted (${flowText(e.tuple)}${state ? `, state ${state}` : ''})`,
      attributes: {
        [ATTR_KUBESKOOP_EVENT_TYPE]: 'TCPRETRANS',
        ...(state ? { [ATTR_NETWORK_CONNECTION_STATE]: state } : {}),
        ...tupleAttributes(e.tuple),
        [ATTR_NETWORK_TRANSPORT]: 'tcp',
      },
    };
  },
};

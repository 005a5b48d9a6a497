// tcpreset: TCP resets sent and received, counted exactly in the kernel per namespace, by
// KubeSkoop's type and the kernel's reason; each reset is also an event (TCPRESET_<kind>).
import {
  ATTR_KUBESKOOP_EVENT_TYPE,
  ATTR_KUBESKOOP_TCP_RESET_REASON,
  ATTR_NETWORK_CONNECTION_STATE,
  ATTR_NETWORK_TRANSPORT,
  ATTR_PROCESS_EXECUTABLE_NAME,
  ATTR_PROCESS_PID,
  EVENT_TCPRESET_RESET,
  TCPRESET_SEGMENTS,
  TCPRESET_UNDELIVERED,
} from '../../semconv/generated/registry.js';
import type { MetricProbeModule } from './probe.js';
import { nativeCountProbe } from './native-counts.js';
import { nativeOptionsSchema } from './native-options.js';
import { connectionState } from '../kernel/tcp-states.js';
import { flowText, tupleAttributes } from './tuple.js';

const RESET_WORDS: Readonly<Record<string, string>> = {
  NOSOCK: 'sent: no socket for the segment',
  ACTIVE: 'sent: a local socket aborted',
  PROCESS: 'sent while processing a segment',
  RECEIVE: 'received from the peer',
};

export const tcpreset: MetricProbeModule = {
  name: 'tcpreset',
  optionsSchema: nativeOptionsSchema(false),
  create: (env) =>
    nativeCountProbe(
      {
        name: 'tcpreset',
        events: TCPRESET_SEGMENTS,
        undelivered: TCPRESET_UNDELIVERED,
        attributes: (l) => ({
          [ATTR_KUBESKOOP_EVENT_TYPE]: l.type ?? 'unknown',
          [ATTR_KUBESKOOP_TCP_RESET_REASON]: l.reason ?? 'unknown',
        }),
      },
      env,
    ),
  renderEvent(e) {
    if (e.type !== 'tcp_reset') return undefined;
    const type = `TCPRESET_${e.kind}`;
    const state = connectionState(e.tcpState);
    return {
      eventName: EVENT_TCPRESET_RESET.name,
      type,
      severity: EVENT_TCPRESET_RESET.severity,
      timeUnixNano: e.timeUnixNano,
      body: `TCP reset ${RESET_WORDS[e.kind] ?? e.kind} (${flowText(e.tuple)}, reason ${e.resetReason}${state ? `, state ${state}` : ''})`,
      attributes: {
        [ATTR_KUBESKOOP_EVENT_TYPE]: type,
        [ATTR_KUBESKOOP_TCP_RESET_REASON]: e.resetReason,
        ...(state ? { [ATTR_NETWORK_CONNECTION_STATE]: state } : {}),
        ...tupleAttributes(e.tuple),
        [ATTR_NETWORK_TRANSPORT]: 'tcp',
        ...(e.pid > 0 ? { [ATTR_PROCESS_PID]: e.pid } : {}),
        ...(e.comm ? { [ATTR_PROCESS_EXECUTABLE_NAME]: e.comm } : {}),
      },
    };
  },
};

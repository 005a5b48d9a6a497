// socketlatency: read delay (data readable → application reads it) and send delay (sendmsg → its
// first segment at the device) of TCP sockets per namespace: in-kernel histograms and 1 ms /
// 100 ms counts; SOCKETLAT_READSLOW / SENDSLOW events above 100 ms.
import {
  SOCKETLATENCY_READ_DELAY,
  SOCKETLATENCY_READ_SLOW,
  SOCKETLATENCY_UNDELIVERED,
  SOCKETLATENCY_UNTRACKED,
  SOCKETLATENCY_WRITE_DELAY,
  SOCKETLATENCY_WRITE_SLOW,
} from '../../semconv/generated/registry.js';
import type { MetricProbeModule } from './probe.js';
import { latencyOptionsSchema, latencyProbe, renderLatencyEvent, SPANS_OPTION } from './native-latency.js';
import { nativeOptionsSchema } from './native-options.js';

export const socketlatency: MetricProbeModule = {
  name: 'socketlatency',
  renderEvent: renderLatencyEvent,
  optionsSchema: latencyOptionsSchema(nativeOptionsSchema(false), SPANS_OPTION),
  create: (env) =>
    latencyProbe(
      {
        name: 'socketlatency',
        undelivered: SOCKETLATENCY_UNDELIVERED,
        untracked: SOCKETLATENCY_UNTRACKED,
        series: [
          {
            metric: 'sock_read',
            slow: SOCKETLATENCY_READ_SLOW,
            duration: SOCKETLATENCY_READ_DELAY,
            attributes: () => ({}),
          },
          {
            metric: 'sock_write',
            slow: SOCKETLATENCY_WRITE_SLOW,
            duration: SOCKETLATENCY_WRITE_DELAY,
            attributes: () => ({}),
          },
        ],
      },
      env,
    ),
};

// netiftxlatency: time transmitted packets wait in the qdisc and in the driver, per namespace of
// the device: in-kernel histograms and 10 ms / 100 ms counts; TXLAT_QDISC_100MS / TXLAT_NETDEV_100MS.
import {
  ATTR_KUBESKOOP_NETIF_TX_STAGE,
  NETIFTXLATENCY_DURATION,
  NETIFTXLATENCY_SLOW,
  NETIFTXLATENCY_UNDELIVERED,
  NETIFTXLATENCY_UNTRACKED,
} from '../../semconv/generated/registry.js';
import type { MetricProbeModule } from './probe.js';
import { latencyOptionsSchema, latencyProbe, renderLatencyEvent, SPANS_OPTION } from './native-latency.js';
import { nativeOptionsSchema } from './native-options.js';

export const netiftxlatency: MetricProbeModule = {
  name: 'netiftxlatency',
  renderEvent: renderLatencyEvent,
  optionsSchema: latencyOptionsSchema(nativeOptionsSchema(false), SPANS_OPTION),
  create: (env) =>
    latencyProbe(
      {
        name: 'netiftxlatency',
        undelivered: NETIFTXLATENCY_UNDELIVERED,
        untracked: NETIFTXLATENCY_UNTRACKED,
        series: [
          {
            metric: 'qdisc',
            slow: NETIFTXLATENCY_SLOW,
            duration: NETIFTXLATENCY_DURATION,
            attributes: () => ({ [ATTR_KUBESKOOP_NETIF_TX_STAGE]: 'qdisc' }),
          },
          {
            metric: 'netdev',
            slow: NETIFTXLATENCY_SLOW,
            duration: NETIFTXLATENCY_DURATION,
            attributes: () => ({ [ATTR_KUBESKOOP_NETIF_TX_STAGE]: 'driver' }),
          },
        ],
      },
      env,
    ),
};

// kernellatency: time packets spend in the kernel's receive path (device → socket) and TCP
// transmit path (TCP transmit → device queue) per namespace: histograms and 10 ms / 100 ms counts
// (both filled, unlike KubeSkoop's); RXKERNEL_SLOW / TXKERNEL_SLOW events.
import {
  ATTR_NETWORK_IO_DIRECTION,
  KERNELLATENCY_DURATION,
  KERNELLATENCY_SLOW,
  KERNELLATENCY_UNDELIVERED,
  KERNELLATENCY_UNTRACKED,
} from '../../semconv/generated/registry.js';
import type { MetricProbeModule } from './probe.js';
import { latencyOptionsSchema, latencyProbe, renderLatencyEvent } from './native-latency.js';
import { nativeOptionsSchema } from './native-options.js';

export const kernellatency: MetricProbeModule = {
  name: 'kernellatency',
  renderEvent: renderLatencyEvent,
  optionsSchema: latencyOptionsSchema(nativeOptionsSchema(false)),
  create: (env) =>
    latencyProbe(
      {
        name: 'kernellatency',
        undelivered: KERNELLATENCY_UNDELIVERED,
        untracked: KERNELLATENCY_UNTRACKED,
        series: [
          {
            metric: 'kernel_rx',
            slow: KERNELLATENCY_SLOW,
            duration: KERNELLATENCY_DURATION,
            attributes: () => ({ [ATTR_NETWORK_IO_DIRECTION]: 'receive' }),
          },
          {
            metric: 'kernel_tx',
            slow: KERNELLATENCY_SLOW,
            duration: KERNELLATENCY_DURATION,
            attributes: () => ({ [ATTR_NETWORK_IO_DIRECTION]: 'transmit' }),
          },
        ],
      },
      env,
    ),
};

// biolatency: block request latency per device and operation (node scope): histograms and
// 10 ms / 100 ms counts; BIOLAT / BIOLAT_100MS events attributed to the issuing process and pod.
import {
  ATTR_KUBESKOOP_BLOCK_OPERATION,
  ATTR_SYSTEM_DEVICE_NAME,
  BIOLATENCY_DURATION,
  BIOLATENCY_SLOW,
  BIOLATENCY_UNDELIVERED,
  BIOLATENCY_UNTRACKED,
} from '../../semconv/generated/registry.js';
import type { MetricProbeModule } from './probe.js';
import { latencyOptionsSchema, latencyProbe, renderLatencyEvent, SPANS_OPTION } from './native-latency.js';
import { nativeOptionsSchema } from './native-options.js';
import { blockDeviceName, blockOperationName } from '../kernel/block.js';

export const biolatency: MetricProbeModule = {
  name: 'biolatency',
  renderEvent: renderLatencyEvent,
  optionsSchema: latencyOptionsSchema(nativeOptionsSchema(false), SPANS_OPTION),
  create: (env) =>
    latencyProbe(
      {
        name: 'biolatency',
        undelivered: BIOLATENCY_UNDELIVERED,
        untracked: BIOLATENCY_UNTRACKED,
        series: [
          {
            metric: 'bio',
            slow: BIOLATENCY_SLOW,
            duration: BIOLATENCY_DURATION,
            attributes: (op, dev) => ({
              [ATTR_SYSTEM_DEVICE_NAME]: blockDeviceName(dev),
              [ATTR_KUBESKOOP_BLOCK_OPERATION]: blockOperationName(op),
            }),
          },
        ],
      },
      env,
    ),
};

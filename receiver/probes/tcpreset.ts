// tcpreset: TCP resets sent and received, counted exactly in the kernel per namespace, by
// KubeSkoop's type and the kernel's reason (the events themselves go out as log records).
import {
  ATTR_KUBESKOOP_EVENT_TYPE, ATTR_KUBESKOOP_TCP_RESET_REASON, TCPRESET_SEGMENTS, TCPRESET_UNDELIVERED,
} from '../../semconv/generated/registry.js';
import type { MetricProbeModule } from './probe.js';
import { nativeCountProbe } from './native-counts.js';
import { nativeOptionsSchema } from './native-options.js';

export const tcpreset: MetricProbeModule = {
  name: 'tcpreset',
  optionsSchema: nativeOptionsSchema(false),
  create: (env) => nativeCountProbe({
    name: 'tcpreset', events: TCPRESET_SEGMENTS, undelivered: TCPRESET_UNDELIVERED,
    attributes: (l) => ({ [ATTR_KUBESKOOP_EVENT_TYPE]: l.type ?? 'unknown', [ATTR_KUBESKOOP_TCP_RESET_REASON]: l.reason ?? 'unknown' }),
  }, env),
};

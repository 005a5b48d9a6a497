// net_softirq: scheduling delay and execution time of the network softirqs (default NET_RX and
// NET_TX; option softirq-types as in KubeSkoop): histograms per type (all CPUs), 10 ms / 100 ms
// counts per type and CPU; NETSOFTIRQ_{SCHED,EXCUTE}_{SLOW,100MS} events.
import {
  ATTR_CPU_LOGICAL_NUMBER,
  ATTR_KUBESKOOP_SOFTIRQ_PHASE,
  ATTR_KUBESKOOP_SOFTIRQ_TYPE,
  NET_SOFTIRQ_DURATION,
  NET_SOFTIRQ_SLOW,
  NET_SOFTIRQ_UNDELIVERED,
} from '../../semconv/generated/registry.js';
import type { MetricProbeModule } from './probe.js';
import { latencyOptionsSchema, latencyProbe, renderLatencyEvent } from './native-latency.js';
import { nativeOptionsSchema } from './native-options.js';
import { SOFTIRQ_NAMES, softirqName } from '../kernel/softirq.js';

const types = { type: 'array', items: { enum: [...SOFTIRQ_NAMES, ...SOFTIRQ_NAMES.map((n) => n.toLowerCase())] } };

export const net_softirq: MetricProbeModule = {
  name: 'net_softirq',
  renderEvent: renderLatencyEvent,
  optionsSchema: latencyOptionsSchema(nativeOptionsSchema(false), { 'softirq-types': types, softirq_types: types }),
  create: (env) =>
    latencyProbe(
      {
        name: 'net_softirq',
        undelivered: NET_SOFTIRQ_UNDELIVERED,
        series: (['softirq_sched', 'softirq_exec'] as const).map((metric) => ({
          metric,
          slow: NET_SOFTIRQ_SLOW,
          duration: NET_SOFTIRQ_DURATION,
          attributes: (sub: number) => ({
            [ATTR_KUBESKOOP_SOFTIRQ_PHASE]: metric === 'softirq_sched' ? 'schedule' : 'execute',
            [ATTR_KUBESKOOP_SOFTIRQ_TYPE]: softirqName(sub),
          }),
          slowOnly: (_sub: number, cpu: number) => ({ [ATTR_CPU_LOGICAL_NUMBER]: cpu }),
        })),
      },
      env,
    ),
};

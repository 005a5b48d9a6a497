// softnet: /proc/net/softnet_stat — per CPU, node-wide (the file is the same in every namespace),
// so the probe runs once per cycle on the host target.
import {
  ATTR_CPU_LOGICAL_NUMBER,
  SOFTNET_DROPPED,
  SOFTNET_PROCESSED,
  SOFTNET_TIME_SQUEEZE,
} from '../../semconv/generated/registry.js';
import type { MetricProbe, MetricProbeModule, MetricSample, ProbeResult } from './probe.js';
import { unreadable } from './read-failure.js';
import type { Target } from '../targets/target.js';
import { parseSoftnet, type SoftnetParse } from './parsers/softnet.js';
import { readProcText } from '../kernel/read-proc.js';

export function softnetSamples(parse: SoftnetParse): { samples: MetricSample[]; problems: string[] } {
  const samples: MetricSample[] = [];
  for (const c of parse.cpus) {
    const attributes = { [ATTR_CPU_LOGICAL_NUMBER]: c.cpu };
    samples.push({ metric: SOFTNET_PROCESSED, value: c.processed, attributes });
    samples.push({ metric: SOFTNET_DROPPED, value: c.dropped, attributes });
    samples.push({ metric: SOFTNET_TIME_SQUEEZE, value: c.timeSqueeze, attributes });
  }
  return { samples, problems: [...parse.problems] };
}

export const softnet: MetricProbeModule = {
  name: 'softnet',
  create(): MetricProbe {
    return {
      name: 'softnet',
      scope: 'node',
      metrics: [SOFTNET_PROCESSED, SOFTNET_DROPPED, SOFTNET_TIME_SQUEEZE],
      collect(target: Target, ctx): ProbeResult {
        const r = readProcText(`${ctx.procRoot}/${target.pid}/net/softnet_stat`);
        if (!r.ok) return unreadable(r);
        return softnetSamples(parseSoftnet(r.text));
      },
    };
  },
};

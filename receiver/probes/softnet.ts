// softnet: /proc/net/softnet_stat — per CPU, node-wide (the file is the same in every namespace),
// so the probe runs once per cycle on the host target.
import {
  ATTR_CPU_LOGICAL_NUMBER,
  SOFTNET_DROPPED,
  SOFTNET_PROCESSED,
  SOFTNET_TIME_SQUEEZE,
} from '../../semconv/generated/registry.js';
import type { MetricProbe, MetricProbeModule, MetricSample, ProbeResult, SampleAttributes } from './probe.js';
import { SampleList } from './sample-list.js';
import { unreadable } from './read-failure.js';
import type { Target } from '../targets/target.js';
import { parseSoftnet, type SoftnetParse } from './parsers/softnet.js';
import { readProcText } from '../kernel/read-proc.js';

/** One attribute object per CPU number, kept across cycles (bounded by the CPUs). */
const cpuAttributes: SampleAttributes[] = [];
function cpuAttributesOf(cpu: number): SampleAttributes {
  if (!Number.isInteger(cpu) || cpu < 0 || cpu >= 65536) return { [ATTR_CPU_LOGICAL_NUMBER]: cpu };
  return (cpuAttributes[cpu] ??= { [ATTR_CPU_LOGICAL_NUMBER]: cpu });
}

/** The samples of one parsed softnet_stat, written to `out` (pure with a new list). */
export function softnetSamples(
  parse: SoftnetParse,
  out: SampleList = new SampleList(),
): { samples: readonly MetricSample[]; problems: string[] } {
  for (const c of parse.cpus) {
    const attributes = cpuAttributesOf(c.cpu);
    out.add(SOFTNET_PROCESSED, c.processed, attributes);
    out.add(SOFTNET_DROPPED, c.dropped, attributes);
    out.add(SOFTNET_TIME_SQUEEZE, c.timeSqueeze, attributes);
  }
  return { samples: out.samples(), problems: [...parse.problems] };
}

export const softnet: MetricProbeModule = {
  name: 'softnet',
  create(): MetricProbe {
    return {
      name: 'softnet',
      scope: 'node',
      metrics: [SOFTNET_PROCESSED, SOFTNET_DROPPED, SOFTNET_TIME_SQUEEZE],
      collect(target: Target, ctx, list): ProbeResult {
        const r = readProcText(`${ctx.procRoot}/${target.pid}/net/softnet_stat`);
        if (!r.ok) return unreadable(r);
        return softnetSamples(parseSoftnet(r.text), list);
      },
    };
  },
};

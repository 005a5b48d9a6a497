// ipvs: /proc/<pid>/net/ip_vs_stats — IPVS totals of each namespace. Degraded, with the reason,
// when the kernel has no IPVS.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  ATTR_KUBESKOOP_IPVS_DIRECTION,
  IPVS_CONNECTIONS,
  IPVS_IO,
  IPVS_PACKETS,
} from '../../semconv/generated/registry.js';
import type { MetricProbe, MetricProbeModule, MetricSample, ProbeContext, ProbeResult, ProbeStatus } from './probe.js';
import { unreadableModuleFile } from './read-failure.js';
import type { Target } from '../targets/target.js';
import { parseIpvsStats, type IpvsStatsParse } from './parsers/ip-vs-stats.js';
import { readProcText } from '../kernel/read-proc.js';

export function ipvsSamples(parse: IpvsStatsParse): { samples: MetricSample[]; problems: string[] } {
  const s = parse.stats;
  if (!s) return { samples: [], problems: [...parse.problems] };
  const rx = { [ATTR_KUBESKOOP_IPVS_DIRECTION]: 'incoming' };
  const tx = { [ATTR_KUBESKOOP_IPVS_DIRECTION]: 'outgoing' };
  return {
    samples: [
      { metric: IPVS_CONNECTIONS, value: s.connections, attributes: {} },
      { metric: IPVS_PACKETS, value: s.incomingPackets, attributes: rx },
      { metric: IPVS_PACKETS, value: s.outgoingPackets, attributes: tx },
      { metric: IPVS_IO, value: s.incomingBytes, attributes: rx },
      { metric: IPVS_IO, value: s.outgoingBytes, attributes: tx },
    ],
    problems: [...parse.problems],
  };
}

export function ipvsAbsentReason(procRoot: string, path: string): string {
  const how = existsSync(join(procRoot, 'modules'))
    ? 'the ip_vs module is not loaded (`modprobe ip_vs`; kube-proxy in IPVS mode loads it) or the kernel lacks CONFIG_IP_VS'
    : 'this kernel has no IPVS built in (CONFIG_IP_VS) and cannot load modules (no /proc/modules)';
  return `IPVS is not available: ${path} does not exist; ${how}`;
}

export const ipvs: MetricProbeModule = {
  name: 'ipvs',
  create(): MetricProbe {
    let absent = false;
    return {
      name: 'ipvs',
      scope: 'netns',
      metrics: [IPVS_CONNECTIONS, IPVS_PACKETS, IPVS_IO],
      async start(ctx: ProbeContext): Promise<ProbeStatus> {
        const base = existsSync(join(ctx.procRoot, '1', 'net')) ? '1' : 'self';
        const path = join(ctx.procRoot, base, 'net', 'ip_vs_stats');
        absent = !existsSync(path);
        return absent ? { state: 'degraded', reason: ipvsAbsentReason(ctx.procRoot, path) } : { state: 'running' };
      },
      collect(target: Target, ctx): ProbeResult {
        const r = readProcText(join(ctx.procRoot, String(target.pid), 'net', 'ip_vs_stats'));
        if (!r.ok) return unreadableModuleFile(r, ctx.procRoot, target, absent);
        return ipvsSamples(parseIpvsStats(r.text));
      },
    };
  },
};

// qdisc: statistics of every qdisc of every interface in each namespace, from rtnetlink dumps the
// native helper makes inside the namespace (`qdisc` command: setns in, netlink socket, setns back;
// no namespace fd kept). Needs the helper: without it the probe is degraded with the reason, and
// the other probes run on.
import {
  ATTR_KUBESKOOP_QDISC_HANDLE, ATTR_KUBESKOOP_QDISC_KIND, ATTR_KUBESKOOP_QDISC_PARENT, ATTR_NETWORK_INTERFACE_NAME,
  QDISC_BACKLOG, QDISC_DROPS, QDISC_IO, QDISC_OVERLIMITS, QDISC_PACKETS, QDISC_QUEUE, QDISC_REQUEUES,
} from '../../semconv/generated/registry.js';
import { parseQdiscFrame, type QdiscStats } from '../native/commands.js';
import type { MetricProbe, MetricProbeModule, MetricSample, ProbeEnvironment, ProbeResult, ProbeStatus } from './probe.js';
import type { Target } from '../targets/target.js';

const FIELDS = [
  [QDISC_IO, 'bytes'], [QDISC_PACKETS, 'packets'], [QDISC_DROPS, 'drops'], [QDISC_OVERLIMITS, 'overlimits'],
  [QDISC_REQUEUES, 'requeues'], [QDISC_QUEUE, 'qlen'], [QDISC_BACKLOG, 'backlog'],
] as const;

/** Pure: samples of one namespace's qdiscs. */
export function qdiscSamples(qdiscs: readonly QdiscStats[]): MetricSample[] {
  const out: MetricSample[] = [];
  for (const q of qdiscs) {
    const attributes = {
      [ATTR_NETWORK_INTERFACE_NAME]: q.dev || `ifindex${q.ifindex}`, [ATTR_KUBESKOOP_QDISC_KIND]: q.kind,
      [ATTR_KUBESKOOP_QDISC_HANDLE]: q.handle, [ATTR_KUBESKOOP_QDISC_PARENT]: q.parent,
    };
    for (const [metric, field] of FIELDS) out.push({ metric, value: q[field], attributes });
  }
  return out;
}

/** The namespace file the helper enters: the target's named netns when it has one, else its process's. */
export function netnsPath(target: Target, procRoot: string): string {
  return target.netnsName ? `/run/netns/${target.netnsName}` : `${procRoot}/${target.pid}/ns/net`;
}

export const qdisc: MetricProbeModule = {
  name: 'qdisc',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create(env?: ProbeEnvironment): MetricProbe {
    const native = env?.native;
    const noHelper: ProbeStatus = { state: 'degraded', reason: 'the native helper is not available to this agent (qdisc statistics are read by it over rtnetlink inside each namespace)' };
    return {
      name: 'qdisc',
      scope: 'netns',
      metrics: FIELDS.map(([m]) => m),
      async start(): Promise<ProbeStatus> {
        return this.status!();
      },
      status(): ProbeStatus {
        if (!native?.helperCommand) return noHelper;
        return native.helperState?.() ?? { state: 'running' };
      },
      async collect(target: Target, ctx): Promise<ProbeResult> {
        if (!native?.helperCommand) return { samples: [], problems: [] };
        const path = netnsPath(target, ctx.procRoot);
        if (/\s/.test(path)) return { samples: [], problems: [`namespace path with white space: ${path}`] };
        let frame: Record<string, unknown>;
        try {
          frame = await native.helperCommand('qdisc', [`${target.netnsInode}:${path}`]);
        } catch (err) {
          return { samples: [], problems: [(err as Error).message] };
        }
        const t = parseQdiscFrame(frame).targets[0];
        if (!t) return { samples: [], problems: ['the helper answered without a result'] };
        if (!t.ok) return t.error.startsWith('gone:') ? { samples: [], problems: [], targetGone: true } : { samples: [], problems: [t.error] };
        return { samples: qdiscSamples(t.qdiscs), problems: [] };
      },
    };
  },
};

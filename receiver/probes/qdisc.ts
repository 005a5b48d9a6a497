// qdisc: statistics of every qdisc of every interface in each namespace, from rtnetlink dumps the
// native helper makes inside the namespace (`qdisc` command: setns in, netlink socket, setns back;
// no namespace fd kept). Needs the helper: without it the probe is degraded with the reason, and
// the other probes run on.
import {
  ATTR_KUBESKOOP_QDISC_HANDLE,
  ATTR_KUBESKOOP_QDISC_KIND,
  ATTR_KUBESKOOP_QDISC_PARENT,
  ATTR_NETWORK_INTERFACE_NAME,
  QDISC_BACKLOG,
  QDISC_DROPS,
  QDISC_IO,
  QDISC_OVERLIMITS,
  QDISC_PACKETS,
  QDISC_QUEUE,
  QDISC_REQUEUES,
} from '../../semconv/generated/registry.js';
import { parseQdiscFrame, type QdiscStats, type QdiscTargetResult } from '../native/commands.js';
import type {
  MetricProbe,
  MetricProbeModule,
  MetricSample,
  ProbeEnvironment,
  ProbeResult,
  ProbeStatus,
} from './probe.js';
import type { Target } from '../targets/target.js';

const FIELDS = [
  [QDISC_IO, 'bytes'],
  [QDISC_PACKETS, 'packets'],
  [QDISC_DROPS, 'drops'],
  [QDISC_OVERLIMITS, 'overlimits'],
  [QDISC_REQUEUES, 'requeues'],
  [QDISC_QUEUE, 'qlen'],
  [QDISC_BACKLOG, 'backlog'],
] as const;

/** Pure: samples of one namespace's qdiscs. */
export function qdiscSamples(qdiscs: readonly QdiscStats[]): MetricSample[] {
  const out: MetricSample[] = [];
  for (const q of qdiscs) {
    const attributes = {
      [ATTR_NETWORK_INTERFACE_NAME]: q.dev || `ifindex${q.ifindex}`,
      [ATTR_KUBESKOOP_QDISC_KIND]: q.kind,
      [ATTR_KUBESKOOP_QDISC_HANDLE]: q.handle,
      [ATTR_KUBESKOOP_QDISC_PARENT]: q.parent,
    };
    for (const [metric, field] of FIELDS) out.push({ metric, value: q[field], attributes });
  }
  return out;
}

/** The namespace file the helper enters: the target's named netns when it has one, else its process's. */
export function netnsPath(target: Target, procRoot: string): string {
  return target.netnsName ? `/run/netns/${target.netnsName}` : `${procRoot}/${target.pid}/ns/net`;
}

/** Targets per helper command (its command line is at most 8 KiB; a target is ~40 bytes). */
const BATCH = 100;

export const qdisc: MetricProbeModule = {
  name: 'qdisc',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create(env?: ProbeEnvironment): MetricProbe {
    const native = env?.native;
    const noHelper: ProbeStatus = {
      state: 'degraded',
      reason:
        'the native helper is not available to this agent (qdisc statistics are read by it over rtnetlink inside each namespace)',
    };
    // One round trip per namespace costs the agent ~0.2 ms; instead, the first collect of a cycle
    // asks for every namespace of the previous cycle in a few batched commands, and only
    // namespaces new in this cycle (or whose path no longer works) get a command of their own.
    let previous = new Map<number, string>();
    let current = new Map<number, string>();
    let batch: Promise<Map<number, QdiscTargetResult>> | undefined;
    const ask = async (specs: readonly string[]): Promise<QdiscTargetResult[]> => {
      const frames = await Promise.all(
        Array.from({ length: Math.ceil(specs.length / BATCH) }, (_, i) =>
          native!.helperCommand!('qdisc', specs.slice(i * BATCH, (i + 1) * BATCH)),
        ),
      );
      return frames.flatMap((f) => parseQdiscFrame(f).targets);
    };
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
      async beforeCycle(): Promise<void> {
        if (current.size > 0) previous = current;
        current = new Map();
        batch = undefined;
      },
      async collect(target: Target, ctx): Promise<ProbeResult> {
        if (!native?.helperCommand) return { samples: [], problems: [] };
        const path = netnsPath(target, ctx.procRoot);
        if (/\s/.test(path)) return { samples: [], problems: [`namespace path with white space: ${path}`] };
        current.set(target.netnsInode, path);
        let t: QdiscTargetResult | undefined;
        try {
          if (!batch && previous.size > 0) {
            const specs = [...previous].map(([inode, p]) => `${inode}:${p}`);
            batch = ask(specs).then((ts) => new Map(ts.map((x) => [x.netnsInode, x])));
            batch.catch(() => undefined);
          }
          const fromBatch = batch ? (await batch.catch(() => undefined))?.get(target.netnsInode) : undefined;
          t = fromBatch?.ok ? fromBatch : (await ask([`${target.netnsInode}:${path}`]))[0];
        } catch (err) {
          return { samples: [], problems: [(err as Error).message] };
        }
        if (!t) return { samples: [], problems: ['the helper answered without a result'] };
        if (!t.ok)
          return t.error.startsWith('gone:')
            ? { samples: [], problems: [], targetGone: true }
            : { samples: [], problems: [t.error] };
        return { samples: qdiscSamples(t.qdiscs), problems: [] };
      },
    };
  },
};

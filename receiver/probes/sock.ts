// sock: /proc/<pid>/net/sockstat and sockstat6. Per-namespace values (inuse, tw, FRAG) for every
// target; node-wide values (TCP orphan, TCP alloc, TCP/UDP mem — one global kernel counter each,
// identical in every namespace) on the host target only, unless options.nodeWideOn = "every".
import {
  ATTR_NETWORK_TRANSPORT,
  ATTR_NETWORK_TYPE,
  SOCK_COUNT,
  SOCK_FRAG_MEMORY,
  SOCK_FRAG_QUEUES,
  SOCK_MEMORY,
  SOCK_TCP_ALLOCATED,
  SOCK_TCP_ORPHAN,
  SOCK_TCP_TIME_WAIT,
  SOCK_USED,
} from '../../semconv/generated/registry.js';
import type { MetricDefinition } from '../../semconv/types.js';
import type { MetricProbe, MetricProbeModule, MetricSample, ProbeResult, SampleAttributes } from './probe.js';
import { SampleList } from './sample-list.js';
import { unreadable } from './read-failure.js';
import type { Target } from '../targets/target.js';
import { SOCKSTAT_KEPT, type SockstatParse } from './parsers/sockstat.js';
import { sharedParse } from './shared-read.js';
import { pageSize } from './page-size.js';
import { procPath } from '../kernel/proc-path.js';

interface Pick {
  metric: MetricDefinition;
  line: string;
  key: string;
  attributes: SampleAttributes;
  scale?: 'pages';
}

const inuse = (line: string, protocol: string, type: string): Pick => ({
  metric: SOCK_COUNT,
  line,
  key: 'inuse',
  attributes: { [ATTR_NETWORK_TRANSPORT]: protocol, [ATTR_NETWORK_TYPE]: type },
});

/** Per namespace, from sockstat. */
const PER_NETNS_V4: readonly Pick[] = [
  { metric: SOCK_USED, line: 'sockets', key: 'used', attributes: {} },
  inuse('TCP', 'tcp', 'ipv4'),
  inuse('UDP', 'udp', 'ipv4'),
  inuse('UDPLITE', 'udplite', 'ipv4'),
  inuse('RAW', 'raw', 'ipv4'),
  { metric: SOCK_TCP_TIME_WAIT, line: 'TCP', key: 'tw', attributes: {} },
  { metric: SOCK_FRAG_QUEUES, line: 'FRAG', key: 'inuse', attributes: { [ATTR_NETWORK_TYPE]: 'ipv4' } },
  { metric: SOCK_FRAG_MEMORY, line: 'FRAG', key: 'memory', attributes: { [ATTR_NETWORK_TYPE]: 'ipv4' } },
];
/** Per namespace, from sockstat6. */
const PER_NETNS_V6: readonly Pick[] = [
  inuse('TCP6', 'tcp', 'ipv6'),
  inuse('UDP6', 'udp', 'ipv6'),
  inuse('UDPLITE6', 'udplite', 'ipv6'),
  inuse('RAW6', 'raw', 'ipv6'),
  { metric: SOCK_FRAG_QUEUES, line: 'FRAG6', key: 'inuse', attributes: { [ATTR_NETWORK_TYPE]: 'ipv6' } },
  { metric: SOCK_FRAG_MEMORY, line: 'FRAG6', key: 'memory', attributes: { [ATTR_NETWORK_TYPE]: 'ipv6' } },
];
/** Node-wide kernel totals, from sockstat. */
const NODE_WIDE: readonly Pick[] = [
  { metric: SOCK_TCP_ORPHAN, line: 'TCP', key: 'orphan', attributes: {} },
  { metric: SOCK_TCP_ALLOCATED, line: 'TCP', key: 'alloc', attributes: {} },
  { metric: SOCK_MEMORY, line: 'TCP', key: 'mem', attributes: { [ATTR_NETWORK_TRANSPORT]: 'tcp' }, scale: 'pages' },
  { metric: SOCK_MEMORY, line: 'UDP', key: 'mem', attributes: { [ATTR_NETWORK_TRANSPORT]: 'udp' }, scale: 'pages' },
];

function pick(
  parse: SockstatParse,
  picks: readonly Pick[],
  pageBytes: number,
  file: string,
  out: SampleList,
  problems: string[],
): void {
  for (const p of picks) {
    const v = parse.lines.get(p.line)?.get(p.key);
    if (v === undefined) {
      problems.push(`${file}: no "${p.line}: ${p.key}"`);
      continue;
    }
    out.add(p.metric, p.scale === 'pages' ? v * pageBytes : v, p.attributes);
  }
}

/** Samples from parsed sockstat and sockstat6 (absent without IPv6), written to `out` (pure with a new list). */
export function sockSamples(
  sockstat: SockstatParse,
  sockstat6: SockstatParse | undefined,
  opts: { nodeWide: boolean; pageBytes: number },
  out: SampleList = new SampleList(),
): { samples: readonly MetricSample[]; problems: string[] } {
  const problems = [...sockstat.problems, ...(sockstat6?.problems ?? [])];
  pick(sockstat, PER_NETNS_V4, opts.pageBytes, 'sockstat', out, problems);
  if (sockstat6) pick(sockstat6, PER_NETNS_V6, opts.pageBytes, 'sockstat6', out, problems);
  if (opts.nodeWide) pick(sockstat, NODE_WIDE, opts.pageBytes, 'sockstat', out, problems);
  return { samples: out.samples(), problems };
}

export const sock: MetricProbeModule = {
  name: 'sock',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      nodeWideOn: {
        enum: ['host', 'every'],
        description:
          'Where to report the node-wide values (TCP orphans, TCP sockets allocated, TCP/UDP socket memory): "host" (default) = only with the host namespace, so sums over pods stay right; "every" = with every namespace (sidecar mode has no host target).',
      },
    },
  },
  create(): MetricProbe {
    let pageProblem: string | undefined;
    return {
      name: 'sock',
      scope: 'netns',
      metrics: [
        SOCK_COUNT,
        SOCK_USED,
        SOCK_TCP_TIME_WAIT,
        SOCK_TCP_ORPHAN,
        SOCK_TCP_ALLOCATED,
        SOCK_MEMORY,
        SOCK_FRAG_QUEUES,
        SOCK_FRAG_MEMORY,
      ],
      collect(target: Target, ctx, list): ProbeResult {
        const r = sharedParse(
          procPath(ctx.procRoot, target.pid, 'net/sockstat'),
          'sock',
          SOCKSTAT_KEPT,
          target.netnsInode,
        );
        if (!r.ok) return unreadable(r);
        const r6 = sharedParse(
          procPath(ctx.procRoot, target.pid, 'net/sockstat6'),
          'sock',
          SOCKSTAT_KEPT,
          target.netnsInode,
        );
        const nodeWide = ctx.options['nodeWideOn'] === 'every' || target.kind === 'host';
        const page = pageSize(ctx.procRoot);
        const out = sockSamples(
          r.value,
          r6.ok ? r6.value : undefined,
          {
            nodeWide,
            pageBytes: page.bytes,
          },
          list,
        );
        if (page.problem && pageProblem === undefined) {
          pageProblem = page.problem;
          out.problems.push(page.problem);
        }
        return out;
      },
    };
  },
};

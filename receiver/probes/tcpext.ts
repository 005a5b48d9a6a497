// tcpext: the TcpExt line of /proc/<pid>/net/netstat. A documented default set as named metrics;
// every other TcpExt and MPTcpExt field on request (options.fields) as kubeskoop.mib.counter.
import {
  ATTR_KUBESKOOP_TCP_ABORT_REASON,
  ATTR_KUBESKOOP_TCP_DROP_REASON,
  TCPEXT_ABORTS,
  TCPEXT_ABORT_FAILURES,
  TCPEXT_LISTEN_DROPS,
  TCPEXT_LISTEN_OVERFLOWS,
  TCPEXT_MIB_EVENTS,
  TCPEXT_MIB_TIME,
  TCPEXT_SEGMENT_DROPS,
  TCPEXT_SYN_RETRANSMITS,
  TCPEXT_TIMEOUTS,
} from '../../semconv/generated/registry.js';
import type { MetricProbe, MetricProbeModule, MetricSample, ProbeResult } from './probe.js';
import { SampleList } from './sample-list.js';
import { unreadable } from './read-failure.js';
import type { Target } from '../targets/target.js';
import { MIB_PAIRS_KEPT, type MibParse } from './parsers/snmp.js';
import { sharedParse } from './shared-read.js';
import {
  curatedSamples,
  fieldSelection,
  fieldsOptionsSchema,
  genericSamples,
  MissingOnce,
  NO_FIELDS,
  problemsOf,
  type FieldSelection,
  type MibSpec,
} from './mib.js';
import { procPath } from '../kernel/proc-path.js';

const X = 'TcpExt';
const abort = (field: string, reason: string): MibSpec => ({
  metric: TCPEXT_ABORTS,
  group: X,
  field,
  attributes: { [ATTR_KUBESKOOP_TCP_ABORT_REASON]: reason },
});
const drop = (field: string, reason: string): MibSpec => ({
  metric: TCPEXT_SEGMENT_DROPS,
  group: X,
  field,
  attributes: { [ATTR_KUBESKOOP_TCP_DROP_REASON]: reason },
});

/** The default set (documented in semconv/registry/metrics/tcpext.yaml). */
export const TCPEXT_SPECS: readonly MibSpec[] = [
  { metric: TCPEXT_LISTEN_OVERFLOWS, group: X, field: 'ListenOverflows', attributes: {} },
  { metric: TCPEXT_LISTEN_DROPS, group: X, field: 'ListenDrops', attributes: {} },
  { metric: TCPEXT_TIMEOUTS, group: X, field: 'TCPTimeouts', attributes: {} },
  { metric: TCPEXT_SYN_RETRANSMITS, group: X, field: 'TCPSynRetrans', attributes: {} },
  abort('TCPAbortOnClose', 'close'),
  abort('TCPAbortOnData', 'data'),
  abort('TCPAbortOnMemory', 'memory'),
  abort('TCPAbortOnTimeout', 'timeout'),
  abort('TCPAbortOnLinger', 'linger'),
  { metric: TCPEXT_ABORT_FAILURES, group: X, field: 'TCPAbortFailed', attributes: {} },
  drop('TCPBacklogDrop', 'backlog'),
  drop('TCPRcvQDrop', 'receive_queue'),
  drop('TCPZeroWindowDrop', 'zero_window'),
  drop('PFMemallocDrop', 'pfmemalloc'),
];
export const TCPEXT_GENERIC_GROUPS = ['TcpExt', 'MPTcpExt'] as const;
const CURATED = new Set(TCPEXT_SPECS.map((s) => `${s.group}.${s.field}`));
/** Levels, not counters: never part of a wildcard. */
const NON_COUNTERS = new Set(['MPTcpExt.MPCurrEstab']);

/** Samples of one parsed netstat file, written to `out` (pure with a new list). */
export function tcpextSamples(
  netstat: MibParse,
  sel: FieldSelection = NO_FIELDS,
  out: SampleList = new SampleList(),
): { samples: readonly MetricSample[]; problems: readonly string[]; missing: string[] } {
  const missing: string[] = [];
  curatedSamples([netstat.groups], TCPEXT_SPECS, out, missing);
  genericSamples(
    { events: TCPEXT_MIB_EVENTS, time: TCPEXT_MIB_TIME },
    netstat.groups,
    TCPEXT_GENERIC_GROUPS,
    sel,
    CURATED,
    NON_COUNTERS,
    out,
    missing,
  );
  return { samples: out.samples(), problems: problemsOf(netstat.problems), missing };
}

export const tcpext: MetricProbeModule = {
  name: 'tcpext',
  optionsSchema: fieldsOptionsSchema(TCPEXT_GENERIC_GROUPS, '["TcpExt.TCPFastRetrans", "TcpExt.TCPKeepAlive"]'),
  create(): MetricProbe {
    const once = new MissingOnce('netstat');
    return {
      name: 'tcpext',
      scope: 'netns',
      metrics: [...new Set(TCPEXT_SPECS.map((s) => s.metric)), TCPEXT_MIB_EVENTS, TCPEXT_MIB_TIME],
      collect(target: Target, ctx, list): ProbeResult {
        const r = sharedParse(
          procPath(ctx.procRoot, target.pid, 'net/netstat'),
          'tcpext',
          MIB_PAIRS_KEPT,
          target.netnsInode,
        );
        if (!r.ok) return unreadable(r);
        const out = tcpextSamples(r.value, fieldSelection(ctx.options['fields']), list);
        return { samples: out.samples, problems: problemsOf(out.problems, once.problems(out.missing)) };
      },
    };
  },
};

// tcp: the Tcp line of /proc/<pid>/net/snmp (the RFC 1213/4022 TCP MIB; IPv4 and IPv6 together).
// The file is shared with udp and ip through one read per cycle (shared-read.ts).
import {
  ATTR_KUBESKOOP_TCP_OPEN_ROLE,
  ATTR_NETWORK_IO_DIRECTION,
  TCP_ATTEMPT_FAILURES,
  TCP_CHECKSUM_ERRORS,
  TCP_ESTABLISHED,
  TCP_ESTABLISHED_RESETS,
  TCP_OPENS,
  TCP_RECEIVE_ERRORS,
  TCP_RESETS_SENT,
  TCP_RETRANSMITS,
  TCP_SEGMENTS,
} from '../../semconv/generated/registry.js';
import type { MetricProbe, MetricProbeModule, MetricSample, ProbeResult } from './probe.js';
import { SampleList } from './sample-list.js';
import { unreadable } from './read-failure.js';
import type { Target } from '../targets/target.js';
import { MIB_PAIRS_KEPT, type MibParse } from './parsers/snmp.js';
import { sharedParse } from './shared-read.js';
import { curatedSamples, MissingOnce, NO_PROBLEMS, problemsOf, type MibSpec } from './mib.js';
import { procPath } from '../kernel/proc-path.js';

const T = 'Tcp';
export const TCP_SPECS: readonly MibSpec[] = [
  { metric: TCP_OPENS, group: T, field: 'ActiveOpens', attributes: { [ATTR_KUBESKOOP_TCP_OPEN_ROLE]: 'active' } },
  { metric: TCP_OPENS, group: T, field: 'PassiveOpens', attributes: { [ATTR_KUBESKOOP_TCP_OPEN_ROLE]: 'passive' } },
  { metric: TCP_ATTEMPT_FAILURES, group: T, field: 'AttemptFails', attributes: {} },
  { metric: TCP_ESTABLISHED_RESETS, group: T, field: 'EstabResets', attributes: {} },
  { metric: TCP_ESTABLISHED, group: T, field: 'CurrEstab', attributes: {} },
  { metric: TCP_SEGMENTS, group: T, field: 'InSegs', attributes: { [ATTR_NETWORK_IO_DIRECTION]: 'receive' } },
  { metric: TCP_SEGMENTS, group: T, field: 'OutSegs', attributes: { [ATTR_NETWORK_IO_DIRECTION]: 'transmit' } },
  { metric: TCP_RETRANSMITS, group: T, field: 'RetransSegs', attributes: {} },
  { metric: TCP_RECEIVE_ERRORS, group: T, field: 'InErrs', attributes: {} },
  { metric: TCP_CHECKSUM_ERRORS, group: T, field: 'InCsumErrors', attributes: {} },
  { metric: TCP_RESETS_SENT, group: T, field: 'OutRsts', attributes: {} },
];

/** The samples of one parsed snmp file, written to `out` (pure with a new list). */
export function tcpSamples(
  snmp: MibParse,
  out: SampleList = new SampleList(),
): { samples: readonly MetricSample[]; problems: readonly string[]; missing: string[] } {
  const missing: string[] = [];
  curatedSamples([snmp.groups], TCP_SPECS, out, missing);
  return { samples: out.samples(), problems: snmp.problems.length > 0 ? [...snmp.problems] : NO_PROBLEMS, missing };
}

export const tcp: MetricProbeModule = {
  name: 'tcp',
  create(): MetricProbe {
    const once = new MissingOnce('snmp');
    return {
      name: 'tcp',
      scope: 'netns',
      metrics: [...new Set(TCP_SPECS.map((s) => s.metric))],
      collect(target: Target, ctx, list): ProbeResult {
        const r = sharedParse(procPath(ctx.procRoot, target.pid, 'net/snmp'), 'tcp', MIB_PAIRS_KEPT, target.netnsInode);
        if (!r.ok) return unreadable(r);
        const out = tcpSamples(r.value, list);
        return { samples: out.samples, problems: problemsOf(out.problems, once.problems(out.missing)) };
      },
    };
  },
};

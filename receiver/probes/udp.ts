// udp: the Udp line of /proc/<pid>/net/snmp (ipv4) and the Udp6* lines of snmp6 (ipv6); UdpLite
// and UdpLite6 on request (options.fields) as kubeskoop.mib.counter.
import {
  ATTR_NETWORK_IO_DIRECTION,
  ATTR_NETWORK_TYPE,
  UDP_CHECKSUM_ERRORS,
  UDP_DATAGRAMS,
  UDP_IGNORED_MULTICAST,
  UDP_MEMORY_ERRORS,
  UDP_MIB_EVENTS,
  UDP_NO_PORT,
  UDP_RECEIVE_BUFFER_ERRORS,
  UDP_RECEIVE_ERRORS,
  UDP_SEND_BUFFER_ERRORS,
} from '../../semconv/generated/registry.js';
import type { MetricProbe, MetricProbeModule, MetricSample, ProbeResult } from './probe.js';
import { SampleList } from './sample-list.js';
import { unreadable } from './read-failure.js';
import type { Target } from '../targets/target.js';
import { MIB_PAIRS_KEPT, SNMP6_KEPT, type MibParse } from './parsers/snmp.js';
import { sharedParse } from './shared-read.js';
import {
  curatedSamples,
  fieldSelection,
  fieldsOptionsSchema,
  genericSamples,
  ipv6Used,
  IPV6_OPTION,
  mergeTables,
  MissingOnce,
  NO_FIELDS,
  problemsOf,
  type FieldSelection,
  type MibSpec,
} from './mib.js';
import { procPath } from '../kernel/proc-path.js';

const FIELDS: readonly [MibSpec['metric'], string, Record<string, string>][] = [
  [UDP_DATAGRAMS, 'InDatagrams', { [ATTR_NETWORK_IO_DIRECTION]: 'receive' }],
  [UDP_DATAGRAMS, 'OutDatagrams', { [ATTR_NETWORK_IO_DIRECTION]: 'transmit' }],
  [UDP_NO_PORT, 'NoPorts', {}],
  [UDP_RECEIVE_ERRORS, 'InErrors', {}],
  [UDP_RECEIVE_BUFFER_ERRORS, 'RcvbufErrors', {}],
  [UDP_SEND_BUFFER_ERRORS, 'SndbufErrors', {}],
  [UDP_CHECKSUM_ERRORS, 'InCsumErrors', {}],
  [UDP_IGNORED_MULTICAST, 'IgnoredMulti', {}],
  [UDP_MEMORY_ERRORS, 'MemErrors', {}],
];

export const UDP_SPECS: readonly MibSpec[] = [
  ...FIELDS.map(([metric, field, a]) => ({
    metric,
    group: 'Udp',
    field,
    attributes: { [ATTR_NETWORK_TYPE]: 'ipv4', ...a },
  })),
  ...FIELDS.map(([metric, field, a]) => ({
    metric,
    group: 'Udp6',
    field,
    attributes: { [ATTR_NETWORK_TYPE]: 'ipv6', ...a },
  })),
];
export const UDP_GENERIC_GROUPS = ['UdpLite', 'UdpLite6'] as const;
const UDP_SPECS_V4 = UDP_SPECS.filter((s) => s.group === 'Udp');
const NONE: ReadonlySet<string> = new Set();

/** Samples from parsed snmp and snmp6 (snmp6 is absent when IPv6 is disabled in the kernel; its
 *  series are left out until the namespace used IPv6, unless ipv6 = 'always'), written to `out`
 *  (pure with a new list). */
export function udpSamples(
  snmp: MibParse,
  snmp6: MibParse | undefined,
  sel: FieldSelection = NO_FIELDS,
  ipv6: 'when-used' | 'always' = 'when-used',
  out: SampleList = new SampleList(),
): { samples: readonly MetricSample[]; problems: readonly string[]; missing: string[] } {
  const v6 = snmp6 !== undefined && (ipv6 === 'always' || ipv6Used(snmp6.groups));
  const missing: string[] = [];
  curatedSamples([snmp.groups, snmp6?.groups], v6 ? UDP_SPECS : UDP_SPECS_V4, out, missing);
  if (sel !== NO_FIELDS) {
    const table = mergeTables(snmp.groups, snmp6?.groups ?? new Map());
    genericSamples({ events: UDP_MIB_EVENTS }, table, UDP_GENERIC_GROUPS, sel, NONE, NONE, out, missing);
  }
  return { samples: out.samples(), problems: problemsOf(snmp.problems, snmp6?.problems), missing };
}

export const udp: MetricProbeModule = {
  name: 'udp',
  optionsSchema: fieldsOptionsSchema(UDP_GENERIC_GROUPS, '["UdpLite.*"]', { ipv6: IPV6_OPTION }),
  create(): MetricProbe {
    const once = new MissingOnce('snmp/snmp6');
    return {
      name: 'udp',
      scope: 'netns',
      metrics: [...new Set(UDP_SPECS.map((s) => s.metric)), UDP_MIB_EVENTS],
      collect(target: Target, ctx, list): ProbeResult {
        const snmp = sharedParse(
          procPath(ctx.procRoot, target.pid, 'net/snmp'),
          'udp',
          MIB_PAIRS_KEPT,
          target.netnsInode,
        );
        if (!snmp.ok) return unreadable(snmp);
        const snmp6 = sharedParse(
          procPath(ctx.procRoot, target.pid, 'net/snmp6'),
          'udp',
          SNMP6_KEPT,
          target.netnsInode,
        );
        const out = udpSamples(
          snmp.value,
          snmp6.ok ? snmp6.value : undefined,
          fieldSelection(ctx.options['fields']),
          ctx.options['ipv6'] === 'always' ? 'always' : 'when-used',
          list,
        );
        return { samples: out.samples, problems: problemsOf(out.problems, once.problems(out.missing)) };
      },
    };
  },
};

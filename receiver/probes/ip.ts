// ip: the Ip line of /proc/<pid>/net/snmp (ipv4), the Ip6* lines of snmp6 (ipv6) and the IpExt
// line of netstat — where InNoRoutes and InTruncatedPkts really live (KubeSkoop v0.1 looked for
// them in snmp). Other Ip, Ip6, IpExt, Icmp, IcmpMsg and Icmp6 fields on request (options.fields).
import {
  ATTR_NETWORK_IO_DIRECTION,
  ATTR_NETWORK_TYPE,
  IP_ADDRESS_ERRORS,
  IP_DEFAULT_TTL,
  IP_DELIVERIES,
  IP_DISCARDS,
  IP_FORWARDING,
  IP_FORWARDS,
  IP_FRAGMENTATION_FAILURES,
  IP_HEADER_ERRORS,
  IP_MIB_EVENTS,
  IP_MIB_IO,
  IP_NO_ROUTES,
  IP_REASSEMBLY_FAILURES,
  IP_RECEIVES,
  IP_SEND_REQUESTS,
  IP_TRUNCATED,
  IP_UNKNOWN_PROTOCOLS,
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

const V4 = { [ATTR_NETWORK_TYPE]: 'ipv4' };
const V6 = { [ATTR_NETWORK_TYPE]: 'ipv6' };
const RX = { [ATTR_NETWORK_IO_DIRECTION]: 'receive' };
const TX = { [ATTR_NETWORK_IO_DIRECTION]: 'transmit' };

// [metric, ipv4 group, ipv4 field, ipv6 field (group Ip6), extra attributes]
const FIELDS: readonly [MibSpec['metric'], string, string, string | undefined, Record<string, string>][] = [
  [IP_RECEIVES, 'Ip', 'InReceives', 'InReceives', {}],
  [IP_DELIVERIES, 'Ip', 'InDelivers', 'InDelivers', {}],
  [IP_SEND_REQUESTS, 'Ip', 'OutRequests', 'OutRequests', {}],
  [IP_FORWARDS, 'Ip', 'ForwDatagrams', 'OutForwDatagrams', {}],
  [IP_DISCARDS, 'Ip', 'InDiscards', 'InDiscards', RX],
  [IP_DISCARDS, 'Ip', 'OutDiscards', 'OutDiscards', TX],
  [IP_HEADER_ERRORS, 'Ip', 'InHdrErrors', 'InHdrErrors', {}],
  [IP_ADDRESS_ERRORS, 'Ip', 'InAddrErrors', 'InAddrErrors', {}],
  [IP_UNKNOWN_PROTOCOLS, 'Ip', 'InUnknownProtos', 'InUnknownProtos', {}],
  [IP_NO_ROUTES, 'IpExt', 'InNoRoutes', 'InNoRoutes', RX],
  [IP_NO_ROUTES, 'Ip', 'OutNoRoutes', 'OutNoRoutes', TX],
  [IP_TRUNCATED, 'IpExt', 'InTruncatedPkts', 'InTruncatedPkts', {}],
  [IP_REASSEMBLY_FAILURES, 'Ip', 'ReasmFails', 'ReasmFails', {}],
  [IP_FRAGMENTATION_FAILURES, 'Ip', 'FragFails', 'FragFails', {}],
  [IP_FORWARDING, 'Ip', 'Forwarding', undefined, {}],
  [IP_DEFAULT_TTL, 'Ip', 'DefaultTTL', undefined, {}],
];

export const IP_SPECS_V4: readonly MibSpec[] = FIELDS.map(([metric, group, field, , a]) => ({
  metric,
  group,
  field,
  attributes: metric === IP_FORWARDING || metric === IP_DEFAULT_TTL ? {} : Object.assign({}, V4, a),
}));
export const IP_SPECS_V6: readonly MibSpec[] = FIELDS.filter((f) => f[3] !== undefined).map(
  ([metric, , , field6, a]) => ({ metric, group: 'Ip6', field: field6!, attributes: Object.assign({}, V6, a) }),
);
export const IP_GENERIC_GROUPS = ['Ip', 'Ip6', 'IpExt', 'Icmp', 'IcmpMsg', 'Icmp6'] as const;
const IP_SPECS_V4_NO_EXT = IP_SPECS_V4.filter((s) => s.group !== 'IpExt');
const CURATED = new Set([...IP_SPECS_V4, ...IP_SPECS_V6].map((s) => `${s.group}.${s.field}`));
/** Levels, not counters: never part of a wildcard. */
const NON_COUNTERS = new Set(['Ip.Forwarding', 'Ip.DefaultTTL']);

/** Samples of parsed snmp, snmp6 (absent without IPv6; its series left out until the namespace
 *  used IPv6, unless ipv6 = 'always') and netstat, written to `out` (pure with a new list). */
export function ipSamples(
  snmp: MibParse,
  snmp6: MibParse | undefined,
  netstat: MibParse | undefined,
  sel: FieldSelection = NO_FIELDS,
  ipv6: 'when-used' | 'always' = 'when-used',
  out: SampleList = new SampleList(),
): { samples: readonly MetricSample[]; problems: readonly string[]; missing: string[] } {
  const tables = [snmp.groups, snmp6?.groups, netstat?.groups];
  const missing: string[] = [];
  curatedSamples(tables, netstat !== undefined ? IP_SPECS_V4 : IP_SPECS_V4_NO_EXT, out, missing);
  if (snmp6 && (ipv6 === 'always' || ipv6Used(snmp6.groups))) curatedSamples(tables, IP_SPECS_V6, out, missing);
  if (sel !== NO_FIELDS) {
    const table = mergeTables(snmp.groups, snmp6?.groups ?? new Map(), netstat?.groups ?? new Map());
    genericSamples(
      { events: IP_MIB_EVENTS, io: IP_MIB_IO },
      table,
      IP_GENERIC_GROUPS,
      sel,
      CURATED,
      NON_COUNTERS,
      out,
      missing,
    );
  }
  return {
    samples: out.samples(),
    problems: problemsOf(snmp.problems, snmp6?.problems, netstat?.problems),
    missing,
  };
}

export const ip: MetricProbeModule = {
  name: 'ip',
  optionsSchema: fieldsOptionsSchema(IP_GENERIC_GROUPS, '["Ip.ReasmTimeout", "IpExt.*"]', { ipv6: IPV6_OPTION }),
  create(): MetricProbe {
    const once = new MissingOnce('snmp/snmp6/netstat');
    return {
      name: 'ip',
      scope: 'netns',
      metrics: [...new Set([...IP_SPECS_V4, ...IP_SPECS_V6].map((s) => s.metric)), IP_MIB_EVENTS, IP_MIB_IO],
      collect(target: Target, ctx, list): ProbeResult {
        const snmp = sharedParse(
          procPath(ctx.procRoot, target.pid, 'net/snmp'),
          'ip',
          MIB_PAIRS_KEPT,
          target.netnsInode,
        );
        if (!snmp.ok) return unreadable(snmp);
        const snmp6 = sharedParse(procPath(ctx.procRoot, target.pid, 'net/snmp6'), 'ip', SNMP6_KEPT, target.netnsInode);
        const netstat = sharedParse(
          procPath(ctx.procRoot, target.pid, 'net/netstat'),
          'ip',
          MIB_PAIRS_KEPT,
          target.netnsInode,
        );
        const out = ipSamples(
          snmp.value,
          snmp6.ok ? snmp6.value : undefined,
          netstat.ok ? netstat.value : undefined,
          fieldSelection(ctx.options['fields']),
          ctx.options['ipv6'] === 'always' ? 'always' : 'when-used',
          list,
        );
        const problems = problemsOf(
          out.problems,
          once.problems(out.missing),
          !netstat.ok && !netstat.gone ? [netstat.reason] : undefined,
        );
        return { samples: out.samples, problems };
      },
    };
  },
};

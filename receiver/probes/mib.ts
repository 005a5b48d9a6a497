// Helpers shared by the probes that read the kernel's MIB files (tcp, udp, ip, tcpext): curated
// fields → their registry metric, and the opt-in generic kubeskoop.mib.* for any other field, one
// name per unit: counts (kubeskoop.mib.events), bytes (*Octets: kubeskoop.mib.io), time (*Chrono,
// milliseconds in the kernel: kubeskoop.mib.time in seconds).
import type { MetricDefinition } from '../../semconv/types.js';
import { ATTR_KUBESKOOP_MIB_FIELD, ATTR_KUBESKOOP_MIB_GROUP } from '../../semconv/generated/registry.js';
import type { MetricSample, OptionsSchema, SampleAttributes } from './probe.js';
import type { MibTable } from './parsers/snmp.js';

/** One kernel field → one series of a registry metric. */
export interface MibSpec {
  readonly metric: MetricDefinition;
  readonly group: string;
  readonly field: string;
  readonly attributes: SampleAttributes;
}

export interface MibSamples {
  readonly samples: MetricSample[];
  /** "Group Field" of curated fields this kernel's file does not have. */
  readonly missing: string[];
}

export function curatedSamples(table: MibTable, specs: readonly MibSpec[]): MibSamples {
  const samples: MetricSample[] = [];
  const missing: string[] = [];
  for (const s of specs) {
    const v = table.get(s.group)?.get(s.field);
    if (v === undefined) missing.push(`${s.group} ${s.field}`);
    else samples.push({ metric: s.metric, value: v, attributes: s.attributes });
  }
  return { samples, missing };
}

/** Which other fields the user asked for: "*", "Group.*" or "Group.Field". */
export interface FieldSelection {
  readonly all: boolean;
  readonly groups: ReadonlySet<string>;
  readonly fields: ReadonlySet<string>;
}

export const NO_FIELDS: FieldSelection = { all: false, groups: new Set(), fields: new Set() };

export function fieldSelection(option: unknown): FieldSelection {
  if (!Array.isArray(option) || option.length === 0) return NO_FIELDS;
  let all = false;
  const groups = new Set<string>();
  const fields = new Set<string>();
  for (const f of option) {
    if (typeof f !== 'string') continue;
    if (f === '*') all = true;
    else if (f.endsWith('.*')) groups.add(f.slice(0, -2));
    else fields.add(f);
  }
  return { all, groups, fields };
}

/** The options schema of a probe with generic fields over `groups`. */
export function fieldsOptionsSchema(
  groups: readonly string[],
  example: string,
  extra: Record<string, unknown> = {},
): OptionsSchema {
  const g = groups.join('|');
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...extra,
      fields: {
        type: 'array',
        description: `Other kernel counters to export as kubeskoop.mib.events (counts), kubeskoop.mib.io (*Octets, bytes) and kubeskoop.mib.time (*Chrono, seconds): "*" (every field not already a named metric), "Group.*" or "Group.Field", with Group one of ${groups.join(', ')}; e.g. ${example}.`,
        items: { type: 'string', pattern: `^(\\*|(${g})\\.(\\*|[A-Za-z0-9_]+))$` },
        uniqueItems: true,
        maxItems: 1000,
      },
    },
  };
}

/** The generic metrics of one probe, by unit; a probe whose files have no bytes or time fields leaves those out. */
export interface MibMetrics {
  readonly events: MetricDefinition;
  readonly io?: MetricDefinition;
  readonly time?: MetricDefinition;
}

/** Which generic metric a field goes to, and the factor from the kernel's unit; undefined: none fits. */
function genericMetricFor(
  metrics: MibMetrics,
  field: string,
): { metric: MetricDefinition; factor: number } | undefined {
  if (field.endsWith('Octets')) return metrics.io ? { metric: metrics.io, factor: 1 } : undefined;
  if (field.endsWith('Chrono')) return metrics.time ? { metric: metrics.time, factor: 1e-3 } : undefined;
  return { metric: metrics.events, factor: 1 };
}

/**
 * Samples of the generic metrics for the selected fields. Wildcards cover the fields present in the
 * file minus the curated ones and the known non-counters; a field named explicitly but absent from
 * the file is reported as missing.
 */
export function genericSamples(
  metrics: MibMetrics,
  table: MibTable,
  allowedGroups: readonly string[],
  sel: FieldSelection,
  curated: ReadonlySet<string>,
  nonCounters: ReadonlySet<string>,
): MibSamples {
  const samples: MetricSample[] = [];
  const missing: string[] = [];
  if (!sel.all && sel.groups.size === 0 && sel.fields.size === 0) return { samples, missing };
  const emitted = new Set<string>();
  const emit = (group: string, field: string, v: number): void => {
    const key = `${group}.${field}`;
    if (emitted.has(key)) return;
    emitted.add(key);
    const to = genericMetricFor(metrics, field);
    if (to === undefined) return;
    samples.push({
      metric: to.metric,
      value: v * to.factor,
      attributes: { [ATTR_KUBESKOOP_MIB_GROUP]: group, [ATTR_KUBESKOOP_MIB_FIELD]: field },
    });
  };
  for (const group of allowedGroups) {
    const fields = table.get(group);
    if (!fields || !(sel.all || sel.groups.has(group))) continue;
    for (const [field, v] of fields) {
      const key = `${group}.${field}`;
      if (!curated.has(key) && !nonCounters.has(key)) emit(group, field, v);
    }
  }
  for (const key of sel.fields) {
    const dot = key.indexOf('.');
    const group = key.slice(0, dot);
    const field = key.slice(dot + 1);
    if (!allowedGroups.includes(group)) continue;
    const v = table.get(group)?.get(field);
    if (v === undefined) missing.push(`${group} ${field}`);
    else emit(group, field, v);
  }
  return { samples, missing };
}

/** Whether the namespace ever sent or received an IPv6 packet (snmp6 Ip6InReceives / Ip6OutRequests). */
export function ipv6Used(snmp6: MibTable | undefined): boolean {
  const ip6 = snmp6?.get('Ip6');
  return ip6 !== undefined && ((ip6.get('InReceives') ?? 0) > 0 || (ip6.get('OutRequests') ?? 0) > 0);
}

/** The `ipv6` option of ip and udp: IPv6 series only once the namespace used IPv6 (default), or always. */
export const IPV6_OPTION = {
  enum: ['when-used', 'always'],
  description:
    'IPv6 series: "when-used" (default) = only once the namespace has sent or received an IPv6 packet, so IPv4-only pods do not carry a second set of zero series; "always" = from the start.',
} as const;

/** Merges MIB tables (snmp + snmp6 + netstat) into one; groups never collide across these files. */
export function mergeTables(...tables: MibTable[]): MibTable {
  const out = new Map<string, ReadonlyMap<string, number>>();
  for (const t of tables) for (const [g, f] of t) out.set(g, f);
  return out;
}

/** Reports each missing field once per probe instance (an older kernel lacks it for good). */
export class MissingOnce {
  private readonly seen = new Set<string>();
  constructor(private readonly file: string) {}
  problems(missing: readonly string[]): string[] {
    const out: string[] = [];
    for (const m of missing) {
      if (this.seen.has(m)) continue;
      this.seen.add(m);
      out.push(`${this.file}: no field ${m} on this kernel`);
    }
    return out;
  }
}

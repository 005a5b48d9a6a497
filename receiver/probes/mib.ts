// Helpers shared by the probes that read the kernel's MIB files (tcp, udp, ip, tcpext): curated
// fields → their registry metric, and the opt-in generic kubeskoop.mib.* for any other field, one
// name per unit: counts (kubeskoop.mib.events), bytes (*Octets: kubeskoop.mib.io), time (*Chrono,
// milliseconds in the kernel: kubeskoop.mib.time in seconds).
import type { MetricDefinition } from '../../semconv/types.js';
import { ATTR_KUBESKOOP_MIB_FIELD, ATTR_KUBESKOOP_MIB_GROUP } from '../../semconv/generated/registry.js';
import type { OptionsSchema, SampleAttributes } from './probe.js';
import type { SampleList } from './sample-list.js';
import type { MibTable } from './parsers/snmp.js';

/** One kernel field → one series of a registry metric. */
export interface MibSpec {
  readonly metric: MetricDefinition;
  readonly group: string;
  readonly field: string;
  readonly attributes: SampleAttributes;
}

/** No problems: one shared empty list, none allocated per target per cycle. */
export const NO_PROBLEMS: readonly string[] = Object.freeze([]);

/** The problems of several parses as one list (the shared empty one when there are none). */
export function problemsOf(...lists: (readonly string[] | undefined)[]): readonly string[] {
  let out: string[] | undefined;
  for (const l of lists) if (l !== undefined && l.length > 0) (out ??= []).push(...l);
  return out ?? NO_PROBLEMS;
}

/** A field's value in the first of `tables` that has its group (the files' groups never collide). */
function lookup(tables: readonly (MibTable | undefined)[], group: string, field: string): number | undefined {
  for (const t of tables) {
    const g = t?.get(group);
    if (g !== undefined) return g.get(field);
  }
  return undefined;
}

/** Writes the curated fields' samples to `out`; "Group Field" of those the files lack to `missing`. */
export function curatedSamples(
  tables: readonly (MibTable | undefined)[],
  specs: readonly MibSpec[],
  out: SampleList,
  missing: string[],
): void {
  for (const s of specs) {
    const v = lookup(tables, s.group, s.field);
    if (v === undefined) missing.push(`${s.group} ${s.field}`);
    else out.add(s.metric, v, s.attributes);
  }
}

/** Which other fields the user asked for: "*", "Group.*" or "Group.Field". */
export interface FieldSelection {
  readonly all: boolean;
  readonly groups: ReadonlySet<string>;
  readonly fields: ReadonlySet<string>;
}

export const NO_FIELDS: FieldSelection = { all: false, groups: new Set(), fields: new Set() };

/** The selection of an options array, made once per array (collect asks for it per target per cycle). */
const selections = new WeakMap<object, FieldSelection>();

export function fieldSelection(option: unknown): FieldSelection {
  if (!Array.isArray(option) || option.length === 0) return NO_FIELDS;
  let sel = selections.get(option);
  if (sel === undefined) selections.set(option, (sel = makeSelection(option)));
  return sel;
}

function makeSelection(option: readonly unknown[]): FieldSelection {
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
    properties: Object.assign({}, extra, {
      fields: {
        type: 'array',
        description: `Other kernel counters to export as kubeskoop.mib.events (counts), kubeskoop.mib.io (*Octets, bytes) and kubeskoop.mib.time (*Chrono, seconds): "*" (every field not already a named metric), "Group.*" or "Group.Field", with Group one of ${groups.join(', ')}; e.g. ${example}.`,
        items: { type: 'string', pattern: `^(\\*|(${g})\\.(\\*|[A-Za-z0-9_]+))$` },
        uniqueItems: true,
        maxItems: 1000,
      },
    }),
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

/** One attribute object per generic group and field, kept across cycles (bounded: the kernel's field names). */
const genericAttributes = new Map<string, SampleAttributes>();
function genericAttributesOf(key: string, group: string, field: string): SampleAttributes {
  let a = genericAttributes.get(key);
  if (a === undefined) {
    if (genericAttributes.size >= 4096) genericAttributes.clear();
    a = { [ATTR_KUBESKOOP_MIB_GROUP]: group, [ATTR_KUBESKOOP_MIB_FIELD]: field };
    genericAttributes.set(key, a);
  }
  return a;
}

/**
 * Writes the samples of the generic metrics for the selected fields to `out`. Wildcards cover the
 * fields present in the file minus the curated ones and the known non-counters; a field named
 * explicitly but absent from the file goes to `missing`.
 */
export function genericSamples(
  metrics: MibMetrics,
  table: MibTable,
  allowedGroups: readonly string[],
  sel: FieldSelection,
  curated: ReadonlySet<string>,
  nonCounters: ReadonlySet<string>,
  out: SampleList,
  missing: string[],
): void {
  if (!sel.all && sel.groups.size === 0 && sel.fields.size === 0) return;
  const emitted = new Set<string>();
  const emit = (group: string, field: string, v: number): void => {
    const key = `${group}.${field}`;
    if (emitted.has(key)) return;
    emitted.add(key);
    const to = genericMetricFor(metrics, field);
    if (to === undefined) return;
    out.add(to.metric, v * to.factor, genericAttributesOf(key, group, field));
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
  problems(missing: readonly string[]): readonly string[] {
    if (missing.length === 0) return NO_PROBLEMS;
    const out: string[] = [];
    for (const m of missing) {
      if (this.seen.has(m)) continue;
      this.seen.add(m);
      out.push(`${this.file}: no field ${m} on this kernel`);
    }
    return out;
  }
}

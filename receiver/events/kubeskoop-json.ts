// An event as KubeSkoop's sinks write it (pkg/exporter/probe/proto.go Event, marshalled by Go's
// encoding/json): {"timestamp":<ns>,"type":…,"labels":[{"name":…,"value":…}]|null,"msg":…}.
// The type is KubeSkoop's current spelling (the registry's `type`, whatever spelling the record
// carries), the labels list and the msg follow the registry's `kubeskoop_labels` / `kubeskoop_msg`
// for the event, filled from the record's attributes. Pure: record and identity in, one line out.
import {
  ATTR_CPU_LOGICAL_NUMBER,
  ATTR_DNS_QUESTION_NAME,
  ATTR_KUBESKOOP_DNS_QUESTION_TYPE,
  ATTR_KUBESKOOP_DNS_RESPONSE_CODE,
  ATTR_KUBESKOOP_PEER_NAME,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_DESTINATION_ADDRESS,
  ATTR_DESTINATION_PORT,
  ATTR_KUBESKOOP_LATENCY_DURATION,
  ATTR_KUBESKOOP_SOFTIRQ_TYPE,
  ATTR_NETWORK_CONNECTION_STATE,
  ATTR_NETWORK_TRANSPORT,
  ATTR_PROCESS_EXECUTABLE_NAME,
  ATTR_ERROR_TYPE,
  ATTR_PROCESS_PID,
  ATTR_SOURCE_ADDRESS,
  ATTR_SOURCE_PORT,
  EVENTS,
} from '../../semconv/generated/registry.js';
import type { EventDefinition, EventTypeDefinition, KubeskoopEventLabels } from '../../semconv/types.js';
import type { EventAttributeValue, EventRecord } from '../probes/event-record.js';

/** Who an event belongs to, as KubeSkoop named it (its LegacyEventLabels); undefined: a namespace it
 *  could not map (KubeSkoop then wrote `labels: null`). */
export interface KubeskoopIdentity {
  readonly pod: string;
  readonly namespace: string;
  readonly node: string;
}

export interface KubeskoopLabel {
  readonly name: string;
  readonly value: string;
}

export interface KubeskoopEvent {
  readonly timestamp: bigint;
  readonly type: string;
  readonly labels: readonly KubeskoopLabel[] | null;
  readonly msg: string;
}

interface TypeEntry {
  readonly event: EventDefinition;
  readonly type: EventTypeDefinition;
}

/** Every spelling of every type (the type and its aliases) → its registry entry. */
const BY_SPELLING: ReadonlyMap<string, TypeEntry> = new Map(
  EVENTS.flatMap((event) =>
    event.types.flatMap((type) => [type.type, ...type.aliases].map((s) => [s, { event, type }] as const)),
  ),
);

/** KubeSkoop's current spelling of an event type given in any spelling the registry knows. */
export function kubeskoopType(spelling: string): string {
  return BY_SPELLING.get(spelling)?.type.type ?? spelling;
}

type Attrs = Readonly<Record<string, EventAttributeValue>>;
const str = (a: Attrs, k: string): string => (a[k] === undefined ? '' : String(a[k]));

/** bpfutil.GetProtoStr: the transport in upper case, IP for anything else. */
function protocol(a: Attrs): string {
  const t = str(a, ATTR_NETWORK_TRANSPORT);
  return t === 'tcp' || t === 'udp' ? t.toUpperCase() : 'IP';
}

/** bpfutil.GetHumanTimes: whole ms above 1 ms, whole µs above 1 µs, else ns. */
export function goHumanTime(ns: number): string {
  if (ns > 1_000_000) return `${Math.floor(ns / 1_000_000)} ms`;
  if (ns > 1000) return `${Math.floor(ns / 1000)} us`;
  return `${ns} ns`;
}

/** bpfutil.GetSkcStateStr: the five names KubeSkoop printed, TCP_OTHER for the rest. */
const TCP_STATES: Readonly<Record<string, string>> = {
  established: 'TCP_ESTABLISHED',
  syn_sent: 'TCP_SYN_SENT',
  syn_received: 'TCP_SYN_RECV',
  listen: 'TCP_LISTEN',
};

/** `protocol=TCP saddr=… sport=… daddr=… dport=… ` (trailing space, as KubeSkoop's format). */
function tuple(a: Attrs, reversed: boolean): string {
  const [s, d] = reversed ? ['destination', 'source'] : ['source', 'destination'];
  const get = (side: string, what: 'address' | 'port'): string =>
    str(a, `${side}.${what}`) || (what === 'port' ? '0' : '');
  return (
    `protocol=${protocol(a)} saddr=${get(s, 'address')} sport=${get(s, 'port')} ` +
    `daddr=${get(d, 'address')} dport=${get(d, 'port')} `
  );
}

/** The placeholders of a `kubeskoop_msg` template. */
function placeholder(name: string, a: Attrs): string {
  switch (name) {
    case 'tuple':
      return tuple(a, false);
    case 'tuple_reversed':
      return tuple(a, true);
    case 'tcp_state':
      return TCP_STATES[str(a, ATTR_NETWORK_CONNECTION_STATE)] ?? 'TCP_OTHER';
    case 'latency':
      return goHumanTime(Math.round(Number(a[ATTR_KUBESKOOP_LATENCY_DURATION] ?? 0) * 1e9));
    case 'cpu':
      return str(a, ATTR_CPU_LOGICAL_NUMBER) || '0';
    case 'pid':
      return str(a, ATTR_PROCESS_PID) || '0';
    case 'error':
      return str(a, ATTR_ERROR_TYPE);
    case 'comm':
      return str(a, ATTR_PROCESS_EXECUTABLE_NAME);
    // the dns probe's events (KubeSkoop had none: the fields are this project's)
    case 'name':
      return str(a, ATTR_DNS_QUESTION_NAME);
    case 'qtype':
      return str(a, ATTR_KUBESKOOP_DNS_QUESTION_TYPE);
    case 'rcode':
      return str(a, ATTR_KUBESKOOP_DNS_RESPONSE_CODE);
    case 'resolver': {
      const addr = str(a, ATTR_NETWORK_PEER_ADDRESS);
      const name = str(a, ATTR_KUBESKOOP_PEER_NAME);
      return name && name !== addr ? `${name}(${addr})` : addr;
    }
    default:
      return `{${name}}`;
  }
}

export function kubeskoopMsg(template: string, a: Attrs): string {
  return template.replace(/\{([a-z_]+)\}/g, (_, name: string) => placeholder(name, a));
}

/** probe.BuildTupleEventLabels: KubeSkoop resolved neither side to a pod or node (its ipInfo always
 *  ended in unknown), so the *_type/_node/_namespace/_pod values are unknown and empty. */
function tupleLabels(a: Attrs): KubeskoopLabel[] {
  const side = (prefix: string, addr: string): KubeskoopLabel[] => [
    { name: prefix, value: addr },
    { name: `${prefix}_type`, value: 'unknown' },
    { name: `${prefix}_node`, value: '' },
    { name: `${prefix}_namespace`, value: '' },
    { name: `${prefix}_pod`, value: '' },
  ];
  return [
    { name: 'protocol', value: protocol(a) },
    ...side('src', str(a, ATTR_SOURCE_ADDRESS)),
    ...side('dst', str(a, ATTR_DESTINATION_ADDRESS)),
    { name: 'sport', value: str(a, ATTR_SOURCE_PORT) || '0' },
    { name: 'dport', value: str(a, ATTR_DESTINATION_PORT) || '0' },
  ];
}

function labels(kind: KubeskoopEventLabels, a: Attrs, who: KubeskoopIdentity | undefined): KubeskoopLabel[] | null {
  switch (kind) {
    case 'pod':
      return who
        ? [
            { name: 'pod', value: who.pod },
            { name: 'namespace', value: who.namespace },
            { name: 'node', value: who.node },
          ]
        : null;
    case 'tuple':
      return tupleLabels(a);
    case 'softirq':
      return [{ name: 'type', value: str(a, ATTR_KUBESKOOP_SOFTIRQ_TYPE).toLowerCase() }];
    case 'none':
      return null;
  }
}

/** The event KubeSkoop would have emitted for this record. */
export function toKubeskoopEvent(record: EventRecord, who: KubeskoopIdentity | undefined): KubeskoopEvent {
  const entry = BY_SPELLING.get(record.type);
  const a = record.attributes;
  return {
    timestamp: record.timeUnixNano,
    type: entry?.type.type ?? record.type,
    labels: labels(entry?.event.kubeskoopLabels ?? 'pod', a, who),
    msg: entry?.type.kubeskoopMsg !== undefined ? kubeskoopMsg(entry.type.kubeskoopMsg, a) : record.body,
  };
}

/** A JSON string as Go's encoding/json writes it: also escapes <, >, & and U+2028/U+2029. */
export function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One line of KubeSkoop's sinks (no newline). The nanosecond timestamp is written as an exact integer. */
export function kubeskoopEventJson(e: KubeskoopEvent): string {
  const labelList =
    e.labels === null
      ? 'null'
      : `[${e.labels.map((l) => `{"name":${goJsonString(l.name)},"value":${goJsonString(l.value)}}`).join(',')}]`;
  return (
    `{"timestamp":${e.timestamp.toString()},"type":${goJsonString(e.type)},` +
    `"labels":${labelList},"msg":${goJsonString(e.msg)}}`
  );
}

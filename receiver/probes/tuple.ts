// A kernel record's connection tuple as event attributes and as words, the same for every event
// probe (resets, drops, retransmits, latency).
import type { Tuple } from '../native/records.js';
import {
  ATTR_DESTINATION_ADDRESS,
  ATTR_DESTINATION_PORT,
  ATTR_NETWORK_TRANSPORT,
  ATTR_NETWORK_TYPE,
  ATTR_SOURCE_ADDRESS,
  ATTR_SOURCE_PORT,
} from '../../semconv/generated/registry.js';
import type { EventAttributeValue } from './event-record.js';

/** The tuple's semconv attributes; unknown parts (no IP header, other transports) are left out. */
export function tupleAttributes(t: Tuple): Record<string, EventAttributeValue> {
  const a: Record<string, EventAttributeValue> = {};
  if (t.family === 'ipv4' || t.family === 'ipv6') a[ATTR_NETWORK_TYPE] = t.family;
  if (t.protocol === 'tcp' || t.protocol === 'udp') a[ATTR_NETWORK_TRANSPORT] = t.protocol;
  if (t.srcAddress !== '') {
    a[ATTR_SOURCE_ADDRESS] = t.srcAddress;
    a[ATTR_SOURCE_PORT] = t.srcPort;
  }
  if (t.dstAddress !== '') {
    a[ATTR_DESTINATION_ADDRESS] = t.dstAddress;
    a[ATTR_DESTINATION_PORT] = t.dstPort;
  }
  return a;
}

const endpoint = (addr: string, port: number): string => (addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`);

/** `10.0.0.1:80 → [::1]:5000`, or `unknown flow` when the record has no addresses. */
export function flowText(t: Tuple): string {
  return t.srcAddress !== ''
    ? `${endpoint(t.srcAddress, t.srcPort)} → ${endpoint(t.dstAddress, t.dstPort)}`
    : 'unknown flow';
}

// One read and one parse of a procfs file per cycle, however many probes need it: /proc/<pid>/net/snmp
// feeds tcp, udp and ip; netstat feeds ip and tcpext; snmp6 feeds udp and ip. Without this the
// default set would read snmp three times per namespace per cycle.
//
// A cached parse is handed to each consumer (probe) once. When the same consumer asks for the same
// file again, a new cycle has begun: the file is read again. A parse is also never older than
// maxAgeMs, so values never leak across cycles even when a probe is disabled meanwhile.
import { readProcText, type ProcRead } from '../kernel/read-proc.js';

interface Entry {
  readonly value: unknown;
  readonly at: number;
  /** A handful of probe names: an array is cheaper to make than a Set, once per file per namespace. */
  readonly consumers: string[];
}

const DEFAULT_MAX_AGE_MS = 2000;
const cache = new Map<string, Entry>();
let insertsSinceSweep = 0;

export type SharedRead<T> = { readonly ok: true; readonly value: T } | Extract<ProcRead, { ok: false }>;

export function sharedParse<T>(
  path: string,
  consumer: string,
  parse: (text: string) => T,
  maxAgeMs = DEFAULT_MAX_AGE_MS,
): SharedRead<T> {
  const now = performance.now();
  const hit = cache.get(path);
  if (hit && !hit.consumers.includes(consumer) && now - hit.at <= maxAgeMs) {
    hit.consumers.push(consumer);
    return { ok: true, value: hit.value as T };
  }
  const read = readProcText(path);
  if (!read.ok) {
    cache.delete(path);
    return read;
  }
  const value = parse(read.text);
  cache.set(path, { value, at: now, consumers: [consumer] });
  if (++insertsSinceSweep >= 1024) sweep(now, maxAgeMs);
  return { ok: true, value };
}

/** Drops parses nobody can use any more (namespaces gone, probes disabled). */
function sweep(now: number, maxAgeMs: number): void {
  insertsSinceSweep = 0;
  for (const [k, e] of cache) if (now - e.at > maxAgeMs) cache.delete(k);
}

/** For tests and benchmarks: forget everything. */
export function clearSharedReads(): void {
  cache.clear();
  insertsSinceSweep = 0;
}

// One read and one parse of a procfs file per cycle, however many probes need it: /proc/<pid>/net/snmp
// feeds tcp, udp and ip; netstat feeds ip and tcpext; snmp6 feeds udp and ip. Without this the
// default set would read snmp three times per namespace per cycle.
//
// A cached parse is handed to each consumer (probe) once. When the same consumer asks for the same
// file again, a new cycle has begun: the file is read again. A parse is also never older than
// maxAgeMs, so values never leak across cycles even when a probe is disabled meanwhile.
//
// The entries live as long as their namespace: a re-read updates its entry in place, and a parse
// function that takes the previous parse (parseMibPairsReusing, parseSnmp6Reusing) writes the new
// values into it. The consumers use a parse only while they collect, so the previous one is free.
// A format's in-place reader (KeptFormat) does that from the file's bytes, with no string made of the
// text: a few KiB per file per namespace per cycle less for the garbage collector.
import { readProcBytes, type ProcRead } from '../kernel/read-proc.js';

/** A file format read into a kept parse: `parse(text, previous?)` as parse*Reusing, and `inPlace`,
 *  its read of the file's bytes into `previous` (true: previous now is what parse would return; false:
 *  the text is not in previous's layout, previous must not be used, parse decides). */
export interface KeptFormat<T> {
  readonly parse: (text: string, previous?: T) => T;
  readonly inPlace: (bytes: Uint8Array, length: number, previous: T) => boolean;
}

interface Entry {
  value: unknown;
  /** { ok: true, value }, made when the value object changes */
  result: { readonly ok: true; readonly value: unknown };
  at: number;
  /** A handful of probe names: an array is cheaper than a Set. */
  readonly consumers: string[];
}

const DEFAULT_MAX_AGE_MS = 2000;
const cache = new Map<string, Entry>();
let lastSweep = 0;
/** The time between a file's last two reads (one cycle): sweeps come every two of these. */
let readGap = 0;

export type SharedRead<T> = { readonly ok: true; readonly value: T } | Extract<ProcRead, { ok: false }>;

/** `owner`: the inode of the namespace whose /proc/<pid>/net file `path` is: the file is then kept
 *  open across cycles for that namespace (read-proc.ts). */
export function sharedParse<T>(
  path: string,
  consumer: string,
  format: ((text: string, previous?: T) => T) | KeptFormat<T>,
  owner?: number,
  maxAgeMs = DEFAULT_MAX_AGE_MS,
): SharedRead<T> {
  const now = performance.now();
  const hit = cache.get(path);
  if (hit && !hit.consumers.includes(consumer) && now - hit.at <= maxAgeMs) {
    hit.consumers.push(consumer);
    return hit.result as SharedRead<T>;
  }
  const read = readProcBytes(path, owner);
  if (!read.ok) {
    cache.delete(path);
    return read;
  }
  const parse = typeof format === 'function' ? format : format.parse;
  let entry = hit;
  if (entry) {
    readGap = now - entry.at;
    const value =
      typeof format !== 'function' && format.inPlace(read.bytes, read.length, entry.value as T)
        ? entry.value
        : parse(read.bytes.toString('latin1', 0, read.length), entry.value as T);
    if (value !== entry.value) entry.result = { ok: true, value };
    entry.value = value;
    entry.at = now;
    entry.consumers.length = 0;
    entry.consumers.push(consumer);
  } else {
    const value = parse(read.bytes.toString('latin1', 0, read.length));
    entry = { value, result: { ok: true, value }, at: now, consumers: [consumer] };
    cache.set(path, entry);
  }
  if (now - lastSweep > Math.max(maxAgeMs, 2 * readGap)) sweep(now);
  return entry.result as SharedRead<T>;
}

/** Drops the entries not read since the last sweep (namespaces gone, probes disabled); the others were
 *  read again in the meantime: sweeps are at least two cycles apart. */
function sweep(now: number): void {
  for (const [k, e] of cache) if (e.at < lastSweep) cache.delete(k);
  lastSweep = now;
}

/** For tests and benchmarks: forget everything. */
export function clearSharedReads(): void {
  cache.clear();
  lastSweep = 0;
  readGap = 0;
}

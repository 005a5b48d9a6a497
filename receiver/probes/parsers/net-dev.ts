// Parser for /proc/<pid>/net/dev. Pure and total: text in, one record per interface and the
// problems it met out; it never throws.
import { problemList } from './problems.js';
import type { KeptFormat } from '../shared-read.js';
import { bytesAt, latin1, textBytes } from './bytes.js';
import { flatString } from '../../flat-string.js';

export interface InterfaceCounters {
  readonly interfaceName: string;
  readonly receive: DirectionCounters;
  readonly transmit: DirectionCounters;
}

export interface DirectionCounters {
  readonly bytes: number;
  readonly packets: number;
  readonly errors: number;
  readonly dropped: number;
}

export interface NetDevParse {
  readonly interfaces: readonly InterfaceCounters[];
  readonly problems: readonly string[];
}

// Columns after "iface:" — receive: bytes packets errs drop fifo frame compressed multicast;
// transmit: bytes packets errs drop fifo colls carrier compressed.
const RX_BYTES = 0,
  RX_PACKETS = 1,
  RX_ERRS = 2,
  RX_DROP = 3;
const TX_BYTES = 8,
  TX_PACKETS = 9,
  TX_ERRS = 10,
  TX_DROP = 11;
const COLUMNS = 16;

export function parseNetDev(text: string): NetDevParse {
  const interfaces: InterfaceCounters[] = [];
  const problems = problemList();
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (index < 2 || line.trim() === '') return; // two header lines
    const colon = line.indexOf(':');
    if (colon < 0) {
      problems.push(`line ${index + 1}: no "interface:" prefix`);
      return;
    }
    // A copy: a slice of the text would keep the whole file's text alive in a kept parse.
    const interfaceName = flatString(line.slice(0, colon).trim());
    if (interfaceName === '') {
      problems.push(`line ${index + 1}: empty interface name`);
      return;
    }
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    if (fields.length < COLUMNS) {
      problems.push(`line ${index + 1} (${interfaceName}): ${fields.length} columns, expected ${COLUMNS}`);
      return;
    }
    const nums = fields.slice(0, COLUMNS).map((f) => (/^\d+$/.test(f) ? Number(f) : Number.NaN));
    const bad = nums.findIndex((n) => !Number.isFinite(n));
    if (bad >= 0) {
      problems.push(
        `line ${index + 1} (${interfaceName}): column ${bad + 1} is not a counter: ${JSON.stringify(fields[bad])}`,
      );
      return;
    }
    interfaces.push({
      interfaceName,
      receive: { bytes: nums[RX_BYTES], packets: nums[RX_PACKETS], errors: nums[RX_ERRS], dropped: nums[RX_DROP] },
      transmit: { bytes: nums[TX_BYTES], packets: nums[TX_PACKETS], errors: nums[TX_ERRS], dropped: nums[TX_DROP] },
    });
  });
  if (lines.length < 2 || !lines[0].includes('|')) problems.push('missing the two header lines of /proc/net/dev');
  return { interfaces, problems };
}

/** A kept parse in the kernel's own format: its two header lines, its interfaces' names in file order
 *  and the counters objects the next read overwrites. */
interface NetDevKept {
  readonly header: Buffer;
  readonly names: readonly Buffer[];
  readonly counters: readonly {
    receive: Record<keyof DirectionCounters, number>;
    transmit: Record<keyof DirectionCounters, number>;
  }[];
}
const netDevKept = new WeakMap<NetDevParse, NetDevKept>();
const NO_PROBLEMS: readonly string[] = Object.freeze([]);
const firstScratch = new Array<number>(4 * COLUMNS).fill(0);

/**
 * parseNetDev for a reader that keeps the result across cycles (shared-read.ts): the same result as
 * `parseNetDev(text)`, but when `previous` (an earlier result of this function, which its holder is
 * done with) was kept from a text with the same header lines and interfaces in the same order, and
 * `text` is in the kernel's own format, its counters are overwritten and `previous` is returned.
 */
export function parseNetDevReusing(text: string, previous?: NetDevParse): NetDevParse {
  if (previous !== undefined) {
    const b = textBytes(text);
    if (b !== undefined && readNetDevInPlace(b, b.length, previous)) return previous;
  }
  const full = parseNetDev(text);
  if (full.problems.length > 0) return full;
  const second = text.indexOf('\n', text.indexOf('\n') + 1);
  if (second < 0) return full;
  const parse: NetDevParse = { interfaces: full.interfaces, problems: NO_PROBLEMS };
  const layout: NetDevKept = {
    header: latin1(text.slice(0, second + 1)),
    names: full.interfaces.map((i) => latin1(i.interfaceName)),
    counters: full.interfaces as NetDevKept['counters'],
  };
  // Kept only when the in-place reader takes this very text (it writes the same values back).
  const b = textBytes(text);
  if (b !== undefined && readNetDevInto(b, b.length, layout)) netDevKept.set(parse, layout);
  return parse;
}

/** The in-place read of parseNetDevReusing over a file's bytes (the first `len` of `b`): true when
 *  `previous` now holds that text's counters, as `parseNetDevReusing(text, previous)` would return it;
 *  false (nothing written) when the text is not in previous's layout. */
export function readNetDevInPlace(b: Uint8Array, len: number, previous: NetDevParse): boolean {
  const kept = netDevKept.get(previous);
  return kept !== undefined && readNetDevInto(b, len, kept);
}

/** Reads the text in `b` into `kept` when it has kept's header and interfaces, each line "<spaces>name:" and
 *  16 space-separated decimal counters; false otherwise (nothing of `kept` is written then). */
function readNetDevInto(b: Uint8Array, len: number, kept: NetDevKept): boolean {
  if (!bytesAt(b, len, 0, kept.header)) return false;
  // Two passes: check and read every line first, write the counters only when the whole text fits.
  const n = kept.names.length;
  const values = scratch(n);
  if (readLines(b, len, kept, values) !== len) return false;
  for (let i = 0; i < n; i++) {
    const o = i * COLUMNS;
    const c = kept.counters[i]!;
    c.receive.bytes = values[o + RX_BYTES]!;
    c.receive.packets = values[o + RX_PACKETS]!;
    c.receive.errors = values[o + RX_ERRS]!;
    c.receive.dropped = values[o + RX_DROP]!;
    c.transmit.bytes = values[o + TX_BYTES]!;
    c.transmit.packets = values[o + TX_PACKETS]!;
    c.transmit.errors = values[o + TX_ERRS]!;
    c.transmit.dropped = values[o + TX_DROP]!;
  }
  return true;
}

/** The first pass: every interface line of `kept`, in order, into `values`. Where the lines end, or -1
 *  when one does not fit. A function of its own: V8 compiled the loop while a host with hundreds of
 *  interfaces ran it (on-stack replacement), before the check after the loop had ever run, and that code
 *  was deoptimized at the check ("insufficient type feedback") on most later reads of the host's file,
 *  113 times in a minute at 250 pods (--trace-deopt, test/bench/results/sizing-h21u-*.md). */
function readLines(b: Uint8Array, len: number, kept: NetDevKept, values: number[]): number {
  let pos = kept.header.length;
  const n = kept.names.length;
  for (let i = 0; i < n; i++) {
    let p = pos;
    while (p < len && b[p] === 32) p++;
    const name = kept.names[i]!;
    if (!bytesAt(b, len, p, name) || p + name.length >= len || b[p + name.length] !== 58) return -1;
    p += name.length + 1;
    for (let k = 0; k < COLUMNS; k++) {
      const at = p;
      while (p < len && b[p] === 32) p++;
      if (k > 0 && p === at) return -1;
      const start = p;
      let v = 0;
      for (let c = p < len ? b[p]! : -1; c >= 48 && c <= 57; c = ++p < len ? b[p]! : -1) v = v * 10 + (c - 48);
      if (p === start) return -1;
      // Beyond 15 digits the sum above may round differently from Number() of the digits.
      values[i * COLUMNS + k] =
        p - start > 15 ? Number(Buffer.from(b.buffer, b.byteOffset + start, p - start).toString('latin1')) : v;
    }
    if (p >= len || b[p] !== 10) return -1;
    pos = p + 1;
  }
  return pos;
}

let scratchValues: number[] = firstScratch;
function scratch(interfaces: number): number[] {
  if (scratchValues.length < interfaces * COLUMNS) scratchValues = new Array<number>(interfaces * COLUMNS).fill(0);
  return scratchValues;
}

/** net/dev for sharedParse: parsed once, then read in place from the file's bytes. */
export const NET_DEV_KEPT: KeptFormat<NetDevParse> = { parse: parseNetDevReusing, inPlace: readNetDevInPlace };

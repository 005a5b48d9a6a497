// Parsers for the kernel's MIB counter files. Pure and total: text in, typed tables and the
// problems met out; they never throw.
//
//  - /proc/<pid>/net/snmp and /proc/<pid>/net/netstat: pairs of lines, a header line
//    "Group: Field1 Field2 …" followed by a value line "Group: v1 v2 …".
//  - /proc/<pid>/net/snmp6: one "Ip6InReceives   16" line per counter; the group is the prefix
//    (Ip6, Icmp6, Udp6, UdpLite6) and the field the rest (InReceives).
//
// Values are signed decimal integers (Tcp MaxConn is -1). Counters above 2^53 lose precision in a
// JavaScript number; the kernel's u64 counters reach that after ~285 years at 1 M/s.
import { problemList } from './problems.js';
import type { KeptFormat } from '../shared-read.js';
import { bytesAt, latin1, textBytes } from './bytes.js';
import { flatString } from '../../flat-string.js';

/** group → field → value, in file order. */
export type MibTable = ReadonlyMap<string, ReadonlyMap<string, number>>;

export interface MibParse {
  readonly groups: MibTable;
  readonly problems: readonly string[];
}

const INT = /^-?\d+$/;

/** Space-separated words; the kernel writes single spaces, anything else takes the slow path. */
function words(s: string): string[] {
  const w = s.split(' ');
  if (w[0] === '') w.shift();
  if (w.length > 0 && w[w.length - 1] === '') w.pop();
  for (const x of w)
    if (x === '' || x.includes('\t'))
      return s
        .trim()
        .split(/\s+/)
        .filter((t) => t !== '');
  return w;
}

/**
 * The values of one group by column: the value line is read in place into one array of numbers
 * (no string per value). Header lines are the same in every namespace of a kernel, so their
 * field → column index is computed once and cached.
 */
class LazyFields implements ReadonlyMap<string, number> {
  constructor(
    private readonly index: ReadonlyMap<string, number>,
    private readonly raw: readonly number[],
  ) {}
  get(field: string): number | undefined {
    const i = this.index.get(field);
    return i === undefined || i >= this.raw.length ? undefined : this.raw[i];
  }
  has(field: string): boolean {
    return this.get(field) !== undefined;
  }
  get size(): number {
    let n = 0;
    for (const i of this.index.values()) if (i < this.raw.length) n++;
    return n;
  }
  *entries(): MapIterator<[string, number]> {
    for (const [k, i] of this.index) if (i < this.raw.length) yield [k, Number(this.raw[i])];
  }
  *keys(): MapIterator<string> {
    for (const [k] of this.entries()) yield k;
  }
  *values(): MapIterator<number> {
    for (const [, v] of this.entries()) yield v;
  }
  [Symbol.iterator](): MapIterator<[string, number]> {
    return this.entries();
  }
  forEach(cb: (value: number, key: string, map: ReadonlyMap<string, number>) => void): void {
    for (const [k, v] of this.entries()) cb(v, k, this);
  }
}

interface HeaderIndex {
  readonly index: ReadonlyMap<string, number>;
  readonly count: number;
}
const headerIndex = new Map<string, HeaderIndex>();
function indexOf(header: string): HeaderIndex {
  let idx = headerIndex.get(header);
  if (idx === undefined) {
    const names = words(header);
    const m = new Map<string, number>();
    names.forEach((n, i) => {
      if (!m.has(n)) m.set(n, i);
    });
    if (headerIndex.size >= 64) headerIndex.clear(); // a handful per kernel; bounded anyway
    idx = { index: m, count: names.length };
    headerIndex.set(header, idx);
  }
  return idx;
}

/** " 1 -1 23" (space-separated signed integers, as the kernel prints them) → the numbers;
 *  undefined for anything else (the value-by-value path then reports what is wrong). */
function valueLine(s: string): number[] | undefined {
  const out: number[] = [];
  let p = 0;
  const n = s.length;
  if (n === 0) return undefined;
  while (p < n) {
    if (s.charCodeAt(p) !== 32) return undefined;
    p++;
    const neg = s.charCodeAt(p) === 45;
    if (neg) p++;
    const start = p;
    let v = 0;
    for (let c = s.charCodeAt(p); c >= 48 && c <= 57; c = s.charCodeAt(++p)) v = v * 10 + (c - 48);
    if (p === start) return undefined;
    // Beyond 15 digits the sum above may round differently from Number() of the digits.
    if (p - start > 15) v = Number(s.slice(start, p));
    out.push(neg ? -v : v);
  }
  return out;
}

/** /proc/net/snmp and /proc/net/netstat. */
export function parseMibPairs(text: string): MibParse {
  const groups = new Map<string, ReadonlyMap<string, number>>();
  const problems = problemList();
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length) {
    const header = lines[i];
    if (header.trim() === '') {
      i++;
      continue;
    }
    const colon = header.indexOf(':');
    if (colon <= 0) {
      problems.push(`line ${i + 1}: no "Group:" prefix`);
      i++;
      continue;
    }
    const group = header.slice(0, colon);
    const values = lines[i + 1];
    if (values === undefined || !values.startsWith(`${group}:`)) {
      problems.push(`line ${i + 1} (${group}): header without a value line`);
      i++;
      continue;
    }
    const headerWords = header.slice(colon + 1);
    const valueWords = values.slice(colon + 1);
    const parsed = valueLine(valueWords);
    if (parsed !== undefined) {
      // The kernel's own format: numbers read in place.
      const h = indexOf(headerWords);
      if (h.count !== parsed.length)
        problems.push(`line ${i + 2} (${group}): ${parsed.length} values for ${h.count} fields`);
      if (!groups.has(group)) groups.set(group, new LazyFields(h.index, parsed));
      i += 2;
      continue;
    }
    const names = words(headerWords);
    // Anything else: value by value, reporting each one that is not an integer.
    const nums = words(valueWords);
    if (names.length !== nums.length) {
      problems.push(`line ${i + 2} (${group}): ${nums.length} values for ${names.length} fields`);
    }
    const fields = new Map<string, number>();
    const n = Math.min(names.length, nums.length);
    for (let k = 0; k < n; k++) {
      if (!INT.test(nums[k])) {
        problems.push(`line ${i + 2} (${group} ${names[k]}): not an integer: ${JSON.stringify(nums[k].slice(0, 40))}`);
        continue;
      }
      if (!fields.has(names[k])) fields.set(names[k], Number(nums[k]));
    }
    if (fields.size > 0 && !groups.has(group)) groups.set(group, fields);
    i += 2;
  }
  return { groups, problems };
}

/** The header lines of a kernel's snmp or netstat, and each group's value-line prefix, in file order:
 *  the same in every namespace, kept once (as copies: a line cut from a file's text keeps the whole text). */
interface PairsHeaders {
  readonly headers: readonly string[];
  readonly prefixes: readonly string[];
  /** The same as latin1 bytes, for the in-place reader. */
  readonly headerBytes: readonly Buffer[];
  readonly prefixBytes: readonly Buffer[];
}
const pairsHeaders: PairsHeaders[] = [];
function internHeaders(headers: readonly string[], prefixes: readonly string[]): PairsHeaders {
  for (const h of pairsHeaders)
    if (h.headers.length === headers.length && h.headers.every((x, i) => x === headers[i])) return h;
  const h = {
    headers: headers.map(flatString),
    prefixes: prefixes.map(flatString),
    headerBytes: headers.map(latin1),
    prefixBytes: prefixes.map(latin1),
  };
  if (pairsHeaders.length >= 8) pairsHeaders.shift(); // a handful per kernel; bounded anyway
  pairsHeaders.push(h);
  return h;
}

/** A kept parse of snmp/netstat in the kernel's own format: its header lines and the arrays its
 *  LazyFields read (written in place by the next read). */
interface PairsLayout extends PairsHeaders {
  readonly values: readonly number[][];
}
const pairsLayouts = new WeakMap<MibParse, PairsLayout>();

/**
 * parseMibPairs for a reader that keeps the result across cycles (shared-read.ts): the same result as
 * `parseMibPairs(text)`, but when `previous` (an earlier result of this function, which its holder is
 * done with) has exactly the header lines of `text`, its arrays are overwritten with the new values
 * and `previous` is returned: no line, array or map per file. Anything else takes the full parse.
 */
export function parseMibPairsReusing(text: string, previous?: MibParse): MibParse {
  if (previous !== undefined) {
    const b = textBytes(text);
    if (b !== undefined && readMibPairsInPlace(b, b.length, previous)) return previous;
  }
  return keptPairs(text) ?? parseMibPairs(text);
}

/**
 * The in-place read of parseMibPairsReusing over a file's bytes (the first `len` of `b`): true when
 * `previous` (an earlier result of parseMibPairsReusing, which its holder is done with) now holds the
 * values of that text, as `parseMibPairsReusing(text, previous)` would return it; false when the text
 * is not in previous's layout (previous's values are then partly overwritten: parse the text anew).
 */
export function readMibPairsInPlace(b: Uint8Array, len: number, previous: MibParse): boolean {
  const layout = pairsLayouts.get(previous);
  return layout !== undefined && readPairsInto(b, len, layout);
}

/** Reads the values of the text in `b` into `layout` when its header lines are the layout's; false
 *  otherwise (the layout's values are then partly overwritten and must not be used again). */
function readPairsInto(b: Uint8Array, len: number, layout: PairsLayout): boolean {
  let pos = 0;
  for (let k = 0; k < layout.headerBytes.length; k++) {
    const header = layout.headerBytes[k]!;
    if (!bytesAt(b, len, pos, header) || pos + header.length >= len || b[pos + header.length] !== 10) return false;
    pos += header.length + 1;
    const prefix = layout.prefixBytes[k]!;
    if (!bytesAt(b, len, pos, prefix)) return false;
    let p = pos + prefix.length;
    const values = layout.values[k]!;
    for (let i = 0; i < values.length; i++) {
      if (p >= len || b[p] !== 32) return false;
      p++;
      const neg = p < len && b[p] === 45;
      if (neg) p++;
      const start = p;
      let v = 0;
      for (let c = p < len ? b[p]! : -1; c >= 48 && c <= 57; c = ++p < len ? b[p]! : -1) v = v * 10 + (c - 48);
      if (p === start) return false;
      // Beyond 15 digits the sum above may round differently from Number() of the digits.
      if (p - start > 15) v = Number(Buffer.from(b.buffer, b.byteOffset + start, p - start).toString('latin1'));
      values[i] = neg ? -v : v;
    }
    if (p >= len || b[p] !== 10) return false;
    pos = p + 1;
  }
  return pos === len;
}

/** A new kept parse of a text in the kernel's format (pairs of lines, every value an integer, as many
 *  values as fields, no group twice, a final newline); undefined otherwise. */
function keptPairs(text: string): MibParse | undefined {
  if (text.length === 0 || text.charCodeAt(text.length - 1) !== 10) return undefined;
  const lines = text.split('\n');
  lines.pop();
  if (lines.length === 0 || lines.length % 2 !== 0) return undefined;
  const groups = new Map<string, ReadonlyMap<string, number>>();
  const headers: string[] = [];
  const prefixes: string[] = [];
  const values: number[][] = [];
  for (let i = 0; i < lines.length; i += 2) {
    const header = lines[i]!;
    const colon = header.indexOf(':');
    if (colon <= 0) return undefined;
    const group = header.slice(0, colon);
    const prefix = `${group}:`;
    const valueText = lines[i + 1]!;
    if (groups.has(group) || !valueText.startsWith(prefix)) return undefined;
    const parsed = valueLine(valueText.slice(colon + 1));
    const h = indexOf(header.slice(colon + 1));
    if (parsed === undefined || h.count !== parsed.length) return undefined;
    groups.set(group, new LazyFields(h.index, parsed));
    headers.push(header);
    prefixes.push(prefix);
    values.push(parsed);
  }
  const parse: MibParse = { groups, problems: NO_PROBLEMS };
  pairsLayouts.set(parse, Object.assign({}, internHeaders(headers, prefixes), { values }));
  return parse;
}

/** The snmp6 prefixes, longest first so UdpLite6 is not read as Udp…. */
const SNMP6_GROUPS = ['UdpLite6', 'Icmp6', 'Udp6', 'Ip6'] as const;

const SNMP6_LINE = /^\s*(\S+)\s+(\S+)\s*$/;

/** Values by column index, keyed by a per-kernel field → index map (snmp6's fast path). */
class IndexedFields implements ReadonlyMap<string, number> {
  constructor(
    private readonly index: ReadonlyMap<string, number>,
    private readonly vals: readonly number[],
  ) {}
  get(field: string): number | undefined {
    const i = this.index.get(field);
    return i === undefined ? undefined : this.vals[i];
  }
  has(field: string): boolean {
    return this.index.has(field);
  }
  get size(): number {
    return this.index.size;
  }
  *entries(): MapIterator<[string, number]> {
    for (const [k, i] of this.index) yield [k, this.vals[i]!];
  }
  *keys(): MapIterator<string> {
    yield* this.index.keys();
  }
  *values(): MapIterator<number> {
    for (const i of this.index.values()) yield this.vals[i]!;
  }
  [Symbol.iterator](): MapIterator<[string, number]> {
    return this.entries();
  }
  forEach(cb: (value: number, key: string, map: ReadonlyMap<string, number>) => void): void {
    for (const [k, v] of this.entries()) cb(v, k, this);
  }
}

/** One kernel's snmp6 names in file order, and per group its field → line index. */
interface Snmp6Layout {
  readonly names: readonly string[];
  /** The same as latin1 bytes, for the in-place reader. */
  readonly nameBytes: readonly Buffer[];
  readonly groups: ReadonlyMap<string, ReadonlyMap<string, number>>;
}
const snmp6Layouts: Snmp6Layout[] = [];
const NO_PROBLEMS: readonly string[] = Object.freeze([]);

/** The values of a well-formed snmp6 (its bytes: the first `len` of `b`) whose names are exactly
 *  `layout`'s, read in place (no line strings, no match arrays) into `values`; false when anything
 *  differs, and the full parse decides. */
function snmp6ValuesByLayout(b: Uint8Array, len: number, layout: Snmp6Layout, values: number[]): boolean {
  let pos = 0;
  for (let i = 0; i < layout.nameBytes.length; i++) {
    const name = layout.nameBytes[i]!;
    if (!bytesAt(b, len, pos, name)) return false;
    let p = pos + name.length;
    // The kernel pads the name with spaces, then a tab ("%-32s\t%lu\n").
    let c = p < len ? b[p]! : -1;
    if (c !== 32 && c !== 9) return false;
    while (c === 32 || c === 9) c = ++p < len ? b[p]! : -1;
    const start = p;
    let v = 0;
    for (; c >= 48 && c <= 57; c = ++p < len ? b[p]! : -1) v = v * 10 + (c - 48);
    if (p === start || c !== 10) return false;
    // Beyond 15 digits the sum above may round differently from Number() of the digits.
    values[i] = p - start > 15 ? Number(Buffer.from(b.buffer, b.byteOffset + start, p - start).toString('latin1')) : v;
    pos = p + 1;
  }
  return pos === len;
}

/** The parse of a snmp6 text in `layout`'s names (see snmp6ValuesByLayout), its values kept for reuse. */
function snmp6ByLayout(text: string, layout: Snmp6Layout): MibParse | undefined {
  const values = new Array<number>(layout.names.length);
  const b = textBytes(text);
  if (b === undefined || !snmp6ValuesByLayout(b, b.length, layout, values)) return undefined;
  const groups = new Map<string, ReadonlyMap<string, number>>();
  for (const [g, index] of layout.groups) groups.set(g, new IndexedFields(index, values));
  const parse: MibParse = { groups, problems: NO_PROBLEMS };
  snmp6Kept.set(parse, { layout, values });
  return parse;
}

/** A snmp6 parse read by a layout: which one, and the values its IndexedFields read. */
const snmp6Kept = new WeakMap<MibParse, { readonly layout: Snmp6Layout; readonly values: number[] }>();

/**
 * parseSnmp6 for a reader that keeps the result across cycles (shared-read.ts): the same result as
 * `parseSnmp6(text)`, but when `previous` (an earlier result, which its holder is done with) was read
 * by the layout `text` has, its values are overwritten and `previous` is returned.
 */
export function parseSnmp6Reusing(text: string, previous?: MibParse): MibParse {
  if (previous !== undefined) {
    const b = textBytes(text);
    if (b !== undefined && readSnmp6InPlace(b, b.length, previous)) return previous;
  }
  return parseSnmp6(text);
}

/** The in-place read of parseSnmp6Reusing over a file's bytes (the first `len` of `b`): true when
 *  `previous` now holds that text's values, as `parseSnmp6Reusing(text, previous)` would return it;
 *  false when the text is not in previous's layout (parse it anew). */
export function readSnmp6InPlace(b: Uint8Array, len: number, previous: MibParse): boolean {
  const kept = snmp6Kept.get(previous);
  return kept !== undefined && snmp6ValuesByLayout(b, len, kept.layout, kept.values);
}

/** /proc/net/snmp6. Every namespace of a kernel prints the same names: after one full parse, the
 *  next files with those names are read in place (a quarter of the agent's allocations otherwise). */
export function parseSnmp6(text: string): MibParse {
  for (const layout of snmp6Layouts) {
    const fast = snmp6ByLayout(text, layout);
    if (fast) return fast;
  }
  const full = parseSnmp6Lines(text);
  if (full.problems.length === 0) {
    const layout = snmp6Layout(text);
    if (layout) {
      if (snmp6Layouts.length >= 4) snmp6Layouts.shift(); // a handful per kernel; bounded anyway
      snmp6Layouts.push(layout);
    }
  }
  return full;
}

/** The layout of a file in the kernel's own format ("Name<spaces and tabs>digits" lines); undefined otherwise. */
function snmp6Layout(text: string): Snmp6Layout | undefined {
  const names: string[] = [];
  const groups = new Map<string, Map<string, number>>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = /^(\S+)[ \t]+\d+$/.exec(line);
    const group = m ? SNMP6_GROUPS.find((g) => m[1].startsWith(g) && m[1].length > g.length) : undefined;
    if (!m || group === undefined) return undefined;
    const fields = groups.get(group) ?? new Map<string, number>();
    fields.set(m[1].slice(group.length), names.length);
    groups.set(group, fields);
    names.push(m[1]);
  }
  return names.length > 0 ? { names, nameBytes: names.map(latin1), groups } : undefined;
}

function parseSnmp6Lines(text: string): MibParse {
  const groups = new Map<string, Map<string, number>>();
  const problems = problemList();
  text.split('\n').forEach((line, idx) => {
    const m = SNMP6_LINE.exec(line);
    if (m === null) {
      if (line.trim() !== '') problems.push(`line ${idx + 1}: expected "name value"`);
      return;
    }
    const name = m[1];
    const value = m[2];
    const group = SNMP6_GROUPS.find((g) => name.startsWith(g) && name.length > g.length);
    if (group === undefined) {
      problems.push(`line ${idx + 1}: unknown counter prefix in ${JSON.stringify(name.slice(0, 40))}`);
      return;
    }
    if (!INT.test(value)) {
      problems.push(`line ${idx + 1} (${name}): not an integer: ${JSON.stringify(value.slice(0, 40))}`);
      return;
    }
    const fields = groups.get(group) ?? new Map<string, number>();
    fields.set(name.slice(group.length), Number(value));
    groups.set(group, fields);
  });
  return { groups, problems };
}

/** A field of a table, or undefined. */
export function mibValue(t: MibTable, group: string, field: string): number | undefined {
  return t.get(group)?.get(field);
}

/** snmp/netstat and snmp6 for sharedParse: parsed once, then read in place from the file's bytes. */
export const MIB_PAIRS_KEPT: KeptFormat<MibParse> = { parse: parseMibPairsReusing, inPlace: readMibPairsInPlace };
export const SNMP6_KEPT: KeptFormat<MibParse> = { parse: parseSnmp6Reusing, inPlace: readSnmp6InPlace };

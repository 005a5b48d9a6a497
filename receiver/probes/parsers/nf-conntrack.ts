// Parser for /proc/<pid>/net/stat/nf_conntrack: a header line naming the columns, then one line
// of hexadecimal values per possible CPU. Pure and total.
//   entries  clashres found new invalid ignore delete chainlength insert insert_failed drop …
//   00000000  00000000 00000000 …
// Columns are read by name (their set changed across kernels: clashres and chainlength are
// recent, delete_list and expect_* come and go). `entries` is the namespace's table size printed on
// every CPU line: it is taken from the first line, never summed. Every other column is a per-CPU
// counter and is summed.
import { problemList } from './problems.js';
import type { KeptFormat } from '../shared-read.js';
import { bytesAt, latin1, textBytes } from './bytes.js';

export interface ConntrackStat {
  /** The namespace's current number of entries (nf_conntrack_count). */
  readonly entries: number | undefined;
  /** Per-CPU counters summed, by the kernel's column name. */
  readonly totals: ReadonlyMap<string, number>;
  readonly cpus: number;
}

export interface ConntrackStatParse {
  readonly stat: ConntrackStat;
  readonly problems: readonly string[];
}

const HEX = /^[0-9a-fA-F]{1,16}$/;

export function parseNfConntrackStat(text: string): ConntrackStatParse {
  const problems = problemList();
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const totals = new Map<string, number>();
  if (lines.length === 0) return { stat: { entries: undefined, totals, cpus: 0 }, problems: ['empty file'] };
  const names = lines[0].trim().split(/\s+/);
  if (names.some((n) => !/^[a-z_]+$/.test(n))) {
    return { stat: { entries: undefined, totals, cpus: 0 }, problems: ['line 1: not a header of column names'] };
  }
  let entries: number | undefined;
  let cpus = 0;
  for (let i = 1; i < lines.length; i++) {
    const cols = lines[i].trim().split(/\s+/);
    if (cols.length !== names.length) {
      problems.push(`line ${i + 1}: ${cols.length} columns, header has ${names.length}`);
      continue;
    }
    const bad = cols.findIndex((c) => !HEX.test(c));
    if (bad >= 0) {
      problems.push(
        `line ${i + 1}: column ${names[bad]} is not hexadecimal: ${JSON.stringify(cols[bad].slice(0, 40))}`,
      );
      continue;
    }
    cpus++;
    names.forEach((name, k) => {
      const v = Number.parseInt(cols[k], 16);
      if (name === 'entries') {
        entries ??= v;
        return;
      }
      totals.set(name, (totals.get(name) ?? 0) + v);
    });
  }
  if (cpus === 0) problems.push('no CPU line');
  return { stat: { entries, totals, cpus }, problems };
}

/** A kept parse in the kernel's own format: its header line, its column names and CPU line count, and
 *  the stat the next read overwrites. */
interface ConntrackKept {
  readonly header: Buffer;
  readonly names: readonly string[];
  readonly cpus: number;
  readonly stat: { entries: number | undefined; readonly totals: Map<string, number>; cpus: number };
}
const conntrackKept = new WeakMap<ConntrackStatParse, ConntrackKept>();
const NO_PROBLEMS: readonly string[] = Object.freeze([]);
const scratch: number[] = [];

/**
 * parseNfConntrackStat for a reader that keeps the result across cycles (shared-read.ts): the same
 * result as `parseNfConntrackStat(text)`, but when `previous` (an earlier result of this function,
 * which its holder is done with) was kept from a text with the same header line and as many CPU lines,
 * and `text` is in the kernel's own format, its values are overwritten and `previous` is returned.
 */
export function parseNfConntrackStatReusing(text: string, previous?: ConntrackStatParse): ConntrackStatParse {
  if (previous !== undefined) {
    const b = textBytes(text);
    if (b !== undefined && readConntrackInPlace(b, b.length, previous)) return previous;
  }
  const full = parseNfConntrackStat(text);
  const nl = text.indexOf('\n');
  if (full.problems.length > 0 || nl < 0) return full;
  const parse: ConntrackStatParse = { stat: full.stat, problems: NO_PROBLEMS };
  const layout: ConntrackKept = {
    header: latin1(text.slice(0, nl + 1)),
    names: text.slice(0, nl).trim().split(/\s+/),
    cpus: full.stat.cpus,
    stat: full.stat as ConntrackKept['stat'],
  };
  // Kept only when the in-place reader takes this very text (it writes the same values back).
  const b = textBytes(text);
  if (b !== undefined && readConntrackInto(b, b.length, layout)) conntrackKept.set(parse, layout);
  return parse;
}

/** The in-place read of parseNfConntrackStatReusing over a file's bytes (the first `len` of `b`): true
 *  when `previous` now holds that text's values, as `parseNfConntrackStatReusing(text, previous)` would
 *  return it; false (nothing written) when the text is not in previous's layout. */
export function readConntrackInPlace(b: Uint8Array, len: number, previous: ConntrackStatParse): boolean {
  const kept = conntrackKept.get(previous);
  return kept !== undefined && readConntrackInto(b, len, kept);
}

/** Reads the text in `b` into `kept` when it has kept's header line and CPU line count, each CPU line its
 *  columns' values in 1–16 hexadecimal digits separated by spaces; false otherwise (nothing of `kept`
 *  is written then). */
function readConntrackInto(b: Uint8Array, len: number, kept: ConntrackKept): boolean {
  if (!bytesAt(b, len, 0, kept.header)) return false;
  let p = kept.header.length;
  const cols = kept.names.length;
  let n = 0;
  for (let line = 0; line < kept.cpus; line++) {
    for (let k = 0; k < cols; k++) {
      if (k > 0) {
        const at = p;
        while (p < len && b[p] === 32) p++;
        if (p === at) return false;
      }
      const start = p;
      let v = 0;
      for (; p < len; p++) {
        const c = b[p]!;
        const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
        if (d < 0) break;
        v = v * 16 + d;
      }
      const digits = p - start;
      if (digits === 0 || digits > 16) return false;
      // Beyond 13 digits (52 bits) the sum above may round differently from parseInt.
      scratch[n++] =
        digits > 13 ? Number.parseInt(Buffer.from(b.buffer, b.byteOffset + start, digits).toString('latin1'), 16) : v;
    }
    if (p >= len || b[p] !== 10) return false;
    p++;
  }
  if (p !== len) return false;
  // The whole text fits: the same sums in the same order as parseNfConntrackStat.
  const { stat, names } = kept;
  for (const name of names) if (name !== 'entries') stat.totals.set(name, 0);
  stat.entries = undefined;
  n = 0;
  for (let line = 0; line < kept.cpus; line++)
    for (const name of names) {
      const v = scratch[n++]!;
      if (name === 'entries') stat.entries ??= v;
      else stat.totals.set(name, stat.totals.get(name)! + v);
    }
  stat.cpus = kept.cpus;
  return true;
}

/** stat/nf_conntrack for sharedParse: parsed once, then read in place from the file's bytes. */
export const NF_CONNTRACK_KEPT: KeptFormat<ConntrackStatParse> = {
  parse: parseNfConntrackStatReusing,
  inPlace: readConntrackInPlace,
};

// Parser for /proc/<pid>/net/sockstat and sockstat6. Pure and total.
//   sockets: used 13
//   TCP: inuse 1 orphan 0 tw 46 alloc 1 mem 0
//   UDP: inuse 0 mem 0
//   FRAG: inuse 0 memory 0
//   TCP6: inuse 0            (sockstat6)
// Every line is "LABEL: key value key value …"; the result keeps them as label → key → value.
import { problemList } from './problems.js';
import type { KeptFormat } from '../shared-read.js';
import { bytesAt, latin1, textBytes } from './bytes.js';
import { flatString } from '../../flat-string.js';

export type SockstatTable = ReadonlyMap<string, ReadonlyMap<string, number>>;

export interface SockstatParse {
  readonly lines: SockstatTable;
  readonly problems: readonly string[];
}

export function parseSockstat(text: string): SockstatParse {
  const lines = new Map<string, Map<string, number>>();
  const problems = problemList();
  text.split('\n').forEach((line, idx) => {
    if (line.trim() === '') return;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      problems.push(`line ${idx + 1}: no "LABEL:" prefix`);
      return;
    }
    const label = line.slice(0, colon).trim();
    const words = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .filter((w) => w !== '');
    if (words.length === 0 || words.length % 2 !== 0) {
      problems.push(`line ${idx + 1} (${label}): expected key/value pairs, got ${words.length} words`);
    }
    const kv = lines.get(label) ?? new Map<string, number>();
    for (let k = 0; k + 1 < words.length; k += 2) {
      const v = words[k + 1];
      if (!/^\d+$/.test(v)) {
        problems.push(`line ${idx + 1} (${label} ${words[k]}): not a count: ${JSON.stringify(v.slice(0, 40))}`);
        continue;
      }
      kv.set(words[k], Number(v));
    }
    lines.set(label, kv);
  });
  return { lines, problems };
}

/** A sockstat file's lines as the kernel writes them: per line its "LABEL:" and keys in file order. The
 *  same in every namespace, so kept once for all (as copies: a slice of a file's text keeps the whole
 *  text); per namespace they were ~4 KiB of small Buffers, ~1 MiB at 250 pods (heap snapshot). */
interface SockstatShape {
  readonly lines: readonly {
    readonly prefix: Buffer;
    /** as latin1 bytes, and as the strings the maps are keyed by */
    readonly keyBytes: readonly Buffer[];
    readonly keys: readonly string[];
  }[];
  /** Whether the text ended with a newline. */
  readonly finalNewline: boolean;
}
const sockstatShapes = new Map<string, SockstatShape>();
function internShape(
  lines: readonly { prefix: string; keys: readonly string[] }[],
  finalNewline: boolean,
): SockstatShape {
  const signature = `${finalNewline}\n${lines.map((l) => `${l.prefix} ${l.keys.join(' ')}`).join('\n')}`;
  let shape = sockstatShapes.get(signature);
  if (shape === undefined) {
    shape = {
      lines: lines.map((l) => ({
        prefix: latin1(l.prefix),
        keyBytes: l.keys.map(latin1),
        keys: l.keys.map(flatString),
      })),
      finalNewline,
    };
    // a few per kernel (sockstat, sockstat6); bounded anyway
    if (sockstatShapes.size >= 8) sockstatShapes.delete(sockstatShapes.keys().next().value!);
    sockstatShapes.set(signature, shape);
  }
  return shape;
}

/** A kept parse in the kernel's own format: its shape, and per line the map each value goes to. */
interface SockstatKept {
  readonly shape: SockstatShape;
  readonly into: readonly Map<string, number>[];
}
const sockstatKept = new WeakMap<SockstatParse, SockstatKept>();
const NO_PROBLEMS: readonly string[] = Object.freeze([]);
const scratch: number[] = [];

/**
 * parseSockstat for a reader that keeps the result across cycles (shared-read.ts): the same result as
 * `parseSockstat(text)`, but when `previous` (an earlier result of this function, which its holder is
 * done with) was kept from a text with the same labels and keys in the same order, and `text` is in the
 * kernel's own format ("LABEL: key value …", single spaces), its values are overwritten and `previous`
 * is returned.
 */
export function parseSockstatReusing(text: string, previous?: SockstatParse): SockstatParse {
  if (previous !== undefined) {
    const b = textBytes(text);
    if (b !== undefined && readSockstatInPlace(b, b.length, previous)) return previous;
  }
  const full = parseSockstat(text);
  if (full.problems.length > 0) return full;
  const parse: SockstatParse = { lines: full.lines, problems: NO_PROBLEMS };
  const lines = text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const colon = l.indexOf(':');
      const words = l.slice(colon + 1).split(' ');
      return {
        prefix: l.slice(0, colon + 1),
        label: l.slice(0, colon).trim(),
        keys: words.filter((_, k) => k % 2 === 1),
      };
    });
  // the parse's own maps: the in-place reader writes into them
  const into = lines.map((l) => full.lines.get(l.label) as Map<string, number> | undefined);
  // Kept only when the in-place reader takes this very text (it writes the same values back).
  const b = textBytes(text);
  if (b !== undefined && into.every((m) => m !== undefined)) {
    const layout: SockstatKept = {
      shape: internShape(lines, text.endsWith('\n')),
      into: into as Map<string, number>[],
    };
    if (readSockstatInto(b, b.length, layout)) sockstatKept.set(parse, layout);
  }
  return parse;
}

/** The in-place read of parseSockstatReusing over a file's bytes (the first `len` of `b`): true when
 *  `previous` now holds that text's values, as `parseSockstatReusing(text, previous)` would return it;
 *  false (nothing written) when the text is not in previous's layout. */
export function readSockstatInPlace(b: Uint8Array, len: number, previous: SockstatParse): boolean {
  const kept = sockstatKept.get(previous);
  return kept !== undefined && readSockstatInto(b, len, kept);
}

/** Reads the text in `b` into `kept` when its lines are kept's, each "LABEL: key value …" with single spaces and
 *  decimal values; false otherwise (nothing of `kept` is written then). */
function readSockstatInto(b: Uint8Array, len: number, kept: SockstatKept): boolean {
  let pos = 0;
  let n = 0;
  const { shape, into } = kept;
  for (const line of shape.lines) {
    if (!bytesAt(b, len, pos, line.prefix)) return false;
    let p = pos + line.prefix.length;
    for (const key of line.keyBytes) {
      if (
        p >= len ||
        b[p] !== 32 ||
        !bytesAt(b, len, p + 1, key) ||
        p + 1 + key.length >= len ||
        b[p + 1 + key.length] !== 32
      )
        return false;
      p += key.length + 2;
      const start = p;
      let v = 0;
      for (let c = p < len ? b[p]! : -1; c >= 48 && c <= 57; c = ++p < len ? b[p]! : -1) v = v * 10 + (c - 48);
      if (p === start) return false;
      // Beyond 15 digits the sum above may round differently from Number() of the digits.
      scratch[n++] =
        p - start > 15 ? Number(Buffer.from(b.buffer, b.byteOffset + start, p - start).toString('latin1')) : v;
    }
    if (p < len && b[p] === 10) pos = p + 1;
    else if (p === len && !shape.finalNewline) pos = p;
    else return false;
  }
  if (pos !== len) return false;
  // The whole text fits: write, in file order (a key given twice keeps its last value, as parseSockstat).
  n = 0;
  shape.lines.forEach((line, k) => {
    for (const key of line.keys) into[k]!.set(key, scratch[n++]!);
  });
  return true;
}

/** sockstat and sockstat6 for sharedParse: parsed once, then read in place from the file's bytes. */
export const SOCKSTAT_KEPT: KeptFormat<SockstatParse> = { parse: parseSockstatReusing, inPlace: readSockstatInPlace };

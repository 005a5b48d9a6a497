// Kernel text addresses → "symbol+0xoff", from /proc/kallsyms (read once, cached per path).
// The parser is pure and total: lines it cannot read are counted as problems, never thrown.
// Addresses are all zero when kptr_restrict hides them; then nothing resolves and addresses are
// printed as hex.

import { readWholeFile } from '../kernel/read-proc.js';

export interface KernelSymbol {
  address: bigint;
  name: string;
  /** module name for symbols of a module, '' for the core kernel */
  module: string;
}

export interface KallsymsParse {
  symbols: KernelSymbol[];
  /** lines that were not "<hex> <type> <name> [module]" */
  badLines: number;
  /** true when every address was 0 (kptr_restrict) */
  hidden: boolean;
}

/** A function's padding before its entry (CONFIG_CALL_PADDING: `__pfx_<function>`, one per function,
 *  about half of a 6.x kernel's text symbols and names): no code runs there, so no drop location or
 *  return address is in one; left out, the table is about half as large. */
export const PADDING_PREFIX = '__pfx_';

/** Text symbols (t/T/w/W) with a non-zero address, sorted by address; padding symbols left out. */
export function parseKallsyms(text: string): KallsymsParse {
  const symbols: KernelSymbol[] = [];
  let badLines = 0;
  let seen = 0;
  let visible = 0;
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const parts = line.trim().split(/\s+/);
    if (parts.length < 3 || !/^[0-9a-fA-F]{1,16}$/.test(parts[0]!) || parts[1]!.length !== 1) {
      badLines++;
      continue;
    }
    seen++;
    const type = parts[1]!;
    if (type !== 't' && type !== 'T' && type !== 'w' && type !== 'W') continue;
    const address = BigInt(`0x${parts[0]}`);
    if (address === 0n) continue;
    visible++;
    if (parts[2]!.startsWith(PADDING_PREFIX)) continue;
    const mod = parts[3] !== undefined && parts[3].startsWith('[') ? parts[3].replace(/^\[|\]$/g, '') : '';
    symbols.push({ address, name: parts[2]!, module: mod });
  }
  symbols.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  return { symbols, badLines, hidden: seen > 0 && visible === 0 };
}

/** Largest distance from a symbol's start still attributed to it when it is the last one. */
const MAX_LAST_SYMBOL_SPAN = 0x100000n;

/** Text symbols in columns, sorted by address: ~2.2 MiB for a 6.x kernel's ~64k functions (4.4 MiB
 *  with their padding symbols, heap snapshot at 250 pods), where one object per symbol held ~18 MiB of
 *  heap (~29 MiB RSS) for as long as an event probe ran (test/bench/results/sizing.md). Names are latin1 bytes (kallsyms names are ASCII). */
export interface CompactSymbols {
  addrs: BigUint64Array;
  /** name i is names[nameStart[i] .. nameStart[i + 1]) */
  names: Buffer;
  nameStart: Uint32Array;
  /** index into modules; 0 = the core kernel ('') */
  moduleIndex: Uint16Array;
  modules: string[];
  badLines: number;
  hidden: boolean;
}

/** Columns in file order → sorted by address, names copied into one buffer. */
function compactFrom(
  n: number,
  unsorted: BigUint64Array,
  src: Buffer,
  nameAt: Uint32Array,
  nameEnd: Uint32Array,
  moduleOf: Uint16Array,
  modules: string[],
): Pick<CompactSymbols, 'addrs' | 'names' | 'nameStart' | 'moduleIndex' | 'modules'> {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((x, y) => (unsorted[x]! < unsorted[y]! ? -1 : unsorted[x]! > unsorted[y]! ? 1 : x - y));
  const addrs = new BigUint64Array(n);
  const nameStart = new Uint32Array(n + 1);
  const moduleIndex = new Uint16Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) total += nameEnd[i]! - nameAt[i]!;
  const names = Buffer.allocUnsafeSlow(total);
  let at = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    addrs[k] = unsorted[i]!;
    nameStart[k] = at;
    at += src.copy(names, at, nameAt[i]!, nameEnd[i]!);
    moduleIndex[k] = moduleOf[i]!;
  }
  nameStart[n] = at;
  return { addrs, names, nameStart, moduleIndex, modules };
}

const SP = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const NL = 0x0a;
const isHex = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
const isSpace = (c: number | undefined): boolean => c === SP || c === TAB || c === CR;
const PADDING = Buffer.from(PADDING_PREFIX, 'latin1');
/** buf[from, to) starts with PADDING_PREFIX. */
function isPadding(buf: Buffer, from: number, to: number): boolean {
  if (to - from < PADDING.length) return false;
  for (let i = 0; i < PADDING.length; i++) if (buf[from + i] !== PADDING[i]) return false;
  return true;
}

/** parseKallsyms over the file's bytes, straight into typed columns: no string or object per line,
 *  so reading the ~6 MiB file does not raise the agent's memory either. Lines as parseKallsyms reads
 *  them ("<hex> <type> <name> [module]", fields separated by spaces or tabs). */
export function parseKallsymsBytes(buf: Buffer): CompactSymbols {
  let lines = 1;
  for (let i = buf.indexOf(NL); i >= 0; i = buf.indexOf(NL, i + 1)) lines++;
  const addr = new BigUint64Array(lines);
  const nameAt = new Uint32Array(lines);
  const nameEnd = new Uint32Array(lines);
  const moduleOf = new Uint16Array(lines);
  const modules = [''];
  const moduleIds = new Map<string, number>([['', 0]]);
  const f = new Int32Array(8); // up to four fields: [start, end) pairs
  let n = 0;
  let badLines = 0;
  let seen = 0;
  let visible = 0;
  let pos = 0;
  while (pos < buf.length) {
    let end = buf.indexOf(NL, pos);
    if (end < 0) end = buf.length;
    let fields = 0;
    let i = pos;
    while (i < end && fields < 4) {
      while (i < end && isSpace(buf[i])) i++;
      if (i >= end) break;
      f[2 * fields] = i;
      while (i < end && !isSpace(buf[i])) i++;
      f[2 * fields + 1] = i;
      fields++;
    }
    const empty = end === pos;
    pos = end + 1;
    if (empty) continue;
    let hex = fields >= 1 && f[1]! - f[0]! >= 1 && f[1]! - f[0]! <= 16;
    for (let j = f[0]!; hex && j < f[1]!; j++) hex = isHex(buf[j]!);
    if (fields < 3 || !hex || f[3]! - f[2]! !== 1) {
      badLines++;
      continue;
    }
    seen++;
    const type = buf[f[2]!]!;
    // t T w W: text
    if (type !== 0x74 && type !== 0x54 && type !== 0x77 && type !== 0x57) continue;
    const address = BigInt(`0x${buf.toString('latin1', f[0]!, f[1]!)}`);
    if (address === 0n) continue;
    visible++;
    if (isPadding(buf, f[4]!, f[5]!)) continue;
    addr[n] = address;
    nameAt[n] = f[4]!;
    nameEnd[n] = f[5]!;
    let m = 0;
    if (fields === 4 && buf[f[6]!] === 0x5b) {
      const name = buf.toString('latin1', f[6]! + 1, buf[f[7]! - 1] === 0x5d ? f[7]! - 1 : f[7]!);
      let id = moduleIds.get(name);
      if (id === undefined) {
        id = Math.min(modules.length, 0xffff);
        modules.push(name);
        moduleIds.set(name, id);
      }
      m = id;
    }
    moduleOf[n] = m;
    n++;
  }
  return {
    ...compactFrom(n, addr, buf, nameAt, nameEnd, moduleOf, modules),
    badLines,
    hidden: seen > 0 && visible === 0,
  };
}

export class KernelSymbolizer {
  private readonly s: CompactSymbols;
  private readonly cache = new Map<bigint, string>();

  constructor(parsed: KallsymsParse | CompactSymbols) {
    if ('addrs' in parsed) this.s = parsed;
    else {
      // from parseKallsyms' objects (tests, small inputs): the same columns
      const syms = parsed.symbols;
      const n = syms.length;
      const modules = [''];
      const moduleOf = new Uint16Array(n);
      const nameAt = new Uint32Array(n);
      const nameEnd = new Uint32Array(n);
      const src = Buffer.from(syms.map((x) => x.name).join(''), 'latin1');
      let at = 0;
      syms.forEach((x, i) => {
        nameAt[i] = at;
        at += Buffer.byteLength(x.name, 'latin1');
        nameEnd[i] = at;
        let id = modules.indexOf(x.module);
        if (id < 0) id = modules.push(x.module) - 1;
        moduleOf[i] = Math.min(id, 0xffff);
      });
      this.s = {
        ...compactFrom(
          n,
          BigUint64Array.from(syms, (x) => x.address),
          src,
          nameAt,
          nameEnd,
          moduleOf,
          modules,
        ),
        badLines: parsed.badLines,
        hidden: parsed.hidden,
      };
    }
  }

  get size(): number {
    return this.s.addrs.length;
  }

  /** The symbol containing addr, or undefined. */
  lookup(addr: bigint): { symbol: KernelSymbol; offset: bigint } | undefined {
    const a = this.s.addrs;
    if (a.length === 0 || addr < a[0]!) return undefined;
    let lo = 0;
    let hi = a.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (a[mid]! <= addr) lo = mid;
      else hi = mid - 1;
    }
    const offset = addr - a[lo]!;
    if (lo === a.length - 1 && offset > MAX_LAST_SYMBOL_SPAN) return undefined;
    const { names, nameStart, moduleIndex, modules } = this.s;
    return {
      symbol: {
        address: a[lo]!,
        name: names.toString('latin1', nameStart[lo]!, nameStart[lo + 1]!),
        module: modules[moduleIndex[lo]!]!,
      },
      offset,
    };
  }

  /** "tcp_v4_rcv+0x91", "fn+0x10 [module]", or "0xffff…" when unknown. */
  resolve(addr: bigint): string {
    const hit = this.cache.get(addr);
    if (hit !== undefined) return hit;
    const l = this.lookup(addr);
    const s = l
      ? `${l.symbol.name}+0x${l.offset.toString(16)}${l.symbol.module ? ` [${l.symbol.module}]` : ''}`
      : `0x${addr.toString(16)}`;
    if (this.cache.size < 65536) this.cache.set(addr, s); // drop locations are few; bound it anyway
    return s;
  }
}

const loaded = new Map<string, Promise<KernelSymbolizer>>();

/** Read and parse kallsyms once per path; an unreadable file gives an empty symbolizer. */
export function loadKallsyms(path = '/proc/kallsyms'): Promise<KernelSymbolizer> {
  let p = loaded.get(path);
  if (!p) {
    p = readWholeFile(path).then(
      (bytes) => new KernelSymbolizer(parseKallsymsBytes(bytes)),
      () => new KernelSymbolizer({ symbols: [], badLines: 0, hidden: false }),
    );
    loaded.set(path, p);
  }
  return p;
}

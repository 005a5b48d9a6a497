// Kernel text addresses → "symbol+0xoff", from /proc/kallsyms (read once, cached per path).
// The parser is pure and total: lines it cannot read are counted as problems, never thrown.
// Addresses are all zero when kptr_restrict hides them; then nothing resolves and addresses are
// printed as hex.

import { readFile } from 'node:fs/promises';

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

/** Text symbols (t/T/w/W) with a non-zero address, sorted by address. */
export function parseKallsyms(text: string): KallsymsParse {
  const symbols: KernelSymbol[] = [];
  let badLines = 0;
  let seen = 0;
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
    const mod = parts[3] !== undefined && parts[3].startsWith('[') ? parts[3].replace(/^\[|\]$/g, '') : '';
    symbols.push({ address, name: parts[2]!, module: mod });
  }
  symbols.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  return { symbols, badLines, hidden: seen > 0 && symbols.length === 0 };
}

/** Largest distance from a symbol's start still attributed to it when it is the last one. */
const MAX_LAST_SYMBOL_SPAN = 0x100000n;

export class KernelSymbolizer {
  private readonly addrs: BigUint64Array;
  private readonly syms: KernelSymbol[];
  private readonly cache = new Map<bigint, string>();

  constructor(parsed: KallsymsParse) {
    this.syms = parsed.symbols;
    this.addrs = BigUint64Array.from(parsed.symbols.map((s) => s.address));
  }

  get size(): number {
    return this.syms.length;
  }

  /** The symbol containing addr, or undefined. */
  lookup(addr: bigint): { symbol: KernelSymbol; offset: bigint } | undefined {
    const a = this.addrs;
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
    return { symbol: this.syms[lo]!, offset };
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
    p = readFile(path, 'utf8').then(
      (text) => new KernelSymbolizer(parseKallsyms(text)),
      () => new KernelSymbolizer({ symbols: [], badLines: 0, hidden: false }),
    );
    loaded.set(path, p);
  }
  return p;
}

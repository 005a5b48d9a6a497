// Kernel text addresses → "symbol+0xoff", from /proc/kallsyms, for the drop locations of packetloss.
//
// Why no table: drop locations are few (the kernel's kfree_skb call sites that see traffic, tens on a
// busy node), the table of the kernel's ~64k functions is not. Held in columns it was 2.3 MiB for as
// long as the probe ran (heap snapshot of the sizing bench at 250 pods; an object per symbol had been
// ~18 MiB). Here an address not seen before is resolved by one pass over the file for all such
// addresses at once (a 64 KiB buffer; 0.11–0.19 s of CPU for the ~120k lines here, where cat of the
// file takes 0.04: test/bench/results/kallsyms-pass.md), and only the answers are kept. A module loaded after the agent started is found too: every pass reads the file anew.
//
// The pass (KallsymsScan) is pure and total: lines it cannot read are counted, never thrown. Addresses
// are all zero when kptr_restrict hides them; then nothing resolves and addresses are given as hex.
import { open } from 'node:fs/promises';

/** A function's padding before its entry (CONFIG_CALL_PADDING: `__pfx_<function>`, one per function,
 *  about half of a 6.x kernel's text symbols): no code runs there, so no drop location or return
 *  address is in one. */
export const PADDING_PREFIX = '__pfx_';

/** Largest distance from a symbol's start still attributed to it when it is the highest one. */
const MAX_LAST_SYMBOL_SPAN = 0x100000n;
/** A line longer than this is not kallsyms (names are at most 512 bytes): counted bad and skipped. */
const MAX_LINE = 4096;

const SP = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const NL = 0x0a;
const hexValue = (c: number): number =>
  c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
const isSpace = (c: number | undefined): boolean => c === SP || c === TAB || c === CR;
const PADDING = Buffer.from(PADDING_PREFIX, 'latin1');
/** buf[from, to) starts with PADDING_PREFIX. */
function isPadding(buf: Buffer, from: number, to: number): boolean {
  if (to - from < PADDING.length) return false;
  for (let i = 0; i < PADDING.length; i++) if (buf[from + i] !== PADDING[i]) return false;
  return true;
}

/** The hex text of an unresolved address. */
export const hexAddress = (addr: bigint): string => `0x${addr.toString(16)}`;

export interface KallsymsScanResult {
  /** each wanted address: "fn+0x91", "fn+0x10 [module]", or its hex when no text symbol holds it */
  readonly resolved: Map<bigint, string>;
  /** lines that were not "<hex> <type> <name> [module]" */
  readonly badLines: number;
  /** true when every address was 0 (kptr_restrict) */
  readonly hidden: boolean;
}

/**
 * One pass over kallsyms text, fed in chunks of any size, finding for each wanted address the text
 * symbol (t T w W, non-zero, not padding) with the highest start at or below it (of equal starts, the
 * later line). Addresses are compared as two 32-bit halves, so no line makes a BigInt.
 *
 * Each symbol is offered only to the lowest wanted address at or above it (a binary search); the best
 * symbol of a wanted address is then the highest of those offered to it and to every lower one.
 */
export class KallsymsScan {
  private readonly wanted: bigint[];
  private readonly wHi: Float64Array;
  private readonly wLo: Float64Array;
  /** per wanted address: the best symbol offered to it (-1: none) */
  private readonly bHi: Float64Array;
  private readonly bLo: Float64Array;
  private readonly bName: string[];
  private readonly bModule: string[];
  /** the highest text symbol of all (the last one's span is bounded) */
  private maxHi = -1;
  private maxLo = -1;
  private carry: Buffer | undefined;
  private skipping = false;
  private badLines = 0;
  private seen = 0;
  private visible = 0;
  private readonly f = new Int32Array(8);

  constructor(wanted: Iterable<bigint>) {
    this.wanted = [...new Set(wanted)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const n = this.wanted.length;
    this.wHi = new Float64Array(n);
    this.wLo = new Float64Array(n);
    this.bHi = new Float64Array(n).fill(-1);
    this.bLo = new Float64Array(n).fill(-1);
    this.bName = new Array<string>(n).fill('');
    this.bModule = new Array<string>(n).fill('');
    this.wanted.forEach((w, i) => {
      const x = BigInt.asUintN(64, w);
      this.wHi[i] = Number(x >> 32n);
      this.wLo[i] = Number(x & 0xffffffffn);
    });
  }

  /** The next bytes of the file (a line may go on in the next chunk; the chunk is not kept). */
  push(chunk: Buffer): void {
    let pos = 0;
    if (this.carry !== undefined || this.skipping) {
      const nl = chunk.indexOf(NL);
      const head = chunk.subarray(0, nl < 0 ? chunk.length : nl);
      if (!this.skipping) {
        const line = Buffer.concat([this.carry!, head]);
        this.carry = undefined;
        if (line.length > MAX_LINE) this.tooLong();
        else if (nl >= 0) this.line(line, 0, line.length);
        else this.carry = line;
      }
      if (nl < 0) return;
      this.skipping = false;
      pos = nl + 1;
    }
    for (;;) {
      const nl = chunk.indexOf(NL, pos);
      if (nl < 0) break;
      this.line(chunk, pos, nl);
      pos = nl + 1;
    }
    if (pos < chunk.length) {
      if (chunk.length - pos > MAX_LINE) this.tooLong();
      else this.carry = Buffer.from(chunk.subarray(pos));
    }
  }

  /** The file ended: each wanted address's text. */
  end(): KallsymsScanResult {
    if (this.carry !== undefined) {
      const c = this.carry;
      this.carry = undefined;
      this.line(c, 0, c.length);
    }
    const resolved = new Map<bigint, string>();
    let hi = -1;
    let lo = -1;
    let name = '';
    let mod = '';
    for (let i = 0; i < this.wanted.length; i++) {
      if (this.bHi[i]! > hi || (this.bHi[i] === hi && this.bLo[i]! > lo)) {
        hi = this.bHi[i]!;
        lo = this.bLo[i]!;
        name = this.bName[i]!;
        mod = this.bModule[i]!;
      }
      const w = this.wanted[i]!;
      let text = hexAddress(w);
      if (hi >= 0) {
        const offset = BigInt.asUintN(64, w) - ((BigInt(hi) << 32n) | BigInt(lo));
        const highest = hi === this.maxHi && lo === this.maxLo;
        if (!highest || offset <= MAX_LAST_SYMBOL_SPAN)
          text = `${name}+0x${offset.toString(16)}${mod ? ` [${mod}]` : ''}`;
      }
      resolved.set(w, text);
    }
    return { resolved, badLines: this.badLines, hidden: this.seen > 0 && this.visible === 0 };
  }

  private tooLong(): void {
    this.badLines++;
    this.carry = undefined;
    this.skipping = true;
  }

  /** One line, buf[pos, end), without its newline. */
  private line(buf: Buffer, pos: number, end: number): void {
    const f = this.f;
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
    if (fields === 0) return; // empty line
    const digits = f[1]! - f[0]!;
    let hi = 0;
    let lo = 0;
    let hex = fields >= 3 && digits >= 1 && digits <= 16 && f[3]! - f[2]! === 1;
    for (let j = f[0]!; hex && j < f[1]!; j++) {
      const v = hexValue(buf[j]!);
      if (v < 0) hex = false;
      else if (f[1]! - j > 8) hi = hi * 16 + v;
      else lo = lo * 16 + v;
    }
    if (!hex) {
      this.badLines++;
      return;
    }
    this.seen++;
    const type = buf[f[2]!]!;
    // t T w W: text
    if (type !== 0x74 && type !== 0x54 && type !== 0x77 && type !== 0x57) return;
    if (hi === 0 && lo === 0) return;
    this.visible++;
    if (isPadding(buf, f[4]!, f[5]!)) return;
    if (hi > this.maxHi || (hi === this.maxHi && lo >= this.maxLo)) {
      this.maxHi = hi;
      this.maxLo = lo;
    }
    // the lowest wanted address at or above this symbol
    let a = 0;
    let b = this.wanted.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (this.wHi[mid]! < hi || (this.wHi[mid] === hi && this.wLo[mid]! < lo)) a = mid + 1;
      else b = mid;
    }
    if (a === this.wanted.length) return;
    if (hi > this.bHi[a]! || (hi === this.bHi[a] && lo >= this.bLo[a]!)) {
      this.bHi[a] = hi;
      this.bLo[a] = lo;
      this.bName[a] = buf.toString('latin1', f[4]!, f[5]!);
      this.bModule[a] =
        fields === 4 && buf[f[6]!] === 0x5b
          ? buf.toString('latin1', f[6]! + 1, buf[f[7]! - 1] === 0x5d ? f[7]! - 1 : f[7]!)
          : '';
    }
  }
}

/** Bound on the answers kept (drop locations are few; this only stops a flood of distinct ones). */
const MAX_KEPT = 65536;
const CHUNK = 64 * 1024;

/** Drop locations → text, one pass over `path` per batch of new addresses; answers are kept. */
export class KernelSymbolizer {
  private readonly known = new Map<bigint, string>();
  /** the last pass: lines it could not read, and whether kptr_restrict hid the addresses */
  lastPass: { badLines: number; hidden: boolean; error?: string } | undefined;

  constructor(private readonly path = '/proc/kallsyms') {}

  /** The address's text if a pass has given it. */
  cached(addr: bigint): string | undefined {
    return this.known.get(addr);
  }

  /** The address's text now: known, or its hex (no pass). */
  resolveNow(addr: bigint): string {
    return this.known.get(addr) ?? hexAddress(addr);
  }

  /** One pass over the file for those of `addrs` not known yet; afterwards each has its text (hex when
   *  no symbol holds it or the file cannot be read), unless MAX_KEPT answers are kept already (then
   *  resolveNow gives hex). Never rejects. */
  async learn(addrs: Iterable<bigint>): Promise<void> {
    const wanted = [...addrs].filter((a) => !this.known.has(a));
    if (wanted.length === 0) return;
    const scan = new KallsymsScan(wanted);
    let error: string | undefined;
    try {
      const file = await open(this.path, 'r');
      try {
        const buf = Buffer.allocUnsafe(CHUNK);
        for (;;) {
          const { bytesRead } = await file.read(buf, 0, CHUNK, null);
          if (bytesRead === 0) break;
          scan.push(buf.subarray(0, bytesRead));
        }
      } finally {
        await file.close();
      }
    } catch (err) {
      error = `${this.path}: ${(err as Error).message}`;
    }
    const r = error === undefined ? scan.end() : new KallsymsScan(wanted).end();
    this.lastPass = { badLines: r.badLines, hidden: r.hidden, ...(error !== undefined ? { error } : {}) };
    for (const [addr, text] of r.resolved) if (this.known.size < MAX_KEPT) this.known.set(addr, text);
  }
}

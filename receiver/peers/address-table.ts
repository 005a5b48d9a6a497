// The addresses of the flow slots as small numbers (ids): the raw words of each distinct address
// once, in typed arrays behind a chained hash (its heads a typed array too), so a first read of 65k
// new keys makes no string, no object and no Map entry per key. The text form is made only when something asks for it (a series' attributes,
// a name look-up) and kept per address, as are its names, while a slot refers to it.
import { formatIPv4, formatIPv6 } from '../kernel/inet.js';
import type { Peer } from './resolve.js';

/** a 16-byte scratch address for the text formatters (no buffer per address) */
const scratch = new Uint8Array(16);
const scratchView = new DataView(scratch.buffer);

/** network-order value of a word read little-endian from the address bytes */
const bswap = (w: number): number =>
  ((w & 0xff) * 0x1000000 + ((w >>> 8) & 0xff) * 0x10000 + ((w >>> 16) & 0xff) * 0x100 + (w >>> 24)) >>> 0;

export class AddressTable {
  /** 4 words per id: the address bytes as read little-endian (IPv4: the first word only) */
  private words = new Uint32Array(0);
  /** 4, 6, or 0 (not IP: the one id of every non-IP frame, text '') */
  family = new Uint8Array(0);
  private refs = new Uint32Array(0);
  private hash = new Int32Array(0);
  /** the next id in its hash chain, -1 at the end */
  private next = new Int32Array(0);
  /** the first id of each chain by hash & (length - 1), -1: none; as long as the id arrays (a power of 2) */
  private heads = new Int32Array(0).fill(-1);
  private text: string[] = [];
  /** ids whose text was made, by that text: what a directory's change set (addresses as text) finds */
  private readonly byText = new Map<string, number>();
  /** the address's names while current (see the flow probe: cleared when the directory says the
   *  address changed, and for every address when it cannot say which did) */
  names: (Peer | undefined)[] = [];
  private free: number[] = [];
  private top = 0;

  /** ids in use */
  get size(): number {
    return this.top - this.free.length;
  }

  private grow(n: number): void {
    if (n <= this.refs.length) return;
    let size = Math.max(2 * this.refs.length, 64);
    while (size < n) size *= 2;
    const g = <T extends Uint32Array | Uint8Array | Int32Array>(a: T, C: new (n: number) => T): T => {
      const x = new C(size);
      x.set(a);
      return x;
    };
    const w = new Uint32Array(4 * size);
    w.set(this.words);
    this.words = w;
    this.family = g(this.family, Uint8Array);
    this.refs = g(this.refs, Uint32Array);
    this.hash = g(this.hash, Int32Array);
    this.next = g(this.next, Int32Array);
    // the chains again over twice the heads (at most one id per head on average)
    this.heads = new Int32Array(size).fill(-1);
    const mask = size - 1;
    for (let id = 0; id < this.top; id++)
      if (this.refs[id]! > 0) {
        const b = this.hash[id]! & mask;
        this.next[id] = this.heads[b]!;
        this.heads[b] = id;
      }
    // dense arrays (an index far past the end would make them dictionaries)
    const text = new Array<string>(size).fill('');
    const names = new Array<Peer | undefined>(size).fill(undefined);
    for (let i = 0; i < this.text.length; i++) {
      text[i] = this.text[i]!;
      names[i] = this.names[i];
    }
    this.text = text;
    this.names = names;
  }

  /** The id of an address (one more reference to it; release() each). Words past the family's
   *  length must be 0. */
  intern(family: number, w0: number, w1: number, w2: number, w3: number): number {
    let h =
      (Math.imul(w0, 0x9e3779b1) ^ Math.imul(w1, 0x85ebca77) ^ Math.imul(w2, 0xc2b2ae3d) ^ Math.imul(w3, 0x27d4eb2f)) +
      family;
    // mixed down to the low bits the chains are chosen by (addresses often differ in a few high
    // bits of one word only: a product alone leaves the low bits equal)
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    const key = h & 0x3fffffff;
    const { words } = this;
    for (
      let id = this.heads.length > 0 ? this.heads[key & (this.heads.length - 1)]! : -1;
      id >= 0;
      id = this.next[id]!
    ) {
      const at = 4 * id;
      if (
        words[at] === w0 &&
        words[at + 1] === w1 &&
        words[at + 2] === w2 &&
        words[at + 3] === w3 &&
        this.family[id] === family
      ) {
        this.refs[id]!++;
        return id;
      }
    }
    const id = this.free.pop() ?? this.top;
    // grown before the id counts as live (grow re-chains the live ones)
    this.grow(id + 1);
    if (id === this.top) this.top++;
    const at = 4 * id;
    this.words[at] = w0;
    this.words[at + 1] = w1;
    this.words[at + 2] = w2;
    this.words[at + 3] = w3;
    this.family[id] = family;
    this.refs[id] = 1;
    this.hash[id] = key;
    const b = key & (this.heads.length - 1);
    this.next[id] = this.heads[b]!;
    this.heads[b] = id;
    return id;
  }

  /** One reference fewer. An id that holds none (released already, or from before reset()) is left
   *  alone: its count would wrap to 2^32 - 1 in the Uint32Array, and grow() would then chain it again
   *  beside its reuse from the free list: a cycle in its hash chain, which intern and release walk
   *  for ever (the flow bench's replay did this, releasing ids from before a reset). */
  release(id: number): void {
    if (!(this.refs[id]! > 0)) return;
    if (--this.refs[id]! > 0) return;
    const b = this.hash[id]! & (this.heads.length - 1);
    let i = this.heads[b]!;
    if (i === id) {
      this.heads[b] = this.next[id]!;
    } else {
      while (this.next[i] !== id) i = this.next[i]!;
      this.next[i] = this.next[id]!;
    }
    if (this.text[id] !== '') this.byText.delete(this.text[id]!);
    this.text[id] = '';
    this.names[id] = undefined;
    this.free.push(id);
  }

  /** The address's text form ('' when not IP), made once while the id lives. */
  textOf(id: number): string {
    const t = this.text[id]!;
    if (t !== '' || this.family[id] === 0) return t;
    const at = 4 * id;
    for (let i = 0; i < 4; i++) scratchView.setUint32(4 * i, this.words[at + i]!, true);
    const made = this.family[id] === 4 ? formatIPv4(scratch, 0) : formatIPv6(scratch, 0);
    this.text[id] = made;
    this.byText.set(made, id);
    return made;
  }

  /** The id of an address whose text was made (only those can have names to take back). */
  idOfText(text: string): number | undefined {
    return this.byText.get(text);
  }

  /** a before b in address order (family, then the bytes in network order): top-K's tie rule */
  before(a: number, b: number): boolean {
    if (this.family[a] !== this.family[b]) return this.family[a]! < this.family[b]!;
    for (let i = 0; i < 4; i++) {
      const x = this.words[4 * a + i]!,
        y = this.words[4 * b + i]!;
      if (x !== y) return bswap(x) < bswap(y);
    }
    return false;
  }

  /** every address's names taken back (asked again when next needed) */
  forgetNames(): void {
    this.names.fill(undefined);
  }

  reset(): void {
    this.heads.fill(-1);
    this.byText.clear();
    this.text.fill('');
    this.names.fill(undefined);
    this.refs.fill(0);
    this.free = [];
    this.top = 0;
  }
}

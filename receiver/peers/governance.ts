// Cardinality governance for per-peer series (flow, connections; DNS later):
//  - per pod and interval, the top-K peers by bytes keep their own series; the others' traffic is
//    added to the pod's `other` series and the number of folded peers is reported;
//  - a series that has not moved for `ttlMs` is dropped, and so is every series of a pod that is gone;
//  - a node-wide cap on series: a new series beyond it is folded into its pod's `other` series and
//    counted as overflow.
// Values are sums of deltas, never raw kernel counters, so the sum over a pod's series (its peers
// plus `other`) always equals its traffic, whatever moves between a peer and `other`.

/** Defaults of the per-peer probes' governance options (top_k, ttl, max_series). */
export const PEER_DEFAULTS = { topK: 20, ttlSeconds: 300, maxSeries: 10000 } as const;

export interface GovernanceOptions {
  /** peers per pod with their own series each interval (0 = every peer folded) */
  readonly topK: number;
  readonly ttlMs: number;
  /** series on the node, `other` series included */
  readonly maxSeries: number;
}

/** One cycle's increase of one series candidate. */
export interface Increase<A> {
  /** unique per pod: the series' identity (kernel key and resolved names) */
  readonly key: string;
  /** what top-K ranks by (the peer's address or name) */
  readonly peer: string;
  /** how the series is reported; `otherKey`/`otherAttributes` when folded */
  readonly attributes: A;
  readonly otherKey: string;
  readonly otherAttributes: A;
  readonly bytes: number;
  readonly packets: number;
  /** further per-series sums (a histogram's buckets, counts by cause), added element-wise */
  readonly values?: readonly number[];
}

export interface Series<A> {
  readonly attributes: A;
  bytes: number;
  packets: number;
  values: number[];
  lastMoved: number;
  readonly other: boolean;
  /** dropped by the governor (TTL, rename, pod gone): a caller that keeps a reference opens it again */
  gone: boolean;
}

/** a ranks before b: more bytes, or as many and a lower text */
const ranksBefore = (ab: number, ap: string, bb: number, bp: string): boolean => ab > bb || (ab === bb && ap < bp);

/**
 * The k peers with the most bytes (> 0; ties: the lower text first) — the first k of them sorted,
 * without sorting them all: a bounded heap whose root is the weakest peer kept. A busy pod has tens
 * of thousands of peers a cycle and keeps 20; sorting them all (an entry array per peer) cost more
 * than reading their counters.
 */
export function topPeers(byPeer: ReadonlyMap<string, number>, k: number): Set<string> {
  const hp: string[] = [];
  const hb: number[] = [];
  if (k > 0)
    byPeer.forEach((b, p) => {
      if (b <= 0) return;
      let i: number;
      if (hp.length < k) {
        // add at the end, then up while its parent ranks before it (the weakest rises to the root)
        i = hp.length;
        hp.push(p);
        hb.push(b);
        while (i > 0) {
          const up = (i - 1) >> 1;
          if (!ranksBefore(hb[up]!, hp[up]!, b, p)) break;
          hp[i] = hp[up]!;
          hb[i] = hb[up]!;
          i = up;
        }
      } else {
        if (!ranksBefore(b, p, hb[0]!, hp[0]!)) return;
        // replaces the weakest: down while a child ranks after it
        i = 0;
        for (;;) {
          const l = 2 * i + 1;
          if (l >= k) break;
          const r = l + 1;
          const c = r < k && ranksBefore(hb[l]!, hp[l]!, hb[r]!, hp[r]!) ? r : l;
          if (!ranksBefore(b, p, hb[c]!, hp[c]!)) break;
          hp[i] = hp[c]!;
          hb[i] = hb[c]!;
          i = c;
        }
      }
      hp[i] = p;
      hb[i] = b;
    });
  return new Set(hp);
}

/**
 * topPeers over peers given as small indexes: the k of idx[0..n) with the most bytes[i] (> 0; ties:
 * the one `lower(i, j)` puts first) get `flag` or'ed into mark[i]. For a caller that sums a cycle's
 * bytes per peer in a typed array (the flow probe, whose tie rule is the lower address: no text is
 * made to rank): no Map, Set or entry per peer.
 */
export function markTopPeers(
  idx: Uint32Array,
  n: number,
  bytes: Float64Array,
  lower: (a: number, b: number) => boolean,
  k: number,
  mark: Uint8Array,
  flag: number,
): void {
  if (k <= 0) return;
  if (heap.length < k) heap = new Uint32Array(k);
  const h = heap;
  let size = 0;
  const before = (a: number, b: number): boolean => bytes[a]! > bytes[b]! || (bytes[a] === bytes[b] && lower(a, b));
  for (let j = 0; j < n; j++) {
    const p = idx[j]!;
    if (!(bytes[p]! > 0)) continue;
    let i: number;
    if (size < k) {
      i = size++;
      while (i > 0) {
        const up = (i - 1) >> 1;
        if (!before(h[up]!, p)) break;
        h[i] = h[up]!;
        i = up;
      }
    } else {
      if (!before(p, h[0]!)) continue;
      i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= k) break;
        const r = l + 1;
        const c = r < k && before(h[l]!, h[r]!) ? r : l;
        if (!before(p, h[c]!)) break;
        h[i] = h[c]!;
        i = c;
      }
    }
    h[i] = p;
  }
  for (let i = 0; i < size; i++) mark[h[i]!]! |= flag;
}
let heap = new Uint32Array(0);

export class PeerGovernor<A> {
  private readonly pods = new Map<string, Map<string, Series<A>>>();
  private count = 0;
  /** series refused by the cap, since start */
  overflow = 0;
  private readonly folded = new Map<string, number>();

  constructor(private opts: GovernanceOptions) {}

  setOptions(opts: GovernanceOptions): void {
    this.opts = opts;
  }

  get topK(): number {
    return this.opts.topK;
  }

  get seriesCount(): number {
    return this.count;
  }

  /** Adds one interval's increases of one pod; returns nothing (read with series()). */
  add(pod: string, increases: readonly Increase<A>[], now: number): void {
    let m = this.pods.get(pod);
    if (!m) {
      m = new Map();
      this.pods.set(pod, m);
    }
    const byPeer = new Map<string, number>();
    for (const inc of increases) byPeer.set(inc.peer, (byPeer.get(inc.peer) ?? 0) + inc.bytes);
    const top = topPeers(byPeer, this.opts.topK);
    // a folded peer is marked -1 in byPeer (its sum is no longer needed), counted once
    let folded = 0;
    for (const inc of increases) {
      if (inc.bytes === 0 && inc.packets === 0) continue;
      let s = top.has(inc.peer) ? m.get(inc.key) : undefined;
      if (top.has(inc.peer) && !s) {
        if (this.count < this.opts.maxSeries) {
          s = {
            attributes: inc.attributes,
            bytes: 0,
            packets: 0,
            values: [],
            lastMoved: now,
            other: false,
            gone: false,
          };
          m.set(inc.key, s);
          this.count++;
        } else {
          this.overflow++;
        }
      }
      if (!s) {
        if (byPeer.get(inc.peer) !== -1) {
          byPeer.set(inc.peer, -1);
          folded++;
        }
        s = m.get(inc.otherKey);
        if (!s) {
          // `other` series are always allowed: they are what keeps a pod's totals right
          s = {
            attributes: inc.otherAttributes,
            bytes: 0,
            packets: 0,
            values: [],
            lastMoved: now,
            other: true,
            gone: false,
          };
          m.set(inc.otherKey, s);
          this.count++;
        }
      }
      s.bytes += inc.bytes;
      s.packets += inc.packets;
      if (inc.values) for (let i = 0; i < inc.values.length; i++) s.values[i] = (s.values[i] ?? 0) + inc.values[i]!;
      s.lastMoved = now;
    }
    this.folded.set(pod, folded);
  }

  /**
   * The series `key` of a pod, made with `attributes()` if it is new: what add() does for one
   * increase, for a caller that ranks and folds itself and keeps the Series (flow: one per slot, no
   * object per cycle) until it is `gone`. A new peer series beyond the cap is refused (undefined)
   * and counted as overflow; `other` series are always made.
   */
  open(pod: string, key: string, attributes: () => A, other: boolean, now: number): Series<A> | undefined {
    let m = this.pods.get(pod);
    if (!m) {
      m = new Map();
      this.pods.set(pod, m);
    }
    let s = m.get(key);
    if (s) return s;
    if (!other && this.count >= this.opts.maxSeries) {
      this.overflow++;
      return undefined;
    }
    s = { attributes: attributes(), bytes: 0, packets: 0, values: [], lastMoved: now, other, gone: false };
    m.set(key, s);
    this.count++;
    return s;
  }

  /** The pod has series (its own or `other`). */
  has(pod: string): boolean {
    return this.pods.has(pod);
  }

  /** No new peer series can be made (open() refuses them). */
  get full(): boolean {
    return this.count >= this.opts.maxSeries;
  }

  /** Counts a new series refused by the cap without looking its key up: for a caller of open() that
   *  was refused this key before and knows nothing else can have made it since. */
  refuse(): void {
    this.overflow++;
  }

  /** The number of a pod's peers folded into `other` this cycle (for callers of open()). */
  setFolded(pod: string, n: number): void {
    this.folded.set(pod, n);
  }

  /** Drops series that have not moved for the TTL, and empty pods. */
  expire(now: number): void {
    for (const [pod, m] of this.pods) {
      for (const [k, s] of m)
        if (now - s.lastMoved >= this.opts.ttlMs) {
          s.gone = true;
          m.delete(k);
          this.count--;
        }
      if (m.size === 0) {
        this.pods.delete(pod);
        this.folded.delete(pod);
      }
    }
  }

  /** Drops one series (its peer was renamed: the old labels must not linger). */
  drop(pod: string, key: string): void {
    const m = this.pods.get(pod);
    const s = m?.get(key);
    if (s) {
      s.gone = true;
      m!.delete(key);
      this.count--;
    }
  }

  /** Forgets a pod that is gone, with all its series. */
  forget(pod: string): void {
    const m = this.pods.get(pod);
    if (m) {
      for (const s of m.values()) s.gone = true;
      this.count -= m.size;
      this.pods.delete(pod);
    }
    this.folded.delete(pod);
  }

  series(pod: string): IterableIterator<Series<A>> {
    return (this.pods.get(pod) ?? new Map<string, Series<A>>()).values();
  }

  foldedPeers(pod: string): number {
    return this.folded.get(pod) ?? 0;
  }

  pods_(): IterableIterator<string> {
    return this.pods.keys();
  }
}

/** The options schema of the governance and naming options a per-peer probe takes. */
export function peerOptionsSchema(rankedBy: string): Record<string, unknown> {
  return {
    top_k: {
      type: 'integer',
      minimum: 0,
      description: `Peers per pod per interval with their own series, by ${rankedBy}; the rest go to one \`other\` series (default ${PEER_DEFAULTS.topK}).`,
    },
    ttl: {
      type: 'number',
      minimum: 1,
      description: `Seconds a series that does not move is kept (default ${PEER_DEFAULTS.ttlSeconds}).`,
    },
    max_series: {
      type: 'integer',
      minimum: 1,
      description: `Peer series on the node; new series beyond it are folded into \`other\` and counted (default ${PEER_DEFAULTS.maxSeries}).`,
    },
    cidrs: cidrsOptionSchema('peers'),
  };
}

/** The `cidrs` option: names for addresses that are no pod, Service or node. */
export function cidrsOptionSchema(what: string): Record<string, unknown> {
  return {
    type: 'array',
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['cidr'],
      properties: { cidr: { type: 'string' }, name: { type: 'string' } },
    },
    description: `CIDR buckets for ${what} that are no pod, Service or node: the bucket's name replaces the address.`,
  };
}

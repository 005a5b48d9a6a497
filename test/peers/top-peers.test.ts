// topPeers (receiver/peers/governance.ts) picks the same peers as sorting them all by bytes (ties:
// the lower text first) and keeping the first k, whatever the sums, ties and k.
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { PeerGovernor, markTopPeers, topPeers } from '../../receiver/peers/governance.js';

const RUNS = 5_000;

function bySort(byPeer: ReadonlyMap<string, number>, k: number): string[] {
  return [...byPeer.entries()]
    .filter(([, b]) => b > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, k)
    .map(([p]) => p)
    .sort();
}

describe('peers: top-K selection', () => {
  it(`topPeers keeps what a full sort keeps (${RUNS} cases, many ties)`, () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.stringMatching(/^[a-f0-9:]{0,6}$/), fc.integer({ min: -1, max: 5 })), { maxLength: 300 }),
        fc.integer({ min: 0, max: 40 }),
        (pairs, k) => {
          const m = new Map(pairs);
          assert.deepEqual([...topPeers(m, k)].sort(), bySort(m, k));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`markTopPeers (peers as indexes, bytes in a typed array) marks what a full sort keeps, and nothing else (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[a-f0-9:]{0,6}$/), { maxLength: 200 }),
        fc.array(fc.integer({ min: -1, max: 5 }), { minLength: 200, maxLength: 200 }),
        fc.integer({ min: 0, max: 40 }),
        (peers, sums, k) => {
          const n = peers.length;
          const bytes = Float64Array.from(peers, (_, i) => sums[i]!);
          // indexes in another order than the peers', as a pod's touched list is
          const idx = Uint32Array.from(peers, (_, i) => n - 1 - i);
          const mark = new Uint8Array(n).fill(1);
          markTopPeers(idx, n, bytes, (x, y) => peers[x]! < peers[y]!, k, mark, 2);
          const marked = peers.filter((_, i) => mark[i] === 3).sort();
          assert.deepEqual(marked, bySort(new Map(peers.map((p, i) => [p, sums[i]!])), k));
          assert.ok(
            mark.every((m) => m === 1 || m === 3),
            'only the flag is added',
          );
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('the governor keeps the top-K peers, folds the rest into other with their exact sums, and counts them', () => {
    const g = new PeerGovernor<string>({ topK: 3, ttlMs: 60_000, maxSeries: 100 });
    const incs = Array.from({ length: 50 }, (_, i) => ({
      key: `k${i}`,
      peer: `p${i % 10}`,
      attributes: `a${i}`,
      otherKey: 'other',
      otherAttributes: 'other',
      bytes: (i % 10) * 100 + 1,
      packets: 1,
    }));
    g.add('pod', incs, 0);
    const series = [...g.series('pod')];
    const other = series.find((s) => s.other)!;
    const kept = series.filter((s) => !s.other);
    // p9, p8, p7 have the most bytes: their 15 increases keep series of their own
    assert.deepEqual(
      kept.map((s) => s.attributes).sort(),
      incs
        .filter((x) => /p[789]/.test(x.peer))
        .map((x) => x.attributes)
        .sort(),
    );
    const total = incs.reduce((t, x) => t + x.bytes, 0);
    assert.equal(other.bytes + kept.reduce((t, s) => t + s.bytes, 0), total);
    assert.equal(other.packets, 35);
    assert.equal(g.foldedPeers('pod'), 7);
  });
});

// The flow slots' address table (receiver/peers/address-table.ts) against a plain model: the same
// address gets the same id while referred to, distinct live addresses distinct ids, an id goes back
// when its last reference does, text forms are the formatters' own, and the order is the bytes'.
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { AddressTable } from '../../receiver/peers/address-table.js';
import { formatIPv4, formatIPv6 } from '../../receiver/kernel/inet.js';

/** an address pool whose members differ in a few high bits of one word (as a run of IPv6 peers
 *  does), in another word, or in family */
function pool(): { family: 4 | 6; bytes: Uint8Array }[] {
  const out: { family: 4 | 6; bytes: Uint8Array }[] = [];
  for (let i = 0; i < 200; i++) {
    const v6 = new Uint8Array(16);
    v6.set([0xfd, 0, 1, 0x99, 0, 0xdf, 0, 0xf, 1, 0]);
    v6[14] = i >> 8;
    v6[15] = i & 0xff;
    out.push({ family: 6, bytes: v6 });
    const w = new Uint8Array(16);
    w.set([0xfd, 0, 0, 0, i, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    out.push({ family: 6, bytes: w });
    const v4 = new Uint8Array(16);
    v4.set([10, 199, i, 7]);
    out.push({ family: 4, bytes: v4 });
  }
  return out;
}
const POOL = pool();
const words = (b: Uint8Array, family: 4 | 6): [number, number, number, number] => {
  const dv = new DataView(b.buffer, b.byteOffset, 16);
  return family === 4
    ? [dv.getUint32(0, true), 0, 0, 0]
    : [dv.getUint32(0, true), dv.getUint32(4, true), dv.getUint32(8, true), dv.getUint32(12, true)];
};
const textOf = (a: { family: 4 | 6; bytes: Uint8Array }): string =>
  a.family === 4 ? formatIPv4(a.bytes, 0) : formatIPv6(a.bytes, 0);

/** POOL[k] interned into t, checked against the model `held` (POOL index → id and references) */
function internChecked(t: AddressTable, held: Map<number, { id: number; refs: number }>, k: number): number {
  const a = POOL[k]!;
  const h = held.get(k);
  const id = t.intern(a.family, ...words(a.bytes, a.family));
  if (h) {
    assert.equal(id, h.id, 'the same address, the same id');
    h.refs++;
  } else {
    assert.ok(![...held.values()].some((x) => x.id === id), 'a new address, an id not in use');
    held.set(k, { id, refs: 1 });
  }
  return id;
}

describe('peers: the address table', () => {
  it('ids, references, text and order match a model over random intern/release sequences (200 cases)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: POOL.length - 1 })), {
          minLength: 500,
          maxLength: 2000,
        }),
        (ops) => {
          const t = new AddressTable();
          const held = new Map<number, { id: number; refs: number }>();
          for (const [add, k] of ops) {
            const a = POOL[k]!;
            const h = held.get(k);
            if (add) {
              const id = internChecked(t, held, k);
              assert.equal(t.textOf(id), textOf(a));
              assert.equal(t.idOfText(textOf(a)), id);
            } else if (h) {
              t.release(h.id);
              if (--h.refs === 0) {
                held.delete(k);
                assert.equal(t.idOfText(textOf(a)), undefined, 'its text goes with it');
              }
            }
          }
          assert.equal(t.size, held.size);
          const live = [...held.entries()];
          for (const [ka, a] of live.slice(0, 20))
            for (const [kb, b] of live.slice(0, 20)) {
              const x = POOL[ka]!,
                y = POOL[kb]!;
              const cmp =
                x.family !== y.family
                  ? x.family - y.family
                  : Buffer.compare(Buffer.from(x.bytes), Buffer.from(y.bytes));
              assert.equal(t.before(a.id, b.id), cmp < 0);
            }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a release of an id that holds no reference (released already, or from before a reset) changes nothing (200 cases)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: POOL.length - 1 })), {
          minLength: 500,
          maxLength: 2000,
        }),
        (ops) => {
          const t = new AddressTable();
          const held = new Map<number, { id: number; refs: number }>();
          const stale: number[] = [];
          for (const [op, k] of ops) {
            const h = held.get(k);
            if (op <= 1) {
              internChecked(t, held, k);
            } else if (op === 2 && h) {
              t.release(h.id);
              if (--h.refs === 0) {
                held.delete(k);
                stale.push(h.id);
              }
            } else if (stale.length > 0) {
              // an id nobody holds now (unless it was given out again since: then it is not stale)
              const id = stale[k % stale.length]!;
              if (![...held.values()].some((x) => x.id === id)) t.release(id);
              if (k % 97 === 0) {
                // from before a reset: every id is stale
                for (const x of held.values()) stale.push(x.id);
                held.clear();
                t.reset();
              }
            }
            assert.equal(t.size, held.size);
          }
          for (const [k, x] of held) {
            const a = POOL[k]!;
            assert.equal(t.intern(a.family, ...words(a.bytes, a.family)), x.id, 'still found by its address');
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

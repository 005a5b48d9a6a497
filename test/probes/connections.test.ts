// connections probe, pure parts: the helper frame's rows and the carry over a table restart.
import assert from 'node:assert/strict';

import { PeerCarry, parsePeerRows } from '../../receiver/probes/connections.js';

const frame = (failures: number, buckets: number, syn: number): Record<string, unknown> => ({
  msg: 'connections',
  id: 'x',
  ok: true,
  max_entries: 16,
  peers: [
    [
      7,
      1,
      4,
      '10.199.1.2',
      80,
      [buckets, ...Array(22).fill(0)],
      buckets * 1000,
      [failures, 0, 0, 0, 0, 0, 0, 0],
      syn,
      0,
    ],
  ],
});

describe('connections probe: helper rows', () => {
  it('parses a row; a malformed row or a frame not ok is named, never thrown', () => {
    const { rows, problems } = parsePeerRows(frame(2, 3, 1));
    assert.deepEqual(problems, []);
    assert.equal(rows[0]!.role, 'active');
    assert.equal(rows[0]!.family, 'ipv4');
    assert.deepEqual(rows[0]!.failures.slice(0, 1), [2]);
    assert.deepEqual(parsePeerRows({ ok: true, peers: [[1, 9, 4, '', 1, [], 0, [], 0]] }).problems, [
      'connections: peer row with role 9, family 4',
    ]);
    assert.deepEqual(parsePeerRows({ ok: true, peers: ['x'] }).problems, ['connections: malformed peer row']);
    assert.deepEqual(parsePeerRows({ ok: false, error: 'the connections probe is not loaded' }).problems, [
      'connections: the connections probe is not loaded',
    ]);
  });

  it('a table that starts again (reload, helper restart) continues the counters from where they were', () => {
    const c = new PeerCarry();
    const seq = [frame(2, 3, 1), frame(5, 4, 1), frame(1, 0, 0), frame(2, 1, 0)].map((f) =>
      c.apply(parsePeerRows(f).rows[0]!),
    );
    assert.deepEqual(
      seq.map((r) => r.failures[0]),
      [2, 5, 6, 7],
    );
    assert.deepEqual(
      seq.map((r) => r.buckets[0]),
      [3, 4, 4, 5],
    );
    assert.deepEqual(
      seq.map((r) => r.synRetransmits),
      [1, 1, 1, 1],
    );
  });
});

// connections probe, pure parts: the helper frame's rows and the carry over a table restart.
import assert from 'node:assert/strict';

import { ConnectionSeries, PeerCarry, parsePeerRows, type PeerRow } from '../../receiver/probes/connections.js';

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

  describe('peer naming and governance (the flow layer)', () => {
    const row = (address: string, port: number, handshakes: number, refused = 0, netns = 7): PeerRow => ({
      netnsInode: netns,
      role: 'active',
      family: 'ipv4',
      address,
      port,
      buckets: [handshakes, ...Array(22).fill(0)],
      sumNs: handshakes * 1000,
      failures: [refused, 0, 0, 0, 0, 0, 0, 0],
      synRetransmits: 0,
    });
    const byName = (s: ConnectionSeries, metric: string): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const x of s.samples(7).filter((x) => x.metric.name === metric)) {
        const v = x.value as number | { count: number };
        out[String(x.attributes['kubeskoop.peer.name'])] = typeof v === 'number' ? v : v.count;
      }
      return out;
    };

    it('names a peer pod → Service → CIDR bucket → IP, as flow does', () => {
      const s = new ConnectionSeries({
        pod: (a) => (a === '10.1.0.5' ? { name: 'backend-0', namespace: 'shop' } : undefined),
        service: (a) => (a === '10.96.0.10' ? { name: 'kube-dns', namespace: 'kube-system' } : undefined),
      });
      s.configure({ cidrs: [{ cidr: '192.168.0.0/16', name: 'office' }] });
      s.add([row('10.1.0.5', 80, 1), row('10.96.0.10', 53, 2), row('192.168.3.4', 443, 3), row('8.8.8.8', 443, 4)], 0);
      const kinds = Object.fromEntries(
        s
          .samples(7)
          .map((x) => [
            x.attributes['kubeskoop.peer.name'],
            [x.attributes['kubeskoop.peer.kind'], x.attributes['kubeskoop.peer.namespace']],
          ]),
      );
      assert.deepEqual(kinds, {
        'backend-0': ['pod', 'shop'],
        'kube-dns': ['service', 'kube-system'],
        office: ['cidr', ''],
        '8.8.8.8': ['ip', ''],
      });
    });

    it('keeps the top-K peers by connects per pod and folds the rest into `other`, totals kept', () => {
      const s = new ConnectionSeries();
      s.configure({ top_k: 2 });
      s.add([row('10.0.0.1', 80, 5), row('10.0.0.2', 80, 9, 1), row('10.0.0.3', 80, 1, 2), row('10.0.0.4', 80, 1)], 0);
      assert.deepEqual(byName(s, 'kubeskoop.tcp.handshake.duration'), { '10.0.0.1': 5, '10.0.0.2': 9, other: 2 });
      assert.deepEqual(byName(s, 'kubeskoop.tcp.connect.failures'), { '10.0.0.2': 1, other: 2 });
      assert.equal(s.governor.foldedPeers('7'), 2);
      // the next cycle adds only the increase: cumulative rows in, sums of deltas out
      s.add(
        [row('10.0.0.1', 80, 7), row('10.0.0.2', 80, 9, 1), row('10.0.0.3', 80, 1, 2), row('10.0.0.4', 80, 1)],
        1000,
      );
      assert.deepEqual(byName(s, 'kubeskoop.tcp.handshake.duration'), { '10.0.0.1': 7, '10.0.0.2': 9, other: 2 });
    });

    it('drops a series that has not moved for the TTL', () => {
      const s = new ConnectionSeries();
      s.configure({ ttl: 1 });
      s.add([row('10.0.0.1', 80, 5)], 0);
      assert.equal(s.samples(7).length, 1);
      s.add([row('10.0.0.1', 80, 5)], 1500);
      assert.equal(s.samples(7).length, 0);
    });

    it('a bad CIDR option is refused naming the option', () => {
      assert.throws(
        () => new ConnectionSeries().configure({ cidrs: [{ cidr: '10.0.0/8' }] }),
        /probes connections: options\.cidrs\[0\]: '10\.0\.0\/8' is not a CIDR/,
      );
    });
  });
});

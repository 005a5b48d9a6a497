// tcphealth probe, pure parts: the helper frame's peer and listener rows, and the per-cycle series
// (peer names, top-K per pod + other, the node-wide cap, the cumulative RTT histogram and its TTL),
// closed-connection rows added to the live ones, and counters held at their highest value.
import assert from 'node:assert/strict';

import { SharedTcpWalk } from '../../receiver/probes/tcp-walk.js';
import { HealthSeries, listenerSamples, parseHealthFrame } from '../../receiver/probes/tcphealth.js';

const peerRow = (ns: number, addr: string, port: number, sockets: number, retrans = 0, role = 1): unknown[] => [
  ns,
  4,
  role,
  addr,
  port,
  sockets,
  [0, sockets, ...Array(14).fill(0)],
  [...Array(14).fill(0), sockets, ...Array(8).fill(0)], // 14: (10 ms, 20 ms]
  sockets,
  15000,
  15000,
  14000,
  15000 * sockets,
  1000 * sockets,
  100 * sockets,
  retrans,
  0,
  0,
  0,
  4_000_000,
  1_000_000,
  500_000,
];
/** a `closed` row: [ns, family, role, addr, port, closes, segs_out, total_retrans, bytes_acked,
 *  bytes_received, busy_us, rwnd_us, sndbuf_us, timeout, fast, tail_loss_probe, syn] */
const closedRow = (
  ns: number,
  addr: string,
  port: number,
  closes: number,
  segs: number,
  causes = [0, 0, 0, 0],
): unknown[] => [
  ns,
  4,
  1,
  addr,
  port,
  closes,
  segs,
  causes.reduce((a, b) => a + b, 0),
  1000 * closes,
  2000 * closes,
  3_000_000,
  0,
  0,
  ...causes,
];
const frame = (peers: unknown[][], listeners: unknown[][] = [], closed: unknown[][] = []): Record<string, unknown> => ({
  msg: 'tcpsummary',
  ok: true,
  peers,
  listeners,
  closed,
  closed_stats: { entries: closed.length, created: closed.length + 3, evicted: 3, failed: 0, missed: 0 },
});

describe('tcphealth probe: helper rows and series', () => {
  it('parses peer and listener rows; malformed rows and a failed walk are named, never thrown', () => {
    const r = parseHealthFrame(frame([peerRow(7, '10.0.0.1', 80, 2)], [[7, 6, 8080, 1, 3, 128]]));
    assert.deepEqual(r.problems, []);
    assert.equal(r.peers[0]!.role, 'active');
    assert.equal(r.peers[0]!.srttSumUs, 30000);
    assert.deepEqual(r.listeners, [
      { netnsInode: 7, family: 'ipv6', port: 8080, sockets: 1, backlog: 3, maxBacklog: 128 },
    ]);
    assert.deepEqual(
      parseHealthFrame(frame([['x'], [7, 5, 1, 'a', 1, 0, [], Array(23).fill(0), ...Array(14).fill(0)]])).problems,
      ['tcphealth: malformed peer row', 'tcphealth: peer row with family 5, role 1'],
    );
    assert.deepEqual(parseHealthFrame({ ok: false, stage: 'load', error: 'EPERM' }).problems, [
      'tcphealth: table walk failed at load: EPERM',
    ]);
    assert.deepEqual(parseHealthFrame({ ok: true, netns: [] }).problems, [
      'tcphealth: the helper answered without peers or closed (an older helper build?)',
    ]);
  });

  it('decodes the binary peer rows of the helper (peers_bin: key and value as the walk wrote them, 288 bytes each)', () => {
    // one row laid out as bpf/include/ks_tcpsummary.h's ks_tcpsum_peer_key + ks_tcpsum_peer_val
    const row = (family: number, addr: number[], minRtt: number): Buffer => {
      const b = Buffer.alloc(288);
      b.writeUInt32LE(7, 0); // netns
      b.writeUInt16LE(5432, 4); // port
      b[6] = family;
      b[7] = 2; // role: passive
      Buffer.from(addr).copy(b, 8);
      const v = 24;
      b.writeUInt32LE(3, v + 4); // full
      b.writeUInt32LE(2, v + 8); // rtt_sockets
      b.writeUInt32LE(900, v + 12); // srtt_min_us
      b.writeUInt32LE(1100, v + 16); // srtt_max_us
      b.writeUInt32LE(minRtt, v + 20);
      b.writeUInt32LE(2000, v + 24); // srtt_sum_us
      b.writeUInt32LE(5, v + 48); // total_retrans
      b.writeUInt32LE(1, v + 72 + 4); // bytes_received: 2^32 (the high word)
      b.writeUInt32LE(3, v + 104 + 4 * 1); // states[ESTABLISHED]
      b.writeUInt32LE(2, v + 168 + 4 * 9); // rtt_hist[9]
      return b;
    };
    const v6 = [0x20, 0x01, 0x0d, 0xb8, ...Array<number>(11).fill(0), 1];
    const bin = Buffer.concat([row(4, [10, 0, 0, 9, ...Array<number>(12).fill(0)], 800), row(6, v6, 0xffffffff)]);
    const f = { ...frame([]), peers: undefined, peer_row_bytes: 288, peers_bin: bin.toString('base64') };
    const r = parseHealthFrame(f);
    assert.deepEqual(r.problems, []);
    const [a, b] = r.peers;
    assert.equal(a!.address, '10.0.0.9');
    assert.equal(a!.family, 'ipv4');
    assert.equal(a!.role, 'passive');
    assert.equal(a!.port, 5432);
    assert.equal(a!.full, 3);
    assert.equal(a!.minRttUs, 800);
    assert.equal(a!.srttSumUs, 2000);
    assert.equal(a!.retrans, 5);
    assert.equal(a!.bytesReceived, 2 ** 32);
    assert.equal(a!.states[1], 3);
    assert.equal(a!.rttBuckets[9], 2);
    assert.equal(b!.address, '2001:db8::1');
    assert.equal(b!.minRttUs, 0, 'no min RTT (~0) reads 0');
    assert.deepEqual(parseHealthFrame({ ...f, peer_row_bytes: 264 }).problems, [
      'tcphealth: peers_bin rows of 264 bytes (576 bytes in all), expected 288 (a helper of another build?)',
    ]);
  });

  it('names peers as flow does, keeps the top-K by connections and folds the rest into other', () => {
    const s = new HealthSeries({ pod: (a) => (a === '10.0.0.1' ? { name: 'db-0', namespace: 'shop' } : undefined) });
    s.configure({ top_k: 2, cidrs: [{ cidr: '192.168.0.0/16', name: 'office' }] });
    const p = parseHealthFrame(
      frame([
        peerRow(7, '10.0.0.1', 5432, 5),
        peerRow(7, '192.168.1.1', 443, 3, 4),
        peerRow(7, '8.8.8.8', 53, 1, 2),
        peerRow(7, '9.9.9.9', 53, 1),
      ]),
    );
    s.add(p.peers, 0);
    const out = s.samples(7);
    const conns = Object.fromEntries(
      out
        .filter((x) => x.metric.name === 'kubeskoop.tcp.peer.connection.count')
        .map((x) => [
          `${String(x.attributes['kubeskoop.peer.kind'])}:${String(x.attributes['kubeskoop.peer.name'])}`,
          x.value,
        ]),
    );
    assert.deepEqual(conns, { 'pod:db-0': 5, 'cidr:office': 3, 'other:other': 2 });
    const retrans = Object.fromEntries(
      out
        .filter((x) => x.metric.name === 'kubeskoop.tcp.peer.segments.retransmitted')
        .map((x) => [String(x.attributes['kubeskoop.peer.name']), x.value]),
    );
    assert.deepEqual(retrans, { 'db-0': 0, office: 4, other: 2 });
    assert.equal(out.find((x) => x.metric.name === 'kubeskoop.tcp.peer.folded')!.value, 2);
    // busy time split: none = busy − rwnd − sndbuf
    const busy = out
      .filter((x) => x.metric.name === 'kubeskoop.tcp.peer.busy.time' && x.attributes['kubeskoop.peer.name'] === 'db-0')
      .map((x) => [x.attributes['kubeskoop.tcp.send.limit'], x.value]);
    assert.deepEqual(busy, [
      ['none', 2.5],
      ['receive_window', 1],
      ['send_buffer', 0.5],
    ]);
    const min = out.find(
      (x) => x.metric.name === 'kubeskoop.tcp.rtt.min' && x.attributes['kubeskoop.peer.name'] === 'db-0',
    );
    assert.equal(min!.value, 0.014);
  });

  it('closed connections add to the live ones: true counters, by cause, held at their highest value', () => {
    const s = new HealthSeries();
    s.configure({});
    const value = (metric: string, extra: Record<string, string> = {}): number | undefined =>
      s
        .samples(7)
        .find(
          (x) =>
            x.metric.name === metric &&
            x.attributes['network.peer.address'] === '10.0.0.1' &&
            Object.entries(extra).every(([k, v]) => x.attributes[k] === v),
        )?.value as number | undefined;
    // cycle 1: two live sockets (100 segments each) and 5 closed connections (700 segments)
    let p = parseHealthFrame(
      frame([peerRow(7, '10.0.0.1', 80, 2)], [], [closedRow(7, '10.0.0.1', 80, 5, 700, [1, 2, 3, 4])]),
    );
    assert.deepEqual(p.problems, []);
    assert.deepEqual(p.closedStats, { entries: 1, created: 4, evicted: 3, failed: 0, missed: 0 });
    s.add([...p.peers, ...p.closed], 0);
    assert.equal(value('kubeskoop.tcp.peer.segments.sent'), 900);
    assert.equal(value('kubeskoop.tcp.peer.closes'), 5);
    assert.equal(value('kubeskoop.tcp.peer.io', { 'network.io.direction': 'transmit' }), 5000);
    assert.equal(value('kubeskoop.tcp.peer.retransmits', { 'kubeskoop.tcp.retransmit.cause': 'timeout' }), 1);
    assert.equal(value('kubeskoop.tcp.peer.retransmits', { 'kubeskoop.tcp.retransmit.cause': 'syn' }), 4);
    assert.equal(value('kubeskoop.tcp.rtt.variation'), 0.001);
    // cycle 2: a live socket closed after the accumulators were read: in neither → held at 900
    p = parseHealthFrame(frame([peerRow(7, '10.0.0.1', 80, 1)], [], [closedRow(7, '10.0.0.1', 80, 5, 700)]));
    s.add([...p.peers, ...p.closed], 1);
    assert.equal(value('kubeskoop.tcp.peer.segments.sent'), 900);
    // cycle 3: it is in the accumulator now (with 150 segments): 100 + 850
    p = parseHealthFrame(frame([peerRow(7, '10.0.0.1', 80, 1)], [], [closedRow(7, '10.0.0.1', 80, 6, 850)]));
    s.add([...p.peers, ...p.closed], 2);
    assert.equal(value('kubeskoop.tcp.peer.segments.sent'), 950);
    assert.equal(value('kubeskoop.tcp.peer.closes'), 6);
    // a peer with closed connections only still has its series
    p = parseHealthFrame(frame([], [], [closedRow(7, '10.0.0.1', 80, 6, 850)]));
    s.add([...p.peers, ...p.closed], 3);
    assert.equal(value('kubeskoop.tcp.peer.segments.sent'), 950);
    assert.equal(value('kubeskoop.tcp.peer.closes'), 6);
    assert.equal(value('kubeskoop.tcp.peer.segments.lost'), undefined, 'lost is a level of live connections');
    assert.deepEqual(parseHealthFrame(frame([], [], [[7, 4, 1, 'a']])).problems, ['tcphealth: malformed closed row']);
  });

  it('the RTT histogram is cumulative per series (one observation per connection per cycle) and expires after the TTL', () => {
    const s = new HealthSeries();
    s.configure({ ttl: 10 });
    const rows = parseHealthFrame(frame([peerRow(7, '10.0.0.1', 80, 2)])).peers;
    const hist = (): { count: number; sum: number } | undefined =>
      s.samples(7).find((x) => x.metric.name === 'kubeskoop.tcp.rtt')?.value as
        { count: number; sum: number } | undefined;
    s.add(rows, 0);
    assert.equal(hist()!.count, 2);
    s.add(rows, 1000);
    assert.equal(hist()!.count, 4);
    assert.ok(Math.abs(hist()!.sum - 0.06) < 1e-9);
    s.add([], 20_000); // not seen for the TTL: dropped
    s.add(rows, 21_000);
    assert.equal(hist()!.count, 2);
  });

  it('the node-wide cap folds new series into other', () => {
    const s = new HealthSeries();
    s.configure({ max_series: 2 });
    s.add(
      parseHealthFrame(
        frame([peerRow(7, '10.0.0.1', 80, 3), peerRow(7, '10.0.0.2', 80, 2), peerRow(8, '10.0.0.3', 80, 1)]),
      ).peers,
      0,
    );
    const names = (ns: number): string[] =>
      s
        .samples(ns)
        .filter((x) => x.metric.name === 'kubeskoop.tcp.peer.connection.count')
        .map((x) => String(x.attributes['kubeskoop.peer.name']));
    assert.deepEqual(names(7), ['10.0.0.1', '10.0.0.2']);
    assert.deepEqual(names(8), ['other']);
  });

  it('accept queue samples per listening port', () => {
    assert.deepEqual(
      listenerSamples([{ netnsInode: 7, family: 'ipv4', port: 80, sockets: 2, backlog: 5, maxBacklog: 8 }]).map((x) => [
        x.metric.name,
        x.attributes['server.port'],
        x.value,
      ]),
      [
        ['kubeskoop.tcp.accept_queue.count', 80, 5],
        ['kubeskoop.tcp.accept_queue.limit', 80, 8],
      ],
    );
  });

  it('tcpsummary and tcphealth share one walk per cycle, in peers mode once tcphealth is on', async () => {
    const calls: string[][] = [];
    const w = new SharedTcpWalk(async (args) => {
      calls.push([...args]);
      return { n: calls.length };
    });
    assert.deepEqual(await w.frame('tcpsummary'), { n: 1 });
    assert.deepEqual(await w.frame('tcpsummary'), { n: 2 }, 'alone: a walk per cycle');
    assert.equal(w.holding, false, 'alone: its frame is not kept');
    w.wantPeers();
    for (let cycle = 0; cycle < 3; cycle++) {
      const a = await w.frame('tcpsummary');
      if (cycle > 0) assert.equal(w.holding, true, 'kept for tcphealth');
      const b = await w.frame('tcphealth');
      assert.equal(a, b, 'the same frame');
      assert.equal(w.holding, false, 'let go once both have read it');
    }
    assert.deepEqual(calls, [[], [], ['peers'], ['peers'], ['peers']]);
  });
});

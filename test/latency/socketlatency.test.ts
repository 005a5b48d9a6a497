// socketlatency on the real kernel: a receiver that leaves data unread for 150 ms, and one that
// reads at once, each in its own test namespace over loopback.
import assert from 'node:assert/strict';

import { deleteNs, ensureHelperBuilt, makeSingle } from '../native/support.js';
import { run } from '../support/proc.js';
import { collect, countAbove, counter, histogram, startRunningSource, type Source } from './support.js';

// A server that reads each message only `delayMs` after it arrived (python: a plain recv after a
// sleep, no runtime buffering in between), one message at a time; prints its pid and ports.
const server = (delayMs: number, messages: number): string => `
import socket, time, json, os
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1); port = s.getsockname()[1]
c = socket.create_connection(('127.0.0.1', port)); a, peer = s.accept()
got = 0
for i in range(${messages}):
    c.sendall(b'm' * 100)
    time.sleep(${delayMs} / 1000)
    got += len(a.recv(4096)) > 0
print(json.dumps({'pid': os.getpid(), 'port': port, 'clientPort': peer[1], 'got': got}))
`;

async function pyIn(ns: string, src: string): Promise<Record<string, unknown>> {
  const r = await run('ip', ['netns', 'exec', ns, 'python3', '-c', src], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`python in ${ns}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

describe('socketlatency (tp_btf/sk_data_ready -> sock_recv_length; tcp_sendmsg_locked -> net_dev_queue)', function () {
  this.timeout(120_000);
  let s: Source | undefined;
  const spaces: string[] = [];

  before(async () => {
    await ensureHelperBuilt();
    s = await startRunningSource({ socketlatency: {} });
  });
  after(async () => {
    await s?.source.stop();
    await deleteNs(...spaces);
  });

  it('a reader that sleeps 150 ms: counted above 1 ms and 100 ms, SOCKETLAT_READSLOW with tuple and the reader pid', async () => {
    const ns = await makeSingle('sl-slow');
    spaces.push(ns.ns);
    const out = (await pyIn(ns.ns, server(150, 3))) as { pid: number; port: number; clientPort: number; got: number };
    assert.equal(out.got, 3);
    const samples = await collect('socketlatency', s!, { netnsInode: ns.inode, kind: 'netns' });
    assert.equal(counter(samples, 'kubeskoop.socket.read.slow', { 'kubeskoop.latency.threshold': 0.1 }), 3);
    assert.ok(counter(samples, 'kubeskoop.socket.read.slow', { 'kubeskoop.latency.threshold': 0.001 }) >= 3);
    const h = histogram(samples, 'kubeskoop.socket.read.delay.duration');
    assert.ok(h, 'read delay histogram');
    assert.equal(countAbove(h, 0.1), 3, `buckets ${h.bucketCounts.join(',')}`);
    assert.ok(h.sum >= 0.45 && h.sum < 0.6 + h.count * 0.01, `sum ${h.sum}`);
    assert.ok(h.count >= 3);
    const w = histogram(samples, 'kubeskoop.socket.write.delay.duration');
    assert.ok(w && w.count >= 3, 'each write reached the device');
    const ev = s!.events.filter((e) => e.inode === ns.inode && e.record.type === 'SOCKETLAT_READSLOW');
    assert.equal(ev.length, 3, JSON.stringify(ev.map((e) => e.record.body)));
    for (const e of ev) {
      const a = e.record.attributes;
      assert.equal(e.record.eventName, 'kubeskoop.socket.latency');
      assert.equal(a['process.pid'], out.pid);
      assert.equal(a['source.address'], '127.0.0.1');
      assert.equal(a['source.port'], out.port);
      assert.equal(a['destination.port'], out.clientPort);
      assert.equal(a['network.transport'], 'tcp');
      assert.ok((a['kubeskoop.latency.duration'] as number) >= 0.15 && (a['kubeskoop.latency.duration'] as number) < 1);
      assert.equal(a['kubeskoop.latency.threshold'], 0.1);
    }
  });

  it('a reader that reads at once adds only to the low buckets', async () => {
    const ns = await makeSingle('sl-fast');
    spaces.push(ns.ns);
    const out = (await pyIn(ns.ns, server(0, 20))) as { got: number };
    assert.equal(out.got, 20);
    const samples = await collect('socketlatency', s!, { netnsInode: ns.inode, kind: 'netns' });
    const h = histogram(samples, 'kubeskoop.socket.read.delay.duration');
    assert.ok(h && h.count >= 20, `count ${h?.count}`);
    assert.equal(countAbove(h, 0.01), 0, `buckets ${h.bucketCounts.join(',')}`);
    assert.equal(counter(samples, 'kubeskoop.socket.read.slow', { 'kubeskoop.latency.threshold': 0.1 }), 0);
    assert.equal(s!.events.filter((e) => e.inode === ns.inode).length, 0);
  });
});

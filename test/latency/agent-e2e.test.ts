// The latency probes through the whole agent (real CLI, real helper, real OTLP receiver): a
// receiver in a test namespace that reads 150 ms late must come out as SOCKETLAT_READSLOW log
// records with the namespace's identity, as an OTel histogram in seconds and as the threshold
// counters; /status names the probes with KubeSkoop's keys.
import assert from 'node:assert/strict';

import { requireBpf } from '../support/agent.js';
import { startOtlpE2e, stopOtlpE2e, type OtlpE2e } from '../support/otlp-e2e.js';
import { runOk } from '../support/proc.js';

const slowReader = `
import socket, time
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)
c = socket.create_connection(s.getsockname()); a, _ = s.accept()
for i in range(3):
    c.sendall(b'x' * 100); time.sleep(0.15); a.recv(4096)
`;

describe('latency probes end to end: eBPF → agent → OTLP histograms, counters and logs', function () {
  this.timeout(120_000);
  let e2e: OtlpE2e | undefined;

  before(async function () {
    requireBpf(this);
    e2e = await startOtlpE2e({
      label: 'latency',
      probes: `metrics:
  probes: [netdev]
events:
  probes:
    - name: socketlatency
    - name: net_softirq
      options: { softirq-types: [net_rx, net_tx] }
`,
      running: ['socketlatency', 'net_softirq'],
    });
  });

  after(async () => {
    await stopOtlpE2e(e2e);
  });

  it('a reader 150 ms late: SOCKETLAT_READSLOW records, read delay histogram, 1 ms and 100 ms counters of that namespace', async () => {
    const { ns, receiver } = e2e!;
    await runOk('ip', ['netns', 'exec', ns.name, 'python3', '-c', slowReader], { timeoutMs: 20_000 });
    const logs = await receiver.waitForLog(
      'kubeskoop.socket.latency',
      (l) =>
        l.resource['kubeskoop.netns.inode'] === ns.inode &&
        l.attributes['kubeskoop.event.type'] === 'SOCKETLAT_READSLOW',
      15_000,
    );
    const l = logs[0]!;
    assert.equal(l.resource['kubeskoop.netns.name'], ns.name);
    assert.equal(l.attributes['source.address'], '127.0.0.1');
    assert.equal(l.severityText, 'WARN');
    // the reader sleeps 150 ms: at least that, however late a loaded machine wakes it
    const delayed = /Socket read delayed (\d+(?:\.\d+)?) ms/.exec(String(l.body));
    assert.ok(delayed && Number(delayed[1]) >= 150, String(l.body));
    await receiver.waitFor(
      (r) =>
        r
          .latestMetrics()
          .some(
            (p) =>
              p.name === 'kubeskoop.socket.read.slow' &&
              p.resource['kubeskoop.netns.inode'] === ns.inode &&
              p.attributes['kubeskoop.latency.threshold'] === 0.1 &&
              p.value === 3,
          ),
      15_000,
      'three reads above 100 ms counted',
    );
    const h = receiver
      .latestMetrics()
      .find(
        (p) => p.name === 'kubeskoop.socket.read.delay.duration' && p.resource['kubeskoop.netns.inode'] === ns.inode,
      );
    assert.ok(h?.histogram, 'read delay histogram exported');
    assert.equal(h.unit, 's');
    assert.equal(h.histogram.bounds.length, 22);
    assert.equal(h.histogram.bounds[15], 0.1);
    assert.ok(h.histogram.count >= 3);
    const above = h.histogram.counts.slice(16).reduce((a, b) => a + b, 0);
    assert.equal(above, 3);
    const fast = receiver
      .latestMetrics()
      .find(
        (p) =>
          p.name === 'kubeskoop.socket.read.slow' &&
          p.resource['kubeskoop.netns.inode'] === ns.inode &&
          p.attributes['kubeskoop.latency.threshold'] === 0.001,
      );
    assert.ok(fast && (fast.value ?? 0) >= 3);
  });

  it('net_softirq: node-wide histograms per softirq type, threshold counters per CPU', async () => {
    const { receiver } = e2e!;
    await receiver.waitFor(
      (r) =>
        r
          .latestMetrics()
          .some(
            (p) =>
              p.name === 'kubeskoop.softirq.duration' &&
              p.attributes['kubeskoop.softirq.type'] === 'NET_RX' &&
              (p.histogram?.count ?? 0) > 0,
          ),
      15_000,
      'softirq histogram',
    );
    assert.ok(
      receiver
        .latestMetrics()
        .some((p) => p.name === 'kubeskoop.softirq.slow' && typeof p.attributes['cpu.logical_number'] === 'number'),
    );
  });

  it('/status: running under KubeSkoop keys', async () => {
    const { agent } = e2e!;
    const s = JSON.parse((await agent.get('/status')).text) as Record<string, unknown>;
    assert.equal(s.insp_socketlatency, true);
    assert.equal(s.insp_netsoftirq, true);
  });
});

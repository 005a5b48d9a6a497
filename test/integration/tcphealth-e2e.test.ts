// The tcphealth probe through the whole agent (real CLI, real helper walk, real OTLP receiver): a
// namespace whose process holds 4 loopback connections to one port and 3 unaccepted ones to a
// listener with backlog 2 must come out as that namespace's per-peer connection counts, RTT
// histogram and accept queue.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';

import { requireBpf } from '../support/agent.js';
import { startOtlpE2e, stopOtlpE2e, type OtlpE2e } from '../support/otlp-e2e.js';
import { killPid, waitPidGone } from '../support/proc.js';

const traffic = `
import socket, time
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(16)
port = srv.getsockname()[1]
full = socket.socket(); full.bind(('127.0.0.1', 0)); full.listen(2)
fport = full.getsockname()[1]
held = []
for i in range(4):
    c = socket.create_connection(('127.0.0.1', port)); held.append(c); held.append(srv.accept()[0])
    c.sendall(b'x' * 1000)
for i in range(3):
    held.append(socket.create_connection(('127.0.0.1', fport)))
print(port, fport, flush=True)
time.sleep(90)
`;

describe('tcphealth end to end: walk → agent → OTLP per-peer health and accept queues', function () {
  this.timeout(120_000);
  let e2e: OtlpE2e | undefined;
  let py: ChildProcess | undefined;

  before(async function () {
    requireBpf(this);
    e2e = await startOtlpE2e({
      label: 'h18bhealth',
      probes: `metrics:
  probes:
    - name: tcphealth
      options: {top_k: 5}
`,
      running: ['tcphealth'],
    });
  });

  after(async () => {
    if (py?.pid && py.exitCode === null) {
      killPid(py.pid, 'SIGKILL');
      await waitPidGone(py.pid, 3000);
    }
    await stopOtlpE2e(e2e);
  });

  it('4 connections to one port: connection count, RTT histogram; a listener with backlog 2 and 3 unaccepted: queue 3 of 2', async () => {
    const { ns, receiver } = e2e!;
    // ip netns exec execs python: its pid is the holder's, killed by pid in after()
    py = spawn('ip', ['netns', 'exec', ns.name, 'python3', '-c', traffic], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const [port, fport] = await new Promise<number[]>((resolve, reject) => {
      let out = '';
      py!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.trim().split(/\s+/).map(Number));
      });
      py!.once('exit', (code) => reject(new Error(`traffic exited ${code}`)));
    });
    const mine = (p: { resource: Record<string, unknown> }): boolean =>
      p.resource['kubeskoop.netns.inode'] === ns.inode;
    await receiver.waitForLatest(
      (p) =>
        p.name === 'kubeskoop.tcp.peer.connection.count' &&
        mine(p) &&
        p.attributes['server.port'] === port &&
        p.attributes['kubeskoop.tcp.open.role'] === 'active' &&
        p.attributes['network.connection.state'] === 'established' &&
        p.value === 4,
      30_000,
      `four established connections to ${port}`,
      (p) => p.name.startsWith('kubeskoop.tcp.') && mine(p),
    );
    const latest = receiver.latestMetrics().filter(mine);
    const conn = latest.find(
      (p) =>
        p.name === 'kubeskoop.tcp.peer.connection.count' &&
        p.attributes['server.port'] === port &&
        p.attributes['kubeskoop.tcp.open.role'] === 'active',
    )!;
    assert.equal(conn.attributes['kubeskoop.peer.kind'], 'ip');
    assert.equal(conn.attributes['kubeskoop.peer.name'], '127.0.0.1');
    const rtt = latest.find(
      (p) =>
        p.name === 'kubeskoop.tcp.rtt' &&
        p.attributes['server.port'] === port &&
        p.attributes['kubeskoop.tcp.open.role'] === 'active',
    );
    assert.ok(rtt?.histogram && rtt.histogram.count >= 4 && rtt.histogram.count % 4 === 0, JSON.stringify(rtt));
    // the server side: the same connections as passive ones of its port
    assert.ok(
      latest.some(
        (p) =>
          p.name === 'kubeskoop.tcp.peer.connection.count' &&
          p.attributes['server.port'] === port &&
          p.attributes['kubeskoop.tcp.open.role'] === 'passive' &&
          p.value === 4,
      ),
    );
    await receiver.waitForLatest(
      (p) =>
        p.name === 'kubeskoop.tcp.accept_queue.count' &&
        mine(p) &&
        p.attributes['server.port'] === fport &&
        p.value === 3,
      30_000,
      `the accept queue of the backlog-2 listener on ${fport} holding 3`,
      (p) => p.name.startsWith('kubeskoop.tcp.accept_queue') && mine(p),
    );
    const limit = receiver
      .latestMetrics()
      .find((p) => p.name === 'kubeskoop.tcp.accept_queue.limit' && mine(p) && p.attributes['server.port'] === fport);
    assert.equal(limit?.value, 2);
  });
});

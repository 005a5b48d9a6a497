// The connections probe through the whole agent (real CLI, real helper, real OTLP receiver): a
// namespace whose process connects to a listening port and to a closed one must come out as the
// handshake histogram and the failure counter of that namespace, per destination, and as
// kubeskoop.tcp.connect.failure log records.
import assert from 'node:assert/strict';

import { requireBpf } from '../support/agent.js';
import { bpfIds, helperPid } from '../faults/support.js';
import { startOtlpE2e, stopOtlpE2e, type OtlpE2e } from '../support/otlp-e2e.js';
import { runOk, sleep } from '../support/proc.js';

const traffic = `
import socket
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(16)
port = srv.getsockname()[1]
held = []
for i in range(4):
    c = socket.create_connection(('127.0.0.1', port)); held.append(c); held.append(srv.accept()[0])
closed = socket.socket(); closed.bind(('127.0.0.1', 0)); cport = closed.getsockname()[1]; closed.close()
refused = 0
for i in range(3):
    try:
        socket.create_connection(('127.0.0.1', cport))
    except ConnectionRefusedError:
        refused += 1
print(port, cport, refused)
`;

describe('connections end to end: eBPF → agent → OTLP metrics per destination and failure logs', function () {
  this.timeout(120_000);
  let e2e: OtlpE2e | undefined;

  before(async function () {
    requireBpf(this);
    e2e = await startOtlpE2e({
      label: 'h18conn',
      probes: `metrics:
  probes: [netdev]
events:
  probes:
    - name: connections
`,
      running: ['connections'],
    });
  });

  after(async () => {
    await stopOtlpE2e(e2e);
  });

  it('4 connects and 3 refused ones in a namespace: histogram count 4, failures{refused} 3 for that port, 3 log records', async () => {
    const { ns, receiver } = e2e!;
    const out = await runOk('ip', ['netns', 'exec', ns.name, 'python3', '-c', traffic], { timeoutMs: 20_000 });
    const [port, cport, refused] = out.stdout.trim().split(/\s+/).map(Number) as [number, number, number];
    assert.equal(refused, 3);
    const mine = (p: { resource: Record<string, unknown> }): boolean =>
      p.resource['kubeskoop.netns.inode'] === ns.inode;
    const f = await receiver.waitForLatest(
      (p) =>
        p.name === 'kubeskoop.tcp.connect.failures' &&
        mine(p) &&
        p.attributes['error.type'] === 'refused' &&
        p.attributes['server.port'] === cport &&
        p.value === 3,
      20_000,
      `three refused connects to ${cport} counted`,
      (p) => p.name.startsWith('kubeskoop.tcp.') && mine(p),
    );
    assert.equal(f.attributes['network.peer.address'], '127.0.0.1');
    // named by the peer layer as flow names it: no pod, Service or bucket has this address
    assert.equal(f.attributes['kubeskoop.peer.kind'], 'ip');
    assert.equal(f.attributes['kubeskoop.peer.name'], '127.0.0.1');
    assert.equal(f.attributes['network.type'], 'ipv4');
    await receiver.waitForLatest(
      (p) =>
        p.name === 'kubeskoop.tcp.handshake.duration' &&
        mine(p) &&
        p.attributes['kubeskoop.tcp.open.role'] === 'active' &&
        p.attributes['server.port'] === port &&
        p.histogram?.count === 4,
      20_000,
      'four client handshakes',
    );
    const h = receiver
      .latestMetrics()
      .find(
        (p) =>
          p.name === 'kubeskoop.tcp.handshake.duration' &&
          mine(p) &&
          p.attributes['kubeskoop.tcp.open.role'] === 'passive' &&
          p.attributes['server.port'] === port,
      );
    assert.equal(h?.histogram?.count, 4, 'four server-side handshakes on the listening port');
    assert.equal(h?.unit, 's');
    const logs = await receiver.waitForLog(
      'kubeskoop.tcp.connect.failure',
      (l) => l.resource['kubeskoop.netns.inode'] === ns.inode,
      15_000,
    );
    await receiver.waitFor(
      () =>
        receiver
          .logs()
          .filter(
            (l) => l.eventName === 'kubeskoop.tcp.connect.failure' && l.resource['kubeskoop.netns.inode'] === ns.inode,
          ).length === 3,
      15_000,
      'three failure records',
    );
    const l = logs[0]!;
    assert.equal(l.attributes['error.type'], 'refused');
    assert.equal(l.attributes['destination.port'], cport);
    assert.equal(l.severityText, 'WARN');
    assert.match(String(l.body), new RegExp(`TCP connect to 127\\.0\\.0\\.1:${cport} failed: refused`));
  });

  it("the probe's eBPF programs' skipped runs, each as the kernel counts it (bpftool's recursion_misses of the helper's programs)", async () => {
    const { agent, receiver } = e2e!;
    const helper = await helperPid(agent.pid);
    assert.ok(helper, 'the native helper runs');
    // the kernel's side: the helper's programs (ids from its fdinfo), with bpftool's name (the full
    // one, from the program's BTF) and recursion_misses (left out of its JSON when 0)
    const ids = (await bpfIds(helper)).progs;
    const kernel = async (): Promise<Map<string, number>> => {
      const all = JSON.parse((await runOk('bpftool', ['prog', 'show', '-j'], { timeoutMs: 20_000 })).stdout) as {
        id: number;
        name?: string;
        recursion_misses?: number;
      }[];
      // the task walk's iter program (ks_tasks) is the agent's discovery's, not the probe's
      return new Map(
        all.filter((g) => ids.has(g.id) && g.name !== 'ks_tasks').map((g) => [g.name ?? '', g.recursion_misses ?? 0]),
      );
    };
    const exported = (): Map<string, number> | undefined => {
      const ps = receiver
        .latestMetrics()
        .filter(
          (p) =>
            p.name === 'kubeskoop.agent.bpf.skipped_runs' && p.attributes['kubeskoop.probe.name'] === 'connections',
        );
      return ps.length > 0
        ? new Map(ps.map((p) => [String(p.attributes['kubeskoop.bpf.program.name']), Number(p.value)]))
        : undefined;
    };
    await receiver.waitFor(exported, 15_000, 'kubeskoop.agent.bpf.skipped_runs of the connections programs');
    // the kernel read between two exports that agree (a run skipped meanwhile would move one side)
    let k: Map<string, number>;
    let e: Map<string, number>;
    let tries = 0;
    for (;;) {
      const before = JSON.stringify([...exported()!]);
      k = await kernel();
      await sleep(1500); // the next export (every 1 s)
      e = exported()!;
      if (JSON.stringify([...e]) === before || ++tries === 5) break;
    }
    assert.ok(k.size >= 4, `the helper's programs: ${JSON.stringify([...k])}`);
    assert.deepEqual(new Map([...e].sort()), new Map([...k].sort()));
    assert.ok(e.has('ks_conn_set_state'), JSON.stringify([...e]));
  });
});

// Kernel events through the whole agent: a refused connect inside a test namespace must come out
// of the real CLI as exactly one TCPRESET_NOSOCK log record (and one TCPRESET_RECEIVE) with the
// right tuple, under the namespace's own OTLP Resource (its identity there, not on the record), at a
// real OTLP receiver; the exact in-kernel counts must come out as metrics under the same Resource;
// KubeSkoop's file sink must get the same event as a JSON line.
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tcpConnect } from '../support/netns.js';
import { type LogRecordFlat } from '../support/otlp-receiver.js';
import { requireBpf } from '../support/agent.js';
import { startOtlpE2e, stopOtlpE2e, type OtlpE2e } from '../support/otlp-e2e.js';
import { waitUntil } from '../support/proc.js';

describe('kernel events end to end: eBPF → agent → OTLP logs, metrics and KubeSkoop sinks', function () {
  this.timeout(120_000);
  let e2e: OtlpE2e | undefined;
  const closedPort = 9;

  before(async function () {
    requireBpf(this);
    e2e = await startOtlpE2e({
      label: 'events',
      probes: (dir) => `metrics:
  probes: [netdev]
events:
  probes: [tcpreset, packetloss]
  sinks:
    - name: file
      path: ${join(dir, 'events.jsonl')}
`,
      running: ['tcpreset'],
    });
  });

  after(async () => {
    await stopOtlpE2e(e2e);
  });

  const resetsIn = (inode: number, type: string): LogRecordFlat[] =>
    e2e!.receiver
      .logs()
      .filter(
        (l) =>
          l.eventName === 'kubeskoop.tcp.reset' &&
          l.resource['kubeskoop.netns.inode'] === inode &&
          l.attributes['kubeskoop.event.type'] === type,
      );

  it('a connect to a closed port gives exactly one TCPRESET_NOSOCK with the tuple and the namespace', async () => {
    const { ns, receiver } = e2e!;
    assert.equal(await tcpConnect(ns, '127.0.0.1', closedPort), 'refused');
    const [nosock] = await receiver.waitForLog(
      'kubeskoop.tcp.reset',
      (l) =>
        l.resource['kubeskoop.netns.inode'] === ns.inode && l.attributes['kubeskoop.event.type'] === 'TCPRESET_NOSOCK',
      15_000,
    );
    // The reset is sent by the closed port's side to the client's ephemeral port.
    assert.equal(nosock.attributes['source.address'], '127.0.0.1');
    assert.equal(nosock.attributes['source.port'], closedPort);
    assert.equal(nosock.attributes['destination.address'], '127.0.0.1');
    assert.ok(Number(nosock.attributes['destination.port']) > 1024);
    assert.equal(nosock.attributes['kubeskoop.tcp.reset.reason'], 'NO_SOCKET');
    assert.equal(nosock.attributes['network.type'], 'ipv4');
    assert.equal(nosock.attributes['network.transport'], 'tcp');
    // The namespace is the record's Resource (one per target, as for its metrics), not an attribute.
    assert.equal(nosock.resource['kubeskoop.netns.name'], ns.name);
    assert.equal(nosock.resource['kubeskoop.target.kind'], 'netns');
    for (const k of ['kubeskoop.netns.inode', 'kubeskoop.netns.name', 'kubeskoop.target.kind'])
      assert.equal(nosock.attributes[k], undefined, k);
    assert.equal(nosock.resource['service.instance.id'], undefined, "the target's resource, not the agent's");
    assert.equal(nosock.severityText, 'WARN');
    assert.match(String(nosock.body), /no socket/);
    const t = BigInt(nosock.timeUnixNano);
    const now = BigInt(Date.now()) * 1_000_000n;
    assert.ok(
      now - t < 60_000_000_000n && t <= now + 1_000_000_000n,
      'timestamp is the kernel event time, in wall-clock',
    );
    const received = await receiver.waitForLog(
      'kubeskoop.tcp.reset',
      (l) =>
        l.resource['kubeskoop.netns.inode'] === ns.inode && l.attributes['kubeskoop.event.type'] === 'TCPRESET_RECEIVE',
      15_000,
    );
    assert.equal(received[0].attributes['network.connection.state'], 'syn_sent');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(resetsIn(ns.inode, 'TCPRESET_NOSOCK').length, 1);
    assert.equal(resetsIn(ns.inode, 'TCPRESET_RECEIVE').length, 1);
  });

  it('IPv6 too', async () => {
    const { ns, receiver } = e2e!;
    assert.equal(await tcpConnect(ns, '::1', closedPort), 'refused');
    const [v6] = await receiver.waitForLog(
      'kubeskoop.tcp.reset',
      (l) =>
        l.resource['kubeskoop.netns.inode'] === ns.inode &&
        l.attributes['kubeskoop.event.type'] === 'TCPRESET_NOSOCK' &&
        l.attributes['network.type'] === 'ipv6',
      15_000,
    );
    assert.equal(v6.attributes['source.address'], '::1');
    assert.equal(v6.attributes['source.port'], closedPort);
  });

  it('the exact in-kernel counts are metrics of that namespace', async () => {
    const { ns, receiver, agent } = e2e!;
    const mine = (): string =>
      JSON.stringify(
        receiver
          .latestMetrics()
          .filter((p) => p.resource['kubeskoop.netns.inode'] === ns.inode && p.name.startsWith('kubeskoop.'))
          .map((p) => [p.name, p.attributes, p.value]),
      );
    try {
      await receiver.waitFor(
        (r) =>
          r
            .latestMetrics()
            .some(
              (p) =>
                p.name === 'kubeskoop.tcp.reset.segments' &&
                p.resource['kubeskoop.netns.inode'] === ns.inode &&
                p.attributes['kubeskoop.event.type'] === 'TCPRESET_NOSOCK' &&
                p.value === 2,
            ),
        15_000,
        'two NOSOCK resets counted',
      );
      await receiver.waitFor(
        (r) =>
          r
            .latestMetrics()
            .some(
              (p) =>
                p.name === 'kubeskoop.packet.drops' &&
                p.resource['kubeskoop.netns.inode'] === ns.inode &&
                p.attributes['kubeskoop.drop.reason'] === 'NO_SOCKET' &&
                p.value >= 2,
            ),
        15_000,
        'the SYNs to the closed port counted as NO_SOCKET drops',
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}; this namespace's kubeskoop.* points: ${mine()}`, { cause: err });
    }
    const metrics = (await agent.get('/metrics')).text;
    assert.match(
      metrics,
      new RegExp(
        `kubeskoop_tcp_reset_segments_total\\{[^}]*kubeskoop_event_type="TCPRESET_RECEIVE"[^}]*kubeskoop_netns_inode="${ns.inode}"[^}]*\\} 2`,
      ),
    );
  });

  it('KubeSkoop’s file sink gets the same events as KubeSkoop’s JSON lines', async () => {
    const { ns, dir } = e2e!;
    const file = join(dir, 'events.jsonl');
    type Line = { timestamp: number; type: string; labels: { name: string; value: string }[] | null; msg: string };
    const lines = await waitUntil(
      () => {
        if (!existsSync(file)) return false;
        const all = readFileSync(file, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Line);
        // A namespace that is no pod: KubeSkoop's pod label is its name (as on the legacy series).
        const mine = all.filter(
          (e) => e.labels?.some((l) => l.name === 'pod' && l.value === ns.name) && e.type === 'TCPRESET_NOSOCK',
        );
        return mine.length >= 2 ? mine : false;
      },
      10_000,
      'file sink lines',
    );
    assert.ok(lines[0].timestamp > 1.7e18);
    assert.deepEqual(
      lines[0].labels!.map((l) => l.name),
      ['pod', 'namespace', 'node'],
    );
    assert.match(lines[0].msg, /^protocol=TCP saddr=\S+ sport=\d+ daddr=\S+ dport=9 {2}state:TCP_OTHER $/);
  });

  it('/status shows the event probes running', async () => {
    const { agent } = e2e!;
    const s = JSON.parse((await agent.get('/status')).text) as Record<string, unknown>;
    assert.equal(s.insp_tcpreset, true);
    assert.equal(s.insp_packetloss, true);
    const inuse = s.inuse_probes as { event: { name: string; state: string }[] };
    assert.deepEqual(inuse.event.map((e) => e.name).sort(), ['packetloss', 'tcpreset']);
  });
});

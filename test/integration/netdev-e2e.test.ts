// End to end on real namespaces: three "pods" joined by veths exchange a bounded amount of
// traffic; the agent (the real CLI) must report each namespace's bytes and packets exactly as
// /proc/<pid>/net/dev says, both to a real Prometheus scraping /metrics and to a real OTLP gRPC
// receiver. Then one namespace is deleted: its series disappear and nothing is logged as an error.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupAll, createNetns, createVethPair, sendUdp, tcpTransfer, type Netns } from '../support/netns.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { startPrometheus, type Prometheus } from '../support/prometheus.js';
import { startAgentProcess, type AgentProcess } from '../support/agent.js';
import { waitUntil } from '../support/proc.js';
import { parseNetDev } from '../../receiver/probes/parsers/net-dev.js';

interface Expected {
  iface: string;
  direction: 'receive' | 'transmit';
  bytes: number;
  packets: number;
}

function procNetDev(ns: Netns): Expected[] {
  const { interfaces, problems } = parseNetDev(readFileSync(`/proc/${ns.pid}/net/dev`, 'latin1'));
  assert.deepEqual(problems, []);
  return interfaces.flatMap((i) => [
    { iface: i.interfaceName, direction: 'receive' as const, bytes: i.receive.bytes, packets: i.receive.packets },
    { iface: i.interfaceName, direction: 'transmit' as const, bytes: i.transmit.bytes, packets: i.transmit.packets },
  ]);
}

describe('netdev end to end: real namespaces → agent → Prometheus and OTLP', function () {
  this.timeout(120_000);
  const namespaces: Netns[] = [];
  let receiver: OtlpReceiver | undefined;
  let prom: Prometheus | undefined;
  let agent: AgentProcess | undefined;
  let dir: string | undefined;

  before(async () => {
    for (const label of ['pod-a', 'pod-b', 'pod-c']) {
      const ns = await createNetns({ label });
      // No IPv6 on the test links: autoconfiguration would send packets on its own schedule.
      await ns.execOk('sysctl', [
        '-q',
        '-w',
        'net.ipv6.conf.all.disable_ipv6=1',
        'net.ipv6.conf.default.disable_ipv6=1',
      ]);
      namespaces.push(ns);
    }
    const [a, b, c] = namespaces;
    const ab = await createVethPair(a, b);
    const bc = await createVethPair(b, c);
    const udp = await sendUdp(a, b, ab.addrB, { count: 300, size: 700, timeoutMs: 10_000 });
    assert.equal(udp.sent, 300);
    const tcp = await tcpTransfer(b, c, bc.addrB, { bytes: 2_000_000, timeoutMs: 15_000 });
    assert.equal(tcp.receivedBytes, 2_000_000);
    await sendUdp(c, b, bc.addrA, { count: 50, size: 100, timeoutMs: 10_000 });

    receiver = await startOtlpReceiver({ http: false });
    dir = mkdtempSync(join(tmpdir(), 'ksotel-netdev-'));
    writeFileSync(join(dir, 'config.yaml'), 'metrics:\n  probes: [netdev]\n');
    agent = await startAgentProcess({
      args: [
        '-c',
        join(dir, 'config.yaml'),
        '--interval',
        '1s',
        '--otlp-endpoint',
        receiver.grpcEndpoint,
        '--otlp-protocol',
        'grpc',
      ],
      env: { OTEL_METRIC_EXPORT_INTERVAL: '1000' },
    });
    prom = await startPrometheus({ targets: [`127.0.0.1:${agent.port}`], scrapeIntervalSeconds: 2 });
    await prom.waitForTargetsUp(30_000);
  });

  after(async () => {
    await agent?.stop();
    await prom?.stop();
    await receiver?.close();
    await cleanupAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('Prometheus has every namespace’s bytes and packets, equal to /proc/<pid>/net/dev', async () => {
    for (const ns of namespaces) {
      const expected = procNetDev(ns).filter((e) => e.iface !== 'lo' || e.packets > 0);
      assert.ok(
        expected.some((e) => e.iface !== 'lo' && e.bytes > 0),
        'the test traffic moved bytes',
      );
      for (const e of expected) {
        const sel = `kubeskoop_netns_inode="${ns.inode}",network_io_direction="${e.direction}"`;
        await prom!.waitForQuery(
          `kubeskoop_network_io_bytes_total{${sel},network_interface_name="${e.iface}"}`,
          (r) => r.length === 1 && Number(r[0].value[1]) === e.bytes,
          15_000,
        );
        await prom!.waitForQuery(
          `kubeskoop_network_packet_count_total{${sel},network_interface_name="${e.iface}"}`,
          (r) => r.length === 1 && Number(r[0].value[1]) === e.packets,
          15_000,
        );
      }
      const named = await prom!.query(`kubeskoop_network_io_bytes_total{kubeskoop_netns_inode="${ns.inode}"}`);
      assert.ok(
        named.length > 0 &&
          named.every((s) => s.metric.kubeskoop_netns_name === ns.name && s.metric.kubeskoop_target_kind === 'netns'),
      );
      // The host's names are the host's only.
      assert.deepEqual(await prom!.query(`{__name__=~"system_network_.*",kubeskoop_netns_inode="${ns.inode}"}`), []);
    }
  });

  it('the OTLP receiver got the same values over gRPC', async () => {
    const expected = namespaces.flatMap((ns) => procNetDev(ns).map((e) => ({ ns, ...e })));
    const missing = (latest: ReturnType<OtlpReceiver['latestMetrics']>): string[] =>
      expected.flatMap((e) => {
        const at = (name: string, value: number): boolean =>
          latest.some(
            (p) =>
              p.name === name &&
              p.resource['kubeskoop.netns.inode'] === e.ns.inode &&
              p.attributes['network.interface.name'] === e.iface &&
              p.attributes['network.io.direction'] === e.direction &&
              p.value === value,
          );
        const out: string[] = [];
        if (!at('kubeskoop.network.io', e.bytes)) out.push(`${e.ns.name} ${e.iface} ${e.direction} bytes=${e.bytes}`);
        if (!at('kubeskoop.network.packet.count', e.packets))
          out.push(`${e.ns.name} ${e.iface} ${e.direction} packets=${e.packets}`);
        return out;
      });
    // One check over the newest point of every series: the counters are quiet by now.
    await receiver!.waitFor(
      (r) => missing(r.latestMetrics()).length === 0,
      30_000,
      'every namespace’s bytes and packets over OTLP',
    );
    const point = receiver!
      .latestMetrics()
      .find((p) => p.name === 'kubeskoop.network.io' && p.resource['kubeskoop.netns.inode'] === namespaces[0]!.inode)!;
    assert.equal(point.kind, 'sum');
    assert.equal(point.monotonic, true);
    assert.equal(point.unit, 'By');
    // A plain namespace's own Resource: its identity, none of it on the data points.
    assert.equal(point.resource['kubeskoop.netns.name'], namespaces[0]!.name);
    assert.equal(point.resource['kubeskoop.target.kind'], 'netns');
    assert.equal(point.attributes['kubeskoop.netns.inode'], undefined);
    // The host's under the node's resource; the agent's own under the agent's.
    const host = receiver!.latestMetrics().find((p) => p.name === 'system.network.io')!;
    assert.equal(host.resource['kubeskoop.target.kind'], 'host');
    assert.equal(typeof host.resource['host.name'], 'string');
    const own = receiver!.latestMetrics().find((p) => p.name === 'kubeskoop.agent.target.count')!;
    assert.equal(own.resource['service.name'], 'kubeskoop-otel');
    assert.equal(typeof own.resource['service.instance.id'], 'string');
  });

  it('a namespace deleted mid-run disappears from /metrics, Prometheus and OTLP, without an error logged', async () => {
    const gone = namespaces.pop()!;
    await gone.dispose();
    const marker = `kubeskoop_netns_inode="${gone.inode}"`;
    await waitUntil(
      async () => !(await agent!.get('/metrics')).text.includes(marker),
      30_000,
      'series of the deleted namespace to leave /metrics',
    );
    // Prometheus marks the series stale at the first scrape without them.
    await waitUntil(
      async () => (await prom!.query(`kubeskoop_network_io_bytes_total{${marker}}`)).length === 0,
      30_000,
      'Prometheus to drop the series',
    );
    // Two exports after the series left the snapshot (an export already under way may still carry it).
    for (const what of ['an export', 'a fresh export']) {
      receiver!.clear();
      await receiver!.waitFor((r) => r.metrics().some((p) => p.name === 'kubeskoop.network.io'), 30_000, what);
    }
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(!receiver!.metrics().some((p) => p.resource['kubeskoop.netns.inode'] === gone.inode));
    // the others are still there
    // (a scrape that times out on a loaded machine makes every series stale until the next one)
    for (const ns of namespaces)
      await prom!.waitForQuery(
        `kubeskoop_network_io_bytes_total{kubeskoop_netns_inode="${ns.inode}"}`,
        (r) => r.length > 0,
        30_000,
      );
    const bad = agent!.logs().filter((l) => l.level === 'error' || l.level === 'raw');
    assert.deepEqual(bad, []);
  });

  it('/status and /healthz answer', async () => {
    const health = await agent!.get('/healthz');
    assert.equal(health.status, 200);
    assert.match(health.text, /^ok: cycle \d+/);
    const status = JSON.parse((await agent!.get('/status')).text) as Record<string, unknown>;
    assert.equal(status.procnetdev, true);
    const probes = status.probes as Record<
      string,
      { state: string; kind: string; statusKey: string; errors: Record<string, number> }
    >;
    assert.equal(probes.netdev.state, 'running');
    assert.equal(probes.netdev.kind, 'metric');
    assert.equal(probes.netdev.errors.internal, 0);
    const inuse = status.inuse_probes as { metrics: { name: string; state: string }[] };
    assert.ok(inuse.metrics.some((m) => m.name === 'netdev' && m.state === 'running'));
    const last = status.lastCycle as { cycle: number; targets: { total: number } };
    assert.ok(last.cycle >= 2);
    assert.ok(last.targets.total >= 3);
    const post = await fetch(`${agent!.url}/status`, { method: 'POST' });
    assert.equal(post.status, 405);
  });
});

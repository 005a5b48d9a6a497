// Signals and reload. SIGTERM flushes the last cycle's metrics and the pending kernel events to the
// backend within a bounded time and exits 0 (also when the backend is a black hole). SIGHUP and a
// ConfigMap-style update of the config file (the ..data symlink swapped) reload the config: probes
// are started and stopped as the diff says, kept probes keep their counters, and a bad new config
// is rejected with its message logged while the old one stays in force.
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupAll, createNetns, tcpTransfer, type Netns } from '../support/netns.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import {
  resetEventsConfig,
  startAgentProcess,
  waitForProbesRunning,
  type AgentProcess,
  requireBpf,
} from '../support/agent.js';
import { waitUntil } from '../support/proc.js';
import { refusedConnects, scrape, status, sum, tempDir, type TempDir } from './support.js';

/** Stated bound for SIGTERM → exit, healthy backend (the agent's own budget is 10 s for a dead one). */
const STOP_BOUND_MS = 5000;

async function exitTime(agent: AgentProcess): Promise<{ code: number | null; ms: number }> {
  const t0 = Date.now();
  const code = await agent.stop(20_000);
  return { code, ms: Date.now() - t0 };
}

describe('faults: signals and config reload', function () {
  this.timeout(120_000);
  let dir: TempDir;
  let ns: Netns;
  let rx: OtlpReceiver | undefined;
  let agent: AgentProcess | undefined;

  before(async () => {
    dir = tempDir('signals');
    ns = await createNetns({ label: 'signals' });
  });
  afterEach(async () => {
    await agent?.stop(3000);
    agent = undefined;
    await rx?.close();
    rx = undefined;
  });
  after(async () => {
    await cleanupAll();
    dir?.dispose();
  });

  it("SIGTERM: the last cycle's metrics and every pending event reach the backend, exit 0 within the bound", async function () {
    requireBpf(this); // skipped on a kernel without BTF; fails if the helper is not built
    rx = await startOtlpReceiver({ http: false });
    // Export interval 10 min: nothing is pushed before SIGTERM except by the final flush.
    const config = dir.file(
      'flush.yaml',
      resetEventsConfig({ endpoint: rx.grpcEndpoint, otlp: { export_interval: '10m' } }),
    );
    agent = await startAgentProcess({ args: ['-c', config] });
    await waitForProbesRunning(agent, ['tcpreset']);
    const N = 40;
    const r = await refusedConnects(ns.name, { count: N, perSecond: 400, maxMs: 10_000 }).done;
    assert.equal(r.refused, N);
    const labels = { kubeskoop_netns_inode: String(ns.inode), kubeskoop_event_type: 'TCPRESET_NOSOCK' };
    await waitUntil(
      async () => sum((await scrape(agent!)).samples, 'kubeskoop_tcp_reset_segments_total', labels) === N,
      15_000,
      'in-kernel count on /metrics',
    );
    const metricRequestsBefore = rx.attempts('metrics');
    const { code, ms } = await exitTime(agent);
    agent = undefined;
    assert.equal(code, 0);
    assert.ok(ms < STOP_BOUND_MS, `stopped in ${ms} ms`);
    const pts = rx
      .latestMetrics()
      .filter(
        (p) =>
          p.name === 'kubeskoop.tcp.reset.segments' &&
          p.resource['kubeskoop.netns.inode'] === ns.inode &&
          p.attributes['kubeskoop.event.type'] === 'TCPRESET_NOSOCK',
      );
    assert.equal(pts.length, 1, 'the flushed export has the count');
    assert.equal(Number(pts[0]!.value), N);
    const logs = rx
      .logs()
      .filter(
        (l) =>
          l.eventName === 'kubeskoop.tcp.reset' &&
          l.resource['kubeskoop.netns.inode'] === ns.inode &&
          l.attributes['kubeskoop.event.type'] === 'TCPRESET_NOSOCK',
      );
    assert.equal(logs.length, N, 'every event arrived');
    console.log(
      `      [faults/signals] SIGTERM flush: exit 0 in ${ms} ms (bound ${STOP_BOUND_MS}); metric requests before SIGTERM ${metricRequestsBefore}, after ${rx.attempts('metrics')}; ` +
        `count ${pts[0]!.value}/${N}, events ${logs.length}/${N}`,
    );
  });

  it('SIGTERM with a black-hole backend: exits 0 within the stop budget', async () => {
    rx = await startOtlpReceiver({ http: false, mode: 'blackhole' });
    const config = dir.file(
      'blackhole.yaml',
      `interval: 500ms
metrics:
  probes: [netdev]
otlp:
  endpoint: ${rx.grpcEndpoint}
  export_interval: 500ms
  timeout: 30s
`,
    );
    agent = await startAgentProcess({ args: ['-c', config] });
    // SIGTERM while an export is held by the black hole (the case the stop budget is for)
    await waitUntil(() => rx!.attempts('metrics') > 0, 20_000, 'an export held by the black hole');
    const { code, ms } = await exitTime(agent);
    agent = undefined;
    assert.equal(code, 0);
    assert.ok(ms < 13_000, `stopped in ${ms} ms`);
    console.log(`      [faults/signals] SIGTERM with a black-hole backend: exit ${code} in ${ms} ms (budget 10 s)`);
  });

  it('ConfigMap update (..data symlink swap), bad config, SIGHUP: probes follow the diff, counters kept, bad config rejected', async () => {
    // The kubelet's layout: config.yaml → ..data/config.yaml, ..data → ..<timestamp>/.
    const cm = join(dir.path, 'configmap');
    mkdirSync(cm);
    let version = 0;
    const publish = (text: string): void => {
      const v = join(cm, `..2026_11_25_${++version}`);
      mkdirSync(v);
      writeFileSync(join(v, 'config.yaml'), text);
      symlinkSync(`..2026_11_25_${version}`, join(cm, '..data_tmp'));
      renameSync(join(cm, '..data_tmp'), join(cm, '..data')); // atomic swap, as the kubelet does
    };
    publish('interval: 500ms\nmetrics:\n  probes: [netdev, sock]\n');
    symlinkSync('..data/config.yaml', join(cm, 'config.yaml'));
    agent = await startAgentProcess({ args: ['-c', join(cm, 'config.yaml')] });
    const a = agent;
    await tcpTransfer(ns, ns, '127.0.0.1', { bytes: 1_000_000 });
    const lo = {
      kubeskoop_netns_inode: String(ns.inode),
      network_interface_name: 'lo',
      network_io_direction: 'receive',
    };
    const bytesBefore = await waitUntil(
      async () => {
        const v = sum((await scrape(a)).samples, 'kubeskoop_network_io_bytes_total', lo);
        return v >= 1_000_000 ? v : undefined;
      },
      10_000,
      'lo bytes',
    );
    const errorsBefore = (await status(a)).probes.netdev!.errors!;
    let m = await scrape(a);
    assert.ok(
      m.samples.some((s) => s.name === 'kubeskoop_socket_count'),
      'sock runs',
    );
    assert.ok(!m.samples.some((s) => s.name === 'kubeskoop_tcp_listen_overflows_total'), 'tcpext not yet');

    // 1. Update: sock out, tcpext in, netdev kept.
    const t0 = Date.now();
    publish('interval: 500ms\nmetrics:\n  probes: [netdev, tcpext]\n');
    const reloaded = await waitUntil(
      () => a.logs().find((l) => l.msg === 'config reloaded'),
      10_000,
      'reload after the ConfigMap update',
    );
    const reloadMs = Date.now() - t0;
    assert.deepEqual(reloaded.started, ['tcpext']);
    assert.deepEqual(reloaded.stopped, ['sock']);
    assert.deepEqual(reloaded.kept, ['netdev']);
    assert.equal(reloaded.trigger, 'file changed');
    await waitUntil(
      async () => (await scrape(a)).samples.some((s) => s.name === 'kubeskoop_tcp_listen_overflows_total'),
      10_000,
      'tcpext on /metrics',
    );
    m = await scrape(a);
    assert.ok(!m.samples.some((s) => s.name === 'kubeskoop_socket_count'), 'sock stopped');
    const bytesAfter = sum(m.samples, 'kubeskoop_network_io_bytes_total', lo);
    assert.ok(bytesAfter >= bytesBefore, `netdev counter kept (${bytesBefore} → ${bytesAfter})`);
    const st = await status(a);
    assert.deepEqual(Object.keys(st.probes).sort(), ['netdev', 'tcpext']);
    assert.ok(
      st.probes.netdev!.errors!.target_gone! >= errorsBefore.target_gone!,
      'netdev probe state (error totals) kept',
    );

    // 2. A bad config: rejected, with the message; the old one stays in force.
    publish('interval: 500ms\nmetrics:\n  probes: [netdev, no_such_probe]\n');
    const rejected = await waitUntil(
      () => a.logs().find((l) => l.msg === 'config reload rejected; the running config stays in force'),
      10_000,
      'rejection logged',
    );
    assert.match(String(rejected.error), /no_such_probe/);
    assert.equal(rejected.level, 'error');
    const c0 = (await status(a)).lastCycle.cycle;
    const st2 = await waitUntil(
      async () => {
        const st = await status(a);
        return st.lastCycle.cycle > c0 + 1 && st;
      },
      20_000,
      'still collecting',
    );
    assert.deepEqual(Object.keys(st2.probes).sort(), ['netdev', 'tcpext'], 'old config in force');
    // The rejection is logged once, not at every poll.
    assert.equal(
      a.logs().filter((l) => l.msg === 'config reload rejected; the running config stays in force').length,
      1,
    );

    // 3. A good config again, then SIGHUP: everything kept, interval followed.
    publish('interval: 1s\nmetrics:\n  probes: [netdev, tcpext]\n');
    await waitUntil(
      () => (a.logs().filter((l) => l.msg === 'config reloaded').length === 2 ? true : undefined),
      10_000,
      'second reload',
    );
    const second = a.logs().filter((l) => l.msg === 'config reloaded')[1]!;
    assert.deepEqual(second.kept, ['netdev', 'tcpext']);
    assert.equal(second.intervalSeconds, 1);
    process.kill(a.pid, 'SIGHUP');
    const hup = await waitUntil(
      () => a.logs().find((l) => l.msg === 'config reloaded' && l.trigger === 'SIGHUP'),
      10_000,
      'SIGHUP reload',
    );
    assert.deepEqual(hup.started, []);
    assert.deepEqual(hup.stopped, []);
    assert.equal(
      (await status(a)).agent && ((await status(a)).agent as { intervalSeconds: number }).intervalSeconds,
      1,
    );
    const { code } = await exitTime(a);
    agent = undefined;
    assert.equal(code, 0);
    console.log(
      `      [faults/signals] reload: ConfigMap swap picked up in ${reloadMs} ms (started tcpext, stopped sock, kept netdev; lo rx bytes ${bytesBefore} → ${bytesAfter}); ` +
        `bad config rejected once, old config in force; SIGHUP reload kept ${JSON.stringify(hup.kept)}`,
    );
  });
});

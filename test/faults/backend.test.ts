// Backend faults: the OTLP endpoint refuses (closed port), answers UNAVAILABLE, is slow (answers
// after the export timeout), is a black hole (accepts, never answers), then is healthy again — while
// the agent collects every 500 ms and kernel events flow. The agent must keep collecting and
// serving /metrics, stay within a memory bound, resume exporting without a restart, and count the
// failed exports and dropped records — exported as metrics and shown in /status.
import assert from 'node:assert/strict';
import { cleanupAll, createNetns, type Netns } from '../support/netns.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceiverMode } from '../support/otlp-receiver.js';
import { startAgentProcess, waitForProbesRunning, type AgentProcess } from '../support/agent.js';
import { procUsage, sleep } from '../support/proc.js';
import { featureOrLess, KERNEL_BTF } from '../support/strict.js';
import { BPF_EVENTS, MiB, maxRss, mib, refusedConnects, sampleUsage, scrape, status, sum, tempDir, type TempDir } from './support.js';

const PHASE_MS = 6000;
// 500 ms interval: 12 cycles in a phase on an idle machine; at least 6 must run, however slowly.
const MIN_CYCLES = 6;
const PHASE_DEADLINE_MS = 30_000;
/** Stated bound: the agent's RSS during the whole outage stays below this, and grows by less than RSS_GROWTH. */
const RSS_BOUND = 256 * MiB;
const RSS_GROWTH = 96 * MiB;

describe('faults: OTLP backend refused, unavailable, slow, black hole, then healthy', function () {
  this.timeout(150_000);
  let dir: TempDir;
  let ns: Netns;
  let rx: OtlpReceiver | undefined;
  let agent: AgentProcess | undefined;
  let events = false;

  before(async function () {
    events = featureOrLess(this, BPF_EVENTS, `eBPF events (kernel BTF at ${KERNEL_BTF})`);
    dir = tempDir('backend');
    ns = await createNetns({ label: 'backend' });
    rx = await startOtlpReceiver({ http: false });
    const config = dir.file('config.yaml', `interval: 500ms
metrics:
  probes: [netdev, sock, tcpext]
${events ? `events:
  probes:
    - name: tcpreset
      options: { rate_per_namespace: unlimited, rate_per_node: unlimited }
` : ''}otlp:
  endpoint: ${rx.grpcEndpoint}
  export_interval: 500ms
  timeout: 1s
`);
    agent = await startAgentProcess({ args: ['-c', config] });
  });

  after(async () => {
    await agent?.stop();
    await rx?.close();
    await cleanupAll();
    dir?.dispose();
  });

  it('keeps collecting and serving, stays bounded, resumes and counts what failed', async () => {
    const a = agent!;
    const grpcPort = rx!.grpcPort;
    await rx!.waitForMetric('kubeskoop.agent.cycle.duration', undefined, 15_000);
    if (events) {
      await waitForProbesRunning(a, ['tcpreset']);
    }
    const baseline = await procUsage(a.pid);
    const usage = sampleUsage(a.pid, 200);
    // Events all along: refused connects in the test namespace, 200/s.
    const traffic = events ? refusedConnects(ns.name, { count: 200 * (5 * PHASE_MS + 8000) / 1000, perSecond: 200, maxMs: 5 * PHASE_MS + 8000 }) : undefined;
    const figures: string[] = [];
    const phase = async (name: string, setup: () => Promise<void>): Promise<void> => {
      await setup();
      const c0 = (await status(a)).lastCycle.cycle;
      const t0 = Date.now();
      let scrapes = 0;
      let slowest = 0;
      // The phase lasts PHASE_MS and until MIN_CYCLES cycles ran, so a loaded machine slows it
      // instead of failing it; collection stopping fails at the deadline.
      const cycles = async (): Promise<number> => (await status(a)).lastCycle.cycle - c0;
      while (Date.now() - t0 < PHASE_MS || (await cycles()) < MIN_CYCLES) {
        if (Date.now() - t0 > PHASE_DEADLINE_MS) break;
        const s0 = Date.now();
        const m = await scrape(a);
        slowest = Math.max(slowest, Date.now() - s0);
        assert.equal(m.status, 200, `${name}: /metrics answers`);
        assert.ok(sum(m.samples, 'kubeskoop_agent_cycle_duration_seconds_count') > 0, `${name}: /metrics has the agent's cycles`);
        scrapes++;
        await sleep(400);
      }
      const c1 = (await status(a)).lastCycle.cycle;
      assert.ok(c1 - c0 >= MIN_CYCLES, `${name}: collection went on (${c1 - c0} cycles in ${Date.now() - t0} ms)`);
      figures.push(`${name}: ${c1 - c0} cycles, ${scrapes} scrapes (slowest ${slowest} ms)`);
    };
    const setMode = (m: ReceiverMode) => async () => { rx!.setMode(m); };

    await phase('unavailable', setMode('unavailable'));
    await phase('refused', async () => { await rx!.close(); rx = undefined; });
    await phase('slow', async () => { rx = await startOtlpReceiver({ http: false, grpcPort, mode: { delayMs: 3000 } }); });
    await phase('blackhole', setMode('blackhole'));
    const beforeHealthy = await status(a);
    rx!.setMode('ok');
    rx!.clear();
    const healedAt = Date.now();
    // Export resumes without a restart: fresh points of the agent's own cycle metric arrive.
    await rx!.waitForMetric('kubeskoop.agent.cycle.duration', undefined, 30_000);
    const resumeMs = Date.now() - healedAt;
    await rx!.waitFor((r) => {
      // The SDK's own self-observability: data points whose export failed carry error.type.
      const pts = r.latestMetrics().filter((p) => p.name === 'otel.sdk.exporter.metric_data_point.exported' && p.attributes['error.type'] !== undefined);
      return pts.length > 0 && Number(pts[0]!.value) > 0 ? pts : undefined;
    }, 15_000, 'export failures exported over OTLP');
    await phase('healthy', async () => undefined);
    const trafficResult = await traffic?.done;
    const samples = usage.stop();
    const after = await status(a);
    const m = await scrape(a);
    const peak = maxRss(samples);
    const exp = after.exports!;
    assert.ok(exp.metrics.failures > 0, 'metric export failures counted in /status');
    assert.ok(exp.metrics.failures >= beforeHealthy.exports!.metrics.failures);
    assert.equal(exp.metrics.consecutiveFailures, 0, `exports succeed again (last error: ${exp.metrics.lastError ?? 'none'})`);
    const failedOn = (name: string): number => m.samples.filter((x) => x.name === name && (x.labels.error_type ?? '') !== '').reduce((t, x) => t + x.value, 0);
    assert.ok(failedOn('otel_sdk_exporter_metric_data_point_exported_total') > 0, 'failures on /metrics');
    if (events) {
      assert.ok(exp.logs.failures > 0, 'log export failures counted');
      assert.ok(exp.logs.dropped.export_failed > 0, 'event records lost in failed exports are counted');
      assert.equal(failedOn('otel_sdk_exporter_log_exported_total'), exp.logs.dropped.export_failed, '/metrics and /status agree on records lost in failed exports');
      assert.equal(sum(m.samples, 'otel_sdk_processor_log_processed_total', { error_type: 'queue_full' }) || 0, exp.logs.dropped.queue_full, 'and on records dropped with the queue full');
      // After healing, events flow again.
      await rx!.waitForLog('kubeskoop.tcp.reset', (l) => l.resource['kubeskoop.netns.inode'] === ns.inode, 15_000);
    }
    // One warning when a run of failed exports begins (not one per failed export), one info line
    // when it ends: per signal the two alternate, the first is a warning, the last a recovery, and
    // there are at most as many runs as failing phases.
    const failingLines = a.logs().filter((l) => /OTLP export failing/.test(l.msg));
    for (const signal of events ? ['metrics', 'logs'] : ['metrics']) {
      const seq = a.logs().filter((l) => l.signal === signal && /^OTLP export (failing|recovered)/.test(l.msg)).map((l) => (/failing/.test(l.msg) ? 'F' : 'R')).join('');
      assert.match(seq, /^(FR){1,4}$/, `${signal}: "export failing" (F) and "recovered" (R) lines alternate, one pair per run of failures`);
    }
    assert.ok(peak < RSS_BOUND, `peak RSS ${mib(peak)} MiB < ${mib(RSS_BOUND)} MiB`);
    assert.ok(peak - baseline.rssBytes < RSS_GROWTH, `RSS growth ${mib(peak - baseline.rssBytes)} MiB < ${mib(RSS_GROWTH)} MiB`);
    console.log(`      [faults/backend] ${figures.join('; ')}; RSS baseline ${mib(baseline.rssBytes)} MiB, peak ${mib(peak)} MiB (bound ${mib(RSS_BOUND)}, growth bound ${mib(RSS_GROWTH)}); `
      + `export resumed ${resumeMs} ms after healing; metric exports ${exp.metrics.exports} (${exp.metrics.failures} failed); `
      + `log exports ${exp.logs.exports} (${exp.logs.failures} failed), records dropped: export_failed ${exp.logs.dropped.export_failed}, queue_full ${exp.logs.dropped.queue_full}; `
      + `${trafficResult ? `${trafficResult.refused} refused connects; ` : ''}"export failing" log lines ${failingLines.length}; same pid ${a.pid}`);
  });
});

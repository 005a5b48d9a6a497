// Backend faults: the OTLP endpoint refuses (closed port), answers UNAVAILABLE, is slow (answers
// after the export timeout), is a black hole (accepts, never answers), then is healthy again — while
// the agent collects every 500 ms and kernel events flow. The agent must keep collecting and
// serving /metrics, stay within a memory bound, resume exporting without a restart, and count the
// failed exports — exported as metrics and shown in /status. Events wait in the retry buffer.
// Then a collector rollout: the receiver is gone for 2 minutes while events flow; every event arrives
// once after it returns. And a flood during an outage: the retry buffer stays within its bound (oldest
// dropped first, counted exactly) and so does the agent's RSS.
import assert from 'node:assert/strict';
import { cleanupAll, createNetns, type Netns } from '../support/netns.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceiverMode } from '../support/otlp-receiver.js';
import {
  resetEventsConfig,
  startAgentProcess,
  waitForProbesRunning,
  requireBpf,
  type AgentProcess,
} from '../support/agent.js';
import { procUsage, sleep, waitUntil } from '../support/proc.js';
import { featureOrLess, KERNEL_BTF } from '../support/strict.js';
import {
  BPF_EVENTS,
  MiB,
  maxRss,
  mib,
  refusedConnects,
  sampleUsage,
  scrape,
  status,
  sum,
  tempDir,
  type TempDir,
} from './support.js';

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
    const config = dir.file(
      'config.yaml',
      `interval: 500ms
metrics:
  probes: [netdev, sock, tcpext]
${
  events
    ? `events:
  probes:
    - name: tcpreset
      options: { rate_per_namespace: unlimited, rate_per_node: unlimited }
`
    : ''
}otlp:
  endpoint: ${rx.grpcEndpoint}
  export_interval: 500ms
  timeout: 1s
`,
    );
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
    const traffic = events
      ? refusedConnects(ns.name, {
          count: (200 * (5 * PHASE_MS + 8000)) / 1000,
          perSecond: 200,
          maxMs: 5 * PHASE_MS + 8000,
        })
      : undefined;
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
        assert.ok(
          sum(m.samples, 'kubeskoop_agent_cycle_duration_seconds_count') > 0,
          `${name}: /metrics has the agent's cycles`,
        );
        scrapes++;
        await sleep(400);
      }
      const c1 = (await status(a)).lastCycle.cycle;
      assert.ok(c1 - c0 >= MIN_CYCLES, `${name}: collection went on (${c1 - c0} cycles in ${Date.now() - t0} ms)`);
      figures.push(`${name}: ${c1 - c0} cycles, ${scrapes} scrapes (slowest ${slowest} ms)`);
    };
    const setMode = (m: ReceiverMode) => async () => {
      rx!.setMode(m);
    };

    await phase('unavailable', setMode('unavailable'));
    await phase('refused', async () => {
      await rx!.close();
      rx = undefined;
    });
    await phase('slow', async () => {
      rx = await startOtlpReceiver({ http: false, grpcPort, mode: { delayMs: 3000 } });
    });
    await phase('blackhole', setMode('blackhole'));
    const beforeHealthy = await status(a);
    rx!.setMode('ok');
    rx!.clear();
    const healedAt = Date.now();
    // Export resumes without a restart: fresh points of the agent's own cycle metric arrive.
    await rx!.waitForMetric('kubeskoop.agent.cycle.duration', undefined, 30_000);
    const resumeMs = Date.now() - healedAt;
    await rx!.waitFor(
      (r) => {
        // The SDK's own self-observability: data points whose export failed carry error.type.
        const pts = r
          .latestMetrics()
          .filter(
            (p) =>
              p.name === 'otel.sdk.exporter.metric_data_point.exported' && p.attributes['error.type'] !== undefined,
          );
        return pts.length > 0 && Number(pts[0]!.value) > 0 ? pts : undefined;
      },
      15_000,
      'export failures exported over OTLP',
    );
    await phase('healthy', async () => undefined);
    const trafficResult = await traffic?.done;
    const samples = usage.stop();
    const after = await status(a);
    const m = await scrape(a);
    const peak = maxRss(samples);
    const exp = after.exports!;
    assert.ok(exp.metrics.failures > 0, 'metric export failures counted in /status');
    assert.ok(exp.metrics.failures >= beforeHealthy.exports!.metrics.failures);
    assert.equal(
      exp.metrics.consecutiveFailures,
      0,
      `exports succeed again (last error: ${exp.metrics.lastError ?? 'none'})`,
    );
    const failedOn = (name: string): number =>
      m.samples.filter((x) => x.name === name && (x.labels.error_type ?? '') !== '').reduce((t, x) => t + x.value, 0);
    assert.ok(failedOn('otel_sdk_exporter_metric_data_point_exported_total') > 0, 'failures on /metrics');
    if (events) {
      assert.ok(exp.logs.failures > 0, 'log export failures counted');
      assert.ok(failedOn('otel_sdk_exporter_log_exported_total') > 0, 'failed log export attempts on /metrics');
      // Failed sends are retried from the buffer: nothing is lost in this short outage.
      assert.deepEqual(
        exp.logs.dropped,
        { queue_full: 0, buffer_full: 0, export_failed: 0, shutdown: 0 },
        'no event dropped',
      );
      assert.equal(
        sum(m.samples, 'otel_sdk_processor_log_processed_total', { error_type: 'queue_full' }) || 0,
        exp.logs.dropped.queue_full,
        'and on records dropped with the queue full',
      );
      assert.equal(
        sum(m.samples, 'otel_sdk_processor_log_processed_total', { error_type: 'buffer_full' }) || 0,
        exp.logs.dropped.buffer_full,
        'and with the retry buffer full',
      );
      // After healing, events flow again.
      await rx!.waitForLog('kubeskoop.tcp.reset', (l) => l.resource['kubeskoop.netns.inode'] === ns.inode, 15_000);
    }
    // One warning when a run of failed exports begins (not one per failed export), one info line
    // when it ends: per signal the two alternate, the first is a warning, the last a recovery, and
    // there are at most as many runs as failing phases.
    const failingLines = a.logs().filter((l) => /OTLP export failing/.test(l.msg));
    for (const signal of events ? ['metrics', 'logs'] : ['metrics']) {
      const seq = a
        .logs()
        .filter((l) => l.signal === signal && /^OTLP export (failing|recovered)/.test(l.msg))
        .map((l) => (/failing/.test(l.msg) ? 'F' : 'R'))
        .join('');
      assert.match(
        seq,
        /^(FR){1,4}$/,
        `${signal}: "export failing" (F) and "recovered" (R) lines alternate, one pair per run of failures`,
      );
    }
    assert.ok(peak < RSS_BOUND, `peak RSS ${mib(peak)} MiB < ${mib(RSS_BOUND)} MiB`);
    assert.ok(
      peak - baseline.rssBytes < RSS_GROWTH,
      `RSS growth ${mib(peak - baseline.rssBytes)} MiB < ${mib(RSS_GROWTH)} MiB`,
    );
    console.log(
      `      [faults/backend] ${figures.join('; ')}; RSS baseline ${mib(baseline.rssBytes)} MiB, peak ${mib(peak)} MiB (bound ${mib(RSS_BOUND)}, growth bound ${mib(RSS_GROWTH)}); ` +
        `export resumed ${resumeMs} ms after healing; metric exports ${exp.metrics.exports} (${exp.metrics.failures} failed); ` +
        `log exports ${exp.logs.exports} (${exp.logs.failures} failed), records dropped: ${JSON.stringify(exp.logs.dropped)}; ` +
        `${trafficResult ? `${trafficResult.refused} refused connects; ` : ''}"export failing" log lines ${failingLines.length}; same pid ${a.pid}`,
    );
  });
});

/** The tcpreset records of one namespace at the receiver, by content (kernel time and attributes). */
function resetsByContent(rx: OtlpReceiver, inode: number): Map<string, number> {
  const seen = new Map<string, number>();
  for (const l of rx.logs()) {
    if (l.eventName !== 'kubeskoop.tcp.reset' || l.resource['kubeskoop.netns.inode'] !== inode) continue;
    const key = `${l.timeUnixNano} ${JSON.stringify(Object.entries(l.attributes).sort())}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return seen;
}

const RETRY = { initial_interval: '250ms', max_interval: '2s' };

/** Every reset the kernel counted in `inode` is delivered or counted as dropped; resolves with the figures.
 *  The agent observes every namespace on the node (other tests' too): its drop count covers their events
 *  as well, so `dropped` may exceed this namespace's share by at most the resets counted elsewhere since
 *  `othersAtStart` (0 when nothing was dropped). */
async function settleCounts(
  a: AgentProcess,
  rx: OtlpReceiver,
  inode: number,
  dropped: () => Promise<number>,
  earlier = new Map<string, number>(),
  othersAtStart?: number,
  deadlineMs = 60_000,
): Promise<{ counted: number; delivered: number; copies: number; dropped: number; others: number }> {
  const id = { kubeskoop_netns_inode: String(inode) };
  let last = '';
  return waitUntil(
    async () => {
      const m = (await scrape(a)).samples;
      const counted = sum(m, 'kubeskoop_tcp_reset_segments_total', id);
      const others =
        othersAtStart === undefined ? 0 : sum(m, 'kubeskoop_tcp_reset_segments_total') - counted - othersAtStart;
      const undelivered = sum(m, 'kubeskoop_event_undelivered_total', { ...id, kubeskoop_probe_name: 'tcpreset' });
      const seen = resetsByContent(rx, inode);
      for (const [k, n] of earlier) seen.set(k, (seen.get(k) ?? 0) + n);
      const copies = [...seen.values()].reduce((t, n) => t + n, 0);
      const d = await dropped();
      const lost = counted - seen.size; // this namespace's events that did not arrive
      last = `counted ${counted}, undelivered ${undelivered}, delivered ${seen.size} (${copies} records), dropped ${d}, other namespaces' resets ${others}`;
      const done =
        counted > 0 && undelivered === 0 && (d === 0 ? lost === 0 : lost >= 0 && lost <= d && d <= lost + others);
      return done ? { counted, delivered: seen.size, copies, dropped: d, others } : undefined;
    },
    deadlineMs,
    'every counted event delivered or counted as dropped',
  ).catch(async (err: Error) => {
    throw new Error(`${err.message}: ${last}; /status: ${JSON.stringify((await status(a)).exports?.logs)}`);
  });
}

describe('faults: a collector rollout (2-minute outage) during steady events loses nothing', function () {
  this.timeout(480_000);
  const OUTAGE_MS = 120_000;
  /** How long delivery may take once the receiver is back: the channel reconnects at most
   *  max_interval (2 s here) apart and the buffer drains in seconds; the deadline is for a loaded
   *  machine. A condition waited on, not a sleep. */
  const DELIVERY_DEADLINE_MS = 180_000;
  let dir: TempDir;
  let ns: Netns;
  let rx: OtlpReceiver | undefined;
  let agent: AgentProcess | undefined;

  before(async function () {
    requireBpf(this);
    dir = tempDir('rollout');
    ns = await createNetns({ label: 'rollout' });
    rx = await startOtlpReceiver({ http: false });
    agent = await startAgentProcess({
      args: ['-c', dir.file('config.yaml', resetEventsConfig({ endpoint: rx.grpcEndpoint, otlp: { retry: RETRY } }))],
    });
  });
  after(async () => {
    await agent?.stop();
    await rx?.close();
    await cleanupAll();
    dir?.dispose();
  });

  it('every event made during the outage arrives once when the receiver is back', async () => {
    const a = agent!;
    const grpcPort = rx!.grpcPort;
    await waitForProbesRunning(a, ['tcpreset']);
    await rx!.waitForMetric('kubeskoop.agent.cycle.duration', undefined, 15_000);
    // 100 refused connects a second before, during and after the outage.
    const total = (100 * (OUTAGE_MS + 6000)) / 1000;
    const traffic = refusedConnects(ns.name, { count: total, perSecond: 100, maxMs: OUTAGE_MS + 20_000 });
    await sleep(2000);
    await rx!.close();
    const downAt = Date.now();
    const earlier = resetsByContent(rx!, ns.inode);
    const before = earlier.size;
    await sleep(OUTAGE_MS);
    const held = (await status(a)).exports!.logs;
    rx = await startOtlpReceiver({ http: false, grpcPort });
    const upAt = Date.now();
    const r = await traffic.done;
    assert.ok(r.refused >= total * 0.9, `the traffic ran (${JSON.stringify(r)})`);
    const noDrops = async (): Promise<number> => {
      const d = (await status(a)).exports!.logs.dropped;
      return d.queue_full + d.buffer_full + d.export_failed + d.shutdown;
    };
    // The first receiver saw what came before the outage, the new one the rest: together, each event once.
    const f = await settleCounts(a, rx, ns.inode, noDrops, earlier, undefined, DELIVERY_DEADLINE_MS);
    const deliveredAt = Date.now();
    const after = await status(a);
    assert.equal(f.dropped, 0, 'nothing dropped');
    assert.equal(f.copies, f.delivered, 'each event once');
    assert.ok(
      f.counted - before >= 100 * (OUTAGE_MS / 1000) * 0.8,
      `the outage covered events (${f.counted - before})`,
    );
    assert.ok(held.failures > 0 && held.consecutiveFailures > 0, 'exports failed during the outage');
    assert.equal(after.exports!.logs.consecutiveFailures, 0, 'and succeed again');
    console.log(
      `      [faults/backend rollout] receiver down ${upAt - downAt} ms; ${f.counted} resets counted in the kernel: ${before} delivered before the outage, ` +
        `${f.delivered - before} after it (each once), 0 dropped; all delivered ${deliveredAt - upAt} ms after the receiver returned; ` +
        `log exports ${after.exports!.logs.exports} (${after.exports!.logs.failures} failed)`,
    );
  });
});

describe('faults: a flood during an outage keeps the retry buffer and RSS bounded, oldest dropped and counted', function () {
  this.timeout(180_000);
  const BUFFER_MIB = 8;
  /** The fixed part: the RSS the flood suite (flood.test.ts) allows a flood with the backend up. The
   *  outage may add the buffer's bound to it, nothing more. */
  const FLOOD_RSS = 320 * MiB;
  const OUTAGE_MS = 30_000;
  const PER_SECOND = 1500;
  let dir: TempDir;
  let ns: Netns;
  let rx: OtlpReceiver | undefined;
  let agent: AgentProcess | undefined;

  before(async function () {
    requireBpf(this);
    dir = tempDir('outage-flood');
    ns = await createNetns({ label: 'oflood' });
    rx = await startOtlpReceiver({ http: false });
    agent = await startAgentProcess({
      args: [
        '-c',
        dir.file(
          'config.yaml',
          resetEventsConfig({
            endpoint: rx.grpcEndpoint,
            otlp: { retry: RETRY, buffer: { max_mib: BUFFER_MIB, max_records: 1_000_000 } },
          }),
        ),
      ],
    });
  });
  after(async () => {
    await agent?.stop();
    await rx?.close();
    await cleanupAll();
    dir?.dispose();
  });

  it(`${PER_SECOND}/s events for ${OUTAGE_MS / 1000} s with the receiver down: bounded, exact counts`, async () => {
    const a = agent!;
    const grpcPort = rx!.grpcPort;
    await waitForProbesRunning(a, ['tcpreset']);
    await rx!.waitForMetric('kubeskoop.agent.cycle.duration', undefined, 15_000);
    const m0 = (await scrape(a)).samples;
    const othersAtStart =
      sum(m0, 'kubeskoop_tcp_reset_segments_total') -
      sum(m0, 'kubeskoop_tcp_reset_segments_total', { kubeskoop_netns_inode: String(ns.inode) });
    await rx!.close();
    const downAt = Date.now();
    const baseline = await procUsage(a.pid);
    const usage = sampleUsage(a.pid, 200);
    const r = await refusedConnects(ns.name, {
      count: (PER_SECOND * OUTAGE_MS) / 1000,
      perSecond: PER_SECOND,
      maxMs: OUTAGE_MS,
    }).done;
    const floodEnd = Date.now();
    await sleep(3000); // the last events reach the buffer
    const samples = usage.stop();
    const held = (await status(a)).exports!.logs;
    rx = await startOtlpReceiver({ http: false, grpcPort });
    const upAt = Date.now();
    const dropped = async (): Promise<number> => {
      const d = (await status(a)).exports!.logs.dropped;
      return d.queue_full + d.buffer_full + d.export_failed + d.shutdown;
    };
    const f = await settleCounts(a, rx, ns.inode, dropped, undefined, othersAtStart);
    const st = (await status(a)).exports!.logs;
    const m = (await scrape(a)).samples;
    const peak = maxRss(samples);
    assert.ok(r.refused > PER_SECOND * 10, `the flood ran (${JSON.stringify(r)})`);
    assert.ok(st.dropped.buffer_full > 0, 'the bound was reached: oldest records dropped');
    assert.equal(st.dropped.export_failed + st.dropped.shutdown, 0);
    assert.equal(f.copies, f.delivered, 'each delivered event once');
    assert.equal(
      sum(m, 'otel_sdk_processor_log_processed_total', { error_type: 'buffer_full' }),
      st.dropped.buffer_full,
      '/metrics counts the drops as /status does',
    );
    assert.equal(
      sum(m, 'otel_sdk_processor_log_processed_total', { error_type: 'queue_full' }) || 0,
      st.dropped.queue_full,
    );
    // Oldest first: what arrived is the newest part of the flood, without gaps.
    const times = [...resetsByContent(rx!, ns.inode).keys()]
      .map((k) => BigInt(k.split(' ')[0]!))
      .sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    const ms = (t: bigint): number => Number(t / 1_000_000n);
    assert.ok(ms(times[0]!) > downAt + 2000, 'the oldest events of the outage were the ones dropped');
    assert.ok(ms(times[times.length - 1]!) > floodEnd - 3000, 'the newest were kept');
    assert.ok(
      peak < FLOOD_RSS + BUFFER_MIB * MiB,
      `peak RSS ${mib(peak)} MiB < ${mib(FLOOD_RSS)} MiB (a flood's bound) + buffer ${BUFFER_MIB} MiB`,
    );
    console.log(
      `      [faults/backend outage flood] ${r.refused} refused connects in ${floodEnd - downAt} ms with the receiver down; ` +
        `buffer held ${held.buffered} records at the end of the outage (bound ${BUFFER_MIB} MiB); counted ${f.counted} = delivered ${f.delivered} + dropped ${f.counted - f.delivered} ` +
        `(all dropped ${f.dropped}, of which other namespaces' ≤ ${f.others}) ` +
        `(${JSON.stringify(st.dropped)}); RSS ${mib(baseline.rssBytes)} → peak ${mib(peak)} MiB (bound ${mib(FLOOD_RSS)} + ${BUFFER_MIB} MiB); ` +
        `delivered ${Date.now() - upAt} ms after the receiver returned`,
    );
  });
});

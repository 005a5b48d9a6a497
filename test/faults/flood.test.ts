// Load: a bounded event flood for 60 s — refused connects (one TCP reset sent, one received, per
// connect) inside two test namespaces — through the agent CLI with OTLP export. The agent's CPU and
// RSS stay within stated bounds; the in-kernel counts are exact (one TCPRESET_NOSOCK per refused
// connect); the events the in-kernel rate limit kept back are counted (kubeskoop.event.undelivered),
// and delivered + undelivered = counted, per namespace.
import assert from 'node:assert/strict';
import { cleanupAll, createNetns, type Netns } from '../support/netns.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { startAgentProcess, waitForProbesRunning, type AgentProcess, requireBpf } from '../support/agent.js';
import { procUsage, sleep, waitUntil } from '../support/proc.js';
import {
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

const FLOOD_MS = 60_000;
const PER_SECOND = 1500; // refused connects per second per namespace
/** Stated bounds over the flood: mean agent CPU (fraction of one core) and peak RSS. */
const CPU_BOUND = 0.25;
const RSS_BOUND = 320 * MiB;

describe('faults: event flood (60 s)', function () {
  this.timeout(180_000);
  let dir: TempDir;
  const nss: Netns[] = [];
  let rx: OtlpReceiver | undefined;
  let agent: AgentProcess | undefined;

  before(async function () {
    requireBpf(this); // skipped on a kernel without BTF; fails if the helper is not built
    dir = tempDir('flood');
    for (const l of ['flood1', 'flood2']) nss.push(await createNetns({ label: l }));
    rx = await startOtlpReceiver({ http: false });
  });
  after(async () => {
    await agent?.stop();
    await rx?.close();
    await cleanupAll();
    dir?.dispose();
  });

  it(`${PER_SECOND}/s refused connects in each of 2 namespaces for ${FLOOD_MS / 1000} s: CPU, RSS bounded; counts exact; undelivered counted`, async () => {
    const config = dir.file(
      'flood.yaml',
      `interval: 1s
metrics:
  probes: [netdev, sock, tcpext]
events:
  probes:
    - name: tcpreset
      options: { rate_per_namespace: 200, rate_per_node: 2000 }
otlp:
  endpoint: ${rx!.grpcEndpoint}
  export_interval: 2s
`,
    );
    agent = await startAgentProcess({ args: ['-c', config] });
    const a = agent;
    await waitForProbesRunning(a, ['tcpreset']);
    const u0 = await procUsage(a.pid);
    const usage = sampleUsage(a.pid, 500);
    const t0 = Date.now();
    const results = await Promise.all(
      nss.map(
        (n) =>
          refusedConnects(n.name, { count: (PER_SECOND * FLOOD_MS) / 1000, perSecond: PER_SECOND, maxMs: FLOOD_MS })
            .done,
      ),
    );
    const floodMs = Date.now() - t0;
    const u1 = await procUsage(a.pid);
    const samples = usage.stop();
    const cpu = (u1.cpuSeconds - u0.cpuSeconds) / (floodMs / 1000);
    const peak = maxRss(samples);
    // Let the last cycle's counts and the last events arrive.
    const figures: string[] = [];
    for (const [i, ns] of nss.entries()) {
      const r = results[i]!;
      assert.ok(r.refused > PER_SECOND * 10, `the flood ran in ${ns.name} (${JSON.stringify(r)})`);
      const id = { kubeskoop_netns_inode: String(ns.inode) };
      const nosock = await waitUntil(
        async () => {
          const v = sum((await scrape(a)).samples, 'kubeskoop_tcp_reset_segments_total', {
            ...id,
            kubeskoop_event_type: 'TCPRESET_NOSOCK',
          });
          return v === r.refused ? v : undefined;
        },
        20_000,
        `in-kernel NOSOCK count = ${r.refused} refused connects`,
      ).catch(async (err: Error) => {
        throw new Error(
          `${err.message}; /metrics says ${sum((await scrape(a)).samples, 'kubeskoop_tcp_reset_segments_total', { ...id, kubeskoop_event_type: 'TCPRESET_NOSOCK' })}`,
        );
      });
      // Every reset in the namespace: counted = delivered (log records at the receiver) + undelivered.
      const { counted, delivered, undelivered } = await waitUntil(
        async () => {
          const m = (await scrape(a)).samples;
          const c = sum(m, 'kubeskoop_tcp_reset_segments_total', id);
          const u = sum(m, 'kubeskoop_event_undelivered_total', { ...id, kubeskoop_probe_name: 'tcpreset' });
          const d = rx!
            .logs()
            .filter(
              (l) => l.eventName === 'kubeskoop.tcp.reset' && l.resource['kubeskoop.netns.inode'] === ns.inode,
            ).length;
          return c > 0 && c === d + u ? { counted: c, delivered: d, undelivered: u } : undefined;
        },
        20_000,
        'delivered + undelivered = counted',
      ).catch(async (err: Error) => {
        const m = (await scrape(a)).samples;
        throw new Error(
          `${err.message}: counted ${sum(m, 'kubeskoop_tcp_reset_segments_total', id)}, undelivered ${sum(m, 'kubeskoop_event_undelivered_total', id)}, ` +
            `delivered ${rx!.logs().filter((l) => l.eventName === 'kubeskoop.tcp.reset' && l.resource['kubeskoop.netns.inode'] === ns.inode).length}`,
        );
      });
      assert.ok(undelivered > 0, 'the rate limit kept events back, and they are counted');
      // Rate limit: at most 200 a second per namespace (plus one window of slack per CPU at roll-over).
      assert.ok(delivered <= 200 * (floodMs / 1000 + 12) + 64, `delivered ${delivered} within the per-namespace rate`);
      figures.push(
        `${ns.name.split('.').pop()}: ${r.refused} refused connects → NOSOCK ${nosock} (exact), all resets ${counted} = delivered ${delivered} + undelivered ${undelivered}`,
      );
    }
    const st = await status(a);
    assert.equal(
      st.exports!.logs.dropped.queue_full + st.exports!.logs.dropped.export_failed,
      0,
      'no event dropped between agent and backend',
    );
    assert.ok(cpu < CPU_BOUND, `agent CPU ${(cpu * 100).toFixed(1)}% of a core (bound ${CPU_BOUND * 100}%)`);
    assert.ok(peak < RSS_BOUND, `peak RSS ${mib(peak)} MiB (bound ${mib(RSS_BOUND)})`);
    await sleep(0);
    console.log(
      `      [faults/flood] ${floodMs} ms flood; agent CPU ${(cpu * 100).toFixed(1)}% of one core (bound ${CPU_BOUND * 100}%), RSS ${mib(u0.rssBytes)} → peak ${mib(peak)} MiB (bound ${mib(RSS_BOUND)}); ` +
        `${figures.join('; ')}; log exports ${st.exports!.logs.exports} (${st.exports!.logs.failures} failed, 0 dropped)`,
    );
  });
});

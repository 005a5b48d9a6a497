// Namespace churn: 1000 network namespaces, each with a process in it, created and deleted in
// batches of 50 while the agent collects every 200 ms (every 10th namespace also sees a refused
// connect, so eBPF counts exist for it). The agent runs in this process (startAgent, the CLI's own
// code path) so that memory can be measured after a full GC. After the churn: file descriptors,
// heap after GC and series on /metrics within stated bounds, no series left for a dead namespace.
import assert from 'node:assert/strict';
import { cleanupAll, createNetns, type Netns } from '../support/netns.js';
import { waitUntil } from '../support/proc.js';
import { parsePromText } from '../support/prom-text.js';
import { loadConfig } from '../../receiver/config/load.js';
import { probeCapabilities, startAgent, type RunningAgent } from '../../receiver/agent.js';
import { createLogger } from '../../receiver/log.js';
import { featureOrLess, KERNEL_BTF } from '../support/strict.js';
import { heapAfterGc } from '../support/gc.js';
import { BPF_EVENTS, MiB, fdCount, liveNetnsInodes, mib, tempDir, type TempDir } from './support.js';

const TOTAL = 1000;
const BATCH = 50;
/** Stated bounds after the churn, against the warmed-up baseline. */
const FD_GROWTH = 8;
const HEAP_GROWTH = 12 * MiB;

describe('faults: namespace churn', function () {
  // 60–95 s on a quiet 2-core machine; the bounds below are a stop for a hung run, not a speed claim
  // (one loaded with other test runs took over 4 minutes)
  this.timeout(720_000);
  let dir: TempDir;
  let agent: RunningAgent | undefined;

  before(() => {
    dir = tempDir('churn');
  });
  after(async () => {
    await agent?.stop();
    await cleanupAll();
    dir?.dispose();
  });

  it(`${TOTAL} namespaces with processes created and deleted under a 200 ms interval: fds, heap after GC, series bounded`, async function () {
    const events = featureOrLess(this, BPF_EVENTS, `eBPF events (kernel BTF at ${KERNEL_BTF})`);
    const file = dir.file(
      'churn.yaml',
      `interval: 200ms
metrics:
  probes: [netdev, sock, tcpext, udp, softnet, conntrack]
${events ? 'events:\n  probes: [tcpreset]\n' : ''}`,
    );
    const config = loadConfig({
      file,
      env: {},
      flags: { port: '0', address: '127.0.0.1' },
      probes: probeCapabilities(),
    });
    const lines: { level: string; msg: string }[] = [];
    const log = createLogger({
      level: 'info',
      format: 'json',
      write: (l) => {
        lines.push(JSON.parse(l) as { level: string; msg: string });
      },
    });
    agent = await startAgent(config, log);
    const a = agent;
    const metrics = async (): Promise<{ name: string; labels: Record<string, string> }[]> => {
      const r = await fetch(`http://127.0.0.1:${a.http.port}/metrics`, { signal: AbortSignal.timeout(10_000) });
      return parsePromText(await r.text()).samples;
    };
    const cycles = async (n: number): Promise<void> => {
      const c0 = a.snapshot().cycle;
      await waitUntil(() => a.snapshot().cycle >= c0 + n, 15_000, `${n} cycles`);
    };
    // Warm up: a first batch made and removed, so lazily built structures exist before the baseline.
    const warm = await Promise.all(Array.from({ length: BATCH }, () => createNetns({ label: 'warm' })));
    await cycles(2);
    await Promise.all(warm.map((n) => n.dispose()));
    await cycles(3);
    const base = {
      fds: await fdCount(process.pid),
      heap: heapAfterGc(),
      rss: process.memoryUsage().rss,
      series: (await metrics()).length,
    };
    const churned = new Set<number>();
    let seen = 0;
    let peakSeries = base.series;
    let peakFds = base.fds;
    let halfHeap = 0;
    const t0 = Date.now();
    for (let done = 0; done < TOTAL; done += BATCH) {
      assert.ok(Date.now() - t0 < 600_000, `churn stopped after 10 minutes at ${done}/${TOTAL} namespaces`);
      const batch: Netns[] = await Promise.all(Array.from({ length: BATCH }, () => createNetns({ label: 'churn' })));
      for (const n of batch) churned.add(n.inode);
      if (events) {
        await Promise.all(
          batch
            .filter((_, i) => i % 10 === 0)
            .map((n) => n.exec('bash', ['-c', 'echo > /dev/tcp/127.0.0.1/9'], { timeoutMs: 5000 })),
        );
      }
      await cycles(2); // a whole cycle after they all existed
      const m = await metrics();
      const inodes = new Set(m.map((s) => s.labels.kubeskoop_netns_inode));
      seen += batch.filter((n) => inodes.has(String(n.inode))).length;
      peakSeries = Math.max(peakSeries, m.length);
      peakFds = Math.max(peakFds, await fdCount(process.pid));
      await Promise.all(batch.map((n) => n.dispose()));
      if (done + BATCH === TOTAL / 2) {
        await cycles(2);
        halfHeap = heapAfterGc();
      }
    }
    const churnMs = Date.now() - t0;
    let leftover: string[] = [];
    await waitUntil(
      async () => {
        const m = await metrics();
        // Inodes are reused: a churned inode now held by a live namespace (another test's) is not stale.
        const live = await liveNetnsInodes();
        leftover = [
          ...new Set(
            m
              .filter(
                (s) =>
                  churned.has(Number(s.labels.kubeskoop_netns_inode)) &&
                  !live.has(Number(s.labels.kubeskoop_netns_inode)),
              )
              .map((s) => `${s.labels.kubeskoop_netns_inode!}:${s.name}`),
          ),
        ];
        return leftover.length === 0;
      },
      10_000,
      'no series of a deleted namespace',
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${leftover.slice(0, 10).join(', ')}`);
    });
    await cycles(3);
    const end = {
      fds: await fdCount(process.pid),
      heap: heapAfterGc(),
      rss: process.memoryUsage().rss,
      series: (await metrics()).length,
    };
    const st = a.snapshot();
    assert.ok(seen >= TOTAL * 0.95, `the agent observed the churned namespaces (${seen}/${TOTAL})`);
    assert.ok(end.fds - base.fds <= FD_GROWTH, `fds ${base.fds} → ${end.fds} (bound +${FD_GROWTH})`);
    assert.ok(
      end.heap - base.heap < HEAP_GROWTH,
      `heap after GC ${mib(base.heap)} → ${mib(end.heap)} MiB (bound +${mib(HEAP_GROWTH)})`,
    );
    // Other tests on the machine may add namespaces: allow 3 namespaces' worth of series (≈ 120 each).
    assert.ok(end.series <= base.series + 3 * 120, `series ${base.series} → ${end.series}`);
    assert.equal(lines.filter((l) => l.level === 'error').length, 0, 'no error lines');
    const warns = lines.filter((l) => l.level === 'warn');
    assert.ok(warns.length <= 10, `few warn lines (${warns.map((l) => l.msg).join(' | ')})`);
    const gone = [...st.probes.values()].reduce((n, p) => n + p.errors.target_gone, 0);
    console.log(
      `      [faults/churn] ${TOTAL} namespaces (+${BATCH} warm-up) in ${churnMs} ms, ${seen} seen on /metrics, ${st.cycle} cycles; ` +
        `fds ${base.fds} → ${end.fds} (peak ${peakFds}, bound +${FD_GROWTH}); heap after GC ${mib(base.heap)} → ${mib(halfHeap)} (half) → ${mib(end.heap)} MiB (bound +${mib(HEAP_GROWTH)}); ` +
        `RSS ${mib(base.rss)} → ${mib(end.rss)} MiB (test process incl.); series ${base.series} → ${end.series} (peak ${peakSeries}); 0 series of deleted namespaces; ` +
        `warn lines ${warns.length}; target_gone ${gone}`,
    );
  });
});

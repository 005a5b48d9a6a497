// The native helper killed (SIGKILL) while events flow: the agent restarts it with backoff; the
// BPF programs and maps the killed helper held are freed (their ids, read from the helper's own
// fdinfo, are gone from `bpftool prog/map show`); events after each restart are attributed to the
// right namespace and the exported counts never go backwards; a crash loop ends in a degraded
// status with the reason, while the agent keeps serving and collecting.
import assert from 'node:assert/strict';
import { cleanupAll, createNetns, type Netns } from '../support/netns.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { startAgentProcess, waitForProbesRunning, type AgentProcess, requireBpf } from '../support/agent.js';
import { killPid, waitPidGone, waitUntil } from '../support/proc.js';
import {
  bpfIds,
  helperPid,
  liveBpfIds,
  refusedConnects,
  scrape,
  status,
  sum,
  tempDir,
  type TempDir,
} from './support.js';

describe('faults: the native helper killed', function () {
  this.timeout(120_000);
  let dir: TempDir;
  let ns: Netns;
  let rx: OtlpReceiver | undefined;
  let agent: AgentProcess | undefined;

  before(async function () {
    requireBpf(this); // skipped on a kernel without BTF; fails if the helper is not built
    dir = tempDir('helper');
    ns = await createNetns({ label: 'helper' });
    rx = await startOtlpReceiver({ http: false });
  });
  after(async () => {
    await agent?.stop();
    await rx?.close();
    await cleanupAll();
    dir?.dispose();
  });

  it('SIGKILL while events flow: restarted, BPF objects freed, events attributed, counts monotonic; a crash loop degrades, the agent lives', async () => {
    const config = dir.file(
      'helper.yaml',
      `interval: 500ms
metrics:
  probes: [netdev]
events:
  probes:
    - name: tcpreset
      options: { rate_per_namespace: unlimited, rate_per_node: unlimited }
otlp:
  endpoint: ${rx!.grpcEndpoint}
  export_interval: 1s
`,
    );
    agent = await startAgentProcess({ args: ['-c', config] });
    const a = agent;
    await waitForProbesRunning(a, ['tcpreset']);
    const nosock = async (): Promise<number> =>
      sum((await scrape(a)).samples, 'kubeskoop_tcp_reset_segments_total', {
        kubeskoop_netns_inode: String(ns.inode),
        kubeskoop_event_type: 'TCPRESET_NOSOCK',
      });
    const eventsIn = (): number =>
      rx!
        .logs()
        .filter(
          (l) =>
            l.eventName === 'kubeskoop.tcp.reset' &&
            l.resource['kubeskoop.netns.inode'] === ns.inode &&
            l.resource['kubeskoop.netns.name'] === ns.name &&
            l.attributes['kubeskoop.event.type'] === 'TCPRESET_NOSOCK',
        ).length;
    let expected = 0;
    const figures: string[] = [];
    const pids: number[] = [];
    // Three kills, each while a connect loop runs; the loop's resets are all counted in the end.
    for (let round = 1; round <= 3; round++) {
      const pid = await waitUntil(
        async () => {
          const p = await helperPid(a.pid);
          return p !== undefined && !pids.includes(p) && (await status(a)).probes.tcpreset?.state === 'running'
            ? p
            : undefined;
        },
        20_000,
        `helper generation ${round} running`,
      );
      pids.push(pid);
      const held = await bpfIds(pid);
      assert.ok(held.progs.size > 0 && held.maps.size > 0, 'the helper holds its programs and maps');
      // Events after a restart reach the backend attributed to the namespace.
      // While a helper runs, the count grows by exactly the resets made (it carries over restarts).
      const before = eventsIn();
      const c0 = await waitUntil(
        async () => {
          const v1 = await nosock();
          await new Promise((r) => setTimeout(r, 600));
          return v1 === (await nosock()) ? v1 : undefined;
        },
        10_000,
        'count settled',
      );
      const probe = await refusedConnects(ns.name, { count: 10, perSecond: 100, maxMs: 5000 }).done;
      expected += probe.refused;
      await rx!.waitFor(() => eventsIn() >= before + probe.refused, 15_000, `generation ${round}: events attributed`);
      const countBefore = await waitUntil(
        async () => {
          const v = await nosock();
          return v === c0 + probe.refused ? v : undefined;
        },
        15_000,
        `count ${c0} + ${probe.refused}`,
      );
      const flow = refusedConnects(ns.name, { count: 200, perSecond: 200, maxMs: 5000 });
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      killPid(pid, 'SIGKILL');
      await waitPidGone(pid, 5000);
      // The killed helper's programs and maps are gone from the kernel.
      const live = await waitUntil(
        async () => {
          const l = await liveBpfIds();
          return [...held.progs].every((id) => !l.progs.has(id)) && [...held.maps].every((id) => !l.maps.has(id))
            ? l
            : undefined;
        },
        10_000,
        'BPF programs and maps freed',
      );
      assert.ok(live);
      const next = await waitUntil(
        async () => {
          const p = await helperPid(a.pid);
          return p !== undefined && p !== pid ? p : undefined;
        },
        15_000,
        'restarted',
      );
      const restartMs = Date.now() - t0;
      const r = await flow.done;
      expected += r.refused;
      const after = await nosock();
      assert.ok(after >= countBefore, `count never goes backwards (${countBefore} → ${after})`);
      figures.push(
        `kill ${round}: ${held.progs.size} progs/${held.maps.size} maps freed, restarted as pid ${next} in ${restartMs} ms`,
      );
    }
    await waitUntil(
      async () => (await status(a)).probes.tcpreset?.state === 'running',
      20_000,
      'running after the last restart',
    );
    const last = await refusedConnects(ns.name, { count: 10, perSecond: 100, maxMs: 5000 }).done;
    expected += last.refused;
    const finalCount = await nosock();
    // Resets made while no helper ran are not seen by anyone: the count is at most the expected total.
    assert.ok(finalCount <= expected && finalCount >= last.refused, `final count ${finalCount} of ${expected} refused`);
    // A crash loop: kill every restart until the agent gives up (5 crashes within 60 s in all).
    let kills = 3;
    const degraded = await waitUntil(
      async () => {
        const st = await status(a);
        if (st.probes.tcpreset?.state === 'degraded' && /crashed/.test(st.probes.tcpreset.reason ?? '')) return st;
        const p = await helperPid(a.pid);
        if (p !== undefined && !pids.includes(p)) {
          pids.push(p);
          killPid(p, 'SIGKILL');
          kills++;
        }
        return undefined;
      },
      60_000,
      'degraded after a crash loop',
    );
    const reason = degraded.probes.tcpreset!.reason!;
    assert.match(reason, /native helper crashed \d+ times within \d+ s; not restarting/);
    // The agent lives on: healthy, collecting, serving; one log line for the degraded state.
    const c0 = degraded.lastCycle.cycle;
    await waitUntil(async () => (await status(a)).lastCycle.cycle > c0 + 2, 10_000, 'still collecting');
    assert.equal((await a.get('/healthz')).status, 200);
    assert.ok(
      (await scrape(a)).samples.some((s) => s.name === 'system_network_io_bytes_total'),
      'netdev still exported',
    );
    const degradedLines = a
      .logs()
      .filter((l) => l.level === 'warn' && l.probe === 'tcpreset' && /crashed/.test(String(l.reason)));
    assert.equal(degradedLines.length, 1, 'one log line for the crash-loop state');
    console.log(
      `      [faults/helper] ${figures.join('; ')}; NOSOCK count ${finalCount} of ${expected} refused (never backwards); crash loop after ${kills} kills → degraded ("${reason}"), agent healthy and collecting`,
    );
  });
});

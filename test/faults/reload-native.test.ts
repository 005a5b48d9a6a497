// Config reload of the eBPF probes, on the real helper and the real kernel: probes added by a
// reload are loaded in place (new programs in the kernel, running in /status, their events and
// counts arrive) while a kept probe's programs are not touched (same program ids) and its exported
// counter neither drops nor restarts; a removed probe's programs leave the kernel and its series
// leave /metrics; changed options reload one probe with its count carried over; moving a probe
// between events and metrics-only reloads nothing; a bad config changes nothing; the helper is
// stopped when no probe is left and started again for a new one; at the end no program is left.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupAll, createNetns, tcpTransfer, type Netns } from '../support/netns.js';
import { startAgentProcess, type AgentLogLine, type AgentProcess, requireBpf } from '../support/agent.js';
import { run, sleep, waitPidGone, waitUntil } from '../support/proc.js';
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

const UNLIMITED = '{ rate_per_namespace: unlimited, rate_per_node: unlimited }';

/** Names of live BPF programs by id (bpftool). */
async function progNames(): Promise<Map<number, string>> {
  const r = await run('bpftool', ['prog', 'show', '-j'], { timeoutMs: 20_000 });
  return new Map((JSON.parse(r.stdout || '[]') as { id: number; name?: string }[]).map((p) => [p.id, p.name ?? '']));
}

const minus = (a: ReadonlySet<number>, b: ReadonlySet<number>): number[] => [...a].filter((x) => !b.has(x));

/** The helper's programs of its probes: all it holds but the task walk's (ks_tasks, loaded for the
 *  agent's discovery at its first walk, kept while the helper runs, no probe's). */
async function probeProgs(helper: number): Promise<Set<number>> {
  const names = await progNames();
  return new Set([...(await bpfIds(helper)).progs].filter((id) => names.get(id) !== 'ks_tasks'));
}

describe('faults: config reload of the eBPF probes (real helper)', function () {
  this.timeout(240_000);
  let dir: TempDir;
  let ns: Netns;
  let agent: AgentProcess | undefined;
  const seenProgs = new Set<number>();

  before(async function () {
    requireBpf(this); // skipped on a kernel without BTF; fails if the helper is not built
    dir = tempDir('reload-native');
    ns = await createNetns({ label: 'reload' });
  });
  after(async () => {
    await agent?.stop(5000);
    agent = undefined;
    // whatever happened, nothing the agent's helpers loaded may stay in the kernel
    if (seenProgs.size > 0) {
      const live = await liveBpfIds();
      const left = [...seenProgs].filter((id) => live.progs.has(id));
      if (left.length > 0) console.log(`      [faults/reload-native] BPF programs left after stop: ${left.join(', ')}`);
    }
    await cleanupAll();
    dir?.dispose();
  });

  it('adds, removes, reloads and re-targets eBPF probes in place; kept counters carry on; a bad config changes nothing', async () => {
    const cfg = join(dir.path, 'config.yaml');
    // Rewritten as the kubelet does for a plain file: a new file renamed over the old one.
    const publish = (text: string): void => {
      writeFileSync(`${cfg}.tmp`, text);
      renameSync(`${cfg}.tmp`, cfg);
    };
    const sinkA = join(dir.path, 'a.jsonl');
    const sinkB = join(dir.path, 'b.jsonl');
    publish(`interval: 500ms
metrics:
  probes: [netdev]
events:
  probes:
    - name: tcpreset
      options: ${UNLIMITED}
  sinks:
    - name: file
      path: ${sinkA}
`);
    agent = await startAgentProcess({ args: ['-c', cfg] });
    const a = agent;
    const reloads = (): AgentLogLine[] => a.logs().filter((l) => l.msg === 'config reloaded');
    const nextReload = async (n: number, what: string): Promise<AgentLogLine> =>
      waitUntil(() => reloads()[n - 1], 30_000, `reload ${n}: ${what}`);
    const inode = String(ns.inode);
    const nosock = async (): Promise<number> =>
      sum((await scrape(a)).samples, 'kubeskoop_tcp_reset_segments_total', {
        kubeskoop_netns_inode: inode,
        kubeskoop_event_type: 'TCPRESET_NOSOCK',
      });
    const drops = async (): Promise<number> =>
      sum((await scrape(a)).samples, 'kubeskoop_packet_drops_total', {
        kubeskoop_netns_inode: inode,
        kubeskoop_drop_reason: 'NO_SOCKET',
      });
    const settled = async (read: () => Promise<number>, what: string): Promise<number> =>
      waitUntil(
        async () => {
          const v1 = await read();
          await sleep(1100);
          return v1 === (await read()) ? v1 : undefined;
        },
        20_000,
        `${what} settled`,
      );
    const refuse = async (n: number): Promise<void> => {
      const r = await refusedConnects(ns.name, { count: n, perSecond: 200, maxMs: 10_000 }).done;
      assert.equal(r.refused, n);
    };
    // KubeSkoop's JSON: a reset names its namespace (pod = the namespace's name); a drop only its flow (to port 9).
    const sinkLines = (file: string, type: string): number =>
      existsSync(file)
        ? readFileSync(file, 'utf8')
            .split('\n')
            .filter(
              (l) =>
                l.includes(`"type":"${type}"`) &&
                (l.includes(`{"name":"pod","value":"${ns.name}"}`) ||
                  (type === 'PacketLoss' && l.includes('{"name":"dport","value":"9"}'))),
            ).length
        : 0;

    // 0. tcpreset alone
    await waitUntil(async () => (await status(a)).probes.tcpreset?.state === 'running', 20_000, 'tcpreset running');
    const h1 = (await helperPid(a.pid))!;
    assert.ok(h1 > 0, 'helper running');
    const p0 = await probeProgs(h1);
    for (const id of p0) seenProgs.add(id);
    let names = await progNames();
    assert.ok(
      [...p0].some((id) => names.get(id) === 'ks_tcp_send_rese' || names.get(id)?.startsWith('ks_tcp_send')),
      `tcpreset programs loaded: ${[...p0].map((id) => names.get(id))}`,
    );
    await refuse(20);
    await waitUntil(async () => (await nosock()) === 20 || undefined, 15_000, 'NOSOCK = 20');
    await waitUntil(() => sinkLines(sinkA, 'TCPRESET_NOSOCK') === 20 || undefined, 10_000, '20 resets in sink a');

    // 1. add packetloss (events) and socketlatency (metrics only), move the file sink: file watch
    const t1 = Date.now();
    publish(`interval: 500ms
metrics:
  probes: [netdev, socketlatency]
events:
  probes:
    - name: tcpreset
      options: ${UNLIMITED}
    - name: packetloss
      options: ${UNLIMITED}
  sinks:
    - name: file
      path: ${sinkB}
`);
    const r1 = await nextReload(1, 'add packetloss and socketlatency');
    const reload1Ms = Date.now() - t1;
    assert.equal(r1.trigger, 'file changed');
    assert.deepEqual(r1.ebpfLoaded, ['packetloss', 'socketlatency']);
    assert.deepEqual(r1.ebpfKept, ['tcpreset']);
    assert.deepEqual(r1.ebpfUnloaded, []);
    assert.deepEqual([...(r1.started as string[])].sort(), ['packetloss', 'socketlatency']);
    assert.deepEqual([...(r1.kept as string[])].sort(), ['netdev', 'tcpreset']);
    assert.equal(r1.sinksReopened, true);
    assert.equal(
      a.logs().filter((l) => l.msg === 'config changes that take effect only after a restart (old values kept)').length,
      0,
      'nothing needs a restart',
    );
    assert.equal(await helperPid(a.pid), h1, 'the same helper process');
    const p1 = await probeProgs(h1);
    for (const id of p1) seenProgs.add(id);
    names = await progNames();
    assert.deepEqual(minus(p0, p1), [], "tcpreset's programs were not touched (same ids)");
    const added1 = minus(p1, p0);
    const names1 = names;
    assert.ok(added1.length >= 2, `new programs: ${added1.map((id) => names.get(id))}`);
    assert.ok(
      added1.every((id) => names.has(id)),
      'the new programs are in the kernel (bpftool)',
    );
    assert.ok(
      added1.some((id) => names.get(id) === 'ks_kfree_skb'),
      `packetloss program loaded: ${added1.map((id) => names.get(id))}`,
    );
    const st1 = await status(a);
    assert.equal(st1.probes.packetloss?.state, 'running', JSON.stringify(st1.probes.packetloss));
    assert.equal(st1.probes.socketlatency?.state, 'running', JSON.stringify(st1.probes.socketlatency));
    assert.equal(st1.probes.tcpreset?.state, 'running');
    // the kept counter did not drop or restart, and counts on exactly
    const nosock1 = await settled(nosock, 'NOSOCK after reload 1');
    assert.equal(nosock1, 20, 'tcpreset count kept across the reload');
    await refuse(15);
    await waitUntil(async () => (await nosock()) === 35 || undefined, 15_000, 'NOSOCK = 20 + 15');
    const drops1 = await waitUntil(
      async () => {
        const d = await drops();
        return d >= 15 ? d : undefined;
      },
      15_000,
      'NO_SOCKET drops counted',
    );
    // new events arrive, in the new sink only
    await waitUntil(() => sinkLines(sinkB, 'PacketLoss') >= 15 || undefined, 10_000, 'drop events in sink b');
    await waitUntil(() => sinkLines(sinkB, 'TCPRESET_NOSOCK') === 15 || undefined, 10_000, '15 resets in sink b');
    assert.equal(sinkLines(sinkA, 'TCPRESET_NOSOCK'), 20, 'the old sink got nothing more');
    await tcpTransfer(ns, ns, '127.0.0.1', { bytes: 2_000_000 });
    await waitUntil(
      async () =>
        sum((await scrape(a)).samples, 'kubeskoop_socket_read_delay_duration_seconds_count', {
          kubeskoop_netns_inode: inode,
        }) > 0 || undefined,
      15_000,
      'socketlatency measures reads in the namespace',
    );

    // 2. remove tcpreset: SIGHUP
    publish(`interval: 500ms
metrics:
  probes: [netdev, socketlatency]
events:
  probes:
    - name: packetloss
      options: ${UNLIMITED}
  sinks:
    - name: file
      path: ${sinkB}
`);
    process.kill(a.pid, 'SIGHUP');
    const r2 = await nextReload(2, 'remove tcpreset');
    assert.equal(r2.trigger, 'SIGHUP');
    assert.deepEqual(r2.ebpfUnloaded, ['tcpreset']);
    assert.deepEqual(r2.ebpfKept, ['packetloss', 'socketlatency']);
    assert.deepEqual(r2.stopped, ['tcpreset']);
    assert.equal(r2.sinksReopened, undefined, 'same sinks: not reopened');
    const live2 = await liveBpfIds();
    assert.deepEqual(
      [...p0].filter((id) => live2.progs.has(id)),
      [],
      "tcpreset's programs left the kernel",
    );
    const p2 = await probeProgs(h1);
    assert.deepEqual(
      added1.filter((id) => !p2.has(id)),
      [],
      "the other probes' programs stay (same ids)",
    );
    await waitUntil(
      async () => !(await scrape(a)).samples.some((s) => s.name === 'kubeskoop_tcp_reset_segments_total') || undefined,
      10_000,
      'tcpreset series gone',
    );
    const st2 = await status(a);
    assert.equal(st2.probes.tcpreset, undefined, '/status no longer lists tcpreset');
    assert.equal(st2.probes.packetloss?.state, 'running');
    const drops2 = await settled(drops, 'drops after reload 2');
    assert.ok(drops2 >= drops1, `packetloss count kept (${drops1} → ${drops2})`);
    const resetLines = sinkLines(sinkB, 'TCPRESET_NOSOCK');
    await refuse(10);
    await waitUntil(async () => (await drops()) >= drops2 + 10 || undefined, 15_000, 'drops keep counting');
    await waitUntil(() => sinkLines(sinkB, 'PacketLoss') >= 25 || undefined, 10_000, 'drop events keep coming');
    assert.equal(sinkLines(sinkB, 'TCPRESET_NOSOCK'), resetLines, 'no reset event after tcpreset was removed');

    // 3. packetloss options changed: that probe alone is loaded again, its count carried over
    publish(`interval: 500ms
metrics:
  probes: [netdev, socketlatency]
events:
  probes:
    - name: packetloss
      options: { rate_per_namespace: 5000, rate_per_node: unlimited }
  sinks:
    - name: file
      path: ${sinkB}
`);
    const r3 = await nextReload(3, 'packetloss options');
    assert.deepEqual(r3.ebpfReloaded, ['packetloss']);
    assert.deepEqual(r3.ebpfKept, ['socketlatency']);
    assert.deepEqual(r3.restarted, ['packetloss']);
    const p3 = await probeProgs(h1);
    for (const id of p3) seenProgs.add(id);
    names = await progNames();
    const kfree = (ids: Iterable<number>): number[] => [...ids].filter((id) => names.get(id) === 'ks_kfree_skb');
    assert.equal(kfree(p3).length, 1);
    assert.notDeepEqual(kfree(p3), kfree(p2), 'packetloss has a new program');
    const otherKept = added1.filter((id) => names1.get(id) !== 'ks_kfree_skb');
    assert.deepEqual(
      otherKept.filter((id) => !p3.has(id)),
      [],
      'socketlatency not touched',
    );
    const drops3 = await settled(drops, 'drops after reload 3');
    // exact: one NO_SOCKET drop per refused connect, none lost or counted twice by the carry-over
    assert.equal(drops3, drops2 + 10, `packetloss count carried over the reload (${drops2 + 10} → ${drops3})`);
    await refuse(10);
    await waitUntil(async () => (await drops()) >= drops3 + 10 || undefined, 15_000, 'reloaded packetloss counts on');
    assert.equal((await status(a)).probes.packetloss?.state, 'running');

    // 4. packetloss moved to metrics only (same options): nothing reloaded, no more events
    publish(`interval: 500ms
metrics:
  probes:
    - netdev
    - socketlatency
    - name: packetloss
      options: { rate_per_namespace: 5000, rate_per_node: unlimited }
events:
  sinks:
    - name: file
      path: ${sinkB}
`);
    const r4 = await nextReload(4, 'packetloss to metrics only');
    assert.deepEqual(r4.eventsOff, ['packetloss']);
    assert.deepEqual(r4.ebpfKept, ['packetloss', 'socketlatency']);
    assert.deepEqual(r4.ebpfReloaded, []);
    const p4 = await probeProgs(h1);
    assert.deepEqual([...p4].sort(), [...p3].sort(), 'no program reloaded');
    const drops4 = await settled(drops, 'drops after reload 4');
    const dropLines = sinkLines(sinkB, 'PacketLoss');
    await refuse(10);
    await waitUntil(async () => (await drops()) >= drops4 + 10 || undefined, 15_000, 'counted without events');
    await sleep(1000);
    assert.equal(sinkLines(sinkB, 'PacketLoss'), dropLines, 'no drop event once metrics-only');

    // 5. a bad config: rejected with the message, nothing changes
    publish(`interval: 500ms
metrics:
  probes: [netdev]
events:
  probes:
    - name: packetloss
      options: { no_such_option: 1 }
`);
    const rejected = await waitUntil(
      () => a.logs().find((l) => l.msg === 'config reload rejected; the running config stays in force'),
      10_000,
      'rejection',
    );
    assert.match(String(rejected.error), /no_such_option/);
    await sleep(1500);
    assert.equal(reloads().length, 4, 'not applied');
    assert.deepEqual([...(await probeProgs(h1))].sort(), [...p3].sort(), 'same programs');
    const st5 = await status(a);
    assert.equal(st5.probes.packetloss?.state, 'running');
    assert.equal(st5.probes.socketlatency?.state, 'running');
    assert.ok((await drops()) >= drops4 + 10, 'still counting');

    // 6. no eBPF probe left: the helper is stopped, its programs leave the kernel
    publish('interval: 500ms\nmetrics:\n  probes: [netdev]\n');
    const r6 = await nextReload(5, 'remove every eBPF probe');
    assert.deepEqual(r6.ebpfUnloaded, ['packetloss', 'socketlatency']);
    assert.equal(r6.helper, 'stopped');
    assert.ok(await waitPidGone(h1, 5000), 'helper exited');
    // programs are freed once their last fd and link are gone (RCU: allow a moment)
    const leftIn = async (): Promise<number[]> => {
      const live = await liveBpfIds();
      return [...seenProgs].filter((id) => live.progs.has(id));
    };
    await waitUntil(async () => (await leftIn()).length === 0 || undefined, 5000, 'no program of ours left');
    await waitUntil(
      async () => !(await scrape(a)).samples.some((s) => s.name === 'kubeskoop_packet_drops_total') || undefined,
      10_000,
      'packetloss series gone',
    );

    // 7. tcpreset again: a new helper; the re-added probe's series starts again from 0
    publish(
      `interval: 500ms\nmetrics:\n  probes: [netdev]\nevents:\n  probes:\n    - name: tcpreset\n      options: ${UNLIMITED}\n`,
    );
    const r7 = await nextReload(6, 'tcpreset again');
    assert.equal(r7.helper, 'started');
    assert.deepEqual(r7.ebpfLoaded, ['tcpreset']);
    const h2 = await waitUntil(() => helperPid(a.pid), 10_000, 'new helper');
    assert.notEqual(h2, h1);
    for (const id of await probeProgs(h2)) seenProgs.add(id);
    assert.equal((await status(a)).probes.tcpreset?.state, 'running');
    await refuse(5);
    await waitUntil(async () => (await nosock()) === 5 || undefined, 15_000, 'NOSOCK = 5 (a new series)');

    const code = await a.stop(10_000);
    agent = undefined;
    assert.equal(code, 0);
    await waitUntil(async () => (await leftIn()).length === 0 || undefined, 5000, 'no program of ours left after stop');
    console.log(
      `      [faults/reload-native] reload adding packetloss+socketlatency applied in ${reload1Ms} ms (file watch); ` +
        `tcpreset NOSOCK 20 → 20 across it, then 35; ${added1.length} programs added, ${p0.size} kept by id; tcpreset removed: ${p0.size} programs freed, series gone; ` +
        `packetloss reloaded with count ${drops2 + 10} → ${drops3}; metrics-only switch reloaded nothing; bad config rejected; helper stopped at 0 probes and restarted for 1`,
    );
  });
});

// qdisc on the real kernel: a veth between two test namespaces with a TBF qdisc on one end,
// bounded UDP traffic through it (some of it dropped by the TBF), and the agent's probe values
// (rtnetlink dumps made by the native helper inside the namespace) compared with
// `tc -s -j qdisc show` run in the same namespace; the helper's open fds do not grow over cycles.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';

import { NativeEventSource } from '../../receiver/events/native-source.js';
import { qdisc } from '../../receiver/probes/qdisc.js';
import type { MetricSample, ProbeContext } from '../../receiver/probes/probe.js';
import type { Target } from '../../receiver/targets/target.js';
import { silentLogger } from '../../receiver/log.js';
import { createNetns, createVethPair, sendUdp, type Netns, type VethPair } from '../support/netns.js';
import { ensureHelperBuilt } from '../native/support.js';
import { waitUntil } from '../support/proc.js';
import { startAgentProcess, type AgentProcess } from '../support/agent.js';
import { scrape, status, sum, tempDir } from '../faults/support.js';

interface TcQdisc {
  kind: string;
  handle: string;
  dev: string;
  root?: boolean;
  parent?: string;
  bytes: number;
  packets: number;
  drops: number;
  overlimits: number;
  requeues: number;
  backlog: number;
  qlen: number;
}

const FIELD_OF: Record<string, keyof TcQdisc> = {
  'kubeskoop.qdisc.io': 'bytes',
  'kubeskoop.qdisc.packets': 'packets',
  'kubeskoop.qdisc.drops': 'drops',
  'kubeskoop.qdisc.overlimits': 'overlimits',
  'kubeskoop.qdisc.requeues': 'requeues',
  'kubeskoop.qdisc.queue.count': 'qlen',
  'kubeskoop.qdisc.backlog.usage': 'backlog',
};

/** probe samples → one record per (dev, handle) like tc's */
function byQdisc(samples: readonly MetricSample[]): Map<string, Record<string, number | string>> {
  const out = new Map<string, Record<string, number | string>>();
  for (const s of samples) {
    const a = s.attributes;
    const key = `${a['network.interface.name']}|${a['kubeskoop.qdisc.handle']}`;
    const r = out.get(key) ?? { kind: String(a['kubeskoop.qdisc.kind']), parent: String(a['kubeskoop.qdisc.parent']) };
    r[FIELD_OF[s.metric.name]!] = s.value as number;
    out.set(key, r);
  }
  return out;
}

async function tcShow(ns: Netns): Promise<Map<string, TcQdisc>> {
  const r = await ns.execOk('tc', ['-s', '-j', 'qdisc', 'show']);
  const list = JSON.parse(r.stdout) as TcQdisc[];
  return new Map(list.map((q) => [`${q.dev}|${q.handle}`, q]));
}

const helperFds = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

describe('qdisc (real rtnetlink inside the namespace)', function () {
  this.timeout(120_000);
  let native: NativeEventSource;
  let a: Netns;
  let b: Netns;
  let veth: VethPair;

  before(async () => {
    await ensureHelperBuilt();
    native = new NativeEventSource({ probes: {}, emitEventsOf: new Set(), log: silentLogger });
    await native.start();
    a = await createNetns({ label: 'qda' });
    b = await createNetns({ label: 'qdb' });
    veth = await createVethPair(a, b);
    await a.execOk('tc', [
      'qdisc',
      'add',
      'dev',
      veth.a,
      'root',
      'handle',
      '1:',
      'tbf',
      'rate',
      '200kbit',
      'burst',
      '4k',
      'limit',
      '8k',
    ]);
  });
  after(async () => {
    await veth?.dispose();
    await a?.dispose();
    await b?.dispose();
    await native?.stop();
  });

  it('bytes, packets, drops, overlimits, qlen, backlog of every qdisc equal tc -s qdisc in that namespace', async () => {
    // 300 datagrams of 1000 B at once: far over 200 kbit/s with an 8 KiB limit, so the TBF drops some
    const udp = await sendUdp(a, b, veth.addrB, { count: 300, size: 1000, timeoutMs: 5000 });
    assert.ok(udp.sent > 0);
    // let the TBF drain (quiet from here on): its queue empty, as tc shows it
    await waitUntil(
      async () => {
        const q = (await tcShow(a)).get(`${veth.a}|1:`);
        return q !== undefined && q.qlen === 0 && q.backlog === 0;
      },
      15_000,
      'the TBF drained',
    );
    const probe = qdisc.create({ native });
    const ctx: ProbeContext = { procRoot: '/proc', log: silentLogger, options: {} };
    assert.deepEqual(await probe.start!(ctx), { state: 'running' });
    const target: Target = { netnsInode: a.inode, pid: a.pid, pids: [a.pid], kind: 'netns', netnsName: a.name };
    // The namespace is not silent: the kernel's own IPv6 packets (router solicitations, MLD reports)
    // leave through the TBF at times of its choosing (one 70-byte packet once fell between the probe
    // and tc in CI). Compare in a window where tc shows the same before and after the probe's read.
    let r: Awaited<ReturnType<typeof probe.collect>> | undefined;
    let viaPid: typeof r;
    let tc = await tcShow(a);
    for (let attempt = 0; attempt < 5; attempt++) {
      const before = JSON.stringify([...tc]);
      r = await probe.collect(target, ctx);
      // through /proc/<pid>/ns/net as well (a pod has no /run/netns name)
      viaPid = await probe.collect({ ...target, netnsName: undefined }, ctx);
      tc = await tcShow(a);
      if (JSON.stringify([...tc]) === before) break;
    }
    assert.deepEqual(r!.problems, []);
    const mine = byQdisc(r!.samples);
    assert.deepEqual([...mine.keys()].sort(), [...tc.keys()].sort());
    for (const [key, t] of tc) {
      const m = mine.get(key)!;
      assert.equal(m.kind, t.kind, key);
      for (const f of ['bytes', 'packets', 'drops', 'overlimits', 'requeues', 'qlen', 'backlog'] as const)
        assert.equal(m[f], t[f], `${key} ${f}`);
    }
    const tbf = mine.get(`${veth.a}|1:`)!;
    assert.equal(tbf.kind, 'tbf');
    assert.equal(tbf.parent, 'root');
    assert.ok((tbf.drops as number) > 0, 'the TBF dropped some datagrams');
    assert.ok((tbf.packets as number) > 0);
    assert.deepEqual(byQdisc(viaPid!.samples), mine);
  });

  it('batched cycles (one command for the namespaces of the previous cycle) equal tc -s in each namespace, and one command per namespace', async () => {
    const probe = qdisc.create({ native });
    const ctx: ProbeContext = { procRoot: '/proc', log: silentLogger, options: {} };
    const spaces = [a, b];
    const targets: Target[] = spaces.map((n) => ({ netnsInode: n.inode, pid: n.pid, pids: [n.pid], kind: 'netns' }));
    const single = qdisc.create({ native });
    const COUNTERS = ['bytes', 'packets', 'drops', 'overlimits', 'requeues'] as const;
    // The batch reads every namespace at beforeCycle; a stray packet (IPv6 router solicitation or MLD
    // on a new link) may pass between that read and tc's. So each counter must lie between tc read
    // before the batch and tc read after the probe's collect, and equal tc when nothing passed.
    const withinTc = (
      mine: Map<string, Record<string, number | string>>,
      pre: Map<string, TcQdisc>,
      post: Map<string, TcQdisc>,
    ): string | undefined => {
      const keys = JSON.stringify([...mine.keys()].sort());
      if (keys !== JSON.stringify([...post.keys()].sort())) return `qdiscs ${keys}`;
      for (const [key, t] of post) {
        const m = mine.get(key)!;
        const p = pre.get(key);
        if (m.kind !== t.kind) return `${key} kind ${String(m.kind)}`;
        for (const f of COUNTERS) {
          const lo = p?.[f] ?? 0;
          if (!(lo <= (m[f] as number) && (m[f] as number) <= t[f]))
            return `${key} ${f} ${String(m[f])} not in [${lo}, ${t[f]}]`;
          if (p && p[f] === t[f] && m[f] !== t[f]) return `${key} ${f} ${String(m[f])} != ${t[f]}`;
        }
      }
      return undefined;
    };
    for (let cycle = 0; cycle < 3; cycle++) {
      const pre = await Promise.all(spaces.map((n) => tcShow(n)));
      await probe.beforeCycle!(ctx);
      for (const [i, t] of targets.entries()) {
        const r = await probe.collect(t, ctx);
        const post = await tcShow(spaces[i]!);
        assert.deepEqual(r.problems, []);
        const mine = byQdisc(r.samples);
        const wrong = withinTc(mine, pre[i]!, post);
        assert.equal(
          wrong,
          undefined,
          `cycle ${cycle} ${spaces[i]!.name}: ${JSON.stringify([...mine])} vs tc ${JSON.stringify([...post])}`,
        );
        // one command per namespace: the same figures, read on their own
        const alone = byQdisc((await single.collect(t, ctx)).samples);
        const later = await tcShow(spaces[i]!);
        assert.equal(
          withinTc(alone, post, later),
          undefined,
          `single ${spaces[i]!.name}: ${JSON.stringify([...alone])}`,
        );
      }
    }
  });

  it('a vanished namespace is target_gone, not an error; a wrong inode is refused', async () => {
    const probe = qdisc.create({ native });
    const ctx: ProbeContext = { procRoot: '/proc', log: silentLogger, options: {} };
    const gone = await probe.collect({ netnsInode: 12345, pid: 999_999_999, pids: [], kind: 'netns' }, ctx);
    assert.equal(gone.targetGone, true);
    const wrong = await probe.collect({ netnsInode: 12345, pid: a.pid, pids: [a.pid], kind: 'netns' }, ctx);
    assert.equal(wrong.targetGone, true, 'the path names another namespace now');
    assert.equal(wrong.samples.length, 0);
  });

  it('through the real agent: /metrics equals tc -s; without the helper the probe is degraded with the reason and netdev runs', async () => {
    const dir = tempDir('qdisc');
    const cfg = dir.file('c.yaml', 'interval: 300ms\nmetrics:\n  probes: [netdev, qdisc]\n');
    let agent: AgentProcess | undefined;
    try {
      agent = await startAgentProcess({ args: ['-c', cfg] });
      await waitUntil(async () => (await status(agent!)).lastCycle.cycle >= 3, 30_000, '3 cycles');
      assert.equal(
        (await status(agent)).probes.qdisc?.state,
        'running',
        JSON.stringify((await status(agent)).probes.qdisc),
      );
      const m = await scrape(agent);
      const tbf = (await tcShow(a)).get(`${veth.a}|1:`)!;
      const l = {
        kubeskoop_netns_inode: String(a.inode),
        network_interface_name: veth.a,
        kubeskoop_qdisc_kind: 'tbf',
        kubeskoop_qdisc_handle: '1:',
        kubeskoop_qdisc_parent: 'root',
      };
      assert.equal(sum(m.samples, 'kubeskoop_qdisc_io_bytes_total', l), tbf.bytes);
      assert.equal(sum(m.samples, 'kubeskoop_qdisc_packets_total', l), tbf.packets);
      assert.equal(sum(m.samples, 'kubeskoop_qdisc_drops_total', l), tbf.drops);
      await agent.stop();
      agent = await startAgentProcess({
        args: ['-c', cfg],
        env: { KUBESKOOP_BPF_HELPER: '/nonexistent/kubeskoop-bpf-helper' },
      });
      await waitUntil(async () => (await status(agent!)).lastCycle.cycle >= 3, 30_000, '3 cycles');
      const st = await status(agent);
      assert.equal(st.probes.qdisc?.state, 'degraded');
      assert.match(st.probes.qdisc?.reason ?? '', /nonexistent\/kubeskoop-bpf-helper: ENOENT/);
      assert.equal(st.probes.netdev?.state, 'running');
    } finally {
      await agent?.stop();
      dir.dispose();
    }
  });

  it('the helper holds no more file descriptors after 300 cycles', async () => {
    const probe = qdisc.create({ native });
    const ctx: ProbeContext = { procRoot: '/proc', log: silentLogger, options: {} };
    const pid = native.helperStatus().pid!;
    const targets: Target[] = [a, b].map((n) => ({ netnsInode: n.inode, pid: n.pid, pids: [n.pid], kind: 'netns' }));
    await probe.collect(targets[0]!, ctx); // the helper's own namespace fd is opened once, at first use
    const before = helperFds(pid);
    for (let i = 0; i < 300; i++) for (const t of targets) await probe.collect(t, ctx);
    assert.equal(helperFds(pid), before);
  });
});

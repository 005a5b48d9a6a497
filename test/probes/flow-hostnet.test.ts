// flow for hostNetwork pods on the real kernel: a "hostNetwork pod" is a process in a fresh
// kubelet-like cgroup v2 (test/support/cgroup.ts) in the node's own namespace, declared to the agent
// as a process group of the host target with its pod uid (as dns's host_network_pods test does).
// Its peer is a test namespace behind a veth whose host end is in the node's namespace
// (10.199.172.0/24). Expected values come from the traffic's own sizes and from nftables counters
// in the peer's namespace, never from the probe: exact bytes and packets per peer under the pod,
// both directions, UDP and a byte-exact TCP transfer, IPv4 and IPv6; the node's series on the same
// interface (host_interfaces) keep the node's own datagrams and none of the pod's; removing the pod
// removes its cgroup links, its kernel entries and its series.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import path from 'node:path';

import { NativeEventSource } from '../../receiver/events/native-source.js';
import { flow } from '../../receiver/probes/flow.js';
import type { MetricProbe, MetricSample, ProbeContext } from '../../receiver/probes/probe.js';
import type { Target } from '../../receiver/targets/target.js';
import { silentLogger } from '../../receiver/log.js';
import { createPodCgroup, detectCgroupLayout, type PodCgroup } from '../support/cgroup.js';
import { cycle } from '../support/probe-cycle.js';
import {
  flowEntries,
  nftCounters,
  readNft,
  rows,
  tcpClient,
  tcpSink,
  udpSink,
  type Row,
} from '../support/flow-traffic.js';
import { killPid, run } from '../support/proc.js';
import {
  UDPFLOOD,
  deleteNs,
  ensureHelperBuilt,
  inNs,
  nodeIn,
  nsName,
  sh,
  startNodeIn,
  stopBackground,
  udpFlood,
} from '../native/support.js';

interface HostPair {
  ns: string;
  host: string;
  h4: string;
  p4: string;
  h6: string;
  p6: string;
}

/** A veth from the node's namespace to a test namespace in this test's 10.199.172.0/24. */
async function hostPair(): Promise<HostPair> {
  const id = process.pid.toString(36);
  const ns = nsName('fhn-p');
  const host = `k${id}hn`;
  const peer = `k${id}pn`;
  const v6 = `fd00:199:172:${(process.pid & 0xffff).toString(16)}`;
  const r = { ns, host, h4: '10.199.172.1', p4: '10.199.172.2', h6: `${v6}::1`, p6: `${v6}::2` };
  await deleteNs(ns).catch(() => undefined);
  await sh('ip', 'link', 'del', host).catch(() => undefined);
  await sh('ip', 'netns', 'add', ns);
  await sh('ip', 'link', 'add', host, 'type', 'veth', 'peer', 'name', peer, 'netns', ns);
  await sh('ip', 'addr', 'add', `${r.h4}/24`, 'dev', host);
  await sh('ip', '-6', 'addr', 'add', `${r.h6}/64`, 'dev', host, 'nodad');
  await sh('ip', 'link', 'set', host, 'up');
  await inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
  await inNs(ns, 'ip', 'addr', 'add', `${r.p4}/24`, 'dev', peer);
  await inNs(ns, 'ip', '-6', 'addr', 'add', `${r.p6}/64`, 'dev', peer, 'nodad');
  await inNs(ns, 'ip', 'link', 'set', peer, 'up');
  return r;
}

/** The programs the kernel runs for a cgroup (bpftool: attached there, not inherited). */
async function cgroupPrograms(dir: string): Promise<string[]> {
  const text = (await sh('bpftool', 'cgroup', 'show', dir, '-j')).trim();
  const out = (text ? JSON.parse(text) : []) as { name?: string }[]; // nothing attached: no output
  return out.map((p) => p.name ?? '').sort();
}

/** A command run inside the pod's container cgroup (the shell moves itself there, then execs). */
const inPod = (leaf: string, cmd: readonly string[]): Promise<{ code: number | null; stdout: string }> =>
  run('sh', ['-c', `echo $$ > '${leaf}/cgroup.procs' && exec "$@"`, 'sh', ...cmd], { timeoutMs: 60_000 });

const uidOf = (s: MetricSample): string => String(s.attributes['k8s.pod.uid'] ?? '');
/** a cycle's flow series: the pod's (its uid) and the node's (no pod) */
const byOwner = (
  samples: readonly MetricSample[],
  podUid: string,
): { mine: Map<string, Row>; nodes: Map<string, Row> } => ({
  mine: rows(samples.filter((s) => uidOf(s) === podUid)),
  nodes: rows(samples.filter((s) => uidOf(s) === '')),
});
/** a series' [packets, bytes]; a missing one fails with the series there are */
function at(r: Map<string, Row>, k: string): [number, number] {
  const x = r.get(k);
  assert.ok(x, `no series ${k} among ${[...r.keys()].join(', ')}`);
  return [x.packets, x.bytes];
}

describe('flow: hostNetwork pods (cgroup_skb programs on the pod cgroup, the node namespace)', function () {
  this.timeout(180_000);
  let native: NativeEventSource;
  let h: HostPair;
  let v2root: string;
  let selfNs: number;

  before(async () => {
    await ensureHelperBuilt();
    const layout = detectCgroupLayout();
    const root = layout.kind === 'v2' ? layout.root : layout.kind === 'hybrid' ? layout.unified : undefined;
    if (!root) throw new Error('no cgroup v2 hierarchy on this machine');
    v2root = root;
    selfNs = (await stat('/proc/self/ns/net')).ino;
    native = new NativeEventSource({ probes: {}, emitEventsOf: new Set(), log: silentLogger, helperCommands: true });
    await native.start();
    h = await hostPair();
  });
  after(async () => {
    await native?.stop();
    if (h) {
      await deleteNs(h.ns).catch(() => undefined);
      await sh('ip', 'link', 'del', h.host).catch(() => undefined);
    }
  });

  interface Pod {
    cg: PodCgroup;
    leaf: string;
    /** the pod-level cgroup (kubepods-…-pod<uid>.slice), where the programs go */
    podDir: string;
    proc: ChildProcess;
  }
  async function makePod(): Promise<Pod> {
    const cg = await createPodCgroup();
    const proc = spawn('sleep', ['600'], { stdio: 'ignore' });
    await cg.addPid(proc.pid!);
    const leaf = path.join(v2root, cg.relPath);
    return { cg, leaf, podDir: path.dirname(leaf), proc };
  }
  async function dropPod(p: Pod | undefined): Promise<void> {
    if (!p) return;
    killPid(p.proc.pid, 'SIGKILL');
    await p.cg.dispose().catch(() => undefined);
  }
  /** the host target: this test's own processes (the node's) and, when given, the pod's */
  const hostTarget = (pod?: Pod, name?: string): Target => ({
    netnsInode: selfNs,
    pid: process.pid,
    pids: pod ? [process.pid, pod.proc.pid!] : [process.pid],
    kind: 'host',
    processGroups: pod
      ? [
          { pids: [process.pid] },
          name
            ? { pids: [pod.proc.pid!], pod: { uid: pod.cg.podUid, name, namespace: 'kube-system' } }
            : { pids: [pod.proc.pid!], podUid: pod.cg.podUid },
        ]
      : [{ pids: [process.pid] }],
  });

  async function started(options: Record<string, unknown>): Promise<{ probe: MetricProbe; ctx: ProbeContext }> {
    const probe = flow.create({ native });
    const ctx: ProbeContext = { procRoot: '/proc', log: silentLogger, options };
    assert.deepEqual(await probe.start!(ctx), { state: 'running' });
    return { probe, ctx };
  }

  it("UDP both ways and byte-exact TCP transfers (the pod as client, then as server), IPv4 and IPv6: exact bytes and packets per peer under the pod; the node's series on the same interface keep the node's own datagrams and none of the pod's", async () => {
    const pod = await makePod();
    const { probe, ctx } = await started({ host_network_pods: {}, host_interfaces: [h.host] });
    try {
      const node = hostTarget(pod);
      await cycle(probe, ctx, [node]); // sees the interface and the pod
      await cycle(probe, ctx, [node]); // attaches both
      assert.deepEqual(probe.status!(), { state: 'running' });
      assert.deepEqual(await cgroupPrograms(pod.podDir), ['ks_flow_cg_rx', 'ks_flow_cg_tx']);
      const N = 30,
        SIZE = 240,
        BYTES = 2_000_000;
      for (const [hostAddr, peerAddr, base] of [
        [h.h4, h.p4, 5600],
        [h.h6, h.p6, 5700],
      ] as const) {
        const v6 = peerAddr.includes(':');
        const frame = SIZE + 8 + (v6 ? 40 : 20) + 14;
        // the pod sends datagrams to the peer
        const sink = await startNodeIn(h.ns, udpSink(peerAddr, base + 1, N));
        const sent = await inPod(pod.leaf, [UDPFLOOD, peerAddr, String(base + 1), String(N), '10', String(SIZE)]);
        assert.equal((JSON.parse(sent.stdout.trim()) as { sent: number }).sent, N);
        assert.equal((await sink.done).received, N);
        // the node (this test's own cgroup) sends datagrams to the peer over the same interface
        const nodeSink = await startNodeIn(h.ns, udpSink(peerAddr, base + 2, N));
        const nodeSent = JSON.parse(await sh(UDPFLOOD, peerAddr, String(base + 2), String(N), '10', String(SIZE))) as {
          sent: number;
        };
        assert.equal(nodeSent.sent, N);
        await nodeSink.done;
        // the peer sends datagrams to a socket of the pod
        const podSink = await startNodeIn('host', udpSink(hostAddr, base + 3, N), 10_000, pod.leaf);
        assert.equal((await udpFlood(h.ns, hostAddr, base + 3, N, 10, SIZE)).sent, N);
        assert.equal((await podSink.done).received, N);
        // a byte-exact TCP transfer from the pod, counted by nftables in the peer's namespace
        const tport = base + 4;
        await sh('ip', 'netns', 'exec', h.ns, 'nft', 'delete table inet ksflow').catch(() => undefined);
        await nftCounters(h.ns, v6, hostAddr, tport);
        const srv = await startNodeIn(h.ns, tcpSink(peerAddr, tport, 1));
        const c = await inPod(pod.leaf, [
          process.execPath,
          '--input-type=module',
          '-e',
          tcpClient(peerAddr, tport, 1, BYTES),
        ]);
        assert.equal(c.code, 0);
        assert.equal((await srv.done).bytes, BYTES);
        // and a byte-exact TCP transfer to a server of the pod (its first SYN meets the listener)
        const sport = base + 5;
        await sh('ip', 'netns', 'exec', h.ns, 'nft', 'delete table inet ksflowc').catch(() => undefined);
        await nftCounters(h.ns, v6, hostAddr, sport, { table: 'ksflowc', client: true });
        const podSrv = await startNodeIn('host', tcpSink(hostAddr, sport, 1), 10_000, pod.leaf);
        await nodeIn(h.ns, tcpClient(hostAddr, sport, 1, BYTES), 30_000);
        assert.equal((await podSrv.done).bytes, BYTES);

        const samples = (await cycle(probe, ctx, [node])).get(selfNs)!;
        const nft = await readNft(h.ns);
        const nftSrv = await readNft(h.ns, 'ksflowc');
        const { mine, nodes } = byOwner(samples, pod.cg.podUid);
        assert.deepEqual(at(mine, `transmit|udp|${peerAddr}|${base + 1}`), [N, N * frame], 'the pod sent');
        assert.deepEqual(at(mine, `receive|udp|${peerAddr}|${base + 3}`), [N, N * frame], 'the pod received');
        assert.deepEqual(
          at(mine, `transmit|tcp|${peerAddr}|${tport}`),
          [nft.in.packets, nft.in.bytes + 14 * nft.in.packets],
          "the pod's TCP segments: the peer's input",
        );
        assert.deepEqual(
          at(mine, `receive|tcp|${peerAddr}|${tport}`),
          [nft.out.packets, nft.out.bytes + 14 * nft.out.packets],
          "the peer's TCP segments to the pod: its output",
        );
        assert.ok(nft.in.bytes > BYTES, 'the payload is inside');
        // the pod as the server: the peer's output is the pod's input, the port the pod's own
        assert.deepEqual(
          at(mine, `receive|tcp|${peerAddr}|${sport}`),
          [nftSrv.out.packets, nftSrv.out.bytes + 14 * nftSrv.out.packets],
          "the peer's TCP segments to the pod's server",
        );
        assert.deepEqual(
          at(mine, `transmit|tcp|${peerAddr}|${sport}`),
          [nftSrv.in.packets, nftSrv.in.bytes + 14 * nftSrv.in.packets],
          "the pod's server's segments",
        );
        assert.equal(mine.get(`receive|tcp|${peerAddr}|${sport}`)!.attributes['kubeskoop.peer.role'], 'client');
        assert.ok(nftSrv.out.bytes > BYTES, 'the payload is inside');
        const tx = mine.get(`transmit|udp|${peerAddr}|${base + 1}`)!.attributes;
        assert.equal(tx['network.interface.name'], h.host);
        assert.equal(tx['network.local.address'], hostAddr);
        assert.equal(tx['kubeskoop.peer.role'], 'server');
        assert.equal(mine.get(`transmit|tcp|${peerAddr}|${tport}`)!.attributes['kubeskoop.peer.role'], 'server');
        assert.equal(mine.get(`receive|udp|${peerAddr}|${base + 3}`)!.attributes['kubeskoop.peer.role'], 'client');
        // the node's own datagrams stay the node's; the pod's are not counted there too
        assert.deepEqual(at(nodes, `transmit|udp|${peerAddr}|${base + 2}`), [N, N * frame], 'the node sent');
        for (const k of [
          `transmit|udp|${peerAddr}|${base + 1}`,
          `receive|udp|${peerAddr}|${base + 3}`,
          `transmit|tcp|${peerAddr}|${tport}`,
          `receive|tcp|${peerAddr}|${tport}`,
          `transmit|tcp|${peerAddr}|${sport}`,
          `receive|tcp|${peerAddr}|${sport}`,
        ])
          assert.ok(!nodes.has(k), `the pod's ${k} is not in the node's series`);
        assert.ok(![...mine.keys()].some((k) => k.endsWith(`|${base + 2}`)), "the node's datagrams are not the pod's");
      }
    } finally {
      await probe.stop!();
      await dropPod(pod);
    }
  });

  it('the pod sending (cgroup_skb egress, process context) and receiving (ingress, softirq) while the node sends and receives on the same interface (tc programs) from every CPU at once: UDP and TCP both ways: exact packets and bytes in each of the twelve flows', async () => {
    // The programs' per-CPU caches under concurrency: the tc programs' (unguarded: they never nest
    // on a CPU) and the cgroup_skb programs' (guarded: a softirq's program can interrupt a task's)
    // both busy on every CPU, with the node deferring the pod's packets on the same interface. A
    // torn slot needs an interrupt inside a ~50 ns program run, so this cannot force one: it
    // checks that the counts stay exact while the caches are shared by all these programs (an
    // unguarded shared cache passed it 3 times in 3, so it is no proof of the guard).
    const pod = await makePod();
    const { probe, ctx } = await started({ host_network_pods: {}, host_interfaces: [h.host] });
    try {
      const node = hostTarget(pod);
      await cycle(probe, ctx, [node]);
      await cycle(probe, ctx, [node]);
      assert.deepEqual(await cgroupPrograms(pod.podDir), ['ks_flow_cg_rx', 'ks_flow_cg_tx']);
      const N = 40_000,
        SIZE = 32,
        frame = SIZE + 8 + 20 + 14;
      const base = 6100;
      // the neighbours known first (a datagram queued for ARP reaches the tc hook later or never):
      // one each way to a port no flow below uses, then ARP's answer waited for
      await sh(UDPFLOOD, h.p4, String(base + 9), '1');
      await udpFlood(h.ns, h.h4, base + 9, 1);
      for (let i = 0; i < 50 && !/REACHABLE|STALE|DELAY/.test(await sh('ip', 'neigh', 'show', h.p4)); i++)
        await new Promise((r) => setTimeout(r, 20));
      // sinks so no ICMP answers: the pod's two sockets, the node's two, the peer's four
      const sinks = await Promise.all([
        startNodeIn('host', udpSink(h.h4, base + 5, 2 * N), 10_000, pod.leaf),
        startNodeIn('host', udpSink(h.h4, base + 6, 2 * N), 10_000, pod.leaf),
        startNodeIn('host', udpSink(h.h4, base + 7, 2 * N)),
        startNodeIn('host', udpSink(h.h4, base + 8, 2 * N)),
        ...[1, 2, 3, 4].map((i) => startNodeIn(h.ns, udpSink(h.p4, base + i, 2 * N))),
      ]);
      try {
        const flood = (args: string[]): Promise<number> =>
          Promise.resolve(args).then(async (a) => (JSON.parse(await sh(UDPFLOOD, ...a)) as { sent: number }).sent);
        const podFlood = (port: number): Promise<number> =>
          inPod(pod.leaf, [UDPFLOOD, h.p4, String(port), String(N), '20', String(SIZE)]).then(
            (r) => (JSON.parse(r.stdout.trim()) as { sent: number }).sent,
          );
        // and TCP both ways, counted by nftables in the peer's namespace: the pod's segments sent
        // from its task and, for the transfer it receives, its ACKs sent from the receive softirq
        // (a cgroup_skb egress program that can interrupt the task's on the same CPU)
        const tport = base + 10,
          sport = base + 11,
          BYTES = 4_000_000;
        await inNs(h.ns, 'nft', 'delete table inet ksflow').catch(() => undefined);
        await inNs(h.ns, 'nft', 'delete table inet ksflowc').catch(() => undefined);
        await nftCounters(h.ns, false, h.h4, tport);
        await nftCounters(h.ns, false, h.h4, sport, { table: 'ksflowc', client: true });
        const srv = await startNodeIn(h.ns, tcpSink(h.p4, tport, 1));
        const podSrv = await startNodeIn('host', tcpSink(h.h4, sport, 1), 10_000, pod.leaf);
        // every flow at once: two senders in the pod, two of the node's, the peer to two of the
        // pod's sockets and to two of the node's (their receive softirq runs on the senders' CPUs)
        const [sent, tcpOut] = await Promise.all([
          Promise.all([
            podFlood(base + 1),
            podFlood(base + 2),
            flood([h.p4, String(base + 3), String(N), '20', String(SIZE)]),
            flood([h.p4, String(base + 4), String(N), '20', String(SIZE)]),
            ...[5, 6, 7, 8].map((i) => udpFlood(h.ns, h.h4, base + i, N, 20, SIZE).then((r) => r.sent)),
          ]),
          Promise.all([
            inPod(pod.leaf, [process.execPath, '--input-type=module', '-e', tcpClient(h.p4, tport, 1, BYTES)]),
            nodeIn(h.ns, tcpClient(h.h4, sport, 1, BYTES), 30_000),
          ]),
        ]);
        for (const n of sent) assert.equal(n, N);
        assert.equal(tcpOut[0].code, 0);
        assert.equal((await srv.done).bytes, BYTES);
        assert.equal((await podSrv.done).bytes, BYTES);
        const nft = await readNft(h.ns);
        const nftSrv = await readNft(h.ns, 'ksflowc');
        const samples = (await cycle(probe, ctx, [node])).get(selfNs)!;
        const { mine, nodes } = byOwner(samples, pod.cg.podUid);
        for (const i of [1, 2]) assert.deepEqual(at(mine, `transmit|udp|${h.p4}|${base + i}`), [N, N * frame]);
        for (const i of [5, 6]) assert.deepEqual(at(mine, `receive|udp|${h.p4}|${base + i}`), [N, N * frame]);
        for (const i of [3, 4]) assert.deepEqual(at(nodes, `transmit|udp|${h.p4}|${base + i}`), [N, N * frame]);
        for (const i of [7, 8]) assert.deepEqual(at(nodes, `receive|udp|${h.p4}|${base + i}`), [N, N * frame]);
        const ip = (c: { packets: number; bytes: number }): [number, number] => [c.packets, c.bytes + 14 * c.packets];
        assert.deepEqual(at(mine, `transmit|tcp|${h.p4}|${tport}`), ip(nft.in));
        assert.deepEqual(at(mine, `receive|tcp|${h.p4}|${tport}`), ip(nft.out));
        assert.deepEqual(at(mine, `transmit|tcp|${h.p4}|${sport}`), ip(nftSrv.in));
        assert.deepEqual(at(mine, `receive|tcp|${h.p4}|${sport}`), ip(nftSrv.out));
        for (const i of [1, 2, 5, 6, 10, 11]) assert.ok(![...nodes.keys()].some((k) => k.endsWith(`|${base + i}`)));
        for (const i of [3, 4, 7, 8]) assert.ok(![...mine.keys()].some((k) => k.endsWith(`|${base + i}`)));
      } finally {
        for (const s of sinks) await stopBackground(s);
      }
    } finally {
      await probe.stop!();
      await dropPod(pod);
    }
  });

  it("a pod's name known later renames its series; a removed pod's cgroup links, kernel entries and series go; the helper holds no cgroup link at stop", async () => {
    const pod = await makePod();
    const { probe, ctx } = await started({ host_network_pods: {} });
    try {
      await cycle(probe, ctx, [hostTarget(pod)]);
      await cycle(probe, ctx, [hostTarget(pod)]);
      assert.deepEqual(await cgroupPrograms(pod.podDir), ['ks_flow_cg_rx', 'ks_flow_cg_tx']);
      const sink = await startNodeIn(h.ns, udpSink(h.p4, 5801, 5));
      await inPod(pod.leaf, [UDPFLOOD, h.p4, '5801', '5', '10', '100']);
      await sink.done;
      const id = (await stat(pod.podDir)).ino;
      const before = (await cycle(probe, ctx, [hostTarget(pod)])).get(selfNs)!;
      const ofPod = (s: MetricSample): boolean => uidOf(s) === pod.cg.podUid && s.metric.name === 'kubeskoop.flow.io';
      assert.ok(before.some(ofPod), "the pod's series before");
      const ofPodEntries = async (): Promise<number> =>
        flowEntries(await native.helperCommand('flow', ['dump', 'all'])).filter(
          (e) => e.cgroup && e.netnsInode === id % 2 ** 32,
        ).length;
      assert.ok((await ofPodEntries()) > 0, "the pod's kernel entries before");
      // its name becomes known (the pod list caught up): the same series carry it
      const named = (await cycle(probe, ctx, [hostTarget(pod, 'node-exporter-x')])).get(selfNs)!.filter(ofPod);
      assert.ok(named.length > 0);
      assert.ok(
        named.every(
          (s) =>
            s.attributes['k8s.pod.name'] === 'node-exporter-x' && s.attributes['k8s.namespace.name'] === 'kube-system',
        ),
      );
      // the pod is no longer in the host target: detached, its entries and series gone
      await cycle(probe, ctx, [hostTarget()]);
      const after = (await cycle(probe, ctx, [hostTarget()])).get(selfNs)!;
      assert.deepEqual(await cgroupPrograms(pod.podDir), []);
      assert.equal(await ofPodEntries(), 0);
      assert.equal(after.filter(ofPod).length, 0);
      assert.equal((await native.helperCommand('flow', ['dump'])).cgroups, 0);
      // back again, then the probe stops: the links go with the unload
      await cycle(probe, ctx, [hostTarget(pod)]);
      await cycle(probe, ctx, [hostTarget(pod)]);
      assert.equal((await native.helperCommand('flow', ['dump'])).cgroups, 1);
      await probe.stop!();
      assert.deepEqual(await cgroupPrograms(pod.podDir), []);
    } finally {
      await probe.stop!();
      await dropPod(pod);
    }
  });

  it("loopback: counted under the pod when its interfaces ask for lo (frames of lo's Ethernet header), not by default; interfaces not asked for are not reported", async () => {
    const pod = await makePod();
    const N = 12,
      SIZE = 90;
    const frame = SIZE + 8 + 20 + 14;
    try {
      for (const [options, lo] of [
        [{ host_network_pods: {} }, false],
        [{ host_network_pods: { interfaces: ['lo'] } }, true],
      ] as const) {
        const { probe, ctx } = await started(options);
        try {
          await cycle(probe, ctx, [hostTarget(pod)]);
          await cycle(probe, ctx, [hostTarget(pod)]);
          const port = lo ? 5912 : 5911;
          // the node's socket on 127.0.0.1 receives the pod's datagrams (the receiver is no pod)
          const sink = await startNodeIn('host', udpSink('127.0.0.1', port, N));
          await inPod(pod.leaf, [UDPFLOOD, '127.0.0.1', String(port), String(N), '10', String(SIZE)]);
          assert.equal((await sink.done).received, N);
          // and over the veth to the peer
          const far = await startNodeIn(h.ns, udpSink(h.p4, port, N));
          await inPod(pod.leaf, [UDPFLOOD, h.p4, String(port), String(N), '10', String(SIZE)]);
          await far.done;
          const samples = (await cycle(probe, ctx, [hostTarget(pod)])).get(selfNs)!;
          const mine = rows(samples.filter((s) => uidOf(s) === pod.cg.podUid));
          const x = mine.get(`transmit|udp|127.0.0.1|${port}`);
          if (lo) {
            assert.deepEqual([x?.packets, x?.bytes], [N, N * frame], 'the pod sent on lo');
            assert.equal(x!.attributes['network.interface.name'], 'lo');
            assert.ok(!mine.has(`transmit|udp|${h.p4}|${port}`), 'interfaces: [lo] leaves the veth out');
          } else {
            assert.equal(x, undefined, 'lo is not counted by default');
            const v = mine.get(`transmit|udp|${h.p4}|${port}`);
            assert.deepEqual([v?.packets, v?.bytes], [N, N * frame], 'every other interface is');
          }
          assert.ok(![...mine.keys()].some((k) => k.startsWith('receive|udp|127.0.0.1')), "the node's receiving");
        } finally {
          await probe.stop!();
        }
      }
    } finally {
      await dropPod(pod);
    }
  });

  it('without host_network_pods nothing is attached to the pod and its traffic stays the node’s', async () => {
    const pod = await makePod();
    const { probe, ctx } = await started({ host_interfaces: [h.host] });
    try {
      await cycle(probe, ctx, [hostTarget(pod)]);
      await cycle(probe, ctx, [hostTarget(pod)]);
      assert.deepEqual(await cgroupPrograms(pod.podDir), []);
      const N = 7;
      const sink = await startNodeIn(h.ns, udpSink(h.p4, 5901, N));
      await inPod(pod.leaf, [UDPFLOOD, h.p4, '5901', String(N), '10', '100']);
      await sink.done;
      const samples = (await cycle(probe, ctx, [hostTarget(pod)])).get(selfNs)!;
      assert.equal(samples.filter((s) => uidOf(s) !== '').length, 0);
      const tx = rows(samples).get(`transmit|udp|${h.p4}|5901`);
      assert.deepEqual([tx?.packets, tx?.bytes], [N, N * (100 + 8 + 20 + 14)]);
    } finally {
      await probe.stop!();
      await dropPod(pod);
    }
  });
});

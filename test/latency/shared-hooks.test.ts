// One program per hook the latency probes share (helper/hooks.c, bpf/probes/latency_hooks.bpf.c):
// with kernellatency, netiftxlatency and socketlatency loaded, the kernel holds exactly one attached
// program of this helper on each hook (net_dev_queue ran three, sk_data_ready two), and each probe
// still counts its own histograms and sends its own records under TCP and UDP traffic between two
// test namespaces. Unloading a member keeps the others' shared-hook work running.
import assert from 'node:assert/strict';

import type { LatencyCount } from '../../receiver/native/frames.js';
import {
  deleteNs,
  ensureHelperBuilt,
  makePair,
  sh,
  startClient,
  udpFlood,
  type Harness,
  type NsPair,
} from '../native/support.js';
import { tcpTransfer } from '../support/netns.js';
import { sleep } from '../support/proc.js';

const N = 61;
const BYTES = 2 * 1024 * 1024;
// every latency measurement is an event: each probe's records show it ran
const forced = { thresholdLowUs: 1, thresholdHighUs: 100_000, eventLevel: 1 } as const;

/** One bounded TCP transfer from a to b; every byte must arrive. */
async function transfer(pair: NsPair): Promise<void> {
  const t = await tcpTransfer({ name: pair.a }, { name: pair.b }, pair.b4, { bytes: BYTES, timeoutMs: 30_000 });
  assert.equal(t.receivedBytes, BYTES, JSON.stringify(t));
}

/** tp_btf links of the given programs, by tracepoint (bpftool: the kernel's own list). */
async function linksByHook(progIds: Set<number>): Promise<Map<string, number[]>> {
  const links = JSON.parse(await sh('bpftool', '-j', 'link', 'show')) as {
    prog_id?: number;
    tp_name?: string;
  }[];
  const out = new Map<string, number[]>();
  for (const l of links) {
    if (l.prog_id === undefined || !progIds.has(l.prog_id)) continue;
    const hook = l.tp_name ?? '?';
    out.set(hook, [...(out.get(hook) ?? []), l.prog_id]);
  }
  return out;
}

const histCount = (lat: LatencyCount[], probe: string, metric: string, inode: number): number =>
  lat
    .filter((c) => c.probe === probe && c.metric === metric && c.scopeKey === inode && c.domain === 'hist')
    .reduce((a, c) => a + c.count, 0);

describe('latency probes sharing hooks: one program per hook', function () {
  this.timeout(120_000);
  let pair: NsPair | undefined;
  let h: Harness | undefined;

  before(async () => {
    await ensureHelperBuilt();
    pair = await makePair('shk', N, { ipv6: false });
    h = await startClient({ probes: { kernellatency: forced, netiftxlatency: forced, socketlatency: forced } });
  });
  after(async () => {
    await h?.client.stop();
    if (pair) await deleteNs(pair.a, pair.b);
  });

  it('each hook has one attached program of ours; each probe counts and reports its own measurements', async () => {
    const st = h!.client.status();
    for (const p of ['kernellatency', 'netiftxlatency', 'socketlatency'] as const)
      assert.equal(st.probes[p].state, 'running', JSON.stringify(st.probes[p]));

    const before = await h!.client.dumpCounters();
    const ids = new Set(before.probes.flatMap((p) => p.programs.map((g) => g.id)));
    const byHook = await linksByHook(ids);
    // netif_receive_skb, sk_data_ready, net_dev_queue, net_dev_start_xmit, net_dev_xmit,
    // sock_recv_length, tcp_sendmsg_locked, inet_sock_set_state: 8 hooks, one link each
    assert.deepEqual([...byHook.keys()].sort(), [
      'inet_sock_set_state',
      'net_dev_queue',
      'net_dev_start_xmit',
      'net_dev_xmit',
      'netif_receive_skb',
      'sk_data_ready',
      'sock_recv_length',
      'tcp_sendmsg_locked',
    ]);
    for (const [hook, progs] of byHook) assert.equal(progs.length, 1, `${hook}: programs ${progs.join(',')}`);
    assert.equal(ids.size, 8, `program ids ${[...ids].join(',')}`);
    // the shared programs are listed under every member that runs on them, with the same id
    const named = (probe: string, name: string): number | undefined =>
      before.probes.find((p) => p.probe === probe)?.programs.find((g) => g.name === name)?.id;
    const queue = named('kernellatency', 'ks_hook_net_dev_queue');
    const ready = named('kernellatency', 'ks_hook_sk_data_ready');
    assert.ok(queue !== undefined && ready !== undefined);
    assert.deepEqual(byHook.get('net_dev_queue'), [queue]);
    assert.deepEqual(byHook.get('sk_data_ready'), [ready]);
    assert.equal(named('netiftxlatency', 'ks_hook_net_dev_queue'), queue);
    assert.equal(named('socketlatency', 'ks_hook_net_dev_queue'), queue);
    assert.equal(named('socketlatency', 'ks_hook_sk_data_ready'), ready);
    assert.equal(named('netiftxlatency', 'ks_hook_sk_data_ready'), undefined);

    await transfer(pair!);
    const udp = await udpFlood(pair!.a, pair!.b4, 9999, 200, 10, 100);
    assert.equal(udp.sent, 200);
    await sleep(200);
    const d = await h!.client.dumpCounters();
    const a = pair!.aInode,
      b = pair!.bInode;
    // kernellatency: tx (net_dev_queue) in the sender's namespace, rx (end at sk_data_ready) in the receiver's
    assert.ok(histCount(d.latency, 'kernellatency', 'kernel_tx', a) > 10, 'kernel_tx');
    assert.ok(histCount(d.latency, 'kernellatency', 'kernel_rx', b) > 10, 'kernel_rx');
    // netiftxlatency: every UDP datagram and TCP segment queued on a's veth (start at net_dev_queue)
    assert.ok(histCount(d.latency, 'netiftxlatency', 'qdisc', a) >= 200, 'qdisc');
    assert.ok(histCount(d.latency, 'netiftxlatency', 'netdev', a) >= 200, 'netdev');
    // socketlatency: send ends at net_dev_queue (sender), read starts at sk_data_ready (receiver)
    assert.ok(histCount(d.latency, 'socketlatency', 'sock_write', a) >= 1, 'sock_write');
    assert.ok(histCount(d.latency, 'socketlatency', 'sock_read', b) >= 1, 'sock_read');
    // each probe's records, from its own ring, with its own metrics and namespaces
    const recs = h!.events.filter((e) => e.type === 'latency');
    const has = (metric: string, inode: number): boolean =>
      recs.some((e) => e.type === 'latency' && e.metric === metric && e.netnsInode === inode);
    for (const [m, ns] of [
      ['kernel_tx', a],
      ['kernel_rx', b],
      ['qdisc', a],
      ['sock_write', a],
      ['sock_read', b],
    ] as const)
      assert.ok(has(m, ns), `no ${m} record in namespace ${ns}`);
    // every shared-hook run is one program run: the dispatchers ran, and nothing else on those hooks
    const runs = (id: number): number => d.probes.flatMap((p) => p.programs).find((g) => g.id === id)?.runCount ?? 0;
    if ((await sh('sysctl', '-n', 'kernel.bpf_stats_enabled')).trim() === '1') {
      assert.ok(runs(queue) > 0 && runs(ready) > 0, `runs ${runs(queue)} ${runs(ready)}`);
    }
  });

  it('unloading a member keeps the others measuring on the shared hooks', async () => {
    const r = await h!.client.setProbes({ netiftxlatency: forced, socketlatency: forced });
    assert.deepEqual(r.unload, ['kernellatency']);
    const d0 = await h!.client.dumpCounters();
    const ids = new Set(d0.probes.flatMap((p) => p.programs.map((g) => g.id)));
    const byHook = await linksByHook(ids);
    for (const [hook, progs] of byHook) assert.equal(progs.length, 1, `${hook}: programs ${progs.join(',')}`);
    assert.ok(byHook.has('net_dev_queue') && byHook.has('sk_data_ready'));
    assert.ok(!byHook.has('netif_receive_skb'));
    const q0 = histCount(d0.latency, 'netiftxlatency', 'qdisc', pair!.aInode);
    const r0 = histCount(d0.latency, 'socketlatency', 'sock_read', pair!.bInode);
    await transfer(pair!);
    await sleep(200);
    const d1 = await h!.client.dumpCounters();
    assert.ok(histCount(d1.latency, 'netiftxlatency', 'qdisc', pair!.aInode) > q0, 'qdisc after');
    assert.ok(histCount(d1.latency, 'socketlatency', 'sock_read', pair!.bInode) > r0, 'sock_read after');
    assert.equal(histCount(d1.latency, 'kernellatency', 'kernel_tx', pair!.aInode), 0);
  });
});

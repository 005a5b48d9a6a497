// What counting hostNetwork pods costs per packet (real BPF, as root; prints, writes no results file):
//  - cg: ks_flow_cg_tx (cgroup_skb egress on a test pod's cgroup) for the pod's UDP stream over a
//    veth to a test namespace, next to the floor: the same program loaded with x_empty=1 (same hook
//    and dispatch, no work);
//  - node: ks_flow_tx / ks_flow_rx on the node-namespace end of that veth (host_interfaces) for the
//    node's own traffic (not a pod's), with hostnet off and on: what telling pods' packets apart
//    adds there — egress reads the skb's socket cgroup, ingress looks the socket up — for one bulk
//    stream (the per-CPU cache keeps the verdict) and 1,000 interleaved flows (every packet a miss).
// Every mode in every round (paired); kernel.bpf_stats_enabled restored afterwards.
//
//   npx tsc -p tsconfig.json && node dist/test/bench/flow-hostnet.js [rounds]
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { NativeEventSource } from '../../receiver/events/native-source.js';
import { parseFlowFrame } from '../../receiver/native/commands.js';
import { silentLogger } from '../../receiver/log.js';
import { helperProgramIds, median, runStats } from './bpf-stats.js';
import { createPodCgroup, detectCgroupLayout } from '../support/cgroup.js';
import { run } from '../support/proc.js';
import { UDPFLOOD, deleteNs, ensureHelperBuilt, inNs, nsName, sh, udpFlood } from '../native/support.js';

const STATS = '/proc/sys/kernel/bpf_stats_enabled';
const ROUNDS = Number(process.argv[2] ?? 5);
const PACKETS = 100_000;
const FLOWS = 1000;

async function main(): Promise<void> {
  await ensureHelperBuilt();
  const layout = detectCgroupLayout();
  const v2 = layout.kind === 'v2' ? layout.root : layout.kind === 'hybrid' ? layout.unified : undefined;
  if (!v2) throw new Error('no cgroup v2 hierarchy');
  const id = process.pid.toString(36);
  const ns = nsName('bhn-p');
  const host = `k${id}hb`;
  await sh('ip', 'netns', 'add', ns);
  await sh('ip', 'link', 'add', host, 'type', 'veth', 'peer', 'name', `k${id}pb`, 'netns', ns);
  await sh('ip', 'addr', 'add', '10.199.172.1/24', 'dev', host);
  await sh('ip', 'link', 'set', host, 'up');
  await inNs(ns, 'ip', 'addr', 'add', '10.199.172.2/24', 'dev', `k${id}pb`);
  await inNs(ns, 'ip', 'link', 'set', `k${id}pb`, 'up');
  await inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
  const cg = await createPodCgroup();
  const leaf = path.join(v2, cg.relPath);
  const podDir = path.dirname(leaf);
  const selfNs = (await stat('/proc/self/ns/net')).ino;
  const native = new NativeEventSource({
    probes: {},
    emitEventsOf: new Set(),
    log: silentLogger,
    helperCommands: true,
  });
  await native.start();
  const call = (args: string[]): Promise<Record<string, unknown>> => native.helperCommand('flow', args);
  const statsBefore = (await readFile(STATS, 'utf8')).trim();
  const load = async (opts: string[], cgroup: boolean): Promise<void> => {
    await call(['unload']);
    const l = parseFlowFrame(await call(['load', 'entries=65536', ...opts]));
    if (!l.ok) throw new Error(l.error);
    const a = parseFlowFrame(await call(['attach', `${selfNs}:/proc/self/ns/net:${host}`]));
    if (!a.ok || a.targets.some((t) => !t.ok)) throw new Error(`attach: ${JSON.stringify(a)}`);
    if (cgroup) {
      const c = await call(['cgattach', podDir]);
      if (c.ok !== true) throw new Error(`cgattach: ${JSON.stringify(c)}`);
    }
  };
  const measure = async (progs: string[], send: () => Promise<unknown>): Promise<number> => {
    const ids = await helperProgramIds(native.helperStatus().pid!, progs);
    const s0 = await runStats(ids);
    await send();
    const s1 = await runStats(ids);
    return s1.runs > s0.runs ? (s1.ns - s0.ns) / (s1.runs - s0.runs) : 0;
  };
  const fromPod = (ports: number): Promise<unknown> =>
    run('sh', [
      '-c',
      `echo $$ > '${leaf}/cgroup.procs' && exec "$@"`,
      'sh',
      UDPFLOOD,
      '10.199.172.2',
      '10000',
      String(PACKETS),
      '30',
      '64',
      String(ports),
    ]);
  const fromNode = (ports: number): Promise<unknown> =>
    sh(UDPFLOOD, '10.199.172.2', '10000', String(PACKETS), '30', '64', String(ports));
  const toNode = (ports: number): Promise<unknown> => udpFlood(ns, '10.199.172.1', 10000, PACKETS, 30, 64, ports);
  const rows: Record<string, number[]> = {};
  const add = (k: string, v: number): void => void (rows[k] ??= []).push(v);
  try {
    await writeFile(STATS, '1');
    for (let round = 0; round < ROUNDS; round++) {
      for (const [mode, opts] of [
        ['floor', ['x_empty=1']],
        ['on', []],
      ] as const) {
        await load([`hostnet=${selfNs}`, ...opts], true);
        add(`cg_tx pod bulk ${mode}`, await measure(['ks_flow_cg_tx'], () => fromPod(1)));
        add(`cg_tx pod spread ${mode}`, await measure(['ks_flow_cg_tx'], () => fromPod(FLOWS)));
      }
      for (const [mode, opts] of [
        ['hostnet off', []],
        ['hostnet on', [`hostnet=${selfNs}`]],
      ] as const) {
        await load([...opts], mode === 'hostnet on');
        for (const [t, ports] of [
          ['bulk', 1],
          ['spread', FLOWS],
        ] as const) {
          add(`node tx ${t} ${mode}`, await measure(['ks_flow_tx'], () => fromNode(ports)));
          add(`node rx ${t} ${mode}`, await measure(['ks_flow_rx'], () => toNode(ports)));
        }
      }
    }
  } finally {
    await writeFile(STATS, statsBefore);
    await call(['unload']).catch(() => undefined);
    await native.stop();
    await cg.dispose().catch(() => undefined);
    await deleteNs(ns).catch(() => undefined);
    await sh('ip', 'link', 'del', host).catch(() => undefined);
  }
  const load1 = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
  process.stdout.write(`rounds ${ROUNDS}, ${PACKETS} datagrams of 64 B each, load average ${load1}\n`);
  for (const [k, v] of Object.entries(rows))
    process.stdout.write(`${k}: median ${median(v).toFixed(1)} ns/run [${v.map((x) => x.toFixed(0)).join(' ')}]\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});

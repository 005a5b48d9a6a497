// What counting hostNetwork pods costs per packet (real BPF, as root). Writes
// test/bench/results/flow-hostnet.{md,json}:
//  - cg: ks_flow_cg_tx (cgroup_skb egress on a test pod's cgroup) for the pod's UDP stream over a
//    veth to a test namespace, next to the floor: the same program loaded with x_empty=1 (same hook
//    and dispatch, no work);
//  - node: ks_flow_tx / ks_flow_rx on the node-namespace end of that veth (host_interfaces) for the
//    node's own traffic (not a pod's), with hostnet off and on: what telling pods' packets apart
//    adds there — egress reads the skb's socket cgroup, ingress looks the socket up — for one bulk
//    stream (the per-CPU cache keeps the verdict) and 1,000 interleaved flows (every packet a miss).
// Every mode in every round (paired); kernel.bpf_stats_enabled restored afterwards. The veth's node
// end is in the node's namespace: 10.199.181.0/24 (not the flow-hostnet test's 10.199.172.0/24).
//
//   npx tsc -p tsconfig.json && node dist/test/bench/flow-hostnet.js [rounds]
import { mkdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { median } from './bpf-stats.js';
import { startFlowBench } from './flow-bench.js';
import { benchStamp, spread, type Spread } from './stamp.js';
import { createPodCgroup, detectCgroupLayout } from '../support/cgroup.js';
import { run } from '../support/proc.js';
import { UDPFLOOD, deleteNs, ensureHelperBuilt, inNs, nsName, sh, udpFlood } from '../native/support.js';

const ROUNDS = Number(process.argv[2] ?? 7);
const PACKETS = 100_000;
const FLOWS = 1000;
const NODE = '10.199.181.1',
  PEER = '10.199.181.2';
const here = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(here, '..', '..', '..', 'test', 'bench', 'results');

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
  await sh('ip', 'addr', 'add', `${NODE}/24`, 'dev', host);
  await sh('ip', 'link', 'set', host, 'up');
  await inNs(ns, 'ip', 'addr', 'add', `${PEER}/24`, 'dev', `k${id}pb`);
  await inNs(ns, 'ip', 'link', 'set', `k${id}pb`, 'up');
  await inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
  const cg = await createPodCgroup();
  const leaf = path.join(v2, cg.relPath);
  const podDir = path.dirname(leaf);
  const selfNs = (await stat('/proc/self/ns/net')).ino;
  const stamp = await benchStamp();
  const bench = await startFlowBench();
  const load = (opts: string[], cgroup: boolean): Promise<void> =>
    bench.load(opts, [`${selfNs}:/proc/self/ns/net:${host}`], cgroup ? podDir : undefined);
  const measure = async (progs: string[], send: () => Promise<unknown>): Promise<number> =>
    (await bench.nsPerRun(progs, send)).nsPerRun;
  const loads: number[] = [os.loadavg()[0]!];
  const fromPod = (ports: number): Promise<unknown> =>
    run('sh', [
      '-c',
      `echo $$ > '${leaf}/cgroup.procs' && exec "$@"`,
      'sh',
      UDPFLOOD,
      PEER,
      '10000',
      String(PACKETS),
      '30',
      '64',
      String(ports),
    ]);
  const fromNode = (ports: number): Promise<unknown> =>
    sh(UDPFLOOD, PEER, '10000', String(PACKETS), '30', '64', String(ports));
  const toNode = (ports: number): Promise<unknown> => udpFlood(ns, NODE, 10000, PACKETS, 30, 64, ports);
  const rows: Record<string, number[]> = {};
  const add = (k: string, v: number): void => void (rows[k] ??= []).push(v);
  try {
    await bench.statsOn();
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
      loads.push(os.loadavg()[0]!);
    }
  } finally {
    await bench.stop();
    await cg.dispose().catch(() => undefined);
    await deleteNs(ns).catch(() => undefined);
    await sh('ip', 'link', 'del', host).catch(() => undefined);
  }
  for (const [k, v] of Object.entries(rows))
    process.stdout.write(`${k}: median ${median(v).toFixed(1)} ns/run [${v.map((x) => x.toFixed(0)).join(' ')}]\n`);
  // each row over its floor in the same round: cg on / floor, node hostnet on / off
  const paired = (on: string, floor: string): Spread => spread(rows[on]!.map((x, i) => x / rows[floor]![i]!));
  const nsOf = (k: string): Spread => spread(rows[k]!.map((x) => Math.round(x)));
  const cgRows = Object.fromEntries(
    (['bulk', 'spread'] as const).map((t) => [
      t,
      {
        nsPerRunOn: nsOf(`cg_tx pod ${t} on`),
        nsPerRunFloor: nsOf(`cg_tx pod ${t} floor`),
        onOverFloor: paired(`cg_tx pod ${t} on`, `cg_tx pod ${t} floor`),
      },
    ]),
  );
  const node = Object.fromEntries(
    (['tx', 'rx'] as const).flatMap((d) =>
      (['bulk', 'spread'] as const).map((t) => [
        `${d} ${t}`,
        {
          nsPerRunHostnetOff: nsOf(`node ${d} ${t} hostnet off`),
          nsPerRunHostnetOn: nsOf(`node ${d} ${t} hostnet on`),
          onOverOff: paired(`node ${d} ${t} hostnet on`, `node ${d} ${t} hostnet off`),
        },
      ]),
    ),
  );
  const result = {
    ...stamp,
    kernel: os.release(),
    cpus: os.cpus().length,
    loadAverage: loads,
    rounds: ROUNDS,
    packets: PACKETS,
    flows: FLOWS,
    cg: cgRows,
    node,
    rows,
  };
  await mkdir(OUT, { recursive: true });
  await writeFile(path.join(OUT, 'flow-hostnet.json'), `${JSON.stringify(result, null, 2)}\n`);
  const r = (x: Spread, d = 0): string => `${x.median.toFixed(d)} (${x.min.toFixed(d)}–${x.max.toFixed(d)})`;
  const md = `# flow probe, hostNetwork pods: benchmark

${stamp.date}, commit ${stamp.commit}${stamp.dirty ? ' (with uncommitted changes)' : ''}, Linux ${os.release()}, ${os.cpus().length} CPUs,
load average (1 min) ${loads.map((l) => l.toFixed(1)).join(' → ')} (the machine is shared). \`node dist/test/bench/flow-hostnet.js ${ROUNDS}\`:
a veth from the node's namespace to a test namespace, a test pod cgroup (kubelet's layout) in the node's
namespace, ${PACKETS} UDP datagrams of 64 B per run (udpflood). BPF time from kernel.bpf_stats_enabled
(run_time_ns / run_cnt). Every mode in every round; ratios paired by round. Figures: median of ${ROUNDS} rounds (min–max).

## The pod's own packets (ks_flow_cg_tx, cgroup_skb egress on the pod's cgroup)

floor = the same program loaded with \`x_empty=1\` on the same cgroup: same hook and dispatch, no work.

| traffic | BPF ns per run, on | floor | on / floor |
|---|---:|---:|---:|
| one bulk stream | ${r(cgRows.bulk!.nsPerRunOn)} | ${r(cgRows.bulk!.nsPerRunFloor)} | ${r(cgRows.bulk!.onOverFloor, 2)} |
| ${FLOWS} interleaved flows | ${r(cgRows.spread!.nsPerRunOn)} | ${r(cgRows.spread!.nsPerRunFloor)} | ${r(cgRows.spread!.onOverFloor, 2)} |

## The node's own packets on a node interface (host_interfaces), hostNetwork pods counted or not

What leaving the pods' packets to their cgroup programs adds to the tc programs for the node's own traffic:
egress reads the packet's socket cgroup, ingress looks the receiving socket up (once per flow with the
per-CPU cache; every packet with ${FLOWS} interleaved flows).

| program, traffic | BPF ns per run, hostnet off | hostnet on | on / off |
|---|---:|---:|---:|
${Object.entries(node)
  .map(
    ([k, v]) =>
      `| ks_flow_${k.replace(' ', ', ')} | ${r(v.nsPerRunHostnetOff)} | ${r(v.nsPerRunHostnetOn)} | ${r(v.onOverOff, 2)} |`,
  )
  .join('\n')}

## Every round

| row | ns per run, by round |
|---|---|
${Object.entries(rows)
  .map(([k, v]) => `| ${k} | ${v.map((x) => x.toFixed(0)).join(' ')} |`)
  .join('\n')}
`;
  await writeFile(path.join(OUT, 'flow-hostnet.md'), md);
  process.stdout.write(md);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});

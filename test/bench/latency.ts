// Benchmark of the six latency probes (bounded, real BPF, as root):
//  - loopback TCP throughput inside a test namespace with all latency probes loaded ("on"), with
//    none ("off") and with the floor: one empty tp_btf program for each latency program, on the
//    same hooks (bpf/tools/latency-floor.bpf.c, loaded by ksotel-bpfattach), side by side in one
//    run (rounds alternate off/on/floor; medians, and the median of each round's own loss), for a
//    bulk stream (64 KiB writes) and a small-message stream (1 KiB writes, TCP_NODELAY), the
//    latter also with client and server pinned to one CPU (much less noise from other load);
//  - per-program cost from the kernel's bpf_stats (run_time_ns / run_cnt) under the same loads,
//    for the probes and for the floor, measured in separate rounds (bpf_stats itself costs two
//    clock reads per run, so it is off while throughput is compared).
// With KSOTEL_BENCH_BASELINE_HELPER=<another build's kubeskoop-bpf-helper> a fourth side, "base",
// loads the same probes from that build (e.g. the commit before a change), for before/after in one run.
// kernel.bpf_stats_enabled is restored afterwards. Writes test/bench/results/latency.{md,json}.
//
//   npx tsc -p tsconfig.json && node dist/test/bench/latency.js [seconds-per-round] [rounds]
import { spawn } from 'node:child_process';
import { readFile, writeFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  HelperClient,
  LATENCY_PROBE_NAMES,
  type CounterSnapshot,
  type LatencyProbeName,
} from '../../receiver/native/index.js';
import { HELPER, ROOT, deleteNs, ensureHelperBuilt, makeSingle } from '../native/support.js';
import { run, runOk } from '../support/proc.js';
import { programRunDeltas } from './bpf-stats.js';

const STATS = '/proc/sys/kernel/bpf_stats_enabled';
const SECONDS = Number(process.argv[2] ?? 2);
const ROUNDS = Number(process.argv[3] ?? 11);
const FLOOR_OBJ = path.join(ROOT, 'bpf', 'build', 'latency-floor.bpf.o');
const ATTACH = path.join(ROOT, 'bpf', 'build', 'ksotel-bpfattach');

interface Scenario {
  name: string;
  size: number;
  nodelay: number;
  oneCpu: boolean;
}
const SCENARIOS: Scenario[] = [
  { name: 'bulk 64 KiB writes', size: 65536, nodelay: 0, oneCpu: false },
  { name: '1 KiB writes, TCP_NODELAY', size: 1024, nodelay: 1, oneCpu: false },
  { name: '1 KiB writes, TCP_NODELAY, one CPU', size: 1024, nodelay: 1, oneCpu: true },
];

interface ProgCost {
  scenario: string;
  probe: string;
  program: string;
  runs: number;
  runsPerSecond: number;
  nsPerRun: number;
  cpuPercent: number;
}
type Side = 'off' | 'on' | 'floor' | 'base';
const BASELINE = process.env.KSOTEL_BENCH_BASELINE_HELPER ?? '';
const SIDES: Side[] = BASELINE ? ['off', 'base', 'on', 'floor'] : ['off', 'on', 'floor'];
interface SideStats {
  /** MB per second of wall clock, per round */
  MBps: number[];
  medianMBps: number;
  /** MB per CPU-second of the stream process (its threads' user + system time), per round */
  MBpcs: number[];
  medianMBpcs: number;
  /** vs off: loss of the medians, and the median of each round's own loss (per CPU-second) */
  lossPercent: number;
  cpuLossPercent: number;
  pairedCpuLossPercent: number;
}
interface ThroughputRow {
  scenario: string;
  sides: Partial<Record<Side, SideStats>>;
}
/** bpf_stats round: BPF time per write of the stream vs the stream's own CPU time per write */
interface BpfShare {
  scenario: string;
  side: Exclude<Side, 'off'>;
  runsPerWrite: number;
  bpfNsPerWrite: number;
  streamCpuNsPerWrite: number;
  sharePercent: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

interface StreamResult {
  mbps: number;
  mbpcs: number;
  writes: number;
  cpuSeconds: number;
}
async function stream(tool: string, ns: string, sc: Scenario, seconds: number): Promise<StreamResult> {
  const cmd = [tool, String(seconds), String(sc.size), String(sc.nodelay)];
  // one CPU: client and server threads on the last CPU (no cross-CPU wake-ups, steadier)
  const args = ['netns', 'exec', ns, ...(sc.oneCpu ? ['taskset', '-c', String(os.cpus().length - 1)] : []), ...cmd];
  const r = await runOk('ip', args, { timeoutMs: (seconds + 30) * 1000 });
  const j = JSON.parse(r.stdout.trim()) as {
    bytesPerSecond: number;
    bytes: number;
    received: number;
    bytesPerCpuSecond: number;
    writes: number;
    cpuSeconds: number;
  };
  if (j.bytes !== j.received) throw new Error(`stream lost data: ${r.stdout}`);
  return { mbps: j.bytesPerSecond / 1e6, mbpcs: j.bytesPerCpuSecond / 1e6, writes: j.writes, cpuSeconds: j.cpuSeconds };
}

/** The floor: empty programs on the probes' hooks, attached while the returned handle lives. */
interface Floor {
  ids: { name: string; id: number }[];
  stop(): Promise<void>;
}
async function startFloor(): Promise<Floor> {
  const child = spawn(ATTACH, [FLOOR_OBJ], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (b: Buffer) => {
    err += b.toString();
  });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const ids = await new Promise<{ name: string; id: number }[]>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`bpfattach: no answer in 30 s ${err}`)), 30_000);
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('\n')) {
        clearTimeout(t);
        resolve((JSON.parse(out) as { programs: { name: string; id: number }[] }).programs);
      }
    });
    child.on('close', (code) => {
      clearTimeout(t);
      reject(new Error(`bpfattach exited ${code}: ${err}`));
    });
  });
  return {
    ids,
    stop: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

/** run_cnt / run_time_ns of programs by id (bpftool; the floor's programs are not the helper's) */
async function progStats(ids: number[]): Promise<Map<number, { runCount: number; runTimeNs: number }>> {
  const r = await runOk('bpftool', ['-j', 'prog', 'show'], { timeoutMs: 30_000 });
  const all = JSON.parse(r.stdout) as { id: number; run_cnt?: number; run_time_ns?: number }[];
  const want = new Set(ids);
  return new Map(
    all.filter((p) => want.has(p.id)).map((p) => [p.id, { runCount: p.run_cnt ?? 0, runTimeNs: p.run_time_ns ?? 0 }]),
  );
}

async function startAll(helperPath = HELPER): Promise<HelperClient> {
  const probes = Object.fromEntries(LATENCY_PROBE_NAMES.map((p) => [p, {}])) as Record<LatencyProbeName, object>;
  const c = new HelperClient({ helperPath, probes });
  await c.start();
  return c;
}

function costs(scenario: string, a: CounterSnapshot, b: CounterSnapshot, seconds: number): ProgCost[] {
  return programRunDeltas(a, b).map(({ probe, program, runs, runTimeNs: ns }) => ({
    scenario,
    probe,
    program,
    runs,
    runsPerSecond: Math.round(runs / seconds),
    nsPerRun: runs > 0 ? Math.round(ns / runs) : 0,
    cpuPercent: Number(((ns / 1e9 / seconds) * 100).toFixed(2)),
  }));
}

function sideStats(rounds: StreamResult[], off: StreamResult[]): SideStats {
  const medianMBps = median(rounds.map((x) => x.mbps));
  const medianMBpcs = median(rounds.map((x) => x.mbpcs));
  const offMBps = median(off.map((x) => x.mbps));
  const offMBpcs = median(off.map((x) => x.mbpcs));
  const pct = (x: number): number => Number((x * 100).toFixed(1));
  return {
    MBps: rounds.map((x) => Math.round(x.mbps)),
    medianMBps: Math.round(medianMBps),
    MBpcs: rounds.map((x) => Math.round(x.mbpcs)),
    medianMBpcs: Math.round(medianMBpcs),
    lossPercent: pct((offMBps - medianMBps) / offMBps),
    cpuLossPercent: pct((offMBpcs - medianMBpcs) / offMBpcs),
    pairedCpuLossPercent: pct(median(rounds.map((x, i) => 1 - x.mbpcs / off[i]!.mbpcs))),
  };
}

function share(scenario: string, side: Exclude<Side, 'off'>, ps: ProgCost[], s: StreamResult): BpfShare {
  const runs = ps.reduce((a, p) => a + p.runs, 0);
  const ns = ps.reduce((a, p) => a + p.nsPerRun * p.runs, 0);
  return {
    scenario,
    side,
    runsPerWrite: Number((runs / s.writes).toFixed(2)),
    bpfNsPerWrite: Math.round(ns / s.writes),
    streamCpuNsPerWrite: Math.round((s.cpuSeconds * 1e9) / s.writes),
    sharePercent: Number(((ns / (s.cpuSeconds * 1e9)) * 100).toFixed(1)),
  };
}

async function main(): Promise<void> {
  await ensureHelperBuilt();
  await runOk('make', ['-s', '-C', path.join(ROOT, 'bpf')], { timeoutMs: 300_000 }); // the floor object and its loader
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'ksotel-bench-lat-'));
  const tool = path.join(tmp, 'tcpstream');
  await runOk('cc', ['-O2', '-pthread', '-o', tool, path.join(ROOT, 'test', 'bench', 'tcpstream.c')]);
  const ns = await makeSingle('bench-lat');
  const statsBefore = (await readFile(STATS, 'utf8')).trim();
  const kernel = (await runOk('uname', ['-r'])).stdout.trim();
  const load = os.loadavg();
  const throughput: ThroughputRow[] = [];
  const programs: ProgCost[] = [];
  const shares: BpfShare[] = [];
  let status: Record<string, string> = {};
  try {
    await writeFile(STATS, '0');
    for (const sc of SCENARIOS) {
      const res: Record<Side, StreamResult[]> = { off: [], on: [], floor: [], base: [] };
      for (let r = 0; r < ROUNDS; r++) {
        // rotate the order so no side always follows the same one
        for (let k = 0; k < SIDES.length; k++) {
          const side = SIDES[(r + k) % SIDES.length]!;
          if (side === 'off') res.off.push(await stream(tool, ns.ns, sc, SECONDS));
          else if (side === 'on' || side === 'base') {
            const c = await startAll(side === 'base' ? BASELINE : HELPER);
            try {
              res[side].push(await stream(tool, ns.ns, sc, SECONDS));
            } finally {
              await c.stop();
            }
          } else {
            const f = await startFloor();
            try {
              res.floor.push(await stream(tool, ns.ns, sc, SECONDS));
            } finally {
              await f.stop();
            }
          }
        }
      }
      throughput.push({
        scenario: sc.name,
        sides: Object.fromEntries(SIDES.map((sd) => [sd, sideStats(res[sd], res.off)])) as Record<Side, SideStats>,
      });
      console.log(JSON.stringify(throughput[throughput.length - 1]));
    }
    await writeFile(STATS, '1');
    for (const side of SIDES.filter((x): x is 'on' | 'base' => x === 'on' || x === 'base')) {
      const c = await startAll(side === 'base' ? BASELINE : HELPER);
      try {
        if (side === 'on') {
          status = Object.fromEntries(
            LATENCY_PROBE_NAMES.map((p) => {
              const s = c.status().probes[p];
              return [p, s.state === 'running' ? 'running' : `${s.state}: ${s.reason.slice(0, 160)}`];
            }),
          );
        }
        for (const sc of SCENARIOS) {
          const a = await c.dumpCounters();
          const s = await stream(tool, ns.ns, sc, SECONDS);
          const b = await c.dumpCounters();
          const ps = costs(sc.name, a, b, SECONDS).map((p) =>
            side === 'base' ? { ...p, probe: `${p.probe} (base)` } : p,
          );
          programs.push(...ps);
          shares.push(share(sc.name, side, ps, s));
        }
      } finally {
        await c.stop();
      }
    }
    const f = await startFloor();
    try {
      const ids = f.ids.map((x) => x.id);
      for (const sc of SCENARIOS) {
        const a = await progStats(ids);
        const s = await stream(tool, ns.ns, sc, SECONDS);
        const b = await progStats(ids);
        const ps: ProgCost[] = f.ids.map(({ name, id }) => {
          const runs = (b.get(id)?.runCount ?? 0) - (a.get(id)?.runCount ?? 0);
          const t = (b.get(id)?.runTimeNs ?? 0) - (a.get(id)?.runTimeNs ?? 0);
          return {
            scenario: sc.name,
            probe: 'floor (empty)',
            program: name,
            runs,
            runsPerSecond: Math.round(runs / SECONDS),
            nsPerRun: runs > 0 ? Math.round(t / runs) : 0,
            cpuPercent: Number(((t / 1e9 / SECONDS) * 100).toFixed(2)),
          };
        });
        programs.push(...ps);
        shares.push(share(sc.name, 'floor', ps, s));
      }
    } finally {
      await f.stop();
    }
  } finally {
    await writeFile(STATS, statsBefore);
    await deleteNs(ns.ns);
    await rm(tmp, { recursive: true, force: true });
  }

  const result = {
    date: new Date().toISOString(),
    kernel,
    cpus: os.cpus().length,
    secondsPerRound: SECONDS,
    rounds: ROUNDS,
    loadAverage: load,
    baselineHelper: BASELINE || undefined,
    probes: status,
    throughput,
    bpfShare: shares,
    programs,
  };
  const dir = path.join(ROOT, 'test', 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'latency.json'), `${JSON.stringify(result, null, 2)}\n`);
  const label: Record<Side, string> = {
    off: 'off',
    on: 'on (all latency probes)',
    floor: 'floor (empty programs)',
    base: 'base (all latency probes, baseline build)',
  };
  const md: string[] = [
    '# Latency probes: cost and throughput (test/bench/latency.ts)',
    '',
    `${result.date}, kernel ${kernel}, ${result.cpus} CPUs. Loopback TCP inside a test namespace (one connection, C client/server),`,
    `${ROUNDS} rounds of ${SECONDS} s per side, off / on / floor in rotating order. "on" = all six latency probes loaded with default`,
    'options (socketlatency, netiftxlatency, net_softirq, biolatency, kernellatency; virtcmdlatency is degraded here and loads nothing).',
    '"floor" = one empty tp_btf program for each of their 16 programs, on the same hooks (bpf/tools/latency-floor.bpf.c): the price of',
    'running programs on those hooks at all, before any work.',
    ...(BASELINE ? [`"base" = the same probes from another build (${BASELINE}), for before/after in one run.`] : []),
    '',
    `Load average at the start: ${load.map((x) => x.toFixed(2)).join(', ')} (other work shares this VM: rates swing between rounds).`,
    '',
    '## Throughput loss per CPU-second',
    '',
    'MB per CPU-second of the stream (client + server threads, user + system time, which includes the loopback softirq work run in',
    'their context): the cost per byte, less sensitive to other load than the wall-clock rate. "loss" compares the medians; "paired"',
    "is the median of each round's own loss against the off run of the same round.",
    '',
    '| load | side | MB/CPU-s (rounds) | median | loss | paired loss |',
    '|---|---|---|---|---|---|',
    ...throughput.flatMap((t) =>
      SIDES.map((sd) => {
        const x = t.sides[sd]!;
        return `| ${t.scenario} | ${label[sd]} | ${x.MBpcs.join(', ')} | ${x.medianMBpcs} | ${sd === 'off' ? '' : `${x.cpuLossPercent} %`} | ${sd === 'off' ? '' : `${x.pairedCpuLossPercent} %`} |`;
      }),
    ),
    '',
    'MB per second of wall clock (noisier):',
    '',
    '| load | side | MB/s (rounds) | median | loss |',
    '|---|---|---|---|---|',
    ...throughput.flatMap((t) =>
      SIDES.map((sd) => {
        const x = t.sides[sd]!;
        return `| ${t.scenario} | ${label[sd]} | ${x.MBps.join(', ')} | ${x.medianMBps} | ${sd === 'off' ? '' : `${x.lossPercent} %`} |`;
      }),
    ),
    '',
    '## BPF time per write (bpf_stats, separate rounds)',
    '',
    "Run time of the programs (bpf_stats run_time_ns; it includes ~60 ns per run of bpf_stats's own clock reads, which the floor",
    "shows) per write of the stream, against the stream's own CPU time per write.",
    '',
    '| load | side | program runs per write | BPF ns per write | stream CPU ns per write | BPF share |',
    '|---|---|---|---|---|---|',
    ...shares.map(
      (x) =>
        `| ${x.scenario} | ${label[x.side]} | ${x.runsPerWrite} | ${x.bpfNsPerWrite} | ${x.streamCpuNsPerWrite} | ${x.sharePercent} % |`,
    ),
    '',
    '## Per-program cost (bpf_stats, separate rounds)',
    '',
    '| load | probe | program | runs | runs/s | ns/run | CPU % |',
    '|---|---|---|---|---|---|---|',
    ...programs
      .filter((p) => p.runs > 0)
      .map(
        (p) =>
          `| ${p.scenario} | ${p.probe} | ${p.program} | ${p.runs} | ${p.runsPerSecond} | ${p.nsPerRun} | ${p.cpuPercent} |`,
      ),
    '',
    'Programs with no runs in a load are left out (block I/O, virtio commands). CPU % = run time / wall time of one CPU.',
    '',
    '## Probe status during the run',
    '',
    ...Object.entries(status).map(([p, s]) => `- ${p}: ${s}`),
    '',
  ];
  await writeFile(path.join(dir, 'latency.md'), md.join('\n'));
  console.log(md.join('\n'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
void run;

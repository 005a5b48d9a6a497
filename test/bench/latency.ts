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
//  - the probes sharing hooks (kernellatency, netiftxlatency, socketlatency: net_dev_queue,
//    sk_data_ready): BPF ns and program runs per 1 KiB write with those three loaded against one
//    empty program on each of their 8 hooks, in paired rounds (same round, rotating order, bpf_stats
//    on), median, quartiles and range; a difference inside the rounds' spread is reported as "noise
//    exceeds the effect", never as a ratio below the floor. In the same rounds a fourth side,
//    "min", runs the least work a measurement needs on each of those hooks (one clock read and one
//    per-CPU array add: bpf/tools/latency-minwork.bpf.c), the floor any latency probe there pays,
//    which shows whether the goal (on ≤ 1.5× the empty programs) is reachable on this kernel.
// KSOTEL_BENCH_HOOKS_ONLY=1 runs only the shared-hooks rounds and prints them (no results files).
// With KSOTEL_BENCH_BASELINE_HELPER=<another build's kubeskoop-bpf-helper> a fourth side, "base",
// loads the same probes from that build (e.g. the commit before a change), for before/after in one run.
// kernel.bpf_stats_enabled is restored afterwards. Writes test/bench/results/latency.{md,json}.
//
//   npx tsc -p tsconfig.json && node dist/test/bench/latency.js [seconds-per-round] [rounds]
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
import { programRunDeltas, progStats, startFloor } from './bpf-stats.js';
import { benchStamp, spread, type Spread } from './stamp.js';

const STATS = '/proc/sys/kernel/bpf_stats_enabled';
const SECONDS = Number(process.argv[2] ?? 2);
const ROUNDS = Number(process.argv[3] ?? 11);
/** paired rounds of the shared-hooks comparison (at least 7) */
const HOOK_ROUNDS = Math.max(7, ROUNDS);
/** the probes that share hooks, and every hook they use (one floor program each) */
const SHARED_PROBES: LatencyProbeName[] = ['kernellatency', 'netiftxlatency', 'socketlatency'];
const SHARED_HOOKS = [
  'net_dev_queue',
  'sk_data_ready',
  'netif_receive_skb',
  'net_dev_start_xmit',
  'net_dev_xmit',
  'sock_recv_length',
  'tcp_sendmsg_locked',
  'inet_sock_set_state',
];
const FLOOR_OBJ = path.join(ROOT, 'bpf', 'build', 'latency-floor.bpf.o');
const MINWORK_OBJ = path.join(ROOT, 'bpf', 'build', 'latency-minwork.bpf.o');
const HOOKS_ONLY = process.env.KSOTEL_BENCH_HOOKS_ONLY === '1';

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
/** sides of the shared-hooks rounds: "min" = the least work a measurement needs on those hooks */
type HookSide = Exclude<Side, 'off'> | 'min';
const HOOK_SIDES: HookSide[] = [...SIDES.filter((x): x is Exclude<Side, 'off'> => x !== 'off'), 'min'];
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
  side: HookSide;
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

async function startAll(
  helperPath = HELPER,
  names: readonly LatencyProbeName[] = LATENCY_PROBE_NAMES,
): Promise<HelperClient> {
  const probes = Object.fromEntries(names.map((p) => [p, {}])) as Record<LatencyProbeName, object>;
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

function share(scenario: string, side: HookSide, ps: ProgCost[], s: StreamResult): BpfShare {
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

/** One side of one paired round on the shared hooks: BPF time and program runs per write. */
interface HookRound {
  scenario: string;
  side: HookSide;
  round: number;
  writes: number;
  runsPerWrite: number;
  bpfNsPerWrite: number;
  /** BPF ns per program run (independent of how many packets a write makes) */
  nsPerRun: number;
  /** runs per write on net_dev_queue and sk_data_ready only (the shared hooks) */
  sharedRunsPerWrite: number;
}
interface HookSummary {
  scenario: string;
  sides: Partial<
    Record<
      HookSide,
      {
        bpfNsPerWrite: Spread;
        runsPerWrite: Spread;
        sharedRunsPerWrite: Spread;
        nsPerRun: Spread;
      }
    >
  >;
  /** on ÷ floor of each round */
  ratio: Spread;
  /** min ÷ floor and on ÷ min of each round: how far the least possible work is from the floor */
  minRatio: Spread;
  onMinRatio: Spread;
  /** the same per program run: each side runs one program per hook on the same hooks, so these do not
   * move with how many packets a write made in that round (which swings between rounds) */
  runRatio: Spread;
  minRunRatio: Spread;
  onMinRunRatio: Spread;
  /** whether the goal is reachable at all: min ÷ floor against 1.5 */
  minVerdict: string;
  /** on − floor (median) against the larger interquartile range of the two */
  effectNs: number;
  noiseNs: number;
  verdict: string;
  /** base ÷ on of each round, when a baseline build ran */
  baseRatio?: Spread;
  runsFewerPercent?: number;
}

const SHARED_PROGRAM = /net_dev_queue|sk_data_ready/;

async function hookRound(tool: string, ns: string, sc: Scenario, side: HookSide, round: number): Promise<HookRound> {
  let runs = 0,
    shared = 0,
    t = 0,
    writes = 0;
  if (side === 'floor' || side === 'min') {
    const f = await (side === 'floor'
      ? startFloor(
          FLOOR_OBJ,
          SHARED_HOOKS.map((h) => `floor_${h}`),
        )
      : startFloor(MINWORK_OBJ));
    if (f.ids.length !== SHARED_HOOKS.length) throw new Error(`${side}: ${f.ids.length} programs attached`);
    try {
      const ids = f.ids.map((x) => x.id);
      const a = await progStats(ids);
      const st = await stream(tool, ns, sc, SECONDS);
      const b = await progStats(ids);
      writes = st.writes;
      for (const { name, id } of f.ids) {
        const r = (b.get(id)?.runCount ?? 0) - (a.get(id)?.runCount ?? 0);
        runs += r;
        if (SHARED_PROGRAM.test(name)) shared += r;
        t += (b.get(id)?.runTimeNs ?? 0) - (a.get(id)?.runTimeNs ?? 0);
      }
    } finally {
      await f.stop();
    }
  } else {
    const c = await startAll(side === 'base' ? BASELINE : HELPER, SHARED_PROBES);
    try {
      for (const p of SHARED_PROBES)
        if (c.status().probes[p].state !== 'running') throw new Error(`${side}: ${p} ${c.status().probes[p].reason}`);
      const a = await c.dumpCounters();
      const st = await stream(tool, ns, sc, SECONDS);
      const b = await c.dumpCounters();
      writes = st.writes;
      // one row per program id: the shared-hook program is listed under each probe it serves
      for (const d of programRunDeltas(a, b)) {
        runs += d.runs;
        t += d.runTimeNs;
        if (SHARED_PROGRAM.test(d.program)) shared += d.runs;
      }
    } finally {
      await c.stop();
    }
  }
  return {
    scenario: sc.name,
    side,
    round,
    writes,
    runsPerWrite: Number((runs / writes).toFixed(3)),
    bpfNsPerWrite: Math.round(t / writes),
    sharedRunsPerWrite: Number((shared / writes).toFixed(3)),
    nsPerRun: runs > 0 ? Math.round(t / runs) : 0,
  };
}

/** Run-weighted mean ns per program run of each probe (and the floor) over all loads, and its runs. */
function perProbe(ps: ProgCost[]): { probe: string; programs: number; runs: number; nsPerRun: number }[] {
  const by = new Map<string, { progs: Set<string>; runs: number; ns: number }>();
  for (const p of ps) {
    const x = by.get(p.probe) ?? { progs: new Set<string>(), runs: 0, ns: 0 };
    x.progs.add(p.program);
    x.runs += p.runs;
    x.ns += p.nsPerRun * p.runs;
    by.set(p.probe, x);
  }
  return [...by].map(([probe, x]) => ({
    probe,
    programs: x.progs.size,
    runs: x.runs,
    nsPerRun: x.runs > 0 ? Math.round(x.ns / x.runs) : 0,
  }));
}

const fmtSpread = (x: Spread, digits: number): string =>
  `${x.median.toFixed(digits)} [${x.q1.toFixed(digits)}–${x.q3.toFixed(digits)}] (${x.min.toFixed(digits)}–${x.max.toFixed(digits)})`;

/** A loss the off rounds' own spread covers, or probes cheaper than empty programs, is noise. */
function noiseNote(t: ThroughputRow, sd: Side): string {
  const off = spread(t.sides.off!.MBpcs);
  const x = t.sides[sd]!;
  const iqrPercent = ((off.q3 - off.q1) / off.median) * 100;
  if (Math.abs(x.cpuLossPercent) <= iqrPercent) return `noise exceeds the effect (off IQR ${iqrPercent.toFixed(1)} %)`;
  const fl = t.sides.floor;
  if ((sd === 'on' || sd === 'base') && fl && x.cpuLossPercent < fl.cpuLossPercent)
    return 'noise exceeds the effect (below the empty programs)';
  return '';
}

function summarize(scenario: string, rows: HookRound[]): HookSummary {
  const of = (side: HookSide): HookRound[] => rows.filter((x) => x.side === side).sort((a, b) => a.round - b.round);
  const on = of('on'),
    floor = of('floor'),
    min = of('min'),
    base = of('base');
  const sides: HookSummary['sides'] = {};
  for (const [side, xs] of [
    ['on', on],
    ['floor', floor],
    ['min', min],
    ['base', base],
  ] as const) {
    if (!xs.length) continue;
    sides[side] = {
      bpfNsPerWrite: spread(xs.map((x) => x.bpfNsPerWrite)),
      runsPerWrite: spread(xs.map((x) => x.runsPerWrite)),
      sharedRunsPerWrite: spread(xs.map((x) => x.sharedRunsPerWrite)),
      nsPerRun: spread(xs.map((x) => x.nsPerRun)),
    };
  }
  const paired = (a: HookRound[], b: HookRound[], k: 'bpfNsPerWrite' | 'nsPerRun' = 'bpfNsPerWrite'): Spread =>
    spread(a.map((x, i) => Number((x[k] / b[i]![k]).toFixed(3))));
  const ratio = paired(on, floor);
  const minRatio = paired(min, floor);
  const onMinRatio = paired(on, min);
  const runRatio = paired(on, floor, 'nsPerRun');
  const minRunRatio = paired(min, floor, 'nsPerRun');
  const onMinRunRatio = paired(on, min, 'nsPerRun');
  // judged per run: per write, a round's ratio also moves with the packets per write of each side's stream
  const r = minRunRatio;
  const minVerdict =
    r.min > 1.5
      ? `not reachable here: the least work alone costs ${r.median.toFixed(2)}× the empty program per run (every round above 1.5: ${r.min.toFixed(2)}–${r.max.toFixed(2)})`
      : r.median > 1.5
        ? `not reachable in most rounds: the least work alone costs ${r.median.toFixed(2)}× the empty program per run (rounds ${r.min.toFixed(2)}–${r.max.toFixed(2)})`
        : `reachable in principle: the least work costs ${r.median.toFixed(2)}× the empty program per run (rounds ${r.min.toFixed(2)}–${r.max.toFixed(2)})`;
  const o = sides.on!.bpfNsPerWrite,
    f = sides.floor!.bpfNsPerWrite;
  const effectNs = o.median - f.median;
  const noiseNs = Math.max(o.q3 - o.q1, f.q3 - f.q1);
  const verdict =
    effectNs <= noiseNs
      ? `noise exceeds the effect (on − floor ${effectNs} ns per write, interquartile range ${noiseNs} ns)`
      : `${ratio.median.toFixed(2)}× the floor (rounds ${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)}); goal ≤ 1.5×: ${ratio.median <= 1.5 ? 'met' : 'not met'}`;
  const out: HookSummary = {
    scenario,
    sides,
    ratio,
    minRatio,
    onMinRatio,
    runRatio,
    minRunRatio,
    onMinRunRatio,
    minVerdict,
    effectNs,
    noiseNs,
    verdict,
  };
  if (base.length) {
    out.baseRatio = spread(base.map((x, i) => Number((x.bpfNsPerWrite / on[i]!.bpfNsPerWrite).toFixed(3))));
    const rb = sides.base!.runsPerWrite.median,
      ro = sides.on!.runsPerWrite.median;
    out.runsFewerPercent = Number((((rb - ro) / rb) * 100).toFixed(1));
  }
  return out;
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
  const hookRounds: HookRound[] = [];
  const hooks: HookSummary[] = [];
  try {
    await writeFile(STATS, '0');
    for (const sc of HOOKS_ONLY ? [] : SCENARIOS) {
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
            const f = await startFloor(FLOOR_OBJ);
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
    for (const side of HOOKS_ONLY ? [] : SIDES.filter((x): x is 'on' | 'base' => x === 'on' || x === 'base')) {
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
    // the empty programs on every hook, then the least work on the shared probes' hooks
    for (const [side, probe, obj] of [
      ['floor', 'floor (empty)', FLOOR_OBJ],
      ['min', 'min (clock read + per-CPU add)', MINWORK_OBJ],
    ] as const) {
      const f = await startFloor(obj);
      try {
        const ids = f.ids.map((x) => x.id);
        for (const sc of HOOKS_ONLY ? [] : SCENARIOS) {
          const a = await progStats(ids);
          const s = await stream(tool, ns.ns, sc, SECONDS);
          const b = await progStats(ids);
          const ps: ProgCost[] = f.ids.map(({ name, id }) => {
            const runs = (b.get(id)?.runCount ?? 0) - (a.get(id)?.runCount ?? 0);
            const t = (b.get(id)?.runTimeNs ?? 0) - (a.get(id)?.runTimeNs ?? 0);
            return {
              scenario: sc.name,
              probe,
              program: name,
              runs,
              runsPerSecond: Math.round(runs / SECONDS),
              nsPerRun: runs > 0 ? Math.round(t / runs) : 0,
              cpuPercent: Number(((t / 1e9 / SECONDS) * 100).toFixed(2)),
            };
          });
          programs.push(...ps);
          shares.push(share(sc.name, side, ps, s));
        }
      } finally {
        await f.stop();
      }
    }
    // the probes sharing hooks: paired rounds, bpf_stats on
    for (const sc of SCENARIOS.filter((x) => x.size === 1024)) {
      const hs = HOOK_SIDES;
      const rows: HookRound[] = [];
      for (let r = 0; r < HOOK_ROUNDS; r++)
        for (let k = 0; k < hs.length; k++) rows.push(await hookRound(tool, ns.ns, sc, hs[(r + k) % hs.length]!, r));
      hookRounds.push(...rows);
      hooks.push(summarize(sc.name, rows));
      console.log(JSON.stringify(hooks[hooks.length - 1]));
    }
  } finally {
    await writeFile(STATS, statsBefore);
    await deleteNs(ns.ns);
    await rm(tmp, { recursive: true, force: true });
  }
  if (HOOKS_ONLY) return;

  const result = {
    ...(await benchStamp()),
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
    perProbe: perProbe(programs),
    sharedHooks: {
      probes: SHARED_PROBES,
      hooks: SHARED_HOOKS,
      rounds: HOOK_ROUNDS,
      summary: hooks,
      perRound: hookRounds,
    },
  };
  const dir = path.join(ROOT, 'test', 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'latency.json'), `${JSON.stringify(result, null, 2)}\n`);
  const label: Record<Side | 'min', string> = {
    off: 'off',
    min: 'min (a clock read and a per-CPU add per run)',
    on: 'on (all latency probes)',
    floor: 'floor (empty programs)',
    base: 'base (all latency probes, baseline build)',
  };
  const md: string[] = [
    '# Latency probes: cost and throughput (test/bench/latency.ts)',
    '',
    `${result.date}, commit ${result.commit}${result.dirty ? ' (with uncommitted changes)' : ''}, kernel ${kernel}, ${result.cpus} CPUs. Loopback TCP inside a test namespace (one connection, C client/server),`,
    `${ROUNDS} rounds of ${SECONDS} s per side, off / on / floor in rotating order. "on" = all six latency probes loaded with default`,
    'options (socketlatency, netiftxlatency, net_softirq, biolatency, kernellatency; virtcmdlatency is degraded here and loads nothing).',
    '"floor" = one empty tp_btf program on each of their 13 hooks (bpf/tools/latency-floor.bpf.c; the probes run one program per hook,',
    'net_dev_queue and sk_data_ready being shared): the price of running programs on those hooks at all, before any work.',
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
    '| load | side | MB/CPU-s (rounds) | median | loss | paired loss | |',
    '|---|---|---|---|---|---|---|',
    ...throughput.flatMap((t) =>
      SIDES.map((sd) => {
        const x = t.sides[sd]!;
        return `| ${t.scenario} | ${label[sd]} | ${x.MBpcs.join(', ')} | ${x.medianMBpcs} | ${sd === 'off' ? '' : `${x.cpuLossPercent} %`} | ${sd === 'off' ? '' : `${x.pairedCpuLossPercent} %`} | ${sd === 'off' ? '' : noiseNote(t, sd)} |`;
      }),
    ),
    '',
    "A loss inside the off rounds' own spread (interquartile range), or a loss of the probes below the empty programs' loss, is",
    'marked "noise exceeds the effect": the rounds cannot tell those sides apart.',
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
    '## The probes sharing hooks: BPF time per 1 KiB write (paired rounds, bpf_stats on)',
    '',
    `${SHARED_PROBES.join(', ')} loaded ("on") against one empty program on each of their ${SHARED_HOOKS.length} hooks ("floor":`,
    `${SHARED_HOOKS.join(', ')})${BASELINE ? ', and the same probes from the baseline build ("base")' : ''}, ${HOOK_ROUNDS} rounds, each side once per round in rotating`,
    "order. BPF ns per write = the programs' run time (bpf_stats, which adds ~60 ns of clock reads per run to every side) over the",
    'writes of the stream; runs per write = program runs (on net_dev_queue and sk_data_ready: "shared"). Median [quartiles] (range).',
    '"min" = the least work a measurement needs, one program on each of the same hooks that reads the clock once and adds it to a',
    'per-CPU array (bpf/tools/latency-minwork.bpf.c): what any latency probe on these hooks pays at least, in the same rounds.',
    '',
    '| load | side | BPF ns per write | program runs per write | of which shared hooks | BPF ns per run |',
    '|---|---|---|---|---|---|',
    ...hooks.flatMap((h) =>
      (['on', 'min', 'floor', 'base'] as const)
        .filter((sd) => h.sides[sd])
        .map((sd) => {
          const x = h.sides[sd]!;
          return `| ${h.scenario} | ${label[sd]} | ${fmtSpread(x.bpfNsPerWrite, 0)} | ${fmtSpread(x.runsPerWrite, 2)} | ${fmtSpread(x.sharedRunsPerWrite, 2)} | ${fmtSpread(x.nsPerRun, 0)} |`;
        }),
    ),
    '',
    '| load | on ÷ floor, per round | verdict | base ÷ on, per round | program runs per write, base → on |',
    '|---|---|---|---|---|',
    ...hooks.map(
      (h) =>
        `| ${h.scenario} | ${fmtSpread(h.ratio, 2)} | ${h.verdict} | ${h.baseRatio ? fmtSpread(h.baseRatio, 2) : '—'} | ${h.sides.base ? `${h.sides.base.runsPerWrite.median} → ${h.sides.on!.runsPerWrite.median} (${h.runsFewerPercent} % fewer)` : '—'} |`,
    ),
    '',
    'Is the goal reachable on this machine? The least work (min) against the empty programs, and the probes against the least work,',
    'paired per round, per write and per program run. Every side runs one program on each of the same 8 hooks, so per run the',
    'ratios do not move with the packets a write made in a round (runs per write swing between rounds, see above); per write they do.',
    '',
    '| load | on ÷ floor per run | min ÷ floor per write | min ÷ floor per run | on ÷ min per write | on ÷ min per run | the goal (on ≤ 1.5× floor) |',
    '|---|---|---|---|---|---|---|',
    ...hooks.map(
      (h) =>
        `| ${h.scenario} | ${fmtSpread(h.runRatio, 2)} | ${fmtSpread(h.minRatio, 2)} | ${fmtSpread(h.minRunRatio, 2)} | ${fmtSpread(h.onMinRatio, 2)} | ${fmtSpread(h.onMinRunRatio, 2)} | ${h.minVerdict} |`,
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
    'Per probe, over the three loads (run-weighted mean ns per program run; the shared-hook programs are their own row):',
    '',
    '| probe | programs | runs | ns/run |',
    '|---|---|---|---|',
    ...result.perProbe.map((p) => `| ${p.probe} | ${p.programs} | ${p.runs} | ${p.nsPerRun} |`),
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

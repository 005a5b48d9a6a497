// Benchmark of the six latency probes (bounded, real BPF, as root):
//  - loopback TCP throughput inside a test namespace with all latency probes loaded vs none,
//    side by side in one run (rounds alternate off/on; median of each), for a bulk stream
//    (64 KiB writes) and a small-message stream (1 KiB writes, TCP_NODELAY: a packet per write);
//  - per-program cost from the kernel's bpf_stats (run_time_ns / run_cnt) under the same loads,
//    measured in separate rounds (bpf_stats itself costs two clock reads per run, so it is off
//    while throughput is compared).
// kernel.bpf_stats_enabled is restored afterwards. Writes test/bench/results/latency.{md,json}.
//
//   npx tsc -p tsconfig.json && node dist/test/bench/latency.js [seconds-per-round] [rounds]
import { readFile, writeFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { HelperClient, LATENCY_PROBE_NAMES, type CounterSnapshot, type LatencyProbeName } from '../../receiver/native/index.js';
import { HELPER, ROOT, deleteNs, ensureHelperBuilt, makeSingle } from '../native/support.js';
import { run, runOk } from '../support/proc.js';

const STATS = '/proc/sys/kernel/bpf_stats_enabled';
const SECONDS = Number(process.argv[2] ?? 3);
const ROUNDS = Number(process.argv[3] ?? 7);

interface Scenario { name: string; size: number; nodelay: number }
const SCENARIOS: Scenario[] = [
  { name: 'bulk 64 KiB writes', size: 65536, nodelay: 0 },
  { name: '1 KiB writes, TCP_NODELAY', size: 1024, nodelay: 1 },
];

interface ProgCost { scenario: string; probe: string; program: string; runs: number; runsPerSecond: number; nsPerRun: number; cpuPercent: number }
interface ThroughputRow {
  scenario: string; offMBps: number[]; onMBps: number[]; offMedian: number; onMedian: number; lossPercent: number;
  /** MB per CPU-second of the stream process (its threads' user + system time) */
  offMBpcs: number[]; onMBpcs: number[]; offCpuMedian: number; onCpuMedian: number; cpuLossPercent: number;
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };

async function stream(tool: string, ns: string, sc: Scenario, seconds: number): Promise<{ mbps: number; mbpcs: number }> {
  const r = await runOk('ip', ['netns', 'exec', ns, tool, String(seconds), String(sc.size), String(sc.nodelay)], { timeoutMs: (seconds + 30) * 1000 });
  const j = JSON.parse(r.stdout.trim()) as { bytesPerSecond: number; bytes: number; received: number; bytesPerCpuSecond: number };
  if (j.bytes !== j.received) throw new Error(`stream lost data: ${r.stdout}`);
  return { mbps: j.bytesPerSecond / 1e6, mbpcs: j.bytesPerCpuSecond / 1e6 };
}

async function startAll(): Promise<HelperClient> {
  const probes = Object.fromEntries(LATENCY_PROBE_NAMES.map((p) => [p, {}])) as Record<LatencyProbeName, object>;
  const c = new HelperClient({ helperPath: HELPER, probes });
  await c.start();
  return c;
}

function costs(scenario: string, a: CounterSnapshot, b: CounterSnapshot, seconds: number): ProgCost[] {
  const before = new Map<number, { runCount: number; runTimeNs: number }>();
  for (const p of a.probes) for (const g of p.programs) before.set(g.id, g);
  const out: ProgCost[] = [];
  for (const p of b.probes) {
    for (const g of p.programs) {
      const o = before.get(g.id);
      const runs = g.runCount - (o?.runCount ?? 0);
      const ns = g.runTimeNs - (o?.runTimeNs ?? 0);
      out.push({
        scenario, probe: p.probe, program: g.name, runs, runsPerSecond: Math.round(runs / seconds),
        nsPerRun: runs > 0 ? Math.round(ns / runs) : 0, cpuPercent: Number(((ns / 1e9 / seconds) * 100).toFixed(2)),
      });
    }
  }
  return out;
}

async function main(): Promise<void> {
  await ensureHelperBuilt();
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'ksotel-bench-lat-'));
  const tool = path.join(tmp, 'tcpstream');
  await runOk('cc', ['-O2', '-pthread', '-o', tool, path.join(ROOT, 'test', 'bench', 'tcpstream.c')]);
  const ns = await makeSingle('bench-lat');
  const statsBefore = (await readFile(STATS, 'utf8')).trim();
  const kernel = (await runOk('uname', ['-r'])).stdout.trim();
  const throughput: ThroughputRow[] = [];
  const programs: ProgCost[] = [];
  let status: Record<string, string> = {};
  try {
    await writeFile(STATS, '0');
    for (const sc of SCENARIOS) {
      const off: { mbps: number; mbpcs: number }[] = [];
      const on: { mbps: number; mbpcs: number }[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        off.push(await stream(tool, ns.ns, sc, SECONDS));
        const c = await startAll();
        try { on.push(await stream(tool, ns.ns, sc, SECONDS)); } finally { await c.stop(); }
      }
      const offMedian = median(off.map((x) => x.mbps));
      const onMedian = median(on.map((x) => x.mbps));
      const offCpu = median(off.map((x) => x.mbpcs));
      const onCpu = median(on.map((x) => x.mbpcs));
      throughput.push({
        scenario: sc.name, offMBps: off.map((x) => Math.round(x.mbps)), onMBps: on.map((x) => Math.round(x.mbps)),
        offMedian: Math.round(offMedian), onMedian: Math.round(onMedian), lossPercent: Number((((offMedian - onMedian) / offMedian) * 100).toFixed(1)),
        offMBpcs: off.map((x) => Math.round(x.mbpcs)), onMBpcs: on.map((x) => Math.round(x.mbpcs)),
        offCpuMedian: Math.round(offCpu), onCpuMedian: Math.round(onCpu), cpuLossPercent: Number((((offCpu - onCpu) / offCpu) * 100).toFixed(1)),
      });
      console.log(JSON.stringify(throughput[throughput.length - 1]));
    }
    await writeFile(STATS, '1');
    const c = await startAll();
    try {
      status = Object.fromEntries(LATENCY_PROBE_NAMES.map((p) => {
        const s = c.status().probes[p];
        return [p, s.state === 'running' ? 'running' : `${s.state}: ${s.reason.slice(0, 160)}`];
      }));
      for (const sc of SCENARIOS) {
        const a = await c.dumpCounters();
        await stream(tool, ns.ns, sc, SECONDS);
        const b = await c.dumpCounters();
        programs.push(...costs(sc.name, a, b, SECONDS));
      }
    } finally {
      await c.stop();
    }
  } finally {
    await writeFile(STATS, statsBefore);
    await deleteNs(ns.ns);
    await rm(tmp, { recursive: true, force: true });
  }

  const result = {
    date: new Date().toISOString(), kernel, cpus: os.cpus().length, secondsPerRound: SECONDS, rounds: ROUNDS,
    probes: status, throughput, programs,
  };
  const dir = path.join(ROOT, 'test', 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'latency.json'), `${JSON.stringify(result, null, 2)}\n`);
  const md: string[] = [
    '# Latency probes: cost and throughput (test/bench/latency.ts)', '',
    `${result.date}, kernel ${kernel}, ${result.cpus} CPUs. Loopback TCP inside a test namespace (one connection, C client/server),`,
    `${ROUNDS} rounds of ${SECONDS} s per side, off and on alternating; medians. "on" = all six latency probes loaded with default options`,
    '(socketlatency, netiftxlatency, net_softirq, biolatency, kernellatency; virtcmdlatency is degraded here and loads nothing).', '',
    '## Throughput, probes off vs on', '',
    `Load average at the start: ${os.loadavg().map((x) => x.toFixed(2)).join(', ')} (other work shares this VM: wall-clock rates swing between rounds).`, '',
    'MB per second of wall clock:', '',
    '| load | off MB/s (rounds) | on MB/s (rounds) | off median | on median | loss |', '|---|---|---|---|---|---|',
    ...throughput.map((t) => `| ${t.scenario} | ${t.offMBps.join(', ')} | ${t.onMBps.join(', ')} | ${t.offMedian} | ${t.onMedian} | ${t.lossPercent} % |`), '',
    'MB per CPU-second of the stream (client + server threads, user + system time, which includes the loopback softirq work run in',
    'their context): the cost per byte, much less sensitive to other load than the wall-clock rate:', '',
    '| load | off MB/CPU-s (rounds) | on MB/CPU-s (rounds) | off median | on median | loss |', '|---|---|---|---|---|---|',
    ...throughput.map((t) => `| ${t.scenario} | ${t.offMBpcs.join(', ')} | ${t.onMBpcs.join(', ')} | ${t.offCpuMedian} | ${t.onCpuMedian} | ${t.cpuLossPercent} % |`), '',
    '## BPF time per load (bpf_stats, separate rounds)', '',
    'Sum of the run time of every latency program per second of load, as a share of the machine (all CPUs):',
    'the kernel-side cost the probes add, independent of the throughput noise of a shared VM.', '',
    '| load | programs run/s | BPF CPU ms per s | share of all CPUs |', '|---|---|---|---|',
    ...SCENARIOS.map((sc) => {
      const ps = programs.filter((p) => p.scenario === sc.name);
      const runs = ps.reduce((a, p) => a + p.runsPerSecond, 0);
      const cpuMs = ps.reduce((a, p) => a + p.cpuPercent * 10, 0);
      return `| ${sc.name} | ${runs} | ${cpuMs.toFixed(1)} | ${(cpuMs / 10 / result.cpus).toFixed(1)} % |`;
    }), '',
    '## Per-program cost (bpf_stats, separate rounds)', '',
    '| load | probe | program | runs | runs/s | ns/run | CPU % |', '|---|---|---|---|---|---|---|',
    ...programs.filter((p) => p.runs > 0).map((p) => `| ${p.scenario} | ${p.probe} | ${p.program} | ${p.runs} | ${p.runsPerSecond} | ${p.nsPerRun} | ${p.cpuPercent} |`), '',
    'Programs with no runs in a load are left out (block I/O, virtio commands). CPU % = run time / wall time of one CPU.', '',
    '## Probe status during the run', '',
    ...Object.entries(status).map(([p, s]) => `- ${p}: ${s}`), '',
  ];
  await writeFile(path.join(dir, 'latency.md'), md.join('\n'));
  console.log(md.join('\n'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => { console.error(e); process.exit(1); });
}
void run;

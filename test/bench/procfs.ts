// Cost of one collection cycle of the default probe set, against the kernel's floor for the same
// work, side by side in one run, at 10, 100 and 250 test namespaces (each: lo, a veth to the host, a
// kept process — test/support/netns.ts), cleaned up at the end:
//   - the agent: the real process (`kubeskoop-otel run`, default probes, 1 s interval, launched with
//     the launchers' Node flags), no scrape and no export: its whole CPU (every thread, user + system,
//     from /proc/<pid>/task/*/schedstat in ns; its child processes' too, e.g. the native helper) over full cycles (discovery, identity, probes,
//     snapshot), each window opened and closed in the idle gap between two cycles;
//   - the floor: test/bench/procfs-floor.c, built here: the same kernel reads in C (list /proc, every
//     process's ns/net link, io and cgroup; per namespace the seven net files of the default set;
//     softnet_stat and nf_conntrack_max once) into one reused buffer, no parsing, its own CPU; its
//     cycles back to back, and again paced as the agent's (one per interval, in the agent's idle gap);
//     and the task-walk floors: the processes from one read of the helper's task iterator (pinned
//     with bpftool) instead of the listing and the per-process files, as the agent takes them now;
//   - both see every namespace of the machine (the host's and other tests' too), as the agent does;
//     the per-namespace figures divide by that count. Agent and floor alternate in paired rounds
//     (≥ 7); the ratio is taken per round and reported as median and spread, with the machine's load.
//   - node_exporter (Debian's) in one namespace: CPU per scrape, from its /proc/<pid>/stat.
//
//   npm run build && node dist/test/bench/procfs.js [--sizes 10,100,250] [--rounds 9] [--cpu-prof DIR]
//     [--variants 'name=--flag …;other=@/path/to/dist/kubeskoop-otel.js --flag …'] [--quick]
// Writes test/bench/results/procfs.json and procfs.md. Needs root. A variant whose flags start with
// @FILE runs that build of the agent (e.g. another branch's dist) with the rest as its Node flags:
// a before/after in the same rounds. --quick (a look while working, never a result): any number of
// rounds, no node_exporter, nothing written under results/ (a profile goes to DIR only). With --cpu-prof the agent runs
// under V8's sampling profiler (which inflates its CPU): the run writes procfs-profile.json and .md
// instead (where the cycle's time goes, cpuprofile-summary.ts), which procfs.md then quotes.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { createPod, cleanupAll, type TestPod } from '../support/netns.js';
import { AGENT_ENV, AGENT_NODE_FLAGS } from '../../receiver/cli/node-flags.js';
import { startNodeExporter } from '../support/node-exporter.js';
import { freePort, procUsage, runOk, sleep, stopPid } from '../support/proc.js';
import { DEFAULT_METRIC_PROBES } from '../../receiver/probes/catalog.js';
import { benchStamp, spread, type Spread } from './stamp.js';
import { profileMarkdown, summarizeProfileFile, type ProfileSummary } from './cpuprofile-summary.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '../../..');
const RESULTS = path.join(ROOT, 'test/bench/results');
const AGENT = path.resolve(here, '../../kubeskoop-otel.js');
const INTERVAL_MS = 1000;
/** Namespace-cycles an agent runs before its rounds: V8 optimizes a function once it has run enough,
 *  and the probes' hot functions run about once per namespace and file per cycle. At 10 namespaces
 *  their optimizations came 80–170 s after the start (node --trace-opt: readNetDevInPlace at 164 s),
 *  with V8's compiler threads a third of the agent's CPU until then (perf); at 250 within ~10 s. The
 *  rounds measure the agent as it runs for days; the warm-up's own cost is reported beside them. */
const WARM_NAMESPACE_CYCLES = 2000;

/** Every thread's on-CPU ns (schedstat) and the process's user/system ticks, its live child
 *  processes' (the native helper, when the probe set starts it) added: collection's whole CPU. */
function processCpu(pid: number): { ns: number; userMs: number; systemMs: number } {
  let ns = 0;
  const children: number[] = [];
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'latin1').split(' ')[0]);
      for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, 'latin1').split(' '))
        if (c.trim() !== '') children.push(Number(c));
    } catch {
      /* thread gone */
    }
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const out = { ns, userMs: Number(rest[11]) * 10, systemMs: Number(rest[12]) * 10 };
  for (const c of children) {
    try {
      const x = processCpu(c);
      out.ns += x.ns;
      out.userMs += x.userMs;
      out.systemMs += x.systemMs;
    } catch {
      /* the child exited */
    }
  }
  return out;
}

interface AgentStatus {
  cycle: number;
  at: number;
  durationMs: number;
  targets: number;
  /** where its last cycle took the processes from: 'task-walk' (the helper) or 'proc' */
  processSource: string;
}

async function status(port: number): Promise<AgentStatus> {
  const s = (await (
    await fetch(`http://127.0.0.1:${port}/status`, { signal: AbortSignal.timeout(10_000) })
  ).json()) as {
    lastCycle: {
      cycle: number;
      at: string | null;
      durationMs: number;
      targets: { total: number };
      processes?: { source: string } | null;
    };
  };
  return {
    cycle: s.lastCycle.cycle,
    at: s.lastCycle.at ? Date.parse(s.lastCycle.at) : 0,
    durationMs: s.lastCycle.durationMs,
    targets: s.lastCycle.targets.total,
    processSource: s.lastCycle.processes?.source ?? 'proc',
  };
}

/** Waits for the middle of an idle gap (the next cycle starts INTERVAL_MS after the last one ended). */
async function midGap(port: number, deadline: number): Promise<AgentStatus> {
  for (;;) {
    if (Date.now() > deadline) throw new Error('the agent did not finish a cycle in time');
    const s = await status(port);
    const now = Date.now();
    if (s.cycle > 0 && now < s.at + INTERVAL_MS * 0.4) {
      await sleep(s.at + INTERVAL_MS / 2 - now);
      return s;
    }
    await sleep(Math.max(50, s.at + INTERVAL_MS + s.durationMs + 100 - now));
  }
}

/** Another agent launched next to the default one with other Node flags (e.g. the semi-space size),
 *  measured in the same rounds: its CPU and RSS against the default's. */
interface Variant {
  name: string;
  flags: string[];
  /** Another build's main.js (default: this build's). */
  agent?: string;
}

interface VariantRound {
  name: string;
  agentMs: number;
  /** agentMs ÷ the default agent's in the same round */
  vsDefault: number;
  /** The namespaces its window saw (other tests' come and go on a shared machine). */
  namespaces: number;
  /** CPU per namespace ÷ the default agent's per namespace, same round. */
  vsDefaultPerNs: number;
  ratio: number;
}

interface VariantResult {
  name: string;
  flags: string[];
  agent?: string;
  agentCpuMsPerCycle: Spread;
  vsDefault: Spread;
  vsDefaultPerNs: Spread;
  ratio: Spread;
  rssMiB: number;
  peakRssMiB: number;
}

interface Round {
  agentMs: number;
  agentUserMs: number;
  agentSystemMs: number;
  agentCycles: number;
  floorMs: number;
  /** The floor's reads with every file kept open and read again from offset 0 (procfs-floor.c `kept`):
   *  the kernel work of the agent's own access (receiver/kernel/read-proc.ts). */
  floorKeptMs: number;
  /** The same from Node (procfs-node-floor.ts `kept`). */
  nodeFloorKeptMs: number;
  /** The floor (files opened each time) with its cycles paced as the agent's, one every INTERVAL_MS
   *  (procfs-floor.c with an interval), started in the agent's idle gap: the kernel's work for a cycle
   *  that comes once a second, as the agent's does, where the cycles run back to back warm each other. */
  floorPacedMs: number;
  /** The kept-files floor, paced the same way. */
  floorKeptPacedMs: number;
  /** The floor with the processes from one read of the helper's pinned task iterator instead of the
   *  /proc listing and each process's ns/net, io and cgroup (procfs-floor.c `walk`): the kernel work
   *  of the agent's cycle when its helper runs. Files opened each time; back to back, and paced. */
  floorWalkMs: number;
  floorWalkPacedMs: number;
  /** The same with the per-namespace files kept open (`walk-kept`): the agent's own access. */
  floorWalkKeptMs: number;
  floorWalkKeptPacedMs: number;
  /** The floor's reads plus converting every number in C (procfs-floor.c `parse`). */
  floorParseMs: number;
  /** The same reads from Node (procfs-node-floor.ts: openSync/readSync into one Buffer/closeSync), no parse. */
  nodeFloorMs: number;
  /** ... and each file decoded to a latin1 string, as readProcText hands it to the parsers. */
  nodeFloorTextMs: number;
  /** The C reader sends each cycle's file texts in one frame, Node decodes them (reader + Node CPU). */
  batchTextMs: number;
  /** The C reader parses and sends the numbers, Node reads them (reader + Node CPU). */
  batchNumbersMs: number;
  floorUserMs: number;
  floorSystemMs: number;
  ratio: number;
  namespaces: number;
  floorNamespaces: number;
  processes: number;
  variants: VariantRound[];
}

interface SizeResult {
  testNamespaces: number;
  /** Every namespace on the machine (the agent's targets), median over the rounds. */
  namespaces: number;
  processes: number;
  rounds: Round[];
  agentCpuMsPerCycle: Spread;
  floorCpuMsPerCycle: Spread;
  floorKeptCpuMsPerCycle: Spread;
  nodeFloorKeptCpuMsPerCycle: Spread;
  /** agent ÷ the kept-files C floor, per round */
  ratioKept: Spread;
  floorPacedCpuMsPerCycle: Spread;
  floorKeptPacedCpuMsPerCycle: Spread;
  /** agent ÷ the paced floor, per round (the target's measure: the same pace on both sides) */
  ratioPaced: Spread;
  /** agent ÷ the paced kept-files floor, per round */
  ratioKeptPaced: Spread;
  /** the task-walk floors (Round.floorWalk*), and agent ÷ each, per round */
  floorWalkCpuMsPerCycle: Spread;
  floorWalkPacedCpuMsPerCycle: Spread;
  floorWalkKeptCpuMsPerCycle: Spread;
  floorWalkKeptPacedCpuMsPerCycle: Spread;
  ratioWalk: Spread;
  ratioWalkPaced: Spread;
  ratioWalkKept: Spread;
  ratioWalkKeptPaced: Spread;
  /** where the agent's last cycle took its processes from ('task-walk': the helper's walk) */
  processSource: string;
  /** paced ÷ back-to-back, per round: what pacing alone does to the floor's own CPU */
  pacingEffect: Spread;
  pacingEffectKept: Spread;
  /** Node's kept reads ÷ the kept-files C floor, per round */
  nodeFloorKeptRatio: Spread;
  floorParseCpuMsPerCycle: Spread;
  nodeFloorCpuMsPerCycle: Spread;
  nodeFloorTextCpuMsPerCycle: Spread;
  /** Node read floor ÷ C floor, per round: what reading from JS costs over C. */
  nodeFloorRatio: Spread;
  /** agent ÷ Node read floor (with text), per round: what the agent does on top of JS's reads. */
  agentOverNodeFloor: Spread;
  /** An estimate, not a measurement: the reads and first parse in C sent as numbers (batchNumbers) plus what the
   *  agent does on top of Node's reads (agent − Node read floor with text), ÷ the C floor, per round. */
  nativeEstimateRatio: Spread;
  batchTextCpuMsPerCycle: Spread;
  batchNumbersCpuMsPerCycle: Spread;
  /** ÷ C floor per round */
  batchTextRatio: Spread;
  batchNumbersRatio: Spread;
  agentCpuMsPerNs: Spread;
  floorCpuMsPerNs: Spread;
  ratio: Spread;
  agentSystemShare: number;
  floorSystemShare: number;
  agentCycleWallMs: number;
  agentRssMiB: number;
  agentPeakRssMiB: number;
  statusRequestCpuMs: number;
  /** The cycles run before the rounds (from cycle `fromCycle`, after start-up): the JIT's warm-up. */
  warmup: { fromCycle: number; cycles: number; cpuMsPerCycle: number };
  loadAvg: string;
  variants: VariantResult[];
}

async function measureSize(
  n: number,
  floorBin: string,
  rounds: number,
  cycles: number,
  cpuProf: string | undefined,
  nodeFloor: string,
  variants: readonly Variant[],
): Promise<SizeResult> {
  const port = await freePort();
  const args = (flags: readonly string[], p: number, agent = AGENT, name = 'agent'): string[] => [
    ...flags,
    ...(cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`, `--cpu-prof-name=${name}-${n}.cpuprofile`] : []),
    agent,
    'run',
    '--port',
    String(p),
    '--address',
    '127.0.0.1',
    '--interval',
    `${INTERVAL_MS / 1000}s`,
    '--log-level',
    'error',
  ];
  const child = spawn(process.execPath, args(AGENT_NODE_FLAGS, port), {
    stdio: 'ignore',
    env: { ...process.env, ...AGENT_ENV },
  });
  const pid = child.pid!;
  // The variants run next to the default agent all along, so each round sees the same machine.
  const others: { v: Variant; port: number; pid: number; statusCpuMs: number }[] = [];
  try {
    for (const v of variants) {
      const vp = await freePort();
      const c = spawn(process.execPath, args(v.flags, vp, v.agent, v.name), {
        stdio: 'ignore',
        env: { ...process.env, ...AGENT_ENV },
      });
      others.push({ v, port: vp, pid: c.pid!, statusCpuMs: 0 });
    }
    const until = Date.now() + 120_000;
    for (const p of [port, ...others.map((o) => o.port)]) {
      for (;;) {
        // warm-up: three cycles
        await sleep(500);
        if (Date.now() > until) throw new Error('agent: no third cycle within 120 s');
        try {
          if ((await status(p)).cycle >= 3) break;
        } catch {
          /* not listening yet */
        }
      }
    }
    // What one /status request (the window's clock) costs the agent, to subtract.
    const statusCost = async (p: number, id: number): Promise<number> => {
      await midGap(p, Date.now() + 30_000);
      const q0 = processCpu(id).ns;
      for (let i = 0; i < 10; i++) await status(p);
      return (processCpu(id).ns - q0) / 10 / 1e6;
    };
    const statusRequestCpuMs = await statusCost(port, pid);
    for (const o of others) o.statusCpuMs = await statusCost(o.port, o.pid);
    // The JIT's warm-up (WARM_NAMESPACE_CYCLES), measured on the default agent; the variants, started
    // with it, warm up in the same time.
    const w0 = await midGap(port, Date.now() + 60_000);
    const wc0 = processCpu(pid);
    const warmCycles = Math.max(0, Math.ceil(WARM_NAMESPACE_CYCLES / Math.max(1, w0.targets)) - w0.cycle);
    if (warmCycles > 0) await sleep((warmCycles - 1) * (INTERVAL_MS + w0.durationMs));
    const w1 = await midGap(port, Date.now() + 120_000);
    const warmup = {
      fromCycle: w0.cycle,
      cycles: w1.cycle - w0.cycle,
      cpuMsPerCycle: ((processCpu(pid).ns - wc0.ns) / 1e6 - 2 * statusRequestCpuMs) / Math.max(1, w1.cycle - w0.cycle),
    };
    /** One window of whole cycles of one agent: CPU ms per cycle and the cycles it spans. */
    const window = async (
      p: number,
      id: number,
      statusCpuMs: number,
    ): Promise<{
      ms: number;
      k: number;
      c0: ReturnType<typeof processCpu>;
      c1: ReturnType<typeof processCpu>;
      targets: number;
    }> => {
      const a = await midGap(p, Date.now() + 60_000);
      const c0 = processCpu(id);
      await sleep((cycles - 1) * (INTERVAL_MS + a.durationMs));
      const b = await midGap(p, Date.now() + 60_000);
      const c1 = processCpu(id);
      const k = b.cycle - a.cycle;
      return { ms: ((c1.ns - c0.ns) / 1e6 - statusCpuMs) / k, k, c0, c1, targets: b.targets };
    };
    const out: Round[] = [];
    for (let r = 0; r < rounds; r++) {
      const w = await window(port, pid, statusRequestCpuMs);
      const { k, c0, c1 } = w;
      const agentMs = w.ms;
      const b = { targets: w.targets };
      const vr: { name: string; ms: number; targets: number }[] = [];
      for (const o of others) {
        const vw = await window(o.port, o.pid, o.statusCpuMs);
        vr.push({ name: o.v.name, ms: vw.ms, targets: vw.targets });
      }
      // The C floor in one of its forms (procfs-floor.c's modes), its JSON line and CPU ms per cycle.
      type FloorLine = {
        cycles: number;
        cpuNs: number;
        userUs: number;
        systemUs: number;
        namespaces: number;
        processes: number;
      };
      const floorRun = async (mode: readonly string[]): Promise<FloorLine & { ms: number }> => {
        const x = JSON.parse((await runOk(floorBin, [String(k), ...mode], { timeoutMs: 120_000 })).stdout) as FloorLine;
        return { ...x, ms: x.cpuNs / 1e6 / x.cycles };
      };
      const f = await floorRun([]);
      const floorMs = f.ms;
      // The same reads with every number converted in C: the native reader's share of a helper path.
      const floorParseMs = (await floorRun(['/proc', 'parse'])).ms;
      // The same reads with the files kept open, as the agent reads them.
      const floorKeptMs = (await floorRun(['/proc', 'kept'])).ms;
      // Both again at the agent's pace, one cycle every INTERVAL_MS, each started in the agent's idle
      // gap so that its cycles fall half an interval from the agent's (k cycles: k seconds each).
      await midGap(port, Date.now() + 60_000);
      const floorPacedMs = (await floorRun(['/proc', 'open', String(INTERVAL_MS)])).ms;
      await midGap(port, Date.now() + 60_000);
      const floorKeptPacedMs = (await floorRun(['/proc', 'kept', String(INTERVAL_MS)])).ms;
      // The processes from the task walk, as the agent takes them when its helper runs.
      const floorWalkMs = (await floorRun(['/proc', 'walk'])).ms;
      const floorWalkKeptMs = (await floorRun(['/proc', 'walk-kept'])).ms;
      await midGap(port, Date.now() + 60_000);
      const floorWalkPacedMs = (await floorRun(['/proc', 'walk', String(INTERVAL_MS)])).ms;
      await midGap(port, Date.now() + 60_000);
      const floorWalkKeptPacedMs = (await floorRun(['/proc', 'walk-kept', String(INTERVAL_MS)])).ms;
      // The same reads from Node, with the launchers' flags: bytes only, then bytes decoded to text.
      const nodeRun = async (mode: readonly string[]): Promise<number> => {
        const x = JSON.parse(
          (
            await runOk(process.execPath, [...AGENT_NODE_FLAGS, nodeFloor, String(k), '/proc', ...mode], {
              timeoutMs: 120_000,
            })
          ).stdout,
        ) as { cycles: number; cpuNs: number };
        return x.cpuNs / 1e6 / x.cycles;
      };
      const nodeFloorMs = await nodeRun([]);
      const nodeFloorTextMs = await nodeRun(['text']);
      const nodeFloorKeptMs = await nodeRun(['kept']);
      // A native batch reader: the C floor's reads sent to Node as one frame per cycle (texts, or numbers).
      const batchTextMs = await nodeRun(['batch', floorBin]);
      const batchNumbersMs = await nodeRun(['batch-numbers', floorBin]);
      out.push({
        agentMs,
        agentUserMs: (c1.userMs - c0.userMs) / k,
        agentSystemMs: (c1.systemMs - c0.systemMs) / k,
        agentCycles: k,
        floorMs,
        floorKeptMs,
        nodeFloorKeptMs,
        floorPacedMs,
        floorKeptPacedMs,
        floorWalkMs,
        floorWalkPacedMs,
        floorWalkKeptMs,
        floorWalkKeptPacedMs,
        floorParseMs,
        nodeFloorMs,
        nodeFloorTextMs,
        batchTextMs,
        batchNumbersMs,
        floorUserMs: f.userUs / 1000 / f.cycles,
        floorSystemMs: f.systemUs / 1000 / f.cycles,
        ratio: agentMs / floorMs,
        namespaces: b.targets,
        floorNamespaces: f.namespaces,
        processes: f.processes,
        variants: vr.map((v) => ({
          name: v.name,
          agentMs: v.ms,
          vsDefault: v.ms / agentMs,
          namespaces: v.targets,
          vsDefaultPerNs: v.ms / v.targets / (agentMs / b.targets),
          ratio: v.ms / floorMs,
        })),
      });
      process.stderr.write(
        `procfs bench: ${n} test ns, round ${r + 1}/${rounds}: agent ${agentMs.toFixed(2)} ms/cycle over ${k} cycles, floor ${floorMs.toFixed(2)} ms/cycle, ×${(agentMs / floorMs).toFixed(2)}, kept floor ${floorKeptMs.toFixed(2)} ×${(agentMs / floorKeptMs).toFixed(2)} (Node ${nodeFloorKeptMs.toFixed(2)}), paced floor ${floorPacedMs.toFixed(2)} ×${(agentMs / floorPacedMs).toFixed(2)}, paced kept ${floorKeptPacedMs.toFixed(2)}, walk floor ${floorWalkMs.toFixed(2)} (paced ${floorWalkPacedMs.toFixed(2)}, kept ${floorWalkKeptMs.toFixed(2)}, kept paced ${floorWalkKeptPacedMs.toFixed(2)} ×${(agentMs / floorWalkKeptPacedMs).toFixed(2)}), Node floor ${nodeFloorMs.toFixed(2)} (text ${nodeFloorTextMs.toFixed(2)}), batch ${batchTextMs.toFixed(2)} (numbers ${batchNumbersMs.toFixed(2)})${vr.map((v) => `, ${v.name} ${v.ms.toFixed(2)}`).join('')} (${b.targets} namespaces)\n`,
      );
    }
    const u = await procUsage(pid);
    const last = await status(port);
    const variantResults: VariantResult[] = [];
    for (const o of others) {
      const vu = await procUsage(o.pid);
      const rs = out.map((x) => x.variants.find((v) => v.name === o.v.name)!);
      variantResults.push({
        name: o.v.name,
        flags: o.v.flags,
        ...(o.v.agent ? { agent: o.v.agent } : {}),
        agentCpuMsPerCycle: spread(rs.map((x) => x.agentMs)),
        vsDefault: spread(rs.map((x) => x.vsDefault)),
        vsDefaultPerNs: spread(rs.map((x) => x.vsDefaultPerNs)),
        ratio: spread(rs.map((x) => x.ratio)),
        rssMiB: vu.rssBytes / 2 ** 20,
        peakRssMiB: vu.rssPeakBytes / 2 ** 20,
      });
    }
    const nsMed = spread(out.map((x) => x.namespaces)).median;
    const sum = (xs: number[]): number => xs.reduce((s, x) => s + x, 0);
    return {
      testNamespaces: n,
      namespaces: nsMed,
      processes: spread(out.map((x) => x.processes)).median,
      rounds: out,
      agentCpuMsPerCycle: spread(out.map((x) => x.agentMs)),
      floorCpuMsPerCycle: spread(out.map((x) => x.floorMs)),
      floorKeptCpuMsPerCycle: spread(out.map((x) => x.floorKeptMs)),
      nodeFloorKeptCpuMsPerCycle: spread(out.map((x) => x.nodeFloorKeptMs)),
      ratioKept: spread(out.map((x) => x.agentMs / x.floorKeptMs)),
      floorPacedCpuMsPerCycle: spread(out.map((x) => x.floorPacedMs)),
      floorKeptPacedCpuMsPerCycle: spread(out.map((x) => x.floorKeptPacedMs)),
      ratioPaced: spread(out.map((x) => x.agentMs / x.floorPacedMs)),
      ratioKeptPaced: spread(out.map((x) => x.agentMs / x.floorKeptPacedMs)),
      floorWalkCpuMsPerCycle: spread(out.map((x) => x.floorWalkMs)),
      floorWalkPacedCpuMsPerCycle: spread(out.map((x) => x.floorWalkPacedMs)),
      floorWalkKeptCpuMsPerCycle: spread(out.map((x) => x.floorWalkKeptMs)),
      floorWalkKeptPacedCpuMsPerCycle: spread(out.map((x) => x.floorWalkKeptPacedMs)),
      ratioWalk: spread(out.map((x) => x.agentMs / x.floorWalkMs)),
      ratioWalkPaced: spread(out.map((x) => x.agentMs / x.floorWalkPacedMs)),
      ratioWalkKept: spread(out.map((x) => x.agentMs / x.floorWalkKeptMs)),
      ratioWalkKeptPaced: spread(out.map((x) => x.agentMs / x.floorWalkKeptPacedMs)),
      processSource: last.processSource,
      pacingEffect: spread(out.map((x) => x.floorPacedMs / x.floorMs)),
      pacingEffectKept: spread(out.map((x) => x.floorKeptPacedMs / x.floorKeptMs)),
      nodeFloorKeptRatio: spread(out.map((x) => x.nodeFloorKeptMs / x.floorKeptMs)),
      floorParseCpuMsPerCycle: spread(out.map((x) => x.floorParseMs)),
      nodeFloorCpuMsPerCycle: spread(out.map((x) => x.nodeFloorMs)),
      nodeFloorTextCpuMsPerCycle: spread(out.map((x) => x.nodeFloorTextMs)),
      nodeFloorRatio: spread(out.map((x) => x.nodeFloorMs / x.floorMs)),
      agentOverNodeFloor: spread(out.map((x) => x.agentMs / x.nodeFloorTextMs)),
      batchTextCpuMsPerCycle: spread(out.map((x) => x.batchTextMs)),
      batchNumbersCpuMsPerCycle: spread(out.map((x) => x.batchNumbersMs)),
      batchTextRatio: spread(out.map((x) => x.batchTextMs / x.floorMs)),
      batchNumbersRatio: spread(out.map((x) => x.batchNumbersMs / x.floorMs)),
      nativeEstimateRatio: spread(out.map((x) => (x.batchNumbersMs + x.agentMs - x.nodeFloorTextMs) / x.floorMs)),
      agentCpuMsPerNs: spread(out.map((x) => x.agentMs / x.namespaces)),
      floorCpuMsPerNs: spread(out.map((x) => x.floorMs / x.floorNamespaces)),
      ratio: spread(out.map((x) => x.ratio)),
      agentSystemShare: sum(out.map((x) => x.agentSystemMs)) / sum(out.map((x) => x.agentSystemMs + x.agentUserMs)),
      floorSystemShare: sum(out.map((x) => x.floorSystemMs)) / sum(out.map((x) => x.floorSystemMs + x.floorUserMs)),
      agentCycleWallMs: last.durationMs,
      agentRssMiB: u.rssBytes / 2 ** 20,
      agentPeakRssMiB: u.rssPeakBytes / 2 ** 20,
      statusRequestCpuMs,
      warmup,
      loadAvg: readFileSync('/proc/loadavg', 'latin1').trim(),
      variants: variantResults,
    };
  } finally {
    await stopPid(pid, 10_000);
    for (const o of others) await stopPid(o.pid, 10_000);
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const sizes = (opt('--sizes') ?? '10,100,250')
    .split(',')
    .map(Number)
    .filter((n) => n > 0)
    .sort((a, b) => a - b);
  const quick = argv.includes('--quick');
  const rounds = Math.max(quick ? 1 : 7, Number(opt('--rounds') ?? (quick ? 3 : 9)));
  const cpuProf = opt('--cpu-prof');
  // --variants 'name=--flag --flag;name2=' : more agents with other Node flags, next to the default.
  const variants: Variant[] = (opt('--variants') ?? '')
    .split(';')
    .filter((v) => v.trim() !== '')
    .map((v) => {
      const eq = v.indexOf('=');
      if (eq <= 0) throw new Error(`--variants: "${v}" is not name=flags`);
      const words = v
        .slice(eq + 1)
        .split(' ')
        .filter((x) => x !== '');
      const agent = words[0]?.startsWith('@') ? path.resolve(words.shift()!.slice(1)) : undefined;
      if (agent !== undefined && !existsSync(agent)) throw new Error(`--variants: ${agent} does not exist`);
      return { name: v.slice(0, eq).trim(), flags: words, ...(agent ? { agent } : {}) };
    });
  const nodeFloor = path.join(here, 'procfs-node-floor.js');
  const started = Date.now();
  const stamp = await benchStamp();
  const tmp = mkdtempSync(path.join(tmpdir(), 'ksotel-bench-procfs-'));
  const floorBin = path.join(tmp, 'procfs-floor');
  await runOk('cc', ['-O2', '-o', floorBin, path.join(ROOT, 'test', 'bench', 'procfs-floor.c')]);
  // The helper's task iterator, pinned for the walk floors (reading the pinned file runs the walk).
  const tasksIter = `/sys/fs/bpf/ksotel-bench-tasks-${process.pid}`;
  await runOk('bpftool', ['iter', 'pin', path.join(ROOT, 'bpf', 'build', 'tasks.bpf.o'), tasksIter]);
  process.env.PROCFS_FLOOR_TASKS_ITER = tasksIter;
  const loadBefore = readFileSync('/proc/loadavg', 'latin1').trim();
  const pods: TestPod[] = [];
  const out: SizeResult[] = [];
  let neCpuMsPerScrape = 0;
  let neRssMiB = 0;
  let neScrapes = 0;
  try {
    for (const n of sizes) {
      while (pods.length < n) pods.push(await createPod({ label: `b${pods.length}` }));
      const r = await measureSize(n, floorBin, rounds, n <= 10 ? 6 : 4, cpuProf, nodeFloor, variants);
      out.push(r);
      process.stderr.write(
        `procfs bench: ${n} test ns (${r.namespaces} on the machine): agent ${r.agentCpuMsPerNs.median.toFixed(3)} ms/ns, floor ${r.floorCpuMsPerNs.median.toFixed(3)} ms/ns, ×${r.ratio.median.toFixed(2)} [${r.ratio.min.toFixed(2)}–${r.ratio.max.toFixed(2)}]\n`,
      );
    }
    // node_exporter in one test namespace, the collectors the default set overlaps.
    const ne = quick ? undefined : await startNodeExporter(pods[0]!.netns);
    if (ne) {
      try {
        await ne.fetchText();
        const u0 = await ne.usage();
        neScrapes = 40;
        for (let k = 0; k < neScrapes; k++) await ne.fetchText();
        const u1 = await ne.usage();
        neCpuMsPerScrape = ((u1.cpuSeconds - u0.cpuSeconds) * 1000) / neScrapes;
        neRssMiB = u1.rssBytes / 2 ** 20;
      } finally {
        await ne.stop();
      }
    }
  } finally {
    for (const p of pods.reverse()) await p.dispose().catch(() => undefined);
    await cleanupAll();
    rmSync(tasksIter, { force: true });
  }
  const json = {
    benchmark: 'procfs',
    ...stamp,
    kernel: release(),
    cpus: cpus().length,
    node: process.version,
    load: { before: loadBefore, after: readFileSync('/proc/loadavg', 'latin1').trim() },
    defaultProbes: DEFAULT_METRIC_PROBES,
    durationS: (Date.now() - started) / 1000,
    intervalS: INTERVAL_MS / 1000,
    rounds,
    method:
      "agent = the real process (kubeskoop-otel run, default probes, 1 s interval, no scrape, no export), CPU of all its threads from /proc/<pid>/task/*/schedstat over whole cycles, windows opened and closed in the idle gap between cycles (one /status request per window, its measured cost subtracted); floor = test/bench/procfs-floor.c (the same kernel reads: /proc listing, every process's ns/net link, io and cgroup, per namespace dev, snmp, snmp6, netstat, sockstat, sockstat6, stat/nf_conntrack, once softnet_stat and nf_conntrack_max; into one reused buffer, no parsing), CLOCK_PROCESS_CPUTIME_ID; paced floor = the same program (files opened each time, and kept) with its cycles one interval apart, started in the agent's idle gap, the sleeps' CPU left out; task-walk floor = the same program with the processes and namespaces from one read of the helper's task iterator (bpf/probes/tasks.bpf.c pinned by bpftool) instead of the /proc listing and each process's ns/net, io and cgroup (walk, walk-kept; back to back and paced); Node read floor = test/bench/procfs-node-floor.ts, the same reads from Node (openSync/readSync into one reused Buffer/closeSync; 'text' also decodes each file to a latin1 string), process.cpuUsage after a warm-up cycle; all over every namespace on the machine; paired rounds alternating agent and floor, ratio per round, median and spread; each agent first ran " +
      WARM_NAMESPACE_CYCLES +
      " namespace-cycles (the JIT's warm-up, its cost in sizes[].warmup).",
    sizes: out,
    nodeExporter: {
      collectors: 'netdev, netstat (all fields), sockstat, softnet, conntrack',
      cpuMsPerScrape: neCpuMsPerScrape,
      scrapes: neScrapes,
      rssMiB: neRssMiB,
      note: 'CPU from /proc/<pid>/stat (10 ms ticks) over the scrapes',
    },
    targets: { ratioMax: 1.5 },
  };
  const f = (x: number, d = 3): string => x.toFixed(d);
  if (quick) {
    // A look, not a result: the rounds and, with --cpu-prof, where each agent's time went.
    process.stdout.write(
      `${JSON.stringify({ ...json, sizes: out.map((r) => ({ ...r, rounds: undefined })) }, null, 2)}\n`,
    );
    if (cpuProf)
      for (const r of out)
        for (const name of ['agent', ...variants.map((v) => v.name)]) {
          const file = path.join(cpuProf, `${name}-${r.testNamespaces}.cpuprofile`);
          if (!existsSync(file)) continue;
          process.stdout.write(`\n## ${name}, ${r.testNamespaces} test namespaces\n\n`);
          process.stdout.write(`${profileMarkdown(summarizeProfileFile(file)).join('\n')}\n`);
        }
    return;
  }
  mkdirSync(RESULTS, { recursive: true });
  if (cpuProf) {
    writeProfile(json, out, cpuProf);
    return;
  }
  writeFileSync(path.join(RESULTS, 'procfs.json'), `${JSON.stringify(json, null, 2)}\n`);
  const sp = (s: Spread, d = 3): string =>
    `${f(s.median, d)} [${f(s.q1, d)}–${f(s.q3, d)}; ${f(s.min, d)}–${f(s.max, d)}]`;
  const verdict = (pick: (r: SizeResult) => Spread): string =>
    `${out.every((r) => pick(r).median <= json.targets.ratioMax) ? 'met' : 'NOT met'} (medians ${out.map((r) => `${r.testNamespaces}: ${f(pick(r).median, 2)}×`).join(', ')})`;
  const md = [
    '# procfs probes: one collection cycle against the kernel floor',
    '',
    `Run ${json.date} at commit ${json.commit}${json.dirty ? ' (with uncommitted changes)' : ''} on Linux ${json.kernel}, ${json.cpus} CPUs, Node ${json.node}; ${f(json.durationS, 0)} s; load average ${json.load.before} before, ${json.load.after} after (the machine is shared). Generated by \`npm run bench\` (test/bench/procfs.ts).`,
    '',
    `Default probe set: ${DEFAULT_METRIC_PROBES.join(', ')}. Each test namespace has lo, a veth to the host and one kept process.`,
    "**Agent**: the real process (`kubeskoop-otel run`, default probes, 1 s interval, no scrape, no export); CPU of all its threads (user + system) and of its child processes (the native helper, which the default set starts for its task walk: every process's namespace, cgroup set, parent and io counters in one pass of an `iter/task` program instead of a readlink and two reads per process) over whole cycles: discovery, identity, probes, snapshot, GC.",
    `Where the agent took its processes from (its /status, after the rounds): ${out.map((r) => `${r.testNamespaces} namespaces: ${r.processSource}`).join('; ')}.`,
    "**Floor**: `test/bench/procfs-floor.c`, the same kernel reads in C into one reused buffer, no parsing: the /proc listing, every process's `ns/net` link, `io` and `cgroup`; per namespace `net/{dev,snmp,snmp6,netstat,sockstat,sockstat6,stat/nf_conntrack}`; once `softnet_stat` and `nf_conntrack_max`; each file opened, read and closed (the issue's floor). **Kept-files floor**: the same program with every file opened once and read again from offset 0 each cycle (`kept`), as the agent reads them since it keeps its procfs files open (`receiver/kernel/read-proc.ts`): the kernel work the agent's cycle itself does, and the one to hold it to. **Floor + parse in C**: the same program converting every number of every file it read (run right after the floor in each round): what a native reader handing numbers to the agent would spend.",
    `Both cover every namespace on the machine (the host's and other tests' too: the count is in the table), per namespace = ÷ that count. ${rounds} paired rounds per size alternate agent and floor; the ratio is taken per round. Figures: median [interquartile range; min–max].`,
    `**Warm-up**: each agent ran ${WARM_NAMESPACE_CYCLES} namespace-cycles (cycles × namespaces) before its rounds, so that they measure it as it runs for days: V8 optimizes a hot function only after it has run enough, which at 10 namespaces took the probes' readers 80–170 s (\`node --trace-opt\`), with V8's compiler threads using a third of the agent's CPU until then. What those cycles cost: ${out.map((r) => `${r.testNamespaces} namespaces: ${r.warmup.cycles} cycles from cycle ${r.warmup.fromCycle}, ${f(r.warmup.cpuMsPerCycle, 1)} ms each (${f(r.warmup.cpuMsPerCycle / r.floorCpuMsPerCycle.median, 2)}× the floor's median)`).join('; ')}.`,
    '',
    '| test namespaces | namespaces on the machine | processes | agent CPU ms / cycle | floor CPU ms / cycle | agent ms / ns / cycle | floor ms / ns / cycle | **agent ÷ floor** | kept-files floor ms / cycle | **agent ÷ kept-files floor** | system share agent / floor | floor + parse in C ms / cycle | agent RSS MiB (peak) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...out.map(
      (r) =>
        `| ${r.testNamespaces} | ${r.namespaces} | ${r.processes} | ${sp(r.agentCpuMsPerCycle, 1)} | ${sp(r.floorCpuMsPerCycle, 1)} | ${f(r.agentCpuMsPerNs.median)} | ${f(r.floorCpuMsPerNs.median)} | **${sp(r.ratio, 2)}** | ${sp(r.floorKeptCpuMsPerCycle, 1)} | **${sp(r.ratioKept, 2)}** | ${f(r.agentSystemShare * 100, 0)} % / ${f(r.floorSystemShare * 100, 0)} % | ${f(r.floorParseCpuMsPerCycle.median, 1)} | ${f(r.agentRssMiB, 1)} (${f(r.agentPeakRssMiB, 1)}) |`,
    ),
    '',
    `**Paced floors**: the floors above run their cycles back to back, each right after the one before, on what it left in the CPU's caches; the agent runs one cycle every ${INTERVAL_MS / 1000} s, with other work and idling in between, and the same reads cost more so (the column "paced ÷ back to back"). So each round also runs both C floors with their cycles ${INTERVAL_MS / 1000} s apart (\`procfs-floor <cycles> /proc open|kept ${INTERVAL_MS}\`; the same program, the same reads), each started in the agent's idle gap so that its cycles fall half an interval from the agent's; the sleeps' own CPU (their wake-ups) is left out of the floor, as it is not a read. Per round:`,
    '',
    '| test namespaces | agent CPU ms / cycle | paced floor ms / cycle | paced ÷ back to back | **agent ÷ paced floor** | paced kept-files floor ms / cycle | paced ÷ back to back, kept | **agent ÷ paced kept-files floor** |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...out.map(
      (r) =>
        `| ${r.testNamespaces} | ${f(r.agentCpuMsPerCycle.median, 1)} | ${sp(r.floorPacedCpuMsPerCycle, 1)} | ${sp(r.pacingEffect, 2)} | **${sp(r.ratioPaced, 2)}** | ${sp(r.floorKeptPacedCpuMsPerCycle, 1)} | ${sp(r.pacingEffectKept, 2)} | **${sp(r.ratioKeptPaced, 2)}** |`,
    ),
    '',
    `**Task-walk floors**: the agent no longer reads a file per process when its helper runs; the floors above still do (the issue's floor), and these do not: \`procfs-floor <cycles> /proc walk|walk-kept [${INTERVAL_MS}]\` takes the processes and their namespaces from one read of the helper's own task iterator (\`bpf/probes/tasks.bpf.c\`, pinned with \`bpftool iter pin\`; reading the pinned file runs the walk in the kernel), then reads the same per-namespace files, opened each time (\`walk\`) or kept open (\`walk-kept\`, the agent's own access). The kernel work of the agent's cycle as it is now, and the tightest bar here. Back to back, and paced as above:`,
    '',
    '| test namespaces | agent CPU ms / cycle | walk floor ms / cycle | agent ÷ walk floor | paced | **agent ÷ paced walk floor** | walk, kept files | agent ÷ it | paced | **agent ÷ paced walk, kept files** |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...out.map(
      (r) =>
        `| ${r.testNamespaces} | ${f(r.agentCpuMsPerCycle.median, 1)} | ${sp(r.floorWalkCpuMsPerCycle, 2)} | ${sp(r.ratioWalk, 2)} | ${sp(r.floorWalkPacedCpuMsPerCycle, 2)} | **${sp(r.ratioWalkPaced, 2)}** | ${sp(r.floorWalkKeptCpuMsPerCycle, 2)} | ${sp(r.ratioWalkKept, 2)} | ${sp(r.floorWalkKeptPacedCpuMsPerCycle, 2)} | **${sp(r.ratioWalkKeptPaced, 2)}** |`,
    ),
    '',
    '**Node read floor**: `test/bench/procfs-node-floor.ts`, the C floor\'s exact reads from Node with the cheapest synchronous API (`openSync`/`readSync` into one reused Buffer/`closeSync`, `readdirSync`, `readlinkSync`), run with the launchers\' Node flags right after the C floor in each round; "+ text" also decodes each file to a latin1 string, as `readProcText` hands it to the parsers. What reading from JavaScript costs before any parse, sample or snapshot:',
    '',
    '| test namespaces | C floor ms / cycle | Node read floor ms / cycle | **Node read floor ÷ C floor** | Node read floor + text ms / cycle | Node + text ÷ C floor | agent ÷ (Node read floor + text) | estimate: reads + parse in C, the rest in the agent, ÷ C floor |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...out.map(
      (r) =>
        `| ${r.testNamespaces} | ${f(r.floorCpuMsPerCycle.median, 1)} | ${sp(r.nodeFloorCpuMsPerCycle, 1)} | **${sp(r.nodeFloorRatio, 2)}** | ${sp(r.nodeFloorTextCpuMsPerCycle, 1)} | ${f(spread(r.rounds.map((x) => x.nodeFloorTextMs / x.floorMs)).median, 2)} | ${sp(r.agentOverNodeFloor, 2)} | ${sp(r.nativeEstimateRatio, 2)} |`,
    ),
    '',
    'The rows above are of files opened each time. With the files kept open, as the agent reads them (`kept` of both floors, in the same rounds):',
    '',
    '| test namespaces | kept-files C floor ms / cycle | Node kept reads ms / cycle | **Node ÷ C, kept files** | agent ÷ Node kept reads |',
    '|---:|---:|---:|---:|---:|',
    ...out.map(
      (r) =>
        `| ${r.testNamespaces} | ${sp(r.floorKeptCpuMsPerCycle, 1)} | ${sp(r.nodeFloorKeptCpuMsPerCycle, 1)} | **${sp(r.nodeFloorKeptRatio, 2)}** | ${f(spread(r.rounds.map((x) => x.agentMs / x.nodeFloorKeptMs)).median, 2)} |`,
    ),
    '',
    "The last column of the table before is an estimate, not a measurement: the native batch reader with numbers below (measured: reads and first parse in C, the frame's transfer and Node's decoding) plus what the agent does on top of Node's own reads (agent − Node read floor + text), per round. It assumes the agent's samples, snapshot and GC would cost what they cost now; it still counts the JavaScript parsers, which a numbers frame would remove: an upper bound.",
    '',
    "**Native batch reader** (the helper path, reads only): `procfs-floor.c emit` reads the same files and writes each cycle's files as one frame to a pipe; Node (`procfs-node-floor.ts batch`, the launchers' flags) takes it in one `spawnSync` and decodes each file to a latin1 string. `emit-numbers`/`batch-numbers`: the C reader parses every number and sends them as f64 per file, Node reads them in place. CPU = the C reader's + Node's (its spawn included). Against the same round's C floor:",
    '',
    '| test namespaces | C floor ms / cycle | batch, texts: ms / cycle | **÷ C floor** | batch, numbers: ms / cycle | **÷ C floor** |',
    '|---:|---:|---:|---:|---:|---:|',
    ...out.map(
      (r) =>
        `| ${r.testNamespaces} | ${f(r.floorCpuMsPerCycle.median, 1)} | ${sp(r.batchTextCpuMsPerCycle, 1)} | **${sp(r.batchTextRatio, 2)}** | ${sp(r.batchNumbersCpuMsPerCycle, 1)} | **${sp(r.batchNumbersRatio, 2)}** |`,
    ),
    '',
    ...(out.some((r) => r.variants.length > 0)
      ? [
          `**Variants** (\`--variants\`): agents with other Node flags, or another build (\`@main.js\`), ran next to the default one (this build, \`${AGENT_NODE_FLAGS.join(' ')}\`, the launchers') all along, each measured over its own window of whole cycles in every round; "÷ default" is per round, and "per namespace" divides each agent's CPU by the namespaces its own window saw (other tests' namespaces come and go on this machine). RSS is read after the rounds (peak = VmHWM).`,
          '',
          '| test namespaces | agent | flags | CPU ms / cycle | ÷ default (same round) | ÷ default per namespace | ÷ C floor | RSS MiB (peak) |',
          '|---:|---|---|---:|---:|---:|---:|---:|',
          ...out.flatMap((r) => [
            `| ${r.testNamespaces} | default | \`${AGENT_NODE_FLAGS.join(' ')}\` | ${sp(r.agentCpuMsPerCycle, 1)} | 1 | 1 | ${f(r.ratio.median, 2)} | ${f(r.agentRssMiB, 1)} (${f(r.agentPeakRssMiB, 1)}) |`,
            ...r.variants.map(
              (v) =>
                `| ${r.testNamespaces} | ${v.name} | \`${[...(v.agent ? [`@${v.agent}`] : []), ...v.flags].join(' ') || '(none)'}\` | ${sp(v.agentCpuMsPerCycle, 1)} | ${sp(v.vsDefault, 2)} | ${sp(v.vsDefaultPerNs, 2)} | ${f(v.ratio.median, 2)} | ${f(v.rssMiB, 1)} (${f(v.peakRssMiB, 1)}) |`,
            ),
          ]),
          '',
        ]
      : []),
    `Target: agent ≤ ${json.targets.ratioMax}× the floor at every size. Against the issue's floor (files opened each time) at the agent's pace, the kernel's work as the agent's cycle meets it: ${verdict((r) => r.ratioPaced)}; run back to back: ${verdict((r) => r.ratio)}. Against the kept-files floor, the kernel work of the agent's own reads (it keeps its procfs files open, \`receiver/kernel/read-proc.ts\`), at the agent's pace: ${verdict((r) => r.ratioKeptPaced)}; back to back: ${verdict((r) => r.ratioKept)}. Against the task-walk floors (no file per process, as the agent now reads), at the agent's pace: files opened each time ${verdict((r) => r.ratioWalkPaced)}, kept ${verdict((r) => r.ratioWalkKeptPaced)}.`,
    '',
    `node_exporter (${json.nodeExporter.collectors}) in one namespace: **${f(neCpuMsPerScrape, 2)} ms CPU per scrape** (${neScrapes} scrapes), RSS ${f(neRssMiB, 1)} MiB.`,
    '',
    'Instruction counts (`perf stat -e instructions`) are not available here: the VM exposes no PMU counter.',
    '',
  ].join('\n');
  writeFileSync(path.join(RESULTS, 'procfs.md'), `${md}${profileSection()}`);
  process.stdout.write(md);
}

interface ProfileRun {
  date: string;
  commit: string;
  dirty: boolean;
  sizes: { testNamespaces: number; namespaces: number; ratioUnderProfiler: number; summary: ProfileSummary }[];
}

/** A profiled run: where the agent's cycle time goes, per size (procfs-profile.json and .md). */
function writeProfile(
  json: { date: string; commit: string; dirty: boolean; rounds: number },
  out: readonly SizeResult[],
  dir: string,
): void {
  const run: ProfileRun = {
    date: json.date,
    commit: json.commit,
    dirty: json.dirty,
    sizes: out.map((r) => ({
      testNamespaces: r.testNamespaces,
      namespaces: r.namespaces,
      ratioUnderProfiler: r.ratio.median,
      summary: summarizeProfileFile(path.join(dir, `agent-${r.testNamespaces}.cpuprofile`)),
    })),
  };
  writeFileSync(path.join(RESULTS, 'procfs-profile.json'), `${JSON.stringify(run, null, 2)}\n`);
  const md = [
    "# procfs probes: where the agent's cycle time goes",
    '',
    `Run ${run.date} at commit ${run.commit}${run.dirty ? ' (with uncommitted changes)' : ''}: \`node dist/test/bench/procfs.js --cpu-prof DIR\` (the agent under \`node --cpu-prof\`, ${json.rounds} rounds; the profiler inflates its CPU, so this run's ratios are not the published ones). Summarized by test/bench/cpuprofile-summary.ts.`,
    '',
    ...run.sizes.flatMap((s) => [
      `## ${s.testNamespaces} test namespaces (${s.namespaces} on the machine; agent ÷ floor under the profiler ${s.ratioUnderProfiler.toFixed(2)}×)`,
      '',
      ...profileMarkdown(s.summary),
      '',
    ]),
  ].join('\n');
  writeFileSync(path.join(RESULTS, 'procfs-profile.md'), md);
  process.stdout.write(md);
}

/** procfs.md's quote of the last profiled run (procfs-profile.md), when there is one. */
function profileSection(): string {
  const file = path.join(RESULTS, 'procfs-profile.md');
  if (!existsSync(file)) return '';
  const body = readFileSync(file, 'utf8').split('\n').slice(2).join('\n');
  return `\n## Where the agent's cycle time goes (procfs-profile.md)\n\n${body}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch(async (e: Error) => {
    process.stderr.write(`procfs bench: ${e.stack ?? e.message}\n`);
    await cleanupAll().catch(() => undefined);
    process.exitCode = 1;
  });
}

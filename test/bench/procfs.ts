// Cost of the procfs metric probes, side by side in one run, at 10, 100 and 250 test namespaces
// (each: lo, a veth to the host, a kept process — test/support/netns.ts), cleaned up at the end:
//   - the agent: full cycles of the default probe set through the real scheduler; CPU from
//     process.cpuUsage() (user + system: the kernel's time generating the files is system time);
//   - the kernel floor: a bare readFileSync of the same files (per namespace: dev, snmp, snmp6,
//     netstat, sockstat, sockstat6, stat/nf_conntrack and /proc/<pid>/io of its processes; per
//     cycle: softnet_stat), measured the same way;
//   - node_exporter (Debian's) in one namespace: CPU per scrape, from its /proc/<pid>/stat;
//   - the agent's RSS after the cycles at each size;
//   - the opt-in fd probe, alone.
// Per-namespace numbers are the difference to a run with no test namespace (host target only),
// divided by N, so the host's own processes do not count.
//
//   npm run build && node dist/test/bench/procfs.js [--sizes 10,100,250]
// Writes test/bench/results/procfs.json and procfs.md. Needs root.
import { readFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPod, cleanupAll, type TestPod } from '../support/netns.js';
import { AGENT_NODE_FLAGS } from '../../receiver/cli/node-flags.js';
import { startNodeExporter } from '../support/node-exporter.js';
import { spawn } from 'node:child_process';
import { freePort, procUsage, sleep, stopPid } from '../support/proc.js';
import { Scheduler } from '../../receiver/snapshot/scheduler.js';
import { discoverTargets } from '../../receiver/targets/discover.js';
import { METRIC_PROBES, DEFAULT_METRIC_PROBES } from '../../receiver/probes/catalog.js';
import { silentLogger } from '../../receiver/log.js';
import type { Target } from '../../receiver/targets/target.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.resolve(here, '../../../test/bench/results');
const AGENT = path.resolve(here, '../../receiver/cli/main.js');
const NETNS_FILES = ['dev', 'snmp', 'snmp6', 'netstat', 'sockstat', 'sockstat6', 'stat/nf_conntrack'];

const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

/** Target discovery as the agent does it (a scan of every /proc/<pid>/ns/net), kept to the test namespaces. */
function discoverer(keep: (t: Target) => boolean): () => ReturnType<typeof discoverTargets> {
  return () => {
    const d = discoverTargets({ procRoot: '/proc', netnsDir: '/run/netns', selfOnly: false });
    return { ...d, targets: d.targets.filter(keep) };
  };
}

function scheduler(probeNames: readonly string[], keep: (t: Target) => boolean): Scheduler {
  return new Scheduler({
    intervalMs: 60_000, procRoot: '/proc', log: silentLogger,
    probes: probeNames.map((n) => ({ probe: METRIC_PROBES.get(n)!.create(), options: {} })),
    discover: discoverer(keep),
  });
}

/** Runs `cycles` full cycles; CPU ms per cycle, wall ms per cycle, per-probe wall ms of the last. */
async function agentCycles(s: Scheduler, cycles: number): Promise<{ cpuMs: number; wallMs: number; perProbeWallMs: Record<string, number>; targets: number; samples: number }> {
  const c0 = cpuMs();
  const w0 = performance.now();
  let snap = s.snapshot;
  for (let i = 0; i < cycles; i++) snap = await s.runCycle();
  const cpu = (cpuMs() - c0) / cycles;
  const wall = (performance.now() - w0) / cycles;
  const perProbeWallMs: Record<string, number> = {};
  for (const [n, st] of snap.probes) perProbeWallMs[n] = Number(st.lastDurationMs.toFixed(3));
  return { cpuMs: cpu, wallMs: wall, perProbeWallMs, targets: snap.targets.length, samples: snap.entries.reduce((a, e) => a + e.samples.length, 0) };
}

/** The same files, bare readFileSync, CPU ms per cycle: every namespace's files and processes' io,
 *  softnet_stat once (the node-scope probe runs on one target). */
function kernelFloor(targets: readonly Target[], cycles: number): number {
  const read = (p: string): void => { try { readFileSync(p, 'latin1'); } catch { /* gone */ } };
  const once = (): void => {
    if (targets[0]) read(`/proc/${targets[0].pid}/net/softnet_stat`);
    for (const t of targets) {
      for (const f of NETNS_FILES) read(`/proc/${t.pid}/net/${f}`);
      for (const pid of t.pids) read(`/proc/${pid}/io`);
    }
  };
  const c0 = cpuMs();
  for (let i = 0; i < cycles; i++) once();
  return (cpuMs() - c0) / cycles;
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };

/** RSS of the real agent (`kubeskoop-otel run`, default probes, every namespace of the machine). */
async function agentProcessRss(seconds: number, config?: string): Promise<{ rssMiB: number; peakMiB: number; namespaces: number; series: number; afterScrapeMiB: number }> {
  const port = await freePort();
  // The default interval (15 s): a first cycle at start, a second one 15 s later, then the reading.
  // launched as every launcher launches it (receiver/cli/node-flags.ts)
  const args = [...AGENT_NODE_FLAGS, AGENT, 'run', '--port', String(port), '--address', '127.0.0.1', '--interval', '15s', '--log-level', 'error', ...(config ? ['-c', config] : [])];
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  try {
    await sleep(seconds * 1000);
    const u = await procUsage(child.pid!);
    const namespaces = discoverTargets({ procRoot: '/proc', netnsDir: '/run/netns', selfOnly: false }).targets.length;
    // One Prometheus scrape: the exporter renders every series into one text body.
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(30_000) })).text();
    const series = text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
    const after = await procUsage(child.pid!);
    return { rssMiB: u.rssBytes / 2 ** 20, peakMiB: u.rssPeakBytes / 2 ** 20, namespaces, series, afterScrapeMiB: after.rssBytes / 2 ** 20 };
  } finally {
    await stopPid(child.pid, 5000);
  }
}

interface SizeResult {
  namespaces: number;
  cycles: number;
  agentCpuMsPerCycle: number;
  agentWallMsPerCycle: number;
  floorCpuMsPerCycle: number;
  agentCpuMsPerNs: number;
  /** The cycle's target discovery (scan of every process on the machine, not per namespace), per cycle. */
  discoveryCpuMsPerCycle: number;
  /** Probes only: (agent − discovery) ÷ N. */
  probesCpuMsPerNs: number;
  probesRatio: number;
  floorCpuMsPerNs: number;
  ratio: number;
  fdCpuMsPerNs: number;
  agentProcess: { rssMiB: number; peakMiB: number; namespaces: number; series: number; afterScrapeMiB: number };
  /** The same agent with only the netdev probe: the RSS the procfs probes of this issue add is the difference. */
  agentProcessNetdevOnly: { rssMiB: number; peakMiB: number; namespaces: number; series: number; afterScrapeMiB: number };
  samplesPerCycle: number;
  perProbeWallMs: Record<string, number>;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--sizes');
  const sizes = (i >= 0 ? argv[i + 1]! : '10,100,250').split(',').map(Number).filter((n) => n > 0).sort((a, b) => a - b);
  const started = Date.now();
  const pods: TestPod[] = [];
  const out: SizeResult[] = [];
  let neCpuMsPerScrape = 0;
  let neRssMiB = 0;
  let neScrapes = 0;
  try {
    const tmp = mkdtempSync(path.join(tmpdir(), 'ksotel-bench-'));
    const netdevOnly = path.join(tmp, 'netdev-only.yaml');
    writeFileSync(netdevOnly, 'metrics:\n  probes:\n    - name: netdev\n');
    const roundsFor = (n: number): number => (n <= 100 ? 5 : 3);
    const cyclesFor = (n: number): number => (n <= 10 ? 20 : n <= 100 ? 5 : 3);
    for (const n of sizes) {
      while (pods.length < n) pods.push(await createPod({ label: `b${pods.length}` }));
      const inodes = new Set(pods.map((p) => p.netns.inode));
      // Only the test namespaces: the host's own (and other tests') processes would blur the figure.
      const keep = (t: Target): boolean => inodes.has(t.netnsInode);
      const agentS = scheduler(DEFAULT_METRIC_PROBES, keep);
      const fdS = scheduler(['fd'], keep);
      await agentS.startProbes(); await fdS.startProbes();
      await agentS.runCycle(); await fdS.runCycle(); // warm-up
      const targets = discoverTargets({ procRoot: '/proc', netnsDir: '/run/netns', selfOnly: false }).targets.filter(keep);
      if (targets.length !== n) throw new Error(`expected ${n} test namespaces, found ${targets.length}`);
      kernelFloor(targets, 1);
      const cycles = cyclesFor(n);
      const agentRuns: number[] = []; const floorRuns: number[] = []; const fdRuns: number[] = []; const wallRuns: number[] = []; const discRuns: number[] = [];
      const discover = discoverer(keep);
      let last: Awaited<ReturnType<typeof agentCycles>> | undefined;
      const rounds = roundsFor(n);
      for (let r = 0; r < rounds; r++) { // interleaved, medians: the machine is shared
        last = await agentCycles(agentS, cycles);
        agentRuns.push(last.cpuMs); wallRuns.push(last.wallMs);
        floorRuns.push(kernelFloor(targets, cycles));
        fdRuns.push((await agentCycles(fdS, Math.max(1, Math.floor(cycles / 2)))).cpuMs);
        const d0 = cpuMs();
        for (let k = 0; k < cycles; k++) discover();
        discRuns.push((cpuMs() - d0) / cycles);
      }
      await agentS.stop(); await fdS.stop();
      const agentCpu = median(agentRuns);
      const floorCpu = median(floorRuns);
      const disc = median(discRuns);
      const rss = await agentProcessRss(16);
      const rssNetdev = await agentProcessRss(16, netdevOnly);
      const r: SizeResult = {
        namespaces: n, cycles: cycles * rounds,
        agentCpuMsPerCycle: agentCpu, agentWallMsPerCycle: median(wallRuns), floorCpuMsPerCycle: floorCpu,
        agentCpuMsPerNs: agentCpu / n, floorCpuMsPerNs: floorCpu / n, ratio: agentCpu / floorCpu,
        discoveryCpuMsPerCycle: disc, probesCpuMsPerNs: (agentCpu - disc) / n, probesRatio: (agentCpu - disc) / floorCpu,
        fdCpuMsPerNs: median(fdRuns) / n,
        agentProcess: rss, agentProcessNetdevOnly: rssNetdev,
        samplesPerCycle: last!.samples, perProbeWallMs: last!.perProbeWallMs,
      };
      out.push(r);
      process.stderr.write(`procfs bench: ${n} ns: agent ${r.agentCpuMsPerNs.toFixed(3)} ms/ns (probes ${r.probesCpuMsPerNs.toFixed(3)}, ×${r.probesRatio.toFixed(2)}; discovery ${disc.toFixed(1)} ms/cycle), floor ${r.floorCpuMsPerNs.toFixed(3)} ms/ns (×${r.ratio.toFixed(2)}), agent process RSS ${rss.rssMiB.toFixed(1)} MiB with ${rss.namespaces} namespaces on the machine\n`);
    }

    // node_exporter in one test namespace, the collectors the default set overlaps.
    const ne = await startNodeExporter(pods[0]!.netns);
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
  } finally {
    for (const p of pods.reverse()) await p.dispose().catch(() => undefined);
    await cleanupAll();
  }

  const json = {
    benchmark: 'procfs', date: new Date().toISOString(), kernel: release(), cpus: cpus().length, node: process.version,
    defaultProbes: DEFAULT_METRIC_PROBES, durationS: (Date.now() - started) / 1000,
    method: 'CPU = process.cpuUsage() user+system around full cycles of the real scheduler over the N test namespaces only (softnet once per cycle); per namespace = ÷ N; floor = bare readFileSync of the same files, same method; 5 interleaved rounds, medians. RSS = the real agent process (kubeskoop-otel run, default probes, default 15 s interval, every namespace on the machine) after its second cycle, then after one /metrics scrape.',
    sizes: out,
    nodeExporter: { collectors: 'netdev, netstat (all fields), sockstat, softnet, conntrack', cpuMsPerScrape: neCpuMsPerScrape, scrapes: neScrapes, rssMiB: neRssMiB, note: 'CPU from /proc/<pid>/stat (10 ms ticks) over the scrapes' },
    targets: { ratioMax: 2.5, rssMiBMaxAt250: 100 },
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, 'procfs.json'), `${JSON.stringify(json, null, 2)}\n`);
  const f = (x: number, d = 3): string => x.toFixed(d);
  const md = [
    '# procfs probes: cost per namespace',
    '',
    `Run ${json.date} on Linux ${json.kernel}, ${json.cpus} CPUs, Node ${json.node}; ${json.durationS.toFixed(0)} s. Generated by \`npm run bench\` (test/bench/procfs.ts).`,
    '',
    `Default probe set: ${DEFAULT_METRIC_PROBES.join(', ')}. Each test namespace has lo, a veth to the host and one kept process.`,
    'CPU is user + system time of the agent process (`process.cpuUsage()`): the kernel time spent generating the procfs text is included.',
    'The scheduler runs over the N test namespaces only (softnet once per cycle); per-namespace figures are ÷ N; 5 interleaved rounds, medians (the machine is shared).',
    'RSS is the real agent process (`kubeskoop-otel run`, default probes, default 15 s interval) observing every namespace on the machine (count in the table), after its second cycle (16 s); "netdev only" is the same agent with only the netdev probe, so the difference is what the procfs probes of the default set add.',
    '',
    '| namespaces | probes CPU ms / ns / cycle | kernel floor ms / ns / cycle | probes ÷ floor | cycle incl. discovery ms / ns (÷ floor) | discovery ms / cycle | fd probe (opt-in) ms / ns | agent CPU ms / cycle | wall ms / cycle | samples / cycle | agent RSS MiB, default set (peak) | agent RSS MiB, netdev only | namespaces on the machine | series on /metrics, default set | agent RSS MiB after one /metrics scrape (default / netdev only) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...out.map((r) => `| ${r.namespaces} | ${f(r.probesCpuMsPerNs)} | ${f(r.floorCpuMsPerNs)} | **${f(r.probesRatio, 2)}** | ${f(r.agentCpuMsPerNs)} (${f(r.ratio, 2)}) | ${f(r.discoveryCpuMsPerCycle, 1)} | ${f(r.fdCpuMsPerNs)} | ${f(r.agentCpuMsPerCycle, 1)} | ${f(r.agentWallMsPerCycle, 1)} | ${r.samplesPerCycle} | ${f(r.agentProcess.rssMiB, 1)} (${f(r.agentProcess.peakMiB, 1)}) | ${f(r.agentProcessNetdevOnly.rssMiB, 1)} | ${r.agentProcess.namespaces} | ${r.agentProcess.series} | ${f(r.agentProcess.afterScrapeMiB, 1)} / ${f(r.agentProcessNetdevOnly.afterScrapeMiB, 1)} |`),
    '',
    `node_exporter (${json.nodeExporter.collectors}) in one namespace: **${f(neCpuMsPerScrape, 2)} ms CPU per scrape** (${neScrapes} scrapes), RSS ${f(neRssMiB, 1)} MiB — compare with the agent's ms per namespace per cycle above.`,
    '',
    `Targets: agent ≤ ${json.targets.ratioMax}× the kernel floor per namespace — ${out.every((r) => r.probesRatio <= json.targets.ratioMax) ? 'met by the probes at every size' : 'NOT met by the probes at every size'}${out.every((r) => r.ratio <= json.targets.ratioMax) ? ', and with discovery included' : '; with the cycle\'s target discovery included: ' + out.map((r) => `${r.namespaces}: ${f(r.ratio, 2)}×`).join(', ')}. RSS ≤ ${json.targets.rssMiBMaxAt250} MiB at 250 namespaces — ${(() => { const last = out[out.length - 1]; return last ? `${Math.max(last.agentProcess.rssMiB, last.agentProcess.afterScrapeMiB) <= json.targets.rssMiBMaxAt250 ? 'met' : 'NOT met'}: the agent process (launched with ${AGENT_NODE_FLAGS.join(' ')}, as every launcher does): ${f(last.agentProcess.rssMiB, 1)} MiB before and ${f(last.agentProcess.afterScrapeMiB, 1)} MiB after one /metrics scrape of ${last.agentProcess.series} series, of which the procfs probes add ${f(last.agentProcess.rssMiB - last.agentProcessNetdevOnly.rssMiB, 1)} MiB over the same agent with netdev only (${f(last.agentProcessNetdevOnly.rssMiB, 1)} MiB)` : ''; })()}.`,
    '',
    'Wall ms per probe in the last cycle at the largest size:',
    '',
    ...Object.entries(out[out.length - 1]?.perProbeWallMs ?? {}).map(([k, v]) => `- ${k}: ${v} ms`),
    '',
  ].join('\n');
  writeFileSync(path.join(RESULTS, 'procfs.md'), md);
  process.stdout.write(md);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch(async (e: Error) => { process.stderr.write(`procfs bench: ${e.stack ?? e.message}\n`); await cleanupAll().catch(() => undefined); process.exitCode = 1; });
}

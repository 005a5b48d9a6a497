// Cost of tcpsummary and qdisc per collection cycle at N test namespaces (default 250), side by
// side in one run:
//   tcpsummary
//     - procfs: /proc/<pid>/net/tcp + tcp6 of every namespace read and parsed (KubeSkoop's way,
//       and the probe's fallback); CPU = process.cpuUsage() (the kernel's table walk is system time)
//     - bpf: the native helper's `tcpsummary` command (one walk of every established table): the
//       helper's CPU for the walk (its frame's cpu_ns, CLOCK_PROCESS_CPUTIME_ID) + the agent's CPU
//       (command, JSON parse, samples for every namespace through the probe)
//     both with the global table (262144 buckets here) and with net.ipv4.tcp_child_ehash_entries=1024
//     set before the namespaces are made (restored afterwards: every namespace gets its own table).
//   qdisc
//     - netlink: the probe's cycle (helper setns + RTM_GETLINK + RTM_GETQDISC per namespace, the
//       namespaces of the previous cycle asked in batches of 100 per command): agent CPU +
//       helper CPU (sum of the frames' cpu_ns) and wall time
//     - fork: `tc -n <ns> -s -j qdisc show` per namespace, sequentially: wall time and the children's
//       CPU (cutime + cstime of this process), plus this process's CPU
// 5 rounds each, medians. Namespaces: lo, a veth to the host (a noqueue qdisc), one kept process.
//
//   npm run build && node dist/test/bench/tcpsummary.js [--namespaces 250]
// Writes test/bench/results/tcpsummary.json and tcpsummary.md. Needs root.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, release } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { createNetns, createPod, cleanupAll, type Netns } from '../support/netns.js';
import { run } from '../support/proc.js';
import { NativeEventSource } from '../../receiver/events/native-source.js';
import { tcpsummary } from '../../receiver/probes/tcpsummary.js';
import { qdisc } from '../../receiver/probes/qdisc.js';
import { parseProcNetTcp, parseTcpSummaryFrame } from '../../receiver/native/commands.js';
import type { ProbeContext } from '../../receiver/probes/probe.js';
import type { Target } from '../../receiver/targets/target.js';
import { silentLogger } from '../../receiver/log.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.resolve(here, '..', '..', '..', 'test', 'bench', 'results');
const ROUNDS = 5;

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const TICK_MS = 1000 / 100; // USER_HZ
function childrenCpuMs(): number {
  const st = readFileSync('/proc/self/stat', 'utf8');
  const rest = st
    .slice(st.lastIndexOf(')') + 2)
    .trim()
    .split(/\s+/);
  return (Number(rest[16 - 3]) + Number(rest[17 - 3])) * TICK_MS; // cutime, cstime
}

interface TcpRound {
  procfsCpuMs: number;
  bpfAgentCpuMs: number;
  bpfHelperCpuMs: number;
  bpfWallMs: number;
  buckets: number;
  tables: number;
  sockets: number;
}

async function tcpRounds(native: NativeEventSource, targets: Target[]): Promise<TcpRound> {
  const probe = tcpsummary.create({ native });
  const ctx: ProbeContext = { procRoot: '/proc', log: silentLogger, options: { source: 'bpf' } };
  await probe.start!(ctx);
  const procfs: number[] = [];
  const agent: number[] = [];
  const helper: number[] = [];
  const wall: number[] = [];
  let last = { buckets: 0, tables: 0, sockets: 0 };
  for (let r = 0; r < ROUNDS; r++) {
    let c0 = cpuMs();
    for (const t of targets) {
      const acc = parseProcNetTcp(readFileSync(`/proc/${t.pid}/net/tcp`, 'utf8'));
      parseProcNetTcp(readFileSync(`/proc/${t.pid}/net/tcp6`, 'utf8'), acc);
    }
    procfs.push(cpuMs() - c0);
    // the helper's own view of one walk
    const w0 = performance.now();
    c0 = cpuMs();
    const f = parseTcpSummaryFrame(await native.helperCommand('tcpsummary'));
    if (!f.ok) throw new Error(`tcpsummary walk failed: ${f.error}`);
    // and the probe's whole cycle (its own walk + samples for every namespace)
    await probe.beforeCycle!(ctx);
    for (const t of targets) await probe.collect(t, ctx);
    agent.push((cpuMs() - c0) / 2); // two walks were requested; the sample building is counted twice too (upper bound)
    wall.push((performance.now() - w0) / 2);
    helper.push(f.cpuNs / 1e6);
    last = { buckets: f.stats.buckets ?? 0, tables: f.stats.tables ?? 0, sockets: f.stats.sockets ?? 0 };
  }
  return {
    procfsCpuMs: median(procfs),
    bpfAgentCpuMs: median(agent),
    bpfHelperCpuMs: median(helper),
    bpfWallMs: median(wall),
    ...last,
  };
}

interface QdiscRound {
  netlinkAgentCpuMs: number;
  netlinkHelperCpuMs: number;
  netlinkWallMs: number;
  forkCpuMs: number;
  forkWallMs: number;
  qdiscs: number;
}

async function qdiscRounds(native: NativeEventSource, spaces: Netns[], targets: Target[]): Promise<QdiscRound> {
  const probe = qdisc.create({ native });
  const ctx: ProbeContext = { procRoot: '/proc', log: silentLogger, options: {} };
  await probe.start!(ctx);
  const nlAgent: number[] = [];
  const nlHelper: number[] = [];
  const nlWall: number[] = [];
  const fkCpu: number[] = [];
  const fkWall: number[] = [];
  let qdiscs = 0;
  // a first cycle: later cycles batch the namespaces they already know
  await probe.beforeCycle!(ctx);
  for (const t of targets) await probe.collect(t, ctx);
  for (let r = 0; r < ROUNDS; r++) {
    // helper CPU: its whole run time across the round
    const hpid = native.helperStatus().pid!;
    // ns resolution: the first field of /proc/<pid>/schedstat is the time it ran on a CPU
    const helperTicks = (): number => Number(readFileSync(`/proc/${hpid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
    let w0 = performance.now();
    let c0 = cpuMs();
    const h0 = helperTicks();
    let n = 0;
    await probe.beforeCycle!(ctx);
    for (const t of targets) n += (await probe.collect(t, ctx)).samples.length / 7;
    nlAgent.push(cpuMs() - c0);
    nlHelper.push(helperTicks() - h0);
    nlWall.push(performance.now() - w0);
    qdiscs = n;
    w0 = performance.now();
    c0 = cpuMs();
    const k0 = childrenCpuMs();
    for (const ns of spaces) await run('tc', ['-n', ns.name, '-s', '-j', 'qdisc', 'show']);
    fkCpu.push(childrenCpuMs() - k0 + (cpuMs() - c0));
    fkWall.push(performance.now() - w0);
  }
  return {
    netlinkAgentCpuMs: median(nlAgent),
    netlinkHelperCpuMs: median(nlHelper),
    netlinkWallMs: median(nlWall),
    forkCpuMs: median(fkCpu),
    forkWallMs: median(fkWall),
    qdiscs,
  };
}

async function main(): Promise<void> {
  const argN = process.argv.indexOf('--namespaces');
  const N = argN > 0 ? Number(process.argv[argN + 1]) : 250;
  const started = Date.now();
  const ehashGlobal = readFileSync('/proc/sys/net/ipv4/tcp_ehash_entries', 'utf8').trim();
  const savedChild = readFileSync('/proc/sys/net/ipv4/tcp_child_ehash_entries', 'utf8').trim();
  const native = new NativeEventSource({ probes: {}, emitEventsOf: new Set(), log: silentLogger });
  await native.start();
  if (native.helperState().state !== 'running') throw new Error(`native helper: ${native.helperState().reason}`);
  const toTarget = (ns: Netns): Target => ({
    netnsInode: ns.inode,
    pid: ns.pid,
    pids: [ns.pid],
    kind: 'netns',
    netnsName: ns.name,
  });
  let globalTcp: TcpRound;
  let childTcp: TcpRound;
  let q: QdiscRound;
  try {
    // 1. global table
    const pods = [];
    while (pods.length < N) pods.push(await createPod({ label: `ts${pods.length}` }));
    const spaces = pods.map((p) => p.netns);
    globalTcp = await tcpRounds(native, spaces.map(toTarget));
    q = await qdiscRounds(native, spaces, spaces.map(toTarget));
    for (const p of pods) await p.dispose();
    // 2. a table per namespace
    await run('sysctl', ['-q', '-w', 'net.ipv4.tcp_child_ehash_entries=1024']);
    const own: Netns[] = [];
    try {
      while (own.length < N) own.push(await createNetns({ label: `tc${own.length}` }));
    } finally {
      await run('sysctl', ['-q', '-w', `net.ipv4.tcp_child_ehash_entries=${savedChild}`]);
    }
    childTcp = await tcpRounds(native, own.map(toTarget));
    for (const ns of own) await ns.dispose();
  } finally {
    await native.stop();
    await cleanupAll().catch(() => undefined);
    await run('sysctl', ['-q', '-w', `net.ipv4.tcp_child_ehash_entries=${savedChild}`]);
  }
  const f = (x: number, d = 2): string => x.toFixed(d);
  const json = {
    date: new Date(started).toISOString(),
    kernel: release(),
    cpus: cpus().length,
    node: process.version,
    namespaces: N,
    rounds: ROUNDS,
    globalEhashBuckets: Number(ehashGlobal),
    tcpsummary: { globalTable: globalTcp, childTables1024: childTcp },
    qdisc: q,
    targets: { tcpsummaryMsPerCycleAt250: 10 },
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, 'tcpsummary.json'), `${JSON.stringify(json, null, 2)}\n`);
  const bpfTotal = (r: TcpRound): number => r.bpfAgentCpuMs + r.bpfHelperCpuMs;
  const md = [
    '# tcpsummary and qdisc: cost per collection cycle',
    '',
    `Run ${json.date} on Linux ${json.kernel}, ${json.cpus} CPUs, Node ${json.node}; ${Math.round((Date.now() - started) / 1000)} s. Generated by \`node dist/test/bench/tcpsummary.js\` (test/bench/tcpsummary.ts).`,
    '',
    `${N} test namespaces (lo, a veth to the host, one kept process), ${ROUNDS} rounds, medians. Global TCP established table: ${ehashGlobal} buckets. CPU = user + system.`,
    '',
    '## tcpsummary',
    '',
    '| tables | procfs: /proc/<pid>/net/tcp + tcp6 of every namespace, CPU ms / cycle | per namespace | BPF walk: helper CPU ms / cycle | agent CPU ms / cycle (command, parse, samples of every namespace) | BPF total ms / cycle | wall ms / cycle | tables walked | buckets | sockets |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...(
      [
        ['global table only', globalTcp],
        ['tcp_child_ehash_entries=1024 (a table per namespace)', childTcp],
      ] as const
    ).map(
      ([name, r]) =>
        `| ${name} | ${f(r.procfsCpuMs, 1)} | ${f(r.procfsCpuMs / N, 3)} | ${f(r.bpfHelperCpuMs, 3)} | ${f(r.bpfAgentCpuMs, 3)} | **${f(bpfTotal(r), 3)}** | ${f(r.bpfWallMs, 3)} | ${r.tables} | ${r.buckets} | ${r.sockets} |`,
    ),
    '',
    `Target: ≤ 10 ms per cycle in total at 250 namespaces — ${[globalTcp, childTcp].every((r) => bpfTotal(r) <= 10) ? 'met' : 'NOT met'} by the BPF walk (${f(bpfTotal(globalTcp), 2)} / ${f(bpfTotal(childTcp), 2)} ms); the procfs walk costs ${f(globalTcp.procfsCpuMs, 0)} ms with the global table, ${f(childTcp.procfsCpuMs, 1)} ms with a table per namespace.`,
    '',
    '## qdisc',
    '',
    '| way | agent CPU ms / cycle | helper or children CPU ms / cycle | total CPU ms / cycle | wall ms / cycle | qdiscs |',
    '|---|---:|---:|---:|---:|---:|',
    `| rtnetlink in the helper (setns, RTM_GETLINK + RTM_GETQDISC per namespace; 100 namespaces per command) | ${f(q.netlinkAgentCpuMs, 1)} | ${f(q.netlinkHelperCpuMs, 1)} | **${f(q.netlinkAgentCpuMs + q.netlinkHelperCpuMs, 1)}** | ${f(q.netlinkWallMs, 1)} | ${q.qdiscs} |`,
    `| fork \`tc -n <ns> -s -j qdisc show\` per namespace | (included) | ${f(q.forkCpuMs, 1)} | **${f(q.forkCpuMs, 1)}** | ${f(q.forkWallMs, 1)} | |`,
    '',
    "Helper CPU for qdisc is the helper's run time from /proc/<pid>/schedstat; the children's CPU is this process's cutime + cstime (10 ms ticks, summed over every fork).",
    '',
  ].join('\n');
  writeFileSync(path.join(RESULTS, 'tcpsummary.md'), md);
  process.stdout.write(md);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch(async (e: Error) => {
    process.stderr.write(`tcpsummary bench: ${e.stack ?? e.message}\n`);
    await cleanupAll().catch(() => undefined);
    process.exitCode = 1;
  });
}

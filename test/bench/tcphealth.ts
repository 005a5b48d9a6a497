// Cost of the tcphealth walk per socket: one test namespace holding N loopback TCP connections
// (2N sockets; each client bound to its own 127.x.y.z so the server side has N distinct peers),
// then rounds alternating the helper's plain `tcpsummary` walk (per-namespace counts only) and
// `tcpsummary peers` (per-peer health + the listening hash). Per round: the helper's CPU for the
// walk (the frame's cpu_ns, CLOCK_PROCESS_CPUTIME_ID) and, for peers, the agent's CPU to parse the
// frame and build the probe's series (HealthSeries, top-K 20). 7 rounds each, paired; medians and
// the spread (min–max) over rounds. After the rounds: the RSS of the agent side (this process,
// holding the series) and of the helper.
// Sizes: 5000 connections (10k sockets, 5k peers: the earlier figure), 10000 (10k peers: the RSS
// figure) and 50000 (100k sockets in one namespace: the goal), each in its own namespace.
//
//   npm run build && node --expose-gc dist/test/bench/tcphealth.js [--connections 5000,10000,50000]
// Writes test/bench/results/tcphealth.json and tcphealth.md. Needs root.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { HelperClient } from '../../receiver/native/index.js';
import { HELPER } from '../support/agent.js';
import { run } from '../support/proc.js';
import { benchStamp } from './stamp.js';
import { HealthSeries, parseHealthFrame } from '../../receiver/probes/tcphealth.js';
import { SharedTcpWalk } from '../../receiver/probes/tcp-walk.js';
import { PEER_DEFAULTS } from '../../receiver/peers/governance.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.resolve(here, '..', '..', '..', 'test', 'bench', 'results');
const ROUNDS = 7;
const argN = process.argv.indexOf('--connections');
const SIZES = (argN > 0 ? process.argv[argN + 1]! : '5000,10000,50000').split(',').map(Number);
for (const n of SIZES) {
  // 127.1.0.1 .. 127.255.255.254 as client addresses
  if (!Number.isInteger(n) || n < 1 || n > 60000) throw new Error(`--connections: ${n} is not 1..60000`);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** VmRSS / VmHWM of a process in MiB */
/** a process's CPU time so far (ns, /proc/<pid>/schedstat) */
const runNs = (pid: number): number => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
const rssMiB = (pid: number | string, field: 'VmRSS' | 'VmHWM'): number => {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};

// Holders: each process may hold at most its hard RLIMIT_NOFILE of fds, and raising that needs
// CAP_SYS_RESOURCE (not granted here: the hard limit is 20000), so the connections are split over
// processes of at most PER_HOLDER connections (2 fds each), all in the one namespace; holder k
// listens on port 9000 + k. Each raises its soft limit to its hard one and makes its connections
// one by one; each client has its own source address, so no ephemeral-port limit.
const PER_HOLDER = 9000;
const holder = (first: number, n: number, port: number): string => `
import resource, socket, sys, time
n = ${n}
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if hard != resource.RLIM_INFINITY and hard < 2 * n + 50:
    sys.exit('RLIMIT_NOFILE hard limit %d < %d fds for %d connections' % (hard, 2 * n + 50, n))
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('127.0.0.1', ${port}))
srv.listen(4096)
held = []
for i in range(n):
    j = ${first} + i + 1
    c = socket.socket()
    c.bind(('127.%d.%d.%d' % (1 + (j >> 16), (j >> 8) & 255, j & 255), 0))
    c.connect(('127.0.0.1', ${port}))
    a, _ = srv.accept()
    held += [c, a]
print('ready', flush=True)
time.sleep(900)
`;

interface Round {
  plainCpuNs: number;
  floorCpuNs: number;
  peersCpuNs: number;
  /** the helper's whole `tcpsummary peers` command: walk, reading the maps, the JSON frame */
  helperCommandMs: number;
  peersWallNs: number;
  sockets: number;
  agentMs: number;
  rows: number;
  listeners: number;
}

async function measure(connections: number) {
  const ns = `ksotel-bench-h18e-${process.pid.toString(36)}-${connections}`;
  await run('ip', ['netns', 'add', ns], { timeoutMs: 10_000 });
  const holders: ChildProcess[] = [];
  const client = new HelperClient({ helperPath: HELPER, probes: {} });
  try {
    const setupStart = Date.now();
    const limitMs = 60_000 + connections * 4; // 50k connections: 260 s at most
    const ready: Promise<void>[] = [];
    for (let first = 0, k = 0; first < connections; first += PER_HOLDER, k++) {
      const n = Math.min(PER_HOLDER, connections - first);
      const py = spawn(
        'ip',
        ['netns', 'exec', ns, 'sh', '-c', 'ip link set lo up && exec python3 -c "$0"', holder(first, n, 9000 + k)],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      holders.push(py);
      ready.push(
        new Promise<void>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error(`connections not made within ${limitMs / 1000} s`)), limitMs);
          py.stdout!.once('data', () => {
            clearTimeout(t);
            resolve();
          });
          py.once('exit', (code) => reject(new Error(`holder exited ${code}`)));
        }),
      );
    }
    await Promise.all(ready);
    const setupS = (Date.now() - setupStart) / 1000;
    await client.start();
    const rounds: Round[] = [];
    // the agent's path: the shared walk (which lets a frame go once read), the probe's series
    // (default top-K), and beside it series of every peer (top-K and cap above the peer count), so
    // what one series costs is measured too (here the peers are all in one namespace, so the default
    // keeps top-K + `other` series of them)
    const walk = new SharedTcpWalk((args) => client.command('tcpsummary', args, 120_000));
    walk.wantPeers();
    const series = new HealthSeries();
    let every: HealthSeries | undefined = new HealthSeries();
    every.configure({ top_k: 1_000_000, max_series: 1_000_000 });
    // with --expose-gc: memory after a collection, so the figure is what is held, not garbage not yet collected
    const gc = (globalThis as { gc?: () => void }).gc;
    // external memory (buffers, large strings) is released after the collection, not in it: two
    // collections with pauses, so what is counted is what something still references
    const held = async (): Promise<number> => {
      for (let k = 0; k < 2; k++) {
        gc?.();
        await new Promise((r) => setTimeout(r, 200));
      }
      gc?.();
      const m = process.memoryUsage();
      return (m.heapUsed + m.external) / 2 ** 20;
    };
    let everyAddMs = 0;
    // one round in its own function: nothing of a frame stays referenced from this one's locals
    const round = async (counted = true): Promise<Round> => {
      const p = await client.command('tcpsummary', [], 120_000);
      const fl = await client.command('tcpsummary', ['floor'], 120_000);
      const helperPid = client.status().pid!;
      const h0 = runNs(helperPid);
      const c0 = cpuMs();
      const f = await walk.frame('tcphealth');
      const h1 = runNs(helperPid);
      const parsed = parseHealthFrame(f);
      series.add(parsed.table, Date.now());
      const c1 = cpuMs();
      if (counted) {
        every!.add(parsed.table, Date.now());
        everyAddMs += cpuMs() - c1;
      }
      const fs = f.stats as Record<string, number>;
      if (parsed.problems.length > 0) throw new Error(parsed.problems.join('; '));
      return {
        plainCpuNs: Number(p.cpu_ns),
        floorCpuNs: Number(fl.cpu_ns),
        peersCpuNs: Number(f.cpu_ns),
        helperCommandMs: (h1 - h0) / 1e6,
        peersWallNs: Number(f.wall_ns),
        sockets: fs.sockets!,
        agentMs: c1 - c0,
        rows: parsed.peers.length,
        listeners: parsed.listeners.length,
      };
    };
    // one round first, not counted: what the client loads once (the kernel symbols, ~4 MiB) and
    // the compiled code are in "before"
    await round(false);
    const heldBefore = await held();
    const rssBefore = process.memoryUsage().rss / 2 ** 20;
    for (let r = 0; r < ROUNDS; r++) rounds.push(await round());
    const helperPid = client.status().pid;
    const heldBoth = await held();
    const everySeries = every.size;
    every = undefined;
    // what the agent side holds (JS heap + buffers), which RSS shows only as a high-water mark
    const heldAfter = await held();
    const rssAfter = process.memoryUsage().rss / 2 ** 20;
    const sockets = median(rounds.map((x) => x.sockets));
    const perSock = (xs: number[]) => {
      const us = xs.map((ns) => ns / 1000 / sockets);
      return { median: median(us), min: Math.min(...us), max: Math.max(...us) };
    };
    return {
      connections,
      setupS,
      socketsWalked: sockets,
      peerRows: median(rounds.map((x) => x.rows)),
      rounds: ROUNDS,
      plainWalkCpuMs: median(rounds.map((x) => x.plainCpuNs)) / 1e6,
      peersWalkCpuMs: median(rounds.map((x) => x.peersCpuNs)) / 1e6,
      peersWalkWallMs: median(rounds.map((x) => x.peersWallNs)) / 1e6,
      plainPerSocketUs: perSock(rounds.map((x) => x.plainCpuNs)),
      floorPerSocketUs: perSock(rounds.map((x) => x.floorCpuNs)),
      // paired: each round's peers walk minus its floor walk (what aggregating per peer costs)
      aggregationPerSocketUs: perSock(rounds.map((x) => x.peersCpuNs - x.floorCpuNs)),
      helperCommandMs: median(rounds.map((x) => x.helperCommandMs)),
      peersPerSocketUs: perSock(rounds.map((x) => x.peersCpuNs)),
      // paired: each round's peers walk minus the plain walk just before it
      extraPerSocketUs: perSock(rounds.map((x) => x.peersCpuNs - x.plainCpuNs)),
      agentParseAndSeriesMs: median(rounds.map((x) => x.agentMs)),
      /** series of every peer: how many, CPU to fold a frame into them (mean), bytes held per series */
      everySeries,
      everyAddMs: everyAddMs / ROUNDS,
      everyHeldBytesPerSeries: ((heldBoth - heldAfter) * 2 ** 20) / everySeries,
      defaultSeries: series.size,
      agentRssMiB: rssAfter,
      agentHeldMiB: heldAfter,
      agentHeldBeforeMiB: heldBefore,
      agentRssBeforeMiB: rssBefore,
      helperRssMiB: helperPid ? rssMiB(helperPid, 'VmRSS') : NaN,
      helperHwmMiB: helperPid ? rssMiB(helperPid, 'VmHWM') : NaN,
      perRound: rounds,
    };
  } finally {
    await client.stop().catch(() => undefined);
    for (const py of holders) if (py.pid && py.exitCode === null) py.kill('SIGKILL');
    await run('ip', ['netns', 'del', ns], { timeoutMs: 10_000 });
  }
}

async function main(): Promise<void> {
  const sizes = [];
  for (const n of SIZES) {
    const m = await measure(n);
    sizes.push({ ...m, loadavg1: loadavg()[0]! });
    process.stderr.write(`tcphealth: ${n} connections: ${JSON.stringify(sizes.at(-1)!.peersPerSocketUs)}\n`);
  }
  const result = {
    ...(await benchStamp()),
    kernel: release(),
    cpus: cpus().length,
    sizes,
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, 'tcphealth.json'), `${JSON.stringify(result, null, 2)}\n`);
  const r3 = (x: { median: number; min: number; max: number }) =>
    `${x.median.toFixed(3)} µs (${x.min.toFixed(3)}–${x.max.toFixed(3)})`;
  const rows = sizes
    .map(
      (s) =>
        `| ${s.connections} | ${s.socketsWalked} | ${s.peerRows} | ${s.loadavg1.toFixed(1)} | ${r3(s.plainPerSocketUs)} | ${r3(s.floorPerSocketUs)} | ${r3(s.peersPerSocketUs)} | ${r3(s.extraPerSocketUs)} | ${r3(s.aggregationPerSocketUs)} | ${s.peersWalkCpuMs.toFixed(1)} ms | ${s.helperCommandMs.toFixed(0)} ms | ${s.agentParseAndSeriesMs.toFixed(0)} ms | ${s.agentRssMiB.toFixed(0)} MiB (${s.agentRssBeforeMiB.toFixed(0)} before the rounds) | ${(s.agentHeldMiB - s.agentHeldBeforeMiB).toFixed(1)} MiB (${s.agentHeldBeforeMiB.toFixed(0)} → ${s.agentHeldMiB.toFixed(0)}; ${s.defaultSeries} series) | ${s.everyHeldBytesPerSeries.toFixed(0)} B (${s.everySeries} series) | ${s.everyAddMs.toFixed(0)} ms | ${s.helperRssMiB.toFixed(0)} MiB (peak ${s.helperHwmMiB.toFixed(0)}) |`,
    )
    .join('\n');
  const md = `# tcphealth: cost of the per-peer walk

\`node --expose-gc dist/test/bench/tcphealth.js\` (${result.date}, commit ${result.commit.slice(0, 12)}${result.dirty ? ' with uncommitted changes' : ''}, Linux ${result.kernel}, ${result.cpus} vCPU; load average
per size in the table, from other work on the machine): for each size one test namespace with N
loopback TCP connections (each client bound to its own 127.x.y.z, so the server side has N peers; held by processes of
at most ${PER_HOLDER} connections each, as the hard RLIMIT_NOFILE here is 20000 and cannot be raised),
${ROUNDS} rounds, each a plain \`tcpsummary\` walk, a floor walk, then a \`tcpsummary peers\` walk; the helper's CPU
per walk (its frame's cpu_ns) per socket walked, median (min–max over rounds). "Added" (peers − plain) and
"over floor" (peers − floor) are paired per round. The floor walk (\`tcpsummary <id> floor\`) is the peers
walk with each socket's peer key made and its tcp_sock health read but summed into one value instead of
its peer's: the work any per-peer aggregation has to do, so "over floor" is what the aggregation itself
costs. "Helper CPU per peers command" is the helper's whole command (walk, reading the maps, the JSON
frame; /proc/<pid>/schedstat).

| connections | sockets walked | peer rows | load | plain walk / socket | floor walk / socket | peers walk / socket | added by peers / socket | peers over floor / socket | peers walk CPU | helper CPU per peers command | agent parse + series per cycle | agent RSS after the rounds | agent heap + buffers held (probe's series) | series of every peer: held per series | fold into every peer's series | helper RSS |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${rows}

Both walks include the 262144-bucket established table scan (a fixed cost spread over the sockets)
and, for peers, the 16384-bucket listening hash. The agent side is this bench process holding the
tcphealth probe's path: the shared walk (SharedTcpWalk, which lets each frame go once read) and the
series (HealthSeries, default top-K ${PEER_DEFAULTS.topK} per pod: as the peers here are all in one namespace, that is
top-K own series + \`other\`); "held" is its V8 heap in use plus external buffers after the rounds
minus before them (what the probe keeps between cycles; RSS keeps the high-water mark of each cycle's
transient frame and table). Beside them, in the same rounds, series of every peer (top-K and the cap
above the peer count) are fed the same rows: "held per series" is what dropping them frees (after a
collection) over their count, and their fold time is not in "agent parse + series". Its RSS is read ${(globalThis as { gc?: unknown }).gc ? 'after a garbage collection (--expose-gc), before and after the rounds of each size (the sizes run one after another in this process), "before" after one uncounted round' : 'without a forced garbage collection (run with --expose-gc for RSS after one)'}.
`;
  writeFileSync(path.join(RESULTS, 'tcphealth.md'), md);
  process.stdout.write(md);
}

await main();

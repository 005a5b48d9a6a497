// Cost of the tcphealth walk per socket: one test namespace holding N loopback TCP connections
// (default 5000 = 10000 sockets; each client bound to its own 127.1.x.y so the server side has
// 5000 distinct peers), then rounds alternating the helper's plain `tcpsummary` walk (per-namespace
// counts only) and `tcpsummary peers` (per-peer health + the listening hash). Per round: the
// helper's CPU for the walk (the frame's cpu_ns, CLOCK_PROCESS_CPUTIME_ID) and, for peers, the
// agent's CPU to parse the frame and build the probe's series (HealthSeries, top-K 20).
// 7 rounds each, medians; the cost per socket is (peers − plain) / sockets walked.
//
//   npm run build && node dist/test/bench/tcphealth.js [--connections 5000]
// Writes test/bench/results/tcphealth.json and tcphealth.md. Needs root.
import { spawn } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus, release } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { HelperClient } from '../../receiver/native/index.js';
import { HELPER } from '../support/agent.js';
import { run } from '../support/proc.js';
import { HealthSeries, parseHealthFrame } from '../../receiver/probes/tcphealth.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.resolve(here, '..', '..', '..', 'test', 'bench', 'results');
const ROUNDS = 7;
const argN = process.argv.indexOf('--connections');
const CONNECTIONS = argN > 0 ? Number(process.argv[argN + 1]) : 5000;
const NS = `ksotel-bench-h18b-${process.pid.toString(36)}`;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const holder = `
import resource, socket, sys, time
n = ${CONNECTIONS}
resource.setrlimit(resource.RLIMIT_NOFILE, (3 * n + 100, 3 * n + 100))
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('127.0.0.1', 9000))
srv.listen(4096)
held = []
for i in range(n):
    c = socket.socket()
    c.bind(('127.1.%d.%d' % (i >> 8, (i & 255) or 1), 0))
    c.connect(('127.0.0.1', 9000))
    a, _ = srv.accept()
    held += [c, a]
print('ready', flush=True)
time.sleep(600)
`;

async function main(): Promise<void> {
  await run('ip', ['netns', 'add', NS], { timeoutMs: 10_000 });
  const py = spawn('ip', ['netns', 'exec', NS, 'sh', '-c', 'ip link set lo up && exec python3 -c "$0"', holder], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const client = new HelperClient({ helperPath: HELPER, probes: {} });
  try {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('connections not made within 120 s')), 120_000);
      py.stdout!.once('data', () => {
        clearTimeout(t);
        resolve();
      });
      py.once('exit', (code) => reject(new Error(`holder exited ${code}`)));
    });
    await client.start();
    const plain: { cpuNs: number; wallNs: number; sockets: number }[] = [];
    const peers: {
      cpuNs: number;
      wallNs: number;
      sockets: number;
      agentMs: number;
      rows: number;
      listeners: number;
    }[] = [];
    const series = new HealthSeries();
    for (let r = 0; r < ROUNDS; r++) {
      const p = await client.command('tcpsummary', [], 60_000);
      const ps = p.stats as Record<string, number>;
      plain.push({ cpuNs: Number(p.cpu_ns), wallNs: Number(p.wall_ns), sockets: ps.sockets! });
      const c0 = cpuMs();
      const f = await client.command('tcpsummary', ['peers'], 60_000);
      const parsed = parseHealthFrame(f);
      series.add(parsed.peers, Date.now());
      const c1 = cpuMs();
      const fs = f.stats as Record<string, number>;
      if (parsed.problems.length > 0) throw new Error(parsed.problems.join('; '));
      peers.push({
        cpuNs: Number(f.cpu_ns),
        wallNs: Number(f.wall_ns),
        sockets: fs.sockets!,
        agentMs: c1 - c0,
        rows: parsed.peers.length,
        listeners: parsed.listeners.length,
      });
    }
    const sockets = median(peers.map((x) => x.sockets));
    const plainCpu = median(plain.map((x) => x.cpuNs)) / 1e6;
    const peersCpu = median(peers.map((x) => x.cpuNs)) / 1e6;
    const perSocketUs = ((peersCpu - plainCpu) * 1000) / sockets;
    const result = {
      date: new Date().toISOString(),
      kernel: release(),
      cpus: cpus().length,
      connections: CONNECTIONS,
      socketsWalked: sockets,
      peerRows: median(peers.map((x) => x.rows)),
      rounds: ROUNDS,
      plainWalkCpuMs: plainCpu,
      peersWalkCpuMs: peersCpu,
      peersWalkWallMs: median(peers.map((x) => x.wallNs)) / 1e6,
      extraPerSocketUs: perSocketUs,
      peersPerSocketUs: (peersCpu * 1000) / sockets,
      agentParseAndSeriesMs: median(peers.map((x) => x.agentMs)),
      plain,
      peers,
    };
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(path.join(RESULTS, 'tcphealth.json'), `${JSON.stringify(result, null, 2)}\n`);
    const md = `# tcphealth: cost of the per-peer walk

\`node dist/test/bench/tcphealth.js\` (${result.date}, Linux ${result.kernel}, ${result.cpus} vCPU): one test
namespace with ${CONNECTIONS} loopback TCP connections (${sockets} sockets walked on the node, ${result.peerRows}
peer rows: each client bound to its own 127.1.x.y), ${ROUNDS} rounds alternating the helper's plain
\`tcpsummary\` walk and \`tcpsummary peers\`; medians of the helper's CPU per walk (its frame's cpu_ns).

| | helper CPU per walk | per socket |
|---|---:|---:|
| plain walk (per-namespace counts) | ${plainCpu.toFixed(2)} ms | ${((plainCpu * 1000) / sockets).toFixed(3)} µs |
| peers walk (per-peer health + listening hash) | ${peersCpu.toFixed(2)} ms | ${result.peersPerSocketUs.toFixed(3)} µs |
| added by peers mode | ${(peersCpu - plainCpu).toFixed(2)} ms | ${perSocketUs.toFixed(3)} µs |

Agent side (parse the frame, name and fold the peers, top-K 20): ${result.agentParseAndSeriesMs.toFixed(1)} ms per cycle.
Both walks include the 262144-bucket established table scan and, for peers, the 16384-bucket listening hash.
`;
    writeFileSync(path.join(RESULTS, 'tcphealth.md'), md);
    process.stdout.write(md);
  } finally {
    await client.stop().catch(() => undefined);
    if (py.pid && py.exitCode === null) py.kill('SIGKILL');
    await run('ip', ['netns', 'del', NS], { timeoutMs: 10_000 });
  }
}

await main();

// Cost of the connections probe per TCP connect, from bpf_stats (kernel.bpf_stats_enabled=1 for
// the run, restored afterwards): in a test namespace, 2000 loopback connects that succeed (each
// accepted and closed) and 500 to a closed port, each batch bounded in time; run_time_ns and
// run_cnt of every program of the probe between two counter dumps. Runs include whatever else
// the node connects meanwhile (the hooks are node-wide).
//   npm run build && node dist/test/bench/connections.js
// Writes test/bench/results/connections.json and connections.md. Needs root.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, release } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { cleanupAll, createNetns } from '../support/netns.js';
import { runOk } from '../support/proc.js';
import { startClient } from '../native/support.js';
import { programRunDeltas } from './bpf-stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.resolve(here, '..', '..', '..', 'test', 'bench', 'results');
const STATS = '/proc/sys/kernel/bpf_stats_enabled';

const traffic = (ok: number, refused: number): string => `
import socket, time
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(128)
port = srv.getsockname()[1]
closed = socket.socket(); closed.bind(('127.0.0.1', 0)); cport = closed.getsockname()[1]; closed.close()
deadline = time.time() + 60
n = r = 0
while n < ${ok} and time.time() < deadline:
    c = socket.create_connection(('127.0.0.1', port)); a, _ = srv.accept(); c.close(); a.close(); n += 1
while r < ${refused} and time.time() < deadline:
    try:
        socket.create_connection(('127.0.0.1', cport))
    except ConnectionRefusedError:
        r += 1
print(n, r)
`;

interface Row {
  program: string;
  runs: number;
  nsPerRun: number;
  totalNs: number;
}

async function main(): Promise<void> {
  const old = readFileSync(STATS, 'utf8').trim();
  writeFileSync(STATS, '1');
  const ns = await createNetns({ label: 'h18bench' });
  const h = await startClient({ probes: { connections: {} } });
  try {
    if (h.client.status().probes.connections.state !== 'running')
      throw new Error(h.client.status().probes.connections.reason);
    const a = await h.client.dumpCounters();
    const out = await runOk('ip', ['netns', 'exec', ns.name, 'python3', '-c', traffic(2000, 500)], {
      timeoutMs: 90_000,
    });
    const b = await h.client.dumpCounters();
    const [ok, refused] = out.stdout.trim().split(/\s+/).map(Number) as [number, number];
    const rows: Row[] = programRunDeltas(a, b)
      .filter((d) => d.probe === 'connections')
      .map((d) => ({
        program: d.program,
        runs: d.runs,
        nsPerRun: d.runs > 0 ? Math.round(d.runTimeNs / d.runs) : 0,
        totalNs: d.runTimeNs,
      }));
    const connects = ok + refused;
    const totalNs = rows.reduce((x, r) => x + r.totalNs, 0);
    const result = {
      date: new Date().toISOString(),
      kernel: release(),
      cpus: cpus().length,
      connects: { ok, refused },
      programs: rows,
      nsPerConnect: Math.round(totalNs / connects),
    };
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(path.join(RESULTS, 'connections.json'), `${JSON.stringify(result, null, 2)}\n`);
    const md = [
      '# connections: BPF cost per TCP connect',
      '',
      `${result.date}, kernel ${result.kernel}, ${result.cpus} CPUs. \`node dist/test/bench/connections.js\`: ${ok} loopback connects` +
        ` (accepted and closed) and ${refused} refused ones in a test namespace; bpf_stats (run_time_ns / run_cnt) between two` +
        ' counter dumps. Runs include every TCP state change of the node meanwhile (the hooks are node-wide).',
      '',
      '| program | runs | ns per run | total µs |',
      '|---|---:|---:|---:|',
      ...rows.map((r) => `| ${r.program} | ${r.runs} | ${r.nsPerRun} | ${(r.totalNs / 1000).toFixed(0)} |`),
      '',
      `All programs together: **${result.nsPerConnect} ns per connect** (every program's run time over the ${connects} connects).`,
      '',
    ].join('\n');
    writeFileSync(path.join(RESULTS, 'connections.md'), md);
    process.stdout.write(md);
  } finally {
    await h.client.stop();
    await cleanupAll();
    writeFileSync(STATS, old);
  }
}

await main();

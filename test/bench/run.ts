// `npm run bench`: runs every benchmark under test/bench, one child process each (so one's memory
// does not show in another's RSS), in order, and fails when one fails.
//   node dist/test/bench/run.js [name …]   e.g. `procfs` alone; default: all of BENCHMARKS
// Each writes its own results under test/bench/results/.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** name → compiled script and its arguments (each bounded in time; the whole run ≈ 30 minutes). */
export const BENCHMARKS: Record<string, { script: string; args: string[]; node?: string[] }> = {
  procfs: {
    script: 'procfs.js',
    args: ['--rounds', '7', '--variants', 'semi-space-4=--max-semi-space-size=4;v8-default='],
  }, // agents at 4 MiB and V8's default semi-space next to the launchers' flags; ~30 min
  // 10/110/250 pods at the chart's settings with events every cycle; the heap snapshot gives the floor with the data
  sizing: { script: 'sizing.js', args: ['--heap-snapshot'] },
  // OTLP µs/point (gzip, as the chart) and /metrics µs/series at 10/100/250 pods, with floors and a profile; ~15 min
  export: { script: 'export.js', args: ['--profile', '/tmp/kubeskoop-otel-export-profile'] },
  'bpf-events': { script: 'bpf-events.js', args: [] },
  'kallsyms-pass': { script: 'kallsyms-pass.js', args: [] }, // packetloss's read of /proc/kallsyms per batch of new drop locations; ~30 s
  tcpsummary: { script: 'tcpsummary.js', args: [] }, // also qdisc (netlink vs forking tc); ~60 s at 250 namespaces
  connections: { script: 'connections.js', args: [] }, // 2500 loopback connects, bpf_stats per program; ~10 s
  latency: { script: 'latency.js', args: [] }, // off / on / floor loopback streams, bpf_stats per program; ~7 min
  // per-peer walk cost at 10k, 20k and 100k sockets, agent RSS (after a collection) at 5k, 10k and 50k peers; ~5 min
  tcphealth: { script: 'tcphealth.js', args: [], node: ['--expose-gc'] },
  flow: { script: 'flow.js', args: [] }, // flow probe: BPF ns/packet on/floor, UDP rate off/on/floor, 65k-entry map read; ~1 min
  'flow-hostnet': { script: 'flow-hostnet.js', args: [] }, // flow, hostNetwork pods: cgroup_skb ns/packet on/floor, node tc with hostnet off/on; ~3 min
  dns: { script: 'dns.js', args: [] }, // dns probe: BPF ns per non-DNS and per DNS packet, on vs floor; ~2 min
  outage: { script: 'outage.js', args: [] }, // the receiver gone 10 min under a 500 connects/s flood, buffer 8 MiB: RSS each second, counts; ~13 min
  image: { script: 'image.js', args: [] }, // scripts/image.sh cold (empty caches) and warm; ~10-15 min
};

async function runOne(name: string): Promise<number> {
  const b = BENCHMARKS[name];
  if (!b) {
    process.stderr.write(`bench: unknown benchmark ${name}; known: ${Object.keys(BENCHMARKS).join(', ')}\n`);
    return 2;
  }
  const script = path.join(here, b.script);
  if (!existsSync(script)) {
    process.stderr.write(`bench: ${name}: ${script} not built\n`);
    return 1;
  }
  process.stderr.write(`\n=== bench ${name} ===\n`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...(b.node ?? []), script, ...b.args], { stdio: 'inherit' });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(BENCHMARKS);
let failed = 0;
for (const n of names) if ((await runOne(n)) !== 0) failed++;
process.exitCode = failed > 0 ? 1 : 0;

// Benchmark of the flow probe (real BPF on a veth between two test namespaces, as root):
//  - BPF ns per packet of ks_flow_rx / ks_flow_tx (kernel.bpf_stats_enabled, run_time_ns / run_cnt)
//    next to the floor: the same programs loaded with x_empty=1 (same tcx hook and dispatch, no work),
//    and where the time goes: programs stopped after the namespace read / the key (x_stop=1|2), the
//    whole program on a PERCPU_HASH / LRU_HASH map (x_map=…);
//  - the UDP stream's rate (64-byte datagrams, udpflood) with the probe off, on and floor, rounds
//    interleaved in one run;
//  - one map read of 65,536 entries: the helper's dump (wall and CPU) and the agent's CPU to decode it.
// kernel.bpf_stats_enabled is restored afterwards. Writes test/bench/results/flow.{md,json}.
//
//   npx tsc -p tsconfig.json && node dist/test/bench/flow.js [rounds]
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

import { NativeEventSource } from '../../receiver/events/native-source.js';
import { parseFlowFrame } from '../../receiver/native/commands.js';
import { LAYOUTS } from '../../receiver/native/records.js';
import { silentLogger } from '../../receiver/log.js';
import { helperProgramIds, median, runStats } from './bpf-stats.js';
import { deleteNs, ensureHelperBuilt, inNs, makePair, nodeIn, udpFlood } from '../native/support.js';

const STATS = '/proc/sys/kernel/bpf_stats_enabled';
const ROUNDS = Number(process.argv[2] ?? 5);
const PACKETS = 200_000;
const here = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(here, '..', '..', '..', 'test', 'bench', 'results');

async function main(): Promise<void> {
  await ensureHelperBuilt();
  const previous = await readFile(path.join(OUT, 'flow.json'), 'utf8')
    .then((t) => {
      const o = JSON.parse(t) as Record<string, unknown>;
      return { date: o.date, nsPerRunOn: o.nsPerRunOn, nsPerRunFloor: o.nsPerRunFloor, mapRead: o.mapRead };
    })
    .catch(() => undefined);
  const statsBefore = (await readFile(STATS, 'utf8')).trim();
  const p = await makePair('bflow', 223, { ipv6: true });
  const native = new NativeEventSource({
    probes: {},
    emitEventsOf: new Set(),
    log: silentLogger,
    helperCommands: true,
  });
  await native.start();
  const call = (args: string[]): Promise<Record<string, unknown>> => native.helperCommand('flow', args);
  const devA = `k${process.pid.toString(36)}n223a`,
    devB = `k${process.pid.toString(36)}n223b`;
  const attach = async (extra: string[]): Promise<void> => {
    await call(['unload']);
    const l = parseFlowFrame(await call(['load', 'entries=65536', ...extra]));
    if (!l.ok) throw new Error(l.error);
    const f = parseFlowFrame(
      await call(['attach', `${p.aInode}:/run/netns/${p.a}:${devA}`, `${p.bInode}:/run/netns/${p.b}:${devB}`]),
    );
    if (!f.ok || f.targets.some((t) => !t.ok)) throw new Error(`attach: ${JSON.stringify(f)}`);
  };
  const rows: { mode: string; round: number; pps: number; nsPerRun: number; runs: number }[] = [];
  try {
    await writeFile(STATS, '1');
    for (let round = 0; round < ROUNDS; round++) {
      // netns / key: where the time goes (programs that stop after the namespace read / the key)
      // percpu_hash / lru_hash: the same program on another map type (what the LRU per-CPU hash costs)
      for (const mode of ['off', 'on', 'floor', 'netns', 'key', 'percpu_hash', 'lru_hash'] as const) {
        const extra = {
          off: [],
          on: [],
          floor: ['x_empty=1'],
          netns: ['x_stop=1'],
          key: ['x_stop=2'],
          percpu_hash: ['x_map=percpu_hash'],
          lru_hash: ['x_map=lru_hash'],
        }[mode];
        if (mode === 'off') await call(['unload']);
        else await attach(extra);
        const ids =
          mode === 'off' ? [] : await helperProgramIds(native.helperStatus().pid!, ['ks_flow_rx', 'ks_flow_tx']);
        const s0 = await runStats(ids);
        const r = await udpFlood(p.a, p.b4, 9, PACKETS, 30, 64);
        const s1 = await runStats(ids);
        const runs = s1.runs - s0.runs;
        rows.push({
          mode,
          round,
          pps: Math.round(r.sent / r.seconds),
          nsPerRun: runs > 0 ? Math.round((s1.ns - s0.ns) / runs) : 0,
          runs,
        });
      }
    }
    await writeFile(STATS, statsBefore);
    // one map read of a full map: 65,536 distinct IPv6 peers
    await attach([]);
    await inNs(p.a, 'ip', '-6', 'route', 'add', 'fd00:199:223:f::/64', 'via', p.b6);
    await nodeIn(
      p.a,
      `
import dgram from 'node:dgram';
const s = dgram.createSocket('udp6');
let i = 0, sent = 0;
const next = () => { if (i >= 70000) { console.log(JSON.stringify({ sent })); process.exit(0); } const n = i++; s.send(Buffer.alloc(8), 9, 'fd00:199:223:f::' + (n >> 16).toString(16) + ':' + (n & 0xffff).toString(16), (e) => { if (!e) sent++; next(); }); };
for (let k = 0; k < 64; k++) next();
`,
      120_000,
    );
    // the agent's CPU for one read: the dump's binary frames decoded as they arrive (records.ts) and
    // the answer parsed; the helper's own CPU is measured inside it (cpu_ns)
    const reads: {
      live: number;
      sent: number;
      helperWallMs: number;
      helperCpuMs: number;
      agentCpuMs: number;
      roundTripMs: number;
      bytes: number;
    }[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = process.cpuUsage();
      const w0 = performance.now();
      const raw = await call(['dump', 'all']);
      const f = parseFlowFrame(raw);
      const c = process.cpuUsage(t0);
      const wall = performance.now() - w0;
      if (!f.ok || !f.dump || f.dump.readError) throw new Error(`dump failed: ${JSON.stringify(f).slice(0, 300)}`);
      const frames = typeof raw.frames === 'number' ? raw.frames : 0;
      reads.push({
        live: f.dump.live,
        sent: f.dump.entries.length,
        helperWallMs: f.dump.wallNs / 1e6,
        helperCpuMs: f.dump.cpuNs / 1e6,
        agentCpuMs: (c.user + c.system) / 1000,
        roundTripMs: wall,
        // frames (header + 48-byte entries) and the JSON answer without the entries the client added
        bytes:
          frames * LAYOUTS.flow_dump.size +
          f.dump.entries.length * LAYOUTS.flow_entry.size +
          JSON.stringify({ ...raw, entries: [] }).length,
      });
    }
    const by = (m: string): typeof rows => rows.filter((r) => r.mode === m);
    const summary = {
      date: new Date().toISOString(),
      kernel: os.release(),
      cpus: os.cpus().length,
      packetsPerRound: PACKETS,
      rounds: ROUNDS,
      nsPerRunOn: median(by('on').map((r) => r.nsPerRun)),
      nsPerRunFloor: median(by('floor').map((r) => r.nsPerRun)),
      // where the time goes: up to the namespace read, up to the built key (the rest is the map update)
      nsPerRunNetns: median(by('netns').map((r) => r.nsPerRun)),
      nsPerRunKey: median(by('key').map((r) => r.nsPerRun)),
      nsPerRunPercpuHash: median(by('percpu_hash').map((r) => r.nsPerRun)),
      nsPerRunLruHash: median(by('lru_hash').map((r) => r.nsPerRun)),
      ppsOff: median(by('off').map((r) => r.pps)),
      ppsOn: median(by('on').map((r) => r.pps)),
      ppsFloor: median(by('floor').map((r) => r.pps)),
      mapRead: {
        live: reads[0]!.live,
        sent: reads[0]!.sent,
        helperWallMs: median(reads.map((r) => r.helperWallMs)),
        helperCpuMs: median(reads.map((r) => r.helperCpuMs)),
        agentCpuMs: median(reads.map((r) => r.agentCpuMs)),
        roundTripMs: median(reads.map((r) => r.roundTripMs)),
        firstAgentCpuMs: reads[0]!.agentCpuMs,
        frameBytes: reads[0]!.bytes,
      },
      // the previous results file's headline figures, so before → after is in one place
      before: previous,
      rows,
      reads,
    };
    await mkdir(OUT, { recursive: true });
    await writeFile(path.join(OUT, 'flow.json'), `${JSON.stringify(summary, null, 2)}\n`);
    const ratio = summary.nsPerRunFloor > 0 ? (summary.nsPerRunOn / summary.nsPerRunFloor).toFixed(2) : 'n/a';
    const md = `# flow probe benchmark

${summary.date}, Linux ${summary.kernel}, ${summary.cpus} CPUs. \`node dist/test/bench/flow.js ${ROUNDS}\`: a veth between two
test namespaces, the flow programs (tcx) on both ends, ${PACKETS} UDP datagrams of 64 B per round from a to b
(udpflood), rounds interleaved off / on / floor (floor = the same programs loaded with \`x_empty=1\`: same hook and
dispatch, no work; netns and key = programs stopped after the namespace read and after the key, \`x_stop=1|2\`). BPF time from kernel.bpf_stats_enabled (run_time_ns / run_cnt over ks_flow_rx and ks_flow_tx:
each datagram runs tx on a's egress and rx on b's ingress).

| | median |
|---|---:|
| BPF ns per program run, probe on | ${summary.nsPerRunOn} |
| BPF ns per program run, floor (empty) | ${summary.nsPerRunFloor} |
| … stopped after reading the namespace (skb->dev->nd_net) | ${summary.nsPerRunNetns} |
| … stopped after building the key (headers parsed, no map work) | ${summary.nsPerRunKey} |
| … the whole program on a PERCPU_HASH map (no LRU) | ${summary.nsPerRunPercpuHash} |
| … the whole program on an LRU_HASH map (shared by the CPUs) | ${summary.nsPerRunLruHash} |
| on / floor | ${ratio} |
| datagrams/s, off | ${summary.ppsOff} |
| datagrams/s, on | ${summary.ppsOn} |
| datagrams/s, floor | ${summary.ppsFloor} |

Map read of a full map (${summary.mapRead.live} entries, \`dump all\`, 5 reads, medians): helper ${summary.mapRead.helperWallMs.toFixed(2)} ms wall,
${summary.mapRead.helperCpuMs.toFixed(2)} ms CPU (batch lookup, per-CPU sums, binary frames); agent ${summary.mapRead.agentCpuMs.toFixed(2)} ms CPU
(frames decoded by the generated layout, answer parsed; first read ${summary.mapRead.firstAgentCpuMs.toFixed(2)} ms, before the IPv6
text forms are cached); round trip ${summary.mapRead.roundTripMs.toFixed(2)} ms; ${summary.mapRead.frameBytes} bytes on the pipe.
A normal cycle dumps only the entries counted since the previous dump.
Before (the previous results file, ${String(previous?.date ?? 'none')}): ${JSON.stringify(previous ?? {})}

| round | mode | datagrams/s | runs | ns/run |
|---:|---|---:|---:|---:|
${rows.map((r) => `| ${r.round} | ${r.mode} | ${r.pps} | ${r.runs} | ${r.nsPerRun} |`).join('\n')}
`;
    await writeFile(path.join(OUT, 'flow.md'), md);
    process.stdout.write(md);
  } finally {
    await writeFile(STATS, statsBefore).catch(() => undefined);
    await native.stop();
    await deleteNs(p.a, p.b).catch(() => undefined);
  }
}

await main();

// Benchmark of the flow probe (real BPF on a veth between two test namespaces, as root):
//  - BPF ns per packet of ks_flow_rx / ks_flow_tx (kernel.bpf_stats_enabled, run_time_ns / run_cnt)
//    next to the floor: the same programs loaded with x_empty=1 (same tcx hook and dispatch, no work),
//    without the per-CPU last-flow cache (x_cache=0) and stopped after the key (x_stop=2), for one
//    bulk stream and for 1,000 interleaved flows, every mode in every round (paired with its floor);
//  - the UDP rate (64-byte datagrams, udpflood) in each of those modes and with the probe off;
//  - one map read of 65,536 entries: the helper's dump (wall and CPU) and the agent's CPU to decode it.
// kernel.bpf_stats_enabled is restored afterwards. Writes test/bench/results/flow.{md,json}.
//
//   npx tsc -p tsconfig.json && node dist/test/bench/flow.js [rounds] [--no-read]
import { readFile, writeFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

import { NativeEventSource } from '../../receiver/events/native-source.js';
import { parseFlowFrame } from '../../receiver/native/commands.js';
import { LAYOUTS } from '../../receiver/native/records.js';
import { silentLogger } from '../../receiver/log.js';
import { helperProgramIds, median, runStats } from './bpf-stats.js';
import { deleteNs, ensureHelperBuilt, inNs, makePair, nodeIn, sh, udpFlood } from '../native/support.js';

const STATS = '/proc/sys/kernel/bpf_stats_enabled';
const ROUNDS = Number(process.argv[2] ?? 7);
/** --no-read: the per-packet part only (no 65k-entry map read, no results files written) */
const NO_READ = process.argv.includes('--no-read');
const FLOWS = 1000;
const TRAFFIC = ['bulk', 'spread'] as const;
type Traffic = (typeof TRAFFIC)[number];
// off: no programs; floor: the same programs loaded with x_empty=1 (same hook and dispatch, no
// work); on: the probe as shipped (per-CPU last-flow cache); nocache: without the cache (every
// packet through the server lookups and the hash, the previous design); key: stopped after the key
// is built, no map work (where the time goes)
const MODES = ['off', 'floor', 'on', 'nocache', 'key'] as const;
type Mode = (typeof MODES)[number];
const MODE_OPTIONS: Record<Mode, string[]> = {
  off: [],
  floor: ['x_empty=1'],
  on: [],
  nocache: ['x_cache=0'],
  key: ['x_stop=2', 'x_cache=0'],
};
const PACKETS = 200_000;
const here = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(here, '..', '..', '..', 'test', 'bench', 'results');

/** Ethernet + IPv4 + UDP (40000 → 9) + 64 B payload: the hot loop's packet */
function udpFrame(): Buffer {
  const payload = 64;
  const b = Buffer.alloc(14 + 20 + 8 + payload, 0x6b);
  b.fill(2, 0, 6);
  b.fill(4, 6, 12);
  b.writeUInt16BE(0x0800, 12);
  b.writeUInt8(0x45, 14);
  b.writeUInt8(0, 15);
  b.writeUInt16BE(20 + 8 + payload, 16);
  b.writeUInt32BE(0x4000, 18); // id 0, DF
  b.writeUInt8(64, 22);
  b.writeUInt8(17, 23);
  b.writeUInt16BE(0, 24);
  Buffer.from([10, 199, 223, 1, 10, 199, 223, 2]).copy(b, 26);
  b.writeUInt16BE(40000, 34);
  b.writeUInt16BE(9, 36);
  b.writeUInt16BE(8 + payload, 38);
  b.writeUInt16BE(0, 40);
  return b;
}

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
  const rows: { traffic: Traffic; mode: Mode; round: number; pps: number; nsPerRun: number; runs: number }[] = [];
  try {
    await writeFile(STATS, '1');
    for (let round = 0; round < ROUNDS; round++) {
      // bulk: one stream (every packet the same tuple); spread: FLOWS interleaved flows (server
      // ports 10000…, one after the other: every packet a different tuple from the one before)
      for (const traffic of TRAFFIC) {
        for (const mode of MODES) {
          if (mode === 'off') await call(['unload']);
          else await attach(MODE_OPTIONS[mode]);
          const ids =
            mode === 'off' ? [] : await helperProgramIds(native.helperStatus().pid!, ['ks_flow_rx', 'ks_flow_tx']);
          const s0 = await runStats(ids);
          const r =
            traffic === 'bulk'
              ? await udpFlood(p.a, p.b4, 9, PACKETS, 30, 64)
              : await udpFlood(p.a, p.b4, 10000, PACKETS, 30, 64, FLOWS);
          const s1 = await runStats(ids);
          const runs = s1.runs - s0.runs;
          rows.push({
            traffic,
            mode,
            round,
            pps: Math.round(r.sent / r.seconds),
            nsPerRun: runs > 0 ? Math.round((s1.ns - s0.ns) / runs) : 0,
            runs,
          });
        }
      }
    }
    await writeFile(STATS, statsBefore);
    // the programs alone, hot: ks_flow_tx run 2,000,000 times in a loop on one packet
    // (BPF_PROG_TEST_RUN through `bpftool prog run`; no tcx dispatch, no bpf_stats, caches warm):
    // what the instructions cost, next to what they cost on the hook with traffic
    const hotPacket = path.join(os.tmpdir(), `ksotel-flow-bench-${process.pid}.bin`);
    await writeFile(hotPacket, udpFrame());
    const hot: Record<'floor' | 'on' | 'nocache' | 'key', number[]> = { floor: [], on: [], nocache: [], key: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of ['floor', 'on', 'nocache', 'key'] as const) {
        await call(['unload']);
        const l = parseFlowFrame(await call(['load', 'entries=65536', ...MODE_OPTIONS[mode]]));
        if (!l.ok) throw new Error(l.error);
        const [id] = await helperProgramIds(native.helperStatus().pid!, ['ks_flow_tx']);
        const out = await sh('bpftool', 'prog', 'run', 'id', String(id), 'data_in', hotPacket, 'repeat', '2000000');
        const ns = /duration \(average\): (\d+)ns/.exec(out);
        if (!ns) throw new Error(`bpftool prog run: ${out}`);
        hot[mode].push(Number(ns[1]));
      }
    }
    await rm(hotPacket, { force: true });
    if (NO_READ) {
      for (const r of rows) process.stdout.write(`${r.round} ${r.traffic} ${r.mode} ${r.nsPerRun} ${r.pps}\n`);
      return;
    }
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
      batchCpuMs: number;
      flushCpuMs: number;
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
        // the kernel's batch lookups alone (the floor of reading the map this way) and the flush
        batchCpuMs: (typeof raw.batch_cpu_ns === 'number' ? raw.batch_cpu_ns : 0) / 1e6,
        flushCpuMs: (typeof raw.flush_cpu_ns === 'number' ? raw.flush_cpu_ns : 0) / 1e6,
        agentCpuMs: (c.user + c.system) / 1000,
        roundTripMs: wall,
        // frames (header + 48-byte entries) and the JSON answer without the entries the client added
        bytes:
          frames * LAYOUTS.flow_dump.size +
          f.dump.entries.length * LAYOUTS.flow_entry.size +
          JSON.stringify({ ...raw, entries: [] }).length,
      });
    }
    const by = (t: Traffic, m: Mode): typeof rows => rows.filter((r) => r.traffic === t && r.mode === m);
    /** per round: mode / floor of that round (paired), median and range over the rounds */
    const paired = (t: Traffic, m: Mode): { median: number; min: number; max: number } => {
      const xs = [...Array(ROUNDS).keys()].map((round) => {
        const on = rows.find((r) => r.traffic === t && r.mode === m && r.round === round)!;
        const fl = rows.find((r) => r.traffic === t && r.mode === 'floor' && r.round === round)!;
        return Number((on.nsPerRun / fl.nsPerRun).toFixed(2));
      });
      return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
    };
    const spreadOfList = (xs: number[]): { median: number; min: number; max: number } => ({
      median: median(xs),
      min: Math.min(...xs),
      max: Math.max(...xs),
    });
    const spreadOf = (t: Traffic, m: Mode): { median: number; min: number; max: number } =>
      spreadOfList(by(t, m).map((r) => r.nsPerRun));
    const perTraffic = (t: Traffic) => ({
      nsPerRun: {
        on: spreadOf(t, 'on'),
        floor: spreadOf(t, 'floor'),
        nocache: spreadOf(t, 'nocache'),
        key: spreadOf(t, 'key'),
      },
      // run by run against the floor of the same round
      ratioToFloor: { on: paired(t, 'on'), nocache: paired(t, 'nocache'), key: paired(t, 'key') },
      pps: {
        off: median(by(t, 'off').map((r) => r.pps)),
        on: median(by(t, 'on').map((r) => r.pps)),
        nocache: median(by(t, 'nocache').map((r) => r.pps)),
        floor: median(by(t, 'floor').map((r) => r.pps)),
      },
    });
    const summary = {
      date: new Date().toISOString(),
      kernel: os.release(),
      cpus: os.cpus().length,
      packetsPerRound: PACKETS,
      rounds: ROUNDS,
      flows: FLOWS,
      // the headline: one bulk stream, the probe as shipped and the floor (medians of the rounds)
      nsPerRunOn: median(by('bulk', 'on').map((r) => r.nsPerRun)),
      nsPerRunFloor: median(by('bulk', 'floor').map((r) => r.nsPerRun)),
      bulk: perTraffic('bulk'),
      // ks_flow_tx alone in a hot loop (BPF_PROG_TEST_RUN, one packet, 2,000,000 runs), ns per run
      hotLoopNs: {
        floor: spreadOfList(hot.floor),
        on: spreadOfList(hot.on),
        nocache: spreadOfList(hot.nocache),
        key: spreadOfList(hot.key),
      },
      spread: perTraffic('spread'),
      mapRead: {
        live: reads[0]!.live,
        sent: reads[0]!.sent,
        helperWallMs: median(reads.map((r) => r.helperWallMs)),
        helperCpuMs: median(reads.map((r) => r.helperCpuMs)),
        batchCpuMs: median(reads.map((r) => r.batchCpuMs)),
        flushCpuMs: median(reads.map((r) => r.flushCpuMs)),
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
    const range = (x: { median: number; min: number; max: number }): string => `${x.median} (${x.min}–${x.max})`;
    const table = (t: Traffic): string => {
      const x = summary[t];
      return `| BPF ns per program run, probe on (as shipped) | ${range(x.nsPerRun.on)} |
| BPF ns per program run, floor (empty program, same hook) | ${range(x.nsPerRun.floor)} |
| BPF ns per program run, without the per-CPU cache (\`x_cache=0\`, the previous design) | ${range(x.nsPerRun.nocache)} |
| BPF ns per program run, stopped after the key (no map work, no cache) | ${range(x.nsPerRun.key)} |
| on / floor, paired by round | ${range(x.ratioToFloor.on)} |
| without the cache / floor, paired by round | ${range(x.ratioToFloor.nocache)} |
| key only / floor, paired by round | ${range(x.ratioToFloor.key)} |
| datagrams/s off / on / without cache / floor | ${x.pps.off} / ${x.pps.on} / ${x.pps.nocache} / ${x.pps.floor} |`;
    };
    const md = `# flow probe benchmark

${summary.date}, Linux ${summary.kernel}, ${summary.cpus} CPUs. \`node dist/test/bench/flow.js ${ROUNDS}\`: a veth between two
test namespaces, the flow programs (tcx) on both ends, ${PACKETS} UDP datagrams of 64 B per run from a to b (udpflood);
each round runs every mode (off, floor, on, nocache, key) for both traffics, so each mode has a floor of its own round
to be compared with. floor = the same programs loaded with \`x_empty=1\`: same hook and dispatch, no work. BPF time
from kernel.bpf_stats_enabled (run_time_ns / run_cnt over ks_flow_rx and ks_flow_tx: each datagram runs tx on a's
egress and rx on b's ingress). Figures: median of ${ROUNDS} rounds (min–max).

The probe keeps, per CPU, the last flow it counted (tuple, key, pending counts); a packet of that tuple adds to the
pending counts, another tuple moves them into the map. The helper moves every CPU's pending counts into the map
before each dump (ks_flow_flush, run on each CPU).

## One bulk stream (every packet the same tuple)

| | median (min–max) |
|---|---:|
${table('bulk')}

## ${FLOWS} interleaved flows (server ports 10000–${10000 + FLOWS - 1} in turn: every packet misses the cache)

| | median (min–max) |
|---|---:|
${table('spread')}

## The programs alone, hot

ks_flow_tx run 2,000,000 times on one UDP packet (\`bpftool prog run … repeat 2000000\`, BPF_PROG_TEST_RUN: no tcx
dispatch, no bpf_stats, the packet, the skb and the maps in the CPU's caches), ns per run, median of ${ROUNDS} (min–max):
empty ${range(summary.hotLoopNs.floor)}, as shipped (every run a cache hit) ${range(summary.hotLoopNs.on)}, without the cache
${range(summary.hotLoopNs.nocache)}, stopped after the key ${range(summary.hotLoopNs.key)}. What the hook adds on top with real traffic
(the tables above) is the dispatch, bpf_stats and memory that is not in the caches.

Map read of a full map (${summary.mapRead.live} entries, \`dump all\`, 5 reads, medians): helper ${summary.mapRead.helperWallMs.toFixed(2)} ms wall,
${summary.mapRead.helperCpuMs.toFixed(2)} ms CPU (batch lookup, per-CPU sums, binary frames), of which ${summary.mapRead.batchCpuMs.toFixed(2)} ms in the
kernel's batch lookups alone (the floor of reading a per-CPU hash this way) and ${summary.mapRead.flushCpuMs.toFixed(3)} ms flushing the
per-CPU caches; agent ${summary.mapRead.agentCpuMs.toFixed(2)} ms CPU
(frames decoded by the generated layout, answer parsed; first read ${summary.mapRead.firstAgentCpuMs.toFixed(2)} ms, before the IPv6
text forms are cached); round trip ${summary.mapRead.roundTripMs.toFixed(2)} ms; ${summary.mapRead.frameBytes} bytes on the pipe.
A normal cycle dumps only the entries counted since the previous dump.
Before (the previous results file, ${String(previous?.date ?? 'none')}): ${JSON.stringify(previous ?? {})}

| round | traffic | mode | datagrams/s | runs | ns/run |
|---:|---|---|---:|---:|---:|
${rows.map((r) => `| ${r.round} | ${r.traffic} | ${r.mode} | ${r.pps} | ${r.runs} | ${r.nsPerRun} |`).join('\n')}
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

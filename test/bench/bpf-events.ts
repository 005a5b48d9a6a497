// Benchmark of the native event path (bounded load, real BPF, as root):
//  - per-program BPF cost from the kernel's own bpf_stats (run_time_ns / run_cnt), for a
//    count-only drop path, a drop path that emits every event, and the reset programs;
//  - events/s that helper → pipe → Node decode sustains;
//  - CPU of the agent (this Node process) and of the helper at 10k events/s (paced by the
//    in-kernel rate limiter);
//  - the pure decoder's records/s.
// kernel.bpf_stats_enabled is set to 1 for the run and restored afterwards.
// Writes test/bench/results/bpf-events.{md,json}.
//
//   npx tsc -p tsconfig.json && node dist/test/bench/bpf-events.js
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { decodeRecords, RECORD_MAGIC, type CounterSnapshot } from '../../receiver/native/index.js';
import {
  ROOT,
  deleteNs,
  nsName,
  ensureHelperBuilt,
  inNs,
  makePair,
  makeSingle,
  nodeIn,
  startClient,
  udpFlood,
  type Harness,
} from '../native/support.js';
import { procUsage, sleep } from '../support/proc.js';
import { programRunDeltas } from './bpf-stats.js';
import { benchStamp } from './stamp.js';

const STATS = '/proc/sys/kernel/bpf_stats_enabled';
// the dump after a 300k-event scenario answers once the helper has drained and sent every record:
// on a loaded machine that takes longer than the agent's 5 s default
const DUMP_TIMEOUT_MS = 60_000;

interface ProgCost {
  scenario: string;
  program: string;
  runs: number;
  nsPerRun: number;
  recursionMisses: number;
}
interface Result {
  date: string;
  commit: string;
  dirty: boolean;
  kernel: string;
  cpus: number;
  programs: ProgCost[];
  throughput: {
    scenario: string;
    packets: number;
    kernelCount: number;
    delivered: number;
    undelivered: number;
    ringFull: number;
    seconds: number;
    eventsPerSecond: number;
  }[];
  paced: {
    targetEventsPerSecond: number;
    delivered: number;
    seconds: number;
    agentCpuPercent: number;
    helperCpuPercent: number;
    agentCpuUsPerEvent: number;
  };
  decoder: { records: number; seconds: number; recordsPerSecond: number };
}

function progDelta(scenario: string, a: CounterSnapshot, b: CounterSnapshot): ProgCost[] {
  return programRunDeltas(a, b).map(({ program, runs, runTimeNs: ns, recursionMisses }) => ({
    scenario,
    program,
    runs,
    nsPerRun: runs > 0 ? Math.round(ns / runs) : 0,
    recursionMisses,
  }));
}

async function floodScenario(
  scenario: string,
  h: Harness,
  ns: string,
  inode: number,
  packets: number,
): Promise<{ costs: ProgCost[]; row: Result['throughput'][number] }> {
  h.events.length = 0;
  let first = 0;
  let last = 0;
  const onEvent = (): void => {
    const t = performance.now();
    if (first === 0) first = t;
    last = t;
  };
  h.client.on('event', onEvent);
  const a = await h.client.dumpCounters();
  const t0 = performance.now();
  const r = await udpFlood(ns, '127.0.0.1', 9999, packets, 60);
  await sleep(300);
  const b = await h.client.dumpCounters();
  const t1 = performance.now();
  h.client.off('event', onEvent);
  const delivered = h.events.filter((e) => e.netnsInode === inode).length;
  const count = (d: CounterSnapshot): number =>
    d.events.filter((c) => c.netnsInode === inode && c.key === 'NETFILTER_DROP').reduce((x, c) => x + c.count, 0);
  const und = (d: CounterSnapshot): number =>
    d.undelivered.filter((u) => u.netnsInode === inode).reduce((x, u) => x + u.count, 0);
  const ringFull = (d: CounterSnapshot): number =>
    d.undelivered.filter((u) => u.netnsInode === inode && u.cause === 'ring_full').reduce((x, u) => x + u.count, 0);
  // events/s only means something when the stream was long enough to be limited by the path
  const seconds = delivered >= 1000 ? (last - first) / 1000 : (t1 - t0) / 1000;
  return {
    costs: progDelta(scenario, a, b),
    row: {
      scenario,
      packets: r.failed,
      kernelCount: count(b) - count(a),
      delivered,
      undelivered: und(b) - und(a),
      ringFull: ringFull(b) - ringFull(a),
      seconds: Number(seconds.toFixed(3)),
      eventsPerSecond: delivered >= 1000 && seconds > 0 ? Math.round(delivered / seconds) : 0,
    },
  };
}

function decoderBench(n: number): Result['decoder'] {
  const rec = Buffer.alloc(80);
  rec.writeUInt16LE(RECORD_MAGIC, 0);
  rec[2] = 2;
  rec[3] = 1;
  rec.writeUInt32LE(80, 4);
  rec[60] = 4;
  rec[61] = 17;
  rec.writeUInt32LE(12, 72);
  const chunk = Buffer.concat(Array.from({ length: 8192 }, () => rec)); // ~640 KiB, like a pipe read burst
  const t0 = performance.now();
  let got = 0;
  for (let i = 0; i < Math.ceil(n / 8192); i++) got += decodeRecords(chunk).records.length;
  const s = (performance.now() - t0) / 1000;
  return { records: got, seconds: Number(s.toFixed(3)), recordsPerSecond: Math.round(got / s) };
}

function markdown(r: Result): string {
  const l: string[] = [];
  l.push('# Native event path benchmark (bpf-events)', '');
  l.push(
    `${r.date}, commit ${r.commit}${r.dirty ? ' (with uncommitted changes)' : ''}, kernel ${r.kernel}, ${r.cpus} CPUs. Per-program cost from \`kernel.bpf_stats_enabled=1\` (run_time_ns / run_cnt, deltas over each scenario; runs include the host's own events during the run).`,
  );
  l.push('Anchor: ebpf_exporter measured +35 to +96 ns per event for a tracepoint with a map update.', '');
  l.push(
    '## Per-program cost',
    '',
    '| scenario | program | runs | ns/run | recursion misses |',
    '|---|---|---:|---:|---:|',
  );
  for (const p of r.programs)
    l.push(`| ${p.scenario} | ${p.program} | ${p.runs} | ${p.nsPerRun} | ${p.recursionMisses} |`);
  l.push(
    '',
    '## Throughput (helper → pipe → Node decode)',
    '',
    '| scenario | packets dropped | in-kernel count | delivered | undelivered | of which ring full | seconds | events/s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const t of r.throughput)
    l.push(
      `| ${t.scenario} | ${t.packets} | ${t.kernelCount} | ${t.delivered} | ${t.undelivered} | ${t.ringFull} | ${t.seconds} | ${t.eventsPerSecond || '—'} |`,
    );
  l.push(
    '',
    "seconds = first to last event received in Node when ≥ 1000 events were delivered, else the scenario's wall time.",
  );
  l.push('', '## CPU at a paced event rate', '');
  l.push(
    `In-kernel limiter at ${r.paced.targetEventsPerSecond} events/s under a drop flood: ${r.paced.delivered} events in ${r.paced.seconds} s; agent (Node, decode + typed events) ${r.paced.agentCpuPercent}% of one CPU (${r.paced.agentCpuUsPerEvent} µs/event), helper ${r.paced.helperCpuPercent}% (from /proc/<pid>/stat, 10 ms ticks).`,
  );
  l.push(
    '',
    '## Pure decoder',
    '',
    `${r.decoder.records} packet_drop records decoded in ${r.decoder.seconds} s = ${r.decoder.recordsPerSecond} records/s.`,
    '',
  );
  return l.join('\n');
}

export async function runBpfEventsBench(): Promise<Result> {
  await ensureHelperBuilt();
  const prevStats = (await readFile(STATS, 'utf8')).trim();
  const pairTag = 'benchr';
  const cpus = (await readFile('/proc/cpuinfo', 'utf8')).split('\n').filter((x) => x.startsWith('processor')).length;
  const kernel = (await readFile('/proc/sys/kernel/osrelease', 'utf8')).trim();
  const result: Result = {
    ...(await benchStamp()),
    kernel,
    cpus,
    programs: [],
    throughput: [],
    paced: {
      targetEventsPerSecond: 10_000,
      delivered: 0,
      seconds: 0,
      agentCpuPercent: 0,
      helperCpuPercent: 0,
      agentCpuUsPerEvent: 0,
    },
    decoder: { records: 0, seconds: 0, recordsPerSecond: 0 },
  };
  await writeFile(STATS, '1');
  try {
    const { ns, inode } = await makeSingle('bench');
    await inNs(ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1');
    await inNs(
      ns,
      'nft',
      'add table inet ksotel; add chain inet ksotel out { type filter hook output priority 0; }; add rule inet ksotel out udp dport 9999 drop',
    );

    // 1. count only: the kernel keeps exact counts, nothing goes to user space
    let h = await startClient({
      dumpTimeoutMs: DUMP_TIMEOUT_MS,
      probes: { packetloss: { countOnlyReasons: ['NETFILTER_DROP', 'NOT_SPECIFIED'] } },
    });
    let s = await floodScenario('packetloss, count only', h, ns, inode, 300_000);
    result.programs.push(...s.costs);
    result.throughput.push(s.row);
    await h.client.stop();

    // 2. every event emitted (no limit), 16 MiB ring
    h = await startClient({
      dumpTimeoutMs: DUMP_TIMEOUT_MS,
      probes: { packetloss: { netnsRatePerSecond: 'unlimited', globalRatePerSecond: 'unlimited', ringKiB: 16384 } },
    });
    s = await floodScenario('packetloss, every event to Node', h, ns, inode, 300_000);
    result.programs.push(...s.costs);
    result.throughput.push(s.row);
    await h.client.stop();

    // 3. default limits (200/s per namespace): the realistic flood case
    h = await startClient({
      dumpTimeoutMs: DUMP_TIMEOUT_MS,
      probes: { packetloss: {} },
    });
    s = await floodScenario('packetloss, default rate limits', h, ns, inode, 300_000);
    result.programs.push(...s.costs);
    result.throughput.push(s.row);
    await h.client.stop();

    // 4. paced at 10k events/s by the global limiter; CPU of agent and helper
    h = await startClient({
      dumpTimeoutMs: DUMP_TIMEOUT_MS,
      probes: { packetloss: { netnsRatePerSecond: 'unlimited', globalRatePerSecond: 10_000 } },
    });
    {
      h.events.length = 0;
      const helperPid = h.client.status().pid!;
      const hu0 = await procUsage(helperPid);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const r = await udpFlood(ns, '127.0.0.1', 9999, 1_000_000, 4);
      await h.client.dumpCounters();
      const secs = (performance.now() - t0) / 1000;
      const c1 = process.cpuUsage(c0);
      const hu1 = await procUsage(helperPid);
      const delivered = h.events.filter((e) => e.netnsInode === inode).length;
      const agentS = (c1.user + c1.system) / 1e6;
      result.paced = {
        targetEventsPerSecond: 10_000,
        delivered,
        seconds: Number(secs.toFixed(2)),
        agentCpuPercent: Number(((100 * agentS) / secs).toFixed(1)),
        helperCpuPercent: Number(((100 * (hu1.cpuSeconds - hu0.cpuSeconds)) / secs).toFixed(1)),
        agentCpuUsPerEvent: delivered > 0 ? Number(((agentS * 1e6) / delivered).toFixed(2)) : 0,
      };
      void r;
    }
    await h.client.stop();
    await deleteNs(nsName('bench'));

    // 5. resets: refused connects between two namespaces, every event delivered
    const p = await makePair(pairTag, 15, { ipv6: false });
    h = await startClient({
      dumpTimeoutMs: DUMP_TIMEOUT_MS,
      probes: { tcpreset: { netnsRatePerSecond: 'unlimited', globalRatePerSecond: 'unlimited' }, tcpretrans: {} },
    });
    {
      const a = await h.client.dumpCounters();
      await nodeIn(
        p.a,
        `
import net from 'node:net';
let left = 20000, inflight = 0;
const one = () => { inflight++; const s = net.connect({ host: '${p.b4}', port: 9 }); s.on('error', () => { inflight--; if (left-- > 0) one(); else if (inflight === 0) { console.log('{}'); process.exit(0); } }); };
for (let i = 0; i < 32; i++) { left--; one(); }
`,
        120_000,
      );
      await sleep(300);
      const b = await h.client.dumpCounters();
      result.programs.push(...progDelta('tcpreset, 20k refused connects', a, b));
    }
    await h.client.stop();
    await deleteNs(nsName(`${pairTag}-a`), nsName(`${pairTag}-b`));

    result.decoder = decoderBench(2_000_000);
  } finally {
    await writeFile(STATS, prevStats);
    await deleteNs(nsName('bench'), nsName(`${pairTag}-a`), nsName(`${pairTag}-b`));
  }
  const dir = path.join(ROOT, 'test', 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'bpf-events.json'), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(path.join(dir, 'bpf-events.md'), markdown(result));
  return result;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runBpfEventsBench().then(
    (r) => {
      process.stdout.write(markdown(r));
      process.exit(0);
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}

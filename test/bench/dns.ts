// Benchmark of the dns probe (real BPF on a veth between two test namespaces, as root): BPF ns per
// program run of ks_dns_tx / ks_dns_rx (kernel.bpf_stats_enabled, run_time_ns / run_cnt) for
//  - non-DNS packets: 64-byte UDP datagrams to port 9 (udpflood), the path every pod packet takes;
//  - DNS packets: well-formed A queries to port 53 answered by the test DNS server (one query and
//    one response per lookup: the parse, the pending insert, the match and the histogram);
// next to the floor: the same programs loaded with x_empty=1 (same tcx hook and dispatch, no work).
// Rounds pair on and floor (their order alternating round by round, so a drift in the machine's
// load falls on both); reported: medians, min–max spread and the per-round on/floor ratio.
// kernel.bpf_stats_enabled is restored afterwards.
// Writes test/bench/results/dns.{md,json}.
//
//   npx tsc -p tsconfig.json && node dist/test/bench/dns.js [rounds]
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

import { NativeEventSource } from '../../receiver/events/native-source.js';
import { parseFlowFrame } from '../../receiver/native/commands.js';
import { silentLogger } from '../../receiver/log.js';
import { helperProgramIds, median, runStats } from './bpf-stats.js';
import {
  deleteNs,
  ensureHelperBuilt,
  makePair,
  nodeIn,
  startNodeIn,
  stopBackground,
  udpFlood,
} from '../native/support.js';
import { dnsServer, rawClient } from '../support/dns-server.js';

const STATS = '/proc/sys/kernel/bpf_stats_enabled';
const ROUNDS = Number(process.argv[2] ?? 7);
const PACKETS = 200_000;
const LOOKUPS = 20_000;
const here = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(here, '..', '..', '..', 'test', 'bench', 'results');

async function main(): Promise<void> {
  await ensureHelperBuilt();
  const statsBefore = (await readFile(STATS, 'utf8')).trim();
  const p = await makePair('bdns', 232, { ipv6: false });
  const native = new NativeEventSource({
    probes: {},
    emitEventsOf: new Set(),
    log: silentLogger,
    helperCommands: true,
  });
  await native.start();
  const server = await startNodeIn(p.b, dnsServer([p.b4]));
  const names = Array.from({ length: LOOKUPS }, (_, i) => `q${i}.bench.test`);
  const namesFile = `/tmp/ksotel-bdns-${process.pid}.json`;
  await writeFile(namesFile, JSON.stringify(names));
  const call = (args: string[]): Promise<Record<string, unknown>> => native.helperCommand('dns', args);
  const devA = `k${process.pid.toString(36)}n232a`;
  const attach = async (extra: string[]): Promise<void> => {
    await call(['unload']);
    const l = parseFlowFrame(await call(['load', ...extra]));
    if (!l.ok) throw new Error(l.error);
    // the client's end only: there every DNS packet is a query leaving (tx) or an answer arriving (rx)
    const f = parseFlowFrame(await call(['attach', `${p.aInode}:/run/netns/${p.a}:${devA}`]));
    if (!f.ok || f.targets.some((t) => !t.ok)) throw new Error(`attach: ${JSON.stringify(f)}`);
  };
  const rows: { traffic: string; mode: string; round: number; nsPerRun: number; runs: number; rate: number }[] = [];
  try {
    await writeFile(STATS, '1');
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of round % 2 === 0 ? (['on', 'floor'] as const) : (['floor', 'on'] as const)) {
        await attach(mode === 'floor' ? ['x_empty=1'] : []);
        const ids = await helperProgramIds(native.helperStatus().pid!, ['ks_dns_rx', 'ks_dns_tx']);
        for (const traffic of ['non-dns', 'dns'] as const) {
          const s0 = await runStats(ids);
          let rate: number;
          if (traffic === 'non-dns') {
            const r = await udpFlood(p.a, p.b4, 9, PACKETS, 30, 64);
            rate = Math.round(r.sent / r.seconds);
          } else {
            const t0 = Date.now();
            const r = (await nodeIn(p.a, rawClient(p.b4, namesFile, 1, 2000, 16), 120_000)) as { done: number };
            rate = Math.round(r.done / ((Date.now() - t0) / 1000));
          }
          const s1 = await runStats(ids);
          const runs = s1.runs - s0.runs;
          rows.push({
            traffic,
            mode,
            round,
            nsPerRun: runs > 0 ? Math.round((s1.ns - s0.ns) / runs) : 0,
            runs,
            rate,
          });
        }
        // the pending map must be empty again: every query matched (nothing leaks between rounds)
        if (mode === 'on') {
          const d = await call(['dump', 'timeout_ms=60000']);
          if (d.pending !== 0) throw new Error(`pending queries after a round: ${String(d.pending)}`);
        }
      }
    }
    await writeFile(STATS, statsBefore);
    const of = (traffic: string, mode: string): number[] =>
      rows.filter((r) => r.traffic === traffic && r.mode === mode).map((r) => r.nsPerRun);
    const sel = (traffic: string, mode: string): number => median(of(traffic, mode));
    const spread = (xs: number[]): [number, number] => [Math.min(...xs), Math.max(...xs)];
    /** per round: on / floor of the same traffic (a pair measured minutes apart at most) */
    const pairs = (traffic: string): number[] =>
      Array.from({ length: ROUNDS }, (_, i) => {
        const on = rows.find((r) => r.round === i && r.traffic === traffic && r.mode === 'on')!.nsPerRun;
        const fl = rows.find((r) => r.round === i && r.traffic === traffic && r.mode === 'floor')!.nsPerRun;
        return fl > 0 ? Math.round((on / fl) * 100) / 100 : 0;
      });
    const summary = {
      date: new Date().toISOString(),
      kernel: os.release(),
      cpus: os.cpus().length,
      load: os.loadavg(),
      rounds: ROUNDS,
      packetsPerRound: PACKETS,
      lookupsPerRound: LOOKUPS,
      nonDnsNsOn: sel('non-dns', 'on'),
      nonDnsNsFloor: sel('non-dns', 'floor'),
      dnsNsOn: sel('dns', 'on'),
      dnsNsFloor: sel('dns', 'floor'),
      nonDnsNsOnSpread: spread(of('non-dns', 'on')),
      nonDnsNsFloorSpread: spread(of('non-dns', 'floor')),
      dnsNsOnSpread: spread(of('dns', 'on')),
      dnsNsFloorSpread: spread(of('dns', 'floor')),
      nonDnsPairedRatios: pairs('non-dns'),
      nonDnsPairedRatioMedian: median(pairs('non-dns')),
      dnsPairedRatios: pairs('dns'),
      dnsPairedRatioMedian: median(pairs('dns')),
      rows,
    };
    const ratio = (a: number, b: number): string => (b > 0 ? (a / b).toFixed(2) : 'n/a');
    await mkdir(OUT, { recursive: true });
    await writeFile(path.join(OUT, 'dns.json'), `${JSON.stringify(summary, null, 2)}\n`);
    const md = `# dns probe benchmark

${summary.date}, Linux ${summary.kernel}, ${summary.cpus} CPUs, load average ${summary.load.map((x) => x.toFixed(1)).join(' ')}.
\`node dist/test/bench/dns.js ${ROUNDS}\`: a veth between two test namespaces, the dns programs (tcx) on the client's end;
per round ${PACKETS} UDP datagrams of 64 B to port 9 (non-DNS: udpflood) and ${LOOKUPS} A lookups to the test DNS
server (DNS: 16 at a time, each a query and its answer), rounds pairing on and floor in alternating order (floor = the same programs
loaded with \`x_empty=1\`: same hook and dispatch, no work). BPF time from kernel.bpf_stats_enabled (run_time_ns /
run_cnt over ks_dns_rx and ks_dns_tx: a query runs tx as it leaves, its answer rx as it arrives).

| ns per program run, median (min–max) of ${ROUNDS} rounds | probe on | floor (empty) | on / floor (medians) | on / floor paired per round, median (min–max) |
|---|---:|---:|---:|---:|
| non-DNS packet | ${summary.nonDnsNsOn} (${summary.nonDnsNsOnSpread.join('–')}) | ${summary.nonDnsNsFloor} (${summary.nonDnsNsFloorSpread.join('–')}) | ${ratio(summary.nonDnsNsOn, summary.nonDnsNsFloor)} | ${summary.nonDnsPairedRatioMedian.toFixed(2)} (${spread(
      summary.nonDnsPairedRatios,
    )
      .map((x) => x.toFixed(2))
      .join('–')}) |
| DNS packet (query or response) | ${summary.dnsNsOn} (${summary.dnsNsOnSpread.join('–')}) | ${summary.dnsNsFloor} (${summary.dnsNsFloorSpread.join('–')}) | ${ratio(summary.dnsNsOn, summary.dnsNsFloor)} | ${summary.dnsPairedRatioMedian.toFixed(2)} (${spread(
      summary.dnsPairedRatios,
    )
      .map((x) => x.toFixed(2))
      .join('–')}) |

| round | traffic | mode | runs | ns/run | datagrams/s or lookups/s |
|---:|---|---|---:|---:|---:|
${rows.map((r) => `| ${r.round} | ${r.traffic} | ${r.mode} | ${r.runs} | ${r.nsPerRun} | ${r.rate} |`).join('\n')}
`;
    await writeFile(path.join(OUT, 'dns.md'), md);
    process.stdout.write(md);
  } finally {
    await writeFile(STATS, statsBefore).catch(() => undefined);
    await stopBackground(server);
    await native.stop();
    await deleteNs(p.a, p.b).catch(() => undefined);
    await import('node:fs/promises').then((f) => f.rm(namesFile, { force: true }));
  }
}

await main();

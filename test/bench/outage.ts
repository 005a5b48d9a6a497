// A long collector outage under a flood: the real agent (its CLI, the retry buffer bounded at
// --buffer-mib) exports to the test OTLP receiver; the receiver goes away for --outage-s seconds while
// a bounded flood of refused connects in a test namespace makes tcpreset events; then it comes back.
// Measured: the agent's RSS every second (idle with the backend up, during a flood with the backend
// up, and during the outage), what the buffer held, and the exact accounting of the namespace's
// events: counted in the kernel = delivered (by content, each once) + lost, and the agent's drop
// counters against what was lost. The agent observes every namespace on the node: its drop counters
// also cover other namespaces' events (other tests on a shared machine), reported as such.
// Needs root and the BPF helper. Writes test/bench/results/<out>.json and .md.
//   npm run build && node dist/test/bench/outage.js [--outage-s 600] [--per-second 500] [--buffer-mib 8] [--out outage]
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupAll, createNetns } from '../support/netns.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { startAgentProcess, waitForProbesRunning, type AgentProcess } from '../support/agent.js';
import { procUsage, sleep, waitUntil } from '../support/proc.js';
import { MiB, refusedConnects, scrape, status, sum, tempDir } from '../faults/support.js';
import { benchStamp, spread } from './stamp.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.resolve(here, '../../../test/bench/results');

interface Args {
  outageS: number;
  perSecond: number;
  bufferMiB: number;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { outageS: 600, perSecond: 500, bufferMiB: 8, out: 'outage' };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    const n = Number(v);
    if (argv[i] === '--outage-s' && n > 0 && n <= 840) a.outageS = n;
    else if (argv[i] === '--per-second' && n > 0 && n <= 3000) a.perSecond = n;
    else if (argv[i] === '--buffer-mib' && n > 0 && n <= 256) a.bufferMiB = n;
    else if (argv[i] === '--out' && v && /^[a-z0-9-]+$/.test(v)) a.out = v;
    else
      throw new Error(
        `outage bench: bad argument ${argv[i]} ${v ?? ''} (--outage-s 1..840, --per-second 1..3000, --buffer-mib 1..256, --out NAME)`,
      );
    i++;
  }
  return a;
}

interface Sample {
  t: number; // s since the agent was up
  phase: string;
  rssMiB: number;
  buffered: number;
  dropped: number;
}

/** The tcpreset records of one namespace at a receiver, by content (kernel time and attributes). */
function resetsByContent(rx: OtlpReceiver, inode: number, into: Map<string, number>): void {
  for (const l of rx.logs()) {
    if (l.eventName !== 'kubeskoop.tcp.reset' || l.resource['kubeskoop.netns.inode'] !== inode) continue;
    const key = `${l.timeUnixNano} ${JSON.stringify(Object.entries(l.attributes).sort())}`;
    into.set(key, (into.get(key) ?? 0) + 1);
  }
}

/** A read of the agent's HTTP endpoints, tried again on a dropped connection (a keep-alive socket the
 *  server closed as the request went out), up to 5 times. */
async function again<T>(f: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await f();
    } catch (err) {
      if (i >= 5) throw err;
      await sleep(200);
    }
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const stamp = await benchStamp(); // the code that runs: taken at the start
  const dir = tempDir('bench-outage');
  let agent: AgentProcess | undefined;
  let rx: OtlpReceiver | undefined;
  let sampler: NodeJS.Timeout | undefined;
  try {
    const ns = await createNetns({ label: 'h20b-outage' });
    rx = await startOtlpReceiver({ http: false });
    const grpcPort = rx.grpcPort;
    const config = dir.file(
      'config.yaml',
      `interval: 1s
metrics:
  probes: [netdev]
events:
  probes:
    - name: tcpreset
      options: { rate_per_namespace: unlimited, rate_per_node: unlimited }
otlp:
  endpoint: ${rx.grpcEndpoint}
  export_interval: 1s
  retry: { initial_interval: 250ms, max_interval: 5s }
  buffer: { max_mib: ${args.bufferMiB}, max_records: 10000000 }
`,
    );
    agent = await startAgentProcess({ args: ['-c', config] });
    const a = agent;
    await waitForProbesRunning(a, ['tcpreset']);
    await rx.waitForMetric('kubeskoop.agent.cycle.duration', undefined, 30_000);
    const t0 = Date.now();
    const samples: Sample[] = [];
    let phase = 'idle';
    let busy = false;
    sampler = setInterval(() => {
      if (busy) return;
      busy = true;
      Promise.all([procUsage(a.pid), again(() => status(a))])
        .then(([u, s]) => {
          const d = s.exports!.logs.dropped;
          samples.push({
            t: Math.round((Date.now() - t0) / 100) / 10,
            phase,
            rssMiB: Math.round((u.rssBytes / MiB) * 10) / 10,
            buffered: s.exports!.logs.buffered,
            dropped: d.queue_full + d.buffer_full + d.export_failed + d.shutdown,
          });
        })
        .catch(() => undefined)
        .finally(() => {
          busy = false;
        });
    }, 1000);
    const inPhase = (p: string): Sample[] => samples.filter((s) => s.phase === p);
    const resetTotals = async (): Promise<{ mine: number; all: number }> => {
      const m = (await again(() => scrape(a))).samples;
      return {
        mine: sum(m, 'kubeskoop_tcp_reset_segments_total', { kubeskoop_netns_inode: String(ns.inode) }),
        all: sum(m, 'kubeskoop_tcp_reset_segments_total'),
      };
    };

    // 1. Idle with the backend up (warm: a few exports done).
    // (Shorter when the outage is: a quick trial run.)
    const idleS = Math.min(30, args.outageS);
    const floodUpS = Math.min(60, args.outageS);
    process.stderr.write(`outage: idle ${idleS} s\n`);
    await sleep(idleS * 1000);
    // 2. The same flood with the backend up for 60 s: the RSS a flood costs without an outage.
    phase = 'flood-up';
    process.stderr.write(`outage: flood ${args.perSecond}/s with the backend up, ${floodUpS} s\n`);
    await refusedConnects(ns.name, {
      count: args.perSecond * floodUpS,
      perSecond: args.perSecond,
      maxMs: floodUpS * 1000,
    }).done;
    phase = 'drain-up';
    await sleep(10_000);
    const delivered = new Map<string, number>();
    resetsByContent(rx, ns.inode, delivered);
    const receivedBefore = rx.logs().length; // every log record of every namespace
    rx.clear(); // the receiver keeps every request: keep only what is counted
    const before = await resetTotals();
    const st0 = (await again(() => status(a))).exports!.logs;
    const droppedAtStart = Object.values(st0.dropped).reduce((x, y) => x + y, 0);

    // 3. The outage under the flood.
    await rx.close();
    rx = undefined;
    phase = 'outage';
    const downAt = Date.now();
    process.stderr.write(`outage: receiver down for ${args.outageS} s, flood ${args.perSecond}/s\n`);
    const flood = await refusedConnects(ns.name, {
      count: args.perSecond * (args.outageS - 5),
      perSecond: args.perSecond,
      maxMs: (args.outageS - 5) * 1000,
    }).done;
    await sleep(Math.max(0, downAt + args.outageS * 1000 - Date.now()));
    const held = (await again(() => status(a))).exports!.logs;
    rx = await startOtlpReceiver({ http: false, grpcPort });
    const r = rx;
    const upAt = Date.now();
    phase = 'after';
    process.stderr.write('outage: receiver back, waiting for the buffer to drain\n');

    // 4. Settle: the buffer sent again and empty (what it held may be other namespaces' newer events:
    // oldest first), every event of the namespace delivered or lost.
    let last = '';
    const settled = await waitUntil(
      async () => {
        const totals = await resetTotals();
        const st = (await again(() => status(a))).exports!.logs;
        const seen = new Map(delivered);
        resetsByContent(r, ns.inode, seen);
        const copies = [...seen.values()].reduce((x, y) => x + y, 0);
        last = `counted ${totals.mine}, delivered ${seen.size}, buffered ${st.buffered}`;
        const m = (await again(() => scrape(a))).samples;
        const undelivered = sum(m, 'kubeskoop_event_undelivered_total', {
          kubeskoop_netns_inode: String(ns.inode),
          kubeskoop_probe_name: 'tcpreset',
        });
        return st.buffered === 0 &&
          undelivered === 0 &&
          st.consecutiveFailures === 0 &&
          st.exportedRecords > held.exportedRecords
          ? { totals, st, seen: seen.size, copies, received: receivedBefore + r.logs().length }
          : undefined;
      },
      300_000,
      'the buffer drained after the outage',
      1000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}: ${last}`);
    });
    const drainedMs = Date.now() - upAt;
    clearInterval(sampler);
    sampler = undefined;

    const counted = settled.totals.mine;
    const deliveredN = settled.seen;
    const lost = counted - deliveredN;
    const d = settled.st.dropped;
    const droppedInRun = d.queue_full + d.buffer_full + d.export_failed + d.shutdown - droppedAtStart;
    const others = settled.totals.all - counted - (before.all - before.mine);
    const rss = (p: string[]): ReturnType<typeof spread> =>
      spread(samples.filter((s) => p.includes(s.phase)).map((s) => s.rssMiB));
    const idle = rss(['idle']);
    const floodUp = rss(['flood-up', 'drain-up']);
    const outage = rss(['outage']);
    const peakBuffered = Math.max(0, ...inPhase('outage').map((s) => s.buffered));
    const result = {
      ...stamp,
      machine: { cpus: cpus().length, memMiB: Math.round(totalmem() / MiB), kernel: release(), loadavg: loadavg() },
      config: { bufferMiB: args.bufferMiB, outageS: args.outageS, connectsPerSecond: args.perSecond },
      outage: {
        receiverDownMs: upAt - downAt,
        connects: flood,
        heldAtEnd: { buffered: held.buffered, dropped: held.dropped },
        peakBufferedRecords: peakBuffered,
      },
      accounting: {
        countedInKernel: counted,
        delivered: deliveredN,
        deliveredCopies: settled.copies,
        lost,
        droppedByAgentDuringRun: droppedInRun,
        droppedByCause: d,
        otherNamespacesResetsDuringRun: others,
        exact: droppedInRun === lost,
        withinOthers: droppedInRun >= lost && droppedInRun <= lost + others,
        // Every namespace: the records the receiver got against the agent's count of records delivered.
        receivedAllNamespaces: settled.received,
        agentExportedRecords: settled.st.exportedRecords,
      },
      rssMiB: {
        idle,
        floodBackendUp: floodUp,
        outage,
        peakOutage: outage.max,
        peakMinusIdle: Math.round((outage.max - idle.median) * 10) / 10,
        fixedOverheadBeyondBuffer: Math.round((outage.max - idle.median - args.bufferMiB) * 10) / 10,
      },
      drainedMsAfterReturn: drainedMs,
      samples,
    };
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(path.join(RESULTS, `${args.out}.json`), JSON.stringify(result, null, 2) + '\n');
    const f = (s: { median: number; max: number }): string => `median ${s.median}, max ${s.max}`;
    const md = `# Collector outage under a flood (\`npm run bench outage\`)

${result.date}, commit ${result.commit}${result.dirty ? ' (with local changes)' : ''}; ${result.machine.cpus} CPUs, load ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}, kernel ${result.machine.kernel}.

The agent (CLI, tcpreset events unlimited, retry buffer \`max_mib: ${args.bufferMiB}\`) exporting over gRPC
to the test OTLP receiver; refused connects in a test namespace, ${args.perSecond}/s (two resets each).
The receiver was gone for ${(upAt - downAt) / 1000} s under the flood (${flood.refused} refused connects in ${flood.ms} ms).

| | |
|---|---|
| resets counted in the kernel (the namespace, whole run) | ${counted} |
| delivered (by content, each once: ${settled.copies} records) | ${deliveredN} |
| lost (counted − delivered) | ${lost} |
| dropped by the agent during the run (all namespaces) | ${droppedInRun} (${JSON.stringify(d)}) |
| other namespaces' resets during the run (of namespaces still alive at the end) | ${others} |
| every namespace: log records the receiver got / the agent counts as delivered | ${settled.received} / ${settled.st.exportedRecords} |
| counted = delivered + dropped exactly | ${result.accounting.exact ? 'yes' : `no: dropped − lost = ${droppedInRun - lost} (≤ other namespaces' ${others}: ${result.accounting.withinOthers ? 'yes' : 'no'})`} |
| buffer at the end of the outage | ${held.buffered} records (peak ${peakBuffered}) |
| RSS idle, backend up (MiB) | ${f(idle)} |
| RSS under the flood, backend up (MiB) | ${f(floodUp)} |
| RSS during the outage (MiB) | ${f(outage)} |
| peak during the outage − idle median | ${result.rssMiB.peakMinusIdle} MiB (buffer ${args.bufferMiB} MiB + ${result.rssMiB.fixedOverheadBeyondBuffer} MiB) |
| buffer drained after the receiver returned | ${(drainedMs / 1000).toFixed(1)} s |

RSS sampled every second (${samples.length} samples; all in ${args.out}.json).
`;
    writeFileSync(path.join(RESULTS, `${args.out}.md`), md);
    process.stdout.write(md);
  } finally {
    if (sampler) clearInterval(sampler);
    await agent?.stop();
    await rx?.close();
    await cleanupAll();
    dir.dispose();
  }
}

await main();

// Cost of the connections probe per TCP connect, from bpf_stats (kernel.bpf_stats_enabled=1 for
// the run, restored afterwards), next to its floor: one empty program on each of the probe's hooks,
// of the same kind (bpf/tools/connections-floor.bpf.c, loaded by ksotel-bpfattach as the latency
// probes' floor is). Each round runs both sides in turn (order alternating by round), each side
// the same traffic in a test namespace: 2000 loopback connects that succeed (each accepted and
// closed) and 500 to a closed port, bounded in time; run_time_ns and run_cnt of every program
// between two reads. Per round the probe is paired with the floor of that round: ns per run of
// each program and ns per connect, their ratio; median and range over the rounds.
// The hooks are node-wide, so both sides' runs include whatever else the node does meanwhile
// (other TCP state changes and connect() calls); the runs per connect of each side show how much.
//   npm run build && make -C bpf && node dist/test/bench/connections.js [rounds, at least 7]
// Writes test/bench/results/connections.json and connections.md. Needs root.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { cleanupAll, createNetns } from '../support/netns.js';
import { runOk } from '../support/proc.js';
import { ROOT, startClient } from '../native/support.js';
import { programRunDeltas, progStats, startFloor } from './bpf-stats.js';
import { benchStamp, spread, type Spread } from './stamp.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.resolve(here, '..', '..', '..', 'test', 'bench', 'results');
const STATS = '/proc/sys/kernel/bpf_stats_enabled';
const FLOOR_OBJ = path.join(ROOT, 'bpf', 'build', 'connections-floor.bpf.o');
const ROUNDS = Math.max(7, Number(process.argv[2] ?? 7));
const OK = 2000;
const REFUSED = 500;

/** the probe's programs and hooks, from its descriptor; the floor's program is floor_<tracepoint> */
const PROGRAMS = [
  ...readFileSync(path.join(ROOT, 'bpf', 'probes', 'connections.yaml'), 'utf8').matchAll(
    /\{ program: (\w+), hook: ([\w/]+) \}/g,
  ),
].map((m) => ({ program: m[1]!, hook: m[2]!, floor: `floor_${m[2]!.split('/').pop()!}` }));

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

type Side = 'on' | 'floor';
interface Run {
  runs: number;
  ns: number;
}
interface SideRound {
  connects: number;
  /** by probe program (the floor's program on the same hook is filed under the probe's name) */
  programs: Record<string, Run>;
}

async function connect(ns: string): Promise<number> {
  const out = await runOk('ip', ['netns', 'exec', ns, 'python3', '-c', traffic(OK, REFUSED)], { timeoutMs: 90_000 });
  const [ok, refused] = out.stdout.trim().split(/\s+/).map(Number) as [number, number];
  if (ok !== OK || refused !== REFUSED) throw new Error(`traffic: ${ok} ok, ${refused} refused (time bound hit)`);
  return ok + refused;
}

async function onSide(ns: string): Promise<SideRound> {
  const h = await startClient({ probes: { connections: {} } });
  try {
    if (h.client.status().probes.connections.state !== 'running')
      throw new Error(h.client.status().probes.connections.reason);
    const a = await h.client.dumpCounters();
    const connects = await connect(ns);
    const b = await h.client.dumpCounters();
    const programs: Record<string, Run> = {};
    for (const d of programRunDeltas(a, b).filter((x) => x.probe === 'connections'))
      programs[d.program] = { runs: d.runs, ns: d.runTimeNs };
    return { connects, programs };
  } finally {
    await h.client.stop();
  }
}

async function floorSide(ns: string): Promise<SideRound> {
  const f = await startFloor(
    FLOOR_OBJ,
    PROGRAMS.map((p) => p.floor),
  );
  try {
    if (f.ids.length !== PROGRAMS.length) throw new Error(`floor: ${f.ids.length} of ${PROGRAMS.length} programs`);
    const ids = f.ids.map((x) => x.id);
    const a = await progStats(ids);
    const connects = await connect(ns);
    const b = await progStats(ids);
    const programs: Record<string, Run> = {};
    for (const p of PROGRAMS) {
      const id = f.ids.find((x) => x.name === p.floor)!.id;
      programs[p.program] = {
        runs: b.get(id)!.runCount - a.get(id)!.runCount,
        ns: b.get(id)!.runTimeNs - a.get(id)!.runTimeNs,
      };
    }
    return { connects, programs };
  } finally {
    await f.stop();
  }
}

const perRun = (r: Run | undefined): number => (r && r.runs > 0 ? r.ns / r.runs : 0);
const total = (s: SideRound): Run =>
  Object.values(s.programs).reduce((x, r) => ({ runs: x.runs + r.runs, ns: x.ns + r.ns }), { runs: 0, ns: 0 });
const f0 = (x: number): string => x.toFixed(0);
const f2 = (x: number): string => x.toFixed(2);
const range = (s: Spread, f: (x: number) => string): string => `${f(s.median)} (${f(s.min)}–${f(s.max)})`;

async function main(): Promise<void> {
  if (!existsSync(FLOOR_OBJ)) throw new Error(`${FLOOR_OBJ} missing: make -C bpf`);
  const previous = existsSync(path.join(RESULTS, 'connections.json'))
    ? (JSON.parse(readFileSync(path.join(RESULTS, 'connections.json'), 'utf8')) as Record<string, unknown>)
    : undefined;
  const stamp = await benchStamp();
  const old = readFileSync(STATS, 'utf8').trim();
  writeFileSync(STATS, '1');
  const ns = await createNetns({ label: 'h18bench' });
  const rounds: { on: SideRound; floor: SideRound; load: number }[] = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const order: Side[] = i % 2 === 0 ? ['on', 'floor'] : ['floor', 'on'];
      const r: Partial<Record<Side, SideRound>> = {};
      for (const side of order) r[side] = side === 'on' ? await onSide(ns.name) : await floorSide(ns.name);
      rounds.push({ on: r.on!, floor: r.floor!, load: loadavg()[0]! });
      process.stderr.write(`round ${i + 1}/${ROUNDS} done\n`);
    }
  } finally {
    await cleanupAll();
    writeFileSync(STATS, old);
  }

  const programs = PROGRAMS.map((p) => {
    const on = rounds.map((r) => perRun(r.on.programs[p.program]));
    const fl = rounds.map((r) => perRun(r.floor.programs[p.program]));
    const ran = rounds.filter(
      (r) => (r.on.programs[p.program]?.runs ?? 0) > 0 && r.floor.programs[p.program]!.runs > 0,
    );
    return {
      program: p.program,
      hook: p.hook,
      runsPerConnectOn: spread(rounds.map((r) => (r.on.programs[p.program]?.runs ?? 0) / r.on.connects)),
      runsPerConnectFloor: spread(rounds.map((r) => r.floor.programs[p.program]!.runs / r.floor.connects)),
      nsPerRunOn: spread(on),
      nsPerRunFloor: spread(fl),
      /** per round: probe ÷ floor of that round (rounds where both ran) */
      ratio: ran.length
        ? spread(ran.map((r) => perRun(r.on.programs[p.program]) / perRun(r.floor.programs[p.program])))
        : undefined,
    };
  });
  const perConnect = (s: SideRound): number => total(s).ns / s.connects;
  const result = {
    ...stamp,
    kernel: release(),
    cpus: cpus().length,
    rounds: ROUNDS,
    connectsPerSide: { ok: OK, refused: REFUSED },
    loadAverage: spread(rounds.map((r) => r.load)),
    programs,
    nsPerConnectOn: spread(rounds.map((r) => perConnect(r.on))),
    nsPerConnectFloor: spread(rounds.map((r) => perConnect(r.floor))),
    ratioPerConnect: spread(rounds.map((r) => perConnect(r.on) / perConnect(r.floor))),
    runsPerConnectOn: spread(rounds.map((r) => total(r.on).runs / r.on.connects)),
    runsPerConnectFloor: spread(rounds.map((r) => total(r.floor).runs / r.floor.connects)),
    /** median ns per connect of the probe as shipped (the figure docs quote) */
    nsPerConnect: Math.round(spread(rounds.map((r) => perConnect(r.on))).median),
    perRound: rounds,
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, 'connections.json'), `${JSON.stringify(result, null, 2)}\n`);
  const prev = previous?.nsPerConnect;
  const md = [
    '# connections: BPF cost per TCP connect, next to empty programs on the same hooks',
    '',
    `${result.date}, commit ${result.commit.slice(0, 12)}${result.dirty ? ' (with uncommitted changes)' : ''}, kernel ${result.kernel},` +
      ` ${result.cpus} CPUs, load average ${range(result.loadAverage, f2)} over the rounds.` +
      ` \`node dist/test/bench/connections.js\`: ${ROUNDS} rounds, each running the probe ("on") and its floor` +
      ' (one empty program on each of its hooks, of the same kind: bpf/tools/connections-floor.bpf.c) in turn, order' +
      ` alternating by round; each side ${OK} loopback connects (accepted and closed) and ${REFUSED} refused ones in a test` +
      ' namespace; bpf_stats (run_time_ns / run_cnt) of every program between two reads. Ratios are paired by round' +
      ' (the probe ÷ the floor of the same round); median (min–max) over the rounds. The hooks are node-wide: both' +
      " sides' runs include every other TCP state change and connect() of the node meanwhile (runs per connect shows" +
      ' how many).',
    '',
    '| program | hook | runs per connect, on / floor | ns per run, on | ns per run, floor | on ÷ floor per run |',
    '|---|---|---:|---:|---:|---:|',
    ...programs.map(
      (p) =>
        `| ${p.program} | ${p.hook} | ${f2(p.runsPerConnectOn.median)} / ${f2(p.runsPerConnectFloor.median)} |` +
        ` ${range(p.nsPerRunOn, f0)} | ${range(p.nsPerRunFloor, f0)} | ${p.ratio ? range(p.ratio, f2) : 'no runs'} |`,
    ),
    '',
    `All programs together, per connect: **${range(result.nsPerConnectOn, f0)} ns** on,` +
      ` ${range(result.nsPerConnectFloor, f0)} ns floor; on ÷ floor ${range(result.ratioPerConnect, f2)}` +
      ` (program runs per connect ${f2(result.runsPerConnectOn.median)} on, ${f2(result.runsPerConnectFloor.median)} floor).`,
    '',
    `Before (the previous results file, ${String(previous?.date ?? 'none')}): ${prev === undefined ? '?' : String(prev)} ns per connect.`,
    '',
  ].join('\n');
  writeFileSync(path.join(RESULTS, 'connections.md'), md);
  process.stdout.write(md);
}

await main();

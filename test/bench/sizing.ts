// Sizing measurements for docs/sizing.md, from real runs on this machine:
//   - series per target (pod, host) for the default probe set, counted in /metrics;
//   - OTLP bytes and data points per export per node (real OTLP/HTTP receiver, protobuf; sizes from
//     the Content-Length the exporter sent, cross-checked by re-encoding, plus the gzip size);
//   - the agent's CPU per collection cycle and its memory (RSS, peak RSS) at 10/110/250 test pods.
// Test pods are network namespaces made with test/support/netns.ts (lo + a veth to the host, an
// address in 10.199.0.0/16, a kept process), removed at the end even when a step fails.
//
//   npm run build && node dist/test/bench/sizing.js [--pods 10,110,250] [--interval 5] [--cycles 6]
//     [--node-options '--max-old-space-size=N'   (default: the chart's nodeOptions)]
//     [--protocol grpc|http/protobuf] [--compression gzip|none]   (default: the chart's otlp settings)
//     [--export both|otlp|scrape] [--out NAME  (test/bench/results/NAME.{json,md}; default sizing)]
//     [--agent-env K=V ...  (the agent's environment, e.g. MALLOC_ARENA_MAX=2: memory trials)]
//     [--agent-flags '--flag ...'  (node flags after the agent's own, e.g. --v8-pool-size=1)]
//     [--trial 'NAME K=V --flag …' …  (memory trials: each size is measured once per trial, on the same
//      pods, the agent with the trial's environment and flags added; @FILE runs that build of the
//      agent instead, e.g. @dist/receiver/cli/main.js, tsc's module tree; NAME alone is the plain run)]
//     [--heap-snapshot  (at the end of the largest size's runs: the agent's V8 heap snapshot, by constructor)]
//     [--heap-snapshot-pods N,M  (the sizes to take it at instead of the largest)]
//     [--heap-snapshot-dir DIR  (the same, and the .heapsnapshot files kept in DIR)]
//     [--events N  (refused connects per cycle, one per test pod in turn: real tcpreset/packetloss
//      BPF events every cycle through the agent's events path to OTLP logs; default: one per pod;
//      0: no event probes)]
// Writes test/bench/results/sizing.json and sizing.md. Needs root (namespaces).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync, readFileSync, mkdtempSync, rmSync, existsSync, renameSync } from 'node:fs';
import { tmpdir, cpus, totalmem, release, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { connect } from 'node:net';
import { createPod, cleanupAll, type TestPod } from '../support/netns.js';
import {
  startOtlpReceiver,
  encodeExportRequest,
  flattenMetrics,
  type OtlpReceiver,
  type ReceivedRequest,
} from '../support/otlp-receiver.js';
import { parsePromText, type PromTextSample } from '../support/prom-text.js';
import { freePort, waitUntil, procUsage, stopPid, sleep } from '../support/proc.js';
import { METRICS } from '../../semconv/generated/registry.js';
import { promName } from '../../semconv/lib/prom-names.js';
import { AGENT_ENV, AGENT_NODE_FLAGS } from '../../receiver/cli/node-flags.js';
import { DEFAULT_METRIC_PROBES } from '../../receiver/probes/catalog.js';
import { benchStamp } from './stamp.js';
import { TestApiServer } from '../identity/apiserver.js';
import { randomBytes } from 'node:crypto';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const AGENT = path.join(repo, 'dist/kubeskoop-otel.js');
const RESULTS = path.join(repo, 'test/bench/results');

interface Args {
  pods: number[];
  intervalS: number;
  cycles: number;
  nodeOptions: string;
  /** both: one OTLP export and one /metrics scrape per cycle; otlp: push only; scrape: pull only. */
  exportMode: 'both' | 'otlp' | 'scrape';
  /** Results file base name under test/bench/results/. */
  out: string;
  /** Extra environment of the agent (memory trials: MALLOC_ARENA_MAX, …). */
  agentEnv: Record<string, string>;
  /** Extra node flags of the agent, after AGENT_NODE_FLAGS. */
  agentFlags: string[];
  /** Memory trials: each size once per trial (none: one plain run). */
  trials: { name: string; env: Record<string, string>; flags: string[]; agent?: string }[];
  /** The agent's script (a trial's @FILE; default AGENT, the bundle). */
  agent?: string;
  /** Refused connects made per cycle (events); undefined: one per test pod; 0: no event probes. */
  eventsPerCycle?: number;
  /** OTLP protocol and compression of the agent (default: the chart's, helm/kubeskoop-otel/values.yaml). */
  protocol: 'grpc' | 'http/protobuf';
  compression: 'gzip' | 'none';
  /** Take a V8 heap snapshot of the agent at the end of a run and report it by constructor. */
  heapSnapshot: boolean;
  /** The sizes whose runs end with a heap snapshot (default: the largest, where the data is largest). */
  heapSnapshotPods?: number[];
  /** Keep the snapshot files here (for a retainer analysis in DevTools or scripts). */
  heapSnapshotDir?: string;
}

/** The chart's settings the sizing runs at by default (helm/kubeskoop-otel/values.yaml): NODE_OPTIONS,
 *  the OTLP protocol and compression. */
export function chartSettings(valuesYaml: string): Pick<Args, 'nodeOptions' | 'protocol' | 'compression'> {
  const nodeOptions = /^nodeOptions: "(.*)"$/m.exec(valuesYaml)?.[1];
  const otlp = /^otlp:\n((?: .*\n|\s*\n)*)/m.exec(valuesYaml)?.[1] ?? '';
  const protocol = /^ {2}protocol: (\S+)/m.exec(otlp)?.[1];
  const compression = /^ {2}compression: (\S+)/m.exec(otlp)?.[1];
  if (nodeOptions === undefined || (protocol !== 'grpc' && protocol !== 'http/protobuf'))
    throw new Error('sizing: the chart values have no nodeOptions or otlp.protocol');
  if (compression !== 'gzip' && compression !== 'none')
    throw new Error('sizing: the chart values have no otlp.compression');
  return { nodeOptions, protocol, compression };
}

function parseArgs(argv: string[]): Args {
  const chart = chartSettings(readFileSync(path.join(repo, 'helm/kubeskoop-otel/values.yaml'), 'utf8'));
  const a: Args = {
    pods: [10, 110, 250],
    intervalS: 5,
    cycles: 6,
    ...chart,
    exportMode: 'both',
    out: 'sizing',
    agentEnv: {},
    agentFlags: [],
    trials: [],
    heapSnapshot: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    if (argv[i] === '--pods' && v) {
      a.pods = v
        .split(',')
        .map(Number)
        .filter((n) => n > 0)
        .sort((x, y) => x - y);
      i++;
    } else if (argv[i] === '--interval' && v) {
      a.intervalS = Number(v);
      i++;
    } else if (argv[i] === '--cycles' && v) {
      a.cycles = Number(v);
      i++;
    } else if (argv[i] === '--node-options' && v !== undefined) {
      a.nodeOptions = v;
      i++;
    } else if (argv[i] === '--protocol' && (v === 'grpc' || v === 'http/protobuf')) {
      a.protocol = v;
      i++;
    } else if (argv[i] === '--compression' && (v === 'gzip' || v === 'none')) {
      a.compression = v;
      i++;
    } else if (argv[i] === '--export' && (v === 'both' || v === 'otlp' || v === 'scrape')) {
      a.exportMode = v;
      i++;
    } else if (argv[i] === '--out' && v && /^[a-z0-9-]+$/.test(v)) {
      a.out = v;
      i++;
    } else if (argv[i] === '--agent-env' && v && /^[A-Z_][A-Z0-9_]*=/.test(v)) {
      a.agentEnv[v.slice(0, v.indexOf('='))] = v.slice(v.indexOf('=') + 1);
      i++;
    } else if (argv[i] === '--agent-flags' && v !== undefined) {
      a.agentFlags = v.split(/\s+/).filter((f) => f !== '');
      i++;
    } else if (argv[i] === '--heap-snapshot') {
      a.heapSnapshot = true;
    } else if (argv[i] === '--heap-snapshot-pods' && v) {
      a.heapSnapshot = true;
      a.heapSnapshotPods = v.split(',').map(Number);
      i++;
    } else if (argv[i] === '--heap-snapshot-dir' && v) {
      a.heapSnapshot = true;
      a.heapSnapshotDir = path.resolve(v);
      i++;
    } else if (argv[i] === '--events' && v && /^\d+$/.test(v)) {
      a.eventsPerCycle = Number(v);
      i++;
    } else if (argv[i] === '--trial' && v) {
      const [name, ...rest] = v.split(/\s+/).filter((t) => t !== '');
      const env: Record<string, string> = {};
      const flags: string[] = [];
      let agent: string | undefined;
      for (const t of rest) {
        if (t.startsWith('--')) flags.push(t);
        else if (t.startsWith('@')) agent = path.resolve(repo, t.slice(1));
        else if (/^[A-Z_][A-Z0-9_]*=/.test(t)) env[t.slice(0, t.indexOf('='))] = t.slice(t.indexOf('=') + 1);
        else throw new Error(`sizing: --trial ${v}: ${t} is neither K=V, --flag nor @FILE`);
      }
      a.trials.push({ name: name!, env, flags, ...(agent !== undefined ? { agent } : {}) });
      i++;
    } else throw new Error(`sizing: unknown argument ${argv[i]}`);
  }
  if (a.pods.length === 0 || !(a.intervalS > 0) || !(a.cycles >= 2)) throw new Error('bad arguments');
  return a;
}

export interface TargetSeries {
  kind: string;
  inode: string;
  name?: string;
  series: number;
  perMetric: Record<string, number>;
}

export interface RunResult {
  pods: number;
  /** The memory trial (--trial) this run was, with what it added to the agent. */
  trial?: { name: string; env: Record<string, string>; flags: string[]; agent?: string };
  /** Targets the agent saw (other namespaces on this machine count too). */
  targets: { total: number; byKind: Record<string, number> };
  intervalSeconds: number;
  cyclesMeasured: number;
  cpu: { secondsTotal: number; msPerCycle: number; coresAt15s: number; coresAtInterval: number };
  memory: {
    rssMiB: number;
    rssPeakMiB: number;
    /** RSS read every 250 ms over the measured cycles: mean and largest reading (peak RSS above is the
     *  kernel's high-water mark since start, warm-up included). */
    rssAvgMiB?: number;
    rssSampledMaxMiB?: number;
    /** Where the RSS is at the end (/proc/<pid>/status): anonymous (heaps: V8's and malloc's), file-backed (node's code, libraries). */
    rssAnonMiB?: number;
    rssFileMiB?: number;
    threads?: number;
    /** malloc arenas besides the main one: anonymous mappings of a 64 MiB arena reservation (/proc/<pid>/smaps). */
    mallocArenas?: number;
    /** Resident MiB of those arenas. */
    arenaRssMiB?: number;
    /** Resident MiB of the brk heap ([heap] in smaps): glibc's main arena, where node's, V8's (compiler
     *  zones, …) and the libraries' blocks below MALLOC_MMAP_THRESHOLD_ live; freed space between live
     *  blocks stays resident. */
    brkHeapRssMiB?: number;
  };
  cycleDurationMs: number;
  /** Kernel events made every cycle and what reached the OTLP receiver as log records. */
  events?: {
    probes: string[];
    /** Refused connects the bench made per cycle (host → a test pod's closed port). */
    connectsPerCycle: number;
    refused: number;
    /** Log records received during the measurement, and per cycle. */
    records: number;
    recordsPerCycle: number;
    /** Of them, kubeskoop.tcp.reset records attributed to a test pod's namespace. */
    podResets: number;
  };
  /** The native helper (BPF; a child of the agent) at the end: its RSS is not in the agent's. */
  helper?: { rssMiB: number; rssPeakMiB: number };
  /** --heap-snapshot: the agent's V8 heap at the end, by constructor (self sizes). */
  heap?: HeapSummary;
  prometheus: { series: number; bytes: number; scrapeMs: number };
  seriesPerPodTarget: { min: number; max: number; median: number; example?: TargetSeries };
  seriesHost: number;
  seriesAgent: number;
  exportMode: Args['exportMode'];
  /** Absent when the agent did not push (--export scrape). */
  otlp?: {
    /** Metrics requests received during the measurement. */
    exports: number;
    /** Requests the last export was sent as (the agent splits large collections). */
    requestsPerExport: number;
    /** How the agent sent it (the receiver tells http-protobuf from http-json by content type). */
    transport: string;
    /** Of the last complete export (metrics). */
    dataPoints: number;
    contentLengthBytes?: number;
    reencodedBytes: number;
    gzipBytes: number;
  };
}

/** Where a process's RSS is: /proc/<pid>/status (anonymous, file-backed, threads) and /proc/<pid>/smaps
 *  (glibc's per-thread malloc arenas: each reserves 64 MiB of address space, one mapping or a used part
 *  and its PROT_NONE rest, so the sizes of adjacent anonymous mappings add up to 64 MiB). */
async function rssBreakdown(pid: number): Promise<Partial<RunResult['memory']>> {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    const smaps = readFileSync(`/proc/${pid}/smaps`, 'utf8');
    // mappings: start, end, name, Rss
    const maps: { start: bigint; end: bigint; anon: boolean; rssKb: number }[] = [];
    let brkKb = 0;
    for (const block of smaps.split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)) {
      // [ \t]*, not \s*: an anonymous mapping has no name, and \s* would run into the next line ("Size: …")
      const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+[ \t]*(.*)$/m.exec(block);
      if (!head) continue;
      if (head[3]!.trim() === '[heap]') brkKb += Number(/^Rss:\s+(\d+)/m.exec(block)?.[1] ?? 0);
      maps.push({
        start: BigInt(`0x${head[1]}`),
        end: BigInt(`0x${head[2]}`),
        anon: head[3]!.trim() === '',
        rssKb: Number(/^Rss:\s+(\d+)/m.exec(block)?.[1] ?? 0),
      });
    }
    const ARENA = 64n << 20n;
    let arenas = 0;
    let arenaRssKb = 0;
    for (let i = 0; i < maps.length; i++) {
      const m = maps[i]!;
      if (!m.anon || m.start % ARENA !== 0n) continue;
      let end = m.end;
      let rss = m.rssKb;
      let j = i + 1;
      while (end - m.start < ARENA && j < maps.length && maps[j]!.anon && maps[j]!.start === end) {
        end = maps[j]!.end;
        rss += maps[j]!.rssKb;
        j++;
      }
      if (end - m.start === ARENA) {
        arenas++;
        arenaRssKb += rss;
      }
    }
    return {
      rssAnonMiB: Number((kb('RssAnon') / 1024).toFixed(1)),
      rssFileMiB: Number((kb('RssFile') / 1024).toFixed(1)),
      threads: kb('Threads'),
      mallocArenas: arenas,
      arenaRssMiB: Number((arenaRssKb / 1024).toFixed(1)),
      brkHeapRssMiB: Number((brkKb / 1024).toFixed(1)),
    };
  } catch {
    return {};
  }
}

/** The event probes the bench turns on: a refused connect gives each a kernel event in the pod. */
const EVENT_PROBES = ['tcpreset', 'packetloss'];
/** The port a test pod does not listen on: a SYN to it is answered by a reset from the pod's kernel. */
const CLOSED_PORT = 9;

/** One TCP connect from the host to a test pod's closed port (10.199.0.0/16): true when refused. */
function refusedConnect(ip: string): Promise<boolean> {
  if (!/^10\.199\./.test(ip)) throw new Error(`sizing: ${ip} is not a test address`);
  return new Promise((resolve) => {
    const s = connect({ host: ip, port: CLOSED_PORT, timeout: 2000 });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(false));
    s.once('timeout', () => done(false));
    s.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED'));
  });
}

function eventsOf(
  receiver: OtlpReceiver,
  perCycle: number,
  refused: number,
  cycles: number,
  inodes: Set<string>,
): NonNullable<RunResult['events']> {
  const logs = receiver.logs();
  const podResets = logs.filter(
    (l) => l.eventName === 'kubeskoop.tcp.reset' && inodes.has(String(l.resource['kubeskoop.netns.inode'])),
  ).length;
  // An agent whose event probes did not run (no native helper beside a trial's @FILE build) does less
  // work per cycle: its figures are not comparable, so the run fails rather than reporting them.
  if (refused > 0 && podResets === 0)
    throw new Error(
      `no reset event from the test pods for ${refused} refused connects: the event probes did not run (the native helper, bpf/build/ beside the agent?)`,
    );
  return {
    probes: EVENT_PROBES,
    connectsPerCycle: perCycle,
    refused,
    records: logs.length,
    recordsPerCycle: Number((logs.length / Math.max(cycles, 1)).toFixed(1)),
    podResets,
  };
}

/** RSS of the agent's native helper (its child process), when one runs. */
async function helperUsage(agentPid: number): Promise<RunResult['helper']> {
  try {
    const kids = readFileSync(`/proc/${agentPid}/task/${agentPid}/children`, 'utf8').trim().split(/\s+/);
    for (const k of kids) {
      if (!/^\d+$/.test(k)) continue;
      if (!readFileSync(`/proc/${k}/cmdline`, 'utf8').includes('helper')) continue;
      const u = await procUsage(Number(k));
      return {
        rssMiB: Number((u.rssBytes / 2 ** 20).toFixed(1)),
        rssPeakMiB: Number((u.rssPeakBytes / 2 ** 20).toFixed(1)),
      };
    }
  } catch {
    /* no helper */
  }
  return undefined;
}

export interface HeapSummary {
  totalMiB: number;
  /** The largest constructors (node names of object nodes; type for the rest) by self size. */
  top: { name: string; count: number; MiB: number }[];
}

/** Group a .heapsnapshot's nodes by constructor (object nodes) or node type, by self size. */
export function summarizeHeapSnapshot(snap: {
  snapshot: { meta: { node_fields: string[]; node_types: unknown[] } };
  nodes: number[];
  strings: string[];
}): HeapSummary {
  const f = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0] as string[];
  const width = f.length;
  const [ti, ni, si] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size')];
  const by = new Map<string, { count: number; bytes: number }>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + ti]!]!;
    const size = snap.nodes[i + si]!;
    total += size;
    const key = type === 'object' || type === 'native' ? snap.strings[snap.nodes[i + ni]!]! : `(${type})`;
    const e = by.get(key) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += size;
    by.set(key, e);
  }
  return {
    totalMiB: Number((total / 2 ** 20).toFixed(1)),
    top: [...by]
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .slice(0, 25)
      .map(([name, e]) => ({ name, count: e.count, MiB: Number((e.bytes / 2 ** 20).toFixed(2)) })),
  };
}

/** SIGUSR2 to an agent started with --heapsnapshot-signal: wait for the snapshot file, summarize it. */
async function heapSnapshotOf(pid: number, dir: string, keepAs?: string): Promise<HeapSummary | undefined> {
  const { readdirSync, statSync } = await import('node:fs');
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  let file: string | undefined;
  let lastSize = -1;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    await sleep(1000);
    file ??= readdirSync(dir).find((n) => n.endsWith('.heapsnapshot') && !before.has(n));
    if (!file) continue;
    const size = statSync(path.join(dir, file)).size;
    // complete: the JSON ends and the size stopped growing
    if (size === lastSize && size > 0) break;
    lastSize = size;
  }
  if (!file) return undefined;
  const full = path.join(dir, file);
  try {
    return summarizeHeapSnapshot(JSON.parse(readFileSync(full, 'utf8')));
  } finally {
    if (keepAs !== undefined) {
      mkdirSync(path.dirname(keepAs), { recursive: true });
      renameSync(full, keepAs);
    } else rmSync(full, { force: true });
  }
}

const TARGET_LABEL = 'kubeskoop_netns_inode';
const KIND_LABEL = 'kubeskoop_target_kind';

/** Group /metrics samples by target (netns inode); samples without one are the agent's own. */
export function seriesByTarget(samples: PromTextSample[]): { targets: TargetSeries[]; agent: number } {
  const m = new Map<string, TargetSeries>();
  let agent = 0;
  for (const s of samples) {
    const inode = s.labels[TARGET_LABEL];
    if (inode === undefined) {
      agent++;
      continue;
    }
    let t = m.get(inode);
    if (!t) {
      t = { kind: s.labels[KIND_LABEL] ?? '?', inode, series: 0, perMetric: {} };
      const name = s.labels['kubeskoop_netns_name'];
      if (name !== undefined) t.name = name;
      m.set(inode, t);
    }
    t.series++;
    t.perMetric[s.name] = (t.perMetric[s.name] ?? 0) + 1;
  }
  return { targets: [...m.values()], agent };
}

/**
 * The requests of the last complete export. One collection leaves as several requests (the agent's
 * OTLP_POINTS_PER_REQUEST) whose target points all carry the snapshot's time; on a loaded machine
 * they may come seconds apart, so arrival gaps do not delimit an export. The export of the
 * second-to-last snapshot time seen is complete (a later one began): its requests in order, up to
 * one that repeats a series (two exports of one snapshot, when a cycle ran late).
 */
export function lastCompleteExport(reqs: readonly ReceivedRequest[]): ReceivedRequest[] {
  const INODE = 'kubeskoop.netns.inode';
  const parts = reqs.map((r) => {
    const points = flattenMetrics(r.body, r.transport);
    const target = points.find((p) => p.resource[INODE] !== undefined);
    const keys = points.map((p) => `${String(p.resource[INODE])}|${p.name}|${JSON.stringify(p.attributes)}`);
    return { r, time: target?.timeUnixNano, keys };
  });
  const times = [...new Set(parts.map((p) => p.time).filter((t): t is string => t !== undefined))];
  const time = times.length >= 2 ? times[times.length - 2] : times[0];
  const out: ReceivedRequest[] = [];
  const seen = new Set<string>();
  for (const p of parts) {
    if (p.time !== time) continue;
    if (p.keys.some((k) => seen.has(k))) break;
    for (const k of p.keys) seen.add(k);
    out.push(p.r);
  }
  // the agent's own metrics may travel in a request of their own, just before
  const i = reqs.indexOf(out[0]!);
  if (i > 0 && parts[i - 1]!.time === undefined) out.unshift(reqs[i - 1]!);
  return out;
}

function dataPointsOf(body: any): number {
  let n = 0;
  for (const rm of body?.resourceMetrics ?? []) {
    for (const sm of rm.scopeMetrics ?? []) {
      for (const metric of sm.metrics ?? []) {
        const d = metric.sum ?? metric.gauge ?? metric.histogram ?? metric.exponentialHistogram ?? metric.summary;
        n += d?.dataPoints?.length ?? 0;
      }
    }
  }
  return n;
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function get(url: string): Promise<{ text: string; ms: number }> {
  const t0 = performance.now();
  const r = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  const text = await r.text();
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return { text, ms: performance.now() - t0 };
}

/** The agent's node (NODE_NAME): the test API server's pods are on it. */
const NODE_NAME = 'sizing-node';

async function measure(pods: TestPod[], args: Args, receiver: OtlpReceiver, work: string): Promise<RunResult> {
  const port = await freePort();
  const cfg = path.join(work, `agent-${pods.length}.yaml`);
  // The default probe set: no metrics.probes, so the agent runs what it runs by default.
  const push = args.exportMode !== 'scrape';
  const scrapeEachCycle = args.exportMode !== 'otlp';
  const eventsPerCycle = args.eventsPerCycle ?? pods.length;
  const podIps = pods.map((p) => p.ip).filter((ip): ip is string => ip !== undefined);
  const heapSnapshot = args.heapSnapshot && (args.heapSnapshotPods ?? [Math.max(...args.pods)]).includes(pods.length);
  let nextPod = 0;
  let refused = 0;
  // The chart runs the agent with the pod watch on (kubernetes in node mode): a real HTTPS API server
  // with a Pod per test pod (its address, two containers, a label), so the API client and the pod
  // cache are in the figures too.
  const api = new TestApiServer({ bookmarkIntervalMs: 60_000 });
  await api.start();
  for (const [i, p] of pods.entries())
    api.upsertPod({
      name: `sizing-${i}`,
      namespace: `team-${i % 10}`,
      nodeName: NODE_NAME,
      labels: { app: `app-${i}` },
      containers: { app: randomBytes(32).toString('hex'), sidecar: randomBytes(32).toString('hex') },
      ...(p.ip !== undefined ? { podIPs: [p.ip] } : {}),
    });
  writeFileSync(
    cfg,
    [
      `interval: ${args.intervalS}s`,
      `kubernetes: {enabled: true, kubeconfig: ${api.kubeconfig()}, pod_labels: [app]}`,
      'log: {level: warn, format: json}',
      ...(push
        ? [
            'otlp:',
            `  endpoint: ${args.protocol === 'grpc' ? receiver.grpcEndpoint : receiver.httpEndpoint}`,
            `  protocol: ${args.protocol}`,
            `  export_interval: ${args.intervalS}s`,
          ]
        : []),
      // With event probes listed, the agent runs only the metric probes listed too: list the default set.
      ...(eventsPerCycle > 0
        ? [`metrics: {probes: [${DEFAULT_METRIC_PROBES.join(', ')}]}`, `events: {probes: [${EVENT_PROBES.join(', ')}]}`]
        : []),
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  let stderr = '';
  let exited = '';
  try {
    child = spawn(
      process.execPath,
      [
        ...AGENT_NODE_FLAGS,
        ...args.agentFlags,
        ...(heapSnapshot ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${work}`] : []),
        args.agent ?? AGENT,
        'run',
        '-c',
        cfg,
        '--port',
        String(port),
        '--address',
        '127.0.0.1',
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        // NODE_OPTIONS as the Helm chart sets it (values.yaml nodeOptions), so the limits are measured too
        env: {
          ...process.env,
          OTEL_EXPORTER_OTLP_ENDPOINT: '',
          NODE_NAME,
          ...AGENT_ENV,
          NODE_OPTIONS: args.nodeOptions,
          OTEL_EXPORTER_OTLP_COMPRESSION: args.compression,
          ...args.agentEnv,
        },
      },
    );
    child.stderr!.on('data', (b: Buffer) => {
      if (stderr.length < 64_000) stderr += b.toString();
    });
    const pid = child.pid!;
    const base = `http://127.0.0.1:${port}`;
    child.once('exit', (code, signal) => {
      exited = `agent exited (code ${code}, signal ${signal})`;
    });
    // A busy agent may drop one request (a loaded machine): try again for a few seconds, unless it exited.
    const statusOf = async (): Promise<any> => {
      for (let attempt = 0; ; attempt++) {
        try {
          return JSON.parse((await get(`${base}/status`)).text);
        } catch (e) {
          if (exited || attempt >= 4) throw e;
          await sleep(1000);
        }
      }
    };
    // Warm up: two cycles, and until every test pod is a target.
    const inodes = new Set(pods.map((p) => String(p.netns.inode)));
    let waiting = 'no answer yet';
    await waitUntil(
      async () => {
        try {
          const st = await statusOf();
          if (st.lastCycle.cycle < 2) {
            waiting = `cycle ${st.lastCycle.cycle}`;
            return false;
          }
          const kube = st.identity?.kubernetes as { state?: string; pods?: number } | null | undefined;
          if (kube?.state !== 'synced' || kube.pods !== pods.length) {
            waiting = `pod watch ${kube?.state ?? 'off'} with ${kube?.pods ?? 0} of ${pods.length} pods`;
            return false;
          }
          const { targets } = seriesByTarget(parsePromText((await get(`${base}/metrics`)).text).samples);
          const seen = [...inodes].filter((i) => targets.some((t) => t.inode === i)).length;
          waiting = `cycle ${st.lastCycle.cycle}, ${seen} of ${inodes.size} test pods in /metrics`;
          return seen === inodes.size;
        } catch (e) {
          waiting = (e as Error).message;
          return false;
        }
      },
      120_000 + pods.length * 400,
      `agent to see ${pods.length} test pods`,
      250,
    ).catch((e: Error) => {
      throw new Error(`${e.message} (last: ${waiting})\nagent stderr:\n${stderr}`);
    });
    receiver.clear();
    const startCycle = (await statusOf()).lastCycle.cycle as number;
    const u0 = await procUsage(pid);
    // RSS every 250 ms while measuring: the average, not only the end and the high-water mark.
    const rssReadings: number[] = [];
    const sampler = setInterval(() => {
      try {
        const kb = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
        if (kb !== undefined) rssReadings.push(Number(kb) / 1024);
      } catch {
        /* exited: the run fails below */
      }
    }, 250);
    let scrapeMs = 0;
    let scrapes = 0;
    let lastText = '';
    // One Prometheus scrape per cycle, as a scraper at the same interval would do.
    for (;;) {
      await sleep(args.intervalS * 1000);
      if (eventsPerCycle > 0 && podIps.length > 0) {
        const ips = Array.from({ length: eventsPerCycle }, () => podIps[nextPod++ % podIps.length]!);
        refused += (await Promise.all(ips.map((ip) => refusedConnect(ip)))).filter(Boolean).length;
      }
      if (scrapeEachCycle) {
        const s = await get(`${base}/metrics`);
        scrapeMs += s.ms;
        scrapes++;
        lastText = s.text;
      }
      const st = await statusOf();
      if (st.lastCycle.cycle - startCycle >= args.cycles) break;
    }
    clearInterval(sampler);
    const u1 = await procUsage(pid);
    const where = await rssBreakdown(pid);
    const helper = await helperUsage(pid);
    const heap = heapSnapshot
      ? await heapSnapshotOf(
          pid,
          work,
          args.heapSnapshotDir && path.join(args.heapSnapshotDir, `agent-${pods.length}-${Date.now()}.heapsnapshot`),
        )
      : undefined;
    if (!scrapeEachCycle) {
      // push only: one scrape after the measurement, to count the series
      const s = await get(`${base}/metrics`);
      scrapeMs += s.ms;
      scrapes++;
      lastText = s.text;
    }
    const st = await statusOf();
    const cycles = (st.lastCycle.cycle as number) - startCycle;
    const parsed = parsePromText(lastText);
    const { targets, agent } = seriesByTarget(parsed.samples);
    const podTargets = targets.filter((t) => inodes.has(t.inode));
    const hostTargets = targets.filter((t) => t.kind === 'host');
    const cpuS = u1.cpuSeconds - u0.cpuSeconds;
    const msPerCycle = (cpuS * 1000) / cycles;
    const metricReqs: ReceivedRequest[] = receiver.requests.filter((r) => r.signal === 'metrics' && r.accepted);
    const last = metricReqs[metricReqs.length - 1];
    if (push && !last) throw new Error(`no OTLP metrics export arrived in ${cycles} cycles\nagent stderr:\n${stderr}`);
    const lastExport = last ? lastCompleteExport(metricReqs) : [];
    const encodedParts = lastExport.map((r) => encodeExportRequest('metrics', r.body));
    const encoded = last ? Buffer.concat(encodedParts) : undefined;
    const cls = lastExport.map((r) => r.headers['content-length']);
    const cl =
      cls.length > 0 && cls.every((c) => c !== undefined) ? String(cls.reduce((a, c) => a + Number(c), 0)) : undefined;
    const byKind: Record<string, number> = {};
    for (const [k, v] of Object.entries(st.lastCycle.targets as Record<string, number>))
      if (k !== 'total') byKind[k] = v;
    const podSeries = podTargets.map((t) => t.series);
    return {
      pods: pods.length,
      targets: { total: st.lastCycle.targets.total, byKind },
      intervalSeconds: args.intervalS,
      cyclesMeasured: cycles,
      cpu: {
        secondsTotal: Number(cpuS.toFixed(3)),
        msPerCycle: Number(msPerCycle.toFixed(1)),
        coresAt15s: Number((msPerCycle / 15_000).toFixed(4)),
        coresAtInterval: Number((msPerCycle / (args.intervalS * 1000)).toFixed(4)),
      },
      memory: {
        rssMiB: Number((u1.rssBytes / 2 ** 20).toFixed(1)),
        rssPeakMiB: Number((u1.rssPeakBytes / 2 ** 20).toFixed(1)),
        ...(rssReadings.length > 0
          ? {
              rssAvgMiB: Number((rssReadings.reduce((a, x) => a + x, 0) / rssReadings.length).toFixed(1)),
              rssSampledMaxMiB: Number(Math.max(...rssReadings).toFixed(1)),
            }
          : {}),
        ...where,
      },
      cycleDurationMs: st.lastCycle.durationMs,
      ...(eventsPerCycle > 0 ? { events: eventsOf(receiver, eventsPerCycle, refused, cycles, inodes) } : {}),
      ...(helper ? { helper } : {}),
      ...(heap ? { heap } : {}),
      prometheus: {
        series: parsed.samples.length,
        bytes: Buffer.byteLength(lastText),
        scrapeMs: Number((scrapeMs / scrapes).toFixed(1)),
      },
      seriesPerPodTarget: {
        min: Math.min(...podSeries),
        max: Math.max(...podSeries),
        median: median(podSeries),
        ...(podTargets[0] ? { example: podTargets[0] } : {}),
      },
      seriesHost: hostTargets.reduce((a, t) => a + t.series, 0),
      seriesAgent: agent,
      exportMode: args.exportMode,
      ...(last && encoded
        ? {
            otlp: {
              exports: metricReqs.length,
              requestsPerExport: lastExport.length,
              transport: last.transport,
              dataPoints: lastExport.reduce((n, r) => n + dataPointsOf(r.body), 0),
              ...(cl !== undefined ? { contentLengthBytes: Number(cl) } : {}),
              reencodedBytes: encoded.length,
              gzipBytes: encodedParts.reduce((n, b) => n + gzipSync(b).length, 0),
            },
          }
        : {}),
    };
  } catch (e) {
    const err = e as Error;
    throw new Error(
      `${err.message}${(err.cause as Error | undefined)?.message ? ` (${(err.cause as Error).message})` : ''}; ${exited || 'agent running'}\nagent stderr:\n${stderr}`,
      { cause: e },
    );
  } finally {
    if (child?.pid) await stopPid(child.pid, 5000);
    await api.dispose();
  }
}

/** The floor that proves what cannot be cut: node itself with the agent's flags and environment,
 *  doing nothing (empty), and with the agent's code loaded (the bundle, or a trial's @FILE) but
 *  nothing run. Measured in the same run as the agent, with the same trial's flags. */
export interface FloorResult {
  name: 'empty node' | 'node + agent modules';
  trial?: string;
  rssMiB: number;
  rssPeakMiB: number;
  rssAnonMiB?: number;
  rssFileMiB?: number;
  /** V8's live heap after a full GC (the modules' own objects). */
  liveHeapMiB?: number;
}

async function measureFloors(args: Args, trialName: string | undefined): Promise<FloorResult[]> {
  // The agent's code as it runs (the bundle, AGENT), loaded and left idle: `--version` is the CLI
  // command that returns without starting anything; the interval below keeps the process up.
  const agent = args.agent ?? AGENT;
  const loadAgent = `process.argv.push('kubeskoop-otel', '--version'); await import(${JSON.stringify(agent)});`;
  const out: FloorResult[] = [];
  const programs: [FloorResult['name'], string][] = [
    ['empty node', 'setInterval(()=>{},1e3)'],
    ['node + agent modules', `${loadAgent} setInterval(()=>{},1e3)`],
  ];
  for (const [name, program] of programs) {
    // V8's live heap after a full GC, on stderr: 3.5 s after loading, once the RSS is read
    const report = `setTimeout(async () => { globalThis.gc(); process.stderr.write('live-heap ' + (await import('node:v8')).getHeapStatistics().used_heap_size + '\\n'); }, 3500);`;
    const child = spawn(
      process.execPath,
      [
        ...AGENT_NODE_FLAGS,
        ...args.agentFlags,
        '--expose-gc',
        '--input-type=module',
        '-e',
        `${program.replace('setInterval', `${report} setInterval`)}`,
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, ...AGENT_ENV, NODE_OPTIONS: args.nodeOptions, ...args.agentEnv },
      },
    );
    let err = '';
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    try {
      // settled: module loading and the first GCs are over
      await sleep(3000);
      const u = await procUsage(child.pid!);
      await waitUntil(async () => err.includes('live-heap'), 10_000, 'the floor to report its heap', 100).catch(
        () => undefined,
      );
      const live = /live-heap (\d+)/.exec(err)?.[1];
      out.push({
        name,
        ...(trialName ? { trial: trialName } : {}),
        rssMiB: Number((u.rssBytes / 2 ** 20).toFixed(1)),
        rssPeakMiB: Number((u.rssPeakBytes / 2 ** 20).toFixed(1)),
        ...(await rssBreakdown(child.pid!)),
        ...(live !== undefined ? { liveHeapMiB: Number((Number(live) / 2 ** 20).toFixed(1)) } : {}),
      });
    } finally {
      await stopPid(child.pid!, 5000);
    }
  }
  return out;
}

// ---- the 5,000-node fan-out, on paper from the measured figures ----------------------------------

export interface FanOut {
  nodes: number;
  podsPerNode: number;
  intervalSeconds: number;
  seriesPerNode: number;
  otlpBytesPerExport: number;
  otlpGzipBytesPerExport: number;
  seriesCluster: number;
  samplesPerSecond: number;
  otlpBytesPerSecond: number;
  otlpGzipBytesPerSecond: number;
  exportsPerSecond: number;
}

export function fanOut(r: RunResult, nodes: number, podsPerNode: number, intervalSeconds: number): FanOut {
  // Series per node: pods × series per pod + the host target (measured on this machine; its
  // interface count depends on the node) + the agent's own.
  const seriesPerNode = podsPerNode * r.seriesPerPodTarget.median + r.seriesHost + r.seriesAgent;
  // Bytes: bytes per data point of the measured export (protobuf, re-encoded; gzip) times the
  // points of one node. Per point, so that namespaces of other tests running on the machine
  // during the measurement (targets seen > pods + 1) do not inflate a node's figure.
  const otlp = r.otlp ?? { dataPoints: 1, reencodedBytes: 0, gzipBytes: 0 };
  const points = Math.max(otlp.dataPoints, 1);
  const perNodeBytes = (otlp.reencodedBytes / points) * seriesPerNode;
  const perNodeGzip = (otlp.gzipBytes / points) * seriesPerNode;
  return {
    nodes,
    podsPerNode,
    intervalSeconds,
    seriesPerNode,
    otlpBytesPerExport: Math.round(perNodeBytes),
    otlpGzipBytesPerExport: Math.round(perNodeGzip),
    seriesCluster: seriesPerNode * nodes,
    samplesPerSecond: Math.round((seriesPerNode * nodes) / intervalSeconds),
    otlpBytesPerSecond: Math.round((perNodeBytes * nodes) / intervalSeconds),
    otlpGzipBytesPerSecond: Math.round((perNodeGzip * nodes) / intervalSeconds),
    exportsPerSecond: Number((nodes / intervalSeconds).toFixed(1)),
  };
}

/** Series of one target by probe, from the registry (Prometheus name = OTel name with _ , + _total on counters). */
export function seriesByProbe(perMetric: Record<string, number>): Record<string, number> {
  const probeOf = new Map<string, string>();
  for (const m of METRICS) {
    probeOf.set(m.name.replace(/\./g, '_'), m.probe); // the names /metrics served before (results files of earlier runs)
    probeOf.set(promName(m.name, m.instrument, m.unit), m.probe);
  }
  // A name the registry no longer has (renamed since the run): the probe of the registry names that
  // share its first two segments (kubeskoop_conntrack_…), when they all belong to one probe.
  const byStem = (name: string): string | undefined => {
    const stem = name.split('_').slice(0, 2).join('_') + '_';
    const probes = new Set([...probeOf].filter(([n]) => n.startsWith(stem)).map(([, p]) => p));
    return probes.size === 1 ? [...probes][0] : undefined;
  };
  const out: Record<string, number> = {};
  for (const [name, n] of Object.entries(perMetric)) {
    const probe = probeOf.get(name.replace(/_total$/, '')) ?? probeOf.get(name) ?? byStem(name) ?? `? ${name}`;
    out[probe] = (out[probe] ?? 0) + n;
  }
  return out;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

function markdown(
  meta: Record<string, unknown>,
  runs: RunResult[],
  fo: FanOut | undefined,
  floors: FloorResult[] = [],
): string {
  const L: string[] = [];
  L.push('# Sizing measurements (generated by test/bench/sizing.ts)', '');
  L.push(
    `Measured ${String(meta.at)} at commit ${String(meta.commit)}${meta.dirty ? ' (with uncommitted changes)' : ''} on ${String(meta.cpus)} CPUs, ${String(meta.memGiB)} GiB, kernel ${String(meta.kernel)}, Node ${String(meta.node)}.`,
  );
  L.push(
    `Agent ${String(meta.agentVersion)}, default probe set (${String(meta.defaultProbes)}), interval ${String(runs[0]?.intervalSeconds)} s, ${{ both: 'one /metrics scrape and one OTLP export per cycle', otlp: 'one OTLP export per cycle, no scrape', scrape: 'one /metrics scrape per cycle, no OTLP' }[(meta.args as Args).exportMode]} (the agent sent ${runs
      .map((r) => r.otlp?.transport ?? 'no OTLP')
      .filter((t, i, a) => a.indexOf(t) === i)
      .join(
        ', ',
      )}${(meta.args as Args).compression ? ` with OTEL_EXPORTER_OTLP_COMPRESSION=${(meta.args as Args).compression}` : ''}; byte counts are the protobuf encoding of the same request, and its gzip), NODE_OPTIONS=${JSON.stringify((meta.args as Args).nodeOptions)}, ${Object.entries(
      AGENT_ENV,
    )
      .map(([k, v]) => `${k}=${v}`)
      .join(
        ' ',
      )} (the launchers' environment). The pod watch on, as the chart runs the agent: a real HTTPS test API server holds a Pod per test pod (address, two containers, a label), listed and watched by the agent (bookmarks every 60 s).`,
  );
  const a = meta.args as Args;
  const trial = [...Object.entries(a.agentEnv ?? {}).map(([k, v]) => `${k}=${v}`), ...(a.agentFlags ?? [])];
  if (trial.length > 0) L.push(`Memory trial: the agent ran with ${trial.join(' ')}.`);
  L.push(
    `Other tests may have been running on the same machine (load average after: ${((meta.loadAverageAfter as number[] | undefined) ?? []).join('/')}): "targets seen" counts every namespace the agent found.`,
    '',
  );
  L.push(
    '| test pods | targets seen | CPU ms / cycle | cores at 15 s | RSS MiB | peak RSS MiB | cycle ms | series in /metrics | /metrics bytes | series / pod | host series | agent series | OTLP points / export | OTLP bytes / export | gzip bytes |',
  );
  L.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of runs) {
    const o = r.otlp;
    L.push(
      `| ${r.pods} | ${r.targets.total} | ${r.cpu.msPerCycle} | ${r.cpu.coresAt15s} | ${r.memory.rssMiB} | ${r.memory.rssPeakMiB} | ${r.cycleDurationMs} | ${fmt(r.prometheus.series)} | ${fmt(r.prometheus.bytes)} | ${r.seriesPerPodTarget.median} | ${r.seriesHost} | ${r.seriesAgent} | ${o ? fmt(o.dataPoints) : '—'} | ${o ? fmt(o.reencodedBytes) : '—'} | ${o ? fmt(o.gzipBytes) : '—'} |`,
    );
  }
  L.push(
    '',
    'Where the RSS is at the end (/proc/<pid>/status and smaps), and its average over the measured cycles (read every 250 ms): anonymous memory (V8 heap, malloc), of it the brk heap (the main malloc arena of glibc), file-backed (node and its libraries), threads, malloc arenas besides the main one and their resident size.',
    '',
    '| test pods | trial | RSS MiB | average RSS MiB | peak RSS MiB | anon MiB | brk heap MiB | file MiB | threads | malloc arenas | arena RSS MiB | CPU ms / cycle |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...runs.map((r) => {
      const t = r.trial;
      const added = t
        ? [
            ...(t.agent !== undefined ? [`@${path.relative(repo, t.agent)}`] : []),
            ...Object.entries(t.env).map(([k, v]) => `${k}=${v}`),
            ...t.flags,
          ].join(' ')
        : '';
      const trial = t ? `${t.name}${added ? `: ${added}` : ''}` : '—';
      return `| ${r.pods} | ${trial} | ${r.memory.rssMiB} | ${r.memory.rssAvgMiB ?? '?'} | ${r.memory.rssPeakMiB} | ${r.memory.rssAnonMiB ?? '?'} | ${r.memory.brkHeapRssMiB ?? '?'} | ${r.memory.rssFileMiB ?? '?'} | ${r.memory.threads ?? '?'} | ${r.memory.mallocArenas ?? '?'} | ${r.memory.arenaRssMiB ?? '?'} | ${r.cpu.msPerCycle} |`;
    }),
  );
  if (floors.length > 0)
    L.push(
      '',
      "The floor, in the same run: node with the agent's flags and NODE_OPTIONS (and the trial's), doing nothing, and with the agent's code loaded (`import('dist/kubeskoop-otel.js')` as `kubeskoop-otel --version`, or a trial's @FILE) but nothing run, 3 s after start (the gRPC packages, evaluated when an OTLP exporter first sends, are not in it). No agent setting can go below the empty node.",
      '',
      '| floor | trial | RSS MiB | peak RSS MiB | anon MiB | file MiB | live V8 heap MiB |',
      '|---|---|---|---|---|---|---|',
      ...floors.map(
        (f) =>
          `| ${f.name} | ${f.trial ?? '—'} | ${f.rssMiB} | ${f.rssPeakMiB} | ${f.rssAnonMiB ?? '?'} | ${f.rssFileMiB ?? '?'} | ${f.liveHeapMiB ?? '?'} |`,
      ),
    );
  for (const r of runs.filter((x) => x.heap)) {
    // The floor with the data: the largest module floor of the run's trial (what the agent loads), plus
    // the agent's live heap beyond that floor's. A lower bound: no GC headroom, nothing of an export,
    // a scrape or a cycle in flight, no young generation.
    const base = floors
      .filter((f) => f.trial === r.trial?.name && f.liveHeapMiB !== undefined && f.name !== 'empty node')
      .sort((a, b) => b.rssMiB - a.rssMiB)[0];
    if (base)
      L.push(
        '',
        `Floor with the data at ${r.pods} pods (${r.targets.total} targets)${r.trial ? ` (${r.trial.name})` : ''}: ${base.name} ${base.rssMiB} MiB RSS + the agent's live V8 heap beyond the floor's (${r.heap!.totalMiB} − ${base.liveHeapMiB} MiB) = **${(base.rssMiB + r.heap!.totalMiB - base.liveHeapMiB!).toFixed(1)} MiB**, a lower bound (no GC headroom, no young generation, nothing of an export, a scrape or a cycle in flight) against ${r.memory.rssAvgMiB ?? '?'} MiB average and ${r.memory.rssPeakMiB} MiB peak RSS measured.`,
      );
    L.push(
      '',
      `V8 heap of the agent at the end of the ${r.pods}-pod run${r.trial ? ` (${r.trial.name})` : ''} (heap snapshot, self sizes, ${r.heap!.totalMiB} MiB in all), largest constructors:`,
      '',
      '| constructor / type | count | MiB |',
      '|---|---|---|',
      ...r.heap!.top.map(
        (t) => `| ${t.name.replace(/\|/g, '\\|').slice(0, 80) || '(anonymous)'} | ${fmt(t.count)} | ${t.MiB} |`,
      ),
    );
  }
  const failed = (meta.failures as { pods: number; trial?: string; error: string }[] | undefined) ?? [];
  if (failed.length > 0)
    L.push(
      '',
      `Runs that failed (not in the tables): ${failed.map((f) => `${f.pods} pods${f.trial ? ` (${f.trial})` : ''}: ${f.error.split('\n')[0]}`).join('; ')}.`,
    );
  const withEvents = runs.filter((r) => r.events);
  if (withEvents.length > 0) {
    L.push(
      '',
      `Events every cycle: the bench made refused TCP connects from the host to test pods' closed port ${CLOSED_PORT} (one pod after the other), so the pods' kernels sent resets and dropped the SYNs: real ${EVENT_PROBES.join(' and ')} BPF events through the native helper and the agent's events path to the OTLP receiver as log records (other namespaces' events on this machine count too). The native helper is a separate process: its RSS is not in the agent's.`,
      '',
      '| test pods | trial | connects / cycle | refused | log records | records / cycle | resets from test pods | helper RSS MiB | helper peak MiB |',
      '|---|---|---|---|---|---|---|---|---|',
      ...withEvents.map(
        (r) =>
          `| ${r.pods} | ${r.trial?.name ?? '—'} | ${r.events!.connectsPerCycle} | ${r.events!.refused} | ${fmt(r.events!.records)} | ${r.events!.recordsPerCycle} | ${fmt(r.events!.podResets)} | ${r.helper?.rssMiB ?? '?'} | ${r.helper?.rssPeakMiB ?? '?'} |`,
      ),
    );
  }
  const ex = runs[0]?.seriesPerPodTarget.example;
  if (ex) {
    L.push('', 'Series of one test pod by probe:', '');
    L.push('| probe | series |', '|---|---|');
    for (const [k, v] of Object.entries(seriesByProbe(ex.perMetric)).sort((a, b) => b[1] - a[1]))
      L.push(`| ${k} | ${v} |`);
    L.push('', 'Series of one test pod (lo + one veth), by Prometheus name:', '');
    L.push('| metric | series |', '|---|---|');
    for (const [k, v] of Object.entries(ex.perMetric).sort()) L.push(`| \`${k}\` | ${v} |`);
  }
  if (fo) {
    L.push(
      '',
      `## Fan-out: ${fmt(fo.nodes)} nodes × ${fo.podsPerNode} pods, ${fo.intervalSeconds} s interval (arithmetic on the 110-pod run)`,
      '',
    );
    L.push('| quantity | value |', '|---|---|');
    L.push(`| series per node (pods × series per pod + host + agent) | ${fmt(fo.seriesPerNode)} |`);
    L.push(
      `| OTLP bytes per export per node, protobuf / gzip | ${fmt(fo.otlpBytesPerExport)} / ${fmt(fo.otlpGzipBytesPerExport)} |`,
    );
    L.push(`| active series, cluster | ${fmt(fo.seriesCluster)} |`);
    L.push(`| samples / s into the gateway tier | ${fmt(fo.samplesPerSecond)} |`);
    L.push(`| OTLP exports / s | ${fo.exportsPerSecond} |`);
    L.push(
      `| OTLP bytes / s, uncompressed protobuf | ${fmt(fo.otlpBytesPerSecond)} (${(fo.otlpBytesPerSecond / 2 ** 20).toFixed(1)} MiB/s) |`,
    );
    L.push(
      `| OTLP bytes / s, gzip | ${fmt(fo.otlpGzipBytesPerSecond)} (${(fo.otlpGzipBytesPerSecond / 2 ** 20).toFixed(1)} MiB/s) |`,
    );
  }
  L.push('');
  return L.join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error('sizing needs root (it makes network namespaces)');
  if (!existsSync(AGENT)) throw new Error(`${AGENT} missing: run npm run build`);
  const work = mkdtempSync(path.join(tmpdir(), 'ksotel-sizing-'));
  const receiver = await startOtlpReceiver({ grpc: args.protocol === 'grpc', http: args.protocol !== 'grpc' });
  const pods: TestPod[] = [];
  const runs: RunResult[] = [];
  const floors: FloorResult[] = [];
  const failures: { pods: number; trial?: string; error: string }[] = [];
  const onSignal = (): void => {
    void cleanupAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (const n of args.pods) {
      const t0 = Date.now();
      while (pods.length < n) pods.push(await createPod({ label: 'sz' }));
      process.stderr.write(
        `sizing: ${n} pods ready in ${((Date.now() - t0) / 1000).toFixed(1)} s, measuring ${args.cycles} cycles of ${args.intervalS} s\n`,
      );
      for (const trial of args.trials.length > 0 ? args.trials : [undefined]) {
        const run = trial
          ? {
              ...args,
              agentEnv: { ...args.agentEnv, ...trial.env },
              agentFlags: [...args.agentFlags, ...trial.flags],
              ...(trial.agent !== undefined ? { agent: trial.agent } : {}),
            }
          : args;
        if (n === args.pods[0]) floors.push(...(await measureFloors(run, trial?.name)));
        let r: RunResult;
        try {
          r = await measure(pods, run, receiver, work);
        } catch (e) {
          // one failed run (a loaded machine) does not lose the others: reported, and the run goes on
          process.stderr.write(`sizing: ${n} pods${trial ? ` (${trial.name})` : ''} failed: ${(e as Error).message}\n`);
          failures.push({
            pods: n,
            ...(trial ? { trial: trial.name } : {}),
            error: (e as Error).message.slice(0, 2000),
          });
          continue;
        }
        if (trial) r.trial = trial;
        process.stderr.write(
          `sizing: ${n} pods${trial ? ` (${trial.name})` : ''}: ${JSON.stringify({ cpu: r.cpu, memory: r.memory, seriesPerPod: r.seriesPerPodTarget.median, otlp: r.otlp ?? null })}\n`,
        );
        runs.push(r);
      }
    }
  } finally {
    await receiver.close();
    await cleanupAll();
    rmSync(work, { recursive: true, force: true });
  }
  const r110 = runs.find((r) => r.pods === 110) ?? runs[runs.length - 1];
  const fo = r110?.otlp ? fanOut(r110, 5000, 110, 15) : undefined;
  const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string };
  let defaultProbes = '?';
  try {
    const cat = (await import(path.join(repo, 'dist/receiver/probes/catalog.js'))) as {
      DEFAULT_METRIC_PROBES: string[];
    };
    defaultProbes = cat.DEFAULT_METRIC_PROBES.join(', ');
  } catch {
    /* reported as ? */
  }
  const stamp = await benchStamp();
  const meta = {
    at: new Date().toISOString(),
    commit: stamp.commit,
    dirty: stamp.dirty,
    failures,
    loadAverageAfter: loadavg().map((x) => Number(x.toFixed(1))),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? '?',
    memGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    kernel: release(),
    node: process.version,
    agentVersion: pkg.version,
    defaultProbes,
    args,
  };
  mkdirSync(RESULTS, { recursive: true });
  const json = path.join(RESULTS, `${args.out}.json`);
  writeFileSync(`${json}.tmp`, `${JSON.stringify({ meta, runs, floors, failures, fanOut5000: fo }, null, 2)}\n`);
  renameSync(`${json}.tmp`, json);
  const md = path.join(RESULTS, `${args.out}.md`);
  writeFileSync(`${md}.tmp`, markdown(meta, runs, fo, floors));
  renameSync(`${md}.tmp`, md);
  process.stdout.write(markdown(meta, runs, fo, floors));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((e: Error) => {
    process.stderr.write(`sizing: ${e.stack ?? e.message}\n`);
    process.exitCode = 1;
  });
}

// Export cost: OTLP per data point (gRPC and http/protobuf) and /metrics per series, at 10/100/250
// test pods, each side by side with a floor, in the same process and the same rounds.
//   - The agent runs in this process (startAgent: default probes, the CLI's code path, interval 1 h so
//     no cycle runs while measuring; one cycle is run by hand after the pods of a size exist).
//   - OTLP: the real pipeline (createTelemetry: the agent's OTLP reader, export-reader.ts, with the
//     snapshot producer, the request packing, the agent's encoder writing the protobuf straight from the
//     snapshot's columns, the SDK's export delegate over the agent's transports: grpc-js for gRPC,
//     otlp-http-transport.ts for http/protobuf) exporting to an endpoint in another process (otlp-sink.ts),
//     one Telemetry.exportMetrics (the reader's collect-and-export, as its interval runs it; forceFlush would
//     flush the log and span pipelines too) = one whole collection exported; CPU of this process (all threads)
//     over it, per data point. Its /metrics is never scraped: the /metrics reader's drain
//     (telemetry.ts, every PULL_DRAIN_COLLECTIONS exports) is in the figures, as for an OTLP-only user.
//   - Compression: gzip by default, as the Helm chart sets it (otlp.compression → OTEL_EXPORTER_OTLP_COMPRESSION);
//     --compression none for the other case.
//   - Send floor: the same requests' bytes, encoded beforehand, through the exporters' own delegate and transports
//     (retries, headers, compression): the cost no encoder can remove; the same bytes through the SDK's HTTP
//     transport (what otlp-http-transport.ts replaced); and zlib's gzip of those bytes alone (gzipSync at levels 6 and
//     1, and zlib.gzip in libuv's pool, grpc-js's way). The whole export's floor: collect, pack, encode and send as
//     one operation (the export less the SDK's reader and the agent's own instruments).
//   - The agent's own instruments' share: the same pipelines exporting an empty snapshot (a request of the agent's
//     own points alone) against the send alone of a pre-encoded request of as many snapshot points; the whole
//     floor plus their difference is the floor with the agent's own instruments.
//   - --profile DIR: after the measured rounds, the exports alone under V8's sampling profiler; the
//     breakdown goes into the results (where one export's time goes).
//   - OTLP floor: protobufjs alone encoding the same points (the SDK's bytes decoded once with the
//     OTLP protos in test/support/proto; encode timed). Also timed: the SDK's serializer alone on a
//     prepared collection, and the producer's collect alone (where the cost is).
//   - /metrics: the exposition writer (writeSnapshotExposition, scope labels on) into a sink that
//     drops the text, per series (sample line); the agent's HTTP handler over a real request with and
//     without gzip, the client in the sink's process (a new connection per scrape, as Prometheus's at
//     15 s: a kept-alive one reused as the agent's server closes it after 5 s idle fails with ECONNRESET).
//   - /metrics floor: string concatenation of the same lines (names and labels prepared, values
//     formatted) in 64 KiB chunks.
// The process runs with the agent's V8 flags (AGENT_NODE_FLAGS; it re-runs itself with them), and
// no GC is forced (a forced full GC before an operation made the next one ~4× slower: not the agent's
// state). Each size first exports and is scraped WARM_OPERATIONS times (5 s at most), then runs two
// unmeasured rounds (JIT). A round runs its operations in a seeded random order.
// Needs root (namespaces). Writes test/bench/results/export.json and .md.
//   npm run build && node dist/test/bench/export.js [--pods 10,100,250] [--rounds 7] [--out NAME]
//     [--compression gzip|none] [--profile DIR]
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session } from 'node:inspector/promises';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { IOtlpExportDelegate } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { createPod, cleanupAll, type TestPod } from '../support/netns.js';
import { loadConfig } from '../../receiver/config/load.js';
import type { AgentConfig } from '../../receiver/config/types.js';
import { probeCapabilities, startAgent } from '../../receiver/agent.js';
import { createLogger } from '../../receiver/log.js';
import { VERSION } from '../../receiver/version.js';
import { AGENT_NODE_FLAGS } from '../../receiver/cli/node-flags.js';
import {
  createTelemetry,
  OTLP_POINTS_PER_REQUEST,
  respondWithExposition,
  WHOLE_BODY_MAX,
  reconnectBackoff,
  SCOPE_NAME,
  type Telemetry,
} from '../../receiver/pipeline/telemetry.js';
import { writeSnapshotExposition } from '../../receiver/pipeline/prometheus-exposition.js';
import { SnapshotMetricProducer } from '../../receiver/pipeline/snapshot-producer.js';
import { byResource, createMetricsDelegate, packRequests } from '../../receiver/pipeline/otlp-metrics.js';
import { encodeMetricsRequest } from '../../receiver/pipeline/otlp-encode.js';
import { createResources } from '../../receiver/pipeline/resources.js';
import { EMPTY_SNAPSHOT, type Snapshot } from '../../receiver/snapshot/snapshot.js';
import { benchStamp, spread, type Spread } from './stamp.js';
import { pointsIn, requestType } from './otlp-proto.js';
import { seededRandom } from '../support/prng.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const RESULTS = path.join(repo, 'test/bench/results');
/** Exports (each protocol) and scrapes (with and without gzip) before a size's rounds: the JIT's warm-up. */
const WARM_OPERATIONS = 200;
/** Repetitions of each short operation of a round (an export of the agent's own points, its send floor). */
const OWN_REPS = 50;

interface Args {
  pods: number[];
  rounds: number;
  out: string;
  /** OTEL_EXPORTER_OTLP_COMPRESSION for the exporters: the chart's default is gzip (otlp.compression). */
  compression: 'gzip' | 'none';
  /** Where to write a V8 CPU profile of the OTLP exports alone (after the measured rounds of each size). */
  profile?: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { pods: [10, 100, 250], rounds: 7, out: 'export', compression: 'gzip' };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    if (argv[i] === '--pods' && v) {
      a.pods = v
        .split(',')
        .map(Number)
        .filter((n) => n > 0)
        .sort((x, y) => x - y);
      i++;
    } else if (argv[i] === '--rounds' && v) {
      a.rounds = Number(v);
      i++;
    } else if (argv[i] === '--compression' && (v === 'gzip' || v === 'none')) {
      a.compression = v;
      i++;
    } else if (argv[i] === '--profile' && v) {
      a.profile = path.resolve(v);
      i++;
    } else if (argv[i] === '--out' && v && /^[a-z0-9-]+$/.test(v)) {
      a.out = v;
      i++;
    } else throw new Error(`export bench: unknown argument ${argv[i]}`);
  }
  if (a.pods.length === 0 || !(a.rounds >= 3)) throw new Error('export bench: --pods N,… and --rounds ≥ 3');
  return a;
}

/** CPU (user + system, all threads) in µs and wall ms of one operation, with the GC work it causes. */
async function measure(op: () => Promise<unknown> | unknown, reps: number): Promise<{ cpuUs: number; wallMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await op();
  const wallMs = (performance.now() - t0) / reps;
  const c = process.cpuUsage(c0);
  return { cpuUs: (c.user + c.system) / reps, wallMs };
}

interface Sink {
  urls: { grpc: string; http: string };
  count(): Promise<{ requests: number; bytes: number; points: number }>;
  /** GET /metrics of the agent from the sink's process (so the client's reading is not in the agent's CPU). */
  scrape(port: number, gzip: boolean): Promise<number>;
  stop(): void;
}

async function startSink(): Promise<Sink> {
  const child: ChildProcess = fork(path.join(here, 'otlp-sink.js'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const urls = await new Promise<{ grpc: string; http: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { grpc: string; http: string }));
    child.once('exit', (code) => reject(new Error(`otlp-sink exited (${code}) before listening`)));
  });
  return {
    urls,
    count: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m as { requests: number; bytes: number; points: number }));
        child.send('count');
      }),
    scrape: (port, gzip) =>
      new Promise((resolve, reject) => {
        child.once('message', (m) => {
          const r = m as { scraped?: number; error?: string };
          if (r.scraped !== undefined) resolve(r.scraped);
          else reject(new Error(`/metrics scrape: ${r.error}`));
        });
        child.send({ scrape: { port, gzip } });
      }),
    stop: () => {
      if (child.connected) child.send('stop');
      child.kill();
    },
  };
}

/** The floor of the send: bytes already encoded (the agent's encoding of the same requests, made once)
 *  through the exporter's own delegate and transport (retries, headers, compression: createMetricsDelegate). */
function bytesExporter(
  protocol: 'grpc' | 'http/protobuf',
  url: string,
  config: AgentConfig,
): IOtlpExportDelegate<Uint8Array> {
  const serializer = {
    serializeRequest: (b: Uint8Array) => b,
    deserializeResponse: (b: Uint8Array) => b,
  };
  const helper = { name: 'metric_data_point' as const, countItems: () => OTLP_POINTS_PER_REQUEST };
  return createMetricsDelegate(
    {
      url: protocol === 'grpc' ? url : `${url}/v1/metrics`,
      protocol,
      timeoutMillis: 30_000,
      reconnect: reconnectBackoff(config),
    },
    serializer,
    helper,
  ).delegate;
}

/** The same bytes through the SDK's HTTP export delegate and transport (what the agent's replaced). */
function sdkBytesExporter(url: string): IOtlpExportDelegate<Uint8Array> {
  const serializer = { serializeRequest: (b: Uint8Array) => b, deserializeResponse: (b: Uint8Array) => b };
  const helper = { name: 'metric_data_point' as const, countItems: () => OTLP_POINTS_PER_REQUEST };
  const options = convertLegacyHttpOptions(
    { url: `${url}/v1/metrics`, timeoutMillis: 30_000 },
    'METRICS',
    'v1/metrics',
    { 'Content-Type': 'application/x-protobuf' },
  );
  return createOtlpHttpExportDelegate(options, serializer, 'otlp_http_metric_exporter', helper, undefined);
}

/** Sends requests one after the other (as the agent's metric exporter does); rejects on the first failure. */
async function sendAll(d: IOtlpExportDelegate<Uint8Array>, requests: readonly Uint8Array[]): Promise<void> {
  for (const r of requests)
    await new Promise<void>((resolve, reject) =>
      d.export(r, (res) => (res.code === 0 ? resolve() : reject(res.error ?? new Error('export failed')))),
    );
}

const gzip = promisify(zlib.gzip);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

/** Where the main thread's time went in a CPU profile of OTLP exports: each sample to the first part of
 *  the pipeline found from its leaf up (so the SDK's transport calling zlib counts as gzip). */
const PROFILE_PARTS: [string, (f: ProfileNode['callFrame']) => boolean][] = [
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['gzip (main thread: stream and calls into zlib)', (f) => f.url === 'node:zlib'],
  ['snapshot producer collect', (f) => f.url.includes('/pipeline/snapshot-producer')],
  ['agent encoder', (f) => f.url.includes('/pipeline/otlp-encode')],
  ['request packing, accounting', (f) => /\/pipeline\/(otlp-metrics|export-accounting)/.test(f.url)],
  ['gRPC transport (grpc-js, http2)', (f) => f.url.includes('@grpc/grpc-js') || f.url.includes('grpc-reconnect')],
  ['HTTP transport and SDK export pipeline', (f) => f.url.includes('otlp-exporter-base') || /^node:_http/.test(f.url)],
  ['SDK reader collect (own instruments, merge)', (f) => f.url.includes('sdk-metrics')],
  ['sockets, streams, buffers (Node)', (f) => f.url.startsWith('node:')],
];

function summarizeExportProfile(profile: {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}): Record<string, number> {
  const parent = new Map<number, ProfileNode>();
  const byId = new Map<number, ProfileNode>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n);
  }
  const ms: Record<string, number> = {};
  const partOf = new Map<number, string>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    let part = partOf.get(id);
    if (part === undefined) {
      const leaf = byId.get(id)!;
      part =
        leaf.callFrame.functionName === '(idle)'
          ? 'idle'
          : leaf.callFrame.functionName === '(program)'
            ? 'V8 and native, no JS frame'
            : 'other JavaScript';
      // the profiler's own start and stop (the profile's serialization) under any frame of node:inspector
      for (let n: ProfileNode | undefined = leaf; n !== undefined; n = parent.get(n.id))
        if (n.callFrame.url === 'node:inspector') part = 'profiler';
      for (let n: ProfileNode | undefined = leaf; part !== 'profiler' && n !== undefined; n = parent.get(n.id)) {
        const hit = PROFILE_PARTS.find(([, test]) => test(n!.callFrame));
        if (hit) {
          part = hit[0];
          break;
        }
      }
      partOf.set(id, part);
    }
    ms[part] = (ms[part] ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000;
  }
  return ms;
}

interface ProfileResult {
  protocol: string;
  exports: number;
  /** CPU of the process (all threads) over the profiled exports, µs per point. */
  cpuUsPerPoint: number;
  /** Main-thread time by part, µs per point (idle left out). */
  parts: Record<string, number>;
  /** CPU on other threads (zlib's deflate in the libuv pool, V8's GC helpers): process CPU − main-thread busy, µs per point. */
  otherThreadsUsPerPoint: number;
}

async function profileExports(
  dir: string,
  name: string,
  flush: () => Promise<void>,
  points: number,
  reps: number,
): Promise<ProfileResult> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) await flush();
  const c = process.cpuUsage(c0);
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
  const ms = summarizeExportProfile(profile as never);
  delete ms.idle;
  delete ms.profiler;
  const busyMs = Object.values(ms).reduce((a, b) => a + b, 0);
  const per = (x: number): number => (x * 1000) / (points * reps);
  const parts: Record<string, number> = {};
  for (const [k, v] of Object.entries(ms).sort((a, b) => b[1] - a[1])) parts[k] = per(v);
  return {
    protocol: name,
    exports: reps,
    cpuUsPerPoint: (c.user + c.system) / (points * reps),
    parts,
    otherThreadsUsPerPoint: Math.max(0, (c.user + c.system) / (points * reps) - per(busyMs)),
  };
}

interface SizeResult {
  testPods: number;
  targets: number;
  /** The snapshot's data points (what the floors encode and send). */
  otlpPoints: number;
  /** Data points of one export at the endpoint: the snapshot's and the agent's own instruments'. */
  otlpPointsSent: number;
  otlpBytes: number;
  otlpRequests: number;
  seriesLines: number;
  textBytes: number;
  /** µs of CPU per data point / per series line, per round. */
  otlpGrpcUsPerPoint: Spread;
  otlpHttpUsPerPoint: Spread;
  collectUsPerPoint: Spread;
  sdkSerializeUsPerPoint: Spread;
  agentEncodeUsPerPoint: Spread;
  protobufjsFloorUsPerPoint: Spread;
  otlpGrpcToFloor: Spread;
  otlpHttpToFloor: Spread;
  /** The same requests' bytes, encoded beforehand, sent through the same transport (compression included). */
  sendFloorGrpcUsPerPoint: Spread;
  sendFloorHttpUsPerPoint: Spread;
  /** The same bytes through the SDK's own HTTP transport (a Readable piped through a gzip stream per request). */
  sendHttpSdkUsPerPoint: Spread;
  otlpGrpcToSendFloor: Spread;
  otlpHttpToSendFloor: Spread;
  /** zlib's gzipSync (the HTTP transport's, default level) of the same requests' bytes, alone. */
  gzipUsPerPoint: Spread;
  /** zlib.gzip, the same deflate in libuv's pool through a stream (grpc-js's per message; the HTTP transport's before). */
  gzipAsyncUsPerPoint: Spread;
  /** gzipSync at level 1 (what a lower level would save), and both sizes. */
  gzip1UsPerPoint: Spread;
  /** The whole export without the SDK's reader and the agent's own instruments, as one operation: the producer's
   *  collect, the packing, the agent's encoder and the send through the exporter's delegate and transport. */
  wholeFloorGrpcUsPerPoint: Spread;
  wholeFloorHttpUsPerPoint: Spread;
  otlpGrpcToWholeFloor: Spread;
  otlpHttpToWholeFloor: Spread;
  /** The agent's own instruments' share of an export: the same pipeline exporting an empty snapshot (one request of
   *  the agent's own points: the SDK's reader collecting its instruments, the exporter's self-metrics, the reader and
   *  accounting), µs per export; and the send alone of a pre-encoded request of as many snapshot points, µs per request.
   *  Their difference is what the agent's own instruments add to an export beside the request's send. */
  ownExportGrpcUs: Spread;
  ownExportHttpUs: Spread;
  ownSendGrpcUs: Spread;
  ownSendHttpUs: Spread;
  /** The whole floor plus that difference, per point sent; and the agent's export over it. */
  wholeWithOwnGrpcUsPerPoint: Spread;
  wholeWithOwnHttpUsPerPoint: Spread;
  otlpGrpcToWholeWithOwn: Spread;
  otlpHttpToWholeWithOwn: Spread;
  gzipBytes: number;
  gzip1Bytes: number;
  exposeUsPerSeries: Spread;
  scrapeGzipUsPerSeries: Spread;
  scrapePlainUsPerSeries: Spread;
  /** The same text, pre-built (the writer's chunks), through the same response (respondWithExposition), with and without gzip. */
  sendFloorGzipUsPerSeries: Spread;
  sendFloorPlainUsPerSeries: Spread;
  concatFloorUsPerSeries: Spread;
  exposeToFloor: Spread;
  rssMiB: number;
  /** CPU profile of the exports alone (--profile). */
  profile?: ProfileResult[];
}

async function main(): Promise<void> {
  if (!AGENT_NODE_FLAGS.every((f) => process.execArgv.includes(f))) {
    // the agent's heap settings decide its GC cost: run under them, as the agent does
    const child = spawn(
      process.execPath,
      [...AGENT_NODE_FLAGS, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
      {
        stdio: 'inherit',
      },
    );
    process.exitCode = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
    return;
  }
  const args = parseArgs(process.argv.slice(2));
  const stamp = await benchStamp();
  const load0 = loadavg();
  const lines: string[] = [];
  const log = createLogger({ level: 'warn', format: 'json', write: (l) => void lines.push(l) });
  const config: AgentConfig = loadConfig({
    env: {},
    flags: { port: '0', address: '127.0.0.1', interval: '1h' },
    probes: probeCapabilities(),
  });
  // The exporters read it from the environment, as in the agent (the chart sets it: otlp.compression).
  process.env.OTEL_EXPORTER_OTLP_COMPRESSION = args.compression;
  const sink = await startSink();
  const pods: TestPod[] = [];
  const onSignal = (): void => {
    sink.stop();
    void cleanupAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const agent = await startAgent(config, log);
  const otlp = (
    protocol: 'grpc' | 'http/protobuf',
    endpoint: string,
    snapshot: () => Snapshot = () => agent.snapshot(),
  ): Telemetry =>
    createTelemetry({
      config: { ...config, otlp: { ...config.otlp, endpoint, protocol, exportIntervalMs: 3_600_000 } },
      version: VERSION,
      snapshot,
      log,
    });
  // The /metrics send's floor: the exposition's text, pre-built, through the handler's response (same headers,
  // gzip, backpressure), on a server of this process.
  let prebuilt: string[] = [];
  const textServer = createServer(
    (req, res) =>
      void respondWithExposition(req, res, async (out) => {
        for (const c of prebuilt) await out.write(c);
      }),
  );
  await new Promise<void>((resolve) => textServer.listen(0, '127.0.0.1', resolve));
  const textPort = (textServer.address() as AddressInfo).port;
  const grpcTel = otlp('grpc', sink.urls.grpc);
  const httpTel = otlp('http/protobuf', sink.urls.http);
  // the same pipelines on an empty snapshot: an export of the agent's own instruments alone
  const ownGrpcTel = otlp('grpc', sink.urls.grpc, () => EMPTY_SNAPSHOT);
  const ownHttpTel = otlp('http/protobuf', sink.urls.http, () => EMPTY_SNAPSHOT);
  const grpcBytes = bytesExporter('grpc', sink.urls.grpc, config);
  const httpBytes = bytesExporter('http/protobuf', sink.urls.http, config);
  const httpBytesSdk = sdkBytesExporter(sink.urls.http);
  const Request = requestType();
  const scope = { name: SCOPE_NAME, version: VERSION };
  const results: SizeResult[] = [];
  try {
    for (const n of args.pods) {
      while (pods.length < n) pods.push(await createPod({ label: 'h21f' }));
      const snap: Snapshot = await agent.scheduler.runCycle();
      const mine = new Set(pods.map((p) => p.netns.inode));
      const seen = snap.targets.filter((t) => mine.has(t.netnsInode)).length;
      if (seen !== n) throw new Error(`the cycle saw ${seen} of the ${n} test pods`);
      // The same points, three ways: the SDK's bytes, decoded once by protobufjs (floor input).
      const producer = new SnapshotMetricProducer(() => snap, createResources(config, VERSION, process.env), scope);
      const collection = (await producer.collect()).resourceMetrics;
      // the SDK's input: the same collection as MetricData objects (built once, outside the timing)
      const sdkCollection = byResource(collection).map((rm) => ({
        resource: rm.resource,
        scopeMetrics: rm.scopeMetrics.map((sm) => ({ scope: sm.scope, metrics: sm.metrics })),
      }));
      const sdkBytes = (): Uint8Array[] => sdkCollection.map((rm) => ProtobufMetricsSerializer.serializeRequest(rm)!);
      const decoded = sdkBytes().map((b) => Request.decode(b));
      const points = decoded.reduce((s, m) => s + pointsIn(m), 0);
      const floorBytes = decoded.reduce((s, m) => s + Request.encode(m).finish().length, 0);
      const sdkLen = sdkBytes().reduce((s, b) => s + b.length, 0);
      if (floorBytes !== sdkLen) throw new Error(`protobufjs re-encodes ${floorBytes} bytes, the SDK ${sdkLen}`);
      // the agent's encoder (what the exporters send) writes the SDK's bytes for this snapshot
      const ours = (): Uint8Array => encodeMetricsRequest(byResource(collection))!;
      if (!Buffer.from(ours()).equals(Buffer.concat(sdkBytes())))
        throw new Error('the agent encoder differs from the SDK');
      // The requests the exporter sends for this collection, encoded once (the send floor's input).
      const requestBytes = packRequests(byResource(collection), OTLP_POINTS_PER_REQUEST).map((r) =>
        encodeMetricsRequest(r)!,
      );
      // The exposition's lines, for the string floor.
      let text = '';
      const chunks: string[] = [];
      await writeSnapshotExposition(
        snap,
        {
          write: (c) => {
            text += c;
            chunks.push(c);
          },
        },
        { scope },
      );
      prebuilt = chunks;
      const sampleLines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
      const keys = sampleLines.map((l) => l.slice(0, l.lastIndexOf(' ')));
      const values = sampleLines.map((l) => Number(l.slice(l.lastIndexOf(' ') + 1).replace('+Inf', 'Infinity')));
      const per = {
        grpc: [] as number[],
        http: [] as number[],
        collect: [] as number[],
        serialize: [] as number[],
        encode: [] as number[],
        floor: [] as number[],
        expose: [] as number[],
        scrape: [] as number[],
        plain: [] as number[],
        sendText: [] as number[],
        sendTextPlain: [] as number[],
        concat: [] as number[],
        sendGrpc: [] as number[],
        sendHttp: [] as number[],
        sendHttpSdk: [] as number[],
        gzip: [] as number[],
        gzip1: [] as number[],
        gzipAsync: [] as number[],
        wholeGrpc: [] as number[],
        wholeHttp: [] as number[],
        ownGrpc: [] as number[],
        ownHttp: [] as number[],
        ownSendGrpc: [] as number[],
        ownSendHttp: [] as number[],
        wholeOwnGrpc: [] as number[],
        wholeOwnHttp: [] as number[],
      };
      const ratio = {
        grpc: [] as number[],
        http: [] as number[],
        expose: [] as number[],
        grpcSend: [] as number[],
        httpSend: [] as number[],
        grpcWhole: [] as number[],
        httpWhole: [] as number[],
        grpcWholeOwn: [] as number[],
        httpWholeOwn: [] as number[],
      };
      let otlpBytes = 0;
      let otlpRequests = 0;
      let sentPoints = 0;
      // Small sizes: each measurement repeats its operation for ≥ ~20k points, so it lasts long enough.
      const reps = Math.max(1, Math.ceil(20_000 / points));
      // An export of the agent's own points alone, and a pre-encoded request of as many snapshot points (its send
      // floor); both short, so each is measured over OWN_REPS of them.
      const c0 = await sink.count();
      await ownHttpTel.exportMetrics();
      const ownPoints = (await sink.count()).points - c0.points;
      if (ownPoints <= 0) throw new Error('an export of the empty snapshot reached the endpoint with no point');
      const ownSized = packRequests(byResource(collection), ownPoints)[0]!;
      const ownSizedBytes = [encodeMetricsRequest(ownSized)!];
      // The JIT's warm-up, unmeasured: what runs once per export or scrape (a request, a Resource, a
      // family) is optimized only after enough of them, which at 10 pods the two warm-up rounds did not
      // give: a second pass of the same size in one process measured 0.7–1.3 µs per point less. An agent
      // exports and is scraped every 15 s for days; these give each path WARM_OPERATIONS (5 s at most).
      const warmUntil = Date.now() + 5000;
      for (let i = 0; i < WARM_OPERATIONS && Date.now() < warmUntil; i++) {
        await grpcTel.exportMetrics();
        await httpTel.exportMetrics();
        await sink.scrape(agent.http.port, true);
        await sink.scrape(agent.http.port, false);
        await ownGrpcTel.exportMetrics();
        await ownHttpTel.exportMetrics();
        await sendAll(grpcBytes, ownSizedBytes);
        await sendAll(httpBytes, ownSizedBytes);
      }
      // Two rounds unmeasured first: the JIT (and protobufjs's generated encoders) settle.
      for (let r = -2; r < args.rounds; r++) {
        // The operations of a round in a random order (seeded by size and round): a GC one of them leaves due
        // lands in whichever runs next, and in a fixed order that was the same one every round (at 250 pods
        // five of nine gRPC send floors took a mark-compact after the scrapes).
        const whole = (bytes: IOtlpExportDelegate<Uint8Array>) => async (): Promise<void> => {
          // the whole export as the agent does it, less the SDK's reader: collect, pack, encode, send
          const { resourceMetrics } = await producer.collect();
          for (const q of packRequests(byResource(resourceMetrics), OTLP_POINTS_PER_REQUEST))
            await sendAll(bytes, [encodeMetricsRequest(q)!]);
        };
        const counted = { grpc: { requests: 0, bytes: 0, points: 0 }, http: { requests: 0, bytes: 0, points: 0 } };
        const flushCounted = (protocol: 'grpc' | 'http', tel: Telemetry) => async (): Promise<void> => {
          const c0 = await sink.count();
          const t = await measure(() => tel.exportMetrics(), reps);
          const c1 = await sink.count();
          counted[protocol] = {
            requests: c1.requests - c0.requests,
            bytes: c1.bytes - c0.bytes,
            points: c1.points - c0.points,
          };
          times[protocol] = t;
        };
        const times: Record<string, { cpuUs: number; wallMs: number }> = {};
        const ops: [string, () => Promise<unknown> | unknown][] = [
          ['c', () => producer.collect()],
          ['s', sdkBytes],
          ['en', ours],
          ['f', () => decoded.map((m) => Request.encode(m).finish())],
          ['e', () => writeSnapshotExposition(snap, { write: () => undefined }, { scope })],
          ['sc', () => sink.scrape(agent.http.port, true)],
          ['sp', () => sink.scrape(agent.http.port, false)],
          ['sf', () => sink.scrape(textPort, true)],
          ['sfp', () => sink.scrape(textPort, false)],
          ['sg', () => sendAll(grpcBytes, requestBytes)],
          ['sh', () => sendAll(httpBytes, requestBytes)],
          ['shSdk', () => sendAll(httpBytesSdk, requestBytes)],
          ['wg', whole(grpcBytes)],
          ['wh', whole(httpBytes)],
          ['ownG', () => ownGrpcTel.exportMetrics()],
          ['ownH', () => ownHttpTel.exportMetrics()],
          ['ownSG', () => sendAll(grpcBytes, ownSizedBytes)],
          ['ownSH', () => sendAll(httpBytes, ownSizedBytes)],
          [
            'gz',
            () => {
              for (const b of requestBytes) zlib.gzipSync(b, { chunkSize: 64 * 1024 });
            },
          ],
          [
            'gza',
            async () => {
              for (const b of requestBytes) await gzip(b);
            },
          ],
          [
            'gz1',
            () => {
              for (const b of requestBytes) zlib.gzipSync(b, { level: 1, chunkSize: 64 * 1024 });
            },
          ],
          [
            'cc',
            () => {
              let buf = '';
              for (let i = 0; i < keys.length; i++) {
                buf += `${keys[i]} ${values[i]}\n`;
                if (buf.length >= 65536) buf = '';
              }
              return buf.length;
            },
          ],
        ];
        const order = [...ops.map((o) => o[0]), 'grpc', 'http'];
        const random = seededRandom(n * 1000 + r + 2); // the same order for a size and round in every run
        for (let i = order.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        for (const name of order) {
          if (name === 'grpc') await flushCounted('grpc', grpcTel)();
          else if (name === 'http') await flushCounted('http', httpTel)();
          else
            times[name] = await measure(ops.find((o) => o[0] === name)![1], name.startsWith('own') ? OWN_REPS : reps);
        }
        if (counted.grpc.requests === 0 || counted.http.requests === 0)
          throw new Error('an OTLP export reached the endpoint with no request');
        otlpBytes = counted.http.bytes / reps;
        otlpRequests = counted.http.requests / reps;
        // Points sent: the snapshot's and the agent's own instruments' (the endpoint counts them)
        const grpcPoints = counted.grpc.points / reps;
        const httpPoints = counted.http.points / reps;
        sentPoints = httpPoints;
        const [
          g,
          h,
          c,
          s,
          en,
          f,
          e,
          sc,
          sp,
          sf,
          sfp,
          sg,
          sh,
          shSdk,
          wg,
          wh,
          gz,
          gza,
          gz1,
          cc,
          ownG,
          ownH,
          ownSG,
          ownSH,
        ] = [
          'grpc',
          'http',
          'c',
          's',
          'en',
          'f',
          'e',
          'sc',
          'sp',
          'sf',
          'sfp',
          'sg',
          'sh',
          'shSdk',
          'wg',
          'wh',
          'gz',
          'gza',
          'gz1',
          'cc',
          'ownG',
          'ownH',
          'ownSG',
          'ownSH',
        ].map((k) => times[k]!);
        if (r < 0) continue;
        const grpcPerPoint = g.cpuUs / grpcPoints;
        const httpPerPoint = h.cpuUs / httpPoints;
        per.grpc.push(grpcPerPoint);
        per.http.push(httpPerPoint);
        per.collect.push(c.cpuUs / points);
        per.serialize.push(s.cpuUs / points);
        per.encode.push(en.cpuUs / points);
        per.floor.push(f.cpuUs / points);
        per.expose.push(e.cpuUs / keys.length);
        per.scrape.push(sc.cpuUs / keys.length);
        per.plain.push(sp.cpuUs / keys.length);
        per.sendText.push(sf.cpuUs / keys.length);
        per.sendTextPlain.push(sfp.cpuUs / keys.length);
        per.sendGrpc.push(sg.cpuUs / points);
        per.sendHttp.push(sh.cpuUs / points);
        per.sendHttpSdk.push(shSdk.cpuUs / points);
        per.gzip.push(gz.cpuUs / points);
        per.gzip1.push(gz1.cpuUs / points);
        per.gzipAsync.push(gza.cpuUs / points);
        per.wholeGrpc.push(wg.cpuUs / points);
        per.wholeHttp.push(wh.cpuUs / points);
        ratio.grpcWhole.push(grpcPerPoint / (wg.cpuUs / points));
        ratio.httpWhole.push(httpPerPoint / (wh.cpuUs / points));
        // the whole floor with the agent's own instruments' share added: what remains over it is the reader's own work
        const wholeOwnGrpc = (wg.cpuUs + ownG.cpuUs - ownSG.cpuUs) / grpcPoints;
        const wholeOwnHttp = (wh.cpuUs + ownH.cpuUs - ownSH.cpuUs) / httpPoints;
        per.ownGrpc.push(ownG.cpuUs);
        per.ownHttp.push(ownH.cpuUs);
        per.ownSendGrpc.push(ownSG.cpuUs);
        per.ownSendHttp.push(ownSH.cpuUs);
        per.wholeOwnGrpc.push(wholeOwnGrpc);
        per.wholeOwnHttp.push(wholeOwnHttp);
        ratio.grpcWholeOwn.push(grpcPerPoint / wholeOwnGrpc);
        ratio.httpWholeOwn.push(httpPerPoint / wholeOwnHttp);
        per.concat.push(cc.cpuUs / keys.length);
        ratio.grpc.push(grpcPerPoint / (f.cpuUs / points));
        ratio.http.push(httpPerPoint / (f.cpuUs / points));
        ratio.grpcSend.push(grpcPerPoint / (sg.cpuUs / points));
        ratio.httpSend.push(httpPerPoint / (sh.cpuUs / points));
        ratio.expose.push(e.cpuUs / cc.cpuUs);
      }
      const res: SizeResult = {
        testPods: n,
        targets: snap.targets.length,
        otlpPoints: points,
        otlpPointsSent: sentPoints,
        otlpBytes,
        otlpRequests,
        seriesLines: keys.length,
        textBytes: text.length,
        otlpGrpcUsPerPoint: spread(per.grpc),
        otlpHttpUsPerPoint: spread(per.http),
        collectUsPerPoint: spread(per.collect),
        sdkSerializeUsPerPoint: spread(per.serialize),
        agentEncodeUsPerPoint: spread(per.encode),
        protobufjsFloorUsPerPoint: spread(per.floor),
        otlpGrpcToFloor: spread(ratio.grpc),
        otlpHttpToFloor: spread(ratio.http),
        otlpGrpcToSendFloor: spread(ratio.grpcSend),
        otlpHttpToSendFloor: spread(ratio.httpSend),
        sendFloorGrpcUsPerPoint: spread(per.sendGrpc),
        sendFloorHttpUsPerPoint: spread(per.sendHttp),
        sendHttpSdkUsPerPoint: spread(per.sendHttpSdk),
        gzipUsPerPoint: spread(per.gzip),
        gzip1UsPerPoint: spread(per.gzip1),
        gzipAsyncUsPerPoint: spread(per.gzipAsync),
        wholeFloorGrpcUsPerPoint: spread(per.wholeGrpc),
        wholeFloorHttpUsPerPoint: spread(per.wholeHttp),
        otlpGrpcToWholeFloor: spread(ratio.grpcWhole),
        otlpHttpToWholeFloor: spread(ratio.httpWhole),
        ownExportGrpcUs: spread(per.ownGrpc),
        ownExportHttpUs: spread(per.ownHttp),
        ownSendGrpcUs: spread(per.ownSendGrpc),
        ownSendHttpUs: spread(per.ownSendHttp),
        wholeWithOwnGrpcUsPerPoint: spread(per.wholeOwnGrpc),
        wholeWithOwnHttpUsPerPoint: spread(per.wholeOwnHttp),
        otlpGrpcToWholeWithOwn: spread(ratio.grpcWholeOwn),
        otlpHttpToWholeWithOwn: spread(ratio.httpWholeOwn),
        gzipBytes: requestBytes.reduce((t, b) => t + zlib.gzipSync(b).length, 0),
        gzip1Bytes: requestBytes.reduce((t, b) => t + zlib.gzipSync(b, { level: 1 }).length, 0),
        exposeUsPerSeries: spread(per.expose),
        scrapeGzipUsPerSeries: spread(per.scrape),
        scrapePlainUsPerSeries: spread(per.plain),
        sendFloorGzipUsPerSeries: spread(per.sendText),
        sendFloorPlainUsPerSeries: spread(per.sendTextPlain),
        concatFloorUsPerSeries: spread(per.concat),
        exposeToFloor: spread(ratio.expose),
        rssMiB: process.memoryUsage().rss / 2 ** 20,
      };
      if (args.profile !== undefined) {
        const flushReps = Math.max(3, reps);
        res.profile = [];
        for (const [protocol, tel] of [
          ['grpc', grpcTel],
          ['http', httpTel],
        ] as const)
          res.profile.push(
            await profileExports(
              args.profile,
              `export-${n}-${protocol}`,
              () => tel.exportMetrics(),
              res.otlpPointsSent,
              flushReps,
            ),
          );
      }
      results.push(res);
      process.stderr.write(
        `export: ${n} pods, ${points} points, ${keys.length} series: OTLP grpc ${res.otlpGrpcUsPerPoint.median.toFixed(2)} / http ${res.otlpHttpUsPerPoint.median.toFixed(2)} µs/point (floor ${res.protobufjsFloorUsPerPoint.median.toFixed(2)}), /metrics ${res.exposeUsPerSeries.median.toFixed(2)} µs/series (floor ${res.concatFloorUsPerSeries.median.toFixed(2)})\n`,
      );
    }
  } finally {
    await grpcTel.shutdown().catch(() => undefined);
    await httpTel.shutdown().catch(() => undefined);
    await grpcBytes.shutdown().catch(() => undefined);
    await httpBytes.shutdown().catch(() => undefined);
    await httpBytesSdk.shutdown().catch(() => undefined);
    await ownGrpcTel.shutdown().catch(() => undefined);
    await ownHttpTel.shutdown().catch(() => undefined);
    await agent.stop().catch(() => undefined);
    textServer.close();
    sink.stop();
    await cleanupAll();
  }
  const out = {
    bench: 'export',
    ...stamp,
    rounds: args.rounds,
    compression: args.compression,
    machine: { cpus: cpus().length, model: cpus()[0]?.model, memGiB: totalmem() / 2 ** 30, kernel: release() },
    node: process.version,
    loadAverageBefore: load0,
    loadAverageAfter: loadavg(),
    targets: { otlpUsPerPoint: 2, metricsUsPerSeries: 2 },
    method:
      'CPU of this process (user+system, all threads) per operation with the agent V8 flags and no forced GC, divided by the points exported / sample lines written; the OTLP endpoint is another process; median and spread over rounds',
    sizes: results,
    warnings: lines.length,
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, `${args.out}.json`), `${JSON.stringify(out, null, 2)}\n`);
  writeFileSync(path.join(RESULTS, `${args.out}.md`), markdown(out));
  process.stderr.write(`export: wrote ${path.join('test/bench/results', `${args.out}.{json,md}`)}\n`);
}

const f2 = (s: Spread, digits = 2): string =>
  `${s.median.toFixed(digits)} [${s.q1.toFixed(digits)}–${s.q3.toFixed(digits)}; ${s.min.toFixed(digits)}–${s.max.toFixed(digits)}]`;

function markdown(o: {
  commit: string;
  dirty: boolean;
  date: string;
  rounds: number;
  compression: string;
  loadAverageBefore: number[];
  loadAverageAfter: number[];
  sizes: SizeResult[];
}): string {
  const rows = (pick: (r: SizeResult) => string): string =>
    o.sizes.map((r) => `| ${r.testPods} | ${pick(r)} |`).join('\n');
  return `# Export cost: OTLP per data point, /metrics per series

Written by \`npm run bench\` (test/bench/export.ts) at commit ${o.commit}${o.dirty ? ' (with uncommitted changes)' : ''}, ${o.date}.
${o.rounds} rounds per size, after a warm-up (the JIT's: ${WARM_OPERATIONS} exports of each protocol and scrapes with and without gzip, 5 s at most, then two unmeasured rounds), the operations of a round in a random order (a GC one leaves due lands in another: in a fixed order, always the same one); load average ${o.loadAverageBefore.map((x) => x.toFixed(1)).join('/')} before, ${o.loadAverageAfter.map((x) => x.toFixed(1)).join('/')} after (2 cores shared with other work).
Figures: median [quartiles; min–max] over rounds. CPU of the agent's process (all threads) per operation,
with the agent's V8 flags (${AGENT_NODE_FLAGS.join(' ')}), the GC each operation causes included. Targets: OTLP ≤ 2 µs per point, /metrics ≤ 2 µs per series.
OTLP compression: **${o.compression}** (\`OTEL_EXPORTER_OTLP_COMPRESSION\`; the Helm chart's default, \`otlp.compression\`, is gzip).

## OTLP: µs of CPU per data point (one whole collection exported; the endpoint is another process)

An export sends the snapshot's points and the agent's own instruments' (counted at the endpoint): its CPU is divided
by all the points it sent; a floor's by the snapshot's points it encodes or sends; the ratios are per point.

| test pods | points of the snapshot | points sent (with the agent's own) | requests | bytes at the endpoint (http: as sent; gRPC: after grpc-js decompressed) | gRPC | http/protobuf | floor: protobufjs encode | gRPC ÷ floor | http ÷ floor |
|---|---|---|---|---|---|---|---|---|---|
${o.sizes
  .map(
    (r) =>
      `| ${r.testPods} | ${r.otlpPoints} | ${r.otlpPointsSent} | ${r.otlpRequests} | ${Math.round(r.otlpBytes)} | ${f2(r.otlpGrpcUsPerPoint)} | ${f2(r.otlpHttpUsPerPoint)} | ${f2(r.protobufjsFloorUsPerPoint)} | ${f2(r.otlpGrpcToFloor)} | ${f2(r.otlpHttpToFloor)} |`,
  )
  .join('\n')}

Where it goes (µs per point, same rounds): the snapshot producer's collect alone (columns over the snapshot, no object per point); on a prepared collection, the SDK's protobuf serializer alone (on the same collection as MetricData objects, built outside the timing) and the agent's encoder alone (otlp-encode.ts, what the exporters send, straight from the columns; its bytes are checked equal to the SDK's at every size).

| test pods | collect | SDK serialize | agent encoder |
|---|---|---|---|
${rows((r) => `${f2(r.collectUsPerPoint)} | ${f2(r.sdkSerializeUsPerPoint)} | ${r.agentEncodeUsPerPoint ? f2(r.agentEncodeUsPerPoint) : 'n/a'}`)}

The floor that proves the send's share (same rounds): the same requests' bytes, encoded once beforehand, sent one after
the other through the exporters' own delegate and transport, headers and compression (no collect, no encode); the
same through the SDK's HTTP transport (a Readable piped through a gzip stream per request: what the agent's
transport, one zlib.gzipSync call per request, replaced); and zlib's gzip alone of the same bytes at the default level:
gzipSync, the HTTP transport's, and zlib.gzip, the same deflate in libuv's pool through a stream (what grpc-js does
to every message, and the HTTP transport did before), and gzipSync at level 1.

| test pods | send floor gRPC | send floor http | the same through the SDK's HTTP transport | gzipSync alone (bytes) | zlib.gzip alone | gzipSync level 1 alone (bytes) | gRPC ÷ send floor | http ÷ send floor |
|---|---|---|---|---|---|---|---|---|
${rows((r) => `${f2(r.sendFloorGrpcUsPerPoint)} | ${f2(r.sendFloorHttpUsPerPoint)} | ${r.sendHttpSdkUsPerPoint ? f2(r.sendHttpSdkUsPerPoint) : 'n/a'} | ${f2(r.gzipUsPerPoint)} (${r.gzipBytes}) | ${r.gzipAsyncUsPerPoint ? f2(r.gzipAsyncUsPerPoint) : 'n/a'} | ${f2(r.gzip1UsPerPoint)} (${r.gzip1Bytes}) | ${f2(r.otlpGrpcToSendFloor)} | ${f2(r.otlpHttpToSendFloor)}`)}

The whole export's floor (same rounds): what an export of these points must do, as one operation, without the SDK's
reader and the agent's own instruments: the producer's collect, the packing into requests, the agent's encoder and
the send of each request through the exporter's delegate and transport (compression included).

| test pods | whole floor gRPC | whole floor http | gRPC ÷ whole floor | http ÷ whole floor |
|---|---|---|---|---|
${rows((r) => (r.wholeFloorGrpcUsPerPoint ? `${f2(r.wholeFloorGrpcUsPerPoint)} | ${f2(r.wholeFloorHttpUsPerPoint)} | ${f2(r.otlpGrpcToWholeFloor)} | ${f2(r.otlpHttpToWholeFloor)}` : 'n/a | n/a | n/a | n/a'))}

The agent's own instruments' share (same rounds): the same pipeline exporting an empty snapshot, a request of the
agent's own points alone (the SDK's reader collecting the agent's instruments, the exporter's otel.sdk.exporter.*
metrics, the reader and the export's accounting, and the request's send), µs per export; beside the send alone of a
pre-encoded request of as many snapshot points through the same delegate and transport, µs per request. The whole
floor plus their difference is the floor with the agent's own instruments (per point sent); what the agent's export
takes over it is the rest of its reader's work.

| test pods | own-instruments export gRPC (µs) | its request's send gRPC (µs) | own-instruments export http (µs) | its request's send http (µs) | whole floor + own gRPC | whole floor + own http | gRPC ÷ it | http ÷ it |
|---|---|---|---|---|---|---|---|---|
${rows((r) => (r.ownExportGrpcUs ? `${f2(r.ownExportGrpcUs, 0)} | ${f2(r.ownSendGrpcUs, 0)} | ${f2(r.ownExportHttpUs, 0)} | ${f2(r.ownSendHttpUs, 0)} | ${f2(r.wholeWithOwnGrpcUsPerPoint)} | ${f2(r.wholeWithOwnHttpUsPerPoint)} | ${f2(r.otlpGrpcToWholeWithOwn)} | ${f2(r.otlpHttpToWholeWithOwn)}` : 'n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a'))}
${profileSection(o.sizes)}
## /metrics: µs of CPU per series (sample line)

| test pods | series | text bytes | exposition writer | scrape without gzip | scrape with gzip (Prometheus asks for it) | send floor without gzip | send floor with gzip | floor: string concat | writer ÷ floor |
|---|---|---|---|---|---|---|---|---|---|
${o.sizes
  .map(
    (r) =>
      `| ${r.testPods} | ${r.seriesLines} | ${r.textBytes} | ${f2(r.exposeUsPerSeries)} | ${f2(r.scrapePlainUsPerSeries)} | ${f2(r.scrapeGzipUsPerSeries)} | ${r.sendFloorPlainUsPerSeries ? f2(r.sendFloorPlainUsPerSeries) : 'n/a'} | ${r.sendFloorGzipUsPerSeries ? f2(r.sendFloorGzipUsPerSeries) : 'n/a'} | ${f2(r.concatFloorUsPerSeries)} | ${f2(r.exposeToFloor)} |`,
  )
  .join('\n')}

A scrape is the agent's whole HTTP handler (a new loopback connection, the exposition writer, the response: up to
${WHOLE_BODY_MAX / 2 ** 20} MiB of text in one piece, gzipped in one call when asked; a larger text streamed, through a gzip stream when
asked, with backpressure: the CPU of the agent's process); the client is the sink's process, reading and dropping
the body. The send floor is the same text, pre-built (the writer's chunks of this snapshot), sent through the same
response from a server in the agent's process to the same client: what the send costs without the writer.
`;
}

function profileSection(sizes: SizeResult[]): string {
  const profiled = sizes.filter((r) => r.profile !== undefined);
  if (profiled.length === 0) return '';
  const parts = [...new Set(profiled.flatMap((r) => r.profile!.flatMap((p) => Object.keys(p.parts))))];
  const head = profiled.flatMap((r) =>
    r.profile!.map((p) => `${r.testPods} pods ${p.protocol.replace(/^export-\d+-/, '')}`),
  );
  const cell = (f: (p: ProfileResult) => number): string =>
    profiled.flatMap((r) => r.profile!.map((p) => f(p).toFixed(2))).join(' | ');
  return `
### Where one export goes: CPU profile (--profile)

After the measured rounds, whole collections exported again under V8's sampling profiler (node:inspector, 200 µs),
the exports only. Each sample counts for the first part of the pipeline found from its leaf up. µs per point; the
profiler adds its own cost, so these rows add up to more than the figures above. Other threads: the process's CPU
minus the main thread's sampled busy time (zlib's deflate runs in libuv's pool, V8's GC helpers).

| part | ${head.join(' | ')} |
|---|${head.map(() => '---|').join('')}
| **process CPU, all threads** | ${cell((p) => p.cpuUsPerPoint)} |
${parts.map((k) => `| ${k} | ${cell((p) => p.parts[k] ?? 0)} |`).join('\n')}
| other threads | ${cell((p) => p.otherThreadsUsPerPoint)} |
`;
}

await main();

// The only module that knows OpenTelemetry. Readers (Prometheus scrape, periodic OTLP export) read
// the snapshot — a scrape never triggers kernel reads — and the agent's own metrics are SDK
// instruments (its OTLP pipeline's are the SDK's own otel.sdk.* self-observability). Events become
// LogRecords. In OTLP each target's data and events travel under the target's Resource (resources.ts).
import { hostname } from 'node:os';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Writable } from 'node:stream';
import { constants as zlibConstants, createGzip, gzipSync } from 'node:zlib';
import type { Resource } from '@opentelemetry/resources';
import { diag } from '@opentelemetry/api';
import { globalErrorHandler } from '@opentelemetry/core';
import {
  AggregationType,
  MeterProvider,
  MetricReader,
  createAllowListAttributesProcessor,
  type IMetricReader,
  type ViewOptions,
} from '@opentelemetry/sdk-metrics';
// http/protobuf means protobuf: the -otlp-http exporters would send JSON.
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { LogsExporterMetricsHelper, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { OTEL_COMPONENT_TYPE_VALUE_OTLP_GRPC_LOG_EXPORTER } from './component-types.js';
import { OTLPLogExporter as HttpLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import {
  BatchLogRecordProcessor,
  LoggerProvider,
  type LogRecordExporter,
  type LogRecordProcessor,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import { SeverityNumber, type Logger as OtelLogger } from '@opentelemetry/api-logs';
import type { Severity } from '../../semconv/types.js';
import {
  AGENT_BPF_SKIPPED_RUNS,
  AGENT_CYCLE_DURATION,
  AGENT_EXPORTER_DURATION,
  AGENT_PROBE_DURATION,
  AGENT_PROBE_ERRORS,
  AGENT_TARGET_COUNT,
  ATTR_ERROR_TYPE,
  ATTR_KUBESKOOP_BPF_PROGRAM_NAME,
  ATTR_KUBESKOOP_PROBE_NAME,
  ATTR_KUBESKOOP_TARGET_KIND,
} from '../../semconv/generated/registry.js';
import type { AgentConfig, LokiSinkConfig } from '../config/types.js';
import { lokiOtlpUrl } from '../events/loki.js';
import { createLokiOtlpLogExporter } from './loki-otlp.js';
import type { SampleAttributes } from '../probes/probe.js';
import { holdSnapshot, type Snapshot } from '../snapshot/snapshot.js';
import { SnapshotMetricProducer } from './snapshot-producer.js';
import { SnapshotExportingReader } from './export-reader.js';
import { renderLegacyMetrics } from './legacy-prometheus.js';
import { renderCollection, targetInfo, writeSnapshotExposition, type TextSink } from './prometheus-exposition.js';
import { createResources } from './resources.js';
import { createResourcesMetricExporter } from './otlp-metrics.js';
import { createGrpcExportDelegate } from './grpc-reconnect.js';
import type { CycleReport } from '../snapshot/scheduler.js';
import type { Logger } from '../log.js';
import type { EventRecord } from '../probes/event-record.js';
import { ExportAccounting } from './export-accounting.js';
import { createSpanPipeline } from './traces.js';

export type { EventRecord } from '../probes/event-record.js';

export const SCOPE_NAME = 'kubeskoop-otel';

export interface TelemetryOptions {
  readonly config: AgentConfig;
  readonly version: string;
  readonly snapshot: () => Snapshot;
  readonly log: Logger;
  /** Runs of the loaded eBPF programs the kernel skipped (the native source's; absent: none loaded here). */
  readonly bpfSkippedRuns?: () => readonly { probe: string; program: string; runs: number }[];
  /** Where the downward API's POD_NAME / POD_NAMESPACE / POD_UID are read (service.instance.id); default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface Telemetry {
  readonly resource: Resource;
  /** Serves GET /metrics (Prometheus text) from the snapshot. */
  handleMetrics(req: IncomingMessage, res: ServerResponse): void;
  /** Records the agent's own per-cycle metrics. */
  recordCycle(report: CycleReport): void;
  /** One kernel event as a LogRecord (OTLP, and Loki when configured), under the Resource of the target
   *  whose identity (targetAttributes) is given. */
  emitEvent(event: EventRecord, identity: SampleAttributes): void;
  /** The event's kernel interval (event.span) as a root span under the target's Resource; nothing when
   *  the trace signal is off. */
  emitSpan(event: EventRecord, identity: SampleAttributes): void;
  /** The trace signal is on (traces.enabled, or OTEL_TRACES_EXPORTER=otlp, with an endpoint). */
  readonly tracing: boolean;
  /** OTLP exports per signal: outcomes, failures, dropped records (for /status). */
  exportStatus(): Record<string, unknown>;
  /** One OTLP metrics collect-and-export, as the export interval runs it (nothing when OTLP is off):
   *  the export bench's unit of work. forceFlush also flushes the log and span pipelines and the exporter. */
  exportMetrics(): Promise<void>;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

const SEVERITY: Record<Severity, SeverityNumber> = {
  DEBUG: SeverityNumber.DEBUG,
  INFO: SeverityNumber.INFO,
  WARN: SeverityNumber.WARN,
  ERROR: SeverityNumber.ERROR,
};

/** Event log records held per batch pipeline while the backend is slow or down (bounds memory). */
const LOG_QUEUE_SIZE = 8192;

/** Data points per OTLP metrics request. A node's collection (~33k points at 250 pods, ~5 MB of protobuf)
 *  goes as several requests: the exporter holds one part's encoding at a time (in one reused buffer),
 *  and each request stays well under the collector's default gRPC limit of 4 MiB per message (8192
 *  points ≈ 1.3 MB at ~156 bytes per point). What a request costs whatever its size is large: at 2048
 *  points per request the export took 1.99–2.32 µs of CPU per point at 250 pods, at 8192 1.25–1.33
 *  (paired runs of the export bench, both builds alternating). */
export const OTLP_POINTS_PER_REQUEST = 8192;

/** Seconds buckets for the agent's own durations: 100 µs … 10 s. */
const AGENT_DURATION_BUCKETS = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];

/** gRPC reconnects on the retry buffer's schedule (the retry settings), not grpc-js's up-to-120 s. */
export function reconnectBackoff(config: AgentConfig): { initialMs: number; maxMs: number } {
  return { initialMs: config.otlp.buffer.initialBackoffMs, maxMs: config.otlp.buffer.maxBackoffMs };
}

function signalUrl(endpoint: string, protocol: 'grpc' | 'http/protobuf', signal: 'metrics' | 'logs'): string {
  if (protocol === 'grpc') return endpoint;
  // OTEL_EXPORTER_OTLP_ENDPOINT is a base URL: the HTTP exporter posts to <base>/v1/<signal>.
  return /\/v1\/(metrics|logs)$/.test(endpoint)
    ? endpoint.replace(/(metrics|logs)$/, signal)
    : `${endpoint.replace(/\/$/, '')}/v1/${signal}`;
}

/** The loki sinks that go through Loki's OTLP endpoint (LogRecords of this pipeline). */
export function lokiOtlpSinks(config: AgentConfig): LokiSinkConfig[] {
  return config.events.sinks.filter((s): s is LokiSinkConfig => s.kind === 'loki' && s.protocol === 'otlp');
}

/** The agent's own Resource (resources.ts). */
export function buildResource(
  config: AgentConfig,
  version: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Resource {
  return createResources(config, version, env).agent;
}

/** OTLP collections without a /metrics collection between them before the /metrics reader drains. */
export const PULL_DRAIN_COLLECTIONS = 4;

/**
 * A reader the /metrics handler collects the agent's own instruments with. Beside the OTLP reader, the
 * SDK keeps each OTLP collection's accumulations for this reader until it collects (sdk-metrics 2.12.0,
 * TemporalMetricProcessor; opentelemetry-js#6444): with /metrics enabled and never scraped (an OTLP-only
 * user), or scraped with `names: legacy` (which does not collect the agent's own instruments), that was
 * 2–2.5 KB more heap per export without bound (test/pipeline/pull-reader-drain.test.ts: 7.2 MiB over
 * 3,000 exports; ~12 MB a day at a 15 s interval). So after
 * PULL_DRAIN_COLLECTIONS OTLP collections with no collection of its own, it collects and drops the result:
 * its temporality is cumulative, so the next scrape shows the same values.
 */
class PullReader extends MetricReader {
  private othersSince = 0;
  private closing = false;

  override collect(options?: Parameters<MetricReader['collect']>[0]): ReturnType<MetricReader['collect']> {
    this.othersSince = 0;
    return super.collect(options);
  }

  /** Another reader of the provider collected. */
  otherCollected(): void {
    // not once shutting down: the OTLP reader's last export may come after this reader's shutdown
    if (this.closing || ++this.othersSince < PULL_DRAIN_COLLECTIONS) return;
    this.collect().then(
      ({ errors }) => errors.length > 0 && diag.error('metrics collection errors', ...errors),
      (err: unknown) => globalErrorHandler(err as Error),
    );
  }

  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {
    this.closing = true;
  }
}

/** An exposition up to this size (text bytes) is sent in one piece: gzipped with one gzipSync call, or
 *  written with one res.end, with a Content-Length. At 10 pods (343 KB of text) a gzip stream and its
 *  jobs in libuv's pool took more CPU than the text itself: a gzip scrape 2.90 µs per series, 1.74 in one
 *  piece (test/bench/results/export.md, and the file in git before this). A larger one (7.5 MB at 250
 *  pods) streams with backpressure past this much, so a scrape holds at most this much text. */
export const WHOLE_BODY_MAX = 1 << 20;

/** Takes a scrape's chunks: held while the text fits WHOLE_BODY_MAX (then sent in one piece, by end()),
 *  streamed to the response past it (through a gzip stream when the scraper takes gzip) with
 *  backpressure, giving the event loop a turn every ~10 ms of work so a large exposition does not hold up
 *  collection cycles or other requests. A class, not an object literal with a closure: the exposition
 *  writer's optimized code took each scrape's closure for its call target, and was deoptimized when
 *  that scrape's closure was collected ("weak objects", --trace-deopt), then compiled again. */
class ResponseSink implements TextSink {
  private since = performance.now();
  /** The chunks so far while the body may still go in one piece; undefined once streaming. */
  private held: Buffer[] | undefined = [];
  private heldBytes = 0;
  private out: Writable | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly gzip: boolean,
  ) {}

  private headers(): Record<string, string> {
    return {
      'content-type': 'text/plain; version=0.0.4; charset=utf-8',
      ...(this.gzip ? { 'content-encoding': 'gzip' } : {}),
      vary: 'Accept-Encoding',
    };
  }

  async write(chunk: string): Promise<void> {
    const { res } = this;
    if (res.destroyed) throw new Error('the scraper closed the connection');
    if (this.held !== undefined) {
      const b = Buffer.from(chunk, 'utf8');
      this.held.push(b);
      this.heldBytes += b.length;
      if (this.heldBytes <= WHOLE_BODY_MAX) return this.turn();
      await this.stream();
      return this.turn();
    }
    const out = this.out!;
    if (!out.write(chunk)) await this.drained(out);
    return this.turn();
  }

  /** Past WHOLE_BODY_MAX: the headers (chunked), the stream, and what was held into it. */
  private async stream(): Promise<void> {
    const { res } = this;
    const held = this.held!;
    this.held = undefined;
    const out: Writable = this.gzip ? createGzip({ level: zlibConstants.Z_BEST_SPEED }) : res;
    this.out = out;
    if (out !== res) {
      out.pipe(res);
      res.on('close', () => {
        if (!out.writableEnded) out.destroy();
      });
    }
    res.writeHead(200, this.headers());
    let ok = true;
    for (const b of held) ok = out.write(b);
    if (!ok) await this.drained(out);
  }

  private drained(out: Writable): Promise<void> {
    const { res } = this;
    return new Promise<void>((resolve) => {
      const done = (): void => {
        out.off('drain', done);
        res.off('close', done);
        resolve();
      };
      out.on('drain', done);
      res.on('close', done);
    });
  }

  private async turn(): Promise<void> {
    if (performance.now() - this.since > 10) {
      await yieldToLoop();
      this.since = performance.now();
    }
  }

  /** The whole text written: the held body in one piece, or the end of the stream. */
  end(): void {
    if (this.held === undefined) {
      this.out!.end();
      return;
    }
    const text = Buffer.concat(this.held, this.heldBytes);
    const body = this.gzip ? gzipSync(text, { level: zlibConstants.Z_BEST_SPEED }) : text;
    this.held = undefined;
    this.res.writeHead(200, Object.assign(this.headers(), { 'content-length': String(body.length) }));
    this.res.end(body);
  }

  /** The exposition failed: a 500 when nothing was sent yet, else said in the body (the scraper sees a
   *  truncated exposition) and closed. */
  fail(err: unknown): void {
    const { res } = this;
    if (res.destroyed) return;
    if (this.held !== undefined) {
      this.held = undefined;
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`failed to export metrics: ${String(err)}\n`);
      return;
    }
    if (!this.out!.writableEnded) this.out!.end(`\n# failed to export metrics: ${String(err)}\n`);
  }
}

/** The scraper takes gzip (Prometheus asks for it): a 250-pod exposition is 7.7 MB of text (test/bench/results/sizing-h21x.md). */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [coding, ...params] = part
      .trim()
      .toLowerCase()
      .split(';')
      .map((x) => x.trim());
    if (coding !== 'gzip') continue;
    const q = params.find((x) => x.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

/** A text exposition as the response to `req`: gzip when the scraper takes it (fastest level: most of the
 *  gain, lines repeat their label sets, for little CPU), the text `write` gives the sink sent in one piece
 *  up to WHOLE_BODY_MAX, streamed with backpressure beyond. The /metrics handler's response; the export
 *  bench sends pre-built text through it for the send's floor. */
export async function respondWithExposition(
  req: IncomingMessage,
  res: ServerResponse,
  write: (sink: TextSink) => Promise<void>,
): Promise<void> {
  const sink = new ResponseSink(res, acceptsGzip(req.headers['accept-encoding']));
  try {
    await write(sink);
    sink.end();
  } catch (err) {
    sink.fail(err);
  }
}

export function createTelemetry(opts: TelemetryOptions): Telemetry {
  const { config, log } = opts;
  const accounting = new ExportAccounting(log);
  const resources = createResources(config, opts.version, opts.env ?? process.env);
  const resource = resources.agent;
  const readers: IMetricReader[] = [];
  // /metrics: the agent's own instruments are collected through this reader; the probe metrics of a scrape
  // are written from the snapshot family by family (prometheus-exposition.ts).
  const pull = new PullReader();
  if (config.prometheus.enabled) readers.push(pull);
  const scope = { name: SCOPE_NAME, version: opts.version };
  let otlpExporter: ReturnType<typeof createResourcesMetricExporter> | undefined;
  let otlpReader: SnapshotExportingReader | undefined;
  if (config.otlp.endpoint !== undefined) {
    const url = signalUrl(config.otlp.endpoint, config.otlp.protocol, 'metrics');
    const timeoutMillis = Math.min(config.otlp.exportTimeoutMs, config.otlp.exportIntervalMs);
    otlpExporter = createResourcesMetricExporter({
      url,
      protocol: config.otlp.protocol,
      timeoutMillis,
      reconnect: reconnectBackoff(config),
    });
    otlpReader = new SnapshotExportingReader({
      exporter: accounting.wrapMetricExporter(otlpExporter, OTLP_POINTS_PER_REQUEST),
      exportIntervalMillis: config.otlp.exportIntervalMs,
      exportTimeoutMillis: timeoutMillis,
      // OTLP reads probe metrics from the snapshot through a producer (each target under its own Resource).
      metricProducers: [new SnapshotMetricProducer(opts.snapshot, resources, scope)],
      ...(config.prometheus.enabled ? { afterCollect: () => pull.otherCollected() } : {}),
    });
    readers.push(otlpReader);
  }
  const views: ViewOptions[] = [AGENT_PROBE_DURATION, AGENT_CYCLE_DURATION].map((def) => ({
    instrumentName: def.name,
    aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: AGENT_DURATION_BUCKETS } },
  }));
  // The SDK's export duration: the registry's attributes only (its gRPC exporter adds semconv's deprecated
  // rpc.response.status_code), and buckets (the SDK advises none).
  views.push({
    instrumentName: AGENT_EXPORTER_DURATION.name,
    attributesProcessors: [createAllowListAttributesProcessor([...AGENT_EXPORTER_DURATION.attributes])],
    aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: AGENT_DURATION_BUCKETS } },
  });
  const meterProvider = new MeterProvider({ resource, readers, views });
  const meter = meterProvider.getMeter(SCOPE_NAME, opts.version);
  // The OTLP pipeline reports itself with the SDK's otel.sdk.* metrics (semconv), on this provider.
  otlpExporter?.observeWith(meterProvider);

  // Probe metrics come from the snapshot (producer for OTLP, prometheus-exposition for /metrics); the agent's own are instruments.
  const targetCount = meter.createObservableUpDownCounter(AGENT_TARGET_COUNT.name, {
    description: AGENT_TARGET_COUNT.brief.en,
    unit: AGENT_TARGET_COUNT.unit,
  });
  targetCount.addCallback((result) => {
    const byKind = new Map<string, number>();
    for (const t of opts.snapshot().targets) byKind.set(t.kind, (byKind.get(t.kind) ?? 0) + 1);
    for (const kind of ['host', 'pod', 'netns'])
      result.observe(byKind.get(kind) ?? 0, { [ATTR_KUBESKOOP_TARGET_KIND]: kind });
  });

  const bpfSkippedRuns = opts.bpfSkippedRuns;
  if (bpfSkippedRuns !== undefined) {
    const skipped = meter.createObservableCounter(AGENT_BPF_SKIPPED_RUNS.name, {
      description: AGENT_BPF_SKIPPED_RUNS.brief.en,
      unit: AGENT_BPF_SKIPPED_RUNS.unit,
    });
    skipped.addCallback((result) => {
      for (const r of bpfSkippedRuns())
        result.observe(r.runs, { [ATTR_KUBESKOOP_PROBE_NAME]: r.probe, [ATTR_KUBESKOOP_BPF_PROGRAM_NAME]: r.program });
    });
  }

  const probeDuration = meter.createHistogram(AGENT_PROBE_DURATION.name, {
    description: AGENT_PROBE_DURATION.brief.en,
    unit: AGENT_PROBE_DURATION.unit,
  });
  const cycleDuration = meter.createHistogram(AGENT_CYCLE_DURATION.name, {
    description: AGENT_CYCLE_DURATION.brief.en,
    unit: AGENT_CYCLE_DURATION.unit,
  });
  const probeErrors = meter.createCounter(AGENT_PROBE_ERRORS.name, {
    description: AGENT_PROBE_ERRORS.brief.en,
    unit: AGENT_PROBE_ERRORS.unit,
  });

  // Events → LogRecords.
  const processors: LogRecordProcessor[] = [];
  // Every log exporter (OTLP, Loki's OTLP endpoint) behind a batch processor whose queue drains
  // into the retry buffer.
  const bufferedLogs = (logExporter: LogRecordExporter): LogRecordProcessor =>
    accounting.wrapLogPipeline(
      logExporter,
      LOG_QUEUE_SIZE,
      config.otlp.buffer,
      meter,
      (exporter) =>
        new BatchLogRecordProcessor({
          exporter,
          maxQueueSize: LOG_QUEUE_SIZE,
          maxExportBatchSize: 512,
          scheduledDelayMillis: 1000,
          exportTimeoutMillis: config.otlp.exportTimeoutMs,
          selfObsMeterProvider: meterProvider,
        }),
    );
  if (config.otlp.endpoint !== undefined) {
    const url = signalUrl(config.otlp.endpoint, config.otlp.protocol, 'logs');
    const timeoutMillis = config.otlp.exportTimeoutMs;
    const selfObsMeterProvider = meterProvider;
    const otlpLogs =
      config.otlp.protocol === 'grpc'
        ? new OTLPExporterBase<ReadableLogRecord[]>(
            createGrpcExportDelegate(
              { url, timeoutMillis },
              'LOGS',
              ProtobufLogsSerializer,
              OTEL_COMPONENT_TYPE_VALUE_OTLP_GRPC_LOG_EXPORTER,
              LogsExporterMetricsHelper,
              selfObsMeterProvider,
              'LogsExportService',
              '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
              reconnectBackoff(config),
            ),
          )
        : new HttpLogExporter({ url, timeoutMillis, selfObsMeterProvider });
    // The batch processor's queue drains into the retry buffer, which holds events while the backend is down
    // (bounded: beyond it the oldest are dropped and counted).
    processors.push(bufferedLogs(otlpLogs));
  }
  // The loki sink with `protocol: otlp`: Loki's native OTLP endpoint (http://<address>:3100/otlp).
  // (Its default, the push API with KubeSkoop's stream and line, is a sink of the agent: events/loki.ts.)
  for (const sink of lokiOtlpSinks(config)) {
    const url = lokiOtlpUrl(sink.address);
    const selfObsMeterProvider = meterProvider;
    const exporter = createLokiOtlpLogExporter({
      url,
      timeoutMillis: config.otlp.exportTimeoutMs,
      meterProvider: selfObsMeterProvider,
      ...(sink.tenant !== undefined ? { tenant: sink.tenant } : {}),
    });
    processors.push(bufferedLogs(exporter));
    log.info('events also go to Loki', { url });
  }
  // One provider owns the processors (flush, shutdown); each target's events go through a provider of its
  // Resource that shares them, so the exporters group records by Resource (one ResourceLogs per target).
  const loggerProvider = new LoggerProvider({ resource, processors });
  let loggers = new Map<Resource, OtelLogger>();
  let previousLoggers = new Map<Resource, OtelLogger>();
  const loggerFor = (identity: SampleAttributes): OtelLogger => {
    const r = resources.forTarget(identity);
    let l = loggers.get(r) ?? previousLoggers.get(r);
    if (l === undefined) l = new LoggerProvider({ resource: r, processors }).getLogger(SCOPE_NAME, opts.version);
    loggers.set(r, l);
    if (loggers.size > 2 * Math.max(64, previousLoggers.size)) {
      previousLoggers = loggers;
      loggers = new Map();
    }
    return l;
  };

  // Spans: only built when the trace signal is on.
  const spans = createSpanPipeline({ config, accounting, meter, meterProvider, scope });

  log.info('telemetry ready', {
    traces: spans !== undefined,
    prometheus: config.prometheus.enabled,
    otlpEndpoint: config.otlp.endpoint ?? null,
    otlpProtocol: config.otlp.protocol,
  });

  /** GET /metrics. prometheus.names: otel (OTel names), legacy (KubeSkoop's), both (one response). */
  const serveMetrics = (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const snap = opts.snapshot();
    // Streamed across awaits (a slow client): the next cycles must not write into its samples.
    const release = holdSnapshot(snap);
    res.on('close', release);
    return respondWithExposition(req, res, async (sink) => {
      let otelFamilies = new Set<string>();
      if (config.prometheus.names !== 'legacy') {
        const { resourceMetrics } = await pull.collect();
        const own = renderCollection(resourceMetrics, { scopeInfo: config.prometheus.scopeInfo });
        await sink.write(targetInfo(resource) + own.text);
        const written = await writeSnapshotExposition(snap, sink, {
          skip: own.families,
          ...(config.prometheus.scopeInfo ? { scope } : {}),
        });
        otelFamilies = new Set([...own.families, ...written]);
      }
      if (config.prometheus.names !== 'otel') {
        await sink.write(
          renderLegacyMetrics(snap, {
            nodeName: config.nodeName ?? hostname(),
            additionalLabels: config.metrics.additionalLabels.map((l) => l.name),
            ...(otelFamilies.size > 0 ? { skipFamilies: otelFamilies } : {}),
          }),
        );
      }
    }).finally(release);
  };

  return {
    resource,
    handleMetrics(req, res) {
      void serveMetrics(req, res);
    },
    recordCycle(report) {
      cycleDuration.record(report.snapshot.cycleDurationMs / 1000);
      for (const stats of report.snapshot.probes.values()) {
        probeDuration.record(stats.lastDurationMs / 1000, { [ATTR_KUBESKOOP_PROBE_NAME]: stats.probe });
      }
      for (const [probe, errors] of report.newErrors) {
        for (const [kind, n] of Object.entries(errors)) {
          if (n > 0) probeErrors.add(n, { [ATTR_KUBESKOOP_PROBE_NAME]: probe, [ATTR_ERROR_TYPE]: kind });
        }
      }
    },
    emitEvent(event, identity) {
      const seconds = Number(event.timeUnixNano / 1_000_000_000n);
      const nanos = Number(event.timeUnixNano % 1_000_000_000n);
      loggerFor(identity).emit({
        eventName: event.eventName,
        timestamp: [seconds, nanos],
        severityNumber: SEVERITY[event.severity],
        severityText: event.severity,
        body: event.body,
        attributes: event.attributes,
      });
    },
    emitSpan(event, identity) {
      spans?.emit(event, resources.forTarget(identity));
    },
    tracing: spans !== undefined,
    exportStatus: () => accounting.status(),
    exportMetrics: () => otlpReader?.exportOnce() ?? Promise.resolve(),
    async forceFlush() {
      await Promise.allSettled([meterProvider.forceFlush(), loggerProvider.forceFlush(), spans?.forceFlush()]);
    },
    async shutdown() {
      // Spans first: their buffer's last counts still reach the meter provider's final export.
      await spans?.shutdown();
      await Promise.allSettled([meterProvider.shutdown(), loggerProvider.shutdown()]);
    },
  };
}

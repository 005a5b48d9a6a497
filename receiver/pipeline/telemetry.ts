// The only module that knows OpenTelemetry. Readers (Prometheus scrape, periodic OTLP export) read
// the snapshot through a MetricProducer — a scrape never triggers kernel reads — and the agent's
// own metrics are SDK instruments. Events become LogRecords.
import { hostname } from 'node:os';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Writable } from 'node:stream';
import { constants as zlibConstants, createGzip } from 'node:zlib';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import {
  AggregationType, MeterProvider, PeriodicExportingMetricReader, type IMetricReader, type PushMetricExporter, type ViewOptions,
} from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
// http/protobuf means protobuf: the -otlp-http exporters would send JSON.
import { OTLPMetricExporter as HttpMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as HttpLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { SeverityNumber, type Logger as OtelLogger } from '@opentelemetry/api-logs';
import type { Severity } from '../../semconv/types.js';
import {
  AGENT_CYCLE_DURATION, AGENT_PROBE_DURATION, AGENT_PROBE_ERRORS, AGENT_TARGET_COUNT, AGENT_EXPORT_FAILURES, AGENT_EXPORT_DROPPED,
  ATTR_KUBESKOOP_EXPORT_SIGNAL, ATTR_KUBESKOOP_EXPORT_DROP_CAUSE, ATTR_KUBESKOOP_PROBE_ERROR_KIND, ATTR_KUBESKOOP_PROBE_NAME, ATTR_KUBESKOOP_TARGET_KIND,
} from '../../semconv/generated/registry.js';
import type { AgentConfig, LokiSinkConfig } from '../config/types.js';
import { lokiOtlpUrl } from '../events/loki.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { SnapshotMetricProducer } from './snapshot-producer.js';
import { familyNames, renderLegacyMetrics } from './legacy-prometheus.js';
import { writeSnapshotExposition, type TextSink } from './prometheus-exposition.js';
import type { CycleReport } from '../snapshot/scheduler.js';
import type { Logger } from '../log.js';
import type { EventRecord } from '../events/event-record.js';
import { ExportAccounting, type DropCause, type ExportSignal } from './export-accounting.js';

export type { EventRecord } from '../events/event-record.js';

export const SCOPE_NAME = 'kubeskoop-otel';

export interface TelemetryOptions {
  readonly config: AgentConfig;
  readonly version: string;
  readonly snapshot: () => Snapshot;
  readonly log: Logger;
}

export interface Telemetry {
  readonly resource: Resource;
  /** Serves GET /metrics (Prometheus text) from the snapshot. */
  handleMetrics(req: IncomingMessage, res: ServerResponse): void;
  /** Records the agent's own per-cycle metrics. */
  recordCycle(report: CycleReport): void;
  /** One kernel event as a LogRecord (OTLP, and Loki when configured); `identity` is the target's. */
  emitEvent(event: EventRecord, identity: Readonly<Record<string, string | number>>): void;
  /** OTLP exports per signal: outcomes, failures, dropped records (for /status). */
  exportStatus(): Record<string, unknown>;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

const SEVERITY: Record<Severity, SeverityNumber> = {
  DEBUG: SeverityNumber.DEBUG, INFO: SeverityNumber.INFO, WARN: SeverityNumber.WARN, ERROR: SeverityNumber.ERROR,
};

/** Seconds buckets for the agent's own durations: 100 µs … 10 s. */
/** Event log records held per batch pipeline while the backend is slow or down (bounds memory). */
const LOG_QUEUE_SIZE = 8192;

/** Data points per OTLP metrics request. A node's collection (~33k points at 250 pods, ~6 MB of protobuf)
 *  goes as several requests: the exporter then holds one part's encoding at a time, and each request
 *  stays well under the collector's default gRPC limit of 4 MiB per message (2048 points ≈ 0.4 MB). */
const OTLP_POINTS_PER_REQUEST = 2048;

const AGENT_DURATION_BUCKETS = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];

function signalUrl(endpoint: string, protocol: 'grpc' | 'http/protobuf', signal: 'metrics' | 'logs'): string {
  if (protocol === 'grpc') return endpoint;
  // OTEL_EXPORTER_OTLP_ENDPOINT is a base URL: the HTTP exporter posts to <base>/v1/<signal>.
  return /\/v1\/(metrics|logs)$/.test(endpoint) ? endpoint.replace(/(metrics|logs)$/, signal) : `${endpoint.replace(/\/$/, '')}/v1/${signal}`;
}

/** The loki sinks that go through Loki's OTLP endpoint (LogRecords of this pipeline). */
export function lokiOtlpSinks(config: AgentConfig): LokiSinkConfig[] {
  return config.events.sinks.filter((s): s is LokiSinkConfig => s.kind === 'loki' && s.protocol === 'otlp');
}

export function buildResource(config: AgentConfig, version: string): Resource {
  return resourceFromAttributes({
    ...config.service.resourceAttributes,
    'service.name': config.service.name,
    'service.version': version,
    'host.name': hostname(),
    // One agent per node: the node names the instance, so series from different nodes never merge.
    'service.instance.id': config.nodeName ?? hostname(),
    ...(config.nodeName !== undefined ? { 'k8s.node.name': config.nodeName } : {}),
  });
}

/** Writes a scrape's chunks to `out` (the response, or a gzip stream into it) with backpressure,
 *  and gives the event loop a turn every ~10 ms of work so a large exposition does not hold up
 *  collection cycles or other requests. */
function responseSink(res: ServerResponse, out: Writable): TextSink {
  let since = performance.now();
  return {
    async write(chunk) {
      if (res.destroyed) throw new Error('the scraper closed the connection');
      if (!out.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = (): void => { out.off('drain', done); res.off('close', done); resolve(); };
          out.on('drain', done);
          res.on('close', done);
        });
      }
      if (performance.now() - since > 10) {
        await yieldToLoop();
        since = performance.now();
      }
    },
  };
}

/** The scraper takes gzip (Prometheus asks for it): a 250-pod exposition is 5.6 MB of text, ~0.2 MB gzipped. */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [coding, ...params] = part.trim().toLowerCase().split(';').map((x) => x.trim());
    if (coding !== 'gzip') continue;
    const q = params.find((x) => x.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

export function createTelemetry(opts: TelemetryOptions): Telemetry {
  const { config, log } = opts;
  const accounting = new ExportAccounting(log);
  const resource = buildResource(config, opts.version);
  const readers: IMetricReader[] = [];
  // One set of exposition settings for the exporter and for the serialization of its collection below.
  const exposition = { withoutScopeInfo: true, withoutTargetInfo: false, appendTimestamp: false } as const;
  // The exporter collects only the agent's own instruments; the probe metrics of a scrape are written
  // from the snapshot family by family (prometheus-exposition.ts) instead of one string of every series.
  const prometheus = new PrometheusExporter({ preventServerStart: true, ...exposition });
  if (config.prometheus.enabled) readers.push(prometheus);
  // The exporter's collection is serialized here with the exporter's own settings (target_info, no scope info).
  const prometheusSerializer = new PrometheusSerializer(undefined, exposition.appendTimestamp, undefined, exposition.withoutTargetInfo, exposition.withoutScopeInfo);
  let otlpExporter: PushMetricExporter | undefined;
  if (config.otlp.endpoint !== undefined) {
    const url = signalUrl(config.otlp.endpoint, config.otlp.protocol, 'metrics');
    const timeoutMillis = Math.min(config.otlp.exportTimeoutMs, config.otlp.exportIntervalMs);
    otlpExporter = accounting.wrapMetricExporter(config.otlp.protocol === 'grpc' ? new GrpcMetricExporter({ url, timeoutMillis }) : new HttpMetricExporter({ url, timeoutMillis }), OTLP_POINTS_PER_REQUEST);
    readers.push(new PeriodicExportingMetricReader({
      exporter: otlpExporter, exportIntervalMillis: config.otlp.exportIntervalMs, exportTimeoutMillis: timeoutMillis,
      // OTLP reads probe metrics from the snapshot through a producer; /metrics writes them itself.
      metricProducers: [new SnapshotMetricProducer(opts.snapshot, resource, { name: SCOPE_NAME, version: opts.version })],
    }));
  }
  const views: ViewOptions[] = [AGENT_PROBE_DURATION, AGENT_CYCLE_DURATION].map((def) => ({
    instrumentName: def.name,
    aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: AGENT_DURATION_BUCKETS } },
  }));
  const meterProvider = new MeterProvider({ resource, readers, views });
  const meter = meterProvider.getMeter(SCOPE_NAME, opts.version);

  // (withoutScopeInfo: one instrumentation scope only, so otel_scope_* labels on every series would be noise.)
  // Probe metrics come from the snapshot (producer for OTLP, prometheus-exposition for /metrics); the agent's own are instruments.
  const targetCount = meter.createObservableUpDownCounter(AGENT_TARGET_COUNT.name, { description: AGENT_TARGET_COUNT.brief.en, unit: AGENT_TARGET_COUNT.unit });
  targetCount.addCallback((result) => {
    const byKind = new Map<string, number>();
    for (const t of opts.snapshot().targets) byKind.set(t.kind, (byKind.get(t.kind) ?? 0) + 1);
    for (const kind of ['host', 'pod', 'netns']) result.observe(byKind.get(kind) ?? 0, { [ATTR_KUBESKOOP_TARGET_KIND]: kind });
  });

  const probeDuration = meter.createHistogram(AGENT_PROBE_DURATION.name, { description: AGENT_PROBE_DURATION.brief.en, unit: AGENT_PROBE_DURATION.unit });
  const cycleDuration = meter.createHistogram(AGENT_CYCLE_DURATION.name, { description: AGENT_CYCLE_DURATION.brief.en, unit: AGENT_CYCLE_DURATION.unit });
  const probeErrors = meter.createCounter(AGENT_PROBE_ERRORS.name, { description: AGENT_PROBE_ERRORS.brief.en, unit: AGENT_PROBE_ERRORS.unit });
  // Export outcomes (only when something is pushed): a backend outage is itself observable.
  const signals: ExportSignal[] = [
    ...(config.otlp.endpoint !== undefined ? ['metrics' as const] : []),
    ...(config.otlp.endpoint !== undefined || lokiOtlpSinks(config).length > 0 ? ['logs' as const] : []),
  ];
  if (signals.length > 0) {
    meter.createObservableCounter(AGENT_EXPORT_FAILURES.name, { description: AGENT_EXPORT_FAILURES.brief.en, unit: AGENT_EXPORT_FAILURES.unit })
      .addCallback((result) => {
        for (const s of signals) result.observe(accounting.signals[s].failures, { [ATTR_KUBESKOOP_EXPORT_SIGNAL]: s });
      });
    meter.createObservableCounter(AGENT_EXPORT_DROPPED.name, { description: AGENT_EXPORT_DROPPED.brief.en, unit: AGENT_EXPORT_DROPPED.unit })
      .addCallback((result) => {
        if (!signals.includes('logs')) return;
        for (const cause of ['queue_full', 'export_failed'] as DropCause[]) {
          result.observe(accounting.signals.logs.dropped[cause], { [ATTR_KUBESKOOP_EXPORT_SIGNAL]: 'logs', [ATTR_KUBESKOOP_EXPORT_DROP_CAUSE]: cause });
        }
      });
  }

  // Events → LogRecords.
  const processors: LogRecordProcessor[] = [];
  if (config.otlp.endpoint !== undefined) {
    const url = signalUrl(config.otlp.endpoint, config.otlp.protocol, 'logs');
    const timeoutMillis = config.otlp.exportTimeoutMs;
    const otlpLogs = config.otlp.protocol === 'grpc' ? new GrpcLogExporter({ url, timeoutMillis }) : new HttpLogExporter({ url, timeoutMillis });
    // Bounded queue: while the backend is slow or down, records beyond it are dropped and counted.
    processors.push(accounting.wrapLogPipeline(otlpLogs, LOG_QUEUE_SIZE, (exporter) =>
      new BatchLogRecordProcessor({ exporter, maxQueueSize: LOG_QUEUE_SIZE, maxExportBatchSize: 512, scheduledDelayMillis: 1000, exportTimeoutMillis: timeoutMillis })));
  }
  // The loki sink with `protocol: otlp`: Loki's native OTLP endpoint (http://<address>:3100/otlp).
  // (Its default, the push API with KubeSkoop's stream and line, is a sink of the agent: events/loki.ts.)
  for (const sink of lokiOtlpSinks(config)) {
    const url = lokiOtlpUrl(sink.address);
    processors.push(accounting.wrapLogPipeline(new HttpLogExporter({ url, timeoutMillis: config.otlp.exportTimeoutMs }), LOG_QUEUE_SIZE, (exporter) =>
      new BatchLogRecordProcessor({ exporter, maxQueueSize: LOG_QUEUE_SIZE, scheduledDelayMillis: 1000, exportTimeoutMillis: config.otlp.exportTimeoutMs })));
    log.info('events also go to Loki', { url });
  }
  const loggerProvider = new LoggerProvider({ resource, processors });
  const eventLogger: OtelLogger = loggerProvider.getLogger(SCOPE_NAME, opts.version);

  log.info('telemetry ready', {
    prometheus: config.prometheus.enabled, otlpEndpoint: config.otlp.endpoint ?? null, otlpProtocol: config.otlp.protocol,
  });

  /** GET /metrics. prometheus.names: otel (OTel names), legacy (KubeSkoop's), both (one response). */
  const serveMetrics = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const snap = opts.snapshot();
    const gzip = acceptsGzip(req.headers['accept-encoding']);
    // Fastest level: most of the gain (lines repeat their label sets) for little CPU.
    const out: Writable = gzip ? createGzip({ level: zlibConstants.Z_BEST_SPEED }) : res;
    if (out !== res) {
      out.pipe(res);
      res.on('close', () => { if (!out.writableEnded) out.destroy(); });
    }
    const sink = responseSink(res, out);
    res.writeHead(200, {
      'content-type': 'text/plain; version=0.0.4; charset=utf-8',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      vary: 'Accept-Encoding',
    });
    try {
      let otelFamilies = new Set<string>();
      if (config.prometheus.names !== 'legacy') {
        const { resourceMetrics } = await prometheus.collect();
        let own = prometheusSerializer.serialize(resourceMetrics);
        if (!own.endsWith('\n')) own += '\n';
        await sink.write(own);
        const ownFamilies = familyNames(own);
        otelFamilies = new Set([...ownFamilies, ...await writeSnapshotExposition(snap, sink, ownFamilies)]);
      }
      if (config.prometheus.names !== 'otel') {
        await sink.write(renderLegacyMetrics(snap, {
          nodeName: config.nodeName ?? hostname(), additionalLabels: config.metrics.additionalLabels.map((l) => l.name),
          ...(otelFamilies.size > 0 ? { skipFamilies: otelFamilies } : {}),
        }));
      }
      out.end();
    } catch (err) {
      // Headers are out by now: say it in the body (a scraper sees a truncated exposition) and close.
      if (!res.destroyed && !out.writableEnded) out.end(`\n# failed to export metrics: ${String(err)}\n`);
    }
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
          if (n > 0) probeErrors.add(n, { [ATTR_KUBESKOOP_PROBE_NAME]: probe, [ATTR_KUBESKOOP_PROBE_ERROR_KIND]: kind });
        }
      }
    },
    emitEvent(event, identity) {
      const seconds = Number(event.timeUnixNano / 1_000_000_000n);
      const nanos = Number(event.timeUnixNano % 1_000_000_000n);
      eventLogger.emit({
        eventName: event.eventName,
        timestamp: [seconds, nanos],
        severityNumber: SEVERITY[event.severity],
        severityText: event.severity,
        body: event.body,
        attributes: { ...event.attributes, ...identity },
      });
    },
    exportStatus: () => accounting.status(),
    async forceFlush() {
      await Promise.allSettled([meterProvider.forceFlush(), loggerProvider.forceFlush()]);
    },
    async shutdown() {
      await Promise.allSettled([meterProvider.shutdown(), loggerProvider.shutdown()]);
    },
  };
}

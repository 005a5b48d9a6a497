// Counts what happens to OTLP exports for /status: every export call's outcome, per signal, and every
// record that never reached the backend (event log records dropped because the batch queue or the
// retry buffer was full, or refused for good by the backend). As metrics the SDK's own
// self-observability reports the same (otel.sdk.exporter.*, otel.sdk.processor.log.*), and the retry
// buffer reports itself with the same otel.sdk.processor.* names (component kubeskoop_retry_buffer).
// A backend that goes down gives one warning and, when it comes back, one info line — never a line
// per export.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { AggregationTemporality, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { LogRecordExporter, LogRecordProcessor, ReadableLogRecord, SdkLogRecord } from '@opentelemetry/sdk-logs';
import type { Context, Meter } from '@opentelemetry/api';
import type { MetricDefinition } from '../../semconv/types.js';
import {
  AGENT_PROCESSOR_LOGS,
  AGENT_PROCESSOR_SPANS,
  AGENT_PROCESSOR_LOG_QUEUE,
  AGENT_PROCESSOR_LOG_QUEUE_CAPACITY,
  ATTR_ERROR_TYPE,
  ATTR_OTEL_COMPONENT_NAME,
  ATTR_OTEL_COMPONENT_TYPE,
} from '../../semconv/generated/registry.js';
import type { Logger } from '../log.js';
import { byResource, packRequests, type ResourcesMetricExporter } from './otlp-metrics.js';
import { scopePointCount } from './snapshot-producer.js';
import { RetryBuffer, type BatchExporter, type BufferDropCause } from './retry-buffer.js';

export type ExportSignal = 'metrics' | 'logs' | 'traces';
/** queue_full: the batch processor's queue; buffer_full: the retry buffer's bound (oldest first);
 *  export_failed: the backend refused a request for good; shutdown: still held when the agent stopped. */
export type DropCause = 'queue_full' | 'buffer_full' | 'export_failed' | 'shutdown';

/** The retry buffer of one log or span pipeline (retry-buffer.ts). */
export interface BufferSettings {
  readonly maxRecords: number;
  readonly maxBytes: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
}

export const RETRY_BUFFER_COMPONENT = 'kubeskoop_retry_buffer';

export interface SignalAccount {
  exports: number;
  failures: number;
  /** Records (data points for metrics, log records for logs) sent in successful exports. */
  exportedRecords: number;
  dropped: Record<DropCause, number>;
  /** Log records waiting in the batch queue (not yet handed to the retry buffer). */
  queued: number;
  /** Records held by the retry buffers (being sent, or waiting for the backend). */
  buffered: number;
  lastError?: string;
  lastFailureAt?: number;
  lastSuccessAt?: number;
  /** Failures since the last success. */
  consecutiveFailures: number;
}

const newAccount = (): SignalAccount => ({
  exports: 0,
  failures: 0,
  exportedRecords: 0,
  dropped: { queue_full: 0, buffer_full: 0, export_failed: 0, shutdown: 0 },
  queued: 0,
  buffered: 0,
  consecutiveFailures: 0,
});

function describeError(err: Error | undefined): string {
  if (!err) return 'export failed';
  const code = (err as { code?: unknown }).code;
  const msg = err.message.replace(/\s+/g, ' ').slice(0, 300);
  return code !== undefined && !msg.includes(String(code)) ? `${msg} (code ${String(code)})` : msg;
}

function countDataPoints(metrics: ResourceMetrics): number {
  let n = 0;
  for (const sm of metrics.scopeMetrics) n += scopePointCount(sm);
  return n;
}

export class ExportAccounting {
  readonly signals: Record<ExportSignal, SignalAccount> = {
    metrics: newAccount(),
    logs: newAccount(),
    traces: newAccount(),
  };

  constructor(private readonly log: Logger) {}

  private settle(signal: ExportSignal, records: number, result: ExportResult): void {
    const a = this.signals[signal];
    a.exports++;
    if (result.code === ExportResultCode.SUCCESS) {
      a.exportedRecords += records;
      a.lastSuccessAt = Date.now();
      if (a.consecutiveFailures > 0) {
        this.log.info('OTLP export recovered', {
          signal,
          failedBefore: a.consecutiveFailures,
          failuresTotal: a.failures,
        });
      }
      a.consecutiveFailures = 0;
      return;
    }
    a.failures++;
    a.lastError = describeError(result.error);
    a.lastFailureAt = Date.now();
    if (a.consecutiveFailures++ === 0) {
      // One line when a backend starts failing; the counts carry the rest.
      this.log.warn(
        'OTLP export failing; collection goes on, events wait in the retry buffer, failures are counted ' +
          '(otel.sdk.exporter.*.exported, error.type)',
        { signal, error: a.lastError },
      );
    }
  }

  /** The reader's exporter: each collection goes as requests of at most `maxPointsPerRequest` data
   *  points, one target per Resource (otlp-metrics.ts), one request after the other, so the exporter
   *  encodes (and holds) one request at a time: at 250 namespaces one collection is ~33k points, ~6 MB
   *  of protobuf and several times that in intermediate objects when encoded at once. Each export's
   *  outcome is counted once. Temporality: cumulative (the snapshot's counters are cumulative). */
  wrapMetricExporter(inner: ResourcesMetricExporter, maxPointsPerRequest = Infinity): PushMetricExporter {
    return {
      export: (metrics, cb) => {
        const points = countDataPoints(metrics);
        let done = false;
        const finish = (r: ExportResult): void => {
          if (done) return;
          done = true;
          this.settle('metrics', points, r);
          cb(r);
        };
        const requests = packRequests(byResource(metrics), maxPointsPerRequest);
        const next = (i: number): void => {
          if (i >= requests.length) {
            finish({ code: ExportResultCode.SUCCESS });
            return;
          }
          try {
            // The first failed request fails the export (the backend is down or refusing; do not go on).
            inner.export(requests[i]!, (r) => (r.code === ExportResultCode.SUCCESS ? next(i + 1) : finish(r)));
          } catch (err) {
            finish({ code: ExportResultCode.FAILED, error: err as Error });
          }
        };
        next(0);
      },
      selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
      forceFlush: () => inner.forceFlush(),
      shutdown: () => inner.shutdown(),
    };
  }

  /** The retry buffer in front of one exporter of `signal` (each send counted as an export), with its
   *  own otel.sdk.processor.* metrics on `meter`: records held, its capacity, records delivered, and
   *  records dropped by cause (error.type). */
  private retryBuffer<T>(
    signal: ExportSignal,
    exporter: BatchExporter<T>,
    settings: BufferSettings,
    sizeOf: (x: T) => number,
    meter: Meter | undefined,
  ): RetryBuffer<T> {
    const a = this.signals[signal];
    const component = {
      [ATTR_OTEL_COMPONENT_TYPE]: RETRY_BUFFER_COMPONENT,
      [ATTR_OTEL_COMPONENT_NAME]: `${RETRY_BUFFER_COMPONENT}/${this.buffers++}`,
    };
    const def: MetricDefinition = signal === 'traces' ? AGENT_PROCESSOR_SPANS : AGENT_PROCESSOR_LOGS;
    const processed = meter?.createCounter(def.name, { description: def.brief.en, unit: def.unit });
    const settled: BatchExporter<T> = {
      export: (items, cb) => {
        let done = false;
        const finish = (r: ExportResult): void => {
          if (done) return;
          done = true;
          this.settle(signal, items.length, r);
          cb(r);
        };
        try {
          exporter.export(items, finish);
        } catch (err) {
          finish({ code: ExportResultCode.FAILED, error: err as Error });
        }
      },
      forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
      shutdown: () => exporter.shutdown(),
    };
    let warned = false;
    const buffer = new RetryBuffer<T>(
      settled,
      Object.assign({}, settings, {
        sizeOf,
        onDelivered: (n: number) => processed?.add(n, component),
        onDrop: (n: number, cause: BufferDropCause) => {
          const c: DropCause = cause === 'rejected' ? 'export_failed' : cause;
          a.dropped[c] += n;
          processed?.add(n, Object.assign({}, component, { [ATTR_ERROR_TYPE]: c }));
          if (c === 'buffer_full' && !warned) {
            warned = true;
            this.log.warn(
              'retry buffer full while the backend is down: the oldest records are dropped and counted ' +
                `(${def.name}, error.type=buffer_full)`,
              {
                signal,
                maxRecords: settings.maxRecords,
                maxMiB: settings.maxBytes / 2 ** 20,
              },
            );
          }
        },
      }),
    );
    if (meter !== undefined && signal === 'logs') {
      const size = meter.createObservableUpDownCounter(AGENT_PROCESSOR_LOG_QUEUE.name, {
        description: AGENT_PROCESSOR_LOG_QUEUE.brief.en,
        unit: AGENT_PROCESSOR_LOG_QUEUE.unit,
      });
      size.addCallback((r) => r.observe(buffer.size, component));
      const capacity = meter.createObservableUpDownCounter(AGENT_PROCESSOR_LOG_QUEUE_CAPACITY.name, {
        description: AGENT_PROCESSOR_LOG_QUEUE_CAPACITY.brief.en,
        unit: AGENT_PROCESSOR_LOG_QUEUE_CAPACITY.unit,
      });
      capacity.addCallback((r) => r.observe(settings.maxRecords, component));
    }
    this.bufferViews.push({ signal, buffer });
    return buffer;
  }

  private buffers = 0;
  private readonly bufferViews: { signal: ExportSignal; buffer: { readonly size: number } }[] = [];

  /** Wraps one batch pipeline for log records: `makeProcessor` gets the exporter to use (the retry
   *  buffer in front of `exporter`) and returns the batch processor built on it. A record that does not
   *  fit in the processor's bounded queue is dropped by the processor (which counts it as
   *  otel.sdk.processor.log.processed{error.type=queue_full}); it is counted here too, for /status, and
   *  logged once. */
  wrapLogPipeline(
    exporter: LogRecordExporter,
    maxQueueSize: number,
    buffer: BufferSettings,
    meter: Meter | undefined,
    makeProcessor: (exporter: LogRecordExporter) => LogRecordProcessor,
  ): LogRecordProcessor {
    const a = this.signals.logs;
    let queued = 0; // records this processor holds that were not yet handed to the retry buffer
    const retry = this.retryBuffer<ReadableLogRecord>('logs', exporter, buffer, logRecordBytes, meter);
    const counted: LogRecordExporter = {
      export: (logs: ReadableLogRecord[], cb) => {
        queued = Math.max(0, queued - logs.length);
        a.queued = Math.max(0, a.queued - logs.length);
        retry.export(logs, cb);
      },
      forceFlush: () => retry.forceFlush(),
      shutdown: () => retry.shutdown(),
    };
    const inner = makeProcessor(counted);
    let warned = false;
    return {
      onEmit: (record: SdkLogRecord, ctx?: Context) => {
        if (queued >= maxQueueSize) {
          a.dropped.queue_full++;
          if (!warned) {
            warned = true;
            this.log.warn(
              'event queue full: log records are dropped and counted (otel.sdk.processor.log.processed, error.type=queue_full)',
              { maxQueueSize },
            );
          }
        } else {
          queued++;
          a.queued++;
        }
        inner.onEmit(record, ctx);
      },
      forceFlush: () => inner.forceFlush(),
      shutdown: () => inner.shutdown(),
    };
  }

  /** The span exporter to give the batch span processor: the retry buffer in front of `exporter`. */
  wrapSpanExporter(exporter: SpanExporter, buffer: BufferSettings, meter: Meter | undefined): SpanExporter {
    const retry = this.retryBuffer<ReadableSpan>('traces', exporter, buffer, spanBytes, meter);
    return {
      export: (spans, cb) => retry.export(spans, cb),
      forceFlush: () => retry.forceFlush(),
      shutdown: () => retry.shutdown(),
    };
  }

  /** For /status. */
  status(): Record<ExportSignal, Record<string, unknown>> {
    for (const a of Object.values(this.signals)) a.buffered = 0;
    for (const { signal, buffer } of this.bufferViews) this.signals[signal].buffered += buffer.size;
    const view = (a: SignalAccount): Record<string, unknown> => ({
      exports: a.exports,
      failures: a.failures,
      consecutiveFailures: a.consecutiveFailures,
      exportedRecords: a.exportedRecords,
      dropped: { ...a.dropped },
      ...(a.queued > 0 ? { queued: a.queued } : {}),
      buffered: a.buffered,
      lastSuccessAt: a.lastSuccessAt !== undefined ? new Date(a.lastSuccessAt).toISOString() : null,
      lastFailureAt: a.lastFailureAt !== undefined ? new Date(a.lastFailureAt).toISOString() : null,
      ...(a.lastError !== undefined ? { lastError: a.lastError } : {}),
    });
    return { metrics: view(this.signals.metrics), logs: view(this.signals.logs), traces: view(this.signals.traces) };
  }
}

/** Estimated heap bytes of one buffered log record: the record object and its time arrays, plus its
 *  attributes and body (the Resource and scope are shared). An estimate, not a measurement: a tcpreset
 *  record comes to ~1.4 KB by it (5886 records in 8 MiB in the backend fault test). */
export function logRecordBytes(r: ReadableLogRecord): number {
  return 400 + valueBytes(r.body) + attributeBytes(r.attributes);
}

/** Estimated heap bytes of one buffered span (as for a log record, plus its context and times). */
export function spanBytes(s: ReadableSpan): number {
  return 600 + s.name.length + attributeBytes(s.attributes);
}

export function attributeBytes(attrs: Readonly<Record<string, unknown>>): number {
  let n = 0;
  for (const k in attrs) n += 48 + k.length + valueBytes(attrs[k]);
  return n;
}

function valueBytes(v: unknown): number {
  if (typeof v === 'string') return 16 + v.length;
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'object') return 16;
  if (Array.isArray(v)) return 16 + v.reduce<number>((t, x) => t + 16 + valueBytes(x), 0);
  return 16 + attributeBytes(v as Record<string, unknown>);
}

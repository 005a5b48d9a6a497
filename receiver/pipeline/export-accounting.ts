// Counts what happens to OTLP exports for /status: every export call's outcome, per signal, and every
// record that never reached the backend (event log records dropped because the bounded queue was
// full, or lost in a failed export). As metrics the SDK's own self-observability reports the same
// (otel.sdk.exporter.*, otel.sdk.processor.log.*). A backend that goes down gives one warning and,
// when it comes back, one info line — never a line per export.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { AggregationTemporality, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { LogRecordExporter, LogRecordProcessor, ReadableLogRecord, SdkLogRecord } from '@opentelemetry/sdk-logs';
import type { Context } from '@opentelemetry/api';
import type { Logger } from '../log.js';
import { byResource, packRequests, type ResourcesMetricExporter } from './otlp-metrics.js';

export type ExportSignal = 'metrics' | 'logs';
export type DropCause = 'queue_full' | 'export_failed';

export interface SignalAccount {
  exports: number;
  failures: number;
  /** Records (data points for metrics, log records for logs) sent in successful exports. */
  exportedRecords: number;
  dropped: Record<DropCause, number>;
  /** Log records waiting in the batch queue (not yet handed to the exporter). */
  queued: number;
  lastError?: string;
  lastFailureAt?: number;
  lastSuccessAt?: number;
  /** Failures since the last success. */
  consecutiveFailures: number;
}

const newAccount = (): SignalAccount => ({
  exports: 0, failures: 0, exportedRecords: 0, dropped: { queue_full: 0, export_failed: 0 }, queued: 0, consecutiveFailures: 0,
});

function describeError(err: Error | undefined): string {
  if (!err) return 'export failed';
  const code = (err as { code?: unknown }).code;
  const msg = err.message.replace(/\s+/g, ' ').slice(0, 300);
  return code !== undefined && !msg.includes(String(code)) ? `${msg} (code ${String(code)})` : msg;
}

function countDataPoints(metrics: ResourceMetrics): number {
  let n = 0;
  for (const sm of metrics.scopeMetrics) for (const m of sm.metrics) n += m.dataPoints.length;
  return n;
}

export class ExportAccounting {
  readonly signals: Record<ExportSignal, SignalAccount> = { metrics: newAccount(), logs: newAccount() };

  constructor(private readonly log: Logger) {}

  private settle(signal: ExportSignal, records: number, result: ExportResult): void {
    const a = this.signals[signal];
    a.exports++;
    if (result.code === ExportResultCode.SUCCESS) {
      a.exportedRecords += records;
      a.lastSuccessAt = Date.now();
      if (a.consecutiveFailures > 0) {
        this.log.info('OTLP export recovered', { signal, failedBefore: a.consecutiveFailures, failuresTotal: a.failures });
      }
      a.consecutiveFailures = 0;
      return;
    }
    a.failures++;
    a.lastError = describeError(result.error);
    a.lastFailureAt = Date.now();
    if (signal === 'logs') a.dropped.export_failed += records;
    if (a.consecutiveFailures++ === 0) {
      // One line when a backend starts failing; the counts carry the rest.
      this.log.warn('OTLP export failing; collection goes on and failures are counted (otel.sdk.exporter.*.exported, error.type)', { signal, error: a.lastError });
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
          if (i >= requests.length) { finish({ code: ExportResultCode.SUCCESS }); return; }
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

  /** Wraps one batch pipeline for log records: `makeProcessor` gets the exporter to use (counted
   *  per export; a failed export loses its records) and returns the batch processor built on it.
   *  A record that does not fit in the processor's bounded queue is dropped by the processor (which
   *  counts it as otel.sdk.processor.log.processed{error.type=queue_full}); it is counted here too,
   *  for /status, and logged once. */
  wrapLogPipeline(exporter: LogRecordExporter, maxQueueSize: number, makeProcessor: (exporter: LogRecordExporter) => LogRecordProcessor): LogRecordProcessor {
    const a = this.signals.logs;
    let queued = 0; // records this processor holds that were not yet handed to the exporter
    const counted: LogRecordExporter = {
      export: (logs: ReadableLogRecord[], cb) => {
        queued = Math.max(0, queued - logs.length);
        a.queued = Math.max(0, a.queued - logs.length);
        let done = false;
        const finish = (r: ExportResult): void => {
          if (done) return;
          done = true;
          this.settle('logs', logs.length, r);
          cb(r);
        };
        try {
          exporter.export(logs, finish);
        } catch (err) {
          finish({ code: ExportResultCode.FAILED, error: err as Error });
        }
      },
      forceFlush: () => exporter.forceFlush(),
      shutdown: () => exporter.shutdown(),
    };
    const inner = makeProcessor(counted);
    let warned = false;
    return {
      onEmit: (record: SdkLogRecord, ctx?: Context) => {
        if (queued >= maxQueueSize) {
          a.dropped.queue_full++;
          if (!warned) {
            warned = true;
            this.log.warn('event queue full: log records are dropped and counted (otel.sdk.processor.log.processed, error.type=queue_full)', { maxQueueSize });
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

  /** For /status. */
  status(): Record<ExportSignal, Record<string, unknown>> {
    const view = (a: SignalAccount): Record<string, unknown> => ({
      exports: a.exports,
      failures: a.failures,
      consecutiveFailures: a.consecutiveFailures,
      exportedRecords: a.exportedRecords,
      dropped: { ...a.dropped },
      ...(a.queued > 0 ? { queued: a.queued } : {}),
      lastSuccessAt: a.lastSuccessAt !== undefined ? new Date(a.lastSuccessAt).toISOString() : null,
      lastFailureAt: a.lastFailureAt !== undefined ? new Date(a.lastFailureAt).toISOString() : null,
      ...(a.lastError !== undefined ? { lastError: a.lastError } : {}),
    });
    return { metrics: view(this.signals.metrics), logs: view(this.signals.logs) };
  }
}

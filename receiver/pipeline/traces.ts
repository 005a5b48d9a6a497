// Kernel intervals (a socket read that waited, a slow qdisc/driver transmit, a slow block I/O) as
// root spans for trace backends such as Tempo. Built only when the trace signal is on: with traces
// off no tracing SDK object exists and an interval costs nothing beyond its event. Each target's
// spans travel under its Resource (one tracer provider per Resource sharing one batch processor), as
// its events do. A per-node rate cap is the sampler: intervals over it are not recorded, only counted
// (otel.sdk.span.started{otel.span.sampling_result=DROP}).
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, type Attributes, type Meter, type Tracer } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, Sampler, SamplingResult, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { ProtobufTraceSerializer, TraceExporterMetricsHelper } from '@opentelemetry/otlp-transformer';
import { OTEL_COMPONENT_TYPE_VALUE_OTLP_GRPC_SPAN_EXPORTER } from './component-types.js';
import { createGrpcExportDelegate } from './grpc-reconnect.js';
import lazy from './lazy-packages.cjs';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  AGENT_SPAN_STARTED,
  ATTR_ERROR_TYPE,
  ATTR_OTEL_SPAN_PARENT_ORIGIN,
  ATTR_OTEL_SPAN_SAMPLING_RESULT,
} from '../../semconv/generated/registry.js';
import type { AgentConfig } from '../config/types.js';
import type { EventRecord } from '../probes/event-record.js';
import type { ExportAccounting } from './export-accounting.js';

// The tracing SDK and its OTLP/HTTP exporter are loaded when the trace signal is on, not with the
// module graph (~1 MiB of RSS the agent keeps otherwise; traces are off by default): lazy-packages.cts.
const traceSdk = lazy.traceSdk;
const httpTraceExporter = (): (typeof import('@opentelemetry/exporter-trace-otlp-proto'))['OTLPTraceExporter'] =>
  lazy.traceExporterProto().OTLPTraceExporter;

/** Spans per batch request, and the most waiting in the batch processor before the retry buffer. */
const SPAN_QUEUE_SIZE = 4096;

/** A token bucket of `perSecond` (burst: one second's worth): the per-node span rate cap. */
export class RateCapSampler implements Sampler {
  private tokens: number;
  private last = performance.now();
  constructor(
    private readonly perSecond: number,
    private readonly onDecision: (sampled: boolean) => void,
  ) {
    this.tokens = perSecond;
  }
  shouldSample(): SamplingResult {
    const now = performance.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    const sampled = this.tokens >= 1;
    if (sampled) this.tokens -= 1;
    this.onDecision(sampled);
    const { SamplingDecision } = traceSdk();
    return { decision: sampled ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD };
  }
  toString(): string {
    return `RateCapSampler{${this.perSecond}/s}`;
  }
}

export interface SpanPipeline {
  emit(event: EventRecord, resource: Resource): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

const hrTime = (ns: bigint): [number, number] => [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];

function traceUrl(config: AgentConfig): string | undefined {
  if (config.traces.endpoint !== undefined) return config.traces.endpoint;
  const base = config.otlp.endpoint;
  if (base === undefined) return undefined;
  if (config.otlp.protocol === 'grpc') return base;
  if (/\/v1\/(metrics|logs|traces)$/.test(base)) return base.replace(/(metrics|logs|traces)$/, 'traces');
  return `${base.replace(/\/$/, '')}/v1/traces`;
}

/** The span pipeline, or undefined when the trace signal is off or has nowhere to go. */
export function createSpanPipeline(o: {
  config: AgentConfig;
  accounting: ExportAccounting;
  meter: Meter;
  meterProvider: MeterProvider;
  scope: { name: string; version: string };
}): SpanPipeline | undefined {
  const { config } = o;
  const url = traceUrl(config);
  if (!config.traces.enabled || url === undefined) return undefined;
  const timeoutMillis = config.otlp.exportTimeoutMs;
  // The exporters read the other OTEL_EXPORTER_OTLP_TRACES_* variables (headers, compression, TLS) themselves.
  const protocol =
    config.traces.endpoint !== undefined
      ? (process.env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'] ?? config.otlp.protocol)
      : config.otlp.protocol;
  const grpc = protocol === 'grpc';
  // gRPC reconnects on the retry settings' schedule (grpc-reconnect.ts).
  const exporter = grpc
    ? new OTLPExporterBase<ReadableSpan[]>(
        createGrpcExportDelegate(
          { url, timeoutMillis },
          'TRACES',
          ProtobufTraceSerializer,
          OTEL_COMPONENT_TYPE_VALUE_OTLP_GRPC_SPAN_EXPORTER,
          TraceExporterMetricsHelper,
          undefined,
          'TraceExportService',
          '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
          { initialMs: config.otlp.buffer.initialBackoffMs, maxMs: config.otlp.buffer.maxBackoffMs },
        ),
      )
    : new (httpTraceExporter())({ url, timeoutMillis });
  const started = o.meter.createCounter(AGENT_SPAN_STARTED.name, {
    description: AGENT_SPAN_STARTED.brief.en,
    unit: AGENT_SPAN_STARTED.unit,
  });
  const sampled = { [ATTR_OTEL_SPAN_SAMPLING_RESULT]: 'RECORD_AND_SAMPLE', [ATTR_OTEL_SPAN_PARENT_ORIGIN]: 'none' };
  const dropped = { [ATTR_OTEL_SPAN_SAMPLING_RESULT]: 'DROP', [ATTR_OTEL_SPAN_PARENT_ORIGIN]: 'none' };
  const sampler = new RateCapSampler(config.traces.ratePerNode, (ok) => started.add(1, ok ? sampled : dropped));
  const buffered = o.accounting.wrapSpanExporter(exporter, config.otlp.buffer, o.meter);
  const processor: SpanProcessor = new (traceSdk().BatchSpanProcessor)(buffered, {
    maxQueueSize: SPAN_QUEUE_SIZE,
    maxExportBatchSize: 512,
    scheduledDelayMillis: 1000,
    exportTimeoutMillis: timeoutMillis,
  });
  let tracers = new Map<Resource, Tracer>();
  let previous = new Map<Resource, Tracer>();
  const tracerFor = (r: Resource): Tracer => {
    let t = tracers.get(r) ?? previous.get(r);
    if (t === undefined) {
      t = new (traceSdk().BasicTracerProvider)({ resource: r, sampler, spanProcessors: [processor] }).getTracer(
        o.scope.name,
        o.scope.version,
      );
    }
    tracers.set(r, t);
    if (tracers.size > 2 * Math.max(64, previous.size)) {
      previous = tracers;
      tracers = new Map();
    }
    return t;
  };
  return {
    emit(event, resource) {
      const shape = event.span;
      if (shape === undefined) return;
      const attributes: Attributes = Object.assign(
        {},
        event.attributes,
        shape.errorType !== undefined ? { [ATTR_ERROR_TYPE]: shape.errorType } : {},
      );
      const span = tracerFor(resource).startSpan(
        shape.name,
        {
          kind: SpanKind.INTERNAL,
          startTime: hrTime(shape.startUnixNano),
          attributes,
          root: true,
        },
        ROOT_CONTEXT,
      );
      if (!span.isRecording()) return;
      if (shape.errorType !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: shape.errorType });
      span.end(hrTime(event.timeUnixNano));
    },
    forceFlush: () => processor.forceFlush(),
    shutdown: () => processor.shutdown(),
  };
}

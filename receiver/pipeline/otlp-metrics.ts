// OTLP metric export with one Resource per target (resources.ts): the reader hands over one
// collection (one ResourceMetrics; the producer marks each target's ScopeMetrics with its Resource),
// which leaves as requests of at most N data points, each holding the ResourceMetrics of several
// targets. The SDK's exporters take one ResourceMetrics per request, so the request is built from the
// SDK's own pieces (the encoding is its serializer's, written by otlp-encode.ts with the repeating parts
// cached: an ExportMetricsServiceRequest is `repeated ResourceMetrics resource_metrics = 1`, so
// concatenated encodings are one request with all of them) and its gRPC / HTTP transports, retries and
// self-observability (otel.sdk.exporter.* metrics, once a MeterProvider is given).
import type { MeterProvider } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { MetricData, ResourceMetrics, ScopeMetrics } from '@opentelemetry/sdk-metrics';
import type { Resource } from '@opentelemetry/resources';
import {
  MetricsExporterMetricsHelper,
  ProtobufMetricsSerializer,
  type IExporterMetricsHelper,
  type IExportMetricsServiceResponse,
  type ISerializer,
} from '@opentelemetry/otlp-transformer';
import type { IOtlpExportDelegate } from '@opentelemetry/otlp-exporter-base';
import {
  convertLegacyHttpOptions,
  createOtlpHttpExportDelegate,
  createOtlpHttpExporterMetrics,
} from '@opentelemetry/otlp-exporter-base/node-http';
import { createOtlpGrpcExporterMetrics } from '@opentelemetry/otlp-grpc-exporter-base';
import { createGrpcExportDelegate, type ReconnectBackoff } from './grpc-reconnect.js';
import {
  OTEL_COMPONENT_TYPE_VALUE_OTLP_GRPC_METRIC_EXPORTER,
  OTEL_COMPONENT_TYPE_VALUE_OTLP_HTTP_METRIC_EXPORTER,
} from '@opentelemetry/semantic-conventions/incubating';
import { TARGET_RESOURCE, type TargetScopeMetrics } from './snapshot-producer.js';
import { encodeMetricsRequest } from './otlp-encode.js';

/** Sends one request holding several ResourceMetrics. */
export interface ResourcesMetricExporter {
  export(request: ResourceMetrics[], done: (result: ExportResult) => void): void;
  /** Turns on the exporter's otel.sdk.exporter.* metrics (the provider exists only after the reader). */
  observeWith(meterProvider: MeterProvider): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

// The request's bytes: the SDK serializer's encoding, written with the repeating parts cached (otlp-encode.ts).
const serializer: ISerializer<ResourceMetrics[], IExportMetricsServiceResponse> = {
  serializeRequest: (request) => encodeMetricsRequest(request),
  deserializeResponse: (data) => ProtobufMetricsSerializer.deserializeResponse(data),
};

const helper: IExporterMetricsHelper<ResourceMetrics[]> = {
  name: 'metric_data_point',
  countItems: (request) => request.reduce((n, rm) => n + MetricsExporterMetricsHelper.countItems(rm), 0),
};

export function createResourcesMetricExporter(opts: {
  url: string;
  protocol: 'grpc' | 'http/protobuf';
  timeoutMillis: number;
  reconnect: ReconnectBackoff;
}): ResourcesMetricExporter {
  const config = { url: opts.url, timeoutMillis: opts.timeoutMillis };
  let delegate: IOtlpExportDelegate<ResourceMetrics[]>;
  let observe: (mp: MeterProvider) => void;
  if (opts.protocol === 'grpc') {
    const type = OTEL_COMPONENT_TYPE_VALUE_OTLP_GRPC_METRIC_EXPORTER;
    delegate = createGrpcExportDelegate(
      config,
      'METRICS',
      serializer,
      type,
      helper,
      undefined,
      'MetricsExportService',
      '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
      opts.reconnect,
    );
    observe = (mp) => delegate.setMetrics(createOtlpGrpcExporterMetrics(type, helper, opts.url, mp));
  } else {
    const type = OTEL_COMPONENT_TYPE_VALUE_OTLP_HTTP_METRIC_EXPORTER;
    const http = convertLegacyHttpOptions(config, 'METRICS', 'v1/metrics', {
      'Content-Type': 'application/x-protobuf',
    });
    delegate = createOtlpHttpExportDelegate(http, serializer, type, helper, undefined);
    observe = (mp) => delegate.setMetrics(createOtlpHttpExporterMetrics(type, helper, opts.url, mp));
  }
  return {
    export: (request, done) => delegate.export(request, done),
    observeWith: observe,
    forceFlush: () => delegate.forceFlush(),
    shutdown: () => delegate.shutdown(),
  };
}

const pointsOf = (m: MetricData): number => m.dataPoints.length;

/** One collection as one ResourceMetrics per Resource: the agent's own scopes under the reader's
 *  resource, each target's under the Resource its producer marked it with (first-seen order). */
export function byResource(collection: ResourceMetrics): ResourceMetrics[] {
  const out = new Map<Resource, ScopeMetrics[]>();
  for (const sm of collection.scopeMetrics as TargetScopeMetrics[]) {
    const resource = sm[TARGET_RESOURCE] ?? collection.resource;
    let scopes = out.get(resource);
    if (!scopes) out.set(resource, (scopes = []));
    scopes.push({ scope: sm.scope, metrics: sm.metrics });
  }
  return [...out].map(([resource, scopeMetrics]) => ({ resource, scopeMetrics }));
}

/** Packs ResourceMetrics into requests of at most `max` data points, in order: a metric's points may
 *  span requests (each part repeats its descriptor, scope and resource); a request holds several
 *  resources. Every point once. */
export function packRequests(resources: readonly ResourceMetrics[], max: number): ResourceMetrics[][] {
  const requests: ResourceMetrics[][] = [];
  let current: ResourceMetrics[] = [];
  let room = max;
  const close = (): void => {
    if (current.length > 0) requests.push(current);
    current = [];
    room = max;
  };
  for (const rm of resources) {
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) {
        let from = 0;
        while (from < pointsOf(m)) {
          const take = Math.min(room, pointsOf(m) - from);
          const whole = from === 0 && take === pointsOf(m);
          const slice = (whole ? m : { ...m, dataPoints: m.dataPoints.slice(from, from + take) }) as MetricData;
          let last = current[current.length - 1];
          if (!last || last.resource !== rm.resource) {
            last = { resource: rm.resource, scopeMetrics: [] };
            current.push(last);
          }
          const scope = last.scopeMetrics[last.scopeMetrics.length - 1];
          if (scope && scope.scope === sm.scope) scope.metrics.push(slice);
          else last.scopeMetrics.push({ scope: sm.scope, metrics: [slice] });
          from += take;
          room -= take;
          if (room === 0) close();
        }
      }
    }
  }
  close();
  return requests;
}

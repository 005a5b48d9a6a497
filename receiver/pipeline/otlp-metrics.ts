// OTLP metric export with one Resource per target (resources.ts): the reader hands over one
// collection (one ResourceMetrics; the producer marks each target's ScopeMetrics with its Resource),
// which leaves as requests of at most N data points, each holding the ResourceMetrics of several
// targets. The SDK's exporters take one ResourceMetrics per request, so the request is built from the
// SDK's own pieces (the encoding is its serializer's, written by otlp-encode.ts with the repeating parts
// cached: an ExportMetricsServiceRequest is `repeated ResourceMetrics resource_metrics = 1`, so
// concatenated encodings are one request with all of them) and its gRPC / HTTP transports, retries and
// self-observability (otel.sdk.exporter.* metrics, once a MeterProvider is given).
import type { MeterProvider } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { MetricData, ResourceMetrics, ScopeMetrics } from '@opentelemetry/sdk-metrics';
import type { Resource } from '@opentelemetry/resources';
import {
  ProtobufMetricsSerializer,
  type IExporterMetricsHelper,
  type IExportMetricsServiceResponse,
  type ISerializer,
} from '@opentelemetry/otlp-transformer';
import { createOtlpNetworkExportDelegate, type IOtlpExportDelegate } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExporterMetrics } from '@opentelemetry/otlp-exporter-base/node-http';
import { OtlpHttpTransport } from './otlp-http-transport.js';
import { createGrpcExportDelegate, createOtlpGrpcExporterMetrics, type ReconnectBackoff } from './grpc-reconnect.js';
import {
  OTEL_COMPONENT_TYPE_VALUE_OTLP_GRPC_METRIC_EXPORTER,
  OTEL_COMPONENT_TYPE_VALUE_OTLP_HTTP_METRIC_EXPORTER,
} from './component-types.js';
import {
  SNAPSHOT_POINTS,
  TARGET_RESOURCE,
  scopePointCount,
  snapshotScope,
  type PointColumns,
  type PointRange,
  type TargetScopeMetrics,
} from './snapshot-producer.js';
import { encodeMetricsRequest } from './otlp-encode.js';

/** Sends one request holding several ResourceMetrics. */
export interface ResourcesMetricExporter {
  export(request: ResourceMetrics[], done: (result: ExportResult) => void): void;
  /** Turns on the exporter's otel.sdk.exporter.* metrics (the provider exists only after the reader). */
  observeWith(meterProvider: MeterProvider): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * The requests' bytes: the SDK serializer's encoding, written with the repeating parts cached
 * (otlp-encode.ts), into one buffer that goes from request to request. A new buffer per request stayed
 * until the next GC: at 250 pods and 2,048 points per request, 13–16 mmaps of ~320 KiB, 4–5 MiB, at every
 * export (strace; V8's sweeper unmapped them together). The buffer comes back when the backend has
 * answered OK (it has read the whole body) and the transport sent a copy (grpc-js frames every message
 * into a new buffer; the HTTP transport sends the gzip of it); a request that failed or timed out may
 * still be referenced by a pending write, so its buffer is left to the GC.
 */
class RequestSerializer implements ISerializer<ResourceMetrics[], IExportMetricsServiceResponse> {
  private spare: Buffer | undefined;
  private readonly lent = new WeakMap<ResourceMetrics[], Buffer>();

  serializeRequest(request: ResourceMetrics[]): Uint8Array | undefined {
    const bytes = encodeMetricsRequest(request, this.spare);
    if (bytes === undefined) return undefined;
    const whole = Buffer.from(bytes.buffer, 0, bytes.buffer.byteLength);
    if (whole.buffer === this.spare?.buffer) this.spare = undefined;
    this.lent.set(request, whole);
    return bytes;
  }

  /** The request was delivered and the transport sent a copy: its buffer may take the next one (the
   *  larger of the two is kept). */
  delivered(request: ResourceMetrics[]): void {
    const b = this.lent.get(request);
    this.lent.delete(request);
    if (b !== undefined && (this.spare === undefined || b.length > this.spare.length)) this.spare = b;
  }

  deserializeResponse(data: Uint8Array): IExportMetricsServiceResponse {
    return ProtobufMetricsSerializer.deserializeResponse(data);
  }
}

const helper: IExporterMetricsHelper<ResourceMetrics[]> = {
  name: 'metric_data_point',
  // by the columns where the points are (MetricsExporterMetricsHelper would build every MetricData)
  countItems: (request) => request.reduce((n, rm) => n + pointCount(rm), 0),
};

export interface MetricsTransportOptions {
  url: string;
  protocol: 'grpc' | 'http/protobuf';
  timeoutMillis: number;
  reconnect: ReconnectBackoff;
}

/** The SDK's export delegate (timeout, concurrency bound, outcome metrics) over the agent's metrics
 *  transport for `protocol`, with `serializer` (the bench sends pre-encoded bytes through the same). */
export function createMetricsDelegate<T>(
  opts: MetricsTransportOptions,
  serializer: ISerializer<T, unknown>,
  helper: IExporterMetricsHelper<T>,
): {
  delegate: IOtlpExportDelegate<T>;
  observe: (mp: MeterProvider) => void;
  /** Whether the transport sends a copy of the serialized bytes (not the bytes themselves). */
  sendsCopy: boolean;
} {
  const config = { url: opts.url, timeoutMillis: opts.timeoutMillis };
  if (opts.protocol === 'grpc') {
    const type = OTEL_COMPONENT_TYPE_VALUE_OTLP_GRPC_METRIC_EXPORTER;
    const delegate = createGrpcExportDelegate(
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
    return {
      delegate,
      observe: (mp) => delegate.setMetrics(createOtlpGrpcExporterMetrics(type, helper, opts.url, mp)),
      // grpc-js frames each message into a new buffer (compressed or not)
      sendsCopy: true,
    };
  }
  const type = OTEL_COMPONENT_TYPE_VALUE_OTLP_HTTP_METRIC_EXPORTER;
  const http = convertLegacyHttpOptions(config, 'METRICS', 'v1/metrics', {
    'Content-Type': 'application/x-protobuf',
  });
  // the SDK's delegate over the agent's transport (one request, the body gzipped in one call)
  const delegate = createOtlpNetworkExportDelegate(
    http,
    serializer,
    createOtlpHttpExporterMetrics(type, helper, http.url, undefined),
    new OtlpHttpTransport(http),
  );
  return {
    delegate,
    observe: (mp) => delegate.setMetrics(createOtlpHttpExporterMetrics(type, helper, opts.url, mp)),
    // with gzip the transport sends the compressed copy; without, the bytes themselves
    sendsCopy: http.compression === 'gzip',
  };
}

export function createResourcesMetricExporter(opts: MetricsTransportOptions): ResourcesMetricExporter {
  const serializer = new RequestSerializer();
  const { delegate, observe, sendsCopy } = createMetricsDelegate(opts, serializer, helper);
  return {
    export: (request, done) =>
      delegate.export(request, (result) => {
        if (sendsCopy && result.code === ExportResultCode.SUCCESS) serializer.delivered(request);
        done(result);
      }),
    observeWith: observe,
    forceFlush: () => delegate.forceFlush(),
    shutdown: () => delegate.shutdown(),
  };
}

/** Data points of a ResourceMetrics (columns counted, not built). */
export function pointCount(rm: ResourceMetrics): number {
  let n = 0;
  for (const sm of rm.scopeMetrics) n += scopePointCount(sm);
  return n;
}

/** One collection as one ResourceMetrics per Resource: the agent's own scopes under the reader's
 *  resource, each target's under the Resource its producer marked it with (first-seen order). */
export function byResource(collection: ResourceMetrics): ResourceMetrics[] {
  const out = new Map<Resource, ScopeMetrics[]>();
  for (const sm of collection.scopeMetrics as TargetScopeMetrics[]) {
    const resource = sm[TARGET_RESOURCE] ?? collection.resource;
    let scopes = out.get(resource);
    if (!scopes) out.set(resource, (scopes = []));
    const points = sm[SNAPSHOT_POINTS];
    scopes.push(points !== undefined ? snapshotScope(sm.scope, points) : { scope: sm.scope, metrics: sm.metrics });
  }
  const resources: ResourceMetrics[] = [];
  out.forEach((scopeMetrics, resource) => resources.push({ resource, scopeMetrics }));
  return resources;
}

/** Packs ResourceMetrics into requests of at most `max` data points, in order: a metric's points may
 *  span requests (each part repeats its descriptor, scope and resource); a request holds several
 *  resources. Every point once. A scope over the snapshot's columns stays columns (ranges of them). */
export function packRequests(resources: readonly ResourceMetrics[], max: number): ResourceMetrics[][] {
  type Part = {
    scope: ScopeMetrics['scope'];
    columns: PointColumns | undefined;
    ranges: PointRange[];
    metrics: MetricData[];
  };
  type Res = { resource: Resource; parts: Part[] };
  const requests: Res[][] = [];
  let current: Res[] = [];
  let room = max;
  const close = (): void => {
    if (current.length > 0) requests.push(current);
    current = [];
    room = max;
  };
  const partFor = (resource: Resource, scope: ScopeMetrics['scope'], columns?: PointColumns): Part => {
    let last = current[current.length - 1];
    if (!last || last.resource !== resource) {
      last = { resource, parts: [] };
      current.push(last);
    }
    const part = last.parts[last.parts.length - 1];
    if (part && part.scope === scope && part.columns === columns) return part;
    // `columns` always present (undefined when none): one hidden class for every part.
    const made: Part = { scope, columns, ranges: [], metrics: [] };
    last.parts.push(made);
    return made;
  };
  // Indexed loops, not for…of: this function was deoptimized ("wrong map") at its for…of over these
  // arrays while byResource made them with Array.prototype.map, packed or holey (sizing-h21t-*.md).
  for (let i = 0; i < resources.length; i++) {
    const rm = resources[i]!;
    for (let j = 0; j < rm.scopeMetrics.length; j++) {
      const sm = rm.scopeMetrics[j]!;
      const points = (sm as TargetScopeMetrics)[SNAPSHOT_POINTS];
      if (points !== undefined) {
        for (let k = 0; k < points.ranges.length; k++) {
          const r = points.ranges[k]!;
          let from = r.from;
          while (from < r.to) {
            const take = Math.min(room, r.to - from);
            const whole = from === r.from && take === r.to - r.from;
            partFor(rm.resource, sm.scope, points.columns).ranges.push(
              whole ? r : { def: r.def, from, to: from + take },
            );
            from += take;
            room -= take;
            if (room === 0) close();
          }
        }
        continue;
      }
      for (const m of sm.metrics) {
        const n = m.dataPoints.length;
        let from = 0;
        while (from < n) {
          const take = Math.min(room, n - from);
          const whole = from === 0 && take === n;
          const slice = (
            whole ? m : Object.assign({}, m, { dataPoints: m.dataPoints.slice(from, from + take) })
          ) as MetricData;
          partFor(rm.resource, sm.scope).metrics.push(slice);
          from += take;
          room -= take;
          if (room === 0) close();
        }
      }
    }
  }
  close();
  // Arrays filled by push, not Array.prototype.map: optimized, map makes holey arrays, and the encoder
  // that loops over every request's resources and scopes (otlp-encode.ts) was deoptimized ("wrong map")
  // whenever holey and packed ones alternated, then compiled again (sizing-h21u-*.md).
  const out: ResourceMetrics[][] = [];
  for (let i = 0; i < requests.length; i++) {
    const request = requests[i]!;
    const resourceMetrics: ResourceMetrics[] = [];
    for (let j = 0; j < request.length; j++) {
      const { resource, parts } = request[j]!;
      const scopeMetrics: ScopeMetrics[] = [];
      for (let k = 0; k < parts.length; k++) {
        const p = parts[k]!;
        scopeMetrics.push(
          p.columns !== undefined
            ? snapshotScope(p.scope, { columns: p.columns, ranges: p.ranges })
            : { scope: p.scope, metrics: p.metrics },
        );
      }
      resourceMetrics.push({ resource, scopeMetrics });
    }
    out.push(resourceMetrics);
  }
  return out;
}

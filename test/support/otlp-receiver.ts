// A real OTLP receiver for tests: gRPC (MetricsService/Export, LogsService/Export) and HTTP
// (/v1/metrics, /v1/logs; application/x-protobuf or application/json, optionally gzip) on 127.0.0.1,
// decoding with the .proto files in test/support/proto. It records every request, flattens
// metric data points and log records, and can inject faults (unavailable, delay, blackhole).
// With `tls` both servers speak TLS (https:// endpoints), and with a client CA they require and
// verify client certificates (mTLS), recording the client's CN with each request.
import { existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, inflateSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export type Signal = 'metrics' | 'logs' | 'traces';
export type Transport = 'grpc' | 'http-protobuf' | 'http-json';
/** 'ok' answers at once; 'unavailable' answers gRPC UNAVAILABLE / HTTP 503; { delayMs } answers OK
 *  after a delay; 'blackhole' reads the request and never answers. */
export type ReceiverMode = 'ok' | 'unavailable' | 'blackhole' | { delayMs: number };

export type AttrValue = string | number | boolean;
export type Attributes = Record<string, AttrValue>;

export interface ReceivedRequest {
  signal: Signal;
  transport: Transport;
  /** Date.now() when it arrived. */
  receivedAt: number;
  /** The mode in force when it arrived. */
  mode: ReceiverMode;
  /** True once it was answered OK: only accepted requests feed metrics() and logs(). */
  accepted: boolean;
  /** gRPC metadata or HTTP headers (lowercase keys). */
  headers: Record<string, string>;
  /** With mTLS: the CN of the client certificate the request came with. */
  clientCertificate?: string;
  /** The decoded Export*ServiceRequest, camelCase field names (resourceMetrics / resourceLogs ...). */
  body: any;
}

export interface MetricPoint {
  name: string;
  unit: string;
  description: string;
  kind: 'sum' | 'gauge' | 'histogram' | 'exponentialHistogram' | 'summary';
  /** For sums. */
  monotonic?: boolean;
  temporality?: 'delta' | 'cumulative' | 'unspecified';
  attributes: Attributes;
  /** Number value of a sum or gauge; for histograms and summaries the sum of observations. */
  value: number;
  /** For histograms (explicit buckets): count, sum, bounds, bucket counts, min, max. */
  histogram?: { count: number; sum?: number; bounds: number[]; counts: number[]; min?: number; max?: number };
  /** For exponential histograms and summaries. */
  count?: number;
  resource: Attributes;
  scope: { name: string; version: string };
  /** Nanoseconds since the epoch, as a decimal string (exceeds 2^53). */
  timeUnixNano: string;
  startTimeUnixNano: string;
  transport: Transport;
}

export interface LogRecordFlat {
  eventName: string;
  severityNumber: number;
  severityText: string;
  /** string | number | boolean | array | object | undefined */
  body: unknown;
  attributes: Attributes;
  resource: Attributes;
  scope: { name: string; version: string };
  timeUnixNano: string;
  observedTimeUnixNano: string;
  traceId: string;
  spanId: string;
  transport: Transport;
}

export interface SpanFlat {
  name: string;
  /** 1 internal, 2 server, 3 client, 4 producer, 5 consumer */
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  /** 0 unset, 1 ok, 2 error */
  statusCode: number;
  statusMessage: string;
  attributes: Attributes;
  resource: Attributes;
  scope: { name: string; version: string };
  transport: Transport;
}

export interface OtlpReceiver {
  /** e.g. http://127.0.0.1:43117 (gRPC exporters' `url`). */
  readonly grpcEndpoint: string;
  /** e.g. http://127.0.0.1:43118 (append /v1/metrics or /v1/logs for HTTP exporters). */
  readonly httpEndpoint: string;
  readonly grpcPort: number;
  readonly httpPort: number;
  /** Every request seen, in arrival order, whatever its outcome. */
  readonly requests: ReceivedRequest[];
  readonly mode: ReceiverMode;
  setMode(mode: ReceiverMode): void;
  /** Number of requests that arrived (accepted or not), optionally of one signal. */
  attempts(signal?: Signal): number;
  /** Data points of every accepted metrics request, flattened (a cumulative series exported N times
   *  appears N times). */
  metrics(): MetricPoint[];
  /** The newest point of each series (name + resource + attributes), by timeUnixNano then arrival. */
  latestMetrics(): MetricPoint[];
  /** Log records of every accepted logs request, flattened. */
  logs(): LogRecordFlat[];
  /** Spans of every accepted traces request, flattened. */
  spans(): SpanFlat[];
  /** Resolve with the first truthy value of predicate, re-checked on every request and every 50 ms. */
  waitFor<T>(
    predicate: (r: OtlpReceiver) => T | undefined | null | false,
    timeoutMs?: number,
    what?: string,
  ): Promise<T>;
  /** Shorthand: wait for points named `name` (optionally matching `where`); resolves with them. */
  waitForMetric(name: string, where?: (p: MetricPoint) => boolean, timeoutMs?: number): Promise<MetricPoint[]>;
  /** Wait until the newest point of some series matches `where`; resolves with that point. On timeout the
   *  error lists the newest points `shown` selects (name, attributes, value): what came instead. */
  waitForLatest(
    where: (p: MetricPoint) => boolean,
    timeoutMs: number,
    what: string,
    shown?: (p: MetricPoint) => boolean,
  ): Promise<MetricPoint>;
  /** Shorthand: wait for log records with this eventName (optionally matching `where`). */
  waitForLog(eventName: string, where?: (l: LogRecordFlat) => boolean, timeoutMs?: number): Promise<LogRecordFlat[]>;
  /** Forget recorded requests. */
  clear(): void;
  /** Stop both servers, dropping pending (blackholed/delayed) calls. */
  close(): Promise<void>;
}

export interface OtlpReceiverOptions {
  mode?: ReceiverMode;
  /** Serve gRPC (default true) and HTTP (default true). */
  grpc?: boolean;
  http?: boolean;
  /** Fixed ports (default: free ports chosen by the kernel). */
  grpcPort?: number;
  httpPort?: number;
  /** The address to listen on (default 127.0.0.1): a test namespace's host-side address lets an agent inside it export here. */
  host?: string;
  /** Serve TLS with this certificate; with clientCa, require client certificates signed by it. */
  tls?: { cert: Buffer; key: Buffer; clientCa?: Buffer };
}

const METRICS_SVC = 'opentelemetry.proto.collector.metrics.v1.MetricsService';
const LOGS_SVC = 'opentelemetry.proto.collector.logs.v1.LogsService';
const TRACE_SVC = 'opentelemetry.proto.collector.trace.v1.TraceService';
const SERVICE: Record<Signal, string> = { metrics: METRICS_SVC, logs: LOGS_SVC, traces: TRACE_SVC };

/** Directory holding opentelemetry/proto/...: next to this module's source. */
export function protoDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'proto'), path.resolve(here, '../../../test/support/proto')];
  for (const c of candidates) if (existsSync(path.join(c, 'opentelemetry'))) return c;
  throw new Error(`OTLP .proto files not found in ${candidates.join(' or ')}`);
}

let cachedDef: protoLoader.PackageDefinition | undefined;
/** The package definition of the two OTLP services (also usable to encode test requests). */
export function otlpPackageDefinition(): protoLoader.PackageDefinition {
  if (!cachedDef) {
    const dir = protoDir();
    cachedDef = protoLoader.loadSync(
      [
        'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
        'opentelemetry/proto/collector/logs/v1/logs_service.proto',
        'opentelemetry/proto/collector/trace/v1/trace_service.proto',
      ],
      { includeDirs: [dir], keepCase: false, longs: String, enums: Number, defaults: false, oneofs: true },
    );
  }
  return cachedDef;
}

function exportMethod(svc: string): protoLoader.MethodDefinition<any, any> {
  const s = otlpPackageDefinition()[svc] as protoLoader.ServiceDefinition;
  return s['Export'] as protoLoader.MethodDefinition<any, any>;
}

/** Encode an Export*ServiceRequest object (camelCase fields) to protobuf bytes. */
export function encodeExportRequest(signal: Signal, body: unknown): Buffer {
  return exportMethod(SERVICE[signal]).requestSerialize(body);
}
/** Decode protobuf bytes of an Export*ServiceRequest. */
export function decodeExportRequest(signal: Signal, bytes: Buffer): any {
  return exportMethod(SERVICE[signal]).requestDeserialize(bytes);
}

// ---- flattening ----------------------------------------------------------------------------------

function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  if (typeof v === 'bigint') return Number(v);
  if (v && typeof v === 'object' && 'low' in v && 'high' in v) {
    const l = v as { low: number; high: number };
    return l.high * 2 ** 32 + (l.low >>> 0);
  }
  return 0;
}
function nanos(v: unknown): string {
  if (v === undefined || v === null) return '0';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return BigInt(v).toString();
  if (typeof v === 'object' && 'low' in v && 'high' in v) {
    const l = v as { low: number; high: number };
    return ((BigInt(l.high >>> 0) << 32n) | BigInt(l.low >>> 0)).toString();
  }
  return String(v);
}
function hex(v: unknown): string {
  if (!v) return '';
  if (typeof v === 'string') return v; // JSON encoding uses hex already
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  return '';
}

/** An OTLP AnyValue as a plain JS value (int64 as number, bytes as base64). */
export function anyValue(v: any): unknown {
  if (!v || typeof v !== 'object') return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return num(v.intValue);
  if (v.doubleValue !== undefined) return num(v.doubleValue);
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(anyValue);
  if (v.kvlistValue !== undefined) return kv(v.kvlistValue.values, (x) => x);
  if (v.bytesValue !== undefined) return Buffer.from(v.bytesValue).toString('base64');
  return undefined;
}
function kv<T>(list: any[] | undefined, map: (v: unknown) => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const e of list ?? []) out[e.key] = map(anyValue(e.value));
  return out;
}
function scalar(v: unknown): AttrValue {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v ?? null);
}
/** OTLP KeyValue list → { key: string|number|boolean } (arrays and maps as JSON strings). */
export function attributes(list: any[] | undefined): Attributes {
  return kv(list, scalar);
}
const TEMPORALITY = ['unspecified', 'delta', 'cumulative'] as const;

/** Flatten an ExportMetricsServiceRequest into one entry per data point. */
export function flattenMetrics(body: any, transport: Transport): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (const rm of body?.resourceMetrics ?? []) {
    const resource = attributes(rm.resource?.attributes);
    for (const sm of rm.scopeMetrics ?? []) {
      const scope = { name: sm.scope?.name ?? '', version: sm.scope?.version ?? '' };
      for (const m of sm.metrics ?? []) {
        const base = {
          name: m.name ?? '',
          unit: m.unit ?? '',
          description: m.description ?? '',
          resource,
          scope,
          transport,
        };
        const pointBase = (dp: any) => ({
          attributes: attributes(dp.attributes),
          timeUnixNano: nanos(dp.timeUnixNano),
          startTimeUnixNano: nanos(dp.startTimeUnixNano),
        });
        const numberValue = (dp: any) => (dp.asDouble !== undefined ? num(dp.asDouble) : num(dp.asInt));
        if (m.sum) {
          for (const dp of m.sum.dataPoints ?? []) {
            out.push({
              ...base,
              ...pointBase(dp),
              kind: 'sum',
              monotonic: Boolean(m.sum.isMonotonic),
              temporality: TEMPORALITY[num(m.sum.aggregationTemporality)] ?? 'unspecified',
              value: numberValue(dp),
            });
          }
        } else if (m.gauge) {
          for (const dp of m.gauge.dataPoints ?? [])
            out.push({ ...base, ...pointBase(dp), kind: 'gauge', value: numberValue(dp) });
        } else if (m.histogram) {
          for (const dp of m.histogram.dataPoints ?? []) {
            const sum = dp.sum !== undefined ? num(dp.sum) : undefined;
            out.push({
              ...base,
              ...pointBase(dp),
              kind: 'histogram',
              temporality: TEMPORALITY[num(m.histogram.aggregationTemporality)] ?? 'unspecified',
              value: sum ?? 0,
              histogram: {
                count: num(dp.count),
                sum,
                bounds: (dp.explicitBounds ?? []).map(num),
                counts: (dp.bucketCounts ?? []).map(num),
                min: dp.min !== undefined ? num(dp.min) : undefined,
                max: dp.max !== undefined ? num(dp.max) : undefined,
              },
            });
          }
        } else if (m.exponentialHistogram) {
          for (const dp of m.exponentialHistogram.dataPoints ?? []) {
            out.push({
              ...base,
              ...pointBase(dp),
              kind: 'exponentialHistogram',
              temporality: TEMPORALITY[num(m.exponentialHistogram.aggregationTemporality)] ?? 'unspecified',
              value: num(dp.sum),
              count: num(dp.count),
            });
          }
        } else if (m.summary) {
          for (const dp of m.summary.dataPoints ?? []) {
            out.push({ ...base, ...pointBase(dp), kind: 'summary', value: num(dp.sum), count: num(dp.count) });
          }
        }
      }
    }
  }
  return out;
}

/** Flatten an ExportLogsServiceRequest into one entry per log record. */
export function flattenLogs(body: any, transport: Transport): LogRecordFlat[] {
  const out: LogRecordFlat[] = [];
  for (const rl of body?.resourceLogs ?? []) {
    const resource = attributes(rl.resource?.attributes);
    for (const sl of rl.scopeLogs ?? []) {
      const scope = { name: sl.scope?.name ?? '', version: sl.scope?.version ?? '' };
      for (const lr of sl.logRecords ?? []) {
        out.push({
          eventName: lr.eventName ?? '',
          severityNumber: num(lr.severityNumber),
          severityText: lr.severityText ?? '',
          body: anyValue(lr.body),
          attributes: attributes(lr.attributes),
          resource,
          scope,
          timeUnixNano: nanos(lr.timeUnixNano),
          observedTimeUnixNano: nanos(lr.observedTimeUnixNano),
          traceId: hex(lr.traceId),
          spanId: hex(lr.spanId),
          transport,
        });
      }
    }
  }
  return out;
}

/** Flatten an ExportTraceServiceRequest into one entry per span. */
export function flattenSpans(body: any, transport: Transport): SpanFlat[] {
  const out: SpanFlat[] = [];
  for (const rs of body?.resourceSpans ?? []) {
    const resource = attributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      const scope = { name: ss.scope?.name ?? '', version: ss.scope?.version ?? '' };
      for (const sp of ss.spans ?? []) {
        out.push({
          name: sp.name ?? '',
          kind: num(sp.kind),
          traceId: hex(sp.traceId),
          spanId: hex(sp.spanId),
          parentSpanId: hex(sp.parentSpanId),
          startTimeUnixNano: nanos(sp.startTimeUnixNano),
          endTimeUnixNano: nanos(sp.endTimeUnixNano),
          statusCode: num(sp.status?.code),
          statusMessage: sp.status?.message ?? '',
          attributes: attributes(sp.attributes),
          resource,
          scope,
          transport,
        });
      }
    }
  }
  return out;
}

/** Key of a series: name, resource and attributes (sorted). */
export function seriesKey(p: MetricPoint): string {
  const sorted = (a: Attributes) => JSON.stringify(Object.entries(a).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  return `${p.name}|${sorted(p.resource)}|${sorted(p.attributes)}`;
}

/** The newest point of each series (greatest timeUnixNano; the later one on a tie). */
export function latestPerSeries(points: MetricPoint[]): MetricPoint[] {
  const m = new Map<string, MetricPoint>();
  for (const p of points) {
    const k = seriesKey(p);
    const old = m.get(k);
    if (!old || BigInt(p.timeUnixNano) >= BigInt(old.timeUnixNano)) m.set(k, p);
  }
  return [...m.values()];
}

// ---- the servers -----------------------------------------------------------------------------------

const MAX_BODY = 64 * 1024 * 1024;

export async function startOtlpReceiver(opts: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  let mode: ReceiverMode = opts.mode ?? 'ok';
  const requests: ReceivedRequest[] = [];
  const listeners = new Set<() => void>();
  const timers = new Set<NodeJS.Timeout>();
  const notify = () => {
    for (const l of [...listeners]) l();
  };
  let closed = false;
  // Flattened once per request (waitFor re-checks on every request).
  const flat = new WeakMap<ReceivedRequest, unknown[]>();
  const memo = <T>(r: ReceivedRequest, f: (body: any, t: Transport) => T[]): T[] => {
    let v = flat.get(r) as T[] | undefined;
    if (!v) {
      v = f(r.body, r.transport);
      flat.set(r, v);
    }
    return v;
  };

  /** Record a request and decide its fate; `answer(ok)` is called when (and if) it should be answered. */
  const handle = (
    signal: Signal,
    transport: Transport,
    headers: Record<string, string>,
    body: unknown,
    answer: (ok: boolean) => void,
    clientCertificate?: string,
  ): void => {
    const rec: ReceivedRequest = {
      signal,
      transport,
      receivedAt: Date.now(),
      mode,
      accepted: false,
      headers,
      body,
      ...(clientCertificate ? { clientCertificate } : {}),
    };
    requests.push(rec);
    const m = mode;
    const accept = () => {
      if (closed) return;
      rec.accepted = true;
      answer(true);
      notify();
    };
    if (m === 'ok') accept();
    else if (m === 'unavailable') {
      answer(false);
      notify();
    } else if (m === 'blackhole') notify();
    else {
      notify();
      const t = setTimeout(() => {
        timers.delete(t);
        accept();
      }, m.delayMs);
      timers.add(t);
    }
  };

  // gRPC
  let grpcServer: grpc.Server | undefined;
  let grpcPort = 0;
  if (opts.grpc !== false) {
    const pkg = grpc.loadPackageDefinition(otlpPackageDefinition()) as any;
    grpcServer = new grpc.Server({ 'grpc.max_receive_message_length': MAX_BODY });
    const mk = (signal: Signal) => (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(call.metadata.getMap())) headers[k] = String(v);
      const cn = call.getAuthContext()?.sslPeerCertificate?.subject?.CN;
      handle(
        signal,
        'grpc',
        headers,
        call.request,
        (ok) => {
          if (ok) cb(null, {});
          else cb({ code: grpc.status.UNAVAILABLE, details: 'injected fault: unavailable' } as grpc.ServiceError, null);
        },
        typeof cn === 'string' ? cn : undefined,
      );
    };
    grpcServer.addService(pkg.opentelemetry.proto.collector.metrics.v1.MetricsService.service, {
      Export: mk('metrics'),
    });
    grpcServer.addService(pkg.opentelemetry.proto.collector.logs.v1.LogsService.service, { Export: mk('logs') });
    grpcServer.addService(pkg.opentelemetry.proto.collector.trace.v1.TraceService.service, { Export: mk('traces') });
    grpcPort = await new Promise<number>((resolve, reject) => {
      const t = opts.tls;
      const creds = t
        ? grpc.ServerCredentials.createSsl(
            t.clientCa ?? null,
            [{ private_key: t.key, cert_chain: t.cert }],
            t.clientCa !== undefined,
          )
        : grpc.ServerCredentials.createInsecure();
      grpcServer!.bindAsync(`${opts.host ?? '127.0.0.1'}:${opts.grpcPort ?? 0}`, creds, (err, port) =>
        err ? reject(err) : resolve(port),
      );
    });
  }

  // HTTP
  let httpServer: http.Server | undefined;
  let httpPort = 0;
  if (opts.http !== false) {
    const t = opts.tls;
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      // Loki 3 serves OTLP under /otlp (the loki sink's `protocol: otlp` posts to /otlp/v1/logs).
      const url = (req.url ?? '').split('?')[0]!.replace(/^\/otlp(?=\/v1\/)/, '');
      const signal: Signal | undefined =
        url === '/v1/metrics' ? 'metrics' : url === '/v1/logs' ? 'logs' : url === '/v1/traces' ? 'traces' : undefined;
      if (!signal || req.method !== 'POST') {
        res.writeHead(signal ? 405 : 404).end();
        return;
      }
      const chunks: Buffer[] = [];
      let len = 0;
      req.on('data', (b: Buffer) => {
        len += b.length;
        if (len <= MAX_BODY) chunks.push(b);
      });
      req.on('end', () => {
        if (len > MAX_BODY) {
          res.writeHead(413).end();
          return;
        }
        let raw = Buffer.concat(chunks);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
        const ctype = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        let body: unknown;
        let transport: Transport;
        try {
          const enc = (headers['content-encoding'] ?? '').toLowerCase();
          if (enc === 'gzip') raw = gunzipSync(raw);
          else if (enc === 'deflate') raw = inflateSync(raw);
          if (ctype === 'application/json') {
            transport = 'http-json';
            body = JSON.parse(raw.toString('utf8'));
          } else if (ctype === 'application/x-protobuf' || ctype === 'application/protobuf') {
            transport = 'http-protobuf';
            body = decodeExportRequest(signal, raw);
          } else {
            res.writeHead(415, { 'content-type': 'text/plain' }).end(`unsupported content-type ${ctype}`);
            return;
          }
        } catch (e) {
          res.writeHead(400, { 'content-type': 'text/plain' }).end(`cannot decode: ${String(e)}`);
          return;
        }
        const peer = t?.clientCa ? (req.socket as TLSSocket).getPeerCertificate?.()?.subject?.CN : undefined;
        handle(
          signal,
          transport,
          headers,
          body,
          (ok) => {
            if (!ok) {
              res.writeHead(503, { 'content-type': 'text/plain' }).end('injected fault: unavailable');
            } else if (transport === 'http-json') {
              res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
            } else {
              const method = exportMethod(SERVICE[signal]);
              res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(method.responseSerialize({}));
            }
          },
          typeof peer === 'string' ? peer : undefined,
        );
      });
    };
    httpServer = t
      ? https.createServer(
          {
            cert: t.cert,
            key: t.key,
            ...(t.clientCa ? { ca: t.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
          },
          onRequest,
        )
      : http.createServer(onRequest);
    httpPort = await new Promise<number>((resolve, reject) => {
      httpServer!.once('error', reject);
      httpServer!.listen(opts.httpPort ?? 0, opts.host ?? '127.0.0.1', () => {
        const a = httpServer!.address();
        resolve(typeof a === 'object' && a ? a.port : 0);
      });
    });
  }

  const receiver: OtlpReceiver = {
    grpcEndpoint: `${opts.tls ? 'https' : 'http'}://${opts.host ?? '127.0.0.1'}:${grpcPort}`,
    httpEndpoint: `${opts.tls ? 'https' : 'http'}://${opts.host ?? '127.0.0.1'}:${httpPort}`,
    grpcPort,
    httpPort,
    requests,
    get mode() {
      return mode;
    },
    setMode(m: ReceiverMode) {
      mode = m;
    },
    attempts: (signal?: Signal) => requests.filter((r) => !signal || r.signal === signal).length,
    metrics: () => requests.filter((r) => r.accepted && r.signal === 'metrics').flatMap((r) => memo(r, flattenMetrics)),
    latestMetrics: () => latestPerSeries(receiver.metrics()),
    logs: () => requests.filter((r) => r.accepted && r.signal === 'logs').flatMap((r) => memo(r, flattenLogs)),
    spans: () => requests.filter((r) => r.accepted && r.signal === 'traces').flatMap((r) => memo(r, flattenSpans)),
    waitFor<T>(
      predicate: (r: OtlpReceiver) => T | undefined | null | false,
      timeoutMs = 10_000,
      what = 'OTLP data',
    ): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        let done = false;
        const check = () => {
          if (done) return;
          let v: T | undefined | null | false;
          try {
            v = predicate(receiver);
          } catch (e) {
            finish();
            reject(e);
            return;
          }
          if (v !== undefined && v !== null && v !== false) {
            finish();
            resolve(v);
          }
        };
        const poll = setInterval(check, 50);
        const to = setTimeout(() => {
          finish();
          reject(
            new Error(
              `timed out after ${timeoutMs} ms waiting for ${what}; ${requests.length} requests seen ` +
                `(${requests.filter((r) => r.accepted).length} accepted)`,
            ),
          );
        }, timeoutMs);
        const finish = () => {
          done = true;
          clearInterval(poll);
          clearTimeout(to);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    waitForMetric(name, where = () => true, timeoutMs = 10_000) {
      return receiver.waitFor(
        (r) => {
          const ps = r.metrics().filter((p) => p.name === name && where(p));
          return ps.length > 0 ? ps : undefined;
        },
        timeoutMs,
        `metric ${name}`,
      );
    },
    waitForLatest(where, timeoutMs, what, shown = () => false) {
      return receiver
        .waitFor((r) => r.latestMetrics().find(where), timeoutMs, what)
        .catch((e: Error) => {
          const seen = receiver.latestMetrics().filter(shown);
          throw new Error(`${e.message}; newest: ${JSON.stringify(seen.map((p) => [p.name, p.attributes, p.value]))}`);
        });
    },
    waitForLog(eventName, where = () => true, timeoutMs = 10_000) {
      return receiver.waitFor(
        (r) => {
          const ls = r.logs().filter((l) => l.eventName === eventName && where(l));
          return ls.length > 0 ? ls : undefined;
        },
        timeoutMs,
        `log record ${eventName}`,
      );
    },
    clear() {
      requests.length = 0;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      grpcServer?.forceShutdown();
      if (httpServer) {
        const s = httpServer;
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        });
      }
    },
  };
  return receiver;
}

// The OTLP/HTTP transport of the metric exporter: one POST per request with node:http(s), the body
// compressed in one call. The SDK's transport pipes every request through a Readable and a gzip stream
// (a stream, its chunks and their callbacks per request, on the main thread); here the whole body goes
// to zlib.gzipSync once (one output chunk) and out with req.end(). What users rely
// on is the SDK's: the endpoint, headers (OTEL_EXPORTER_OTLP_*HEADERS), the agent (TLS options,
// keep-alive) from its configuration, the timeout per attempt, retries with backoff on 429/502/503/504
// (Retry-After honoured) and on network errors within the export timeout, the same results for its
// export delegate (so the otel.sdk.exporter.* metrics and the accounting see the same outcomes).
import type { Agent as HttpAgent, ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { constants as zlibConstants, gzipSync } from 'node:zlib';
import { diag } from '@opentelemetry/api';
import { OTLPExporterError, type ExportResponse, type IExporterTransport } from '@opentelemetry/otlp-exporter-base';
import type { convertLegacyHttpOptions } from '@opentelemetry/otlp-exporter-base/node-http';
import lazy from './lazy-packages.cjs';

/** The SDK's user agent, as its transport sends it: otlp-exporter-base's version, which its exports map
 *  hides; the OTLP exporter packages are released together under one version (the test checks), so it
 *  is read from otlp-grpc-exporter-base's, loaded on first use (lazy-packages.cts). */
let sdkUserAgent: string | undefined;
function userAgentOfSdk(): string {
  sdkUserAgent ??= `OTel-OTLP-Exporter-JavaScript/${lazy.otlpExporterVersion()}`;
  return sdkUserAgent;
}

/** The SDK's retry schedule (retrying-transport.js): 5 retries, 1 s ×1.5 up to 5 s, ±20 % jitter. */
const MAX_RETRIES = 5;
const INITIAL_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 5000;
const BACKOFF_MULTIPLIER = 1.5;
const JITTER = 0.2;
/** As the SDK's: a larger response body ends the attempt as a failure. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

const RETRYABLE_NETWORK_ERRORS = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

export const isRetryableStatus = (status: number): boolean =>
  status === 429 || status === 502 || status === 503 || status === 504;

/** Retry-After (seconds or an HTTP date) in ms, as the SDK reads it. */
export function retryAfterMs(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const seconds = Number.parseInt(header, 10);
  if (Number.isInteger(seconds)) return seconds > 0 ? seconds * 1000 : -1;
  const delay = new Date(header).getTime() - Date.now();
  return delay >= 0 ? delay : 0;
}

/** Gzip level of a request body: zlib's default (6), as the SDK's. Level 1 saves ~0.1 µs per point (0.38
 *  against 0.49 at 250 pods) for 2.7–5.7× the bytes on the wire (test/bench/results/export.md). */
export const OTLP_GZIP_LEVEL = zlibConstants.Z_DEFAULT_COMPRESSION;

type HttpSettings = Pick<
  ReturnType<typeof convertLegacyHttpOptions>,
  'url' | 'headers' | 'compression' | 'agentFactory' | 'userAgent'
>;

export class OtlpHttpTransport implements IExporterTransport {
  private agent: HttpAgent | undefined;
  private readonly url: URL;
  private readonly send1: typeof httpRequest;

  constructor(
    private readonly settings: HttpSettings,
    private readonly gzipLevel: number = OTLP_GZIP_LEVEL,
  ) {
    this.url = new URL(settings.url);
    this.send1 = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
  }

  async send(data: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
    const deadline = Date.now() + timeoutMillis;
    let body: Uint8Array;
    let headers: Record<string, string>;
    try {
      this.agent ??= (await this.settings.agentFactory(this.url.protocol)) as HttpAgent;
      headers = { ...(await this.settings.headers()) };
      body = this.settings.compression === 'gzip' ? this.compress(data) : data;
    } catch (error) {
      return { status: 'failure', error: error as Error };
    }
    if (this.settings.compression === 'gzip') headers['Content-Encoding'] = 'gzip';
    headers['Content-Length'] = String(body.length);
    const sdk = userAgentOfSdk();
    headers['User-Agent'] = this.settings.userAgent ? `${this.settings.userAgent} ${sdk}` : sdk;
    let result = await this.attempt(body, headers, timeoutMillis);
    let backoff = INITIAL_BACKOFF_MS;
    for (let retries = MAX_RETRIES; result.status === 'retryable' && retries > 0; retries--) {
      const jittered = Math.max(Math.min(backoff * (1 + (Math.random() * 2 - 1) * JITTER), MAX_BACKOFF_MS), 0);
      backoff *= BACKOFF_MULTIPLIER;
      const wait = result.retryInMillis ?? jittered;
      const left = deadline - Date.now();
      if (wait > left) {
        diag.info(`Export retry time ${Math.round(wait)}ms exceeds remaining timeout ${Math.round(left)}ms`);
        return result;
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
      result = await this.attempt(body, headers, deadline - Date.now());
    }
    return result;
  }

  /** One gzip of the whole body, on the main thread, the output in chunks of at most 64 KiB (a chunk of
   *  the body's size, ~1.3 MB at 8,192 points, was allocated per request and kept until the next GC).
   *  zlib.gzip does the same deflate in libuv's pool, through a stream and a second job for the end: 0.72
   *  µs of the process's CPU per point of a 10-pod body against 0.62 here, 0.51 against 0.49 at 250 pods
   *  (test/bench/results/export.md, gzip alone both ways). The event loop waits for it, a few ms per
   *  8,192-point request, once per export. */
  private compress(data: Uint8Array): Buffer {
    return gzipSync(data, { level: this.gzipLevel, chunkSize: Math.min(64 * 1024, data.length + 1024) });
  }

  private attempt(body: Uint8Array, headers: Record<string, string>, timeoutMillis: number): Promise<ExportResponse> {
    return new Promise((resolve) => {
      const options: RequestOptions = { method: 'POST', headers, agent: this.agent! };
      let req: ClientRequest;
      try {
        req = this.send1(this.url, options, (res) => onResponse(res));
      } catch (error) {
        resolve({ status: 'failure', error: error as Error });
        return;
      }
      const onResponse = (res: IncomingMessage): void => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            resolve({
              status: 'failure',
              error: new Error(`OTLP export response body exceeded ${MAX_RESPONSE_BYTES} bytes`),
            });
            res.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          if (status >= 200 && status <= 299) resolve({ status: 'success', data: Buffer.concat(chunks) });
          else if (isRetryableStatus(status))
            resolve({ status: 'retryable', retryInMillis: retryAfterMs(header(res, 'retry-after')) });
          else
            resolve({
              status: 'failure',
              error: new OTLPExporterError(res.statusMessage, status, Buffer.concat(chunks).toString()),
            });
        });
        res.on('error', (error) => {
          if (status >= 200 && status <= 299) resolve({ status: 'success' });
          else if (isRetryableStatus(status))
            resolve({ status: 'retryable', error, retryInMillis: retryAfterMs(header(res, 'retry-after')) });
          else resolve({ status: 'failure', error });
        });
      };
      req.setTimeout(Math.max(1, timeoutMillis), () => {
        req.destroy();
        resolve({ status: 'retryable', error: new Error('Request timed out') });
      });
      req.on('error', (error: Error & { code?: unknown }) => {
        const retryable = typeof error.code === 'string' && RETRYABLE_NETWORK_ERRORS.has(error.code);
        resolve({ status: retryable ? 'retryable' : 'failure', error });
      });
      req.end(body);
    });
  }

  shutdown(): void {}
}

function header(res: IncomingMessage, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

// The OTLP gRPC export delegate with the channel's reconnect backoff bounded. After connection failures
// grpc-js waits between reconnection attempts with its own backoff (×1.6 up to 120 s), and the SDK's
// gRPC transport sets no channel options, so after a collector outage of a few minutes the first send
// could come up to 2 minutes after the collector is back (15–28 s after a 35 s outage were seen). This
// is the SDK's delegate and transport (same credentials, metadata, compression, user agent, metrics)
// with `grpc.initial_reconnect_backoff_ms` / `grpc.max_reconnect_backoff_ms` set from the agent's retry
// settings, so the channel reconnects on the same schedule as the retry buffer retries.
import type { MeterProvider } from '@opentelemetry/api';
import type { ChannelCredentials, Metadata } from '@grpc/grpc-js';
import {
  createOtlpNetworkExportDelegate,
  type ExportResponse,
  type IExporterTransport,
  type IOtlpExportDelegate,
} from '@opentelemetry/otlp-exporter-base';
import lazy from './lazy-packages.cjs';
import type { OTLPGRPCExporterConfigNode } from '@opentelemetry/otlp-grpc-exporter-base';
import type { IExporterMetricsHelper, ISerializer } from '@opentelemetry/otlp-transformer';

// grpc-js and the SDK's gRPC exporter base are loaded on first use (lazy-packages.cts).
const grpcJs = lazy.grpcJs;
const grpcBase = lazy.grpcExporterBase;
const sdkVersion = lazy.otlpExporterVersion;

/** The SDK's createOtlpGrpcExporterMetrics, loaded on first use (above). */
export const createOtlpGrpcExporterMetrics: ReturnType<typeof grpcBase>['createOtlpGrpcExporterMetrics'] = (...a) =>
  grpcBase().createOtlpGrpcExporterMetrics(...a);

export interface ReconnectBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

type OtlpSignal = 'METRICS' | 'LOGS' | 'TRACES';

const GRPC_COMPRESSION_GZIP = 2;
const GRPC_DEADLINE_EXCEEDED = 4;

/** The generic client of the one Export method (bytes in, bytes out: the serializer did the encoding). */
interface ExportClient {
  export(
    request: Buffer,
    metadata: Metadata,
    options: { deadline: number },
    callback: (err: (Error & { code?: number }) | null, response: Buffer) => void,
  ): void;
  close(): void;
}

/** The bytes as a Buffer without a copy (the SDK's transport copies with Buffer.from; the agent's encoder
 *  hands over a Buffer already, and grpc-js copies it into its frame anyway). */
const asBuffer = (data: Uint8Array): Buffer =>
  Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);

const sameBytes = (b: Buffer): Buffer => b;

/** The service of the one Export method, made outside send(): functions made inside it shared send's
 *  closure scope with the request's bytes, and grpc-js keeps them on the client's prototype, so the
 *  first request (~1.2 MiB at 250 pods) stayed in memory as long as the client (heap snapshot). */
function exportService(path: string) {
  return {
    export: {
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: sameBytes,
      requestDeserialize: sameBytes,
      responseSerialize: sameBytes,
      responseDeserialize: sameBytes,
    },
  };
}

/** The SDK's GrpcExporterTransport (otlp-grpc-exporter-base), with the reconnect backoff as channel options. */
class BoundedBackoffGrpcTransport implements IExporterTransport {
  private client: ExportClient | undefined;
  private deadlineExceeded = 0;

  constructor(
    private readonly o: {
      address: string;
      credentials: () => ChannelCredentials;
      metadata: () => Metadata;
      compression: string | undefined;
      userAgent: string | undefined;
      grpcName: string;
      grpcPath: string;
      backoff: ReconnectBackoff;
    },
  ) {}

  send(data: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
    let metadata: Metadata;
    try {
      metadata = this.o.metadata();
      if (this.client === undefined) {
        const Ctor = grpcJs().makeGenericClientConstructor(exportService(this.o.grpcPath), this.o.grpcName);
        this.client = new Ctor(this.o.address, this.o.credentials(), {
          'grpc.default_compression_algorithm': this.o.compression === 'gzip' ? GRPC_COMPRESSION_GZIP : 0,
          'grpc.primary_user_agent': `${this.o.userAgent ? `${this.o.userAgent} ` : ''}OTel-OTLP-Exporter-JavaScript/${sdkVersion()}`,
          'grpc.initial_reconnect_backoff_ms': this.o.backoff.initialMs,
          'grpc.max_reconnect_backoff_ms': this.o.backoff.maxMs,
        }) as unknown as ExportClient;
        this.deadlineExceeded = 0;
      }
    } catch (error) {
      return Promise.resolve({ status: 'failure', error: error as Error });
    }
    const client = this.client;
    return new Promise((resolve) => {
      client.export(asBuffer(data), metadata, { deadline: Date.now() + timeoutMillis }, (err, response) => {
        if (err) {
          resolve({ status: 'failure', error: err });
          // As the SDK does: a channel that keeps timing out is replaced.
          if (err.code === GRPC_DEADLINE_EXCEEDED && ++this.deadlineExceeded > 5) {
            this.client?.close();
            this.client = undefined;
          }
        } else {
          this.deadlineExceeded = 0;
          resolve({ status: 'success', data: response });
        }
      });
    });
  }

  shutdown(): void {
    this.client?.close();
    this.client = undefined;
  }
}

/** createOtlpGrpcExportDelegate of the SDK, with the reconnect backoff bounded. */
export function createGrpcExportDelegate<Internal, Response>(
  config: OTLPGRPCExporterConfigNode,
  signal: OtlpSignal,
  serializer: ISerializer<Internal, Response>,
  componentType: string,
  helper: IExporterMetricsHelper<Internal>,
  meterProvider: MeterProvider | undefined,
  grpcName: string,
  grpcPath: string,
  backoff: ReconnectBackoff,
): IOtlpExportDelegate<Internal> {
  const options = grpcBase().convertLegacyOtlpGrpcOptions(config, signal);
  return createOtlpNetworkExportDelegate(
    options,
    serializer,
    createOtlpGrpcExporterMetrics(componentType, helper, options.url, meterProvider),
    new BoundedBackoffGrpcTransport({
      address: options.url,
      credentials: options.credentials,
      metadata: options.metadata,
      compression: options.compression,
      userAgent: options.userAgent,
      grpcName,
      grpcPath,
      backoff,
    }),
  );
}

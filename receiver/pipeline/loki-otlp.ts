// The loki sink with `protocol: otlp`: an OTLP/HTTP protobuf log exporter for Loki's /otlp endpoint.
// Built from the SDK's export delegate rather than its OTLPLogExporter because that one merges
// OTEL_EXPORTER_OTLP_[LOGS_]HEADERS, certificates and compression from the environment into every
// instance: the credentials meant for the OTLP backend would be sent to Loki as well.
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { createOtlpHttpExportDelegate, httpAgentFactoryFromOptions } from '@opentelemetry/otlp-exporter-base/node-http';
import { LogsExporterMetricsHelper, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';

/** Same component type as the SDK's OTLP/HTTP log exporter, so otel.sdk.exporter.* read alike. */
const COMPONENT_TYPE = 'otlp_http_log_exporter';

export interface LokiOtlpOptions {
  readonly url: string;
  /** X-Scope-OrgID of a multi-tenant Loki. */
  readonly tenant?: string;
  readonly timeoutMillis: number;
  readonly meterProvider?: MeterProvider;
}

/** An OTLP log exporter whose headers are only its own: content type and, when set, the tenant. */
export function createLokiOtlpLogExporter(o: LokiOtlpOptions): LogRecordExporter {
  const headers: Record<string, string> = { 'Content-Type': 'application/x-protobuf' };
  if (o.tenant !== undefined) headers['X-Scope-OrgID'] = o.tenant;
  const delegate = createOtlpHttpExportDelegate(
    {
      url: o.url,
      headers: () => Promise.resolve({ ...headers }),
      agentFactory: httpAgentFactoryFromOptions({ keepAlive: true }),
      compression: 'none',
      timeoutMillis: o.timeoutMillis,
      concurrencyLimit: 30,
    },
    ProtobufLogsSerializer,
    COMPONENT_TYPE,
    LogsExporterMetricsHelper,
    o.meterProvider,
  );
  return new OTLPExporterBase<ReadableLogRecord[]>(delegate);
}

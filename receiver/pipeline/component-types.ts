// The OTel semconv otel.component.type values of the agent's OTLP exporters (the SDK's self-metrics
// otel.sdk.exporter.*). Written here because the only module that exports them,
// @opentelemetry/semantic-conventions/incubating, costs ~3.5 MiB of V8 heap (~4 MiB RSS) for all of
// semconv's incubating constants, for these four strings (test/pipeline/component-types.test.ts
// checks them against it).
export const OTEL_COMPONENT_TYPE_VALUE_OTLP_GRPC_METRIC_EXPORTER = 'otlp_grpc_metric_exporter';
export const OTEL_COMPONENT_TYPE_VALUE_OTLP_HTTP_METRIC_EXPORTER = 'otlp_http_metric_exporter';
export const OTEL_COMPONENT_TYPE_VALUE_OTLP_GRPC_LOG_EXPORTER = 'otlp_grpc_log_exporter';
export const OTEL_COMPONENT_TYPE_VALUE_OTLP_GRPC_SPAN_EXPORTER = 'otlp_grpc_span_exporter';

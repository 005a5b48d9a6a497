// Packages the agent loads on first use, not with its module graph: grpc-js and the SDK's gRPC exporter
// base (OTLP over gRPC, ~3.5 MiB of RSS that an agent on http/protobuf or without OTLP never needs),
// the tracing SDK and its OTLP/HTTP exporter (traces are off by default). This file is CommonJS so that
// each require() runs when its function is first called: in tsc's build that is Node's require; in the
// bundle (scripts/bundle.mjs) esbuild turns a require() inside a function into a deferred module init,
// so the packages are in the one file, evaluated only when used, on the bundle's own copies of the OTel
// packages they depend on (a require() from node_modules would load second, CommonJS copies of those).
/* eslint-disable @typescript-eslint/no-require-imports -- a require() inside a function is this module's point */
import type * as GrpcJs from '@grpc/grpc-js';
import type * as GrpcExporterBase from '@opentelemetry/otlp-grpc-exporter-base';
import type * as TraceSdk from '@opentelemetry/sdk-trace-base';
import type * as TraceExporterProto from '@opentelemetry/exporter-trace-otlp-proto';

let grpcJs: typeof GrpcJs | undefined;
let grpcExporterBase: typeof GrpcExporterBase | undefined;
let otlpExporterVersion: string | undefined;
let traceSdk: typeof TraceSdk | undefined;
let traceExporterProto: typeof TraceExporterProto | undefined;

export = {
  grpcJs: (): typeof GrpcJs => (grpcJs ??= require('@grpc/grpc-js') as typeof GrpcJs),
  grpcExporterBase: (): typeof GrpcExporterBase =>
    (grpcExporterBase ??= require('@opentelemetry/otlp-grpc-exporter-base') as typeof GrpcExporterBase),
  // The OTLP exporters' version, for their user agent: otlp-grpc-exporter-base has no exports map, so
  // its version module is importable (alone: it requires nothing).
  otlpExporterVersion: (): string =>
    (otlpExporterVersion ??= (
      require('@opentelemetry/otlp-grpc-exporter-base/build/src/version.js') as { VERSION: string }
    ).VERSION),
  traceSdk: (): typeof TraceSdk => (traceSdk ??= require('@opentelemetry/sdk-trace-base') as typeof TraceSdk),
  traceExporterProto: (): typeof TraceExporterProto =>
    (traceExporterProto ??= require('@opentelemetry/exporter-trace-otlp-proto') as typeof TraceExporterProto),
};

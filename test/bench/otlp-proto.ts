// The OTLP metrics request type and its data point count, for the export bench and its sink.
import path from 'node:path';
import protobuf from 'protobufjs';
import { protoDir } from '../support/otlp-receiver.js';

/** The ExportMetricsServiceRequest type of the OTLP protos (protobufjs, the floor's encoder). */
export function requestType(): protobuf.Type {
  const dir = protoDir();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => path.join(dir, target);
  root.loadSync('opentelemetry/proto/collector/metrics/v1/metrics_service.proto', { keepCase: false });
  return root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest');
}

/** Data points in a decoded request (sums, gauges, histograms). */
export function pointsIn(msg: any): number {
  let n = 0;
  for (const rm of msg.resourceMetrics ?? [])
    for (const sm of rm.scopeMetrics ?? [])
      for (const m of sm.metrics ?? [])
        n += (m.sum ?? m.gauge ?? m.histogram ?? m.exponentialHistogram ?? m.summary)?.dataPoints?.length ?? 0;
  return n;
}

import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as HttpLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as HttpMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import {
  MeterProvider,
  MetricReader,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import {
  encodeExportRequest,
  otlpPackageDefinition,
  startOtlpReceiver,
  type OtlpReceiver,
} from '../support/otlp-receiver.js';

const resource = resourceFromAttributes({ 'service.name': 'kubeskoop-otel-harness', 'k8s.node.name': 'node-1' });

async function sendCounterAndEvent(
  exporter: PushMetricExporter,
  logExporter: GrpcLogExporter | HttpLogExporter,
): Promise<void> {
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  const mp = new MeterProvider({ resource, readers: [reader] });
  const lp = new LoggerProvider({
    resource,
    processors: [new BatchLogRecordProcessor({ exporter: logExporter, scheduledDelayMillis: 60_000 })],
  });
  try {
    const meter = mp.getMeter('harness', '1.0.0');
    const c = meter.createCounter('system.network.io', { unit: 'By', description: 'bytes' });
    c.add(1500, { 'network.interface.name': 'eth0', 'network.io.direction': 'receive' });
    c.add(500, { 'network.interface.name': 'eth0', 'network.io.direction': 'receive' });
    c.add(7, { 'network.interface.name': 'eth0', 'network.io.direction': 'transmit' });
    const g = meter.createGauge('kubeskoop.test.level', { unit: '1' });
    g.record(0.25, { 'k8s.pod.name': 'p', ok: true, n: 3 });
    meter.createHistogram('kubeskoop.test.duration', { unit: 's' }).record(0.003);
    lp.getLogger('harness').emit({
      eventName: 'kubeskoop.tcp.reset',
      severityNumber: SeverityNumber.WARN,
      severityText: 'WARN',
      body: 'reset seen',
      attributes: { 'kubeskoop.event.type': 'TCPRESET_NOSOCK', 'source.port': 443, 'network.type': 'ipv4' },
    });
    await mp.forceFlush();
    await lp.forceFlush();
  } finally {
    await mp.shutdown();
    await lp.shutdown();
  }
}

function assertDecoded(rx: OtlpReceiver, transport: string): void {
  // forceFlush and shutdown each export the cumulative state: every series arrives twice.
  assert.equal(rx.metrics().filter((p) => p.name === 'system.network.io').length, 4);
  const io = rx.latestMetrics().filter((p) => p.name === 'system.network.io');
  assert.equal(io.length, 2);
  const recv = io.find((p) => p.attributes['network.io.direction'] === 'receive')!;
  assert.equal(recv.value, 2000);
  assert.equal(recv.kind, 'sum');
  assert.equal(recv.monotonic, true);
  assert.equal(recv.temporality, 'cumulative');
  assert.equal(recv.unit, 'By');
  assert.equal(recv.transport, transport);
  assert.deepEqual(recv.attributes, { 'network.interface.name': 'eth0', 'network.io.direction': 'receive' });
  assert.equal(recv.resource['service.name'], 'kubeskoop-otel-harness');
  assert.equal(recv.resource['k8s.node.name'], 'node-1');
  assert.deepEqual(recv.scope, { name: 'harness', version: '1.0.0' });
  assert.match(recv.timeUnixNano, /^\d{19}$/);
  assert.ok(Math.abs(Number(BigInt(recv.timeUnixNano) / 1_000_000n) - Date.now()) < 60_000);
  const lvl = rx.latestMetrics().find((p) => p.name === 'kubeskoop.test.level')!;
  assert.equal(lvl.kind, 'gauge');
  assert.equal(lvl.value, 0.25);
  assert.deepEqual(lvl.attributes, { 'k8s.pod.name': 'p', ok: true, n: 3 });
  const h = rx.latestMetrics().find((p) => p.name === 'kubeskoop.test.duration')!;
  assert.equal(h.kind, 'histogram');
  assert.equal(h.histogram!.count, 1);
  assert.equal(h.histogram!.sum, 0.003);
  assert.equal(
    h.histogram!.counts.reduce((a, b) => a + b, 0),
    1,
  );

  const [ev, ...more] = rx.logs();
  assert.equal(more.length, 0);
  assert.equal(ev!.eventName, 'kubeskoop.tcp.reset');
  assert.equal(ev!.severityNumber, 13);
  assert.equal(ev!.severityText, 'WARN');
  assert.equal(ev!.body, 'reset seen');
  assert.deepEqual(ev!.attributes, {
    'kubeskoop.event.type': 'TCPRESET_NOSOCK',
    'source.port': 443,
    'network.type': 'ipv4',
  });
  assert.equal(ev!.resource['service.name'], 'kubeskoop-otel-harness');
  assert.equal(ev!.transport, transport);
}

describe('harness: OTLP receiver', function () {
  this.timeout(30_000);
  let rx: OtlpReceiver;
  beforeEach(async () => {
    rx = await startOtlpReceiver();
  });
  afterEach(async () => {
    await rx.close();
  });

  it('decodes a counter, a gauge, a histogram and an event from the OTel SDK over gRPC', async () => {
    await sendCounterAndEvent(
      new GrpcMetricExporter({ url: rx.grpcEndpoint, timeoutMillis: 5000 }),
      new GrpcLogExporter({ url: rx.grpcEndpoint, timeoutMillis: 5000 }),
    );
    const pts = await rx.waitForMetric(
      'system.network.io',
      (p) => p.attributes['network.io.direction'] === 'transmit',
      5000,
    );
    assert.equal(pts[0]!.value, 7);
    await rx.waitForLog('kubeskoop.tcp.reset', undefined, 5000);
    assertDecoded(rx, 'grpc');
    assert.ok(
      rx.requests.every((r) => /OTel-OTLP-Exporter-JavaScript/.test(r.headers['user-agent'] ?? '')),
      JSON.stringify(rx.requests[0]!.headers),
    );
  });

  it('decodes the same from the OTel SDK over HTTP (JSON)', async () => {
    await sendCounterAndEvent(
      new HttpMetricExporter({ url: `${rx.httpEndpoint}/v1/metrics`, timeoutMillis: 5000 }),
      new HttpLogExporter({ url: `${rx.httpEndpoint}/v1/logs`, timeoutMillis: 5000 }),
    );
    await rx.waitFor((r) => r.logs().length > 0 && r.metrics().length > 0, 5000);
    assertDecoded(rx, 'http-json');
  });

  it('decodes gzip-compressed exports over HTTP and gRPC', async () => {
    type HttpCfg = NonNullable<ConstructorParameters<typeof HttpMetricExporter>[0]>;
    type GrpcCfg = NonNullable<ConstructorParameters<typeof GrpcMetricExporter>[0]>;
    await sendCounterAndEvent(
      new HttpMetricExporter({ url: `${rx.httpEndpoint}/v1/metrics`, compression: 'gzip' as HttpCfg['compression'] }),
      new HttpLogExporter({ url: `${rx.httpEndpoint}/v1/logs`, compression: 'gzip' as HttpCfg['compression'] }),
    );
    await rx.waitFor((r) => r.logs().length > 0 && r.metrics().length > 0, 5000);
    assertDecoded(rx, 'http-json');
    assert.ok(rx.requests.every((r) => r.headers['content-encoding'] === 'gzip'));
    rx.clear();
    await sendCounterAndEvent(
      new GrpcMetricExporter({ url: rx.grpcEndpoint, compression: 'gzip' as GrpcCfg['compression'] }),
      new GrpcLogExporter({ url: rx.grpcEndpoint, compression: 'gzip' as GrpcCfg['compression'] }),
    );
    await rx.waitFor((r) => r.logs().length > 0 && r.metrics().length > 0, 5000);
    assertDecoded(rx, 'grpc');
  });

  it('decodes HTTP/protobuf bodies made by the OTel protobuf serializer', async () => {
    class Collect extends MetricReader {
      protected override async onForceFlush(): Promise<void> {
        /* pull only */
      }
      protected override async onShutdown(): Promise<void> {
        /* nothing held */
      }
    }
    const reader = new Collect();
    const mp = new MeterProvider({ resource, readers: [reader] });
    mp.getMeter('harness')
      .createUpDownCounter('system.network.connection.count', { unit: '{connection}' })
      .add(12, { 'network.transport': 'tcp', 'network.connection.state': 'established' });
    const { resourceMetrics } = await reader.collect();
    const bytes = ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!;
    const res = await fetch(`${rx.httpEndpoint}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: bytes,
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/x-protobuf');
    await mp.shutdown();
    const [p] = rx.metrics();
    assert.equal(p!.name, 'system.network.connection.count');
    assert.equal(p!.kind, 'sum');
    assert.equal(p!.monotonic, false);
    assert.equal(p!.value, 12);
    assert.equal(p!.transport, 'http-protobuf');
    assert.equal(p!.attributes['network.connection.state'], 'established');
  });

  it('injects faults: unavailable, delay and blackhole, over HTTP and gRPC, switchable at run time', async () => {
    const body = encodeExportRequest('logs', {
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ eventName: 'e', severityNumber: 9 }] }] }],
    });
    const post = (signal?: AbortSignal) =>
      fetch(`${rx.httpEndpoint}/v1/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body,
        signal,
      });

    rx.setMode('unavailable');
    assert.equal((await post()).status, 503);
    assert.equal(rx.logs().length, 0);
    assert.equal(rx.attempts('logs'), 1);

    rx.setMode({ delayMs: 300 });
    const t0 = Date.now();
    assert.equal((await post()).status, 200);
    assert.ok(Date.now() - t0 >= 290);

    rx.setMode('blackhole');
    await assert.rejects(post(AbortSignal.timeout(300)), /abort|timeout/i);
    assert.equal(rx.attempts('logs'), 3);
    assert.equal(rx.logs().length, 1); // only the delayed one was accepted

    const pkg = grpc.loadPackageDefinition(otlpPackageDefinition()) as any;
    const Client = pkg.opentelemetry.proto.collector.logs.v1.LogsService;
    const client = new Client(`127.0.0.1:${rx.grpcPort}`, grpc.credentials.createInsecure());
    const call = (deadlineMs: number) =>
      new Promise<grpc.ServiceError | null>((resolve) => {
        client.Export(
          { resourceLogs: [{ scopeLogs: [{ logRecords: [{ eventName: 'g' }] }] }] },
          { deadline: Date.now() + deadlineMs },
          (err: grpc.ServiceError | null) => resolve(err),
        );
      });
    try {
      assert.equal((await call(300))?.code, grpc.status.DEADLINE_EXCEEDED); // still blackhole
      rx.setMode('unavailable');
      assert.equal((await call(2000))?.code, grpc.status.UNAVAILABLE);
      rx.setMode('ok');
      assert.equal(await call(2000), null);
    } finally {
      client.close();
    }
    assert.deepEqual(
      rx.logs().map((l) => [l.eventName, l.transport]),
      [
        ['e', 'http-protobuf'],
        ['g', 'grpc'],
      ],
    );
    assert.equal(rx.attempts(), 6);
  });
});

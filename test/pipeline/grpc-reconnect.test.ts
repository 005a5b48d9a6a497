// The gRPC exporters reconnect on the agent's retry schedule, not grpc-js's (×1.6 up to 120 s): while
// the collector's port drops every connection, the channel keeps trying at most `maxMs` apart, and the
// first export after the collector is back succeeds. Checked with a real TCP listener that counts the
// channel's connection attempts, then the real OTLP receiver on the same port.
import assert from 'node:assert/strict';
import net from 'node:net';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { createResourcesMetricExporter } from '../../receiver/pipeline/otlp-metrics.js';
import { createGrpcExportDelegate } from '../../receiver/pipeline/grpc-reconnect.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { sleep, waitUntil } from '../support/proc.js';
import { gc } from '../support/gc.js';

describe('pipeline: gRPC reconnect backoff bounded by the retry settings', function () {
  this.timeout(120_000);
  let rx: OtlpReceiver | undefined;
  let dropper: net.Server | undefined;
  let exporter: ReturnType<typeof createResourcesMetricExporter> | undefined;
  after(async () => {
    await exporter?.shutdown();
    dropper?.close();
    await rx?.close();
  });

  it('a dropping collector sees a connection attempt at least every max interval; the first export after it is back succeeds', async () => {
    // The port: the kernel's choice, kept by a listener that accepts and drops every connection.
    let connections = 0;
    dropper = net.createServer((s) => {
      connections++;
      s.destroy();
    });
    const port = await new Promise<number>((resolve) =>
      dropper!.listen(0, '127.0.0.1', () => resolve((dropper!.address() as net.AddressInfo).port)),
    );
    exporter = createResourcesMetricExporter({
      url: `http://127.0.0.1:${port}`,
      protocol: 'grpc',
      timeoutMillis: 1000,
      reconnect: { initialMs: 100, maxMs: 500 },
    });
    const e = exporter;
    const send = (): Promise<ExportResult> => new Promise((resolve) => e.export([], resolve));
    // Exports keep failing while connections are dropped. 12 attempts take ≈ 6 s at ≤ 500 ms apart;
    // with grpc-js's own backoff (1 s ×1.6 …) they would take ≈ 7 minutes: the deadline tells them apart.
    let failed = 0;
    await waitUntil(
      async () => {
        const r = await send();
        if (r.code !== ExportResultCode.SUCCESS) failed++;
        await sleep(100);
        return connections >= 12;
      },
      60_000,
      '12 connection attempts (the listener counts them)',
    );
    assert.ok(failed > 0, 'exports failed while the collector dropped connections');
    const attempts = connections;
    await new Promise<void>((resolve) => dropper!.close(() => resolve()));
    dropper = undefined;
    // The collector is back on the same port: an export succeeds (within a bounded wait, not a sleep).
    rx = await startOtlpReceiver({ http: false, grpcPort: port });
    const r = rx;
    await waitUntil(
      async () => (await send()).code === ExportResultCode.SUCCESS && r.attempts('metrics') > 0,
      30_000,
      'an export accepted by the returned collector',
    );
    console.log(`      [grpc-reconnect] ${attempts} connection attempts while dropped, ${failed} failed exports`);
  });
});

describe('pipeline: gRPC transport holds no request after it is answered', function () {
  this.timeout(60_000);
  let rx: OtlpReceiver | undefined;
  after(async () => {
    await rx?.close();
  });

  it("the first request's bytes, which create the client, can be collected once the collector has accepted them", async () => {
    rx = await startOtlpReceiver({ http: false });
    // A valid ExportMetricsServiceRequest the receiver decodes: no resource metrics and one unknown
    // field (number 15, 256 KiB), so that the bytes are a request's size.
    const body = 256 * 1024;
    const request = (): Buffer => Buffer.concat([Buffer.from([0x7a, 0x80, 0x80, 0x10]), Buffer.alloc(body)]);
    let sent: WeakRef<ArrayBufferLike> | undefined;
    const delegate = createGrpcExportDelegate<number, unknown>(
      { url: rx.grpcEndpoint, timeoutMillis: 10_000 },
      'METRICS',
      {
        serializeRequest: () => {
          const bytes = request();
          sent ??= new WeakRef(bytes.buffer);
          return bytes;
        },
        deserializeResponse: () => ({}),
      },
      'otlp_grpc_metric_exporter',
      { name: 'metric_data_point', countItems: () => 1 },
      undefined,
      'MetricsExportService',
      '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
      { initialMs: 100, maxMs: 500 },
    );
    try {
      for (let i = 0; i < 2; i++) {
        const r = await new Promise<ExportResult>((resolve) => delegate.export(i, resolve));
        assert.equal(r.code, ExportResultCode.SUCCESS, `export ${i}: ${r.error?.message}`);
      }
      assert.equal(rx.attempts('metrics'), 2);
      // Collected only when nothing holds it: the client, kept for the next export, must not.
      for (let i = 0; i < 20 && sent!.deref() !== undefined; i++) {
        await sleep(50);
        gc();
      }
      assert.equal(sent!.deref(), undefined, 'the first request is still reachable after it was answered');
    } finally {
      await delegate.shutdown();
    }
  });
});

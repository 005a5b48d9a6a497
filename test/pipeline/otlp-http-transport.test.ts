// The metric exporter over OTLP/HTTP (its own transport, otlp-http-transport.ts: one POST per request,
// the body gzipped in one call): what reaches a real HTTP server is the SDK serializer's encoding of the
// same collection once gunzipped (and decodes with the OTLP protos to the snapshot's samples), with the
// SDK's headers (content type and encoding, user agent, OTEL_EXPORTER_OTLP_HEADERS); 503 and 429 are
// retried (Retry-After honoured) with the same body until accepted, a 400 is not retried and fails
// with its status (what the otel.sdk.exporter.* metrics read), and a backend that never answers fails
// the export within its timeout.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { byResource, createResourcesMetricExporter, pointCount } from '../../receiver/pipeline/otlp-metrics.js';
import { requestBuffers } from '../../receiver/pipeline/otlp-encode.js';
import { SnapshotMetricProducer } from '../../receiver/pipeline/snapshot-producer.js';
import { createResources } from '../../receiver/pipeline/resources.js';
import { loadConfig } from '../../receiver/config/load.js';
import { probeCapabilities } from '../../receiver/agent.js';
import { packageRoot } from '../../receiver/version.js';
import { NETDEV_IO, SOCK_COUNT } from '../../semconv/generated/registry.js';
import { protoDir } from '../support/otlp-receiver.js';
import { shopPod, snapshotOf } from '../support/snapshots.js';

interface Received {
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** An HTTP server answering each request with the next of `answers` (then 200), recording what came. */
async function backend(answers: { status: number; headers?: Record<string, string> }[] | 'never'): Promise<{
  url: string;
  received: Received[];
  close: () => Promise<void>;
}> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      if (answers === 'never') return;
      const a = answers.shift() ?? { status: 200 };
      res.writeHead(a.status, { 'content-type': 'application/x-protobuf', ...a.headers });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/metrics`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const Request = (() => {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => path.join(protoDir(), target);
  root.loadSync('opentelemetry/proto/collector/metrics/v1/metrics_service.proto');
  return root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest');
})();

/** A collection of 3 pods (network counters and socket gauges), as the exporter gets it. */
async function collection(): Promise<ResourceMetrics[]> {
  const targets = [0, 1, 2].map((i) => shopPod(i, 4026531000));
  const snap = snapshotOf(
    targets,
    targets.flatMap((t, i) => [
      {
        probe: 'netdev',
        target: t,
        samples: ['receive', 'transmit'].map((dir, k) => ({
          metric: NETDEV_IO.pod,
          value: 2 ** 40 + 1000 * i + k,
          attributes: { 'network.interface.name': 'eth0', 'network.io.direction': dir },
        })),
      },
      { probe: 'sock', target: t, samples: [{ metric: SOCK_COUNT, value: 7 + i, attributes: { state: 'inuse' } }] },
    ]),
  );
  const config = loadConfig({ env: {}, flags: {}, probes: probeCapabilities() });
  const producer = new SnapshotMetricProducer(() => snap, createResources(config, '0.0.0-test', {}), {
    name: 'kubeskoop-otel',
    version: '1',
  });
  return byResource((await producer.collect()).resourceMetrics);
}

const sdkBytes = (request: ResourceMetrics[]): Buffer =>
  Buffer.concat(request.map((rm) => ProtobufMetricsSerializer.serializeRequest(rm)!));

function send(url: string, request: ResourceMetrics[], timeoutMillis = 10_000): Promise<ExportResult> {
  const exporter = createResourcesMetricExporter({
    url,
    protocol: 'http/protobuf',
    timeoutMillis,
    reconnect: { initialMs: 100, maxMs: 1000 },
  });
  return new Promise<ExportResult>((resolve) => exporter.export(request, resolve)).finally(() => exporter.shutdown());
}

describe('pipeline: OTLP/HTTP metrics transport (one POST, gzip in one call)', function () {
  this.timeout(30_000);
  const env = { ...process.env };
  beforeEach(() => {
    process.env.OTEL_EXPORTER_OTLP_COMPRESSION = 'gzip';
    process.env.OTEL_EXPORTER_OTLP_HEADERS = 'x-tenant=acme,authorization=Bearer%20t0k';
  });
  afterEach(() => {
    process.env = { ...env };
  });

  it('the body gunzips to the SDK serializer’s bytes of the same collection, with the SDK’s headers', async () => {
    const be = await backend([]);
    try {
      const request = await collection();
      const result = await send(be.url, request);
      assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
      assert.equal(be.received.length, 1);
      const { headers, body } = be.received[0]!;
      assert.equal(headers['content-encoding'], 'gzip');
      assert.equal(headers['content-type'], 'application/x-protobuf');
      assert.equal(Number(headers['content-length']), body.length);
      // the SDK's transport sends otlp-exporter-base's version: the agent reads the release's version from
      // otlp-grpc-exporter-base (lazy-packages.cts), which holds while the two are released together
      const sdkVersion = (
        JSON.parse(
          readFileSync(path.join(packageRoot(), 'node_modules/@opentelemetry/otlp-exporter-base/package.json'), 'utf8'),
        ) as { version: string }
      ).version;
      assert.equal(headers['user-agent'], `OTel-OTLP-Exporter-JavaScript/${sdkVersion}`);
      assert.equal(headers['x-tenant'], 'acme');
      assert.equal(headers['authorization'], 'Bearer t0k');
      const plain = gunzipSync(body);
      assert.deepEqual(plain, sdkBytes(request));
      const points = (Request.decode(plain).toJSON() as any).resourceMetrics.flatMap((rm: any) =>
        rm.scopeMetrics.flatMap((sm: any) => sm.metrics.flatMap((m: any) => (m.sum ?? m.gauge).dataPoints)),
      );
      assert.equal(
        points.length,
        request.reduce((n, rm) => n + pointCount(rm), 0),
      );
      assert.equal(points.length, 9);
    } finally {
      await be.close();
    }
  });

  it('uncompressed when OTEL_EXPORTER_OTLP_COMPRESSION=none: the SDK’s bytes as they are', async () => {
    process.env.OTEL_EXPORTER_OTLP_COMPRESSION = 'none';
    const be = await backend([]);
    try {
      const request = await collection();
      assert.equal((await send(be.url, request)).code, ExportResultCode.SUCCESS);
      assert.equal(be.received[0]!.headers['content-encoding'], undefined);
      assert.deepEqual(be.received[0]!.body, sdkBytes(request));
    } finally {
      await be.close();
    }
  });

  it('503 and 429 are retried (Retry-After) with the same body until accepted; a 400 fails at once with its status', async () => {
    const be = await backend([
      { status: 503, headers: { 'retry-after': '0' } },
      { status: 429, headers: { 'retry-after': '1' } },
    ]);
    try {
      const request = await collection();
      const result = await send(be.url, request);
      assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
      assert.equal(be.received.length, 3);
      for (const r of be.received) assert.deepEqual(gunzipSync(r.body), sdkBytes(request));
    } finally {
      await be.close();
    }
    const bad = await backend([{ status: 400 }]);
    try {
      const result = await send(bad.url, await collection());
      assert.equal(result.code, ExportResultCode.FAILED);
      assert.equal((result.error as { code?: number }).code, 400);
      assert.equal(bad.received.length, 1);
    } finally {
      await bad.close();
    }
  });

  it('a delivered request’s buffer takes the next request; after a failure, or sent uncompressed, each gets its own', async () => {
    const be = await backend([{ status: 200 }, { status: 200 }, { status: 200 }, { status: 400 }, { status: 200 }]);
    const exporter = createResourcesMetricExporter({
      url: be.url,
      protocol: 'http/protobuf',
      timeoutMillis: 10_000,
      reconnect: { initialMs: 100, maxMs: 1000 },
    });
    const send1 = (request: ResourceMetrics[]): Promise<ExportResult> =>
      new Promise<ExportResult>((resolve) => exporter.export(request, resolve));
    try {
      const all = await collection();
      const one = all.slice(0, 1); // smaller: fits in the buffer of `all`
      const allocated = (): number => requestBuffers.allocated;
      const steps: [ResourceMetrics[], ExportResultCode, number][] = [
        [all, ExportResultCode.SUCCESS, 1], // the first: a new buffer
        [one, ExportResultCode.SUCCESS, 0], // written into the first one's
        [all, ExportResultCode.SUCCESS, 0], // the buffer kept is the larger
        [all, ExportResultCode.FAILED, 0], // 400: its buffer is not given back…
        [one, ExportResultCode.SUCCESS, 1], // …so the next gets a new one
      ];
      for (const [i, [request, code, added]] of steps.entries()) {
        const before = allocated();
        const result = await send1(request);
        assert.equal(result.code, code, `request ${i}: ${String(result.error)}`);
        assert.equal(allocated() - before, added, `request ${i}: buffers allocated`);
        // each body is its own request's bytes (a reused buffer holds nothing of the one before)
        assert.deepEqual(gunzipSync(be.received[i]!.body), sdkBytes(request), `request ${i}: body`);
      }
      // Uncompressed, the transport sends the bytes themselves: never given back.
      process.env.OTEL_EXPORTER_OTLP_COMPRESSION = 'none';
      const before = allocated();
      for (let i = 0; i < 3; i++) assert.equal((await send(be.url, one)).code, ExportResultCode.SUCCESS);
      assert.equal(allocated() - before, 3);
    } finally {
      await exporter.shutdown();
      await be.close();
    }
  });

  it('a backend that never answers fails the export within its timeout', async () => {
    const be = await backend('never');
    try {
      // (the test's own timeout bounds it: a transport that waited for an answer would hang here)
      const result = await send(be.url, await collection(), 800);
      assert.equal(result.code, ExportResultCode.FAILED);
      assert.ok(be.received.length >= 1);
    } finally {
      await be.close();
    }
  });
});

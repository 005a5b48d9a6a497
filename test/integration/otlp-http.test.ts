// OTLP over HTTP: with OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf the agent posts protobuf (not
// JSON) to <endpoint>/v1/metrics and /v1/logs, as the OTel spec defines the base URL.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { requireBpf, startAgentProcess, startAgentWithConfig, type AgentProcess } from '../support/agent.js';
import { cleanupAll, createNetns, tcpConnect, type Netns } from '../support/netns.js';

describe('OTLP over HTTP/protobuf from the environment', function () {
  this.timeout(60_000);
  let receiver: OtlpReceiver;
  let agent: AgentProcess | undefined;
  before(async () => {
    receiver = await startOtlpReceiver({ grpc: false });
    agent = await startAgentProcess({
      args: ['--interval', '1s'],
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.httpEndpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
        OTEL_SERVICE_NAME: 'ksotel-http-test',
      },
    });
  });
  after(async () => {
    await agent?.stop();
    await receiver?.close();
  });

  it('posts protobuf metrics to <endpoint>/v1/metrics with the service name from the environment', async () => {
    const [p] = await receiver.waitForMetric('kubeskoop.agent.target.count', undefined, 20_000);
    assert.equal(p.transport, 'http-protobuf');
    assert.equal(p.resource['service.name'], 'ksotel-http-test');
    await receiver.waitForMetric('system.network.io', (x) => x.resource['kubeskoop.target.kind'] === 'host', 20_000);
    assert.ok(receiver.requests.filter((r) => r.signal === 'metrics').every((r) => r.transport === 'http-protobuf'));
  });
});

// The events path over HTTP, and the headers a collector's auth relies on: the generic
// OTEL_EXPORTER_OTLP_HEADERS reaches both signals, a per-signal _HEADERS only its own and wins for
// a key both name (the OTel spec's rule).
describe('OTLP logs over HTTP/protobuf, with OTEL_EXPORTER_OTLP_HEADERS and per-signal _HEADERS', function () {
  this.timeout(90_000);
  let receiver: OtlpReceiver | undefined;
  let agent: AgentProcess | undefined;
  let ns: Netns | undefined;
  let dir: string | undefined;
  before(async function () {
    requireBpf(this);
    dir = mkdtempSync(join(tmpdir(), 'ksotel-h22-otlp-http-'));
    ns = await createNetns({ label: 'otlphttp' });
    receiver = await startOtlpReceiver({ grpc: false });
    agent = await startAgentWithConfig(
      dir,
      'interval: 1s\nmetrics:\n  probes: [netdev]\nevents:\n  probes: [tcpreset]\n',
      {
        running: ['tcpreset'],
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.httpEndpoint,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
          OTEL_METRIC_EXPORT_INTERVAL: '1000',
          OTEL_BLRP_SCHEDULE_DELAY: '500',
          OTEL_EXPORTER_OTLP_HEADERS: 'x-ksotel-tenant=h22,x-ksotel-which=generic',
          OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'x-ksotel-which=logs,x-ksotel-logs-only=yes',
        },
      },
    );
  });
  after(async () => {
    await agent?.stop();
    await receiver?.close();
    await cleanupAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a kernel event arrives as a protobuf LogRecord at <endpoint>/v1/logs; headers per signal as configured', async () => {
    assert.equal(await tcpConnect(ns!, '127.0.0.1', 9), 'refused');
    const [rec] = await receiver!.waitForLog(
      'kubeskoop.tcp.reset',
      (l) =>
        l.resource['kubeskoop.netns.inode'] === ns!.inode && l.attributes['kubeskoop.event.type'] === 'TCPRESET_NOSOCK',
      20_000,
    );
    assert.equal(rec!.attributes['source.port'], 9);
    await receiver!.waitForMetric('system.network.io', undefined, 20_000);
    const logs = receiver!.requests.filter((r) => r.signal === 'logs' && r.accepted);
    const metrics = receiver!.requests.filter((r) => r.signal === 'metrics' && r.accepted);
    assert.ok(logs.length > 0 && metrics.length > 0);
    for (const r of logs) {
      assert.equal(r.transport, 'http-protobuf');
      assert.equal(r.headers['x-ksotel-tenant'], 'h22', 'the generic header on logs');
      assert.equal(r.headers['x-ksotel-which'], 'logs', 'the per-signal value wins');
      assert.equal(r.headers['x-ksotel-logs-only'], 'yes');
    }
    for (const r of metrics) {
      assert.equal(r.transport, 'http-protobuf');
      assert.equal(r.headers['x-ksotel-tenant'], 'h22', 'the generic header on metrics');
      assert.equal(r.headers['x-ksotel-which'], 'generic');
      assert.equal(r.headers['x-ksotel-logs-only'], undefined, 'a logs header stays off metrics');
    }
  });
});

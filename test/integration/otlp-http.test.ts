// OTLP over HTTP: with OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf the agent posts protobuf (not
// JSON) to <endpoint>/v1/metrics and /v1/logs, as the OTel spec defines the base URL.
import assert from 'node:assert/strict';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { startAgentProcess, type AgentProcess } from '../support/agent.js';

describe('OTLP over HTTP/protobuf from the environment', function () {
  this.timeout(60_000);
  let receiver: OtlpReceiver;
  let agent: AgentProcess | undefined;
  before(async () => {
    receiver = await startOtlpReceiver({ grpc: false });
    agent = await startAgentProcess({
      args: ['--interval', '1s'],
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.httpEndpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_METRIC_EXPORT_INTERVAL: '1000', OTEL_SERVICE_NAME: 'ksotel-http-test' },
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

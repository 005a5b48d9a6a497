// The loki sink with `protocol: otlp` sends real BPF events to Loki's OTLP endpoint with its own
// headers only: the OTEL_EXPORTER_OTLP_*HEADERS meant for the OTLP backend (often a bearer token)
// must not reach Loki, and the sink's tenant must. The receiver harness stands in for Loki's /otlp.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupAll, createNetns, tcpConnect, type Netns } from '../support/netns.js';
import { requireBpf, startAgentWithConfig, type AgentProcess } from '../support/agent.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';

describe('loki sink, protocol otlp: its own headers, never the OTLP backend’s', function () {
  this.timeout(120_000);
  let dir: string;
  let ns: Netns;
  let loki: OtlpReceiver;
  let agent: AgentProcess | undefined;

  before(async function () {
    requireBpf(this);
    dir = mkdtempSync(join(tmpdir(), 'ksotel-loki-otlp-'));
    ns = await createNetns({ label: 'lokiotlp' });
    loki = await startOtlpReceiver({ grpc: false });
  });
  after(async () => {
    await agent?.stop();
    await loki?.close();
    await cleanupAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('delivers a tcpreset event to /otlp/v1/logs with the tenant and without the OTLP credentials', async () => {
    agent = await startAgentWithConfig(
      dir,
      `interval: 1s
metrics:
  probes: [netdev]
events:
  probes:
    - name: tcpreset
      options: { rate_per_namespace: unlimited, rate_per_node: unlimited }
  sinks:
    - name: loki
      address: ${loki.httpEndpoint}
      protocol: otlp
      tenant: team-a
`,
      {
        running: ['tcpreset'],
        env: {
          OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20backend-secret',
          OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'x-backend-key=logs-secret',
          OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
        },
      },
    );
    assert.equal(await tcpConnect(ns, '127.0.0.1', 9), 'refused');
    const [rec] = await loki.waitForLog(
      'kubeskoop.tcp.reset',
      (l) => l.resource['kubeskoop.netns.inode'] === ns.inode,
      30_000,
    );
    assert.ok(rec);
    const requests = loki.requests.filter((r) => r.signal === 'logs');
    assert.ok(requests.length > 0);
    for (const r of requests) {
      assert.equal(r.headers.authorization, undefined, 'the OTLP backend’s bearer token is not sent to Loki');
      assert.equal(r.headers['x-backend-key'], undefined, 'nor its per-signal headers');
      assert.equal(r.headers['content-encoding'], undefined, 'nor its compression setting');
      assert.equal(r.headers['x-scope-orgid'], 'team-a', 'the sink’s tenant is');
      assert.equal(r.transport, 'http-protobuf');
    }
  });
});

// OTLP to the collector over TLS and mTLS, configured only with the OpenTelemetry SDK's standard
// variables (https:// endpoint, OTEL_EXPORTER_OTLP_CERTIFICATE, _CLIENT_CERTIFICATE, _CLIENT_KEY,
// their per-signal forms, OTEL_EXPORTER_OTLP_HEADERS), to the test OTLP receiver in TLS and mTLS
// modes, over gRPC and HTTP, metrics and logs (kernel events: tcpreset). A wrong CA, a missing client
// certificate: nothing is accepted and the failure shows in /status. Bad variables stop the start.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TestPki, type CertFiles } from './certs.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { CLI, requireBpf, startAgentProcess, waitForProbesRunning, type AgentProcess } from '../support/agent.js';
import { freePort, run, sleep, waitUntil } from '../support/proc.js';

const CONFIG =
  'interval: 1s\nmetrics:\n  probes: [netdev]\nevents:\n  probes: [tcpreset]\nkubernetes:\n  enabled: false\n';

/** Refused connects on loopback until `until` holds: each one is a TCP reset, hence a kernel event. */
async function resetsUntil(until: () => boolean, maxMs = 20_000): Promise<void> {
  const port = await freePort();
  const end = Date.now() + maxMs;
  while (!until() && Date.now() < end) {
    await new Promise<void>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => resolve());
      s.on('connect', () => {
        s.destroy();
        resolve();
      });
    });
    await sleep(100);
  }
}

interface ExportStatus {
  exports: number;
  failures: number;
  lastError?: string;
}
async function exportsOf(agent: AgentProcess): Promise<{ metrics: ExportStatus; logs: ExportStatus }> {
  return (JSON.parse((await agent.get('/status')).text) as { exports: { metrics: ExportStatus; logs: ExportStatus } })
    .exports;
}

describe("OTLP over TLS and mTLS (the SDK's standard variables)", function () {
  this.timeout(300_000);
  let pki: TestPki;
  let ca: CertFiles;
  let otherCa: CertFiles;
  let server: CertFiles;
  let agentCert: CertFiles;
  let dir: string;
  const agents: AgentProcess[] = [];
  const receivers: OtlpReceiver[] = [];

  before(function () {
    requireBpf(this);
    pki = new TestPki();
    ca = pki.ca('collector-ca');
    otherCa = pki.ca('some-other-ca');
    server = pki.issue(ca, 'collector', { cn: 'otel-collector', usage: 'server' });
    agentCert = pki.issue(ca, 'agent', { cn: 'kubeskoop-otel-agent', usage: 'client' });
    dir = mkdtempSync(path.join(tmpdir(), 'ksotel-otlp-tls-'));
    writeFileSync(path.join(dir, 'config.yaml'), CONFIG);
  });
  afterEach(async () => {
    for (const a of agents.splice(0)) await a.stop();
    for (const r of receivers.splice(0)) await r.close();
  });
  after(() => {
    pki?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function receiver(mtls: boolean): Promise<OtlpReceiver> {
    const r = await startOtlpReceiver({
      tls: {
        cert: readFileSync(server.crt),
        key: readFileSync(server.key),
        ...(mtls ? { clientCa: readFileSync(ca.crt) } : {}),
      },
    });
    receivers.push(r);
    return r;
  }
  async function agent(env: Record<string, string>): Promise<AgentProcess> {
    const a = await startAgentProcess({
      args: ['-c', path.join(dir, 'config.yaml')],
      env: { OTEL_METRIC_EXPORT_INTERVAL: '1000', ...env },
    });
    agents.push(a);
    await waitForProbesRunning(a, ['tcpreset']);
    return a;
  }

  for (const protocol of ['grpc', 'http/protobuf'] as const) {
    for (const mtls of [false, true]) {
      const from = mtls ? ", from the agent's client certificate" : '';
      it(`${protocol} over ${mtls ? 'mTLS' : 'TLS'}: metrics and logs arrive${from}, with the headers`, async () => {
        const rx = await receiver(mtls);
        const endpoint = protocol === 'grpc' ? rx.grpcEndpoint : rx.httpEndpoint;
        assert.match(endpoint, /^https:\/\//);
        const a = await agent({
          OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
          OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
          OTEL_EXPORTER_OTLP_CERTIFICATE: ca.crt,
          OTEL_EXPORTER_OTLP_HEADERS: 'api-key=s3cr%3Dt,x-tenant=team-a',
          ...(mtls
            ? { OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: agentCert.crt, OTEL_EXPORTER_OTLP_CLIENT_KEY: agentCert.key }
            : {}),
        });
        await rx.waitFor((r) => r.metrics().length > 0, 20_000, 'metrics over TLS');
        await resetsUntil(() => rx.logs().length > 0);
        const logs = await rx.waitFor(
          (r) => (r.logs().length > 0 ? r.logs() : undefined),
          20_000,
          'log records over TLS',
        );
        assert.ok(logs.every((l) => l.eventName !== ''));
        const accepted = rx.requests.filter((r) => r.accepted);
        assert.deepEqual([...new Set(accepted.map((r) => r.signal))].sort(), ['logs', 'metrics']);
        assert.ok(accepted.every((r) => r.transport === (protocol === 'grpc' ? 'grpc' : 'http-protobuf')));
        for (const r of accepted) {
          assert.equal(r.headers['api-key'], 's3cr=t', 'OTEL_EXPORTER_OTLP_HEADERS, %-decoded');
          assert.equal(r.headers['x-tenant'], 'team-a');
          if (mtls) assert.equal(r.clientCertificate, 'kubeskoop-otel-agent');
        }
        const st = await exportsOf(a);
        assert.equal(st.metrics.failures, 0, JSON.stringify(st));
        // The header values never show in /status or the log.
        assert.doesNotMatch(JSON.stringify(st) + JSON.stringify(a.logs()), /s3cr/);
      });
    }

    it(`${protocol}: refused with a wrong CA, and without a client certificate where one is required`, async () => {
      const tlsRx = await receiver(false);
      const wrongCa = await agent({
        OTEL_EXPORTER_OTLP_ENDPOINT: protocol === 'grpc' ? tlsRx.grpcEndpoint : tlsRx.httpEndpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_EXPORTER_OTLP_CERTIFICATE: otherCa.crt,
      });
      const mtlsRx = await receiver(true);
      const noClientCert = await agent({
        OTEL_EXPORTER_OTLP_ENDPOINT: protocol === 'grpc' ? mtlsRx.grpcEndpoint : mtlsRx.httpEndpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_EXPORTER_OTLP_CERTIFICATE: ca.crt,
      });
      for (const a of [wrongCa, noClientCert]) {
        await waitUntil(async () => (await exportsOf(a)).metrics.failures >= 2, 30_000, 'failed metric exports');
      }
      assert.match((await exportsOf(wrongCa)).metrics.lastError ?? '', /certificate|self.signed|verify|UNAVAILABLE/i);
      assert.equal(tlsRx.requests.length, 0, 'nothing reached the receiver with the wrong CA');
      assert.equal(mtlsRx.requests.length, 0, 'nothing reached the receiver without a client certificate');
      assert.equal(wrongCa.child.exitCode, null, 'the agent keeps running');
    });
  }

  it('per-signal variables win over the shared one: metrics trust the right CA, logs the wrong one', async () => {
    const rx = await receiver(false);
    const a = await agent({
      OTEL_EXPORTER_OTLP_ENDPOINT: rx.grpcEndpoint,
      OTEL_EXPORTER_OTLP_CERTIFICATE: otherCa.crt,
      OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE: ca.crt,
    });
    await rx.waitFor((r) => r.metrics().length > 0, 20_000, 'metrics with OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE');
    let failed = false;
    const watch = waitUntil(
      async () => {
        failed = (await exportsOf(a)).logs.failures >= 1;
        return failed;
      },
      30_000,
      'a failed log export',
    );
    await resetsUntil(() => failed, 30_000);
    await watch;
    assert.equal(rx.requests.filter((r) => r.signal === 'logs').length, 0, 'logs used the shared (wrong) CA');
  });

  it('bad variables stop the start (exit 2), naming the variable; an unused certificate is a warning', async () => {
    const bad = path.join(dir, 'not-a-cert.pem');
    writeFileSync(bad, 'hello\n');
    const other = pki.issue(ca, 'other-agent', { cn: 'x', usage: 'client' });
    const cases: [Record<string, string>, RegExp][] = [
      [
        { OTEL_EXPORTER_OTLP_CERTIFICATE: path.join(dir, 'missing.pem') },
        /OTEL_EXPORTER_OTLP_CERTIFICATE: cannot read .*missing\.pem: ENOENT/,
      ],
      [
        { OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE: bad },
        /OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE: found no PEM certificate in .*not-a-cert\.pem/,
      ],
      [
        { OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: agentCert.crt },
        /OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: set without OTEL_EXPORTER_OTLP_CLIENT_KEY/,
      ],
      [
        { OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: agentCert.crt, OTEL_EXPORTER_OTLP_CLIENT_KEY: other.key },
        /OTEL_EXPORTER_OTLP_CLIENT_KEY: the key does not belong to the certificate/,
      ],
      [
        { OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: agentCert.crt, OTEL_EXPORTER_OTLP_CLIENT_KEY: bad },
        /OTEL_EXPORTER_OTLP_CLIENT_KEY: found no usable private key/,
      ],
      [{ OTEL_EXPORTER_OTLP_HEADERS: 'api-key' }, /OTEL_EXPORTER_OTLP_HEADERS: entry 1 is not key=value/],
      // The gRPC exporter would throw at start on this (measured): a config error instead.
      [
        { OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'x-tenant=a,api-key=s3cr%C3%A9t' },
        /OTEL_EXPORTER_OTLP_METRICS_HEADERS: the value of "api-key" has characters gRPC metadata cannot carry/,
      ],
    ];
    for (const [env, message] of cases) {
      const r = await run(process.execPath, [CLI, 'validate-config', path.join(dir, 'config.yaml')], {
        timeoutMs: 30_000,
        env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: 'https://127.0.0.1:4317', ...env },
      });
      assert.equal(r.code, 2, `${JSON.stringify(env)}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, message);
    }
    const w = await run(process.execPath, [CLI, 'validate-config', path.join(dir, 'config.yaml')], {
      timeoutMs: 30_000,
      env: {
        ...process.env,
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317',
        OTEL_EXPORTER_OTLP_CERTIFICATE: ca.crt,
      },
    });
    assert.equal(w.code, 0, w.stderr);
    assert.match(
      w.stdout,
      /warning: OTEL_EXPORTER_OTLP_CERTIFICATE are not used for metrics: the endpoint http:\/\/127\.0\.0\.1:4317/,
    );
  });
});

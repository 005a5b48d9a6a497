// The endpoints behind exporter-toolkit's web config, with certificates made by openssl here: a real
// Prometheus scrapes over TLS with basic auth and with client certificates (its own tls_config and
// basic_auth), and cannot without them; wrong passwords, unknown client certificates and plain HTTP
// to the TLS port are refused; a rotated certificate is served without a restart.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TestPki, htpasswdHash, type CertFiles } from './certs.js';
import { cycleOf, get, refused, startSecureAgent, waitForTarget, type SecureAgent } from './helpers.js';
import { startPrometheus, type Prometheus } from '../support/prometheus.js';
import { waitUntil } from '../support/proc.js';
import { parsePromText } from '../support/prom-text.js';

const PASSWORD = 'correct horse battery staple';

/** Replaces a file the way a Secret volume update lands: the new content appears at once. */
function replaceFile(target: string, from: string): void {
  const tmp = `${target}.new`;
  copyFileSync(from, tmp);
  renameSync(tmp, target);
}

describe('endpoints over TLS (exporter-toolkit web config)', function () {
  this.timeout(180_000);
  let pki: TestPki;
  let ca: CertFiles;
  let otherCa: CertFiles;
  let client: CertFiles;
  let stranger: CertFiles;

  before(() => {
    pki = new TestPki();
    ca = pki.ca('ca');
    otherCa = pki.ca('other-ca');
    client = pki.issue(ca, 'scraper', { cn: 'prometheus', usage: 'client' });
    // Same name, another CA: what an attacker with a self-made certificate presents.
    stranger = pki.issue(otherCa, 'stranger', { cn: 'prometheus', usage: 'client' });
  });
  after(() => pki?.dispose());

  describe('TLS with basic auth', () => {
    let dir: string;
    let agent: SecureAgent | undefined;
    let prom: Prometheus | undefined;
    let certFile: string;
    let keyFile: string;
    const caPem = (): Buffer => readFileSync(ca.crt);
    const auth = (user: string, pw: string): Record<string, string> => ({
      authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`,
    });

    before(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'ksotel-tls-'));
      const server = pki.issue(ca, 'server-1', { cn: 'kubeskoop-otel', usage: 'server' });
      // The agent reads its own copies, as from a mounted Secret; relative paths are relative to the web config.
      certFile = path.join(dir, 'tls.crt');
      keyFile = path.join(dir, 'tls.key');
      copyFileSync(server.crt, certFile);
      copyFileSync(server.key, keyFile);
      writeFileSync(
        path.join(dir, 'web.yml'),
        [
          'tls_server_config:',
          '  cert_file: tls.crt',
          '  key_file: tls.key',
          '  min_version: TLS12',
          'http_server_config:',
          '  headers:',
          '    X-Content-Type-Options: nosniff',
          '    X-Frame-Options: deny',
          'basic_auth_users:',
          `  prometheus: ${htpasswdHash(PASSWORD)}`,
          '',
        ].join('\n'),
      );
      agent = await startSecureAgent(dir, {
        args: ['--web.config.file', path.join(dir, 'web.yml')],
        scheme: 'https',
        client: { ca: caPem() },
      });
    });
    after(async () => {
      await prom?.stop();
      await agent?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('a real Prometheus scrapes it with tls_config and basic_auth, and cannot without them', async () => {
      const target = `127.0.0.1:${agent!.port}`;
      prom = await startPrometheus({
        jobs: [
          {
            job: 'tls-basic',
            targets: [target],
            scheme: 'https',
            tls: { caFile: ca.crt },
            basicAuth: { username: 'prometheus', password: PASSWORD },
          },
          { job: 'no-password', targets: [target], scheme: 'https', tls: { caFile: ca.crt } },
          {
            job: 'wrong-password',
            targets: [target],
            scheme: 'https',
            tls: { caFile: ca.crt },
            basicAuth: { username: 'prometheus', password: 'guess' },
          },
          {
            job: 'unknown-user',
            targets: [target],
            scheme: 'https',
            tls: { caFile: ca.crt },
            basicAuth: { username: 'root', password: PASSWORD },
          },
          { job: 'plain-http', targets: [target], basicAuth: { username: 'prometheus', password: PASSWORD } },
          {
            job: 'untrusted-ca',
            targets: [target],
            scheme: 'https',
            tls: { caFile: otherCa.crt },
            basicAuth: { username: 'prometheus', password: PASSWORD },
          },
        ],
      });
      await waitForTarget(prom, 'tls-basic', 'up');
      // The agent's series reached Prometheus over that job (the netdev probe's lo interface at least).
      const series = await prom.waitForQuery('count({job="tls-basic"})', (r) => Number(r[0]!.value[1]) > 10);
      assert.ok(Number(series[0]!.value[1]) > 10);
      await waitForTarget(prom, 'no-password', 'down', /401/);
      await waitForTarget(prom, 'wrong-password', 'down', /401/);
      await waitForTarget(prom, 'unknown-user', 'down', /401/);
      await waitForTarget(prom, 'plain-http', 'down');
      await waitForTarget(prom, 'untrusted-ca', 'down', /certificate|x509/i);
      const plain = (await prom.targets()).find((t) => t.labels.job === 'plain-http')!;
      assert.doesNotMatch(plain.lastError, /^$/);
    });

    it("401 for a wrong, missing or unknown user's password, 200 for the right one; /healthz is open", async () => {
      const base = agent!.base;
      const ok = await get(`${base}/metrics`, { ca: caPem(), headers: auth('prometheus', PASSWORD) });
      assert.equal(ok.status, 200);
      assert.ok(parsePromText(ok.body).samples.length > 10);
      assert.equal(ok.headers['x-content-type-options'], 'nosniff', 'http_server_config.headers on every answer');
      assert.equal(ok.headers['x-frame-options'], 'deny');
      for (const headers of [
        auth('prometheus', 'guess'),
        auth('nobody', PASSWORD),
        {},
        { authorization: 'Bearer abc' },
      ]) {
        const r = await get(`${base}/metrics`, { ca: caPem(), headers });
        assert.equal(r.status, 401, JSON.stringify(headers));
        assert.equal(r.headers['www-authenticate'], 'Basic');
        assert.doesNotMatch(r.body, /# TYPE/);
        assert.equal(r.headers['x-content-type-options'], 'nosniff');
      }
      assert.equal((await get(`${base}/status`, { ca: caPem() })).status, 401, '/status is protected too');
      assert.equal((await get(`${base}/healthz`, { ca: caPem() })).status, 200, 'the kubelet probe needs no password');
    });

    it('refuses plain HTTP on the TLS port and clients that do not trust its certificate', async () => {
      const e = await refused(`http://127.0.0.1:${agent!.port}/metrics`, { headers: auth('prometheus', PASSWORD) });
      assert.match(e.message, /socket hang up|ECONNRESET|EPIPE|parse/i);
      const untrusted = await refused(`${agent!.base}/metrics`, { ca: readFileSync(otherCa.crt) });
      assert.match(untrusted.message, /certificate/i);
      const s = JSON.parse(
        (await get(`${agent!.base}/status`, { ca: caPem(), headers: auth('prometheus', PASSWORD) })).body,
      ) as { server: { handshakeFailures: number } };
      assert.ok(s.server.handshakeFailures >= 2, `handshake failures counted: ${JSON.stringify(s.server)}`);
    });

    it('serves a rotated certificate without a restart, and keeps the old one when the new files are bad', async () => {
      const base = agent!.base;
      const before = await get(`${base}/healthz`, { ca: caPem() });
      assert.equal(before.serverFingerprint, pki.fingerprint(certFile));
      // cert-manager renews: a new key and certificate land in the mounted files.
      const renewed = pki.issue(ca, 'server-2', { cn: 'kubeskoop-otel', usage: 'server' });
      replaceFile(keyFile, renewed.key);
      replaceFile(certFile, renewed.crt);
      const want = pki.fingerprint(renewed.crt);
      await waitUntil(
        async () => (await get(`${base}/healthz`, { ca: caPem() })).serverFingerprint === want,
        15_000,
        'the renewed certificate served',
      );
      assert.ok(
        agent!.logs().some((l) => l.msg === 'web config reloaded' && l.fingerprint256 === want),
        'logged with the new fingerprint',
      );
      assert.equal(agent!.child.exitCode, null, 'same process');
      // Prometheus keeps scraping across the renewal.
      const since = Date.now();
      await waitUntil(
        async () => {
          const t = (await prom!.targets()).find((x) => x.labels.job === 'tls-basic');
          return t !== undefined && t.health === 'up' && Date.parse(t.lastScrape) > since;
        },
        15_000,
        'a scrape after the renewal',
      );

      // A half-written renewal (a certificate that does not parse): refused, logged, the renewed one stays.
      writeFileSync(certFile, '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n');
      await waitUntil(
        () =>
          agent!
            .logs()
            .some(
              (l) =>
                l.msg === 'web config reload rejected; the previous one stays in force' &&
                /tls_server_config\.cert_file/.test(String(l.error)),
            ),
        15_000,
        'the rejection logged, naming cert_file',
      );
      const during = await get(`${base}/metrics`, { ca: caPem(), headers: auth('prometheus', PASSWORD) });
      assert.equal(during.status, 200);
      assert.equal(during.serverFingerprint, want);
      const c0 = await cycleOf(base, { ca: caPem() });
      await waitUntil(async () => (await cycleOf(base, { ca: caPem() })) > c0, 10_000, 'collection goes on');
      replaceFile(certFile, renewed.crt);
    });
  });

  describe('client certificates (mTLS)', () => {
    let dir: string;
    let agent: SecureAgent | undefined;
    let prom: Prometheus | undefined;
    let serverCa: Buffer;

    before(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'ksotel-mtls-'));
      const server = pki.issue(ca, 'server-mtls', { cn: 'kubeskoop-otel', usage: 'server' });
      serverCa = readFileSync(ca.crt);
      writeFileSync(
        path.join(dir, 'web.yml'),
        [
          'tls_server_config:',
          `  cert_file: ${server.crt}`,
          `  key_file: ${server.key}`,
          '  client_auth_type: RequireAndVerifyClientCert',
          `  client_ca_file: ${ca.crt}`,
          '',
        ].join('\n'),
      );
      agent = await startSecureAgent(dir, {
        args: ['--web.config.file', path.join(dir, 'web.yml')],
        scheme: 'https',
        client: { ca: serverCa, cert: readFileSync(client.crt), key: readFileSync(client.key) },
      });
    });
    after(async () => {
      await prom?.stop();
      await agent?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("a real Prometheus with a client certificate scrapes it; without one or with a stranger's, not", async () => {
      const target = `127.0.0.1:${agent!.port}`;
      prom = await startPrometheus({
        jobs: [
          {
            job: 'mtls',
            targets: [target],
            scheme: 'https',
            tls: { caFile: ca.crt, certFile: client.crt, keyFile: client.key },
          },
          { job: 'no-client-cert', targets: [target], scheme: 'https', tls: { caFile: ca.crt } },
          {
            job: 'stranger-cert',
            targets: [target],
            scheme: 'https',
            tls: { caFile: ca.crt, certFile: stranger.crt, keyFile: stranger.key },
          },
        ],
      });
      await waitForTarget(prom, 'mtls', 'up');
      await prom.waitForQuery('count({job="mtls"})', (r) => Number(r[0]!.value[1]) > 10);
      await waitForTarget(prom, 'no-client-cert', 'down', /certificate|tls|EOF|reset/i);
      await waitForTarget(prom, 'stranger-cert', 'down', /certificate|tls|EOF|reset/i);
    });

    it('refuses a request without a client certificate or with an unknown one, and plain HTTP', async () => {
      const ok = await get(`${agent!.base}/metrics`, {
        ca: serverCa,
        cert: readFileSync(client.crt),
        key: readFileSync(client.key),
      });
      assert.equal(ok.status, 200);
      await refused(`${agent!.base}/metrics`, { ca: serverCa });
      await refused(`${agent!.base}/metrics`, {
        ca: serverCa,
        cert: readFileSync(stranger.crt),
        key: readFileSync(stranger.key),
      });
      await refused(`http://127.0.0.1:${agent!.port}/metrics`);
    });
  });
});

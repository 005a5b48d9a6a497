// The web config file as exporter-toolkit defines it: what is accepted, what is refused (and how the
// message names the key), what the TLS server then does with real clients (versions, cipher suites,
// curves, client certificate policies, SANs, headers, the rate limit), and the CLI's exit status 2.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../receiver/config/errors.js';
import { loadWebConfig, parseWebConfig, parseGoDuration } from '../../receiver/server/web-config.js';
import { startHttpServer, type HttpServer } from '../../receiver/server/http.js';
import { silentLogger } from '../../receiver/log.js';
import { TestPki, htpasswdHash, type CertFiles } from './certs.js';
import { get, refused } from './helpers.js';
import { CLI } from '../support/agent.js';
import { freePort, run } from '../support/proc.js';

function problems(text: string): string[] {
  try {
    parseWebConfig(text, 'web.yml');
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return [...e.problems];
  }
  return [];
}

/** What a TLS client negotiates with these options (or the error it gets). */
function handshake(
  port: number,
  o: ConnectionOptions,
): Promise<{ version: string; cipher: string; group?: string } | Error> {
  return new Promise((resolve) => {
    const s = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ...o }, () => {
      const eph = s.getEphemeralKeyInfo() as { name?: string };
      resolve({ version: s.getProtocol() ?? '', cipher: s.getCipher().name, ...(eph.name ? { group: eph.name } : {}) });
      s.destroy();
    });
    s.on('error', (e) => resolve(e));
  });
}

const handlers = {
  metrics: (_req: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('# metrics\n');
  },
  status: () => ({ ok: true }),
  healthy: () => ({ ok: true, detail: 'ok: cycle 1, 1 targets' }),
};

describe('web config file (exporter-toolkit format)', function () {
  this.timeout(120_000);
  let pki: TestPki;
  let ca: CertFiles;
  let rsaServer: CertFiles;
  let dir: string;
  let servers: HttpServer[] = [];

  before(() => {
    pki = new TestPki();
    ca = pki.ca('ca');
    rsaServer = pki.issue(ca, 'server-rsa', { cn: 'agent', usage: 'server', rsa: true });
    dir = mkdtempSync(path.join(tmpdir(), 'ksotel-webcfg-'));
  });
  afterEach(async () => {
    for (const s of servers) await s.close();
    servers = [];
  });
  after(() => {
    pki?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function serve(yaml: string): Promise<HttpServer> {
    const f = path.join(dir, `web-${servers.length}-${Date.now()}.yml`);
    writeFileSync(f, yaml);
    const s = await startHttpServer('127.0.0.1', 0, handlers, { web: loadWebConfig(f), log: silentLogger });
    servers.push(s);
    return s;
  }

  it("accepts the toolkit's keys and refuses anything else, naming the key", () => {
    assert.deepEqual(problems(''), []);
    assert.deepEqual(
      problems('basic_auth_users:\n  a: $2y$10$X0h1gDsPszWURQaxFh.zoubFi6DXncSjhoQNJgRrnGs7EsimhC7zG\n'),
      [],
    );
    const cases: [string, RegExp][] = [
      [
        'tls_server_config:\n  certfile: a\n',
        /at tls_server_config\.certfile: found an unknown key, expected one of: cert, key, client_ca, cert_file/,
      ],
      ['tls_server_config:\n  cert_file: a\n', /at tls_server_config: found no key, expected key_file/],
      ['tls_server_config:\n  key_file: a\n', /at tls_server_config: found no certificate, expected cert_file/],
      [
        'tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: c\n',
        /client_auth_type: found a client CA without a client auth policy/,
      ],
      [
        'tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAndVerifyClientCert\n',
        /client_ca_file: found nothing, expected the CA/,
      ],
      [
        'tls_server_config:\n  cert_file: a\n  key_file: b\n  client_allowed_sans: [x]\n',
        /client_allowed_sans: needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert/,
      ],
      [
        'tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS14\n',
        /min_version: found "TLS14", expected one of: TLS10, TLS11, TLS12, TLS13/,
      ],
      [
        'tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n  max_version: TLS12\n',
        /min_version: found a minimum above max_version/,
      ],
      [
        'tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites: [TLS_INVENTED_CIPHER]\n',
        /cipher_suites\[0\]: found "TLS_INVENTED_CIPHER", expected a cipher suite by its Go name/,
      ],
      [
        'tls_server_config:\n  cert_file: a\n  key_file: b\n  curve_preferences: [CurveP999]\n',
        /curve_preferences\[0\]: found "CurveP999", expected one of: CurveP256/,
      ],
      ['http_server_config:\n  headers:\n    Server: x\n', /headers\.Server: found a header that cannot be configured/],
      [
        'http_server_config:\n  headers:\n    X-Frame-Options: allow\n',
        /X-Frame-Options: found "allow", expected one of: deny, sameorigin/,
      ],
      ['basic_auth_users:\n  alice: plaintext\n', /basic_auth_users\.alice: found something that is not a bcrypt hash/],
      ['rate_limit:\n  interval: soon\n', /rate_limit\.interval: found "soon", expected a duration/],
      ['tls_server_config: [a]\n', /at tls_server_config: found a list of 1, expected a mapping/],
      ['a: 1\na: 2\n', /invalid YAML/],
      [
        'bogus: true\n',
        /at bogus: found an unknown key, expected one of: tls_server_config, http_server_config, basic_auth_users/,
      ],
    ];
    for (const [text, re] of cases) {
      const p = problems(text);
      assert.ok(
        p.some((x) => re.test(x)),
        `${JSON.stringify(text)} → ${JSON.stringify(p)}`,
      );
      assert.ok(
        p.every((x) => x.startsWith('web.yml: ')),
        'every problem names the file',
      );
    }
    // Never echo a password hash or a header-like secret into a message.
    assert.ok(problems('basic_auth_users:\n  a: $2y$10$short\n').every((x) => !x.includes('$2y$10$short')));
    // A section with only versions is plain HTTP, as in the toolkit.
    assert.equal(parseWebConfig('tls_server_config:\n  min_version: TLS13\n', 'w').tls, undefined);
    assert.equal(parseGoDuration('1m30s'), 90_000);
    assert.equal(parseGoDuration('250ms'), 250);
  });

  it('reads the files it names (relative to itself): unreadable, not PEM, a key of another certificate', () => {
    const other = pki.issue(ca, 'other', { cn: 'other', usage: 'server' });
    const write = (name: string, text: string): string => {
      const f = path.join(dir, name);
      writeFileSync(f, text);
      return f;
    };
    const load = (f: string): string => {
      try {
        loadWebConfig(f);
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    };
    writeFileSync(path.join(dir, 'garbage.pem'), 'not pem\n');
    assert.match(
      load(write('w1.yml', 'tls_server_config:\n  cert_file: nope.crt\n  key_file: nope.key\n')),
      /w1\.yml: at tls_server_config\.cert_file: cannot read .*nope\.crt: ENOENT/,
    );
    assert.match(
      load(write('w2.yml', `tls_server_config:\n  cert_file: garbage.pem\n  key_file: ${rsaServer.key}\n`)),
      /at tls_server_config\.cert_file: found no usable certificate/,
    );
    assert.match(
      load(write('w3.yml', `tls_server_config:\n  cert_file: ${rsaServer.crt}\n  key_file: ${other.key}\n`)),
      /at tls_server_config\.key_file: found a key that does not belong to the certificate \(CN=agent\)/,
    );
    assert.match(
      load(
        write(
          'w4.yml',
          `tls_server_config:\n  cert_file: ${rsaServer.crt}\n  key_file: ${rsaServer.key}\n` +
            '  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: garbage.pem\n',
        ),
      ),
      /at tls_server_config\.client_ca_file: found no PEM certificate/,
    );
    // Inline PEM works as files do.
    const indent = (f: string): string => readFileSync(f, 'utf8').replace(/^/gm, '    ');
    const inline = `tls_server_config:\n  cert: |\n${indent(rsaServer.crt)}\n  key: |\n${indent(rsaServer.key)}\n`;
    assert.equal(loadWebConfig(write('w5.yml', inline)).tls?.subject, 'CN=agent');
  });

  it('min_version, cipher_suites and curve_preferences shape the handshake as they say', async () => {
    const caPem = readFileSync(ca.crt);
    const s = await serve(
      `tls_server_config:\n  cert_file: ${rsaServer.crt}\n  key_file: ${rsaServer.key}\n  max_version: TLS12\n` +
        '  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]\n  curve_preferences: [CurveP384]\n',
    );
    const r = await handshake(s.port, { ca: caPem });
    assert.ok(!(r instanceof Error), String(r));
    assert.deepEqual(r, { version: 'TLSv1.2', cipher: 'ECDHE-RSA-AES256-GCM-SHA384', group: 'secp384r1' });
    const other = await handshake(s.port, { ca: caPem, ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' });
    assert.ok(other instanceof Error, 'a suite the file does not list is refused');
    const t13 = await serve(
      `tls_server_config:\n  cert_file: ${rsaServer.crt}\n  key_file: ${rsaServer.key}\n  min_version: TLS13\n`,
    );
    assert.ok(
      (await handshake(t13.port, { ca: caPem, maxVersion: 'TLSv1.2' })) instanceof Error,
      'TLS 1.2 refused below min_version TLS13',
    );
    assert.equal(((await handshake(t13.port, { ca: caPem })) as { version: string }).version, 'TLSv1.3');
    // Listing TLS 1.2 suites leaves TLS 1.3 on (as in Go).
    const both = await serve(
      `tls_server_config:\n  cert_file: ${rsaServer.crt}\n  key_file: ${rsaServer.key}\n` +
        '  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]\n',
    );
    assert.equal(((await handshake(both.port, { ca: caPem })) as { version: string }).version, 'TLSv1.3');
  });

  it('client certificates: RequireAnyClientCert takes any, SANs must match, VerifyClientCertIfGiven none', async () => {
    const caPem = readFileSync(ca.crt);
    const otherCa = pki.ca('other-ca');
    const selfMade = pki.issue(otherCa, 'self-made', {
      cn: 'anyone',
      usage: 'client',
      sans: ['DNS:prometheus.monitoring.svc'],
    });
    const good = pki.issue(ca, 'good-client', { cn: 'prom', usage: 'client', sans: ['DNS:prometheus.monitoring.svc'] });
    const wrongSan = pki.issue(ca, 'wrong-san', { cn: 'prom', usage: 'client', sans: ['DNS:grafana.monitoring.svc'] });
    const as = (c: CertFiles) => ({ ca: caPem, cert: readFileSync(c.crt), key: readFileSync(c.key) });
    const base = `tls_server_config:\n  cert_file: ${rsaServer.crt}\n  key_file: ${rsaServer.key}\n`;

    const any = await serve(`${base}  client_auth_type: RequireAnyClientCert\n`);
    assert.equal(
      (await get(`https://localhost:${any.port}/metrics`, as(selfMade))).status,
      200,
      'any certificate, unverified',
    );
    await refused(`https://localhost:${any.port}/metrics`, { ca: caPem });

    const sans = await serve(
      `${base}  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ${ca.crt}\n` +
        '  client_allowed_sans: [prometheus.monitoring.svc]\n',
    );
    assert.equal((await get(`https://localhost:${sans.port}/metrics`, as(good))).status, 200);
    await refused(`https://localhost:${sans.port}/metrics`, as(wrongSan));
    await refused(`https://localhost:${sans.port}/metrics`, as(selfMade));

    const ifGiven = await serve(`${base}  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ${ca.crt}\n`);
    assert.equal(
      (await get(`https://localhost:${ifGiven.port}/metrics`, { ca: caPem })).status,
      200,
      'no certificate: allowed',
    );
    assert.equal((await get(`https://localhost:${ifGiven.port}/metrics`, as(good))).status, 200);
    await refused(`https://localhost:${ifGiven.port}/metrics`, as(selfMade));
    assert.ok((ifGiven.security() as { refusedCertificates: number }).refusedCertificates >= 1);
  });

  it('the rate limit answers 429 beyond its burst, and the headers are on every answer', async () => {
    const s = await serve(
      'rate_limit:\n  interval: 1m\n  burst: 3\n' +
        'http_server_config:\n  headers:\n    Strict-Transport-Security: max-age=31536000\n',
    );
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await get(`http://127.0.0.1:${s.port}/metrics`);
      codes.push(r.status);
      assert.equal(r.headers['strict-transport-security'], 'max-age=31536000');
    }
    assert.deepEqual(codes, [200, 200, 200, 429, 429]);
  });

  it('the CLI: a bad web config, a bad --authorization, or both auth kinds at once stop `run` (exit 2)', async () => {
    const port = String(await freePort());
    const bad = path.join(dir, 'bad.yml');
    writeFileSync(bad, 'tls_server_config:\n  cert_file: /nonexistent/tls.crt\n  key_file: /nonexistent/tls.key\n');
    const r1 = await run(
      process.execPath,
      [CLI, 'run', '--address', '127.0.0.1', '--port', port, '--web.config.file', bad],
      { timeoutMs: 30_000 },
    );
    assert.equal(r1.code, 2, r1.stderr);
    assert.match(
      r1.stderr,
      /config error: .*bad\.yml: at tls_server_config\.cert_file: cannot read \/nonexistent\/tls\.crt: ENOENT/,
    );
    const r2 = await run(process.execPath, [CLI, 'run', '--port', port, '--authorization', 'rbac'], {
      timeoutMs: 30_000,
    });
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /flag --authorization: found "rbac", expected none or kubernetes/);
    const both = path.join(dir, 'both.yml');
    writeFileSync(both, `basic_auth_users:\n  prometheus: ${htpasswdHash('pw', 4)}\n`);
    const cfg = path.join(dir, 'authz.yaml');
    writeFileSync(cfg, 'server:\n  authorization: kubernetes\nkubernetes:\n  enabled: false\n');
    const r3 = await run(
      process.execPath,
      [CLI, 'run', '-c', cfg, '--address', '127.0.0.1', '--port', port, '--web.config.file', both],
      { timeoutMs: 30_000 },
    );
    assert.equal(r3.code, 2, r3.stderr);
    assert.match(r3.stderr, /both\.yml: at basic_auth_users: found users while server\.authorization is kubernetes/);
    const r4 = await run(process.execPath, [CLI, 'validate-config', '--web.config.file', both, cfg], {
      timeoutMs: 30_000,
    });
    assert.equal(r4.code, 0, r4.stderr);
    assert.match(r4.stdout, /web config .*both\.yml: ok \(plain HTTP, 1 basic auth user\(s\)\)/);
  });
});

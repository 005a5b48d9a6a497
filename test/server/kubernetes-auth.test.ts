// server.authorization: kubernetes against the test API server (TokenReview and SubjectAccessReview
// answered as kube-apiserver answers them, RBAC from ClusterRoles and bindings): an allowed token
// gets /metrics, a denied one 403, none 401; the API down or hanging answers 503 to callers without a
// cached answer, never holding the callers that have one.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TestApiServer, serviceAccountUser } from '../identity/apiserver.js';
import { TestPki, type CertFiles } from './certs.js';
import { get, startSecureAgent, waitForTarget, type SecureAgent } from './helpers.js';
import { startPrometheus, type Prometheus } from '../support/prometheus.js';
import { waitUntil } from '../support/proc.js';
import { parsePromText } from '../support/prom-text.js';

/** What the chart grants (helm/kubeskoop-otel/templates/rbac.yaml in secure mode), written out here so this
 *  test stands alone; test/helm/secure.test.ts runs the same checks with the rendered objects. */
const RBAC = [
  {
    kind: 'ClusterRole',
    metadata: { name: 'agent' },
    rules: [
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
      { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
    ],
  },
  {
    kind: 'ClusterRoleBinding',
    metadata: { name: 'agent' },
    roleRef: { kind: 'ClusterRole', name: 'agent' },
    subjects: [{ kind: 'ServiceAccount', name: 'kubeskoop-otel', namespace: 'kubeskoop' }],
  },
  {
    kind: 'ClusterRole',
    metadata: { name: 'metrics-reader' },
    rules: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }],
  },
  {
    kind: 'ClusterRoleBinding',
    metadata: { name: 'metrics-reader' },
    roleRef: { kind: 'ClusterRole', name: 'metrics-reader' },
    subjects: [
      { kind: 'ServiceAccount', name: 'prometheus-k8s', namespace: 'monitoring' },
      { kind: 'User', name: 'scraper-by-cert' },
    ],
  },
];

/** The agent's config: 1 s cycles, netdev only, the API for the reviews only (no pod watch). */
const agentConfig = (kubeconfig: string): string =>
  `interval: 1s\nmetrics:\n  probes: [netdev]\nkubernetes:\n  enabled: false\n  kubeconfig: ${kubeconfig}\n`;

describe('endpoints with server.authorization: kubernetes (TokenReview + SubjectAccessReview)', function () {
  this.timeout(180_000);
  let api: TestApiServer;
  let pki: TestPki;
  let ca: CertFiles;
  let dir: string;
  let agent: SecureAgent | undefined;
  let prom: Prometheus | undefined;
  let caPem: Buffer;
  const tokens = { prometheus: '', curious: '', fresh: '', later: '' };
  const bearer = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}` });

  before(async () => {
    api = new TestApiServer();
    await api.start();
    api.loadRbac(RBAC);
    tokens.prometheus = api.addToken(serviceAccountUser('monitoring', 'prometheus-k8s'));
    tokens.curious = api.addToken(serviceAccountUser('default', 'curious'));
    tokens.fresh = api.addToken(serviceAccountUser('monitoring', 'prometheus-k8s'));
    tokens.later = api.addToken(serviceAccountUser('monitoring', 'prometheus-k8s'));
    pki = new TestPki();
    ca = pki.ca('ca');
    const server = pki.issue(ca, 'server', { cn: 'kubeskoop-otel', usage: 'server' });
    caPem = readFileSync(ca.crt);
    dir = mkdtempSync(path.join(tmpdir(), 'ksotel-authz-'));
    // Client certificates are verified when given, so a caller may come with a token or a certificate.
    writeFileSync(
      path.join(dir, 'web.yml'),
      [
        'tls_server_config:',
        `  cert_file: ${server.crt}`,
        `  key_file: ${server.key}`,
        '  client_auth_type: VerifyClientCertIfGiven',
        `  client_ca_file: ${ca.crt}`,
        '',
      ].join('\n'),
    );
    agent = await startSecureAgent(dir, {
      args: ['--web.config.file', path.join(dir, 'web.yml'), '--authorization', 'kubernetes'],
      scheme: 'https',
      client: { ca: caPem },
      config: agentConfig(api.kubeconfig()),
    });
  });
  after(async () => {
    await prom?.stop();
    await agent?.stop();
    await api?.dispose();
    pki?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('an allowed token gets /metrics, a denied one 403, an invalid one or none 401; /healthz is open', async () => {
    const base = agent!.base;
    const ok = await get(`${base}/metrics`, { ca: caPem, headers: bearer(tokens.prometheus) });
    assert.equal(ok.status, 200, ok.body);
    assert.ok(parsePromText(ok.body).samples.length > 10);
    const denied = await get(`${base}/metrics`, { ca: caPem, headers: bearer(tokens.curious) });
    assert.equal(denied.status, 403);
    assert.match(denied.body, /system:serviceaccount:default:curious/);
    assert.equal((await get(`${base}/metrics`, { ca: caPem })).status, 401);
    assert.equal((await get(`${base}/metrics`, { ca: caPem, headers: bearer('not-a-token') })).status, 401);
    assert.equal((await get(`${base}/metrics`, { ca: caPem, headers: { authorization: 'Basic YTpi' } })).status, 401);
    // The path is what is authorised: the ClusterRole grants /metrics, not /status.
    assert.equal((await get(`${base}/status`, { ca: caPem, headers: bearer(tokens.prometheus) })).status, 403);
    assert.equal((await get(`${base}/healthz`, { ca: caPem })).status, 200);
    assert.ok(api.counts.tokenReviews >= 3 && api.counts.accessReviews >= 2, JSON.stringify(api.counts));
  });

  it('a verified client certificate is a user (CN) as with kube-rbac-proxy', async () => {
    const bound = pki.issue(ca, 'cert-user', { cn: 'scraper-by-cert', usage: 'client', org: ['monitoring'] });
    const unbound = pki.issue(ca, 'cert-other', { cn: 'someone-else', usage: 'client' });
    const asCert = (c: CertFiles) => ({ ca: caPem, cert: readFileSync(c.crt), key: readFileSync(c.key) });
    assert.equal((await get(`${agent!.base}/metrics`, asCert(bound))).status, 200);
    assert.equal((await get(`${agent!.base}/metrics`, asCert(unbound))).status, 403);
  });

  it('answers are cached: repeated scrapes ask the API nothing more', async () => {
    const before = { ...api.counts };
    for (let i = 0; i < 5; i++)
      assert.equal(
        (await get(`${agent!.base}/metrics`, { ca: caPem, headers: bearer(tokens.prometheus) })).status,
        200,
      );
    for (let i = 0; i < 3; i++)
      assert.equal((await get(`${agent!.base}/metrics`, { ca: caPem, headers: bearer(tokens.curious) })).status, 403);
    assert.equal(api.counts.tokenReviews, before.tokenReviews);
    assert.equal(api.counts.accessReviews, before.accessReviews);
  });

  it('a real Prometheus with its ServiceAccount token scrapes it; one whose account is not bound cannot', async () => {
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, tokens.prometheus);
    const target = `127.0.0.1:${agent!.port}`;
    prom = await startPrometheus({
      jobs: [
        {
          job: 'sa-token',
          targets: [target],
          scheme: 'https',
          tls: { caFile: ca.crt },
          bearer: { credentialsFile: tokenFile },
        },
        {
          job: 'unbound',
          targets: [target],
          scheme: 'https',
          tls: { caFile: ca.crt },
          bearer: { credentials: tokens.curious },
        },
        { job: 'no-token', targets: [target], scheme: 'https', tls: { caFile: ca.crt } },
      ],
    });
    await waitForTarget(prom, 'sa-token', 'up');
    await prom.waitForQuery('count({job="sa-token"})', (r) => Number(r[0]!.value[1]) > 10);
    await waitForTarget(prom, 'unbound', 'down', /403/);
    await waitForTarget(prom, 'no-token', 'down', /401/);
  });

  it('the API hanging or down: 503 for callers without a cached answer, cached callers served meanwhile', async () => {
    const base = agent!.base;
    api.reviewsHang = true;
    // A caller the agent has not seen: its TokenReview hangs until the agent's deadline.
    let freshDone = false;
    const fresh = get(`${base}/metrics`, { ca: caPem, headers: bearer(tokens.fresh), timeoutMs: 30_000 }).finally(
      () => {
        freshDone = true;
      },
    );
    await waitUntil(() => api.pendingReviews > 0, 5000, "the fresh caller's review waiting at the API");
    // Meanwhile a cached caller is served, before the fresh one is answered.
    for (let i = 0; i < 3; i++) {
      const r = await get(`${base}/metrics`, { ca: caPem, headers: bearer(tokens.prometheus) });
      assert.equal(r.status, 200);
      assert.ok(parsePromText(r.body).samples.length > 10);
    }
    assert.equal(freshDone, false, 'the cached caller did not wait for the hanging review');
    const f = await fresh;
    assert.equal(f.status, 503);
    assert.equal(f.headers['retry-after'], '5');
    // The agent gave up on the hanging review (the API sees the request closed): nothing piles up.
    await waitUntil(() => api.pendingReviews === 0, 5000, 'the abandoned review closed');

    // Down: connection refused, answered at once, cached callers still served, no token still 401.
    api.reviewsHang = false;
    await api.stop();
    assert.equal((await get(`${base}/metrics`, { ca: caPem, headers: bearer(tokens.later) })).status, 503);
    assert.equal((await get(`${base}/metrics`, { ca: caPem, headers: bearer(tokens.prometheus) })).status, 200);
    assert.equal((await get(`${base}/metrics`, { ca: caPem })).status, 401);
    assert.equal((await get(`${base}/healthz`, { ca: caPem })).status, 200);
    assert.ok(
      agent!.logs().some((l) => l.level === 'warn' && /reviews fail/.test(l.msg)),
      'the outage is logged',
    );

    // Back: the new caller is reviewed and allowed.
    await api.start();
    await waitUntil(
      async () => (await get(`${base}/metrics`, { ca: caPem, headers: bearer(tokens.later) })).status === 200,
      15_000,
      'allowed once the API answers',
    );
    assert.ok(agent!.logs().some((l) => /reviews answer again/.test(l.msg)));
  });

  it('an agent the API does not let create reviews answers 503 and says why', async () => {
    const d2 = mkdtempSync(path.join(tmpdir(), 'ksotel-authz2-'));
    // The agent runs as a ServiceAccount no binding names.
    const weak = api.addToken(serviceAccountUser('kubeskoop', 'no-rbac'));
    writeFileSync(path.join(d2, 'web.yml'), readFileSync(path.join(dir, 'web.yml')));
    const a2 = await startSecureAgent(d2, {
      args: ['--web.config.file', path.join(d2, 'web.yml'), '--authorization', 'kubernetes'],
      scheme: 'https',
      client: { ca: caPem },
      config: agentConfig(api.kubeconfig(weak)),
    });
    try {
      const forbidden = api.counts.reviewsForbidden;
      assert.equal((await get(`${a2.base}/metrics`, { ca: caPem, headers: bearer(tokens.prometheus) })).status, 503);
      assert.ok(api.counts.reviewsForbidden > forbidden);
      await waitUntil(
        () => a2.logs().some((l) => /reviews fail/.test(l.msg) && /403.*tokenreviews.*forbidden/.test(String(l.error))),
        5000,
        'the 403 logged',
      );
    } finally {
      await a2.stop();
      rmSync(d2, { recursive: true, force: true });
    }
  });
});

// The chart's secure mode, rendered by the real helm: TLS from cert-manager or a Secret, the web
// config the agent reads, --authorization=kubernetes, RBAC (the agent's reviews, the metrics-reader
// ClusterRole), ServiceMonitor/PodMonitor with https, the CA and a token. Then the agent runs as
// rendered (its web config, its args) with a certificate issued for the rendered Certificate's
// names, against the test API server holding the rendered ClusterRoles and bindings, and a real
// Prometheus scrapes it as the rendered ServiceMonitor says.
import assert from 'node:assert/strict';
import { cpSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { agentContainer, helmWithValues, CHART, render, renderedConfig, type Rendered } from './chart.js';
import { MATRIX } from './matrix.js';
import { parseWebConfig } from '../../receiver/server/web-config.js';
import { TestApiServer, serviceAccountUser } from '../identity/apiserver.js';
import { TestPki } from '../server/certs.js';
import { get, waitForTarget } from '../server/helpers.js';
import { startAgentProcess, type AgentProcess } from '../support/agent.js';
import { startPrometheus, type Prometheus } from '../support/prometheus.js';
import { waitUntil } from '../support/proc.js';

const rules = (r: Rendered, name: string): any[] => r.one('ClusterRole', name).rules as any[];

/** The install notes for these values (helm template skips NOTES.txt: a copy renders as a template). */
async function notes(values: Record<string, unknown> | undefined): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ksotel-notes-'));
  try {
    cpSync(CHART, path.join(dir, 'c'), { recursive: true });
    const text = readFileSync(path.join(dir, 'c/templates/NOTES.txt'), 'utf8');
    rmSync(path.join(dir, 'c/templates/NOTES.txt'));
    writeFileSync(
      path.join(dir, 'c/templates/zz-notes.yaml'),
      `{{- define "zz.notes" -}}\n${text}\n{{- end }}\n` +
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes}\n' +
        'data:\n  notes: {{ include "zz.notes" . | quote }}\n',
    );
    const r = await helmWithValues(
      ['template', 'ks', path.join(dir, 'c'), '--namespace', 'observability', '--show-only', 'templates/zz-notes.yaml'],
      values,
    );
    assert.equal(r.code, 0, r.stderr);
    return (parse(r.stdout) as { data: { notes: string } }).data.notes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('helm chart: secure mode', function () {
  this.timeout(180_000);

  it('defaults: plain HTTP, no authorization, no reviews in the ClusterRole; the notes say it is open', async () => {
    const r = await render(undefined);
    const c = agentContainer(r);
    assert.ok(!(c.args as string[]).some((a) => a.startsWith('--web.config.file') || a.startsWith('--authorization')));
    assert.equal(c.readinessProbe.httpGet.scheme, undefined);
    assert.deepEqual(
      rules(r, 'ks-kubeskoop-otel')
        .map((x) => x.resources)
        .flat(),
      ['pods'],
    );
    assert.equal(r.all('Certificate').length, 0);
    assert.match(await notes(undefined), /WARNING: \/metrics and \/status are open/);
    const secure = await notes(MATRIX.secure);
    assert.doesNotMatch(secure, /WARNING/);
    assert.match(
      secure,
      /Prometheus: https:\/\/<node-ip>:9102\/metrics \(certificate for ks-kubeskoop-otel\.observability\.svc/,
    );
    assert.match(secure, /--clusterrole=ks-kubeskoop-otel-metrics-reader/);
  });

  it('cert-manager + kubernetes authorization: Certificate, web config, args, probes, RBAC, monitor', async () => {
    const r = await render(MATRIX.secure);
    const cert = r.one('Certificate');
    assert.equal(cert.apiVersion, 'cert-manager.io/v1');
    assert.equal(cert.spec.secretName, 'ks-kubeskoop-otel-tls');
    assert.deepEqual(cert.spec.dnsNames, [
      'ks-kubeskoop-otel.observability.svc',
      'ks-kubeskoop-otel.observability.svc.cluster.local',
    ]);
    assert.deepEqual(cert.spec.issuerRef, { kind: 'ClusterIssuer', name: 'ca-issuer', group: 'cert-manager.io' });
    assert.equal(cert.spec.privateKey.rotationPolicy, 'Always');
    // The web config is one the agent accepts (its own parser), TLS from the mounted Secret.
    const web = parseWebConfig(r.one('ConfigMap', 'ks-kubeskoop-otel-web').data['web.yml'] as string, 'web.yml');
    assert.equal(web.tls?.certFile, '/etc/kubeskoop-otel-tls/tls.crt');
    assert.equal(web.tls?.minVersion, 'TLSv1.2');
    const ds = r.one('DaemonSet');
    const c = agentContainer(r);
    assert.ok((c.args as string[]).includes('--web.config.file=/etc/kubeskoop-otel-web/web.yml'));
    assert.ok((c.args as string[]).includes('--authorization=kubernetes'));
    assert.equal(c.readinessProbe.httpGet.scheme, 'HTTPS');
    assert.equal(c.livenessProbe.httpGet.path, '/healthz');
    const vol = (n: string): any => ds.spec.template.spec.volumes.find((v: any) => v.name === n);
    assert.equal(vol('tls').secret.secretName, 'ks-kubeskoop-otel-tls');
    assert.equal(vol('web-config').configMap.name, 'ks-kubeskoop-otel-web');
    assert.ok(ds.spec.template.metadata.annotations['checksum/web-config']);
    assert.equal(ds.spec.template.spec.automountServiceAccountToken, true);
    // RBAC: the agent may create reviews; the metrics reader may get /metrics, bound to Prometheus.
    const agentRules = rules(r, 'ks-kubeskoop-otel');
    assert.ok(
      agentRules.some(
        (x) =>
          x.apiGroups[0] === 'authentication.k8s.io' &&
          x.resources[0] === 'tokenreviews' &&
          x.verbs.join() === 'create',
      ),
    );
    assert.ok(
      agentRules.some(
        (x) =>
          x.apiGroups[0] === 'authorization.k8s.io' &&
          x.resources[0] === 'subjectaccessreviews' &&
          x.verbs.join() === 'create',
      ),
    );
    assert.deepEqual(rules(r, 'ks-kubeskoop-otel-metrics-reader'), [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]);
    assert.deepEqual(r.one('ClusterRoleBinding', 'ks-kubeskoop-otel-metrics-reader').subjects, [
      { kind: 'ServiceAccount', name: 'prometheus-k8s', namespace: 'monitoring' },
    ]);
    const ep = r.one('ServiceMonitor').spec.endpoints[0];
    assert.equal(ep.scheme, 'https');
    assert.deepEqual(ep.tlsConfig, {
      serverName: 'ks-kubeskoop-otel.observability.svc',
      ca: { secret: { name: 'ks-kubeskoop-otel-tls', key: 'ca.crt' } },
    });
    assert.equal(ep.bearerTokenFile, '/var/run/secrets/kubernetes.io/serviceaccount/token');
    assert.equal(
      ds.spec.template.metadata.annotations['prometheus.io/scrape'],
      undefined,
      'annotations off with the Operator',
    );
  });

  it('required client certificates: tcpSocket probes, the client CA mounted, the PodMonitor presents one', async () => {
    const r = await render(MATRIX.secureMtls);
    assert.equal(r.all('Certificate').length, 0);
    const web = parseWebConfig(r.one('ConfigMap', 'ks-kubeskoop-otel-web').data['web.yml'] as string, 'web.yml');
    assert.equal(web.tls?.clientAuth, 'RequireAndVerifyClientCert');
    assert.equal(web.tls?.clientCaFile, '/etc/kubeskoop-otel-client-ca/ca.crt');
    const c = agentContainer(r);
    assert.deepEqual(c.readinessProbe.tcpSocket, { port: 'metrics' });
    assert.equal(c.readinessProbe.httpGet, undefined);
    const ds = r.one('DaemonSet');
    const ca = ds.spec.template.spec.volumes.find((v: any) => v.name === 'client-ca');
    assert.deepEqual(ca.secret, { secretName: 'agent-tls', items: [{ key: 'ca.crt', path: 'ca.crt' }] });
    const ep = r.one('PodMonitor').spec.podMetricsEndpoints[0];
    assert.equal(ep.scheme, 'https');
    assert.deepEqual(ep.tlsConfig.cert, { secret: { name: 'prometheus-client-tls', key: 'tls.crt' } });
    assert.deepEqual(ep.tlsConfig.keySecret, { name: 'prometheus-client-tls', key: 'tls.key' });
    assert.ok(
      !rules(r, 'ks-kubeskoop-otel').some((x) => (x.resources ?? []).includes('tokenreviews')),
      'no reviews without authorization',
    );
  });

  it("one's own web config Secret replaces the chart's", async () => {
    const r = await render(MATRIX.ownWebConfig);
    assert.equal(r.all('ConfigMap').filter((x) => x.metadata.name.endsWith('-web')).length, 0);
    const vol = r.one('DaemonSet').spec.template.spec.volumes.find((v: any) => v.name === 'web-config');
    assert.deepEqual(vol.secret, { secretName: 'agent-web-config' });
  });

  it('settings that cannot work stop the rendering with a message naming them', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { security: { tls: { enabled: true } } },
        /security\.tls\.enabled needs security\.tls\.secretName .* or security\.tls\.certManager\.enabled/,
      ],
      [
        { security: { tls: { enabled: true, certManager: { enabled: true } } } },
        /needs security\.tls\.certManager\.issuerRef\.name/,
      ],
      [
        { security: { authorization: 'kubernetes' }, serviceAccount: { automountToken: false } },
        /needs serviceAccount\.automountToken/,
      ],
      [{ security: { authorization: 'rbac' } }, /must be one of the following: "none", "kubernetes"/],
      [{ security: { tls: { clientAuthType: 'RequireAnyClientCert' } } }, /clientAuthType/],
    ];
    for (const [values, message] of cases) {
      const r = await helmWithValues(['template', 'ks', CHART], values);
      assert.notEqual(r.code, 0, JSON.stringify(values));
      assert.match(r.stderr, message);
    }
  });

  describe('the agent as rendered, checked against the rendered RBAC, scraped as the ServiceMonitor says', () => {
    let api: TestApiServer;
    let pki: TestPki;
    let dir: string;
    let agent: AgentProcess | undefined;
    let prom: Prometheus | undefined;

    before(async () => {
      // The agent's token is the chart's ServiceAccount (release ks in observability).
      api = new TestApiServer({ agentUser: serviceAccountUser('observability', 'ks-kubeskoop-otel') });
      await api.start();
      pki = new TestPki();
      dir = mkdtempSync(path.join(tmpdir(), 'ksotel-helm-secure-'));
    });
    after(async () => {
      await prom?.stop();
      await agent?.stop();
      await api?.dispose();
      pki?.dispose();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('Prometheus with its token scrapes over TLS; an unbound account gets 403, none 401, the probe 200', async () => {
      const r = await render({
        ...MATRIX.secure,
        config: {
          interval: '1s',
          metrics: { probes: ['netdev'] },
          kubernetes: { enabled: false, kubeconfig: api.kubeconfig() },
        },
      });
      api.loadRbac(r.objects);
      // What cert-manager would put in the Secret for the rendered Certificate.
      const cert = r.one('Certificate');
      const ca = pki.ca('cluster-ca');
      const issued = pki.issue(ca, 'agent-serving', {
        cn: cert.spec.commonName,
        usage: 'server',
        sans: (cert.spec.dnsNames as string[]).map((d) => `DNS:${d}`),
      });
      const secretDir = path.join(dir, 'tls');
      mkdirSync(secretDir);
      copyFileSync(issued.crt, path.join(secretDir, 'tls.crt'));
      copyFileSync(issued.key, path.join(secretDir, 'tls.key'));
      copyFileSync(ca.crt, path.join(secretDir, 'ca.crt'));
      // The mounted files, at this test's paths.
      const webText = (r.one('ConfigMap', 'ks-kubeskoop-otel-web').data['web.yml'] as string).replaceAll(
        '/etc/kubeskoop-otel-tls',
        secretDir,
      );
      writeFileSync(path.join(dir, 'web.yml'), webText);
      writeFileSync(path.join(dir, 'config.yaml'), renderedConfig(r));
      const rendered = agentContainer(r).args as string[];
      const args = rendered
        .filter((a) => a !== 'run' && !a.startsWith('--port=') && !a.startsWith('--proc-root='))
        .map((a) =>
          a.startsWith('--config=')
            ? `--config=${path.join(dir, 'config.yaml')}`
            : a.startsWith('--web.config.file=')
              ? `--web.config.file=${path.join(dir, 'web.yml')}`
              : a,
        );
      assert.ok(args.includes('--authorization=kubernetes'));
      agent = await startAgentProcess({ args, waitHealthy: false });
      const base = `https://127.0.0.1:${agent.port}`;
      const caPem = pki.read(path.join(secretDir, 'ca.crt'));
      // The kubelet's probe as rendered: HTTPS /healthz, no token.
      const probe = agentContainer(r).readinessProbe.httpGet;
      await waitUntil(
        async () =>
          (await get(`${base}${probe.path}`, { insecure: true, timeoutMs: 2000 }).catch(() => ({ status: 0 })))
            .status === 200,
        30_000,
        'the rendered probe passes',
      ).catch((e: Error) => {
        throw new Error(
          `${e.message}; agent: ${agent!
            .logs()
            .map((l) => `${l.msg} ${JSON.stringify(l)}`)
            .join('\n')}`,
        );
      });

      const promToken = api.addToken(serviceAccountUser('monitoring', 'prometheus-k8s'));
      const otherToken = api.addToken(serviceAccountUser('monitoring', 'grafana'));
      const tokenFile = path.join(dir, 'prometheus-token');
      writeFileSync(tokenFile, promToken);
      const ep = r.one('ServiceMonitor').spec.endpoints[0];
      const job = (name: string, bearer?: { credentialsFile?: string; credentials?: string }) => ({
        job: name,
        targets: [`127.0.0.1:${agent!.port}`],
        metricsPath: ep.path as string,
        scheme: ep.scheme as 'https',
        tls: {
          caFile: path.join(secretDir, ep.tlsConfig.ca.secret.key as string),
          serverName: ep.tlsConfig.serverName as string,
        },
        ...(bearer ? { bearer } : {}),
      });
      prom = await startPrometheus({
        jobs: [
          job('servicemonitor', { credentialsFile: tokenFile }),
          job('unbound', { credentials: otherToken }),
          job('anonymous'),
        ],
      });
      await waitForTarget(prom, 'servicemonitor', 'up');
      await prom.waitForQuery('count({job="servicemonitor"})', (x) => Number(x[0]!.value[1]) > 10);
      await waitForTarget(prom, 'unbound', 'down', /403/);
      await waitForTarget(prom, 'anonymous', 'down', /401/);
      // The reviews the agent made were allowed by the rendered ClusterRole (none refused).
      assert.equal(api.counts.reviewsForbidden, 0);
      // Two tokens (Prometheus', Grafana's), each reviewed and its access checked; the anonymous job needs no review.
      assert.ok(api.counts.tokenReviews >= 2 && api.counts.accessReviews >= 2, JSON.stringify(api.counts));
      const direct = await get(`${base}/metrics`, {
        ca: caPem,
        servername: ep.tlsConfig.serverName as string,
        headers: { authorization: `Bearer ${promToken}` },
      });
      assert.equal(direct.status, 200);
      assert.equal(direct.serverFingerprint, pki.fingerprint(issued.crt));
    });
  });
});

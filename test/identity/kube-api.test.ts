// How the agent reaches the Kubernetes API (receiver/targets/kube-api.ts), against the real HTTPS test
// API server: each way a kubeconfig can authenticate (token, token file, client certificate from
// files or data, an exec credential plugin), files relative to the kubeconfig, $KUBECONFIG merged as
// kubectl merges it, and errors that name the file and the entry at fault.
import { strict as assert } from 'node:assert';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeApiError, loadKubeConfig } from '../../receiver/targets/kube-api.js';
import { TestApiServer } from './apiserver.js';

const NODE = 'node-k';

interface PodList {
  items: { metadata: { name: string } }[];
  metadata: { resourceVersion: string };
}

describe('identity: the Kubernetes API client (kubeconfig, auth, requests, watch)', function () {
  this.timeout(60_000);
  let api: TestApiServer;
  let dir: string;
  const saved = { KUBECONFIG: process.env.KUBECONFIG, KUBERNETES_SERVICE_HOST: process.env.KUBERNETES_SERVICE_HOST };

  before(async () => {
    api = new TestApiServer();
    await api.start();
    api.upsertPod({ name: 'web-0', nodeName: NODE });
  });
  after(async () => {
    await api.dispose();
  });
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ksotel-kubeconfig-'));
    delete process.env.KUBERNETES_SERVICE_HOST;
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  /** A kubeconfig in `dir` with the test server as cluster `c` and the given user fields. */
  function kubeconfig(
    user: string[],
    cluster = [`    certificate-authority-data: ${api.caPem().toString('base64')}`],
  ): string {
    const file = path.join(dir, 'config');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: c',
        '  cluster:',
        `    server: ${api.url}`,
        ...cluster,
        'users:',
        '- name: u',
        '  user:',
        ...user.map((l) => `    ${l}`),
        'contexts:',
        '- name: ctx',
        '  context: {cluster: c, user: u}',
        'current-context: ctx',
        '',
      ].join('\n'),
    );
    return file;
  }

  async function listPods(kubeconfigFile: string): Promise<string[]> {
    const client = loadKubeConfig({ kubeconfig: kubeconfigFile });
    const list = await client.request<PodList>('GET', '/api/v1/pods', {
      query: { fieldSelector: `spec.nodeName=${NODE}` },
    });
    return list.items.map((p) => p.metadata.name);
  }

  it('authenticates with a token, and answers a wrong one with the API status and message', async () => {
    assert.deepEqual(await listPods(kubeconfig([`token: ${api.token}`])), ['web-0']);
    const err = await listPods(kubeconfig(['token: not-a-token'])).catch((e: unknown) => e);
    assert.ok(err instanceof KubeApiError, String(err));
    assert.equal(err.statusCode, 401);
    assert.match(err.message, /HTTP 401 from GET \/api\/v1\/pods: Unauthorized/);
  });

  it('reads a token file and a CA file relative to the kubeconfig, the token again after it changed', async () => {
    writeFileSync(path.join(dir, 'ca.crt'), api.caPem());
    writeFileSync(path.join(dir, 'token'), `${api.token}\n`);
    const file = kubeconfig(['tokenFile: token'], ['    certificate-authority: ca.crt']);
    assert.deepEqual(await listPods(file), ['web-0']);
  });

  it('authenticates with a client certificate, from files and from data', async () => {
    const { cert, key } = api.clientCertificate('system:node:node-k', ['system:nodes']);
    writeFileSync(path.join(dir, 'client.crt'), cert);
    writeFileSync(path.join(dir, 'client.key'), key);
    assert.deepEqual(await listPods(kubeconfig(['client-certificate: client.crt', 'client-key: client.key'])), [
      'web-0',
    ]);
    assert.deepEqual(
      await listPods(
        kubeconfig([
          `client-certificate-data: ${cert.toString('base64')}`,
          `client-key-data: ${key.toString('base64')}`,
        ]),
      ),
      ['web-0'],
    );
    // without it the server has no user: 401
    const before = api.counts.unauthorized;
    await assert.rejects(listPods(kubeconfig([])), /HTTP 401/);
    assert.equal(api.counts.unauthorized, before + 1);
  });

  it('runs an exec credential plugin, with its env and KUBERNETES_EXEC_INFO, and reuses its token until it expires', async () => {
    const plugin = path.join(dir, 'plugin.sh');
    const runs = path.join(dir, 'runs');
    writeFileSync(
      plugin,
      [
        '#!/bin/sh',
        `echo run >> ${runs}`,
        // the plugin is told it is not interactive, as client-go tells it
        'case "$KUBERNETES_EXEC_INFO" in *\'"interactive":false\'*) ;; *) echo "no exec info" >&2; exit 3;; esac',
        'printf \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"2099-01-01T00:00:00Z"}}\' "$PLUGIN_TOKEN"',
        '',
      ].join('\n'),
    );
    chmodSync(plugin, 0o755);
    const file = kubeconfig([
      'exec:',
      '  apiVersion: client.authentication.k8s.io/v1',
      `  command: ${plugin}`,
      '  env:',
      '  - name: PLUGIN_TOKEN',
      `    value: ${api.token}`,
    ]);
    const client = loadKubeConfig({ kubeconfig: file });
    for (let i = 0; i < 3; i++) {
      const list = await client.request<PodList>('GET', '/api/v1/pods', {
        query: { fieldSelector: `spec.nodeName=${NODE}` },
      });
      assert.equal(list.items.length, 1);
    }
    const { readFileSync } = await import('node:fs');
    assert.equal(readFileSync(runs, 'utf8').trim().split('\n').length, 1, 'one run for three requests');
    // a plugin that fails: its stderr, and the user, in the error
    const failing = kubeconfig([
      'exec:',
      '  command: /bin/sh',
      '  args: ["-c", "echo no credentials here >&2; exit 1"]',
    ]);
    await assert.rejects(listPods(failing), /user u: exec \/bin\/sh failed: no credentials here/);
  });

  it('merges $KUBECONFIG as kubectl does: the first current-context, entries from any file', async () => {
    const first = path.join(dir, 'a');
    const second = path.join(dir, 'b');
    writeFileSync(
      first,
      ['current-context: ctx', 'contexts:', '- name: ctx', '  context: {cluster: c, user: u}', ''].join('\n'),
    );
    writeFileSync(
      second,
      [
        'current-context: other',
        'clusters:',
        '- name: c',
        '  cluster:',
        `    server: ${api.url}`,
        `    certificate-authority-data: ${api.caPem().toString('base64')}`,
        'users:',
        '- name: u',
        `  user: {token: ${api.token}}`,
        '',
      ].join('\n'),
    );
    process.env.KUBECONFIG = [path.join(dir, 'missing'), first, second].join(path.delimiter);
    const client = loadKubeConfig({});
    assert.equal(client.server, api.url);
    const list = await client.request<PodList>('GET', '/api/v1/pods', {});
    assert.ok(list.items.some((p) => p.metadata.name === 'web-0'));
  });

  it('watches: events in order, then done when the server ends the watch', async () => {
    const client = loadKubeConfig({ kubeconfig: kubeconfig([`token: ${api.token}`]) });
    const list = await client.request<PodList>('GET', '/api/v1/pods', {});
    const seen: string[] = [];
    const ended = new Promise<unknown>((resolve) => {
      void client.watch(
        '/api/v1/pods',
        { resourceVersion: list.metadata.resourceVersion, timeoutSeconds: 1 },
        (type, obj) => seen.push(`${type} ${(obj as { metadata: { name: string } }).metadata.name}`),
        resolve,
      );
    });
    await new Promise((r) => setTimeout(r, 100));
    api.upsertPod({ name: 'web-1', nodeName: NODE });
    assert.equal(await ended, null, 'the server ended it after timeoutSeconds');
    assert.deepEqual(seen, ['ADDED web-1']);
  });

  it('watches: a line split across chunks and lines sharing one are each one event; a line that is not JSON ends the watch', async () => {
    // a plain HTTP server (kubectl proxy's scheme) writing the stream in awkward pieces
    const { createServer } = await import('node:http');
    const lines = [
      '{"type":"ADDED","object":{"n":1}}',
      '{"type":"MODIFIED","object":{"n":2}}',
      '{"type":"DELETED","object":{"n":3}}',
    ];
    const server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const text = `${lines.join('\n')}\n`;
      const pieces = [text.slice(0, 10), text.slice(10, 45), text.slice(45, 46), text.slice(46)];
      const bad = new URL(req.url ?? '/', 'http://x').searchParams.get('bad') === '1';
      let i = 0;
      const next = (): void => {
        if (i < pieces.length) {
          res.write(pieces[i++]);
          setTimeout(next, 20);
        } else if (bad) res.write('not json\n{"type":"ADDED","object":{"n":4}}\n');
        else res.end();
      };
      next();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const file = path.join(dir, 'config');
    writeFileSync(
      file,
      `current-context: p\ncontexts:\n- name: p\n  context: {cluster: p}\nclusters:\n- name: p\n  cluster: {server: "http://127.0.0.1:${port}"}\n`,
    );
    const client = loadKubeConfig({ kubeconfig: file });
    const run = (bad: boolean): Promise<{ events: string[]; err: unknown }> =>
      new Promise((resolve) => {
        const events: string[] = [];
        void client.watch(
          '/api/v1/pods',
          bad ? { bad: 1 } : {},
          (type, obj) => events.push(`${type} ${(obj as { n: number }).n}`),
          (err) => resolve({ events, err }),
        );
      });
    try {
      assert.deepEqual(await run(false), { events: ['ADDED 1', 'MODIFIED 2', 'DELETED 3'], err: null });
      const bad = await run(true);
      assert.deepEqual(bad.events, ['ADDED 1', 'MODIFIED 2', 'DELETED 3'], 'nothing after the bad line');
      assert.match(String(bad.err), /watch of \/api\/v1\/pods: a line that is not JSON: not json/);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('says what is wrong with a kubeconfig, naming the file and the entry', () => {
    const file = path.join(dir, 'config');
    const cases: [string, RegExp][] = [
      ['clusters: []\n', /kubeconfig .*config: no current-context/],
      ['current-context: x\ncontexts: []\n', /current-context x is not in contexts/],
      ['current-context: x\ncontexts:\n- name: x\n  context: {cluster: nope}\n', /context x: no cluster nope/],
      [
        'current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\nclusters:\n- name: c\n  cluster: {}\n',
        /cluster c: no server/,
      ],
      [
        'current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:1"}\nusers:\n- name: u\n  user: {auth-provider: {name: gcp}}\n',
        /user u: auth-provider is not supported/,
      ],
      [
        'current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:1", certificate-authority: nowhere.crt}\n',
        /cannot read certificate-authority of c in kubeconfig .*nowhere\.crt/,
      ],
      ['clusters: [\n', /kubeconfig .*config: /],
    ];
    for (const [text, want] of cases) {
      writeFileSync(file, text);
      assert.throws(() => loadKubeConfig({ kubeconfig: file }), want, text);
    }
    process.env.KUBECONFIG = path.join(dir, 'none');
    assert.throws(
      () => loadKubeConfig({}),
      /no Kubernetes API to use: .*KUBERNETES_SERVICE_HOST is unset.*\$KUBECONFIG/,
    );
  });
});

// The pod watch against a real HTTP server speaking the API's list/watch protocol, driven by the
// agent's own API client (kube-api.ts): paging, events, bookmarks, 410 Gone both ways, outages, silence.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PodWatch, containerIdOf, podInfoOf } from '../../receiver/targets/kubernetes.js';
import { silentLogger } from '../../receiver/log.js';
import { TestApiServer } from './apiserver.js';
import { waitUntil, sleep } from '../support/proc.js';

const NODE = 'node-a';
const cid = (): string => randomBytes(32).toString('hex');

describe("identity: pod watch (real list/watch server, the agent's API client)", function () {
  this.timeout(60_000);
  let api: TestApiServer;
  let watch: PodWatch | undefined;

  beforeEach(async () => {
    api = new TestApiServer({ bookmarkIntervalMs: 100 });
    await api.start();
  });
  afterEach(async () => {
    await watch?.stop();
    watch = undefined;
    await api.dispose();
  });

  function startWatch(extra: Partial<ConstructorParameters<typeof PodWatch>[0]> = {}): PodWatch {
    watch = new PodWatch({
      nodeName: NODE,
      kubeconfig: api.kubeconfig(),
      log: silentLogger,
      backoffInitialMs: 50,
      backoffMaxMs: 400,
      watchTimeoutSeconds: 30,
      pageSize: 50,
      ...extra,
    });
    watch.start();
    return watch;
  }

  it('lists in pages, keeps only this node, follows ADDED/MODIFIED/DELETED', async () => {
    for (let i = 0; i < 120; i++) api.upsertPod({ name: `p${i}`, namespace: 'ns1', nodeName: NODE });
    for (let i = 0; i < 30; i++) api.upsertPod({ name: `other${i}`, namespace: 'ns1', nodeName: 'node-b' });
    const w = startWatch();
    assert.ok(await w.waitForSync(10_000));
    assert.equal(w.size, 120);
    assert.equal(api.counts.listPages, 3, 'three pages of 50');
    const added = api.upsertPod({ name: 'late', namespace: 'ns2', nodeName: NODE, containers: { app: cid() } });
    await waitUntil(() => w.get(added.metadata.uid)?.name === 'late', 5000, 'ADDED');
    api.upsertPod({ name: 'late-renamed', uid: added.metadata.uid, namespace: 'ns2', nodeName: NODE });
    await waitUntil(() => w.get(added.metadata.uid)?.name === 'late-renamed', 5000, 'MODIFIED');
    api.deletePod('ns2', 'late-renamed');
    await waitUntil(() => w.get(added.metadata.uid) === undefined, 5000, 'DELETED');
    assert.equal(w.size, 120);
    assert.equal(w.status().state, 'synced');
  });

  it('moves its resourceVersion with bookmarks', async () => {
    const w = startWatch();
    assert.ok(await w.waitForSync(5000));
    // Changes on another node move the server's resourceVersion without an event for this node.
    for (let i = 0; i < 5; i++) api.upsertPod({ name: `b${i}`, nodeName: 'node-b' });
    await waitUntil(
      () => w.status().resourceVersion === String(api.resourceVersion),
      5000,
      'a bookmark with the latest resourceVersion',
    );
    assert.ok(w.status().bookmarks > 0);
  });

  for (const goneAs of ['event', 'status'] as const) {
    it(`re-lists on 410 Gone (as ${goneAs === 'event' ? 'an ERROR event' : 'an HTTP status'}) and frees pods deleted meanwhile`, async () => {
      api.goneAs = goneAs;
      const a = api.upsertPod({ name: 'a', nodeName: NODE });
      const b = api.upsertPod({ name: 'b', nodeName: NODE });
      const w = startWatch();
      assert.ok(await w.waitForSync(5000));
      assert.equal(w.size, 2);
      // Outage; meanwhile b is deleted and c created, then the history is compacted.
      await api.stop();
      await waitUntil(() => w.status().stale, 5000, 'stale during the outage');
      assert.equal(w.get(b.metadata.uid)?.name, 'b', 'names kept during the outage');
      api.deletePod('default', 'b');
      const c = api.upsertPod({ name: 'c', nodeName: NODE });
      api.compact();
      await api.start();
      await waitUntil(
        () => w.get(c.metadata.uid) !== undefined && w.status().state === 'synced',
        10_000,
        'resynced after 410',
      );
      assert.equal(w.get(b.metadata.uid), undefined, 'b freed by the re-list');
      assert.equal(w.get(a.metadata.uid)?.name, 'a');
      assert.ok(w.status().goneRelists >= 1, 'counted a 410 re-list');
      assert.ok(api.counts.gone >= 1);
      assert.ok(w.status().lists >= 2);
    });
  }

  it('resumes from its resourceVersion after a short outage (no re-list) and catches up on missed events', async () => {
    api.upsertPod({ name: 'a', nodeName: NODE });
    const w = startWatch();
    assert.ok(await w.waitForSync(5000));
    const lists = api.counts.lists;
    await api.stop();
    await waitUntil(() => w.status().stale, 5000, 'stale');
    assert.ok(w.status().staleSeconds !== null);
    const d = api.upsertPod({ name: 'during-outage', nodeName: NODE });
    await sleep(300);
    await api.start();
    await waitUntil(() => w.get(d.metadata.uid) !== undefined, 10_000, 'the missed ADDED replayed');
    await waitUntil(() => w.status().state === 'synced', 5000, 'synced');
    assert.equal(api.counts.lists, lists, 'no re-list needed');
    assert.ok(w.status().reconnects >= 1);
    assert.equal(w.status().staleSeconds, null);
  });

  it('abandons a silent watch and opens a new one', async () => {
    api.upsertPod({ name: 'a', nodeName: NODE });
    const w = startWatch({ idleTimeoutMs: 500 });
    assert.ok(await w.waitForSync(5000));
    const watches = api.counts.watches;
    api.silentWatches = true;
    await waitUntil(() => api.counts.watches > watches + 1, 10_000, 'reconnects after silence');
    api.silentWatches = false;
    const late = api.upsertPod({ name: 'after-silence', nodeName: NODE });
    await waitUntil(() => w.get(late.metadata.uid) !== undefined, 10_000, 'events flow again');
  });

  it('does not spin against a server that answers 410 to every watch', async () => {
    api.upsertPod({ name: 'a', nodeName: NODE });
    api.alwaysGone = true;
    const t0 = Date.now();
    const before = api.counts.watches;
    const w = startWatch({ backoffInitialMs: 100, backoffMaxMs: 1000 });
    // It retries (however slowly a loaded machine runs it) ...
    await waitUntil(() => api.counts.watches - before >= 4, 30_000, 'four watches');
    await sleep(2000);
    // ... but never faster than its backoff allows: the first delays are 100, 200, 400 and 800 ms,
    // then one a second at most, so T ms hold at most 5 + T/1000 watches (a spin would make hundreds).
    const watches = api.counts.watches - before;
    const ms = Date.now() - t0;
    assert.ok(watches <= 5 + Math.ceil(ms / 1000), `${watches} watches in ${ms} ms`);
    assert.equal(w.size, 1, 'the lists still fill the cache');
    api.alwaysGone = false;
    const late = api.upsertPod({ name: 'b', nodeName: NODE });
    await waitUntil(() => w.get(late.metadata.uid) !== undefined, 10_000, 'recovers');
  });

  it('keeps container names from containerStatuses and only allow-listed labels', async () => {
    const app = cid();
    const side = cid();
    const p = api.upsertPod({
      name: 'web',
      namespace: 'shop',
      nodeName: NODE,
      containers: { app, sidecar: side },
      labels: { app: 'web', 'pod-template-hash': 'abc123', team: 'payments' },
      annotations: { 'kubernetes.io/config.mirror': '6b3ca2f0d7e5e8bb5ffd4f0bc1a9a6c1' },
    });
    const w = startWatch({ podLabels: ['app', 'team', 'missing'] });
    assert.ok(await w.waitForSync(5000));
    const info = w.get(p.metadata.uid)!;
    assert.deepEqual(info.labels, { app: 'web', team: 'payments' });
    assert.equal(info.containers.get(app), 'app');
    assert.equal(info.containers.get(side), 'sidecar');
    assert.equal(w.get('6b3ca2f0d7e5e8bb5ffd4f0bc1a9a6c1')?.name, 'web', 'static pod found by its config hash');
  });

  it('reports an unreachable or unauthorized API as stale, with the error, and never throws', async () => {
    const port = api.port;
    await api.stop();
    const w = startWatch();
    await waitUntil(() => w.status().lastError !== null, 5000, 'an error recorded');
    assert.equal(w.status().state, 'connecting');
    assert.equal(w.status().stale, true);
    await api.start(port);
    assert.ok(await w.waitForSync(10_000));
    await w.stop();
    // A wrong token: 401, backoff, no crash.
    const bad = new TestApiServer();
    await bad.start();
    const file = bad.kubeconfig();
    const wrong = new PodWatch({
      nodeName: NODE,
      kubeconfig: file,
      log: silentLogger,
      backoffInitialMs: 20,
      backoffMaxMs: 50,
    });
    Object.defineProperty(bad, 'token', { value: 'different' });
    wrong.start();
    await waitUntil(() => (wrong.status().lastError ?? '').includes('401'), 5000, 'a 401 recorded');
    await wrong.stop();
    await bad.dispose();
  });

  it('uses the in-cluster service account (KUBERNETES_SERVICE_HOST/PORT, token and CA files)', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'ksotel-sa-'));
    const sa = path.join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(path.join(sa, 'token'), api.token);
    writeFileSync(path.join(sa, 'ca.crt'), api.caPem());
    writeFileSync(path.join(sa, 'namespace'), 'kubeskoop');
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = '127.0.0.1';
    process.env.KUBERNETES_SERVICE_PORT = String(api.port);
    try {
      const p = api.upsertPod({ name: 'in-cluster', nodeName: NODE });
      watch = new PodWatch({ nodeName: NODE, serviceAccountRoot: root, log: silentLogger });
      watch.start();
      assert.ok(await watch.waitForSync(10_000), String(watch.status().lastError));
      assert.equal(watch.get(p.metadata.uid)?.name, 'in-cluster');
      assert.equal(watch.server, `https://127.0.0.1:${api.port}`);
    } finally {
      for (const [k, v] of [
        ['KUBERNETES_SERVICE_HOST', saved.host],
        ['KUBERNETES_SERVICE_PORT', saved.port],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('parses container ids and pods defensively', () => {
    assert.equal(containerIdOf('containerd://ABCDEF0123456789'), 'abcdef0123456789');
    assert.equal(containerIdOf('cri-o://' + 'a'.repeat(64)), 'a'.repeat(64));
    assert.equal(containerIdOf(''), undefined);
    assert.equal(containerIdOf('docker://not hex'), undefined);
    assert.equal(podInfoOf({}, []), undefined);
    assert.equal(podInfoOf(null, []), undefined);
    assert.equal(podInfoOf({ metadata: { uid: 'u' } }, []), undefined);
    assert.equal(podInfoOf({ metadata: { uid: 'U1', name: 'n' } }, [])?.uid, 'u1');
  });
});

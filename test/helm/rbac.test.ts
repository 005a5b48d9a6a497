// RBAC sufficiency: the agent, started as the chart starts it (rendered config, args, env and
// capabilities) against a real HTTPS list/watch API server (test/identity/apiserver.ts), names a
// kubelet-like pod; every request it makes is one the chart's ClusterRole allows.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AGENT, agentContainer, render, renderedConfig } from './chart.js';
import { TestApiServer } from '../identity/apiserver.js';
import { cleanupAll, createPod, type TestPod } from '../support/netns.js';
import { freePort, stopPid, waitUntil } from '../support/proc.js';
import { parsePromText } from '../support/prom-text.js';
import { skipBecause } from '../support/strict.js';

const NODE = 'ksotel-helm-node';

interface Rule { apiGroups: string[]; resources: string[]; verbs: string[] }

/** The Kubernetes authorization attributes of a request (core group only, as the agent uses). */
export function requestAttributes(method: string, url: string): { group: string; resource: string; verb: string; namespaced: boolean } {
  const u = new URL(url, 'https://x');
  const m = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?([^/]+)(?:\/([^/]+))?$/.exec(u.pathname);
  if (!m) return { group: '?', resource: u.pathname, verb: method.toLowerCase(), namespaced: false };
  const watch = u.searchParams.get('watch') === 'true' || u.searchParams.get('watch') === '1';
  const verb = method === 'GET' ? (m[3] ? (watch ? 'watch' : 'get') : (watch ? 'watch' : 'list')) : method.toLowerCase();
  return { group: '', resource: m[2]!, verb, namespaced: m[1] !== undefined };
}

function allowed(rules: Rule[], a: { group: string; resource: string; verb: string }): boolean {
  return rules.some((r) => r.apiGroups.includes(a.group) && r.resources.includes(a.resource) && r.verbs.includes(a.verb));
}

describe('helm chart: RBAC covers what the agent asks the Kubernetes API', function () {
  this.timeout(120_000);
  let api: TestApiServer;
  let pod: TestPod;
  let agent: ChildProcess | undefined;
  let dir: string;
  const seen: { method: string; url: string }[] = [];

  before(async function () {
    if (process.getuid?.() !== 0) skipBecause(this, 'not root: the agent runs as root against the test API server');
    api = new TestApiServer({ bookmarkIntervalMs: 500 });
    await api.start();
    // record every request the server gets (the server's own handler still answers it)
    (api as unknown as { server: { on(e: 'request', f: (req: IncomingMessage) => void): void } }).server
      .on('request', (req: IncomingMessage) => seen.push({ method: req.method ?? '?', url: req.url ?? '/' }));
    pod = await createPod({ label: 'rbac', veth: false, cgroup: { qos: 'burstable' } });
    api.upsertPod({ name: 'web-0', namespace: 'shop', uid: pod.cgroup!.podUid, nodeName: NODE, containers: { app: pod.cgroup!.containerId } });
    api.upsertPod({ name: 'elsewhere', namespace: 'shop', nodeName: 'other-node' });
    dir = mkdtempSync(path.join(tmpdir(), 'ksotel-helm-rbac-'));
    chmodSync(dir, 0o755);
  });
  after(async () => {
    if (agent?.pid) await stopPid(agent.pid, 12_000);
    await api?.dispose();
    await cleanupAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the agent names the pod through the API, with only get/list/watch on pods', async () => {
    // In a cluster the agent uses its ServiceAccount; here a kubeconfig points it at the test server.
    const r = await render({ config: { interval: '1s', kubernetes: { kubeconfig: api.kubeconfig() } } });
    const role = r.one('ClusterRole');
    const c = agentContainer(r);
    const cfg = path.join(dir, 'config.yaml');
    writeFileSync(cfg, renderedConfig(r), { mode: 0o644 });
    const port = await freePort();
    const args = (c.args as string[]).map((a) => a.startsWith('--config=') ? `--config=${cfg}` : a.startsWith('--proc-root=') ? '--proc-root=/proc' : a.startsWith('--port=') ? `--port=${port}` : a);
    const caps = ['-all', ...(c.securityContext.capabilities.add as string[]).map((x) => `+${x.toLowerCase()}`)].join(',');
    let out = '';
    agent = spawn('setpriv', [`--inh-caps=${caps}`, `--bounding-set=${caps}`, '--', process.execPath, AGENT, ...args, '--address=127.0.0.1'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_NAME: NODE } });
    agent.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
    agent.stderr!.on('data', (b: Buffer) => { out += b.toString(); });
    const inode = String(pod.netns.inode);
    await waitUntil(async () => {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
      if (!res?.ok) return false;
      return parsePromText(await res.text()).samples.some((s) => s.labels.kubeskoop_netns_inode === inode && s.labels.k8s_pod_name === 'web-0');
    }, 60_000, 'the pod named web-0 on /metrics', 250).catch((e: Error) => { throw new Error(`${e.message}\n${out.slice(0, 3000)}`); });
    assert.ok(seen.length >= 2, 'the agent listed and watched');
    const attrs = seen.map((s) => ({ ...requestAttributes(s.method, s.url), url: s.url }));
    for (const a of attrs) {
      assert.ok(allowed(role.rules as Rule[], a), `${a.verb} ${a.resource} (${a.url}) is not allowed by the ClusterRole`);
      assert.ok(!a.namespaced || a.verb === 'get', 'cluster-wide list/watch, hence a ClusterRole');
      assert.match(a.url, new RegExp(`fieldSelector=spec\\.nodeName%3D${NODE}`), 'only this node\'s pods');
    }
    assert.deepEqual([...new Set(attrs.map((a) => a.verb))].sort(), ['list', 'watch']);
  });

  it('the verb mapping used above', () => {
    assert.deepEqual(requestAttributes('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dn'), { group: '', resource: 'pods', verb: 'list', namespaced: false });
    assert.equal(requestAttributes('GET', '/api/v1/pods?watch=true').verb, 'watch');
    assert.equal(requestAttributes('GET', '/api/v1/namespaces/a/pods/b').verb, 'get');
    assert.equal(requestAttributes('DELETE', '/api/v1/namespaces/a/pods/b').verb, 'delete');
  });
});

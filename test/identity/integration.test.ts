// Identity end to end, as root: "pods" are network namespaces with a process inside a real cgroup
// named as the kubelet's systemd driver names it; a real HTTPS list/watch server serves the matching
// Pod objects; the real agent CLI must put the right pod names on /metrics (scraped directly and by
// a real Prometheus) and on OTLP (one Resource per pod), name the metrics after the kind of target
// (system.* for the host, k8s.pod.* for pods, kubeskoop.* for the rest), follow renames, deletions
// and re-creations, and keep the last names (saying so in /status) through an API outage.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import {
  cleanupAll,
  createNetns,
  createPod,
  createPodCgroup,
  type Netns,
  type PodCgroup,
  type TestPod,
} from '../support/netns.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { startPrometheus, type Prometheus } from '../support/prometheus.js';
import { startAgentProcess, type AgentProcess } from '../support/agent.js';
import { stopPid, waitUntil, sleep } from '../support/proc.js';
import { TestApiServer } from './apiserver.js';
import { NETDEV_IO_NAMES, NODE, identityByInode, samplesOf, writeConfig } from './helpers.js';
import { parsePromText } from '../support/prom-text.js';
import { METRICS } from '../../semconv/generated/registry.js';
import { promName, promSeriesNames } from '../../semconv/lib/prom-names.js';
import type { MetricDefinition } from '../../semconv/types.js';

describe('identity end to end (root): kubelet-like pods + real list/watch API → agent → /metrics, Prometheus, OTLP', function () {
  this.timeout(180_000);
  let api: TestApiServer;
  let receiver: OtlpReceiver | undefined;
  let prom: Prometheus | undefined;
  let agent: AgentProcess | undefined;
  let cfgDir: string | undefined;
  let hostNetProc: ChildProcess | undefined;
  let hostNetCg: PodCgroup | undefined;
  const pods: TestPod[] = [];
  let plain: Netns;

  const scrape = async (): Promise<Map<string, Record<string, string>>> =>
    identityByInode(samplesOf((await agent!.get('/metrics')).text));
  const status = async (): Promise<any> => JSON.parse((await agent!.get('/status')).text);
  const serve = (p: TestPod, name: string, extra: Record<string, string> = {}): void => {
    api.upsertPod({
      name,
      namespace: 'shop',
      uid: p.cgroup!.podUid,
      nodeName: NODE,
      containers: { app: p.cgroup!.containerId },
      labels: { app: name.split('-')[0]!, tier: 'frontend', ...extra },
    });
  };

  before(async () => {
    api = new TestApiServer({ bookmarkIntervalMs: 500 });
    await api.start();
    for (const qos of ['burstable', 'besteffort', 'guaranteed'] as const) {
      pods.push(await createPod({ label: `id-${qos}`, veth: false, cgroup: { qos } }));
    }
    serve(pods[0]!, 'web-0');
    serve(pods[1]!, 'web-1');
    serve(pods[2]!, 'db-0');
    plain = await createNetns({ label: 'plain' });
    // A hostNetwork pod: a process in the host's namespace, in a pod cgroup.
    hostNetCg = await createPodCgroup({ qos: 'burstable' });
    hostNetProc = spawn('sleep', ['600'], { stdio: 'ignore' });
    await hostNetCg.addPid(hostNetProc.pid!);
    api.upsertPod({
      name: 'node-exporter-x',
      namespace: 'monitoring',
      uid: hostNetCg.podUid,
      nodeName: NODE,
      hostNetwork: true,
      containers: { exporter: hostNetCg.containerId },
    });
    // Pods of another node must not be cached.
    api.upsertPod({ name: 'elsewhere', namespace: 'shop', nodeName: 'other-node' });

    receiver = await startOtlpReceiver({ http: false });
    const cfg = writeConfig(
      [
        `node_name: ${NODE}`,
        'interval: 1s',
        'metrics:',
        '  probes: [netdev, sock, conntrack, io, fd]',
        'otlp:',
        `  endpoint: ${receiver.grpcEndpoint}`,
        '  protocol: grpc',
        '  export_interval: 1s',
        'kubernetes:',
        `  kubeconfig: ${api.kubeconfig()}`,
        '  pod_labels: [app]',
        '',
      ].join('\n'),
    );
    cfgDir = cfg.dir;
    agent = await startAgentProcess({ args: ['-c', cfg.file] });
    prom = await startPrometheus({ targets: [`127.0.0.1:${agent.port}`], scrapeIntervalSeconds: 1 });
    await prom.waitForTargetsUp(30_000);
  });

  after(async () => {
    await agent?.stop();
    await prom?.stop();
    await receiver?.close();
    await api?.dispose();
    if (hostNetProc?.pid) await stopPid(hostNetProc.pid, 1000);
    await hostNetCg?.dispose();
    await cleanupAll();
    if (cfgDir) rmSync(cfgDir, { recursive: true, force: true });
  });

  it('/metrics names every pod namespace, the host as the node, and a plain namespace by its name', async () => {
    const ids = await waitUntil(
      async () => {
        const m = await scrape();
        return pods.every((p) => m.get(String(p.netns.inode))?.k8s_pod_name !== undefined) ? m : undefined;
      },
      20_000,
      'every pod named on /metrics',
    );
    const expect = [
      ['web-0', 'web'],
      ['web-1', 'web'],
      ['db-0', 'db'],
    ] as const;
    pods.forEach((p, i) => {
      assert.deepEqual(
        ids.get(String(p.netns.inode)),
        {
          k8s_pod_name: expect[i]![0],
          k8s_namespace_name: 'shop',
          k8s_pod_uid: p.cgroup!.podUid,
          kubeskoop_target_kind: 'pod',
          kubeskoop_netns_name: p.netns.name,
          k8s_pod_label_app: expect[i]![1],
        },
        `pod ${i}: only the allow-listed label (app), not tier`,
      );
    });
    assert.deepEqual(ids.get(String(plain.inode)), {
      kubeskoop_target_kind: 'netns',
      kubeskoop_netns_name: plain.name,
    });
    const host = [...ids.values()].filter((v) => v.kubeskoop_target_kind === 'host');
    assert.equal(host.length, 1);
    assert.equal(host[0]!.k8s_node_name, NODE);
    assert.equal(host[0]!.k8s_pod_name, undefined, 'the host namespace is not named after a hostNetwork pod');
    const st = await status();
    assert.equal(st.identity.source, 'kubernetes-api');
    assert.equal(st.identity.kubernetes.state, 'synced');
    assert.equal(st.identity.kubernetes.pods, 4, 'the four pods of this node, not the other node’s');
    assert.ok(st.identity.hostNetworkPods >= 1, 'the hostNetwork pod’s process was found in the host namespace');
  });

  it('a real Prometheus scraping the agent has the pod names', async () => {
    const r = await prom!.waitForQuery(
      `${NETDEV_IO_NAMES.pod}{k8s_pod_name="db-0",k8s_namespace_name="shop",network_interface_name="lo"}`,
      (v) => v.length === 2,
      20_000,
    );
    for (const s of r) assert.equal(s.metric.kubeskoop_netns_inode, String(pods[2]!.netns.inode));
  });

  it('names follow the kind of target: system.* for the host only, k8s.pod.* for pods, kubeskoop.* for the rest', async () => {
    const text = (await agent!.get('/metrics')).text;
    const byInode = (name: string): Set<string> =>
      new Set(samplesOf(text, name).map((x) => x.labels.kubeskoop_netns_inode!));
    const hostInode = [...identityByInode(samplesOf(text)).entries()].find(
      ([, v]) => v.kubeskoop_target_kind === 'host',
    )![0];
    assert.deepEqual([...byInode('system_network_io_bytes_total')], [hostInode], 'system.network.io: the host only');
    for (const p of pods.slice(0, 3)) {
      assert.ok(
        byInode('k8s_pod_network_io_bytes_total').has(String(p.netns.inode)),
        'k8s.pod.network.io for each pod',
      );
      assert.ok(
        byInode('k8s_pod_network_errors_total').has(String(p.netns.inode)),
        'k8s.pod.network.errors for each pod',
      );
      assert.ok(
        byInode('kubeskoop_network_packet_count_total').has(String(p.netns.inode)),
        'packets, which semconv does not name for pods',
      );
    }
    assert.deepEqual(
      [...byInode('kubeskoop_network_io_bytes_total')].filter((i) => i === String(plain.inode)),
      [String(plain.inode)],
      'the plain namespace',
    );
    assert.ok(!byInode('k8s_pod_network_io_bytes_total').has(String(plain.inode)));
    // Every series of every registry metric is on a kind of target the registry names it for
    // (node-wide values such as the conntrack limit on the host only; process sums never process.*).
    const families = new Map<string, MetricDefinition[]>();
    for (const m of METRICS)
      for (const n of promSeriesNames(promName(m.name, m.instrument, m.unit), m.instrument))
        families.set(n, [...(families.get(n) ?? []), m]);
    const wrong: string[] = [];
    const checked = new Map<string, number>();
    for (const x of parsePromText(text).samples) {
      const kind = x.labels.kubeskoop_target_kind;
      const defs = families.get(x.name);
      // a target's series (kubeskoop.agent.target.count uses the kind as a dimension, not as an identity)
      if (kind === undefined || x.labels.kubeskoop_netns_inode === undefined || defs === undefined) continue;
      checked.set(kind, (checked.get(kind) ?? 0) + 1);
      if (!defs.some((d) => d.entities.includes(kind as 'host'))) wrong.push(`${x.name} on a ${kind} target`);
    }
    assert.deepEqual([...new Set(wrong)], []);
    for (const kind of ['host', 'pod', 'netns'])
      assert.ok((checked.get(kind) ?? 0) >= 20, `${checked.get(kind) ?? 0} series of ${kind} targets checked`);
    assert.ok(!/^process_/m.test(text), "no process.* name for sums over a target's processes");
    assert.equal(
      samplesOf(text, 'kubeskoop_conntrack_entry_limit').filter((x) => x.labels.kubeskoop_target_kind !== 'host')
        .length,
      0,
    );
  });

  it("OTLP: one Resource per pod (k8s.pod.uid, k8s.pod.name, k8s.namespace.name, k8s.node.name), the host under the node's, a plain namespace under its own", async () => {
    for (const [i, name] of [
      [0, 'web-0'],
      [1, 'web-1'],
      [2, 'db-0'],
    ] as const) {
      const inode = pods[i]!.netns.inode;
      const pts = await receiver!.waitForMetric(
        'k8s.pod.network.io',
        (p) => p.resource['k8s.pod.name'] === name && p.resource['kubeskoop.netns.inode'] === inode,
        20_000,
      );
      const r = pts[0]!.resource;
      assert.equal(r['k8s.pod.uid'], pods[i]!.cgroup!.podUid);
      assert.equal(r['k8s.namespace.name'], 'shop');
      assert.equal(r['k8s.node.name'], NODE);
      assert.equal(r['kubeskoop.target.kind'], 'pod');
      assert.equal(r['service.instance.id'], undefined, "the pod's resource, not the agent's");
      // The identity is on the resource only, and every point of this pod shares that one resource.
      const mine = receiver!.latestMetrics().filter((p) => p.resource['k8s.pod.uid'] === pods[i]!.cgroup!.podUid);
      assert.ok(mine.length > 20, `${mine.length} points of ${name}`);
      assert.equal(
        new Set(mine.map((p) => JSON.stringify(Object.entries(p.resource).sort()))).size,
        1,
        `one resource for ${name}`,
      );
      for (const p of mine)
        for (const k of ['k8s.pod.name', 'k8s.pod.uid', 'k8s.namespace.name', 'kubeskoop.netns.inode'])
          assert.equal(p.attributes[k], undefined, `${p.name} carries ${k} as a point attribute`);
      assert.ok(!mine.some((p) => p.name.startsWith('system.')), 'no system.* name under a pod');
    }
    // Several pods in one request, each under its own resource.
    const req = receiver!.requests.filter((q) => q.signal === 'metrics' && q.accepted).at(-1)!;
    const uids = (
      req.body.resourceMetrics as { resource: { attributes: { key: string; value: { stringValue?: string } }[] } }[]
    )
      .map((rm) => rm.resource.attributes.find((a) => a.key === 'k8s.pod.uid')?.value.stringValue)
      .filter((u) => u !== undefined);
    assert.equal(new Set(uids).size, uids.length, 'one ResourceMetrics per pod in a request');
    const host = await receiver!.waitForMetric('system.network.io', undefined, 10_000);
    assert.equal(host[0]!.resource['kubeskoop.target.kind'], 'host');
    assert.equal(host[0]!.resource['k8s.node.name'], NODE);
    const net = await receiver!.waitForMetric(
      'kubeskoop.network.io',
      (p) => p.resource['kubeskoop.netns.inode'] === plain.inode,
      10_000,
    );
    assert.equal(net[0]!.resource['kubeskoop.netns.name'], plain.name);
    const own = await receiver!.waitForMetric('kubeskoop.agent.target.count', undefined, 10_000);
    assert.equal(own[0]!.resource['service.instance.id'], NODE, "the node agent is its node's instance");
    // The hostNetwork pod's processes: under its own pod resource too.
    await receiver!.waitForMetric('kubeskoop.disk.io', (p) => p.resource['k8s.pod.name'] === 'node-exporter-x', 20_000);
  });

  it('follows a rename (same UID, new name): the old name disappears', async () => {
    serve(pods[0]!, 'web-0-renamed');
    const inode = String(pods[0]!.netns.inode);
    await waitUntil(
      async () => (await scrape()).get(inode)?.k8s_pod_name === 'web-0-renamed',
      15_000,
      'the new name on /metrics',
    );
    const text = (await agent!.get('/metrics')).text;
    assert.ok(!text.includes('k8s_pod_name="web-0"'), 'no series keeps the old name');
    await receiver!.waitForMetric('k8s.pod.network.io', (p) => p.resource['k8s.pod.name'] === 'web-0-renamed', 15_000);
  });

  it('follows a delete and a re-create under the same name (new UID, new namespace)', async () => {
    const old = pods[1]!;
    api.deletePod('shop', 'web-1');
    await old.dispose();
    const oldUid = old.cgroup!.podUid;
    await waitUntil(
      async () => !(await agent!.get('/metrics')).text.includes(oldUid),
      15_000,
      'the deleted pod’s series gone',
    );
    const fresh = await createPod({ label: 'id-recreated', veth: false, cgroup: { qos: 'burstable' } });
    pods[1] = fresh;
    serve(fresh, 'web-1');
    const ids = await waitUntil(
      async () => {
        const m = await scrape();
        return m.get(String(fresh.netns.inode))?.k8s_pod_name === 'web-1' ? m : undefined;
      },
      15_000,
      'the re-created pod named',
    );
    assert.equal(ids.get(String(fresh.netns.inode))!.k8s_pod_uid, fresh.cgroup!.podUid);
    assert.ok(![...ids.values()].some((v) => v.k8s_pod_uid === oldUid));
  });

  it('a pod the API does not know yet is a pod by UID only, named as soon as the API has it', async () => {
    const p = await createPod({ label: 'id-unknown', veth: false, cgroup: { qos: 'besteffort' } });
    pods.push(p);
    const inode = String(p.netns.inode);
    const before = await waitUntil(async () => (await scrape()).get(inode), 15_000, 'the new namespace on /metrics');
    assert.deepEqual(before, {
      kubeskoop_target_kind: 'pod',
      k8s_pod_uid: p.cgroup!.podUid,
      kubeskoop_netns_name: p.netns.name,
    });
    assert.ok((await status()).identity.unresolvedPods >= 1);
    serve(p, 'late-0');
    await waitUntil(async () => (await scrape()).get(inode)?.k8s_pod_name === 'late-0', 15_000, 'named once served');
  });

  it('keeps running with the last names through an API outage, says so in /status, and catches up after', async () => {
    await api.stop();
    await waitUntil(async () => (await status()).identity.kubernetes.stale === true, 15_000, '/status stale');
    const cycle = (await status()).lastCycle.cycle;
    await sleep(3000);
    const st = await status();
    assert.ok(st.lastCycle.cycle >= cycle + 2, 'cycles go on during the outage');
    assert.equal(st.identity.kubernetes.state, 'stale');
    assert.ok(st.identity.kubernetes.staleSeconds >= 2, `staleSeconds ${st.identity.kubernetes.staleSeconds}`);
    assert.ok(st.identity.kubernetes.lastError, 'the error is reported');
    assert.equal((await agent!.get('/healthz')).status, 200);
    const ids = await scrape();
    assert.equal(ids.get(String(pods[2]!.netns.inode))?.k8s_pod_name, 'db-0', 'last known name kept');
    assert.equal(ids.get(String(pods[0]!.netns.inode))?.k8s_pod_name, 'web-0-renamed');
    // Changed while the API was unreachable from the agent: seen after it comes back.
    serve(pods[2]!, 'db-0-after-outage');
    await api.start();
    await waitUntil(
      async () => (await scrape()).get(String(pods[2]!.netns.inode))?.k8s_pod_name === 'db-0-after-outage',
      30_000,
      'caught up after the outage',
    );
    await waitUntil(async () => (await status()).identity.kubernetes.state === 'synced', 10_000, 'synced again');
    assert.equal(
      agent!.logs().filter((l) => l.level === 'error').length,
      0,
      `no error logged: ${JSON.stringify(agent!.logs().filter((l) => l.level === 'error'))}`,
    );
  });
});

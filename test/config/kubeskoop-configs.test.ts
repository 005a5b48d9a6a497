// Every config KubeSkoop ships, as a KubeSkoop user has it, must start the agent unchanged: its Helm
// chart's configmap rendered by the real helm (default values: additionalLabels renders as null;
// the values' own additionalLabels example), the skoopbundle and net-exporter configs, the vagrant
// deploy's v0.1 config (debugMode in camelCase) and what its controller writes. The content of
// KubeSkoop's files is kept as data under test/fixtures/kubeskoop (github.com/alibaba/kubeskoop, deploy/, HEAD 70355a7).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../receiver/config/load.js';
import { probeCapabilities } from '../../receiver/agent.js';
import type { AgentConfig } from '../../receiver/config/types.js';
import { waitUntil } from '../support/proc.js';
import { startAgentWithConfig, waitForProbesRunning } from '../support/agent.js';
import { cleanupAll, createPod, type TestPod } from '../support/netns.js';
import { TestApiServer } from '../identity/apiserver.js';
import { kubeskoopFile, renderKubeSkoopChart } from '../support/kubeskoop-deploy.js';
import { parsePromText } from '../support/prom-text.js';

/** KubeSkoop's deploy configs (test/fixtures/kubeskoop/deploy): skoopbundle, net-exporter, the vagrant v0.1 one; what its controller writes. */
const SKOOPBUNDLE = kubeskoopFile('deploy/skoopbundle-config.yaml');
const NET_EXPORTER = kubeskoopFile('deploy/net-exporter-config.yaml');
const VAGRANT_V01 = kubeskoopFile('deploy/vagrant-exporter-config.yaml');
const CONTROLLER_WRITTEN = kubeskoopFile('controller-written.yaml');

describe('config: every config KubeSkoop ships starts the agent unchanged', function () {
  this.timeout(240_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ksotel-kscfg-'));
  });
  after(async () => {
    await cleanupAll();
    rmSync(dir, { recursive: true, force: true });
  });

  const write = (name: string, text: string): string => {
    const f = join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  const load = (file: string, env: Record<string, string> = {}): AgentConfig =>
    loadConfig({ file, env, flags: {}, probes: probeCapabilities() });

  /** Starts the real agent with the file, checks /status, stops it. */
  const startAndStatus = async (name: string, text: string, expectRunning: string[]): Promise<Record<string, any>> => {
    const sub = join(dir, name);
    mkdirSync(sub, { recursive: true });
    // The first cycle covers every namespace of a shared, loaded machine: a generous start.
    const agent = await startAgentWithConfig(sub, text, { running: expectRunning, timeoutMs: 60_000 });
    try {
      const res = await agent.get('/status');
      assert.equal(res.status, 200);
      return JSON.parse(res.text) as Record<string, any>;
    } finally {
      assert.equal(await agent.stop(), 0, 'the agent exits cleanly');
    }
  };

  it('the Helm chart’s default (metrics.additionalLabels: null) loads and runs', async () => {
    const text = await renderKubeSkoopChart();
    assert.match(text, /additionalLabels:\n\s+null\n/, 'helm renders the unset value as null');
    const c = load(write('helm-default.yaml', text));
    assert.equal(c.source.format, 'kubeskoop-v1');
    assert.deepEqual(c.metrics.additionalLabels, []);
    assert.ok(!c.warnings.some((w) => w.includes('additionalLabels')));
    // Every probe of KubeSkoop's chart runs here, flow included (issue 17).
    assert.deepEqual(
      c.unsupported.map((u) => u.canonical),
      [],
    );
    assert.equal(c.prometheus.names, 'both');
    const s = await startAndStatus('helm-default', text, ['netdev', 'flow', 'tcpreset', 'packetloss', 'tcpretrans']);
    const metrics = s.inuse_probes.metrics as { name: string; state: string }[];
    assert.deepEqual(metrics.find((p) => p.name === 'flow')?.state, 'running');
    for (const n of [
      'conntrack',
      'qdisc',
      'netdev',
      'io',
      'sock',
      'tcpsummary',
      'tcp',
      'tcpext',
      'udp',
      'packetloss',
      'tcpretrans',
    ]) {
      assert.ok(
        metrics.some((p) => p.name === n),
        `${n} in /status`,
      );
    }
    assert.deepEqual((s.inuse_probes.event as { name: string }[]).map((p) => p.name).sort(), [
      'packetloss',
      'tcpreset',
      'tcpretrans',
    ]);
  });

  it('the Helm chart with additionalLabels set, as its values suggest', async () => {
    const text = await renderKubeSkoopChart(
      'config:\n  additionalLabels:\n    - application=${labels:application}\n    - environment=prod\n',
    );
    const c = load(write('helm-labels.yaml', text));
    assert.deepEqual(c.metrics.additionalLabels, [
      { name: 'application', template: '${labels:application}' },
      { name: 'environment', template: 'prod' },
    ]);
    assert.deepEqual(c.kubernetes?.podLabels, ['application'], 'the pod label it reads is fetched from the API');
    const s = await startAndStatus('helm-labels', text, ['netdev']);
    assert.ok(Array.isArray(s.inuse_probes.metrics));
  });

  it('skoopbundle.yaml (loki sink at loki-service, socketlatency)', async () => {
    const c = load(write('bundle.yaml', SKOOPBUNDLE));
    assert.equal(c.log.level, 'debug');
    assert.deepEqual(c.events.sinks, [
      { kind: 'stderr' },
      { kind: 'loki', address: 'loki-service', protocol: 'push', encoding: 'json' },
    ]);
    const s = await startAndStatus('bundle', SKOOPBUNDLE, ['netdev', 'socketlatency']);
    assert.ok((s.inuse_probes.metrics as { name: string }[]).some((p) => p.name === 'socketlatency'));
  });

  it('net-exporter-config.yaml (biolatency and kernellatency events)', async () => {
    const c = load(write('net-exporter.yaml', NET_EXPORTER));
    assert.ok(c.events.probes.some((p) => p.name === 'biolatency'));
    const s = await startAndStatus('net-exporter', NET_EXPORTER, ['netdev', 'biolatency']);
    assert.ok((s.inuse_probes.event as { name: string }[]).some((p) => p.name === 'biolatency'));
  });

  it('the vagrant deploy’s v0.1 config with debugMode in camelCase (viper matched keys in any case)', async () => {
    const c = load(write('vagrant.yaml', VAGRANT_V01));
    assert.equal(c.source.format, 'kubeskoop-v0');
    assert.equal(c.log.level, 'debug');
    assert.equal(c.intervalMs, 15_000);
    assert.ok(
      c.metrics.probes.some((p) => p.name === 'net_softirq') ||
        c.unsupported.some((u) => u.canonical === 'net_softirq'),
    );
    const s = await startAndStatus('vagrant', VAGRANT_V01, ['netdev']);
    assert.equal(s.procnetdev, true);
  });

  it('what KubeSkoop’s controller writes (yaml.v3: address "", args {} and null, additionalLabels [])', async () => {
    const c = load(write('controller.yaml', CONTROLLER_WRITTEN));
    assert.deepEqual(c.server.port, 9102);
    assert.ok(
      c.metrics.probes.some(
        (p) => p.name === 'net_softirq' && JSON.stringify(p.options) === '{"softirq-types":["net_rx"]}',
      ),
    );
    const s = await startAndStatus('controller', CONTROLLER_WRITTEN, ['netdev']);
    assert.ok((s.inuse_probes.event as { name: string }[]).some((p) => p.name === 'tcpreset'));
  });
});

describe('config: KubeSkoop’s additionalLabels on every series, legacy and OTel', function () {
  this.timeout(120_000);
  const NODE = 'ks-labels-node';
  let dir: string;
  let api: TestApiServer;
  let pod: TestPod;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ksotel-kslabels-'));
    api = new TestApiServer();
    await api.start();
    pod = await createPod({ label: 'ks-lbl', cgroup: true });
    api.upsertPod({
      name: 'web-0',
      namespace: 'shop',
      uid: pod.cgroup!.podUid,
      nodeName: NODE,
      labels: { application: 'web' },
      containers: { app: pod.cgroup!.containerId },
    });
  });
  after(async () => {
    await api?.dispose();
    await cleanupAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('each label after k8s_node, k8s_namespace, k8s_pod on kubeskoop_* (the pod’s value, "" for the host), and on the OTel series', async () => {
    const agent = await startAgentWithConfig(
      dir,
      `port: 9102
metrics:
  additionalLabels:
  - application=\${labels:application}
  - environment=prod
  probes:
  - name: netdev
`,
      {
        env: { KUBECONFIG: api.kubeconfig(), INSPECTOR_NODENAME: NODE },
        args: ['--interval', '1s'],
        timeoutMs: 60_000,
      },
    );
    try {
      await waitForProbesRunning(agent, ['netdev']);
      const text = await waitUntil(
        async () => {
          const t = (await agent.get('/metrics')).text;
          return t.includes('k8s_pod="web-0"') ? t : false;
        },
        30_000,
        'the pod named on /metrics',
      );
      assert.match(
        text,
        new RegExp(
          `^kubeskoop_netdev_rxbytes\\{k8s_node="${NODE}",k8s_namespace="shop",k8s_pod="web-0",application="web",environment="prod"\\} \\d+$`,
          'm',
        ),
      );
      assert.match(
        text,
        new RegExp(
          `^kubeskoop_netdev_rxbytes\\{k8s_node="${NODE}",k8s_namespace="",k8s_pod="",application="",environment="prod"\\} \\d+$`,
          'm',
        ),
      );
      // The OTel names carry them as attributes (the same attributes go out over OTLP).
      const otel = parsePromText(text).samples.filter(
        (s) => s.labels['k8s_pod_name'] === 'web-0' && !s.name.startsWith('kubeskoop_netdev_'),
      );
      assert.ok(otel.length > 0);
      for (const s of otel)
        assert.deepEqual([s.labels['application'], s.labels['environment']], ['web', 'prod'], s.name);
    } finally {
      await agent.stop();
    }
  });
});

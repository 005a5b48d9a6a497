// Every config KubeSkoop ships, as a KubeSkoop user has it, must start the agent unchanged: its Helm
// chart's configmap rendered by the real helm (default values: additionalLabels renders as null;
// the values' own additionalLabels example), the skoopbundle and net-exporter configs, the vagrant
// deploy's v0.1 config (debugMode in camelCase) and what its controller writes. The content of
// KubeSkoop's files is written here as data (github.com/alibaba/kubeskoop, deploy/, HEAD 70355a7).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../receiver/config/load.js';
import { probeCapabilities } from '../../receiver/agent.js';
import type { AgentConfig } from '../../receiver/config/types.js';
import { helmBin } from '../helm/chart.js';
import { run, waitUntil } from '../support/proc.js';
import { startAgentWithConfig, waitForProbesRunning } from '../support/agent.js';
import { cleanupAll, createPod, type TestPod } from '../support/netns.js';
import { TestApiServer } from '../identity/apiserver.js';
import { parsePromText } from '../support/prom-text.js';

/** deploy/helm/templates/configmap.yaml */
const CHART_CONFIGMAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: kubeskoop-config
  namespace: {{ .Release.Namespace }}
data:
  config.yaml: |-
    debugmode: {{ .Values.agent.config.debug }}
    port: {{ .Values.agent.config.port }}
    enableController: {{ .Values.controller.enabled }}
    metrics:
      additionalLabels:
      {{- toYaml .Values.config.additionalLabels | nindent 8 }}
      probes:
      {{- toYaml .Values.config.metricProbes | nindent 6 }}
    event:
      probes:
      {{- toYaml .Values.config.eventProbes | nindent 6 }}
      sinks:
      {{- toYaml .Values.config.eventSinks | nindent 6 }}
`;

/** deploy/helm/values.yaml: the keys the configmap reads, with their defaults (additionalLabels commented out). */
const CHART_VALUES = `config:
#  additionalLabels:
#    - application=\${labels:application}
  metricProbes:
    - name: conntrack
    - name: qdisc
    - name: netdev
    - name: io
    - name: sock
    - name: tcpsummary
    - name: tcp
    - name: tcpext
    - name: udp
    - name: packetloss
    - name: flow
      args:
        enablePortInLabel: false
    - name: tcpretrans
  eventProbes:
    - name: tcpreset
    - name: packetloss
      args:
        enableStack: false
    - name: tcpretrans
  eventSinks:
    - name: stderr

agent:
  config:
    debug: false
    port: 9102

controller:
  enabled: true
`;

const CHART_YAML = 'apiVersion: v1\nname: kubeskoop\nversion: 1.0.3\nappVersion: 1.0.1\n';

/** deploy/skoopbundle.yaml, ConfigMap kubeskoop-config */
const SKOOPBUNDLE = `debugMode: true
port: 9102
enableController: true
metrics:
  probes:
  - name: conntrack
  - name: qdisc
  - name: netdev
  - name: io
  - name: sock
  - name: tcpsummary
  - name: tcp
  - name: tcpext
  - name: udp
  - name: socketlatency
  - name: packetloss
  - name: flow
    args:
      enablePortInLabel: false
  - name: tcpretrans
event:
  probes:
  - name: tcpreset
  - name: packetloss
    args:
      enableStack: false
  - name: tcpretrans
  sinks:
  - name: stderr
  - name: loki
    args:
      addr: loki-service
`;

/** deploy/net-exporter-config.yaml */
const NET_EXPORTER = `debugMode: true
port: 9102
enableController: true
metrics:
  probes:
  - name: conntrack
  - name: qdisc
  - name: netdev
  - name: io
  - name: sock
  - name: tcpsummary
  - name: tcp
  - name: tcpext
  - name: udp
  - name: kernellatency
  - name: packetloss
  - name: flow
    args:
      enablePortInLabel: false
  - name: tcpretrans
event:
  probes: 
  - name: biolatency
  - name: kernellatency
  - name: packetloss
    args:
      enableStack: false
  - name: tcpreset
  - name: tcpretrans
  sinks: 
  - name: stderr
`;

/** deploy/vagrant-exporter/deploy/skoop-deploy.yaml, ConfigMap kubeskoop-config (v0.1 format) */
const VAGRANT_V01 = `debugMode: true
metric_config:
  interval: 15
  port: 9102
  probes:
  - netdev
  - io
  - socketlatency
  - packetloss
  - sock
  - tcpsummary
  - tcp
  - tcpext
  - udp
  - softirq
  - virtcmdlatency
event_config:
  port: 19102
  loki_enable: true
  loki_address: loki-service
  probes:
  - tcpreset
  - packetloss
`;

/** What KubeSkoop's controller writes (pkg/controller/service/config.go: yaml.v3 of InspServerConfig). */
const CONTROLLER_WRITTEN = `debugMode: false
port: 9102
address: ""
enableController: true
controllerAddr: ""
metrics:
    probes:
        - name: netdev
          args: {}
        - name: softirq
          args:
            softirq-types:
                - net_rx
        - name: virtcmdLatency
          args: {}
    additionalLabels: []
event:
    sinks:
        - name: stderr
          args: null
    probes:
        - name: tcpreset
          args: {}
        - name: conntrack
          args: {}
`;

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

  /** KubeSkoop's chart (its configmap and values) rendered by the real helm; the config.yaml it writes. */
  const renderChart = async (values?: string): Promise<string> => {
    const chart = join(dir, `chart-${Math.random().toString(36).slice(2)}`);
    mkdirSync(join(chart, 'templates'), { recursive: true });
    writeFileSync(join(chart, 'Chart.yaml'), CHART_YAML);
    writeFileSync(join(chart, 'values.yaml'), CHART_VALUES);
    writeFileSync(join(chart, 'templates', 'configmap.yaml'), CHART_CONFIGMAP);
    const extra: string[] = [];
    if (values !== undefined) {
      writeFileSync(join(chart, 'extra.yaml'), values);
      extra.push('-f', join(chart, 'extra.yaml'));
    }
    const r = await run(helmBin(), ['template', 'kubeskoop', chart, '--namespace', 'kubeskoop', ...extra], {
      timeoutMs: 60_000,
    });
    assert.equal(r.code, 0, r.stderr);
    return (parseYaml(r.stdout) as { data: Record<string, string> }).data['config.yaml']!;
  };
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
    const text = await renderChart();
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
    const text = await renderChart(
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

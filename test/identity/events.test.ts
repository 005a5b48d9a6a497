// Kernel events carry the pod's Kubernetes identity end to end (the product's core promise: which
// pod's network is broken): a kubelet-like pod (network namespace, process in a real pod cgroup)
// served by the real list/watch test server; a refused connect inside it makes the eBPF probe's
// TCPRESET_NOSOCK and packetloss NO_SOCKET, which must reach OTLP with k8s.pod.* on the Resource, and
// the exact in-kernel counts as metrics under the same pod, on OTLP and on /metrics.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { cleanupAll, createPod, tcpConnect, type TestPod } from '../support/netns.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { requireBpf, startAgentProcess, waitForProbesRunning, type AgentProcess } from '../support/agent.js';
import { waitUntil } from '../support/proc.js';
import { TestApiServer } from './apiserver.js';
import { NODE, writeConfig } from './helpers.js';

describe("kernel events with the pod's Kubernetes identity (root): pod cgroup + list/watch API → eBPF → OTLP", function () {
  this.timeout(120_000);
  let api: TestApiServer | undefined;
  let pod: TestPod | undefined;
  let rx: OtlpReceiver | undefined;
  let agent: AgentProcess | undefined;
  let cfgDir: string | undefined;

  before(async function () {
    requireBpf(this);
    api = new TestApiServer({ bookmarkIntervalMs: 500 });
    await api.start();
    pod = await createPod({ label: 'h22-evpod', veth: false, cgroup: { qos: 'burstable' } });
    api.upsertPod({
      name: 'checkout-7d9f',
      namespace: 'shop',
      uid: pod.cgroup!.podUid,
      nodeName: NODE,
      containers: { app: pod.cgroup!.containerId },
      labels: { app: 'checkout' },
    });
    rx = await startOtlpReceiver({ http: false });
    const cfg = writeConfig(
      [
        `node_name: ${NODE}`,
        'interval: 1s',
        'metrics:',
        '  probes: [netdev]',
        'events:',
        '  probes:',
        '    - name: tcpreset',
        '      options: { rate_per_namespace: unlimited, rate_per_node: unlimited }',
        '    - packetloss',
        'otlp:',
        `  endpoint: ${rx.grpcEndpoint}`,
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
    await waitForProbesRunning(agent, ['tcpreset']);
    // The pod is known once its identity is on /metrics (the API cache and the cgroup match).
    await waitUntil(
      async () => (await agent!.get('/metrics')).text.includes('k8s_pod_name="checkout-7d9f"'),
      30_000,
      'the pod named on /metrics',
    );
  });

  after(async () => {
    await agent?.stop();
    await rx?.close();
    await api?.dispose();
    await pod?.dispose();
    await cleanupAll();
    if (cfgDir) rmSync(cfgDir, { recursive: true, force: true });
  });

  it('a refused connect in the pod: TCPRESET_NOSOCK with k8s.pod.name, k8s.namespace.name, k8s.pod.uid on its Resource', async () => {
    assert.equal(await tcpConnect(pod!.netns, '127.0.0.1', 9), 'refused');
    const [rec] = await rx!.waitForLog(
      'kubeskoop.tcp.reset',
      (l) =>
        l.resource['k8s.pod.uid'] === pod!.cgroup!.podUid && l.attributes['kubeskoop.event.type'] === 'TCPRESET_NOSOCK',
      20_000,
    );
    assert.equal(rec!.resource['k8s.pod.name'], 'checkout-7d9f');
    assert.equal(rec!.resource['k8s.namespace.name'], 'shop');
    assert.equal(rec!.resource['k8s.node.name'], NODE);
    assert.equal(rec!.resource['kubeskoop.netns.inode'], pod!.netns.inode);
    assert.equal(rec!.resource['kubeskoop.target.kind'], 'pod');
    assert.equal(rec!.attributes['source.port'], 9);
  });

  it('the in-kernel counts of those events are metrics under the same pod (OTLP and /metrics)', async () => {
    const ofPod = (p: { resource: Record<string, unknown> }): boolean =>
      p.resource['k8s.pod.uid'] === pod!.cgroup!.podUid;
    const seen = (): string =>
      JSON.stringify(
        rx!
          .latestMetrics()
          .filter((p) => p.resource['kubeskoop.netns.inode'] === pod!.netns.inode && p.name.startsWith('kubeskoop.t'))
          .map((p) => [p.name, p.resource['k8s.pod.name'], p.attributes, p.value]),
      );
    try {
      await rx!.waitFor(
        (r) =>
          r
            .latestMetrics()
            .some(
              (p) =>
                ofPod(p) &&
                p.name === 'kubeskoop.tcp.reset.segments' &&
                p.attributes['kubeskoop.event.type'] === 'TCPRESET_NOSOCK' &&
                Number(p.value) >= 1,
            ),
        45_000,
        'NOSOCK resets counted for the pod',
      );
      await rx!.waitFor(
        (r) =>
          r
            .latestMetrics()
            .some(
              (p) =>
                ofPod(p) &&
                p.name === 'kubeskoop.packet.drops' &&
                p.attributes['kubeskoop.drop.reason'] === 'NO_SOCKET' &&
                Number(p.value) >= 1,
            ),
        20_000,
        'NO_SOCKET drops counted for the pod',
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}; the pod namespace's points: ${seen()}`, { cause: err });
    }
    const text = (await agent!.get('/metrics')).text;
    assert.match(
      text,
      /kubeskoop_tcp_reset_segments_total\{[^}]*kubeskoop_event_type="TCPRESET_NOSOCK"[^}]*k8s_pod_name="checkout-7d9f"/,
    );
  });
});

// KubeSkoop's own Grafana dashboards, unchanged, on kubeskoop-otel: a real Prometheus scrapes the
// real agent (running KubeSkoop's Helm-default config) while a test pod, named by a Kubernetes API,
// has TCP and UDP traffic; every panel query of both dashboards that does not use kubeskoop_rdma_*
// (no RDMA device here) must return data, with $node/$namespace/$pod filled as Grafana's
// label_values variables fill them. The queries are KubeSkoop's, written here as data
// (deploy/resource/kubeskoop-exporter-{nodes,pods}-dashboard.json, github.com/alibaba/kubeskoop 70355a7).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupAll, createPod, execInOk, sendUdp, tcpConnect, tcpTransfer, type TestPod } from '../support/netns.js';
import { requireBpf, startAgentWithConfig, type AgentProcess } from '../support/agent.js';
import { startPrometheus, type Prometheus } from '../support/prometheus.js';
import { waitUntil } from '../support/proc.js';
import { TestApiServer } from '../identity/apiserver.js';
import { renderKubeSkoopChart } from '../support/kubeskoop-deploy.js';

interface PanelQuery {
  readonly panel: string;
  readonly expr: string;
}

/** kubeskoop-exporter-nodes-dashboard.json: every target outside the RDMA row; variable $node = label_values(node). */
const NODES: readonly PanelQuery[] = [
  { panel: 'Packet abnormal loss(times） (83)', expr: 'sum(rate(kubeskoop_packetloss_total{k8s_node="$node"}[1m]))' },
  {
    panel: 'Network Device RX bytes (50) Hostnet',
    expr: 'rate(kubeskoop_netdev_rxbytes{k8s_node="$node", k8s_pod=""}[1m])',
  },
  {
    panel: 'Network Device RX bytes (50) pods',
    expr: 'rate(kubeskoop_netdev_rxbytes{k8s_node="$node", k8s_pod!=""}[1m])',
  },
  {
    panel: 'Network Device TX bytes (52) Hostnet',
    expr: 'rate(kubeskoop_netdev_txbytes{k8s_node="$node", k8s_pod=""}[1m])',
  },
  {
    panel: 'Network Device TX bytes (52) pods',
    expr: 'rate(kubeskoop_netdev_txbytes{k8s_node="$node", k8s_pod!=""}[1m])',
  },
  {
    panel: 'Network Device TX errors(times) (58)',
    expr: 'rate(kubeskoop_netdev_txerrors{k8s_node="$node", k8s_pod=""}[1m])',
  },
  {
    panel: 'Network Device RX errors(times) (60)',
    expr: 'rate(kubeskoop_netdev_rxerrors{k8s_node="$node", k8s_pod=""}[1m])',
  },
  {
    panel: 'Network Device TX Packets (88)',
    expr: 'rate(kubeskoop_netdev_txpackets{k8s_node="$node", k8s_pod=""}[1m])',
  },
  {
    panel: 'Network Device RX Packets (85)',
    expr: 'rate(kubeskoop_netdev_rxpackets{k8s_node="$node", k8s_pod=""}[1m])',
  },
  {
    panel: 'TCP Connections (98) timewait',
    expr: 'kubeskoop_tcpsummary_tcptimewaitconn{k8s_node="$node", k8s_pod=""}',
  },
  {
    panel: 'TCP Connections (98) established',
    expr: 'kubeskoop_tcpsummary_tcpestablishedconn{k8s_node="$node", k8s_pod=""}',
  },
  {
    panel: 'TCP Connections (98) closewait',
    expr: 'kubeskoop_tcpsummary_tcpclosewaitconn{k8s_node="$node", k8s_pod=""}',
  },
  { panel: 'TCP Connections (98) synsent', expr: 'kubeskoop_tcpsummary_tcpsynsentconn{k8s_node="$node", k8s_pod=""}' },
  { panel: 'TCP Connections (98) synrecv', expr: 'kubeskoop_tcpsummary_tcpsynrecvconn{k8s_node="$node", k8s_pod=""}' },
  {
    panel: 'TCP Socket Count (101) Hostnet',
    expr: 'kubeskoop_sock_inuse{k8s_node="$node", k8s_pod=""}+kubeskoop_sock_orphan{k8s_node="$node", k8s_pod=""}',
  },
  {
    panel: 'TCP Socket Count (101) pods',
    expr: 'kubeskoop_sock_inuse{k8s_node="$node",k8s_pod!=""}+kubeskoop_sock_orphan{k8s_node="$node", k8s_pod!=""}',
  },
  { panel: 'TCP Queue (99) tx', expr: 'kubeskoop_tcpsummary_tcptxqueue{k8s_node="$node", k8s_pod=""}' },
  { panel: 'TCP Queue (99) rx', expr: 'kubeskoop_tcpsummary_tcprxqueue{k8s_node="$node", k8s_pod=""}' },
  { panel: 'TCP Opens (97) passive', expr: 'rate(kubeskoop_tcp_passiveopens{k8s_node="$node", k8s_pod=""}[1m])' },
  { panel: 'TCP Opens (97) active', expr: 'rate(kubeskoop_tcp_activeopens{k8s_node="$node", k8s_pod=""}[1m])' },
  { panel: 'TCPListenDrops (90)', expr: 'rate(kubeskoop_tcpext_listendrops{k8s_node="$node", k8s_pod=""}[1m])' },
  { panel: 'ListenOverflows (93)', expr: 'rate(kubeskoop_tcpext_listenoverflows{k8s_node="$node", k8s_pod=""}[1m])' },
  { panel: 'TCPSynRetrans (94)', expr: 'rate(kubeskoop_tcpext_tcpsynretrans{k8s_node="$node", k8s_pod=""}[1m])' },
  { panel: 'TCPRcvQDrop (95)', expr: 'rate(kubeskoop_tcpext_tcprcvqdrop{k8s_node="$node", k8s_pod=""}[1m])' },
  {
    panel: 'TCP Memory Alloc Fail (102)',
    expr: 'rate(kubeskoop_tcpext_pfmemallocdrop{k8s_node="$node", k8s_pod=""}[1m])',
  },
  { panel: 'TCPBacklogDrop (91)', expr: 'rate(kubeskoop_tcpext_tcpbacklogdrop{k8s_node="$node", k8s_pod=""}[1m])' },
  { panel: 'UDP RCV-Buffer exceeded (22)', expr: 'rate(kubeskoop_udp_rcvbuferrors{k8s_node="$node", k8s_pod=""}[1m])' },
  { panel: 'UDP SND-Buffer exceeded (28)', expr: 'rate(kubeskoop_udp_sndbuferrors{k8s_node="$node", k8s_pod=""}[1m])' },
  { panel: 'UDP No-Ports (30)', expr: 'rate(kubeskoop_udp_noports{k8s_node="$node", k8s_pod=""}[1m])' },
  { panel: 'UDP In Error (32)', expr: 'rate(kubeskoop_udp_inerrors{k8s_node="$node", k8s_pod=""}[1m])' },
];

/** kubeskoop-exporter-pods-dashboard.json; variables $namespace = label_values(k8s_namespace),
 *  $pod = label_values({k8s_namespace="$namespace"},k8s_pod). (Panel 101's second target uses a $node
 *  that dashboard does not define: filled with the node here, as a user who has it would.) */
const PODS: readonly PanelQuery[] = [
  {
    panel: 'Network Device RX bytes (50)',
    expr: 'rate(kubeskoop_netdev_rxbytes{k8s_namespace="$namespace", k8s_pod="$pod"}[1m])',
  },
  {
    panel: 'Network Device TX bytes (52)',
    expr: 'rate(kubeskoop_netdev_txbytes{k8s_namespace="$namespace", k8s_pod="$pod"}[1m])',
  },
  {
    panel: 'Network Device TX errors(times) (58)',
    expr: 'rate(kubeskoop_netdev_txerrors{k8s_namespace="$namespace", k8s_pod="$pod"}[1m])',
  },
  {
    panel: 'Network Device RX errors(times) (60)',
    expr: 'rate(kubeskoop_netdev_rxerrors{k8s_namespace="$namespace", k8s_pod="$pod"}[1m])',
  },
  {
    panel: 'Network Device TX Packets (88)',
    expr: 'rate(kubeskoop_netdev_txpackets{k8s_namespace="$namespace", k8s_pod="$pod"}[1m])',
  },
  {
    panel: 'Network Device RX Packets (85)',
    expr: 'rate(kubeskoop_netdev_rxpackets{k8s_namespace="$namespace", k8s_pod="$pod"}[1m])',
  },
  {
    panel: 'TCP Connections (98) timewait',
    expr: 'kubeskoop_tcpsummary_tcptimewaitconn{k8s_namespace="$namespace", k8s_pod="$pod"}',
  },
  {
    panel: 'TCP Connections (98) established',
    expr: 'kubeskoop_tcpsummary_tcpestablishedconn{k8s_namespace="$namespace", k8s_pod="$pod"}',
  },
  {
    panel: 'TCP Connections (98) closewait',
    expr: 'kubeskoop_tcpsummary_tcpclosewaitconn{k8s_namespace="$namespace", k8s_pod="$pod"}',
  },
  {
    panel: 'TCP Connections (98) synsent',
    expr: 'kubeskoop_tcpsummary_tcpsynsentconn{k8s_namespace="$namespace", k8s_pod="$pod"}',
  },
  {
    panel: 'TCP Connections (98) synrecv',
    expr: 'kubeskoop_tcpsummary_tcpsynrecvconn{k8s_namespace="$namespace", k8s_pod="$pod"}',
  },
  {
    panel: 'TCP Socket Count (101) pod',
    expr: 'kubeskoop_sock_inuse{k8s_namespace="$namespace", k8s_pod="$pod"}+kubeskoop_sock_orphan{k8s_namespace="$namespace", k8s_pod="$pod"}',
  },
  {
    panel: 'TCP Socket Count (101) pods',
    expr: 'kubeskoop_sock_inuse{k8s_node="$node",k8s_pod!=""}+kubeskoop_sock_orphan{k8s_node="$node", k8s_pod!=""}',
  },
  { panel: 'TCP Queue (99) tx', expr: 'kubeskoop_tcpsummary_tcptxqueue{k8s_namespace="$namespace", k8s_pod="$pod"}' },
  { panel: 'TCP Queue (99) rx', expr: 'kubeskoop_tcpsummary_tcprxqueue{k8s_namespace="$namespace", k8s_pod="$pod"}' },
  {
    panel: 'TCP Opens (97) passive',
    expr: 'rate(kubeskoop_tcp_passiveopens{k8s_namespace="$namespace", k8s_pod="$pod"}[1m])',
  },
  {
    panel: 'TCP Opens (97) active',
    expr: 'rate(kubeskoop_tcp_activeopens{k8s_namespace="$namespace", k8s_pod="$pod"}[1m])',
  },
  {
    panel: 'TCPListenDrops (90)',
    expr: 'rate(kubeskoop_tcpext_listendrops{k8s_namespace="$namespace", k8s_pod="$pod"}[1m])',
  },
  {
    panel: 'ListenOverflows (93)',
    expr: 'rate(kubeskoop_tcpext_listenoverflows{k8s_namespace="$namespace", k8s_pod="$pod"}[1m])',
  },
  {
    panel: 'TCPSynRetrans (94)',
    expr: 'rate(kubeskoop_tcpext_tcpsynretrans{k8s_namespace="$namespace", k8s_pod="$pod"}[1m])',
  },
  {
    panel: 'TCPRcvQDrop (95)',
    expr: 'rate(kubeskoop_tcpext_tcprcvqdrop{k8s_namespace="$namespace", k8s_pod="$pod"}[1m])',
  },
  {
    panel: 'TCP Memory Alloc Fail (102)',
    expr: 'rate(kubeskoop_tcpext_pfmemallocdrop{k8s_namespace="$namespace", k8s_pod="$pod"}[1m])',
  },
  {
    panel: 'TCPBacklogDrop (91)',
    expr: 'rate(kubeskoop_tcpext_tcpbacklogdrop{k8s_namespace="$namespace", k8s_pod="$pod"}[1m])',
  },
  {
    panel: 'UDP RCV-Buffer exceeded (22)',
    expr: 'rate(kubeskoop_udp_rcvbuferrors{k8s_namespace="$namespace", k8s_pod="$pod"}[1m])',
  },
  {
    panel: 'UDP SND-Buffer exceeded (28)',
    expr: 'rate(kubeskoop_udp_sndbuferrors{k8s_namespace="$namespace", k8s_pod="$pod"}[1m])',
  },
  { panel: 'UDP No-Ports (30)', expr: 'rate(kubeskoop_udp_noports{k8s_namespace="$namespace", k8s_pod="$pod"}[1m])' },
  { panel: 'UDP In Error (32)', expr: 'rate(kubeskoop_udp_inerrors{k8s_namespace="$namespace", k8s_pod="$pod"}[1m])' },
];

const NODE = 'ks-dash-node';
/** The first cycle covers every namespace of a shared, loaded machine. */
const START_TIMEOUT_MS = 60_000;

describe('KubeSkoop’s Grafana dashboards: every non-RDMA panel has data (real Prometheus, real agent)', function () {
  this.timeout(300_000);
  let api: TestApiServer;
  let pod: TestPod;
  let agent: AgentProcess | undefined;
  let prom: Prometheus | undefined;
  let dir: string;
  let vars: Record<string, string>;

  /** Grafana's label_values(…): /api/v1/label/<name>/values (with match[] for the pod variable). */
  const labelValues = async (label: string, match?: string): Promise<string[]> => {
    const q = match ? `?match[]=${encodeURIComponent(match)}` : '';
    const r = await fetch(`${prom!.url}/api/v1/label/${label}/values${q}`);
    return ((await r.json()) as { data: string[] }).data;
  };
  const fill = (expr: string): string => expr.replace(/\$(node|namespace|pod)\b/g, (_, v: string) => vars[v]!);
  /** What a Grafana panel asks: the expression over the dashboard's time range (here the last minute, 5 s steps). */
  const panelSeries = async (expr: string): Promise<number> => {
    // Grafana's range ends at "now"; a floored end second can fall before the newest scrape.
    const end = Date.now() / 1000;
    const params = new URLSearchParams({ query: expr, start: String(end - 60), end: String(end), step: '5' });
    const r = await fetch(`${prom!.url}/api/v1/query_range`, { method: 'POST', body: params });
    const body = (await r.json()) as { status: string; error?: string; data: { result: unknown[] } };
    assert.equal(body.status, 'success', `${expr}: ${body.error ?? ''}`);
    return body.data.result.length;
  };

  before(async function () {
    requireBpf(this);
    dir = mkdtempSync(join(tmpdir(), 'ksotel-dash-'));
    api = new TestApiServer();
    await api.start();
    pod = await createPod({ label: 'ks-dash', cgroup: true });
    api.upsertPod({
      name: 'web-0',
      namespace: 'shop',
      uid: pod.cgroup!.podUid,
      nodeName: NODE,
      containers: { app: pod.cgroup!.containerId },
    });
    // The config KubeSkoop's Helm chart renders with its default values.
    agent = await startAgentWithConfig(dir, await renderKubeSkoopChart(), {
      running: ['netdev', 'tcpsummary', 'packetloss'],
      args: ['--interval', '1s'],
      timeoutMs: START_TIMEOUT_MS,
      env: { KUBECONFIG: api.kubeconfig(), INSPECTOR_NODENAME: NODE },
    });
    prom = await startPrometheus({ targets: [`127.0.0.1:${agent.port}`], scrapeIntervalSeconds: 1 });
    await prom.waitForTargetsUp(30_000);
    // TCP and UDP traffic to and from the pod, a connection left open, and a drop counted in it.
    const server = await tcpTransfer('host', pod.netns, pod.ip!, { bytes: 4 << 20 });
    assert.equal(server.receivedBytes, 4 << 20);
    const udp = await sendUdp('host', pod.netns, pod.ip!, { count: 200, size: 512 });
    assert.ok(udp.received > 0);
    assert.equal(await tcpConnect(pod.netns, '127.0.0.1', 9), 'refused');
    await execInOk(pod.netns.name, process.execPath, [
      '-e',
      'require("node:dgram").createSocket("udp4").send("x", 9, "127.0.0.1", () => process.exit(0))',
    ]);
    // The variables, as Grafana computes them from Prometheus.
    await waitUntil(
      async () => (await labelValues('k8s_pod', '{k8s_namespace="shop"}')).includes('web-0'),
      60_000,
      'the pod in Prometheus',
    );
    const nodes = await labelValues('node');
    assert.ok(nodes.includes(NODE), `label_values(node) = ${nodes.join(', ')}`);
    assert.ok((await labelValues('k8s_namespace')).includes('shop'));
    vars = { node: NODE, namespace: 'shop', pod: 'web-0' };
    // rate(…[1m]) needs two scrapes of a series at the range's last step: wait until the
    // last-appearing one has three, so the two are there whichever scrape the step falls after.
    await prom.waitForQuery(
      fill('count_over_time(kubeskoop_packetloss_total{k8s_node="$node"}[1m]) >= 3'),
      undefined,
      60_000,
    );
    await prom.waitForQuery(
      fill('count_over_time(kubeskoop_tcpsummary_tcprxqueue{k8s_pod="$pod"}[1m]) >= 3'),
      undefined,
      60_000,
    );
  });

  after(async () => {
    await prom?.stop();
    await agent?.stop();
    await api?.dispose();
    await cleanupAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const [dashboard, queries] of [
    ['nodes', NODES],
    ['pods', PODS],
  ] as const) {
    it(`${dashboard} dashboard: each of its ${queries.length} non-RDMA queries returns data`, async () => {
      const empty: string[] = [];
      for (const q of queries) if ((await panelSeries(fill(q.expr))) === 0) empty.push(`${q.panel}: ${fill(q.expr)}`);
      const warnings = agent!
        .logs()
        .filter((l) => l.level === 'warn' || l.level === 'error')
        .map((l) => JSON.stringify(l));
      assert.deepEqual(empty, [], `panels without data:\n${empty.join('\n')}\nagent warnings:\n${warnings.join('\n')}`);
    });
  }

  it('the pod panels show the pod’s own traffic, and the counters are typed as KubeSkoop typed them', async () => {
    // The pod received 4 MiB on eth0 (its lo, the other device, saw next to nothing).
    const rx = await prom!.query(fill('max(kubeskoop_netdev_rxbytes{k8s_namespace="$namespace", k8s_pod="$pod"})'));
    assert.ok(Number(rx[0]?.value[1]) >= 4 << 20, `pod rx bytes ${JSON.stringify(rx)}`);
    const text = (await agent!.get('/metrics')).text;
    for (const n of ['kubeskoop_packetloss_total', 'kubeskoop_packetloss_netfilter', 'kubeskoop_tcpretrans_total']) {
      if (text.includes(`\n${n}{`)) assert.match(text, new RegExp(`^# TYPE ${n} counter$`, 'm'));
    }
    assert.match(text, /^# TYPE kubeskoop_packetloss_total counter$/m);
  });
});

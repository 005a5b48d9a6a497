// KubeSkoop's event sinks end to end, with real BPF events: the agent runs a KubeSkoop v1 config
// (as its Helm chart writes it) with the stderr, file and loki sinks; a refused connect in a test pod
// (named by a Kubernetes API) and an nftables drop must come out of each sink as exactly the JSON
// line KubeSkoop writes — type spelling, labels list, msg format — and the loki sink must push it
// to Loki's push API in KubeSkoop's stream, where KubeSkoop's web-console query finds the pod.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupAll, createPod, execInOk, type TestPod } from '../support/netns.js';
import { requireBpf, startAgentWithConfig, type AgentProcess } from '../support/agent.js';
import { startLokiPushServer, type LokiPushServer } from '../support/loki.js';
import { waitUntil } from '../support/proc.js';
import { TestApiServer } from '../identity/apiserver.js';

const NODE = 'ks-events-node';
const CLOSED_PORT = 9;
const CLIENT_PORT = 40123;
const DROPPED_PORT = 9999;
const UDP_SOURCE_PORT = 40124;

/** A connect from a fixed source port (so the whole line is known in advance). */
const CONNECT = `
const net = require('node:net');
const c = net.connect({ host: '127.0.0.1', port: ${CLOSED_PORT}, localAddress: '127.0.0.1', localPort: ${CLIENT_PORT} });
c.on('error', (e) => { process.stdout.write(e.code); process.exit(0); });
c.on('connect', () => { process.stdout.write('connected'); process.exit(0); });
setTimeout(() => { process.stdout.write('timeout'); process.exit(0); }, 3000);`;

const UDP_SEND = `
const s = require('node:dgram').createSocket('udp4');
s.bind(${UDP_SOURCE_PORT}, '127.0.0.1', () => s.send('x', ${DROPPED_PORT}, '127.0.0.1', () => s.close()));`;

interface KubeskoopEvent {
  timestamp: number;
  type: string;
  labels: { name: string; value: string }[] | null;
  msg: string;
}

describe('KubeSkoop’s event sinks (stderr, file, loki) with real BPF events', function () {
  this.timeout(180_000);
  let api: TestApiServer;
  let pod: TestPod;
  let loki: LokiPushServer;
  let agent: AgentProcess | undefined;
  let dir: string;
  const startedNs = BigInt(Date.now()) * 1_000_000n;

  before(async function () {
    requireBpf(this);
    dir = mkdtempSync(join(tmpdir(), 'ksotel-compat-events-'));
    api = new TestApiServer();
    await api.start();
    pod = await createPod({ label: 'ks-ev', veth: false, cgroup: true });
    api.upsertPod({
      name: 'web-0',
      namespace: 'shop',
      uid: pod.cgroup!.podUid,
      nodeName: NODE,
      containers: { app: pod.cgroup!.containerId },
    });
    loki = await startLokiPushServer();
    // KubeSkoop v1's format as its Helm chart renders it (additionalLabels unset → null).
    agent = await startAgentWithConfig(
      dir,
      `debugmode: false
port: 9102
enableController: false
metrics:
  additionalLabels: null
  probes:
  - name: netdev
event:
  probes:
  - name: tcpreset
  - name: packetloss
    args:
      enableStack: false
  sinks:
  - name: stderr
  - name: file
    args:
      path: ${join(dir, 'events.log')}
  - name: loki
    args:
      addr: 127.0.0.1:${loki.port}
`,
      {
        running: ['tcpreset', 'packetloss'],
        timeoutMs: 60_000,
        env: { KUBECONFIG: api.kubeconfig(), INSPECTOR_NODENAME: NODE },
      },
    );
    // The pod is named once the API watch and a cycle have seen it.
    await waitUntil(
      async () => (await agent!.get('/metrics')).text.includes('k8s_pod="web-0"'),
      30_000,
      'the pod named on /metrics',
    );
  });

  after(async () => {
    await agent?.stop();
    await loki?.stop();
    await api?.dispose();
    await cleanupAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const fileEvents = (): KubeskoopEvent[] =>
    existsSync(join(dir, 'events.log'))
      ? readFileSync(join(dir, 'events.log'), 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as KubeskoopEvent)
      : [];
  const fileLines = (): string[] =>
    existsSync(join(dir, 'events.log')) ? readFileSync(join(dir, 'events.log'), 'utf8').trim().split('\n') : [];
  const stderrLines = (): string[] =>
    agent!
      .logs()
      .filter((l) => l.level === 'raw' && l.msg.startsWith('event: '))
      .map((l) => l.msg.slice('event: '.length));
  const lokiLines = (): string[] => loki.entries({ job: 'kubeskoop', instance: NODE }).map((e) => e.line);

  /** The one line of `lines` that `expected` (with TS for the timestamp) matches, its timestamp checked. */
  const exactly = (lines: readonly string[], expected: string): string => {
    const re = new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace('TS', '(\\d+)')}$`);
    const hits = lines.filter((l) => re.test(l));
    assert.equal(hits.length, 1, `exactly one line ${expected} among:\n${lines.join('\n')}`);
    const ts = BigInt(re.exec(hits[0]!)![1]!);
    assert.ok(ts >= startedNs && ts <= BigInt(Date.now()) * 1_000_000n, `timestamp ${ts} is the event's time in ns`);
    return hits[0]!;
  };

  const POD_LABELS = `[{"name":"pod","value":"web-0"},{"name":"namespace","value":"shop"},{"name":"node","value":"${NODE}"}]`;
  const NOSOCK =
    `{"timestamp":TS,"type":"TCPRESET_NOSOCK","labels":${POD_LABELS},` +
    `"msg":"protocol=TCP saddr=127.0.0.1 sport=${CLIENT_PORT} daddr=127.0.0.1 dport=${CLOSED_PORT}  state:TCP_OTHER "}`;
  const RECEIVE =
    `{"timestamp":TS,"type":"TCPRESET_RECEIVE","labels":${POD_LABELS},` +
    `"msg":"protocol=TCP saddr=127.0.0.1 sport=${CLIENT_PORT} daddr=127.0.0.1 dport=${CLOSED_PORT}  state:TCP_SYN_SENT "}`;
  const tupleLabels = (proto: string, sport: number, dport: number): string =>
    `[{"name":"protocol","value":"${proto}"},` +
    '{"name":"src","value":"127.0.0.1"},{"name":"src_type","value":"unknown"},{"name":"src_node","value":""},{"name":"src_namespace","value":""},{"name":"src_pod","value":""},' +
    '{"name":"dst","value":"127.0.0.1"},{"name":"dst_type","value":"unknown"},{"name":"dst_node","value":""},{"name":"dst_namespace","value":""},{"name":"dst_pod","value":""},' +
    `{"name":"sport","value":"${sport}"},{"name":"dport","value":"${dport}"}]`;
  const NFT_DROP = `{"timestamp":TS,"type":"PacketLoss","labels":${tupleLabels('UDP', UDP_SOURCE_PORT, DROPPED_PORT)},"msg":""}`;

  it('a refused connect in the pod: TCPRESET_NOSOCK and TCPRESET_RECEIVE, exactly as KubeSkoop writes them, in the file and on stderr', async () => {
    const r = await execInOk(pod.netns.name, process.execPath, ['-e', CONNECT]);
    assert.equal(r.stdout.trim(), 'ECONNREFUSED');
    await waitUntil(
      () =>
        fileEvents().filter((e) => e.type.startsWith('TCPRESET_') && e.msg.includes(`sport=${CLIENT_PORT} `)).length >=
        2,
      20_000,
      'two reset events in the file',
    );
    for (const expected of [NOSOCK, RECEIVE]) {
      const line = exactly(
        fileLines().filter((l) => l.includes(`sport=${CLIENT_PORT} `)),
        expected,
      );
      await waitUntil(() => stderrLines().includes(line), 10_000, 'the same line on stderr after "event: "');
    }
  });

  it('an nftables drop in the pod: PacketLoss with KubeSkoop’s 13 tuple labels', async () => {
    await execInOk(pod.netns.name, 'nft', [
      'add table inet kscompat; add chain inet kscompat in { type filter hook input priority 0; };' +
        ` add rule inet kscompat in udp dport ${DROPPED_PORT} drop`,
    ]);
    try {
      await execInOk(pod.netns.name, process.execPath, ['-e', UDP_SEND]);
      await waitUntil(
        () =>
          fileLines().some(
            (l) => l.includes('"type":"PacketLoss"') && l.includes(`{"name":"dport","value":"${DROPPED_PORT}"}`),
          ),
        20_000,
        'the drop in the file',
      );
      const line = exactly(
        fileLines().filter((l) => l.includes(`{"name":"dport","value":"${DROPPED_PORT}"}`)),
        NFT_DROP,
      );
      await waitUntil(() => stderrLines().includes(line), 10_000, 'the same line on stderr');
    } finally {
      await execInOk(pod.netns.name, 'nft', ['delete table inet kscompat']);
    }
  });

  it('the loki sink pushed the same lines to Loki’s push API in {job="kubeskoop", instance="<node>"}, as the web console reads them', async () => {
    await waitUntil(
      () =>
        [NOSOCK, RECEIVE, NFT_DROP].every((e) => {
          try {
            exactly(lokiLines(), e);
            return true;
          } catch {
            return false;
          }
        }),
      20_000,
      'the three events in Loki',
    );
    const file = new Set(fileLines());
    for (const e of [NOSOCK, RECEIVE, NFT_DROP])
      assert.ok(file.has(exactly(lokiLines(), e)), 'Loki has the line the file has');
    // KubeSkoop's controller: {job="kubeskoop"} | json | json pod="labels[0].value", namespace="labels[1].value"
    const nosock = JSON.parse(exactly(lokiLines(), NOSOCK)) as KubeskoopEvent;
    assert.deepEqual([nosock.labels![0]!.value, nosock.labels![1]!.value], ['web-0', 'shop']);
    // Loki refused nothing: JSON bodies, ns string timestamps, in order within the stream.
    assert.ok(
      loki.requests.length > 0 &&
        loki.requests.every((q) => q.status === 204 && q.contentType.startsWith('application/json')),
      JSON.stringify(loki.requests.filter((q) => q.status !== 204)),
    );
  });

  it('events Loki refuses are counted in kubeskoop.event.undelivered of their probe and namespace (cause loki_rejected)', async () => {
    const undelivered = async (): Promise<number> => {
      const m = new RegExp(
        `^kubeskoop_event_undelivered_total\\{[^}]*kubeskoop_probe_name="tcpreset"[^}]*error_type="loki_rejected"[^}]*k8s_pod_name="web-0"[^}]*\\} (\\d+)$`,
        'm',
      ).exec((await agent!.get('/metrics')).text);
      return m ? Number(m[1]) : 0;
    };
    assert.equal(await undelivered(), 0);
    loki.failNext(Array(50).fill(400));
    const r = await execInOk(pod.netns.name, process.execPath, [
      '-e',
      CONNECT.replace(String(CLIENT_PORT), String(CLIENT_PORT + 1)),
    ]);
    assert.equal(r.stdout.trim(), 'ECONNREFUSED');
    // NOSOCK and RECEIVE of that connect, refused by Loki; the file still has them.
    await waitUntil(async () => (await undelivered()) >= 2, 30_000, 'the refused pushes counted');
    assert.equal(fileLines().filter((l) => l.includes(`sport=${CLIENT_PORT + 1} `)).length, 2);
  });

  it('/status answers, with the KubeSkoop event probes running', async () => {
    const s = JSON.parse((await agent!.get('/status')).text) as {
      inuse_probes: { event: { name: string; state: string }[] };
    };
    assert.deepEqual(s.inuse_probes.event.map((e) => [e.name, e.state]).sort(), [
      ['packetloss', 'running'],
      ['tcpreset', 'running'],
    ]);
  });
});

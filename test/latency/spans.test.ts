// Kernel intervals as spans, end to end (real CLI, real helper, real OTLP receiver decoding the trace
// service's protobuf, a kubelet-like pod named by a real list/watch API): a reader in the pod that
// reads 150 ms late gives one root span per late read, of at least 150 ms, within the wall-clock
// window of the run, with the socket's tuple and the pod's Resource. With the trace signal off (the
// default) nothing is traced, even with `spans: true`. Under a flood of slow reads the per-node rate
// cap holds and the rest are counted (otel.sdk.span.started{otel.span.sampling_result=DROP}).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { cleanupAll, createPod, type TestPod } from '../support/netns.js';
import { startOtlpReceiver, type OtlpReceiver, type SpanFlat } from '../support/otlp-receiver.js';
import { requireBpf, startAgentWithConfig, type AgentProcess } from '../support/agent.js';
import { runOk, waitUntil } from '../support/proc.js';
import { parsePromText } from '../support/prom-text.js';
import { TestApiServer } from '../identity/apiserver.js';

const NODE = 'ksotel-node-spans';

// n reads, each `late` seconds after the data arrived; prints the reader's and the writer's ports.
const slowReader = (n: number, late: number): string => `
import socket, time
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)
c = socket.create_connection(s.getsockname()); a, _ = s.accept()
print(a.getsockname()[1], c.getsockname()[1])
for i in range(${n}):
    c.sendall(b'x' * 100); time.sleep(${late}); a.recv(4096)
`;

const ns = (s: string): bigint => BigInt(s);

describe('spans: kernel intervals → root spans at the OTLP trace service', function () {
  this.timeout(180_000);
  let api: TestApiServer;
  let pod: TestPod;
  let receiver: OtlpReceiver;
  let agent: AgentProcess | undefined;
  let dir = '';

  const config = (traces: string, socketOptions: string): string => `node_name: ${NODE}
interval: 1s
metrics:
  probes: [netdev]
events:
  probes:
    - name: socketlatency
      options: ${socketOptions}
kubernetes:
  kubeconfig: ${api.kubeconfig()}
otlp:
  endpoint: ${receiver.grpcEndpoint}
  export_interval: 1s
${traces}`;

  before(async function () {
    requireBpf(this);
    dir = mkdtempSync(join(tmpdir(), 'ksotel-spans-'));
    api = new TestApiServer({ bookmarkIntervalMs: 500 });
    await api.start();
    pod = await createPod({ label: 'spans', veth: false, cgroup: { qos: 'burstable' } });
    api.upsertPod({
      name: 'reader-0',
      namespace: 'shop',
      uid: pod.cgroup!.podUid,
      nodeName: NODE,
      containers: { app: pod.cgroup!.containerId },
    });
    receiver = await startOtlpReceiver({ http: false });
  });

  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    receiver.clear();
  });

  after(async () => {
    await receiver?.close();
    await api?.dispose();
    await cleanupAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const waitForPod = async (a: AgentProcess): Promise<void> => {
    await waitUntil(
      async () => (await a.get('/metrics')).text.includes('k8s_pod_name="reader-0"'),
      30_000,
      'the pod named on /metrics',
    );
  };

  it('traces off (the default): spans: true gives events but no span and no tracing SDK', async () => {
    agent = await startAgentWithConfig(dir, config('', '{ spans: true }'), { running: ['socketlatency'] });
    await waitForPod(agent);
    await runOk('ip', ['netns', 'exec', pod.netns.name, 'python3', '-c', slowReader(3, 0.15)], { timeoutMs: 20_000 });
    await receiver.waitFor(
      (r) =>
        r
          .logs()
          .filter(
            (l) =>
              l.resource['k8s.pod.name'] === 'reader-0' &&
              l.attributes['kubeskoop.event.type'] === 'SOCKETLAT_READSLOW',
          ).length >= 3 || undefined,
      20_000,
      '3 slow-read events',
    );
    await agent.stop();
    agent = undefined;
    assert.equal(receiver.attempts('traces'), 0, 'no trace export request');
    assert.equal(
      receiver
        .metrics()
        .filter((p) => p.name.startsWith('otel.sdk.span') || p.name === 'otel.sdk.processor.span.processed').length,
      0,
      'no span metric: the tracing pipeline was not built',
    );
  });

  it("3 reads 150 ms late in a pod: 3 root spans of ≥ 150 ms with the tuple and the pod's Resource", async () => {
    agent = await startAgentWithConfig(dir, config('traces: { enabled: true }\n', '{ spans: true }'), {
      running: ['socketlatency'],
    });
    await waitForPod(agent);
    const t0 = BigInt(Date.now()) * 1_000_000n;
    const out = await runOk('ip', ['netns', 'exec', pod.netns.name, 'python3', '-c', slowReader(3, 0.15)], {
      timeoutMs: 20_000,
    });
    const t1 = BigInt(Date.now()) * 1_000_000n;
    const [readerPort, writerPort] = out.stdout.trim().split(/\s+/).map(Number);
    const mine = (s: SpanFlat): boolean =>
      s.name === 'kubeskoop.socket.read.wait' && s.resource['k8s.pod.name'] === 'reader-0';
    const spans = await receiver.waitFor(
      (r) => {
        const s = r.spans().filter(mine);
        return s.length >= 3 ? s : undefined;
      },
      20_000,
      '3 spans of the pod',
    );
    assert.equal(spans.length, 3, 'one span per late read');
    // Logs and spans are exported by separate batches: wait (bounded) for the log record of each span.
    const logs = await receiver.waitFor(
      (r) => {
        const l = r
          .logs()
          .filter(
            (x) =>
              x.resource['k8s.pod.name'] === 'reader-0' &&
              x.attributes['kubeskoop.event.type'] === 'SOCKETLAT_READSLOW',
          );
        return spans.every((s) => l.some((x) => x.timeUnixNano === s.endTimeUnixNano)) ? l : undefined;
      },
      20_000,
      "a log record at each span's end",
    );
    for (const s of spans) {
      const start = ns(s.startTimeUnixNano);
      const end = ns(s.endTimeUnixNano);
      const ms = Number(end - start) / 1e6;
      assert.ok(ms >= 149 && ms < 1000, `duration ${ms} ms: the 150 ms the reader slept, and not much more`);
      // Kernel timestamps converted to the wall clock: inside the run's window.
      assert.ok(
        start >= t0 - 50_000_000n && end <= t1 + 50_000_000n,
        `span [${start}, ${end}] within the run [${t0}, ${t1}]`,
      );
      assert.equal(s.kind, 1, 'internal');
      assert.equal(s.parentSpanId, '', 'a root span');
      assert.equal(s.traceId.length, 32);
      assert.equal(s.statusCode, 0, 'unset: a slow read is no failure');
      assert.equal(s.resource['k8s.namespace.name'], 'shop');
      assert.equal(s.resource['k8s.pod.uid'], pod.cgroup!.podUid);
      assert.equal(s.resource['k8s.node.name'], NODE);
      assert.equal(s.attributes['network.transport'], 'tcp');
      assert.deepEqual(
        [s.attributes['source.port'], s.attributes['destination.port']].sort(),
        [readerPort, writerPort].sort(),
        "the socket's tuple",
      );
      assert.equal(s.attributes['kubeskoop.event.type'], 'SOCKETLAT_READSLOW');
      // The same interval as the event: its end is the event's time.
      assert.ok(
        logs.some((l) => l.timeUnixNano === s.endTimeUnixNano),
        "a log record at the span's end",
      );
    }
    assert.equal(new Set(spans.map((s) => s.traceId)).size, 3, 'each its own trace');
    console.log(
      `      [spans] 3 late reads → 3 spans of ${spans.map((s) => (Number(ns(s.endTimeUnixNano) - ns(s.startTimeUnixNano)) / 1e6).toFixed(1)).join(', ')} ms`,
    );
  });

  it('a flood of slow reads: the per-node rate cap holds, the rest are counted as DROP', async () => {
    const RATE = 5;
    agent = await startAgentWithConfig(
      dir,
      config(
        `traces: { enabled: true, rate_per_node: ${RATE} }\n`,
        '{ spans: true, events_above: low, threshold_low_ms: 2, rate_per_namespace: unlimited, rate_per_node: unlimited }',
      ),
      { running: ['socketlatency'] },
    );
    await waitForPod(agent);
    const t0 = Date.now();
    await runOk('ip', ['netns', 'exec', pod.netns.name, 'python3', '-c', slowReader(300, 0.005)], {
      timeoutMs: 30_000,
    });
    const seconds = (Date.now() - t0) / 1000;
    const a = agent;
    const started = async (): Promise<{ sampled: number; dropped: number }> => {
      const m = parsePromText((await a.get('/metrics')).text).samples.filter(
        (x) => x.name === 'otel_sdk_span_started_total',
      );
      const by = (r: string): number =>
        m.filter((x) => x.labels.otel_span_sampling_result === r).reduce((t, x) => t + x.value, 0);
      return { sampled: by('RECORD_AND_SAMPLE'), dropped: by('DROP') };
    };
    const mineLogs = (): number =>
      receiver
        .logs()
        .filter(
          (l) =>
            l.resource['k8s.pod.name'] === 'reader-0' && l.attributes['kubeskoop.event.type'] === 'SOCKETLAT_READSLOW',
        ).length;
    await waitUntil(() => mineLogs() >= 250 || undefined, 30_000, 'the slow reads as events');
    const c = await waitUntil(
      async () => {
        const s = await started();
        // Every sampled span arrives (all namespaces': the agent observes the whole node).
        return s.dropped > 0 && receiver.spans().length === s.sampled ? s : undefined;
      },
      30_000,
      'sampled spans delivered',
    );
    const podSpans = receiver.spans().filter((s) => s.resource['k8s.pod.name'] === 'reader-0').length;
    const events = mineLogs();
    // Token bucket: one second's burst, then RATE a second (the run plus the slack until the last event).
    const cap = RATE * (seconds + 3) + RATE;
    assert.ok(
      c.sampled <= cap,
      `${c.sampled} spans sampled ≤ ${cap} (rate cap ${RATE}/s over ${seconds.toFixed(1)} s)`,
    );
    assert.ok(podSpans <= c.sampled);
    assert.ok(
      c.sampled + c.dropped >= events,
      `every slow read offered: ${c.sampled} sampled + ${c.dropped} dropped ≥ ${events} events of the pod`,
    );
    console.log(
      `      [spans] ${events} slow reads in ${seconds.toFixed(1)} s with a cap of ${RATE}/s: ${c.sampled} spans sampled (${podSpans} of the pod), ${c.dropped} counted as DROP`,
    );
  });
});

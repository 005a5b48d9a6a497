// /metrics in each naming mode (otel | legacy | both), scraped by Debian's real Prometheus, checked
// through its query API: the seed's legacy names of the enabled probes are there with KubeSkoop's
// labels and types, equal to the OTel series summed as KubeSkoop did; every query of the generated
// dashboard returns data for the probes enabled in the run.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../receiver/config/load.js';
import { probeCapabilities, startAgent, type RunningAgent } from '../../receiver/agent.js';
import { silentLogger } from '../../receiver/log.js';
import { METRIC_PROBES } from '../../receiver/probes/catalog.js';
import type { MetricDefinition, LegacyName } from '../../semconv/types.js';
import type { Snapshot } from '../../receiver/snapshot/snapshot.js';
import type { Target } from '../../receiver/targets/target.js';
import {
  METRICS,
  PROBES,
  ATTR_KUBESKOOP_NETNS_NAME,
  ATTR_KUBESKOOP_TARGET_KIND,
  FLOW_IO,
  FLOW_PACKETS,
} from '../../semconv/generated/registry.js';
import { SEED_NAMES } from '../../semconv/generated/seed-names.js';
import { resolveSeedMetric } from '../../semconv/lib/seed-names.js';
import {
  INTERFACE_ATTRIBUTES,
  LOOPBACK,
  LEGACY_LABELS,
  LEGACY_TUPLE_LABELS,
  legacyPromType,
} from '../../semconv/lib/legacy.js';
import { promLabelName, promName } from '../../semconv/lib/prom-names.js';
import { DASHBOARD_PATH, dashboardQueries } from '../../semconv/tools/render-dashboard.js';
import { packageRoot } from '../../receiver/version.js';
import { startPrometheus, type Prometheus, type PromSample } from '../support/prometheus.js';
import { cleanupAll, createPod, sendUdp, tcpConnect, tcpTransfer, type TestPod } from '../support/netns.js';
import { runOk, sleep } from '../support/proc.js';

const NODE = 'names-test-node';
const registryView = { metrics: METRICS, events: [], probes: PROBES, unsupported: [] };

interface Harness {
  agent: RunningAgent;
  prom: Prometheus;
  dir: string;
}

async function start(names: 'otel' | 'legacy' | 'both', probes?: string): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'ksotel-names-'));
  const file = join(dir, 'config.yaml');
  await writeFile(
    file,
    [
      'interval: 1s',
      `node_name: ${NODE}`,
      'server: { address: 127.0.0.1, port: 0 }',
      'log: { level: error }',
      `prometheus: { names: ${names} }`,
      ...(probes ? [`metrics: { probes: ${probes} }`] : []),
      '',
    ].join('\n'),
  );
  const config = loadConfig({ file, env: {}, flags: {}, probes: probeCapabilities() });
  const agent = await startAgent(config, silentLogger);
  let prom: Prometheus;
  try {
    prom = await startPrometheus({ targets: [`127.0.0.1:${agent.http.port}`], scrapeIntervalSeconds: 3 });
  } catch (e) {
    await agent.stop();
    throw e;
  }
  return { agent, prom, dir };
}

async function stop(h: Harness | undefined): Promise<void> {
  if (!h) return;
  await h.prom.stop();
  await h.agent.stop();
  await rm(h.dir, { recursive: true, force: true });
}

async function scrapeText(h: Harness): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${h.agent.http.port}/metrics`);
  return r.text();
}

/** The Prometheus type of a metric name, from Prometheus' metadata API. */
async function promType(prom: Prometheus, name: string): Promise<string | undefined> {
  const r = await fetch(`${prom.url}/api/v1/metadata?metric=${name}`);
  const j = (await r.json()) as { data: Record<string, { type: string }[]> };
  return j.data[name]?.[0]?.type;
}

interface Expected {
  seedName: string;
  served: string;
  metric: MetricDefinition;
  legacy: LegacyName;
  target: Target;
}

/** The seed names of the enabled probes that the snapshot has data for, and those it has none for (with why). */
function expectedSeedNames(
  snap: Snapshot,
  enabled: readonly string[],
  pod: TestPod,
): { expected: Expected[]; noData: string[] } {
  const expected: Expected[] = [];
  const noData: string[] = [];
  const podTarget = snap.targets.find((t) => t.netnsName === pod.netns.name);
  const host = snap.targets.find((t) => t.kind === 'host');
  assert.ok(podTarget, 'the agent sees the test pod');
  assert.ok(host, 'the agent sees the host');
  for (const s of SEED_NAMES.metrics) {
    if (!enabled.includes(s.probe)) continue;
    const res = resolveSeedMetric(registryView, s);
    if (res.status !== 'mapped') {
      noData.push(`${s.name}: ${res.reason}`);
      continue;
    }
    const probe = PROBES.find((p) => p.name === s.probe)!;
    // The measurement's name on that kind of target (k8s.pod.network.io on a pod, system.network.io on the host…).
    const samplesOf = (t: Target) =>
      snap.entries
        .filter((e) => e.target.netnsInode === t.netnsInode)
        .flatMap((e) => e.samples)
        .filter(
          (x) =>
            x.metric.family === res.metric.family &&
            Object.entries(res.legacy.attributes).every(([k, v]) => String(x.attributes[k]) === v),
        );
    // Node-wide data lives on the host target (softnet; sockstat's orphan/alloc/mem are global in the kernel).
    let target: Target = probe.scope === 'node' ? host : podTarget;
    if (samplesOf(target).length === 0 && target !== host && samplesOf(host).length > 0) target = host;
    const samples = samplesOf(target);
    const served = res.legacy.seedTypoOf ?? res.legacy.name;
    if (samples.length === 0) {
      noData.push(
        `${s.name} (${served}): the ${s.probe} probe gave no ${res.metric.name} sample for ${target.kind} in this run (status ${snap.probes.get(s.probe)?.status.state ?? '?'}${snap.probes.get(s.probe)?.status.reason ? `: ${snap.probes.get(s.probe)?.status.reason}` : ''})`,
      );
      continue;
    }
    expected.push({ seedName: s.name, served, metric: samples[0]!.metric, legacy: res.legacy, target });
  }
  return { expected, noData };
}

function legacySelector(e: Expected, pod: TestPod): string {
  const label = e.served.startsWith('inspector_') ? 'target_pod' : 'k8s_pod';
  const ns = e.served.startsWith('inspector_') ? 'target_namespace' : 'k8s_namespace';
  return e.target.kind === 'host'
    ? `${e.served}{${label}="",${ns}=""}`
    : `${e.served}{${label}="${pod.netns.name}",${ns}=""}`;
}

/** The same value from the OTel series, summed as KubeSkoop did. */
function otelQuery(e: Expected, pod: TestPod): string {
  const m = e.metric;
  const matchers = Object.entries(e.legacy.attributes).map(([k, v]) => `${promLabelName(k)}="${v}"`);
  if (m.legacyAggregation === 'sum_except_lo')
    for (const a of INTERFACE_ATTRIBUTES)
      if (m.attributes.includes(a)) matchers.push(`${promLabelName(a)}!="${LOOPBACK}"`);
  matchers.push(
    e.target.kind === 'host'
      ? `${promLabelName(ATTR_KUBESKOOP_TARGET_KIND)}="host"`
      : `${promLabelName(ATTR_KUBESKOOP_NETNS_NAME)}="${pod.netns.name}"`,
  );
  return `sum(${promName(m.name, m.instrument, m.unit)}{${matchers.join(',')}})`;
}

/** Seed names expected of the agent's latest snapshot, waiting (bounded) for a cycle in which every
 *  one has data, so a slow first cycle is not mistaken for a missing name. */
async function seedNamesWithData(
  h: Harness,
  enabled: readonly string[],
  pod: TestPod,
): Promise<ReturnType<typeof expectedSeedNames>> {
  let r = expectedSeedNames(h.agent.snapshot(), enabled, pod);
  const end = Date.now() + 30_000;
  while (r.noData.length > 0 && Date.now() < end) {
    await sleep(500);
    r = expectedSeedNames(h.agent.snapshot(), enabled, pod);
  }
  return r;
}

/** Dashboard metrics (registry ids) that may serve no series in the otel test, and why. */
const MAY_BE_EMPTY: Readonly<Record<string, string>> = {
  'netdev.io.pod': 'no pod with a Kubernetes identity here (no API server in this test): k8s.pod.* names are unused',
  'netdev.errors.pod': 'likewise',
  'ip.mib_io': 'generic MIB counters are opt-in (fields) and not selected for ip',
  'tcpext.mib_time': 'only TCPFastRetrans and TCPKeepAlive are selected, no time field',
  'ipvs.connections': 'no IPVS on this kernel',
  'ipvs.packets': 'no IPVS on this kernel',
  'ipvs.io': 'no IPVS on this kernel',
  'virtcmdlatency.slow': 'virtcmdlatency cannot run here (test/allowed-skips.yaml)',
  'virtcmdlatency.duration': 'virtcmdlatency cannot run here',
  'virtcmdlatency.undelivered': 'virtcmdlatency cannot run here',
  'tcpretrans.segments': 'no retransmit happens unless a test makes one',
  'socketlatency.undelivered': 'series only when an event was not delivered',
  'packetloss.undelivered': 'likewise',
  'net_softirq.undelivered': 'likewise',
  'kernellatency.undelivered': 'likewise',
  'netiftxlatency.undelivered': 'likewise',
  'tcpretrans.undelivered': 'likewise',
  'biolatency.undelivered': 'likewise',
  'tcpreset.undelivered': 'likewise',
  'socketlatency.untracked': 'series only when a measurement could not be tracked',
  'kernellatency.untracked': 'likewise',
  'netiftxlatency.untracked': 'likewise',
  'biolatency.untracked': 'likewise',
  'agent.exporter_data_points': 'no OTLP endpoint in this test: the SDK exporter metrics exist only with one',
  'agent.exporter_logs': 'likewise',
  'agent.exporter_data_points_inflight': 'likewise',
  'agent.exporter_logs_inflight': 'likewise',
  'agent.exporter_duration': 'likewise',
  'agent.processor_logs': 'likewise',
  'agent.processor_log_queue': 'likewise',
  'agent.processor_log_queue_capacity': 'likewise',
  'agent.processor_spans': 'traces are off in this test',
  'agent.span_started': 'traces are off in this test',
  'agent.probe_errors': 'series only when a probe run fails',
  'connections.handshake_retransmits': 'no SYN is retransmitted unless a test makes one',
  'connections.undelivered': 'series only when an event was not delivered',
  'flow.peers_folded': 'a pod here has fewer peers than top_k',
  'flow.map_evictions': 'the flow map is far from full here',
  'flow.series_overflow': 'the node-wide series cap is not reached here',
  'dns.lookup_duration': 'no pod of this run makes a DNS lookup (test/probes/dns.test.ts checks every dns series)',
  'dns.responses': 'likewise',
  'dns.truncated': 'likewise',
  'dns.timeouts': 'likewise',
  'dns.queries': 'likewise',
  'dns.retransmitted': 'likewise',
  'dns.search_path': 'likewise',
  'dns.malformed': 'likewise',
  'dns.unmatched': 'likewise',
  'dns.questions': 'likewise',
  'dns.undelivered': 'series only when an event was not delivered',
};

describe('docs: /metrics naming modes, scraped by a real Prometheus', function () {
  this.timeout(240_000);
  let pod: TestPod;
  let h: Harness | undefined;

  before(async () => {
    pod = await createPod({ label: 'names' });
    // Some traffic into and out of the pod, and a refused connection (a RST).
    await sendUdp('host', pod.netns, pod.ip!, { count: 300, size: 200 });
    await tcpTransfer('host', pod.netns, pod.ip!, { bytes: 256 * 1024 });
    await tcpConnect(pod.netns, pod.veth!.addrA, 9, 2000);
  });
  afterEach(async () => {
    await stop(h);
    h = undefined;
  });
  after(async () => {
    await pod?.dispose();
    await cleanupAll();
  });

  it("legacy: the seed names of the enabled probes, with KubeSkoop's labels and types, and no OTel names", async () => {
    h = await start('legacy');
    const enabled = h.agent.config.metrics.probes.map((p) => p.name);
    await h.prom.waitForTargetsUp(30_000);
    const { expected, noData } = await seedNamesWithData(h, enabled, pod);
    console.log(
      `      legacy: ${expected.length} seed names expected for probes ${enabled.join(', ')}; without data in this run: ${noData.length ? `\n        ${noData.join('\n        ')}` : 'none'}`,
    );
    // Every seed name of the enabled (procfs) probes has data on this machine: none may go missing.
    assert.deepEqual(noData, [], 'seed names without data');
    assert.ok(expected.length >= 20, `at least 20 seed names with data (got ${expected.length})`);
    for (const e of expected) {
      const r = await h.prom.waitForQuery(legacySelector(e, pod), undefined, 20_000);
      assert.equal(r.length, 1, `${e.served}: one series per target`);
      const labels = Object.keys(r[0]!.metric)
        .filter((k) => !['__name__', 'job', 'instance'].includes(k))
        .sort();
      const family = e.served.startsWith('inspector_') ? LEGACY_LABELS.inspector : LEGACY_LABELS.kubeskoop;
      for (const l of labels)
        assert.ok((family as readonly string[]).includes(l), `${e.served}: label ${l} is one of ${family.join(',')}`);
      assert.equal(
        r[0]!.metric[e.served.startsWith('inspector_') ? 'target_node' : 'k8s_node'],
        NODE,
        `${e.served}: node label`,
      );
      const v = Number(r[0]!.value[1]);
      assert.ok(Number.isFinite(v) && v >= 0, `${e.served}: plausible value ${r[0]!.value[1]}`);
      assert.equal(await promType(h.prom, e.served), legacyPromType(e.metric, e.served), `${e.served}: type`);
    }
    // Labels exactly as KubeSkoop v0.1.x / v1.x had them (empty values are absent in Prometheus).
    const text = await scrapeText(h);
    const first = text.split('\n').find((l) => l.startsWith('inspector_pod_netdevrxbytes{'))!;
    assert.match(
      first,
      /^inspector_pod_netdevrxbytes\{target_node="[^"]*",target_namespace="[^"]*",target_pod="[^"]*",node="[^"]*",namespace="[^"]*",pod="[^"]*"\} \d+/,
    );
    const k = text.split('\n').find((l) => l.startsWith('kubeskoop_netdev_rxbytes{'))!;
    assert.match(k, /^kubeskoop_netdev_rxbytes\{k8s_node="[^"]*",k8s_namespace="[^"]*",k8s_pod="[^"]*"\} \d+/);
    // The pod received what the test sent (KubeSkoop summed every interface but lo).
    const rx = await h.prom.query(`inspector_pod_netdevrxbytes{target_pod="${pod.netns.name}"}`);
    assert.ok(Number(rx[0]!.value[1]) >= 256 * 1024, `the pod received ≥ 256 KiB (got ${rx[0]?.value[1]})`);
    // No OTel names in legacy mode, and no seed typo is served.
    assert.ok(
      !/^(system|k8s_pod|kubeskoop)_network_io_bytes_total/m.test(text) && !/^otel_scope|otel_scope_name=/m.test(text),
    );
    for (const s of SEED_NAMES.metrics)
      if (s.typoOf) assert.ok(!new RegExp(`^${s.name}\\{`, 'm').test(text), `${s.name} (a seed typo) is not served`);
  });

  it('both: legacy values equal the OTel series summed as KubeSkoop did; one response, no family twice', async () => {
    h = await start('both');
    const enabled = h.agent.config.metrics.probes.map((p) => p.name);
    await h.prom.waitForTargetsUp(30_000);
    const { expected, noData } = await seedNamesWithData(h, enabled, pod);
    assert.deepEqual(noData, [], 'seed names without data');
    const text = await scrapeText(h);
    const types = text
      .split('\n')
      .filter((l) => l.startsWith('# TYPE '))
      .map((l) => l.split(' ')[2]);
    assert.equal(new Set(types).size, types.length, 'every metric family once');
    assert.ok(
      (types.includes('system_network_io_bytes_total') && types.includes('k8s_pod_network_io_bytes_total')) ||
        types.includes('kubeskoop_network_io_bytes_total'),
    );
    const collisions = expected.filter(
      (e) =>
        types.filter((t) => t === e.served).length > 0 &&
        text.includes(`# kubeskoop-otel: legacy ${e.served} not repeated`),
    );
    if (collisions.length)
      console.log(
        `      both: legacy names equal to an OTel family, served once (OTel form): ${collisions.map((e) => e.served).join(', ')}`,
      );
    for (const e of expected.filter((x) => !collisions.includes(x))) {
      // Both series come from one scrape: evaluate both at the same instant (retry if a scrape landed between a collection and its legacy half).
      let ok = false;
      let detail = '';
      for (let i = 0; i < 4 && !ok; i++) {
        const t = Date.now() / 1000;
        const [l] = await h.prom
          .waitForQuery(legacySelector(e, pod), undefined, 20_000)
          .then(() => h!.prom.query(legacySelector(e, pod), t));
        const [o] = await h.prom.query(otelQuery(e, pod), t);
        detail = `${legacySelector(e, pod)} = ${l?.value[1]}, ${otelQuery(e, pod)} = ${o?.value[1]}`;
        ok = l !== undefined && o !== undefined && Number(l.value[1]) === Number(o.value[1]);
        if (!ok) await sleep(1000);
      }
      assert.ok(ok, detail);
    }
  });

  it("legacy flow names: kubeskoop_flow_bytes/_packets per tuple with KubeSkoop's 13 labels, equal to the OTel flow series", async () => {
    h = await start('both', '[{name: flow}]');
    await h.prom.waitForTargetsUp(30_000);
    const ip = pod.ip!;
    const sel = `{dst="${ip}",protocol="UDP",dst_pod="${pod.netns.name}"}`;
    let bytes: PromSample[] = [];
    // the probe attaches a namespace the cycle after it first sees it: send until the series shows traffic
    const end = Date.now() + 60_000;
    while (bytes.length === 0 && Date.now() < end) {
      await sendUdp('host', pod.netns, ip, { count: 50, size: 100 });
      await sleep(1000);
      bytes = await h.prom.query(`kubeskoop_flow_bytes${sel}`);
    }
    // one series per tuple: each burst goes to a new receiver port (the server's side keeps it)
    assert.ok(bytes.length >= 1, `kubeskoop_flow_bytes series for UDP to ${ip}`);
    for (const { metric: m } of bytes) {
      for (const l of Object.keys(m).filter((k) => !['__name__', 'job', 'instance'].includes(k)))
        assert.ok(
          (LEGACY_TUPLE_LABELS as readonly string[]).includes(l),
          `label ${l} is one of KubeSkoop's tuple labels`,
        );
      // the sender is the host side of the veth: an address of this node, named as the node
      assert.equal(m.src, pod.veth!.addrA);
      assert.equal(m.src_type, 'node');
      assert.equal(m.src_node, NODE);
      assert.equal(m.dst_type, 'pod');
      // the server port on one side, 0 (never the ephemeral port) on the other
      assert.ok(
        [m.sport, m.dport].includes('0') && Number(m.sport) + Number(m.dport) > 0,
        `ports ${m.sport}/${m.dport}`,
      );
    }
    for (const name of ['kubeskoop_flow_bytes', 'kubeskoop_flow_packets'])
      assert.equal(await promType(h.prom, name), 'counter', `${name}: type`);
    // the same scrape's OTel series: the pod's received UDP to that address
    const otel = (metric: typeof FLOW_IO): string =>
      `sum(${promName(metric.name, metric.instrument, metric.unit)}{${promLabelName(ATTR_KUBESKOOP_NETNS_NAME)}="${pod.netns.name}",network_io_direction="receive",network_transport="udp",network_local_address="${ip}"})`;
    for (const [legacy, metric] of [
      ['kubeskoop_flow_bytes', FLOW_IO],
      ['kubeskoop_flow_packets', FLOW_PACKETS],
    ] as const) {
      let detail = '';
      const until = Date.now() + 20_000;
      for (;;) {
        const t = Date.now() / 1000;
        const [l] = await h.prom.query(`sum(${legacy}${sel})`, t);
        const [o] = await h.prom.query(otel(metric), t);
        detail = `${legacy} ${l?.value[1]}, OTel ${o?.value[1]}`;
        if (l && o && l.value[1] === o.value[1] && Number(l.value[1]) > 0) break;
        assert.ok(Date.now() < until, `legacy equals OTel: ${detail}`);
        await sleep(1000);
      }
    }
  });

  it('otel: no legacy names; every dashboard query returns data for the probes of the run', async () => {
    // Every probe this build has, and tcpext's opt-in generic counters, so that every panel can be checked.
    h = await start(
      'otel',
      `[${[...METRIC_PROBES.keys()].map((n) => (n === 'tcpext' ? '{ name: tcpext, options: { fields: ["TcpExt.TCPFastRetrans", "TcpExt.TCPKeepAlive"] } }' : n)).join(', ')}]`,
    );
    const enabled = new Set([...h.agent.config.metrics.probes.map((p) => p.name), 'agent']);
    await h.prom.waitForTargetsUp(30_000);
    // flow attaches a namespace the cycle after it first sees it, so the traffic of before() is not
    // in it: send until its series appear (bounded)
    const flowEnd = Date.now() + 60_000;
    while (!/^kubeskoop_flow_io_bytes_total\{/m.test(await scrapeText(h)) && Date.now() < flowEnd) {
      await sendUdp('host', pod.netns, pod.ip!, { count: 20, size: 100 });
      await sleep(500);
    }
    // biolatency measures block requests: make some (direct, synced writes to a file on the disk —
    // /var/tmp, as /tmp may be a tmpfs) until its series appear (bounded), rather than count on
    // the machine's own I/O
    const scratch = await mkdtemp('/var/tmp/ksotel-names-');
    try {
      const blockEnd = Date.now() + 60_000;
      while (!/^kubeskoop_block_io_duration_seconds_bucket\{/m.test(await scrapeText(h)) && Date.now() < blockEnd) {
        await runOk(
          'dd',
          ['if=/dev/zero', `of=${join(scratch, 'io')}`, 'bs=4k', 'count=8', 'oflag=direct,dsync', 'status=none'],
          {
            timeoutMs: 30_000,
          },
        );
        await sleep(500);
      }
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    // rate() needs a few scrapes: wait for Prometheus to hold at least 4 of this agent
    await h.prom.waitForQuery('count_over_time(up[1m]) >= 4', (r) => r.length > 0, 60_000);
    const text = await scrapeText(h);
    assert.ok(!/^inspector_pod_/m.test(text) && !/^kubeskoop_netdev_/m.test(text), 'no legacy names in otel mode');
    const served = new Set(
      text
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => l.split(/[{ ]/)[0]),
    );
    const json = await readFile(join(packageRoot(), DASHBOARD_PATH), 'utf8');
    const queries = dashboardQueries(json, { metrics: METRICS });
    const skipped = new Set<string>();
    const empty: string[] = [];
    let checked = 0;
    for (const q of queries) {
      const m = METRICS.find((x) => x.id === q.metricId);
      assert.ok(m, `dashboard query ${q.expr} belongs to no registry metric (regenerate: npm run generate)`);
      if (!enabled.has(q.probe)) {
        skipped.add(`${q.probe} (not enabled)`);
        continue;
      }
      const name = promName(m.name, m.instrument, m.unit) + (m.instrument === 'histogram' ? '_bucket' : '');
      if (!served.has(name)) {
        empty.push(`${m.id}: the agent served no ${name} in this run`);
        continue;
      }
      const expr = q.expr.replaceAll('$namespace', '.*').replaceAll('$pod', '.*').replaceAll('$__rate_interval', '30s');
      const r = await h.prom.waitForQuery(expr, undefined, 20_000);
      assert.ok(r.length > 0, expr);
      checked++;
    }
    // Metrics that may have no series here, each for a fact of this run; any other empty one fails.
    for (const id of Object.keys(MAY_BE_EMPTY))
      assert.ok(
        METRICS.some((m) => m.id === id),
        `MAY_BE_EMPTY names no registry metric: ${id}`,
      );
    const unexpected = empty.filter((e) => !Object.keys(MAY_BE_EMPTY).some((id) => e.startsWith(`${id}:`)));
    assert.deepEqual(unexpected, [], 'dashboard metrics without series that MAY_BE_EMPTY does not excuse');
    console.log(
      `      dashboard: ${checked} queries returned data; panels skipped: ${[...skipped].join(', ') || 'none'}; enabled-probe metrics without series in this run: ${empty.length ? `\n        ${empty.join('\n        ')}` : 'none'}`,
    );
    assert.ok(checked >= 30, `at least 30 dashboard queries checked (got ${checked})`);
    // The probes that always have data here must not be among the empty ones: every measurement has data
    // under the name of some kind of target present here (no pod with a known identity in this run means
    // no k8s.pod.* series, but the host's and the plain namespace's names of the same measurement).
    for (const probe of ['netdev', 'tcp', 'udp', 'tcpext', 'sock']) {
      if (!enabled.has(probe)) continue;
      for (const family of new Set(
        METRICS.filter((m) => m.probe === probe && !m.key.startsWith('mib_')).map((m) => m.family),
      )) {
        const names = METRICS.filter((m) => m.family === family);
        assert.ok(
          names.some((m) => !empty.some((e) => e.startsWith(`${m.id}:`))),
          `${family} has data under one of its names: ${empty.join('; ')}`,
        );
      }
    }
  });
});

// The Prometheus names and labels of /metrics, checked against a rule table written here from the OTel
// specification's "OTLP Metric points to Prometheus" (compatibility/prometheus_and_openmetrics.md), as the
// Collector's Prometheus exporters and Prometheus' OTLP ingestion apply it (prometheus/otlptranslator,
// strategy UnderscoreEscapingWithSuffixes): for every registered metric, on the exposition of a snapshot
// holding all of them and on the real agent's /metrics. The table is this file's own (it imports none
// of the code it checks); anchored on the spec's and the project's worked examples.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ATTRIBUTES, METRICS } from '../../semconv/generated/registry.js';
import type { Instrument, MetricDefinition } from '../../semconv/types.js';
import { promLabelName, promName, promNameJs, promUnit } from '../../semconv/lib/prom-names.js';
import { writeSnapshotExposition } from '../../receiver/pipeline/prometheus-exposition.js';
import type { MetricSample } from '../../receiver/probes/probe.js';
import type { Snapshot } from '../../receiver/snapshot/snapshot.js';
import type { Target } from '../../receiver/targets/target.js';
import { loadConfig } from '../../receiver/config/load.js';
import { probeCapabilities, startAgent, type RunningAgent } from '../../receiver/agent.js';
import { METRIC_PROBES } from '../../receiver/probes/catalog.js';
import { silentLogger } from '../../receiver/log.js';
import { parsePromText } from '../support/prom-text.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { sleep } from '../support/proc.js';

// ---- the rule table (the specification's words, as otlptranslator spells them) ----------------------

/** "Converting from abbreviations to full words": the UCUM units this registry uses, and the spec's examples. */
const UNIT_WORDS: Readonly<Record<string, string>> = {
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  min: 'minutes',
  h: 'hours',
  d: 'days',
  '%': 'percent',
};
/** The "per" part of a unit ("foo/bar" → "foo_per_bar"), singular. */
const PER_WORDS: Readonly<Record<string, string>> = { s: 'second', m: 'minute', h: 'hour', d: 'day' };
/** Data point type → Prometheus type; monotonic sums "MUST" get `_total`; non-monotonic sums become gauges. */
const TYPE_RULES: Readonly<Record<Instrument, { type: string; total: boolean }>> = {
  counter: { type: 'counter', total: true },
  updowncounter: { type: 'gauge', total: false },
  gauge: { type: 'gauge', total: false },
  histogram: { type: 'histogram', total: false },
};

/** The unit words: brackets dropped ("{packet}" → none), words for abbreviations, "foo/bar" → foo + per_bar. */
function unitParts(unit: string): { main: string; per: string } {
  const [main = '', per] = unit.split('/');
  const m = /[{}]/.test(main) || main === '' || main === '1' ? '' : UNIT_WORDS[main];
  assert.ok(m !== undefined, `the rule table has no word for unit ${unit}`);
  const p = per === undefined || /[{}]/.test(per) ? '' : PER_WORDS[per];
  assert.ok(p !== undefined, `the rule table has no word for unit ${unit}`);
  return { main: m, per: p === '' ? '' : `per_${p}` };
}

/** The UNIT metadata: those words; "1" → "ratio" (gauges only, as the names). */
function ruleUnit(instrument: Instrument, unit: string): string {
  if (unit === '1') return instrument === 'gauge' ? 'ratio' : '';
  const { main, per } = unitParts(unit);
  return [main, per].filter((x) => x !== '').join('_');
}

/** Name: split on characters outside [a-zA-Z0-9:] (so runs of `_` collapse), the unit words unless the
 *  name has them already, `_total` last on monotonic sums, `_ratio` last on gauges of unit 1. */
function ruleName(name: string, instrument: Instrument, unit: string): string {
  let tokens = name.split(/[^a-zA-Z0-9:]+/).filter((t) => t !== '');
  const { main, per } = unitParts(unit);
  if (main !== '' && !tokens.includes(main)) tokens.push(main);
  if (per !== '') tokens.push(per);
  if (TYPE_RULES[instrument].total) tokens = [...tokens.filter((t) => t !== 'total'), 'total'];
  if (unit === '1' && instrument === 'gauge') tokens = [...tokens.filter((t) => t !== 'ratio'), 'ratio'];
  return tokens.join('_');
}

/** Attribute → label: characters outside [a-zA-Z0-9_] to `_`. */
const ruleLabel = (attribute: string): string => attribute.replace(/[^a-zA-Z0-9_]/g, '_');

// ---------------------------------------------------------------------------------------------------

const pod: Target = {
  netnsInode: 11,
  pid: 1,
  pids: [1],
  kind: 'pod',
  pod: { name: 'web-0', namespace: 'shop', uid: 'u-0' },
};
const host: Target = { netnsInode: 1, pid: 1, pids: [1], kind: 'host', nodeName: 'node-1' };

/** One sample of every registered metric, on a target the metric is for. */
function everyMetricSnapshot(): Snapshot {
  const sample = (m: MetricDefinition): MetricSample => ({
    metric: m,
    value:
      m.instrument === 'histogram'
        ? {
            boundaries: m.buckets ?? [0.001, 0.1],
            bucketCounts: [...(m.buckets ?? [0.001, 0.1]).map(() => 1), 1],
            sum: 0.5,
            count: (m.buckets ?? [0.001, 0.1]).length + 1,
          }
        : 7,
    attributes: Object.fromEntries(m.attributes.map((a) => [a, 'x'])),
  });
  const forPod = METRICS.filter((m) => m.entities.includes('pod'));
  const forHost = METRICS.filter((m) => !m.entities.includes('pod'));
  return {
    cycle: 1,
    takenAt: 1,
    cycleDurationMs: 1,
    targets: [pod, host],
    probes: new Map(),
    entries: [
      { probe: 'all', target: pod, samples: forPod.map(sample) },
      { probe: 'all', target: host, samples: forHost.map(sample) },
    ],
  };
}

/** `# UNIT` lines of a text. */
const unitLines = (text: string): Map<string, string> =>
  new Map([...text.matchAll(/^# UNIT (\S+) (.*)$/gm)].map((m) => [m[1]!, m[2]!]));

describe('docs: Prometheus names as the specification translates them (rule table)', function () {
  this.timeout(120_000);

  it("the rule table gives the specification's and the project's worked examples", () => {
    assert.equal(ruleName('k8s.pod.network.io', 'counter', 'By'), 'k8s_pod_network_io_bytes_total');
    assert.equal(ruleName('system.network.packet.count', 'counter', '{packet}'), 'system_network_packet_count_total');
    assert.equal(ruleName('system.network.errors', 'counter', '{error}'), 'system_network_errors_total');
    assert.equal(
      ruleName('system.network.connection.count', 'updowncounter', '{connection}'),
      'system_network_connection_count',
    );
    assert.equal(
      ruleName('kubeskoop.socket.read.duration', 'histogram', 's'),
      'kubeskoop_socket_read_duration_seconds',
    );
    assert.equal(ruleName('kubeskoop.conntrack.utilization', 'gauge', '1'), 'kubeskoop_conntrack_utilization_ratio');
    assert.equal(ruleName('http.server.duration', 'histogram', 's'), 'http_server_duration_seconds');
    assert.equal(ruleName('memory.usage', 'gauge', 'By'), 'memory_usage_bytes');
    assert.equal(ruleName('requests.count', 'counter', '1'), 'requests_count_total');
    assert.equal(ruleName('foo.bytes', 'counter', 'By'), 'foo_bytes_total', 'the unit word once');
    assert.equal(ruleName('foo.total.count', 'counter', '{x}'), 'foo_count_total', '_total moved to the end');
    assert.equal(ruleName('foo', 'gauge', 'By/s'), 'foo_bytes_per_second');
    assert.equal(ruleUnit('counter', '{packet}'), '', 'brackets MUST NOT be included');
  });

  it("every registered metric: the agent's name, unit word and label names follow the table (and differ from the JS exporter's where a unit word applies)", () => {
    const units = new Set(METRICS.map((m) => m.unit));
    for (const u of units) ruleUnit('counter', u); // the table covers every unit the registry uses
    let withWord = 0;
    for (const m of METRICS) {
      assert.equal(promName(m.name, m.instrument, m.unit), ruleName(m.name, m.instrument, m.unit), m.id);
      assert.equal(promUnit(m.instrument, m.unit), ruleUnit(m.instrument, m.unit), `${m.id}: UNIT`);
      const word = ruleUnit(m.instrument, m.unit);
      if (word !== '' && !m.name.split('.').includes(word)) {
        withWord++;
        assert.notEqual(promName(m.name, m.instrument, m.unit), promNameJs(m.name, m.instrument), m.id);
      }
      for (const a of m.attributes) assert.equal(promLabelName(a), ruleLabel(a), `${m.id}: label of ${a}`);
    }
    assert.ok(withWord >= 10, `${withWord} metrics carry a unit word`);
    for (const a of ATTRIBUTES) assert.equal(promLabelName(a.name), ruleLabel(a.name));
    // otlptranslator's label rule for a leading digit or underscore
    assert.equal(promLabelName('0abc'), 'key_0abc');
    assert.equal(promLabelName('_abc'), 'key_abc');
    assert.equal(promLabelName('__abc'), '__abc');
  });

  it('/metrics exposition of every registered metric: family name, TYPE, UNIT (no braces), label names, scope labels, histogram series', async () => {
    const chunks: string[] = [];
    await writeSnapshotExposition(
      everyMetricSnapshot(),
      {
        write: (c) => {
          chunks.push(c);
        },
      },
      { scope: { name: 'kubeskoop-otel', version: '9.9.9' } },
    );
    const text = chunks.join('');
    const parsed = parsePromText(text);
    assert.deepEqual(parsed.errors, []);
    const units = unitLines(text);
    assert.ok(![...units.values()].some((u) => /[{}]/.test(u)), 'no braces in # UNIT');
    const byName = new Map<string, MetricDefinition>();
    for (const m of METRICS) byName.set(m.name, m);
    for (const m of byName.values()) {
      const family = ruleName(m.name, m.instrument, m.unit);
      assert.equal(parsed.types[family], TYPE_RULES[m.instrument].type, `${m.name}: # TYPE ${family}`);
      assert.equal(units.get(family), ruleUnit(m.instrument, m.unit) || undefined, `${m.name}: # UNIT ${family}`);
      assert.ok(
        METRICS.some((x) => x.name === m.name && x.brief.en === parsed.help[family]),
        `${m.name}: # HELP is its meaning`,
      );
      const series = m.instrument === 'histogram' ? [`${family}_bucket`, `${family}_sum`, `${family}_count`] : [family];
      for (const s of series) {
        const got = parsed.samples.filter((x) => x.name === s);
        assert.ok(got.length > 0, `${m.name}: ${s} served`);
        for (const x of got) {
          for (const a of m.attributes) assert.equal(x.labels[ruleLabel(a)], 'x', `${s}: label ${ruleLabel(a)}`);
          assert.equal(x.labels.otel_scope_name, 'kubeskoop-otel');
          assert.equal(x.labels.otel_scope_version, '9.9.9');
          assert.ok(x.labels.kubeskoop_target_kind !== undefined, `${s}: the target identity stays a label`);
        }
      }
      if (m.instrument === 'histogram')
        assert.ok(
          parsed.samples.some((x) => x.name === `${family}_bucket` && x.labels.le === '+Inf'),
          `${family}: +Inf bucket`,
        );
    }
    // Nothing else: every family is a registered metric's.
    const expected = new Set([...byName.values()].map((m) => ruleName(m.name, m.instrument, m.unit)));
    assert.deepEqual(
      Object.keys(parsed.types).filter((f) => !expected.has(f)),
      [],
    );
    // Without scope info: no otel_scope_* label.
    const plain: string[] = [];
    await writeSnapshotExposition(everyMetricSnapshot(), {
      write: (c) => {
        plain.push(c);
      },
    });
    assert.ok(!plain.join('').includes('otel_scope_'));
  });

  describe("the real agent's /metrics (every procfs probe, OTLP on so the SDK's own metrics are there too)", () => {
    let agent: RunningAgent | undefined;
    let rx: OtlpReceiver | undefined;
    let dir: string | undefined;
    const start = async (extra: string): Promise<string> => {
      dir = await mkdtemp(join(tmpdir(), 'ksotel-promrules-'));
      const file = join(dir, 'config.yaml');
      await writeFile(
        file,
        [
          'interval: 1s',
          'server: { address: 127.0.0.1, port: 0 }',
          'log: { level: error }',
          extra,
          `metrics: { probes: [${[...METRIC_PROBES.keys()]
            .filter((n) => !['tcpsummary', 'qdisc'].includes(n))
            .map((n) => (['tcpext', 'ip', 'udp'].includes(n) ? `{ name: ${n}, options: { fields: ["*"] } }` : n))
            .join(', ')}] }`,
          `otlp: { endpoint: ${rx!.grpcEndpoint}, export_interval: 1s }`,
          '',
        ].join('\n'),
      );
      agent = await startAgent(loadConfig({ file, env: {}, flags: {}, probes: probeCapabilities() }), silentLogger);
      await sleep(3500); // a few cycles and exports
      return (await fetch(`http://127.0.0.1:${agent.http.port}/metrics`)).text();
    };
    beforeEach(async () => {
      rx = await startOtlpReceiver({ http: false });
    });
    afterEach(async () => {
      await agent?.stop();
      await rx?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
      agent = undefined;
    });

    it('every family is a registered metric named by the table (or target_info), typed by it, every series with scope labels', async () => {
      const text = await start('prometheus: { names: otel }');
      const parsed = parsePromText(text);
      assert.deepEqual(parsed.errors, []);
      const units = unitLines(text);
      const byFamily = new Map<string, MetricDefinition>();
      for (const m of METRICS) byFamily.set(ruleName(m.name, m.instrument, m.unit), m);
      const unknown: string[] = [];
      let families = 0;
      for (const [family, type] of Object.entries(parsed.types)) {
        if (family === 'target_info') continue;
        const m = byFamily.get(family);
        if (!m) {
          unknown.push(family);
          continue;
        }
        families++;
        assert.equal(type, TYPE_RULES[m.instrument].type, family);
        assert.equal(units.get(family), ruleUnit(m.instrument, m.unit) || undefined, `# UNIT ${family}`);
      }
      assert.deepEqual(unknown, [], 'families no registered metric explains');
      assert.ok(families >= 80, `${families} families`);
      for (const name of [
        'otel_sdk_exporter_metric_data_point_exported_total',
        'otel_sdk_exporter_operation_duration_seconds_count',
        'kubeskoop_agent_target_count',
      ]) {
        assert.ok(
          parsed.samples.some((x) => x.name === name),
          `${name} served`,
        );
      }
      const noScope = parsed.samples.filter(
        (x) => x.name !== 'target_info' && (x.labels.otel_scope_name === undefined || x.labels.otel_scope_name === ''),
      );
      assert.deepEqual(noScope.slice(0, 3), [], 'every series names its instrumentation scope');
      assert.ok(
        parsed.samples.some(
          (x) => x.labels.otel_scope_name === 'kubeskoop-otel' && x.labels.otel_scope_version !== undefined,
        ),
      );
      const info = parsed.samples.filter((x) => x.name === 'target_info');
      assert.equal(info.length, 1, 'one target_info');
      assert.equal(info[0]!.labels.service_name, 'kubeskoop-otel');
    });

    it('prometheus.scope_info: false turns the scope labels off', async () => {
      const text = await start('prometheus: { names: otel, scope_info: false }');
      assert.ok(text.includes('system_network_io_bytes_total{'));
      assert.ok(!text.includes('otel_scope_'));
    });
  });
});

// `kubeskoop-otel explain`: each kind of name, a misspelling, --list, --lang zh — through the module
// and through the real CLI.
import assert from 'node:assert/strict';
import { closestNames, editDistance, explain, explainList, legacyPromql } from '../../receiver/cli/explain.js';
import { EVENTS, METRICS, PROBES } from '../../semconv/generated/registry.js';
import { SEED_NAMES } from '../../semconv/generated/seed-names.js';
import { promName, promNameJs } from '../../semconv/lib/prom-names.js';
import { attributeRenames, metricRenames } from '../../semconv/lib/renames.js';
import { CLI } from '../support/agent.js';
import { run } from '../support/proc.js';

const netdevIo = METRICS.find((m) => m.id === 'netdev.io.host')!;
const podIo = METRICS.find((m) => m.id === 'netdev.io.pod')!;

describe('docs: kubeskoop-otel explain', function () {
  this.timeout(120_000); // the CLI runs start node six times; slow on a loaded machine
  it('an OTel name: meaning, source, unit, attributes, whom it is for, the Prometheus name, overhead, legacy names, what next', () => {
    const r = explain(podIo.name);
    assert.ok(r.found);
    assert.deepEqual(r.kinds, ['otel-metric']);
    for (const s of [
      podIo.brief.en,
      podIo.source,
      podIo.unit,
      'network.io.direction',
      'k8s_pod_network_io_bytes_total',
      'Reported for: pod (semconv name for k8s.pod)',
      'host → system.network.io',
      'netns → kubeskoop.network.io',
      'Before: system.network.io (system_network_io_total)',
      'Overhead',
      "KubeSkoop's label: low",
      'inspector_pod_netdevrxbytes',
      'Look next',
      'semconv/docs/probes/netdev.md',
    ]) {
      assert.ok(r.text.includes(s), `missing ${s}`);
    }
  });

  it('every metric by each of its names, its Prometheus series included', () => {
    for (const m of METRICS) {
      const prom = promName(m.name, m.instrument, m.unit);
      for (const n of [
        m.name,
        prom,
        ...(m.instrument === 'histogram' ? [`${prom}_bucket`] : []),
        ...m.legacy.map((l) => l.name),
      ]) {
        const r = explain(n);
        assert.ok(r.found, n);
        assert.ok(r.text.includes(m.name), `${n} explains ${m.name}`);
      }
    }
  });

  it("a legacy name: what it is now, with KubeSkoop's aggregation and the PromQL that gives it back", () => {
    const r = explain('inspector_pod_netdevtxbytes');
    assert.deepEqual(r.kinds, ['legacy']);
    assert.match(
      r.text,
      /is now: k8s\.pod\.network\.io \{network\.io\.direction=transmit\}, summed over every interface except lo/,
    );
    const l = podIo.legacy.find((x) => x.name === 'inspector_pod_netdevtxbytes')!;
    assert.equal(
      legacyPromql(podIo, l),
      'sum by (k8s_namespace_name, k8s_pod_name) (k8s_pod_network_io_bytes_total{network_io_direction="transmit", network_interface_name!="lo"})',
    );
    assert.ok(r.text.includes(legacyPromql(podIo, l)));
    assert.ok(r.text.includes('发送字节数'), "the seed's own words");
  });

  it('the old names (before the names followed the entity and the specification): what replaced each, OTel and /metrics alike', () => {
    const renames = metricRenames(METRICS);
    assert.ok(renames.length >= 30, `${renames.length} renames`);
    for (const r of renames) {
      for (const n of [r.oldName, r.oldProm]) {
        const e = explain(n);
        assert.ok(e.found, n);
        assert.ok(e.text.includes(r.metric.name), `${n} says it is now ${r.metric.name}`);
      }
    }
    const old = explain('system_network_io_total');
    assert.ok(old.kinds.includes('renamed-prom'));
    for (const s of [
      'system_network_io_bytes_total',
      'k8s_pod_network_io_bytes_total',
      'kubeskoop_network_io_bytes_total',
      'host',
      'pod',
      'netns',
    ])
      assert.ok(old.text.includes(s), s);
    assert.match(
      explain('process.disk.io').text,
      /renamed: now kubeskoop\.disk\.io \(\/metrics kubeskoop_disk_io_bytes_total\)/,
    );
    assert.match(explain('process_unix_file_descriptor_count').text, /kubeskoop\.fd\.count/);
    assert.match(explain('kubeskoop.mib.counter').text, /kubeskoop\.mib\.events/);
    assert.match(
      explain('kubeskoop_agent_export_failures_total').text,
      /otel\.sdk\.exporter\.metric_data_point\.exported/,
    );
    for (const r of attributeRenames(METRICS, [])) assert.ok(explain(r.oldName).text.includes(r.newName), r.oldName);
    assert.match(explain('kubeskoop.probe.error.kind').text, /now error\.type/);
    assert.equal(
      explain(promNameJs('kubeskoop.tcp.retransmits', 'counter')).kinds.includes('renamed-prom'),
      false,
      'a name that did not change is not a rename',
    );
  });

  it("the seed's typos: said to be typos, explained through the real name", () => {
    const r = explain('inspector_pod_netdevrxerror');
    assert.ok(r.found);
    assert.match(r.text, /seed catalogue's spelling of inspector_pod_netdevrxerrors/);
    assert.ok(r.text.includes('k8s.pod.network.errors') && r.text.includes('system.network.errors'));
    // Every seed name is explainable, mapped or pending.
    for (const s of SEED_NAMES.metrics) assert.ok(explain(s.name).found, s.name);
    for (const s of SEED_NAMES.events) assert.ok(explain(s.type).found, s.type);
    const ev = explain('TCP_NOSOCK');
    assert.ok(ev.text.includes('TCPRESET_NOSOCK'));
  });

  it('event names and KubeSkoop event types (when the registry has events), probes and attributes', () => {
    for (const e of EVENTS) {
      assert.ok(explain(e.name).found, e.name);
      for (const t of e.types) {
        const r = explain(t.type);
        assert.ok(r.found && r.text.includes(e.name) && r.text.includes(e.action.en), t.type);
      }
    }
    for (const p of PROBES) for (const n of [p.name, ...p.aliases]) assert.ok(explain(n).found, n);
    const a = explain('network_io_direction');
    assert.ok(
      a.kinds.includes('attribute'),
      'the attribute (IPVS and TCP queues had it before: an earlier name there too)',
    );
    assert.match(a.text, /receive, transmit/);
  });

  it('a misspelling: not found, the closest names by edit distance', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    const r = explain('inspector_pod_netdevrxbyts');
    assert.equal(r.found, false);
    assert.equal(r.suggestions[0], 'inspector_pod_netdevrxbytes');
    assert.match(r.text, /unknown name: inspector_pod_netdevrxbyts\nclosest matches:\n {2}inspector_pod_netdevrxbytes/);
    assert.equal(closestNames('system.network.ioo')[0], 'system.network.io');
    assert.ok(closestNames('netdevrxbytes').includes('inspector_pod_netdevrxbytes'), 'a name without its prefix');
    assert.deepEqual(closestNames('zzzzzzzzzzzzzzzzzzzzzzzzzzzz'), []);
  });

  it('--list names every metric, legacy name and probe; --lang zh speaks Chinese', () => {
    const list = explainList();
    for (const m of METRICS) assert.ok(list.includes(m.name), m.name);
    for (const m of METRICS) for (const l of m.legacy) assert.ok(list.includes(l.name), l.name);
    for (const p of PROBES) assert.ok(list.includes(p.name), p.name);
    const zh = explain('inspector_pod_netdevrxbytes', { lang: 'zh' });
    assert.ok(
      zh.text.includes('现在对应') &&
        zh.text.includes(netdevIo.brief.zh) &&
        zh.text.includes('对 lo 以外的全部网卡求和'),
    );
    assert.ok(explainList({ lang: 'zh' }).includes('指标'));
  });

  it('the real CLI: exit 0 with the explanation, 1 with suggestions, 2 on bad usage', async () => {
    const ok = await run(process.execPath, [CLI, 'explain', 'system_network_io_bytes_total'], { timeoutMs: 20_000 });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Prometheus name \(\/metrics; OTLP → Collector or Prometheus\)/);
    assert.match(ok.stdout, /^system\.network\.io {2}\(metric: counter, unit By\)$/m);
    const miss = await run(process.execPath, [CLI, 'explain', 'inspector_pod_tcpretranseg'], { timeoutMs: 20_000 });
    assert.equal(miss.code, 1);
    assert.match(miss.stdout, /closest matches:\n {2}inspector_pod_tcpretranssegs/);
    const zh = await run(process.execPath, [CLI, 'explain', '--lang', 'zh', 'netdev'], { timeoutMs: 20_000 });
    assert.equal(zh.code, 0);
    assert.ok(zh.stdout.includes(PROBES.find((p) => p.name === 'netdev')!.brief.zh));
    const list = await run(process.execPath, [CLI, 'explain', '--list'], { timeoutMs: 20_000 });
    assert.equal(list.code, 0);
    assert.ok(list.stdout.includes('inspector_pod_netdevrxbytes'));
    assert.match(
      list.stdout,
      /system\.network\.io \(system_network_io_total\) {2}→ {2}k8s\.pod\.network\.io \(k8s_pod_network_io_bytes_total\) \[pod\]/,
    );
    assert.equal((await run(process.execPath, [CLI, 'explain'], { timeoutMs: 20_000 })).code, 2);
    assert.equal((await run(process.execPath, [CLI, 'explain', '--lang', 'fr', 'x'], { timeoutMs: 20_000 })).code, 2);
  });
});

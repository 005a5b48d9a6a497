// `kubeskoop-otel explain`: each kind of name, a misspelling, --list, --lang zh — through the module
// and through the real CLI.
import assert from 'node:assert/strict';
import { closestNames, editDistance, explain, explainList, legacyPromql } from '../../receiver/cli/explain.js';
import { EVENTS, METRICS, PROBES } from '../../semconv/generated/registry.js';
import { SEED_NAMES } from '../../semconv/generated/seed-names.js';
import { promNameJs, promNameOtlp } from '../../semconv/lib/prom-names.js';
import { CLI } from '../support/agent.js';
import { run } from '../support/proc.js';

const netdevIo = METRICS.find((m) => m.id === 'netdev.io')!;

describe('docs: kubeskoop-otel explain', function () {
  this.timeout(120_000); // the CLI runs start node six times; slow on a loaded machine
  it('an OTel name: meaning, source, unit, attributes, both Prometheus names, overhead, legacy names, what next', () => {
    const r = explain(netdevIo.name);
    assert.ok(r.found);
    assert.deepEqual(r.kinds, ['otel-metric']);
    for (const s of [netdevIo.brief.en, netdevIo.source, netdevIo.unit, 'network.io.direction', promNameJs(netdevIo.name, 'counter'),
      promNameOtlp(netdevIo.name, 'counter', 'By'), 'Overhead', "KubeSkoop's label: low", 'inspector_pod_netdevrxbytes', 'Look next', 'semconv/docs/probes/netdev.md']) {
      assert.ok(r.text.includes(s), `missing ${s}`);
    }
  });

  it('every metric by each of its names, both Prometheus renderings included', () => {
    for (const m of METRICS) {
      for (const n of [m.name, promNameJs(m.name, m.instrument), promNameOtlp(m.name, m.instrument, m.unit), ...m.legacy.map((l) => l.name)]) {
        const r = explain(n);
        assert.ok(r.found, n);
        assert.ok(r.text.includes(m.name), `${n} explains ${m.name}`);
      }
    }
  });

  it('a legacy name: what it is now, with KubeSkoop\'s aggregation and the PromQL that gives it back', () => {
    const r = explain('inspector_pod_netdevtxbytes');
    assert.deepEqual(r.kinds, ['legacy']);
    assert.match(r.text, /is now: system\.network\.io \{network\.io\.direction=transmit\}, summed over every interface except lo/);
    const l = netdevIo.legacy.find((x) => x.name === 'inspector_pod_netdevtxbytes')!;
    assert.equal(legacyPromql(netdevIo, l), 'sum by (k8s_namespace_name, k8s_pod_name) (system_network_io_total{network_io_direction="transmit", network_interface_name!="lo"})');
    assert.ok(r.text.includes(legacyPromql(netdevIo, l)));
    assert.ok(r.text.includes('发送字节数'), "the seed's own words");
  });

  it("the seed's typos: said to be typos, explained through the real name", () => {
    const r = explain('inspector_pod_netdevrxerror');
    assert.ok(r.found);
    assert.match(r.text, /seed catalogue's spelling of inspector_pod_netdevrxerrors/);
    assert.ok(r.text.includes('system.network.errors'));
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
    assert.deepEqual(a.kinds, ['attribute']);
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
    assert.ok(zh.text.includes('现在对应') && zh.text.includes(netdevIo.brief.zh) && zh.text.includes('对 lo 以外的全部网卡求和'));
    assert.ok(explainList({ lang: 'zh' }).includes('指标'));
  });

  it('the real CLI: exit 0 with the explanation, 1 with suggestions, 2 on bad usage', async () => {
    const ok = await run(process.execPath, [CLI, 'explain', 'system_network_io_bytes_total'], { timeoutMs: 20_000 });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Prometheus name after Prometheus' OTLP ingestion/);
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
    assert.equal((await run(process.execPath, [CLI, 'explain'], { timeoutMs: 20_000 })).code, 2);
    assert.equal((await run(process.execPath, [CLI, 'explain', '--lang', 'fr', 'x'], { timeoutMs: 20_000 })).code, 2);
  });
});

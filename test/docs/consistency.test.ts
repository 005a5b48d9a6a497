// The registry, the generated TypeScript, the docs, the dashboard and the probes agree.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../receiver/version.js';
import { renderAll, staleFiles } from '../../semconv/tools/generate.js';
import { loadRegistry } from '../../semconv/tools/load-registry.js';
import { checkSeedNames, resolveSeedEvent, resolveSeedMetric } from '../../semconv/lib/seed-names.js';
import { loadSeedNames } from '../../semconv/tools/load-seed-names.js';
import { DASHBOARD_PATH, dashboardQueries } from '../../semconv/tools/render-dashboard.js';
import { DOCS_DIR } from '../../semconv/tools/render-docs.js';
import { promName, promSeriesNames } from '../../semconv/lib/prom-names.js';
import { attributeRenames, metricRenames } from '../../semconv/lib/renames.js';
import { ATTRIBUTES, EVENTS, METRICS, PROBES } from '../../semconv/generated/registry.js';
import { SEED_NAMES } from '../../semconv/generated/seed-names.js';
import { METRIC_PROBES } from '../../receiver/probes/catalog.js';

const root = packageRoot();
const { registry, problems } = loadRegistry(join(root, 'semconv', 'registry'));
const read = (p: string): string => readFileSync(join(root, p), 'utf8');

describe('docs: registry ↔ generated files ↔ docs ↔ dashboard ↔ probes', () => {
  it('the registry loads without problems', () => {
    assert.deepEqual(problems, []);
  });

  it('no generated file is stale (run npm run generate)', () => {
    assert.deepEqual(staleFiles(root), []);
  });

  it('every generated file says it is generated', () => {
    for (const [path, content] of renderAll(root)) assert.match(content, /GENERATED/, path);
  });

  it('the generated TypeScript holds exactly the registry', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(METRICS)), JSON.parse(JSON.stringify(registry.metrics)));
    assert.deepEqual(JSON.parse(JSON.stringify(EVENTS)), JSON.parse(JSON.stringify(registry.events)));
    assert.deepEqual(JSON.parse(JSON.stringify(PROBES)), JSON.parse(JSON.stringify(registry.probes)));
    assert.deepEqual(JSON.parse(JSON.stringify(ATTRIBUTES)), JSON.parse(JSON.stringify(registry.attributes)));
    const seed = loadSeedNames(join(root, 'semconv', 'registry', 'seed-names.yaml'));
    assert.deepEqual(seed.problems, []);
    assert.deepEqual(SEED_NAMES, seed.seed);
  });

  it('every metric a probe declares is the registry entry of that id', () => {
    for (const [name, mod] of METRIC_PROBES) {
      const probe = mod.create();
      assert.equal(probe.name, name);
      assert.ok(
        PROBES.some((p) => p.name === name),
        `probe ${name} is not in probes.yaml`,
      );
      for (const m of probe.metrics) {
        const reg = registry.metrics.find((r) => r.id === m.id);
        assert.ok(reg, `probe ${name} declares ${m.id}, which is not in the registry`);
        assert.deepEqual(JSON.parse(JSON.stringify(m)), JSON.parse(JSON.stringify(reg)));
        assert.equal(m.probe, name);
      }
    }
  });

  it('every registry metric of an implemented probe is declared by that probe (the others are pending, listed)', () => {
    const pending: string[] = [];
    for (const m of registry.metrics) {
      const mod = METRIC_PROBES.get(m.probe);
      if (!mod) {
        if (m.probe !== 'agent') pending.push(m.id);
        continue;
      }
      assert.ok(
        mod.create().metrics.some((d) => d.id === m.id),
        `${m.id} is in the registry but probe ${m.probe} does not declare it`,
      );
    }
    if (pending.length)
      console.log(`      registry metrics of probes not implemented in this build: ${pending.join(', ')}`);
  });

  it('each probe page lists its metrics with whom each name is for, its Prometheus name and legacy names, in both languages', () => {
    for (const p of registry.probes) {
      for (const ext of ['.md', '.zh.md']) {
        const page = read(`${DOCS_DIR}/probes/${p.name}${ext}`);
        assert.ok(page.includes(p.brief[ext === '.md' ? 'en' : 'zh']), `${p.name}${ext}: brief`);
        for (const m of registry.metrics.filter((x) => x.probe === p.name)) {
          assert.ok(page.includes(`\`${m.name}\``), `${p.name}${ext}: ${m.name}`);
          assert.ok(
            page.includes(promName(m.name, m.instrument, m.unit)),
            `${p.name}${ext}: Prometheus name of ${m.name}`,
          );
          assert.ok(page.includes(`| ${m.entities.join(', ')}`), `${p.name}${ext}: whom ${m.name} is for`);
          for (const l of m.legacy) assert.ok(page.includes(l.name), `${p.name}${ext}: legacy ${l.name}`);
        }
      }
    }
  });

  it('the event catalogue lists every event and type; the legacy page every legacy name and seed name', () => {
    for (const ext of ['.md', '.zh.md']) {
      const events = read(`${DOCS_DIR}/events${ext}`);
      for (const e of registry.events) {
        assert.ok(events.includes(e.name), e.name);
        for (const t of e.types) assert.ok(events.includes(t.type), t.type);
      }
      for (const s of SEED_NAMES.events) assert.ok(events.includes(s.type), s.type);
      const legacy = read(`${DOCS_DIR}/legacy-names${ext}`);
      for (const m of registry.metrics) for (const l of m.legacy) assert.ok(legacy.includes(`\`${l.name}\``), l.name);
      for (const s of SEED_NAMES.metrics) assert.ok(legacy.includes(`\`${s.name}\``), s.name);
      const index = read(`${DOCS_DIR}/index${ext}`);
      for (const p of registry.probes) assert.ok(index.includes(`probes/${p.name}${ext}`), `index links ${p.name}`);
    }
  });

  it('the upgrade page lists every rename (old → new), metrics and attributes, OTel and /metrics names, in both languages', () => {
    const renames = metricRenames(registry.metrics);
    assert.ok(renames.some((r) => r.oldName === 'system.network.io' && r.metric.name === 'k8s.pod.network.io'));
    assert.ok(
      renames.some((r) => r.oldProm === 'system_network_io_total' && r.newProm === 'system_network_io_bytes_total'),
    );
    assert.ok(renames.some((r) => r.oldName === 'process.disk.io'));
    for (const ext of ['.md', '.zh.md']) {
      const page = read(`${DOCS_DIR}/upgrade${ext}`);
      for (const r of renames) {
        const row = page
          .split('\n')
          .find((l) =>
            l.startsWith(`| \`${r.oldName}\` | \`${r.oldProm}\` | \`${r.metric.name}\` | \`${r.newProm}\` |`),
          );
        assert.ok(row, `${ext}: ${r.oldName} → ${r.metric.name}`);
      }
      for (const r of attributeRenames(registry.metrics, registry.attributes))
        assert.ok(page.includes(`\`${r.oldName}\``) && page.includes(`\`${r.newName}\``), r.oldName);
      assert.ok(read(`${DOCS_DIR}/index${ext}`).includes(`upgrade${ext}`), 'the index links the upgrade page');
    }
  });

  it('every seed metric and event is mapped, or pending with a reason', () => {
    assert.deepEqual(checkSeedNames(registry, SEED_NAMES), []);
    for (const s of SEED_NAMES.metrics) {
      const r = resolveSeedMetric(registry, s);
      assert.ok(
        r.status === 'mapped' || (r.status === 'pending' && r.reason.length > 0),
        `${s.name}: ${JSON.stringify(r)}`,
      );
    }
    for (const s of SEED_NAMES.events) {
      const r = resolveSeedEvent(registry, s);
      assert.ok(
        r.status === 'mapped' || (r.status === 'pending' && r.reason.length > 0),
        `${s.type}: ${JSON.stringify(r)}`,
      );
    }
    // The netdev probe is registered: its seed names must be mapped (typos through the real name).
    for (const s of SEED_NAMES.metrics.filter((x) => x.probe === 'netdev'))
      assert.equal(resolveSeedMetric(registry, s).status, 'mapped', s.name);
  });

  it('the dashboard has a panel per metric, and its queries use names the agent serves', () => {
    const json = read(DASHBOARD_PATH);
    const d = JSON.parse(json) as {
      uid: string;
      title: string;
      schemaVersion: number;
      panels: { type: string; gridPos: object; id: number }[];
      templating: { list: { name: string }[] };
    };
    assert.equal(typeof d.uid, 'string');
    assert.ok(d.schemaVersion >= 36);
    assert.deepEqual(
      d.templating.list.map((v) => v.name),
      ['datasource', 'namespace', 'pod'],
    );
    const ids = d.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
    for (const p of d.panels) assert.ok(p.gridPos, 'every panel has a gridPos');
    const rows = d.panels.filter((p) => p.type === 'row').length;
    assert.equal(rows, registry.probes.filter((p) => registry.metrics.some((m) => m.probe === p.name)).length + 1);
    const qs = dashboardQueries(json, registry);
    for (const m of registry.metrics)
      assert.ok(
        qs.some((q) => q.metricId === m.id),
        `panel for ${m.id}`,
      );
    for (const q of qs) {
      const m = registry.metrics.find((x) => x.id === q.metricId);
      assert.ok(m, `query ${q.expr} belongs to no metric`);
      const name = promName(m.name, m.instrument, m.unit) + (m.instrument === 'histogram' ? '_bucket' : '');
      assert.ok(new RegExp(`\\b${name}\\b`).test(q.expr), `${q.expr} uses ${name}`);
      // every metric name in the query is one the agent's /metrics serves (a registered metric's series)
      const served = new Set(
        registry.metrics.flatMap((x) => promSeriesNames(promName(x.name, x.instrument, x.unit), x.instrument)),
      );
      for (const id of q.expr.match(/\b[a-z][a-z0-9_]*(?=[{[(\s])/g) ?? []) {
        if (['sum', 'rate', 'histogram_quantile', 'by', 'le'].includes(id)) continue;
        assert.ok(served.has(id) || !id.includes('_'), `${q.expr}: ${id} is not a name /metrics serves`);
      }
      if (m.instrument === 'counter' || m.instrument === 'histogram') assert.match(q.expr, /rate\(/);
    }
  });
});

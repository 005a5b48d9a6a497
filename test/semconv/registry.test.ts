import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, cpSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { loadRegistry } from '../../semconv/tools/load-registry.js';
import { staleFiles } from '../../semconv/tools/generate.js';
import { METRICS, PROBES, ATTRIBUTES } from '../../semconv/generated/registry.js';
import { METRIC_PROBES } from '../../receiver/probes/catalog.js';
import { packageRoot } from '../../receiver/version.js';

const root = packageRoot();

describe('semconv registry', () => {
  it('is valid: schemas, unique names, declared attributes, known probes', () => {
    const { problems } = loadRegistry(join(root, 'semconv', 'registry'));
    assert.deepEqual(problems, []);
  });

  it('generated files are up to date (npm run generate)', () => {
    assert.deepEqual(staleFiles(root), []);
  });

  it('agrees with the probes: every metric a probe declares is registered under that probe, and every registered probe metric has a probe filling it', () => {
    const registered = new Set(METRICS.map((m) => m.id));
    const filled = new Set<string>();
    for (const [name, mod] of METRIC_PROBES) {
      assert.ok(PROBES.some((p) => p.name === name), `probe ${name} is not in the catalogue`);
      for (const m of mod.create().metrics) {
        assert.ok(registered.has(m.id), `${name} declares unregistered ${m.id}`);
        assert.equal(m.probe, name, `${name} declares ${m.id} of probe ${m.probe}`);
        filled.add(m.id);
      }
    }
    for (const m of METRICS) {
      if (m.probe === 'agent' || !METRIC_PROBES.has(m.probe)) continue; // event probes and the agent fill their own
      assert.ok(filled.has(m.id), `${m.id} is registered but no probe declares it`);
    }
  });

  it('names follow the naming rules', () => {
    for (const m of METRICS) {
      assert.ok(!/total$/.test(m.name), `${m.name}: no total suffix`);
      assert.ok(m.semconv || m.name.startsWith('kubeskoop.'), `${m.name}: own names live in kubeskoop.`);
      if (m.instrument === 'histogram') assert.ok(m.unit === 's' || m.unit === 'By', `${m.name}: histogram unit`);
      if (/^\{.*s\}$/.test(m.unit)) assert.fail(`${m.name}: annotation units are singular (${m.unit})`);
      for (const a of m.attributes) assert.ok(ATTRIBUTES.some((x) => x.name === a));
      assert.ok(m.brief.en.length > 10 && m.brief.zh.length > 3, `${m.name}: bilingual brief`);
    }
  });

  it('reports a broken registry file by file and path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksotel-registry-'));
    try {
      cpSync(join(root, 'semconv', 'registry'), join(dir, 'semconv', 'registry'), { recursive: true });
      writeFileSync(join(dir, 'semconv', 'registry', 'metrics', 'broken.yaml'),
        'probe: netdev\nmetrics:\n  - key: x\n    name: Not.Valid\n    instrument: counter\n    unit: By\n    attributes: [no.such.attr]\n    source: s\n    brief: {en: e}\n');
      const { problems } = loadRegistry(join(dir, 'semconv', 'registry'));
      assert.ok(problems.some((p) => p.startsWith('semconv/registry/metrics/broken.yaml: at metrics.0.name:')), problems.join('\n'));
      assert.ok(problems.some((p) => p.startsWith('semconv/registry/metrics/broken.yaml: at metrics.0.brief:')), problems.join('\n'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a shared metric is defined once: each probe taking it gets its own entry, a second full copy or an unknown name is refused', () => {
    const undelivered = METRICS.filter((m) => m.name === 'kubeskoop.event.undelivered');
    assert.ok(undelivered.length >= 2, 'several event probes take kubeskoop.event.undelivered');
    for (const m of undelivered) {
      assert.equal(m.id, `${m.probe}.undelivered`);
      assert.deepEqual({ ...m, id: '', probe: '' }, { ...undelivered[0]!, id: '', probe: '' });
    }
    const dir = mkdtempSync(join(tmpdir(), 'ksotel-registry-'));
    try {
      cpSync(join(root, 'semconv', 'registry'), join(dir, 'semconv', 'registry'), { recursive: true });
      writeFileSync(join(dir, 'semconv', 'registry', 'metrics', 'copy.yaml'), [
        'probe: tcpreset', 'metrics:', '  - shared: kubeskoop.no.such',
        '  - key: again', '    name: kubeskoop.event.undelivered', '    instrument: counter', '    unit: "{event}"',
        '    attributes: [kubeskoop.probe.name]', '    source: s', '    brief: {en: a second copy, zh: 第二份}', '',
      ].join('\n'));
      const { problems } = loadRegistry(join(dir, 'semconv', 'registry'));
      assert.ok(problems.some((p) => p.startsWith('semconv/registry/metrics/copy.yaml: at metrics.0.shared: kubeskoop.no.such is not in semconv/registry/shared-metrics.yaml')), problems.join('\n'));
      assert.ok(problems.some((p) => p.startsWith('semconv/registry/metrics/copy.yaml: at metrics.1: kubeskoop.event.undelivered is defined in semconv/registry/shared-metrics.yaml')), problems.join('\n'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

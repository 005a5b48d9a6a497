import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, cpSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { loadRegistry } from '../../semconv/tools/load-registry.js';
import { staleFiles } from '../../semconv/tools/generate.js';
import { createRequire } from 'node:module';
import * as semconvStable from '@opentelemetry/semantic-conventions';
import * as semconvIncubating from '@opentelemetry/semantic-conventions/incubating';
import { METRICS, PROBES, ATTRIBUTES, ENTITIES } from '../../semconv/generated/registry.js';
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
      assert.ok(
        PROBES.some((p) => p.name === name),
        `probe ${name} is not in the catalogue`,
      );
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
      writeFileSync(
        join(dir, 'semconv', 'registry', 'metrics', 'broken.yaml'),
        'probe: netdev\nmetrics:\n  - key: x\n    name: Not.Valid\n    instrument: counter\n    unit: By\n    attributes: [no.such.attr]\n    source: s\n    brief: {en: e}\n',
      );
      const { problems } = loadRegistry(join(dir, 'semconv', 'registry'));
      assert.ok(
        problems.some((p) => p.startsWith('semconv/registry/metrics/broken.yaml: at metrics.0.name:')),
        problems.join('\n'),
      );
      assert.ok(
        problems.some((p) => p.startsWith('semconv/registry/metrics/broken.yaml: at metrics.0.brief:')),
        problems.join('\n'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a shared metric is defined once: each probe taking it gets its own entry, a second full copy or an unknown name is refused', () => {
    const undelivered = METRICS.filter((m) => m.name === 'kubeskoop.event.undelivered');
    assert.ok(undelivered.length >= 2, 'several event probes take kubeskoop.event.undelivered');
    for (const m of undelivered) {
      assert.equal(m.id, `${m.probe}.undelivered`);
      assert.deepEqual({ ...m, id: '', probe: '', family: '' }, { ...undelivered[0]!, id: '', probe: '', family: '' });
    }
    const dir = mkdtempSync(join(tmpdir(), 'ksotel-registry-'));
    try {
      cpSync(join(root, 'semconv', 'registry'), join(dir, 'semconv', 'registry'), { recursive: true });
      writeFileSync(
        join(dir, 'semconv', 'registry', 'metrics', 'copy.yaml'),
        [
          'probe: tcpreset',
          'metrics:',
          '  - shared: kubeskoop.no.such',
          '  - key: again',
          '    name: kubeskoop.event.undelivered',
          '    instrument: counter',
          '    unit: "{event}"',
          '    attributes: [kubeskoop.probe.name]',
          '    source: s',
          '    brief: {en: a second copy, zh: 第二份}',
          '',
        ].join('\n'),
      );
      const { problems } = loadRegistry(join(dir, 'semconv', 'registry'));
      assert.ok(
        problems.some((p) =>
          p.startsWith(
            'semconv/registry/metrics/copy.yaml: at metrics.0.shared: kubeskoop.no.such is not in semconv/registry/shared-metrics.yaml',
          ),
        ),
        problems.join('\n'),
      );
      assert.ok(
        problems.some((p) =>
          p.startsWith(
            'semconv/registry/metrics/copy.yaml: at metrics.1: kubeskoop.event.undelivered is defined in semconv/registry/shared-metrics.yaml',
          ),
        ),
        problems.join('\n'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('semconv names against the pinned @opentelemetry/semantic-conventions package (stable and incubating entry points)', () => {
    // Every exported name of both entry points: METRIC_* constants are metric names, ATTR_* attribute
    // names (template attributes such as k8s.pod.label.<key> are functions).
    const exported = { metrics: new Set<string>(), attributes: new Set<string>(), templates: new Set<string>() };
    for (const mod of [semconvStable, semconvIncubating] as Record<string, unknown>[]) {
      for (const [k, v] of Object.entries(mod)) {
        if (k.startsWith('METRIC_') && typeof v === 'string') exported.metrics.add(v);
        if (k.startsWith('ATTR_') && typeof v === 'string') exported.attributes.add(v);
        if (k.startsWith('ATTR_') && typeof v === 'function')
          exported.templates.add(String((v as (key: string) => string)('KEY')).replace(/\.KEY$/, ''));
      }
    }
    // The package's declarations say which names are deprecated (renamed in a later semconv release).
    const require = createRequire(import.meta.url);
    const dist = join(require.resolve('@opentelemetry/semantic-conventions/incubating'), '..');
    const declarations = [
      'experimental_metrics.d.ts',
      'experimental_attributes.d.ts',
      'stable_metrics.d.ts',
      'stable_attributes.d.ts',
    ]
      .map((f) => {
        try {
          return readFileSync(join(dist, f.replace(/\.d\.ts$/, '.d.mts')), 'utf8');
        } catch {
          return '';
        }
      })
      .join('\n');
    const deprecated = (name: string): boolean => {
      const at = declarations.indexOf(`: "${name}";`);
      if (at < 0) return false;
      const doc = declarations.slice(declarations.lastIndexOf('/**', at), at);
      return doc.includes('@deprecated');
    };

    it('the package is the pinned one and its entry points were read', () => {
      const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        dependencies: Record<string, string>;
      };
      assert.match(pkg.dependencies['@opentelemetry/semantic-conventions']!, /^\d+\.\d+\.\d+$/, 'pinned exactly');
      assert.ok(
        exported.metrics.size > 300 && exported.attributes.size > 500,
        `${exported.metrics.size} metrics, ${exported.attributes.size} attributes`,
      );
      assert.ok(declarations.length > 100_000, 'the declarations were read');
      assert.ok(deprecated('system.network.packets'), 'a name semconv renamed is seen as deprecated');
    });

    it('every semconv: true metric is exported by the package, not deprecated, with the entity semconv gives it', () => {
      const semconv = METRICS.filter((m) => m.semconv);
      assert.ok(semconv.length >= 8, `${semconv.length} semconv metrics`);
      const entityOf = new Map(ENTITIES.map((e) => [e.name, e.semconvEntity]));
      for (const m of semconv) {
        assert.ok(exported.metrics.has(m.name), `${m.name} is not a metric of @opentelemetry/semantic-conventions`);
        assert.ok(!deprecated(m.name), `${m.name} is deprecated in semconv`);
        // Its entity as written down in the registry, and the kinds of target it is emitted for agree.
        // `any`: semconv gives the name no entity, it belongs to whatever makes the measurement (dns.lookup.duration)
        for (const e of m.semconvEntity === 'any' ? [] : m.entities)
          assert.equal(
            entityOf.get(e),
            m.semconvEntity,
            `${m.name} (semconv entity ${m.semconvEntity}) emitted for ${e}`,
          );
        // and the name's namespace is the entity's: system.* for a host, k8s.pod.* for a pod, otel.sdk.* the SDK's (no entity)
        const ns = m.name.startsWith('system.')
          ? 'host'
          : m.name.startsWith('k8s.pod.')
            ? 'k8s.pod'
            : m.name.startsWith('otel.sdk.')
              ? undefined
              : m.name.startsWith('dns.')
                ? 'any'
                : 'other';
        assert.equal(ns, m.semconvEntity, `${m.name}: namespace vs semconv entity ${m.semconvEntity}`);
      }
      // system.* is the host's only; every kind of target has its name for a measurement that follows the entity
      for (const m of METRICS) if (m.name.startsWith('system.')) assert.deepEqual([...m.entities], ['host'], m.name);
      for (const m of METRICS)
        assert.ok(
          !m.name.startsWith('process.'),
          `${m.name}: a sum over a target's processes is not a process.* metric`,
        );
      assert.deepEqual(
        ENTITIES.map((e) => [e.name, e.semconvEntity ?? null]),
        [
          ['host', 'host'],
          ['pod', 'k8s.pod'],
          ['netns', null],
          ['agent', null],
        ],
      );
    });

    it('every semconv: true attribute is exported by the package and not deprecated; every own attribute lives in kubeskoop.', () => {
      for (const a of ATTRIBUTES) {
        if (a.semconv) {
          assert.ok(
            exported.attributes.has(a.name) || exported.templates.has(a.name),
            `${a.name} is not an attribute of @opentelemetry/semantic-conventions`,
          );
          assert.ok(!deprecated(a.name), `${a.name} is deprecated in semconv`);
        } else {
          assert.ok(a.name.startsWith('kubeskoop.'), `${a.name}: own attributes live in kubeskoop.`);
        }
      }
    });

    it('the loader refuses a semconv name on an entity semconv does not give it (system.* on a pod)', () => {
      const dir = mkdtempSync(join(tmpdir(), 'ksotel-registry-'));
      try {
        cpSync(join(root, 'semconv', 'registry'), join(dir, 'semconv', 'registry'), { recursive: true });
        writeFileSync(
          join(dir, 'semconv', 'registry', 'metrics', 'wrong.yaml'),
          [
            'probe: netdev',
            'metrics:',
            '  - key: wrong',
            '    name: system.network.errors',
            '    entity: pod',
            '    semconv: true',
            '    semconv_entity: host',
            '    instrument: counter',
            '    unit: "{error}"',
            '    attributes: []',
            '    source: s',
            '    brief: {en: a host name for pods, zh: 错}',
            '',
          ].join('\n'),
        );
        const { problems } = loadRegistry(join(dir, 'semconv', 'registry'));
        assert.ok(
          problems.some((p) => p.includes("system.network.errors is semconv's name for host, not for pod")),
          problems.join('\n'),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});

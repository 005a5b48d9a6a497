// The objects the agent makes per target and per collection share V8 hidden classes (maps). A literal
// that starts with a spread and adds properties (`{ ...t, kind }`) gets a map of its own per object on
// Node 20; with ~250 new targets a cycle, every read of a target was megamorphic, and the OTLP
// producer's collect was deoptimized and compiled again cycle after cycle, each compilation several
// MiB of RSS for a moment (test/bench/results/sizing-h21t-trials.md). Checked in a child node with
// V8's natives syntax (%HaveSameMap) over the built modules; eslint.config.js keeps the pattern out of
// the data path, and the bundle is built without esbuild's keepNames (it redefines closures' names,
// which turns each closure made at run time into a dictionary-mode object).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const mod = (rel: string): string => pathToFileURL(path.join(dist, rel)).href;

/** Runs `body` (ES module text, with %natives) in node --allow-natives-syntax; its stdout as JSON. */
function natives(dir: string, body: string): Record<string, number> {
  const file = path.join(dir, `probe-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, body);
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', file], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `child failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, number>;
}

const DISTINCT_MAPS = `const distinct = (xs) => { const r = []; for (const x of xs) if (!r.some((o) => %HaveSameMap(o, x))) r.push(x); return r.length; };`;

describe('hidden classes of the per-cycle objects', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ksotel-maps-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('identity gives the targets of one kind one map (40 pods, 40 plain namespaces, over two cycles)', () => {
    const proc = path.join(dir, 'proc');
    const uid = (n: number): string => `${String(n).padStart(8, '0')}-1111-4222-8333-444444444444`;
    const cg = (pid: number, text: string): void => {
      mkdirSync(path.join(proc, String(pid)), { recursive: true });
      writeFileSync(path.join(proc, String(pid), 'cgroup'), text);
    };
    cg(1, '0::/init.scope\n');
    for (let i = 0; i < 40; i++) {
      cg(
        1000 + i,
        `0::/kubepods.slice/kubepods-pod${uid(i).replaceAll('-', '_')}.slice/cri-containerd-${'a'.repeat(64)}.scope\n`,
      );
      cg(2000 + i, '0::/user.slice\n');
    }
    const out = natives(
      dir,
      `import { Identifier } from ${JSON.stringify(mod('receiver/targets/identity.js'))};
      ${DISTINCT_MAPS}
      const discovered = [{ netnsInode: 4026531840, pid: 1, pids: [1], kind: 'host' }];
      for (let i = 0; i < 40; i++) {
        discovered.push({ netnsInode: 4026540000 + i, pid: 1000 + i, pids: [1000 + i], kind: 'netns' });
        discovered.push({ netnsInode: 4026541000 + i, pid: 2000 + i, pids: [2000 + i], kind: 'netns', netnsName: 'ns-' + i });
      }
      const id = new Identifier({ procRoot: ${JSON.stringify(proc)}, mode: 'node', nodeName: 'node-x' });
      const targets = [...id.identify(discovered), ...id.identify(discovered)];
      const of = (kind) => targets.filter((t) => t.kind === kind);
      process.stdout.write(JSON.stringify({ pods: of('pod').length, podMaps: distinct(of('pod')), netns: of('netns').length, netnsMaps: distinct(of('netns')) }));`,
    );
    assert.equal(out.pods, 80);
    assert.equal(out.netns, 80);
    assert.equal(out.podMaps, 1, 'every pod target one map');
    assert.equal(out.netnsMaps, 1, 'every named namespace target one map');
  });

  it("the OTLP producer's scopes over columns share one map with fast properties, with or without their Resource", () => {
    const out = natives(
      dir,
      `import { snapshotScope } from ${JSON.stringify(mod('receiver/pipeline/snapshot-producer.js'))};
      ${DISTINCT_MAPS}
      const points = { columns: { values: new Float64Array(0), histograms: undefined, attributes: [], starts: [], endTime: [0, 0] }, ranges: [] };
      const scopes = [];
      for (let i = 0; i < 60; i++) scopes.push(snapshotScope({ name: 's', version: '1' }, points, i % 2 ? { attributes: {} } : undefined));
      process.stdout.write(JSON.stringify({ maps: distinct(scopes), dictionaryMode: scopes.filter((s) => !%HasFastProperties(s)).length }));`,
    );
    assert.equal(out.maps, 1);
    // an object literal with a getter was a dictionary-mode object each (its maps shared only until a GC)
    assert.equal(out.dictionaryMode, 0);
  });

  it('the bundle does not redefine function names at run time (esbuild keepNames off)', () => {
    const bundle = readFileSync(path.join(dist, 'kubeskoop-otel.js'), 'utf8');
    // esbuild's helper for keepNames: (fn, name) => defineProperty(fn, "name", { value: name, configurable: true })
    assert.doesNotMatch(bundle, /"name",\{value:[a-zA-Z_$]+,configurable:!0\}/);
  });
});

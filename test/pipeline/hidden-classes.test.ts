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

  it("the eBPF event probes' samples are packed arrays, and a label set keeps its attribute object across cycles", () => {
    // The native helper's counts (the probe's input; the probe is under test): new objects every cycle,
    // as the helper client makes them, two to three per namespace, one uncounted (inode 0).
    const out = natives(
      dir,
      `import { tcpreset } from ${JSON.stringify(mod('receiver/probes/tcpreset.js'))};
      import { SampleList } from ${JSON.stringify(mod('receiver/probes/sample-list.js'))};
      const counts = () => {
        const c = [];
        for (let ns = 1; ns <= 3; ns++) {
          c.push({ probe: 'tcpreset', netnsInode: ns, series: 'events', labels: { type: 'NOSOCK', reason: 'NOT_SPECIFIED' }, count: ns * 10 });
          c.push({ probe: 'tcpreset', netnsInode: ns, series: 'events', labels: { type: 'ACTIVE', reason: 'TCP_ABORT_ON_CLOSE' }, count: ns });
          if (ns === 2) c.push({ probe: 'tcpreset', netnsInode: ns, series: 'undelivered', labels: { cause: 'ring_full' }, count: 1 });
        }
        c.push({ probe: 'tcpreset', netnsInode: 0, series: 'events', labels: { type: 'NOSOCK', reason: 'NOT_SPECIFIED' }, count: 7 });
        return c;
      };
      const native = { refreshCounters: async () => {}, counts, probeStatus: () => ({ state: 'running' }) };
      const probe = tcpreset.create({ native });
      const targets = [{ netnsInode: 4026531840, kind: 'host', pids: [1] }, { netnsInode: 1, kind: 'netns', pids: [2] }, { netnsInode: 2, kind: 'netns', pids: [3] }, { netnsInode: 3, kind: 'netns', pids: [4] }];
      const lists = targets.map(() => new SampleList());
      const cycles = [];
      for (let cycle = 0; cycle < 2; cycle++) {
        await probe.beforeCycle({});
        cycles.push(targets.map((t, i) => probe.collect(t, {}, lists[i].next()).samples.slice()));
        lists.forEach((l) => l.publish(false));
      }
      // as in a running agent, collect optimized by TurboFan (whose inlined Array.prototype.map made holey arrays)
      const collect = probe.collect;
      %PrepareFunctionForOptimization(collect);
      for (let i = 0; i < targets.length; i++) collect.call(probe, targets[i], {}, lists[i].next());
      const arrays = [];
      for (let i = 0; i < targets.length; i++) {
        %OptimizeFunctionOnNextCall(collect);
        arrays.push(collect.call(probe, targets[i], {}, new SampleList()).samples);
      }
      const attrs = (cycle) => cycles[cycle].flat().map((s) => s.attributes);
      process.stdout.write(JSON.stringify({
        lengths: cycles[1].map((s) => s.length),
        holey: arrays.filter((a) => %HasHoleyElements(a)).length,
        sameAttributeObjects: attrs(0).every((a, i) => a === attrs(1)[i]) ? 1 : 0,
        sharedAcrossNamespaces: cycles[1][1][0].attributes === cycles[1][3][0].attributes ? 1 : 0,
        values: cycles[1][2].map((s) => s.value),
      }));`,
    );
    assert.deepEqual(
      out.lengths,
      [1, 2, 3, 2],
      'the host gets the uncounted inode 0; namespace 2 its undelivered count',
    );
    assert.deepEqual(out.values, [20, 2, 1]);
    assert.equal(out.holey, 0, 'no holey sample array');
    assert.equal(out.sameAttributeObjects, 1, 'each series keeps its attribute object from one cycle to the next');
    assert.equal(out.sharedAcrossNamespaces, 1, 'one label set, one attribute object');
  });

  it('the bundle does not redefine function names at run time (esbuild keepNames off)', () => {
    const bundle = readFileSync(path.join(dist, 'kubeskoop-otel.js'), 'utf8');
    // esbuild's helper for keepNames: (fn, name) => defineProperty(fn, "name", { value: name, configurable: true })
    assert.doesNotMatch(bundle, /"name",\{value:[a-zA-Z_$]+,configurable:!0\}/);
  });
});

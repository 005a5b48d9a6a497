// Every published cost figure comes from a results file that `npm run bench` wrote: the files the
// docs and the registry cite exist, the registry's measured overheads are in the file they cite,
// and the sizing page's procfs and series figures are the ones in procfs.json and sizing.json.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRegistry } from '../../semconv/tools/load-registry.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (p: string): string => readFileSync(path.join(REPO, p), 'utf8');
const RESULTS = 'test/bench/results';

/** Markdown and YAML a user reads figures in: README, docs/, the registry, the chart. */
function published(): string[] {
  const out = ['README.md'];
  const walk = (dir: string): void => {
    if (!existsSync(path.join(REPO, dir))) return;
    for (const e of readdirSync(path.join(REPO, dir))) {
      const p = `${dir}/${e}`;
      if (statSync(path.join(REPO, p)).isDirectory()) walk(p);
      else if (/\.(md|ya?ml)$/.test(e)) out.push(p);
    }
  };
  for (const d of ['docs', 'semconv/registry', 'semconv/docs', 'deploy']) walk(d);
  return out;
}

/** The numbers in a text, as written (thousands separators dropped). */
const numbers = (text: string): number[] =>
  [...text.replace(/(\d),(\d{3})/g, '$1$2').matchAll(/\d+(?:\.\d+)?/g)].map((m) => Number(m[0]));

describe('published figures trace to bench results files', () => {
  it('every results file cited exists', () => {
    for (const file of published()) {
      for (const m of read(file).matchAll(/test\/bench\/results\/([A-Za-z0-9_.-]+\.(?:md|json))/g)) {
        assert.ok(
          existsSync(path.join(REPO, RESULTS, m[1]!)),
          `${file} cites ${RESULTS}/${m[1]}, which does not exist`,
        );
      }
      assert.doesNotMatch(
        read(file),
        /DESIGN\.md: \d/,
        `${file} quotes a figure from DESIGN.md, which no bench writes`,
      );
    }
  });

  it('every measured overhead in the registry names its results file, and the figure is in it', () => {
    const { registry, problems } = loadRegistry(path.join(REPO, 'semconv/registry'));
    assert.deepEqual(problems, []);
    let n = 0;
    for (const p of registry.probes) {
      const m = p.measuredOverhead;
      if (!m) continue;
      n++;
      const cited = /test\/bench\/results\/([A-Za-z0-9_.-]+)\.md/.exec(m.measured ?? '');
      assert.ok(cited, `${p.name}: measured_overhead cites no results file`);
      const text = ['md', 'json']
        .map((x) => path.join(RESULTS, `${cited[1]}.${x}`))
        .filter((f) => existsSync(path.join(REPO, f)))
        .map(read)
        .join('\n');
      const decimals = (String(m.value).split('.')[1] ?? '').length;
      const found = numbers(text).some((x) => Number(x.toFixed(decimals)) === m.value);
      assert.ok(found, `${p.name}: ${m.value} ${m.unit} is not in ${RESULTS}/${cited[1]}.md or .json`);
    }
    assert.ok(n > 0, 'the registry has measured overheads to check');
  });

  it("docs/sizing.md: the collection cost and its floor at 250 namespaces are procfs.json's", () => {
    const doc = read('docs/sizing.md').replace(/\s+/g, ' ');
    const procfs = JSON.parse(read(`${RESULTS}/procfs.json`)) as {
      commit: string;
      rounds: number;
      sizes: {
        testNamespaces: number;
        agentCpuMsPerNs: { median: number };
        floorCpuMsPerNs: { median: number };
        ratio: { median: number; min: number; max: number };
      }[];
    };
    assert.match(procfs.commit, /^[0-9a-f]{40}$/, 'procfs.json is stamped with its commit');
    assert.ok(procfs.rounds >= 7, 'at least 7 paired rounds');
    const at250 = procfs.sizes.find((s) => s.testNamespaces === 250);
    assert.ok(at250, 'procfs.json has the 250-namespace size');
    const want = `${at250.agentCpuMsPerNs.median.toFixed(2)} ms per namespace per cycle at 250 namespaces, ${at250.ratio.median.toFixed(1)}× the ${at250.floorCpuMsPerNs.median.toFixed(2)} ms of its C floor`;
    assert.ok(doc.includes(want), `docs/sizing.md should say: ${want}`);
  });

  it("docs/sizing.md: the agent against the floor of its own kept files and the paced floors, at every size, is procfs.json's", () => {
    const doc = read('docs/sizing.md').replace(/\s+/g, ' ');
    type M = { median: number };
    const procfs = JSON.parse(read(`${RESULTS}/procfs.json`)) as {
      sizes: {
        testNamespaces: number;
        ratio: M;
        ratioKept: M;
        ratioPaced: M;
        ratioKeptPaced: M;
        pacingEffect: M;
        floorKeptCpuMsPerCycle: M;
        floorCpuMsPerCycle: M;
        ratioWalkPaced: M;
        ratioWalkKeptPaced: M;
        processSource: string;
      }[];
    };
    const x = (m: M): string => `${m.median.toFixed(2)}×`;
    const list = (pick: (s: (typeof procfs.sizes)[number]) => M): string =>
      procfs.sizes.map((s) => x(pick(s))).join(', ');
    const at250 = procfs.sizes.find((s) => s.testNamespaces === 250);
    assert.ok(at250, 'procfs.json has the 250-namespace size');
    for (const want of [
      `per round ${list((s) => s.ratio)} at ${procfs.sizes.map((s) => s.testNamespaces).join(', ')} test namespaces`,
      `against it the agent took ${list((s) => s.ratioKept)}`,
      // the same floors paced as the agent's cycles
      `took ${list((s) => s.pacingEffect)} its back-to-back CPU`,
      `Against the paced floor the agent took ${list((s) => s.ratioPaced)}`,
      `(${list((s) => s.ratioKeptPaced)} against it paced)`,
      `${at250.floorKeptCpuMsPerCycle.median.toFixed(1)} ms per cycle at 250 namespaces against ${at250.floorCpuMsPerCycle.median.toFixed(1)} ms`,
      // the floors with the processes from the task walk, as the agent takes them
      `Against the task-walk floor paced, the agent took ${list((s) => s.ratioWalkPaced)} (${list((s) => s.ratioWalkKeptPaced)} with the files kept)`,
    ])
      assert.ok(doc.includes(want), `docs/sizing.md should say: ${want}`);
    for (const s of procfs.sizes)
      assert.equal(s.processSource, 'task-walk', `the agent used the task walk at ${s.testNamespaces}`);
  });

  it("docs/sizing.md: the Node read floor, the native batch reader and the semi-space trade-off at 250 namespaces are procfs.json's", () => {
    const doc = read('docs/sizing.md').replace(/\s+/g, ' ');
    type M = { median: number };
    const procfs = JSON.parse(read(`${RESULTS}/procfs.json`)) as {
      sizes: {
        testNamespaces: number;
        nodeFloorRatio: M;
        batchNumbersRatio: M;
        batchTextRatio: M;
        nativeEstimateRatio: M;
        agentRssMiB: number;
        variants: { name: string; vsDefault: M; rssMiB: number }[];
      }[];
    };
    const at250 = procfs.sizes.find((s) => s.testNamespaces === 250);
    assert.ok(at250, 'procfs.json has the 250-namespace size');
    const x = (s: M): string => `${s.median.toFixed(1)}×`;
    for (const want of [
      `Node's cheapest synchronous reads of the same files, with no parsing, already cost ${x(at250.nodeFloorRatio)} the C floor`,
      `a native batch reader measured ${x(at250.batchTextRatio)} the C floor handing Node the texts and ${x(at250.batchNumbersRatio)} handing it the parsed numbers`,
      `with the agent's work beyond its reads on top, ${x(at250.nativeEstimateRatio)} (an estimate, and an upper bound`,
    ])
      assert.ok(doc.includes(want), `docs/sizing.md should say: ${want}`);
    for (const v of at250.variants) {
      const want = `${v.name}: ${v.vsDefault.median.toFixed(2)}× the CPU, ${v.rssMiB.toFixed(0)} MiB RSS against ${at250.agentRssMiB.toFixed(0)}`;
      assert.ok(doc.includes(want), `docs/sizing.md should say: ${want}`);
    }
  });

  it("docs/sizing.md: host series per pod count and the gzip example are sizing.json's", () => {
    const doc = read('docs/sizing.md').replace(/\s+/g, ' ');
    const sizing = JSON.parse(read(`${RESULTS}/sizing.json`)) as {
      runs: { pods: number; seriesHost: number; otlp?: { reencodedBytes: number; gzipBytes: number } }[];
    };
    const fmt = (n: number): string => n.toLocaleString('en-US');
    const host = sizing.runs.map((r) => fmt(r.seriesHost));
    assert.ok(
      doc.includes(`the host target had ${host.slice(0, -1).join(', ')} and ${host[host.length - 1]} series`),
      `host series ${host.join(', ')}`,
    );
    const o = sizing.runs.find((r) => r.pods === 110)?.otlp;
    assert.ok(o, 'sizing.json has the 110-pod OTLP figures');
    assert.ok(
      doc.includes(
        `~${Math.round(o.reencodedBytes / o.gzipBytes)}× on the test data (${fmt(o.reencodedBytes)} → ${fmt(o.gzipBytes)} bytes per export at 110 pods)`,
      ),
      'gzip example',
    );
  });
  it("docs/sizing.md: the export costs at 250 pods are export.json's", () => {
    const doc = read('docs/sizing.md').replace(/\s+/g, ' ');
    const m = (x: { median: number }): string => x.median.toFixed(2);
    const exp = JSON.parse(read(`${RESULTS}/export.json`)) as {
      commit: string;
      rounds: number;
      compression: string;
      sizes: Record<string, any>[];
    };
    assert.match(exp.commit, /^[0-9a-f]{40}$/, 'export.json is stamped with its commit');
    assert.ok(exp.rounds >= 7, 'at least 7 rounds');
    const s = exp.sizes.find((x) => x.testPods === 250);
    assert.ok(s, 'export.json has the 250-pod size');
    const want = [
      `OTLP export ${m(s.otlpGrpcUsPerPoint)} µs (gRPC) and ${m(s.otlpHttpUsPerPoint)} µs (http/protobuf) of CPU per data point sent, ${m(s.otlpGrpcToFloor)}× and ${m(s.otlpHttpToFloor)}× protobufjs encoding the same points (${m(s.protobufjsFloorUsPerPoint)} µs)`,
      `collecting takes ${m(s.collectUsPerPoint)} µs per point`,
      `takes ${m(s.agentEncodeUsPerPoint)} µs against the SDK serializer's ${m(s.sdkSerializeUsPerPoint)} µs`,
      `\`/metrics\` ${m(s.exposeUsPerSeries)} µs per series for the text itself, ${m(s.scrapeGzipUsPerSeries)} µs per series for a whole gzip scrape (the agent's handler; ${m(s.scrapePlainUsPerSeries)} µs without gzip; the same text pre-built through the same response: ${m(s.sendFloorGzipUsPerSeries)} µs with gzip)`,
      // the floor that shows where an export's cost is, from the same run
      `cost ${m(s.sendFloorGrpcUsPerPoint)} µs (gRPC) and ${m(s.sendFloorHttpUsPerPoint)} µs (http/protobuf) per point just to go through the agent's transports with gzip (${m(s.sendHttpSdkUsPerPoint)} µs through the SDK's HTTP transport) (zlib alone ${m(s.gzipUsPerPoint)} µs; at level 1, ${m(s.gzip1UsPerPoint)} µs, for ${(s.gzip1Bytes / s.gzipBytes).toFixed(1)}× the bytes`,
    ];
    assert.equal(exp.compression, 'gzip', "export.json measured with the chart's compression");
    for (const w of want) assert.ok(doc.includes(w), `docs/sizing.md should say: ${w}`);
  });

  it("docs/sizing.md: the export table by size is export.json's, and the 10-pod claims hold in the five runs' files", () => {
    const doc = read('docs/sizing.md').replace(/\s+/g, ' ');
    const m = (x: { median: number }): string => x.median.toFixed(2);
    type Size = Record<string, any>;
    const load = (name: string): Size[] => (JSON.parse(read(`${RESULTS}/${name}.json`)) as { sizes: Size[] }).sizes;
    for (const s of load('export')) {
      const row = `| ${s.testPods} | ${m(s.otlpGrpcUsPerPoint)} | ${m(s.wholeWithOwnGrpcUsPerPoint)} | ${m(s.otlpHttpUsPerPoint)} | ${m(s.wholeWithOwnHttpUsPerPoint)} | ${m(s.scrapeGzipUsPerSeries)} | ${m(s.scrapePlainUsPerSeries)} |`;
      assert.ok(doc.includes(row), `docs/sizing.md should have the row ${row}`);
      if (s.testPods > 10) {
        for (const k of ['otlpGrpcUsPerPoint', 'otlpHttpUsPerPoint', 'scrapeGzipUsPerSeries'])
          assert.ok(s[k].median <= 2, `"every target is met" at ${s.testPods} pods: ${k} ${s[k].median}`);
      }
    }
    const runs = ['export', 'export-h21y-10b', 'export-h21y-10c', 'export-h21y-10d', 'export-h21y-10e'].map((name) =>
      load(name).find((s) => s.testPods === 10)!,
    );
    const med = (f: (s: Size) => { median: number }): number[] => runs.map((s) => f(s).median);
    const f = (x: number): string => x.toFixed(2);
    const list = (xs: number[]): string => `${xs.slice(0, -1).map(f).join(', ')} and ${f(xs.at(-1)!)}`;
    const count = (n: number): string => ['no', 'one', 'two', 'three', 'four', 'five'][n]!;
    const range = (xs: number[]): string => `${f(Math.min(...xs))}–${f(Math.max(...xs))}`;
    const r0 = runs[0]!;
    // the agent at its floor (the whole floor plus its own instruments' share)
    const ratios = [...med((s) => s.otlpGrpcToWholeWithOwn), ...med((s) => s.otlpHttpToWholeWithOwn)];
    assert.ok(
      doc.includes(
        `the agent took ${m(r0.otlpGrpcToWholeWithOwn)}× (gRPC) and ${m(r0.otlpHttpToWholeWithOwn)}× (http/protobuf) of its floor at 10 pods (${range(ratios)}× in the five runs`,
      ),
      `ratios to the floor: ${ratios.join(', ')}`,
    );
    assert.ok(
      ratios.every((x) => x >= 0.85 && x <= 1.15),
      `"at its floor": within 15 % in every run (${ratios.join(', ')})`,
    );
    // over gRPC the floor and the agent above 2 in every run
    const floorGrpc = med((s) => s.wholeWithOwnGrpcUsPerPoint);
    const agentGrpc = med((s) => s.otlpGrpcUsPerPoint);
    const wholeGrpc = med((s) => s.wholeFloorGrpcUsPerPoint);
    assert.ok(
      floorGrpc.every((x) => x > 2),
      `the gRPC floor above 2 in every run: ${floorGrpc.join(', ')}`,
    );
    assert.ok(doc.includes(`each of the five (${f(floorGrpc[0]!)} here; ${list(floorGrpc.slice(1))})`), 'gRPC floors');
    assert.ok(doc.includes(`(${f(agentGrpc[0]!)} here; ${list(agentGrpc.slice(1))})`), 'gRPC exports');
    assert.ok(
      doc.includes(`the whole floor alone was ${f(wholeGrpc[0]!)} here (${list(wholeGrpc.slice(1))})`),
      'gRPC whole floors',
    );
    // over http/protobuf: met in some runs
    const agentHttp = med((s) => s.otlpHttpUsPerPoint);
    const floorHttp = med((s) => s.wholeWithOwnHttpUsPerPoint);
    const metHttp = agentHttp.filter((x) => x <= 2);
    const missedHttp = agentHttp.map((x, i) => (x > 2 ? `${f(x)}${i === 0 ? ' here' : ''}` : '')).filter(Boolean);
    assert.ok(
      doc.includes(
        `the agent met 2 µs per point in ${count(metHttp.length)} of the five runs (${metHttp.map(f).join(', ')}) and not in ${count(missedHttp.length)} (${missedHttp.join(', ')}), against a floor of ${f(floorHttp[0]!)} here (${list(floorHttp.slice(1))})`,
      ),
      `http exports ${agentHttp.join(', ')}, floors ${floorHttp.join(', ')}`,
    );
    assert.ok(
      doc.includes(
        `an export of the agent's own points alone took ${Math.round(r0.ownExportHttpUs.median).toLocaleString('en-US')} µs over http/protobuf here, of which the send of such a request ${Math.round(r0.ownSendHttpUs.median).toLocaleString('en-US')}, and ${Math.round(r0.ownExportGrpcUs.median).toLocaleString('en-US')} µs over gRPC (${Math.round(r0.ownSendGrpcUs.median).toLocaleString('en-US')})`,
      ),
      "the own instruments' share",
    );
    assert.ok(
      doc.includes(
        `(${m(r0.gzipAsyncUsPerPoint)} µs per point alone here, against ${m(r0.gzipUsPerPoint)} for the gzipSync`,
      ),
      'gzip both ways',
    );
    // the gzip scrape
    const scrapes = med((s) => s.scrapeGzipUsPerSeries);
    assert.ok(
      scrapes.every((x) => x <= 2),
      `the gzip scrape met at 10 pods in every run: ${scrapes.join(', ')}`,
    );
    assert.ok(doc.includes(`all five runs (${f(scrapes[0]!)} here; ${list(scrapes.slice(1))})`), 'gzip scrapes');
    const pbjs = med((s) => s.protobufjsFloorUsPerPoint);
    assert.ok(
      doc.includes(`protobufjs alone took ${f(pbjs[0]!)} µs per point here and ${range(pbjs.slice(1))} in the others`),
      'the spread of runs',
    );
  });
});

// The sizing page and the benchmark's results agree, and the benchmark's arithmetic is right.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO } from './chart.js';
import { fanOut, seriesByProbe, seriesByTarget, type RunResult } from '../bench/sizing.js';
import { parsePromText } from '../support/prom-text.js';

const results = JSON.parse(readFileSync(path.join(REPO, 'test/bench/results/sizing.json'), 'utf8')) as {
  meta: { defaultProbes: string; args: { pods: number[] } }; runs: RunResult[]; fanOut5000: ReturnType<typeof fanOut>;
};
// whitespace folded: the page wraps lines anywhere
const doc = readFileSync(path.join(REPO, 'docs/sizing.md'), 'utf8').replace(/\s+/g, ' ');
const fmt = (n: number): string => n.toLocaleString('en-US');
const run = (pods: number): RunResult => {
  const r = results.runs.find((x) => x.pods === pods);
  assert.ok(r, `sizing.json has a ${pods}-pod run`);
  return r;
};

describe('sizing: test/bench/sizing.ts arithmetic', () => {
  it('groups /metrics samples by target and counts the agent\'s own apart', () => {
    const text = [
      'system_network_io_total{kubeskoop_netns_inode="1",kubeskoop_target_kind="pod",network_interface_name="lo",network_io_direction="receive"} 1',
      'system_network_io_total{kubeskoop_netns_inode="1",kubeskoop_target_kind="pod",network_interface_name="lo",network_io_direction="transmit"} 1',
      'kubeskoop_ip_forwarding{kubeskoop_netns_inode="2",kubeskoop_target_kind="host"} 1',
      'kubeskoop_agent_target_count{kubeskoop_target_kind="pod"} 1',
      'target_info{service_name="kubeskoop-otel"} 1',
    ].join('\n');
    const { targets, agent } = seriesByTarget(parsePromText(text).samples);
    assert.equal(agent, 2);
    assert.deepEqual(targets.map((t) => [t.inode, t.kind, t.series]), [['1', 'pod', 2], ['2', 'host', 1]]);
  });

  it('attributes series to probes through the registry', () => {
    assert.deepEqual(seriesByProbe({ system_network_io_total: 4, kubeskoop_ip_forwarding: 1, kubeskoop_tcp_retransmits_total: 1 }),
      { netdev: 4, ip: 1, tcp: 1 });
  });

  it('fans a node out to a cluster: series × nodes, ÷ interval, bytes per point × points', () => {
    const r = {
      seriesPerPodTarget: { median: 100 }, seriesHost: 50, seriesAgent: 50,
      otlp: { dataPoints: 1000, reencodedBytes: 200_000, gzipBytes: 10_000 },
    } as unknown as RunResult;
    const f = fanOut(r, 5000, 10, 15);
    assert.equal(f.seriesPerNode, 1100);
    assert.equal(f.seriesCluster, 5_500_000);
    assert.equal(f.samplesPerSecond, Math.round(5_500_000 / 15));
    assert.equal(f.otlpBytesPerExport, 220_000);
    assert.equal(f.otlpBytesPerSecond, Math.round((220_000 * 5000) / 15));
    assert.equal(f.otlpGzipBytesPerExport, 11_000);
  });
});

describe('sizing: docs/sizing.md quotes test/bench/results/sizing.json', () => {
  it('series per pod, by probe and in total', () => {
    const r10 = run(10);
    assert.match(doc, new RegExp(`\\*\\*${r10.seriesPerPodTarget.median} series\\*\\*`));
    const byProbe = seriesByProbe(r10.seriesPerPodTarget.example!.perMetric);
    for (const [probe, n] of Object.entries(byProbe)) assert.match(doc, new RegExp(`\\| ${probe} \\| ${n} \\|`), `${probe} ${n}`);
    assert.match(doc, new RegExp(`default probe set is the cheap procfs set: \`${results.meta.defaultProbes}\``));
  });

  it('OTLP bytes and points per export at 110 pods', () => {
    const o = run(110).otlp;
    assert.ok(o, 'the 110-pod run pushed OTLP');
    assert.ok(doc.includes(`**${fmt(o.dataPoints)} data points**`));
    assert.ok(doc.includes(`| ${fmt(o.reencodedBytes)} (`));
    assert.ok(doc.includes(`| ${fmt(o.gzipBytes)} (`));
  });

  it('CPU and memory at 10, 110 and 250 pods', () => {
    for (const pods of [10, 110, 250]) {
      const r = run(pods);
      const row = new RegExp(`\\| ${pods} \\| ${r.targets.total} \\| ${fmt(Math.round(r.cpu.msPerCycle))} \\| ${r.cpu.coresAt15s.toFixed(3)} \\| ${Math.round(r.memory.rssMiB)} \\| ${Math.round(r.memory.rssPeakMiB)} \\|`);
      assert.match(doc, row, `row for ${pods} pods`);
    }
  });

  it('the 5,000-node figures', () => {
    const f = results.fanOut5000;
    assert.equal(f.nodes, 5000);
    assert.equal(f.podsPerNode, 110);
    assert.ok(doc.includes(`| ${fmt(f.seriesPerNode)} | **${(f.seriesCluster / 1e6).toFixed(1)} million** |`));
    assert.ok(doc.includes(`**${(f.samplesPerSecond / 1e6).toFixed(2)} million/s**`));
    assert.ok(doc.includes(`**${Math.round(f.otlpBytesPerSecond / 2 ** 20)} MiB/s**`));
    assert.ok(doc.includes(`**${(f.otlpGzipBytesPerSecond / 2 ** 20).toFixed(1)} MiB/s**`));
  });
});

// The streamed /metrics exposition (receiver/pipeline/prometheus-exposition.ts): on a real snapshot of
// this machine (every procfs probe, a test pod whose name needs escaping) and on 2,000 generated
// snapshots (odd label values, NaN/±Inf, histograms, a metric two probes fill), the text must parse
// with a real text-format parser, hold every series of the snapshot exactly once with its value and
// its labels (the sample's, the target's, the scope's), and be written in bounded chunks. The names
// themselves are checked against the specification's rule table in test/docs/prom-names.test.ts.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { labelText, writeSnapshotExposition } from '../../receiver/pipeline/prometheus-exposition.js';
import { Scheduler } from '../../receiver/snapshot/scheduler.js';
import { discoverTargets } from '../../receiver/targets/discover.js';
import { METRIC_PROBES } from '../../receiver/probes/catalog.js';
import { silentLogger } from '../../receiver/log.js';
import type { MetricSample } from '../../receiver/probes/probe.js';
import { targetAttributes, type Snapshot, type SnapshotEntry } from '../../receiver/snapshot/snapshot.js';
import type { Target } from '../../receiver/targets/target.js';
import { METRICS, NETDEV_IO, NETDEV_PACKET_COUNT } from '../../semconv/generated/registry.js';
import { promLabelName, promName } from '../../semconv/lib/prom-names.js';
import { parsePromText, type PromTextSample } from '../support/prom-text.js';
import { cleanupAll, createPod, tcpTransfer, type TestPod } from '../support/netns.js';

const SCOPE = { name: 'kubeskoop-otel', version: '1.2.3' };

async function streamedText(snap: Snapshot): Promise<{ text: string; chunks: number[]; parts: string[] }> {
  const chunks: string[] = [];
  await writeSnapshotExposition(
    snap,
    {
      write: (c) => {
        chunks.push(c);
      },
    },
    { scope: SCOPE },
  );
  return { text: chunks.join(''), chunks: chunks.map((c) => c.length), parts: chunks };
}

const str = (v: string | number): string => (typeof v === 'string' ? v : JSON.stringify(v));
const same = (a: number, b: number): boolean => (Number.isNaN(a) && Number.isNaN(b)) || a === b;

/** Every series of the snapshot (first probe wins for a series two probes report) must be in the text once, with its value and labels. */
function assertHoldsSnapshot(snap: Snapshot, parsed: PromTextSample[]): number {
  const byKey = new Map<string, PromTextSample[]>();
  for (const s of parsed) {
    const key = `${s.name}|${JSON.stringify(Object.entries(s.labels).sort())}`;
    const same = byKey.get(key);
    if (same) same.push(s);
    else byKey.set(key, [s]);
  }
  for (const [k, v] of byKey) assert.equal(v.length, 1, `series twice: ${k}`);
  const seen = new Set<string>();
  let checked = 0;
  for (const e of snap.entries) {
    const id = targetAttributes(e.target);
    for (const sm of e.samples) {
      const family = promName(sm.metric.name, sm.metric.instrument, sm.metric.unit);
      const labels: Record<string, string> = {};
      for (const [k, v] of [...Object.entries(sm.attributes), ...Object.entries(id)]) {
        const l = promLabelName(k);
        if (!(l in labels)) labels[l] = str(v);
      }
      labels.otel_scope_name = SCOPE.name;
      labels.otel_scope_version = SCOPE.version;
      const seriesKey = `${family}|${e.target.netnsInode}|${JSON.stringify(Object.entries(sm.attributes))}`;
      if (seen.has(seriesKey)) continue;
      seen.add(seriesKey);
      // by the exact label set, through the index (a scan per sample made this quadratic in the machine's namespaces)
      const find = (name: string, extra: Record<string, string> = {}): PromTextSample | undefined =>
        byKey.get(`${name}|${JSON.stringify(Object.entries({ ...labels, ...extra }).sort())}`)?.[0];
      if (typeof sm.value === 'number') {
        const got = find(family);
        assert.ok(got, `${family} ${JSON.stringify(labels)}`);
        assert.ok(same(got.value, sm.value), `${family}: ${got.value} vs ${sm.value}`);
      } else {
        const h = sm.value;
        assert.equal(find(`${family}_count`)?.value, h.count);
        assert.ok(same(find(`${family}_sum`)!.value, h.sum));
        let cum = 0;
        h.boundaries.forEach((b, i) => {
          cum += h.bucketCounts[i]!;
          if (b !== Infinity)
            assert.equal(find(`${family}_bucket`, { le: String(b) })?.value, cum, `${family} le=${b}`);
        });
        assert.equal(find(`${family}_bucket`, { le: '+Inf' })?.value, h.count);
      }
      checked++;
    }
  }
  return checked;
}

describe('pipeline: streamed Prometheus exposition holds the snapshot, parsed by a real text-format parser', function () {
  this.timeout(120_000);
  let pod: TestPod | undefined;
  after(async () => {
    await pod?.dispose();
    await cleanupAll();
  });

  it("on a real snapshot of every procfs probe over this machine's namespaces (a pod whose name needs escaping)", async () => {
    pod = await createPod({ label: 'expo' });
    // Some real TCP traffic in the pod, so counters are not all zero.
    await tcpTransfer(pod.netns, pod.netns, '127.0.0.1', { bytes: 20_000 });
    const probes = ['netdev', 'sock', 'tcp', 'udp', 'ip', 'tcpext', 'softnet', 'io', 'fd', 'conntrack', 'ipvs'].map(
      (name) => ({
        probe: METRIC_PROBES.get(name)!.create(),
        options: ['udp', 'ip', 'tcpext'].includes(name) ? { fields: ['*'] } : {},
      }),
    );
    const podInode = pod.netns.inode;
    const scheduler = new Scheduler({
      intervalMs: 15_000,
      procRoot: '/proc',
      probes,
      log: silentLogger,
      discover: () => discoverTargets({ procRoot: '/proc', netnsDir: '/run/netns', selfOnly: false }),
      identify: (targets) =>
        targets.map((t): Target =>
          t.netnsInode === podInode
            ? { ...t, kind: 'pod', pod: { name: 'we"b\\0\nx', namespace: 'shop', uid: 'u-1' } }
            : t,
        ),
    });
    await scheduler.startProbes();
    const snap = await scheduler.runCycle();
    await scheduler.stop();
    const series = snap.entries.reduce((n, e) => n + e.samples.length, 0);
    assert.ok(series > 500, `a real snapshot (${series} samples over ${snap.targets.length} targets)`);
    const { text, chunks, parts } = await streamedText(snap);
    assert.ok(text.includes('k8s_pod_name="we\\"b\\\\0\\nx"'), 'the pod name is escaped');
    // A HELP text beyond Latin-1 (…) goes in a chunk of its own: the chunks of sample lines stay one-byte
    // strings, which the response encodes ~3.5× faster than a two-byte one.
    const wide = parts.filter((c) => /[^\u0000-\u00ff]/.test(c));
    assert.ok(wide.length > 0, 'some HELP text here is beyond Latin-1 (the test would prove nothing)');
    for (const c of wide)
      assert.ok(
        c.split('\n').every((l) => l === '' || l.startsWith('#')),
        `a chunk with a wide character holds only header lines: ${c.slice(0, 200)}`,
      );
    const parsed = parsePromText(text);
    assert.deepEqual(parsed.errors, []);
    assert.ok(
      parsed.samples.some((x) => x.labels.k8s_pod_name === 'we"b\\0\nx'),
      'and reads back as it was',
    );
    assert.ok(assertHoldsSnapshot(snap, parsed.samples) > 500);
    // Memory stays per chunk: no chunk is much larger than 64 KiB (one family header or series line over).
    assert.ok(
      chunks.length > 1 || text.length < 65_536,
      `written in chunks (${chunks.length} for ${text.length} bytes)`,
    );
    assert.ok(Math.max(...chunks) < 65_536 + 4_096, `largest chunk ${Math.max(...chunks)} bytes`);
  });

  it('on 2,000 generated snapshots: odd label values, NaN/±Inf, histograms, one metric filled by two probes', async () => {
    const scalarMetrics = METRICS.filter((m) => m.instrument !== 'histogram');
    const histogramMetrics = METRICS.filter((m) => m.instrument === 'histogram');
    const labelString = fc.string({
      unit: fc.constantFrom('a', 'Z', '0', '"', '\\', '\n', ' ', '=', ',', '{', 'é', '😀', '.'),
      maxLength: 8,
    });
    const attrs = fc.dictionary(
      fc.constantFrom('interface.name', 'network.io.direction', 'kubeskoop.field', 'cpu.logical_number', 'x-y.z'),
      fc.oneof(labelString, fc.integer({ min: -5, max: 1_000_000 })),
      { maxKeys: 3 },
    );
    const value = fc.oneof(
      fc.integer({ min: 0, max: 2 ** 40 }),
      fc.double(),
      fc.constantFrom(NaN, Infinity, -Infinity, 0.1 + 0.2),
    );
    const histogram = fc
      .integer({ min: 0, max: 4 })
      .chain((n) =>
        fc.record({
          boundaries: fc.constant([0.001, 0.01, 0.1, 1].slice(0, n)),
          bucketCounts: fc.array(fc.nat(1000), { minLength: n + 1, maxLength: n + 1 }),
          sum: fc.double({ min: 0, max: 1e6, noNaN: true }),
        }),
      )
      .map((h) => ({ ...h, count: h.bucketCounts.reduce((a, b) => a + b, 0) }));
    const sample = fc.oneof(
      fc.record({ metric: fc.constantFrom(...scalarMetrics), value, attributes: attrs }),
      fc.record({ metric: fc.constantFrom(...histogramMetrics), value: histogram, attributes: attrs }),
    ) as fc.Arbitrary<MetricSample>;
    const target = fc
      .record({
        netnsInode: fc.integer({ min: 1, max: 40 }),
        kind: fc.constantFrom('pod' as const, 'netns' as const, 'host' as const),
        podName: fc.option(labelString, { nil: undefined }),
      })
      .map(({ netnsInode, kind, podName }): Target => ({
        netnsInode,
        pid: 1,
        pids: [1],
        kind,
        ...(podName !== undefined ? { pod: { name: podName, namespace: 'ns', uid: `u${netnsInode}` } } : {}),
      }));
    const entry = fc.record({ probe: fc.constantFrom('a', 'b'), target, samples: fc.array(sample, { maxLength: 6 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 8 }), async (entries: SnapshotEntry[]) => {
        // As in a real snapshot: one entry per probe and target, one target per inode, and one probe never
        // reports the same series twice; two probes may (the first wins).
        const firstTarget = new Map<number, Target>();
        for (const e of entries)
          if (!firstTarget.has(e.target.netnsInode)) firstTarget.set(e.target.netnsInode, e.target);
        const unique = entries
          .filter(
            (e, i) =>
              entries.findIndex((o) => o.probe === e.probe && o.target.netnsInode === e.target.netnsInode) === i,
          )
          .map((e) => ({
            ...e,
            target: firstTarget.get(e.target.netnsInode)!,
            samples: e.samples.filter(
              (s, i) =>
                e.samples.findIndex(
                  (o) =>
                    o.metric.name === s.metric.name && JSON.stringify(o.attributes) === JSON.stringify(s.attributes),
                ) === i,
            ),
          }));
        const snap: Snapshot = {
          cycle: 1,
          takenAt: 1_000,
          cycleDurationMs: 1,
          targets: [],
          entries: unique,
          probes: new Map(),
        };
        const parsed = parsePromText((await streamedText(snap)).text);
        assert.deepEqual(parsed.errors, []);
        assertHoldsSnapshot(snap, parsed.samples);
      }),
      { numRuns: 2_000 },
    );
  });

  it('golden text: a pod and the host, a series two probes report (the first wins), a device name that needs escaping', async () => {
    // Built without project code but the registry's metric definitions; the expected text is written
    // out by hand from the rules (NAMING.md rule 6 for the entity's name, OTel's Prometheus mapping
    // for unit and _total suffixes, the text format's escaping), not produced by the renderer.
    const pod: Target = {
      netnsInode: 4026532001,
      pid: 10,
      pids: [10],
      kind: 'pod',
      netnsName: 'cni-1',
      pod: { name: 'web-0', namespace: 'shop', uid: 'u-1' },
    };
    const host: Target = { netnsInode: 4026531840, pid: 1, pids: [1], kind: 'host' };
    const rx = { 'network.interface.name': 'eth0', 'network.io.direction': 'receive' };
    const snap: Snapshot = {
      cycle: 1,
      takenAt: 1_000,
      cycleDurationMs: 1,
      targets: [pod, host],
      probes: new Map(),
      entries: [
        {
          probe: 'netdev',
          target: pod,
          samples: [
            { metric: NETDEV_IO.pod, value: 1234, attributes: rx },
            { metric: NETDEV_IO.pod, value: 99, attributes: { ...rx, 'network.io.direction': 'transmit' } },
          ],
        },
        { probe: 'other', target: pod, samples: [{ metric: NETDEV_IO.pod, value: 5, attributes: rx }] },
        {
          probe: 'netdev',
          target: host,
          samples: [
            {
              metric: NETDEV_PACKET_COUNT.host,
              value: 7,
              attributes: { 'system.device.name': 'e"th\\1', 'network.io.direction': 'receive' },
            },
          ],
        },
      ],
    };
    const podLabels =
      'kubeskoop_target_kind="pod",kubeskoop_netns_inode="4026532001",kubeskoop_netns_name="cni-1",' +
      'k8s_pod_name="web-0",k8s_namespace_name="shop",k8s_pod_uid="u-1",otel_scope_name="kubeskoop-otel",otel_scope_version="1.2.3"';
    const expected = [
      '# TYPE k8s_pod_network_io_bytes_total counter',
      `k8s_pod_network_io_bytes_total{network_interface_name="eth0",network_io_direction="receive",${podLabels}} 1234`,
      `k8s_pod_network_io_bytes_total{network_interface_name="eth0",network_io_direction="transmit",${podLabels}} 99`,
      '# TYPE system_network_packet_count_total counter',
      'system_network_packet_count_total{system_device_name="e\\"th\\\\1",network_io_direction="receive",kubeskoop_target_kind="host",' +
        'kubeskoop_netns_inode="4026531840",otel_scope_name="kubeskoop-otel",otel_scope_version="1.2.3"} 7',
    ];
    const { text } = await streamedText(snap);
    // HELP lines carry the registry's prose: compared for presence, not wording
    const lines = text.trimEnd().split('\n');
    assert.deepEqual(
      lines.filter((l) => !l.startsWith('# HELP ') && !l.startsWith('# UNIT ')),
      expected,
    );
    assert.deepEqual(
      lines.filter((l) => l.startsWith('# HELP ')).map((l) => l.split(' ')[2]),
      ['k8s_pod_network_io_bytes_total', 'system_network_packet_count_total'],
    );
    assert.deepEqual(
      lines.filter((l) => l.startsWith('# UNIT ')),
      ['# UNIT k8s_pod_network_io_bytes_total bytes'],
    );
  });

  it('label keys that translate to one name are merged, values joined with ";" in the order of the original keys', () => {
    assert.equal(labelText({ 'k8s.pod.label.a/b': 'x', 'k8s.pod.label.a.b': 'y' }), 'k8s_pod_label_a_b="y;x"');
    assert.equal(labelText({ a: '1' }, { b: 2 }), 'a="1",b="2"');
  });
});

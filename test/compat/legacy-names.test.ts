// KubeSkoop's names on /metrics where its dashboards need more than a name: the node-wide orphan
// count on every pod (TCP Socket Count = inuse + orphan per pod), its additionalLabels after the
// three standard labels, its counters typed counter; and the list of every name KubeSkoop v1
// exports is complete and says for each whether it is served, and why not.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { flowTupleLabels, renderLegacyMetrics } from '../../receiver/pipeline/legacy-prometheus.js';
import { sockSamples } from '../../receiver/probes/sock.js';
import { parseSockstat } from '../../receiver/probes/parsers/sockstat.js';
import type { Snapshot } from '../../receiver/snapshot/snapshot.js';
import type { Target } from '../../receiver/targets/target.js';
import { packageRoot } from '../../receiver/version.js';
import { loadRegistry } from '../../semconv/tools/load-registry.js';
import { checkKubeskoopNames, kubeskoopNameStatus, loadKubeskoopNames } from '../../semconv/tools/kubeskoop-names.js';
import { FLOW_IO, PACKETLOSS_DROPS, TCPRETRANS_SEGMENTS } from '../../semconv/generated/registry.js';
import { additionalLabelValue, parseAdditionalLabel, podLabelKeys } from '../../receiver/config/additional-labels.js';

const SOCKSTAT_HOST =
  'sockets: used 300\nTCP: inuse 12 orphan 3 tw 4 alloc 20 mem 7\nUDP: inuse 2 mem 1\nUDPLITE: inuse 0\nRAW: inuse 0\nFRAG: inuse 0 memory 0\n';
const SOCKSTAT_POD =
  'sockets: used 10\nTCP: inuse 2 orphan 3 tw 0 alloc 20 mem 7\nUDP: inuse 1 mem 1\nUDPLITE: inuse 0\nRAW: inuse 0\nFRAG: inuse 0 memory 0\n';

const host: Target = {
  netnsInode: 1,
  pid: 1,
  pids: [1],
  kind: 'host',
  additionalLabels: { application: '', environment: 'prod' },
};
const pod: Target = {
  netnsInode: 2,
  pid: 10,
  pids: [10],
  kind: 'pod',
  pod: { name: 'web-0', namespace: 'shop', uid: 'u', labels: { application: 'web' } },
  additionalLabels: { application: 'web', environment: 'prod' },
};

const sock = (t: Target, text: string) => ({
  probe: 'sock',
  target: t,
  samples: sockSamples(parseSockstat(text), undefined, { nodeWide: t.kind === 'host', pageBytes: 4096 }).samples,
});
const snap: Snapshot = {
  cycle: 1,
  takenAt: 0,
  cycleDurationMs: 0,
  targets: [host, pod],
  entries: [sock(host, SOCKSTAT_HOST), sock(pod, SOCKSTAT_POD)],
  probes: new Map(),
};

describe('KubeSkoop’s names where its dashboards need more than the name', () => {
  const out = renderLegacyMetrics(snap, { nodeName: 'n1', additionalLabels: ['application', 'environment'] });

  it('kubeskoop_sock_orphan on the host and on every pod, with the node’s value, so inuse + orphan matches per pod', () => {
    assert.match(
      out,
      /^kubeskoop_sock_inuse\{k8s_node="n1",k8s_namespace="shop",k8s_pod="web-0",application="web",environment="prod"\} 2$/m,
    );
    assert.match(
      out,
      /^kubeskoop_sock_orphan\{k8s_node="n1",k8s_namespace="shop",k8s_pod="web-0",application="web",environment="prod"\} 3$/m,
    );
    assert.match(
      out,
      /^kubeskoop_sock_orphan\{k8s_node="n1",k8s_namespace="",k8s_pod="",application="",environment="prod"\} 3$/m,
    );
    assert.match(
      out,
      /^inspector_pod_sockorphan\{target_node="n1",target_namespace="shop",target_pod="web-0",node="n1",namespace="shop",pod="web-0"\} 3$/m,
    );
    // Node-wide values not marked so stay on the host only (a sum over pods must not multiply them).
    assert.doesNotMatch(out, /^kubeskoop_sock_alloc\{[^}]*k8s_pod="web-0"/m);
    assert.match(out, /^kubeskoop_sock_alloc\{[^}]*k8s_pod=""[^}]*\} 20$/m);
  });

  it('additionalLabels only on kubeskoop_* (the v0.1 inspector_pod_* labels are fixed)', () => {
    assert.doesNotMatch(out, /^inspector_pod_[^{]*\{[^}]*application=/m);
  });

  it('additionalLabels entries: name=template, ${labels:<key>} from the pod, "" when missing', () => {
    assert.deepEqual(parseAdditionalLabel(' team = ${labels:team}-${labels:tier} '), {
      name: 'team',
      template: '${labels:team}-${labels:tier}',
    });
    assert.deepEqual(podLabelKeys('${labels:team}-${labels:tier}'), ['team', 'tier']);
    assert.equal(additionalLabelValue('${labels:team}-${labels:tier}', { team: 'net' }), 'net-');
    assert.equal(additionalLabelValue('prod'), 'prod');
    assert.match(String(parseAdditionalLabel('novalue')), /expected name=value/);
    assert.match(String(parseAdditionalLabel('k8s_pod=x')), /other than k8s_node, k8s_namespace, k8s_pod/);
    assert.match(String(parseAdditionalLabel('bad-name=x')), /Prometheus label name/);
  });

  it('kubeskoop_packetloss_* and kubeskoop_tcpretrans_total are counters, as in KubeSkoop', () => {
    assert.equal(PACKETLOSS_DROPS.legacyType, 'counter');
    assert.equal(TCPRETRANS_SEGMENTS.legacyType, 'counter');
  });

  it("kubeskoop_flow_*: KubeSkoop's tuple labels from a flow series — src/dst by direction, the server port on the server's side", () => {
    const flow = (attributes: Record<string, string | number>) => ({ metric: FLOW_IO, value: 1500, attributes });
    const sent = flow({
      'network.io.direction': 'transmit',
      'network.transport': 'tcp',
      'network.peer.address': '10.1.0.9',
      'network.local.address': '10.1.0.5',
      'server.port': 443,
      'kubeskoop.peer.role': 'server',
      'kubeskoop.peer.kind': 'pod',
      'kubeskoop.peer.name': 'db-0',
      'kubeskoop.peer.namespace': 'data',
    });
    // protocol, src, src_type, src_node, src_namespace, src_pod, dst, dst_type, dst_node, dst_namespace, dst_pod, sport, dport
    assert.deepEqual(flowTupleLabels(sent, pod, 'n1'), [
      'TCP',
      '10.1.0.5',
      'pod',
      '',
      'shop',
      'web-0',
      '10.1.0.9',
      'pod',
      '',
      'data',
      'db-0',
      '0',
      '443',
    ]);
    const got = flow({
      'network.io.direction': 'receive',
      'network.transport': 'udp',
      'network.peer.address': '192.0.2.1',
      'network.local.address': '10.0.0.2',
      'server.port': 53,
      'kubeskoop.peer.role': 'client',
      'kubeskoop.peer.kind': 'ip',
    });
    assert.deepEqual(flowTupleLabels(got, host, 'n1'), [
      'UDP',
      '192.0.2.1',
      'unknown',
      '',
      '',
      '',
      '10.0.0.2',
      'node',
      'n1',
      '',
      '',
      '0',
      '53',
    ]);
    // no counterpart in KubeSkoop: the folded `other` series and frames that are not IP
    assert.equal(
      flowTupleLabels(flow({ 'network.peer.address': 'other', 'network.io.direction': 'receive' }), pod, 'n1'),
      undefined,
    );
    assert.equal(
      flowTupleLabels(flow({ 'network.io.direction': 'receive', 'kubeskoop.flow.protocol': 'arp' }), pod, 'n1'),
      undefined,
    );
    // two interfaces with the same tuple are one series, summed
    const text = renderLegacyMetrics(
      {
        ...snap,
        entries: [
          {
            probe: 'flow',
            target: pod,
            samples: [sent, { ...sent, attributes: { ...sent.attributes, 'network.interface.name': 'eth1' } }],
          },
        ],
      },
      { nodeName: 'n1' },
    );
    assert.match(text, /^# TYPE kubeskoop_flow_bytes counter$/m);
    assert.match(
      text,
      /^kubeskoop_flow_bytes\{protocol="TCP",src="10\.1\.0\.5",src_type="pod",src_node="",src_namespace="shop",src_pod="web-0",dst="10\.1\.0\.9",dst_type="pod",dst_node="",dst_namespace="data",dst_pod="db-0",sport="0",dport="443"\} 3000$/m,
    );
  });

  it('the list of every name KubeSkoop v1 exports: 252, each served or not with a reason; no served name missing from it', () => {
    const root = packageRoot();
    const { registry, problems } = loadRegistry(join(root, 'semconv', 'registry'));
    assert.deepEqual(problems, []);
    const ks = loadKubeskoopNames(join(root, 'semconv', 'registry', 'kubeskoop-names.yaml'));
    assert.deepEqual(ks.problems, []);
    assert.equal(ks.names.flatMap((g) => g.names).length, 252);
    assert.deepEqual(checkKubeskoopNames(registry, ks.names), []);
    const status = (n: string) => {
      const g = ks.names.find((x) => x.names.includes(n))!;
      return kubeskoopNameStatus(registry, g, n);
    };
    assert.equal(status('kubeskoop_sock_orphan').served, true);
    const rdma = status('kubeskoop_rdma_erdma_hw_rx_bytes_cnt');
    assert.ok(!rdma.served && /no RDMA device/.test(rdma.reason));
    const flow = status('kubeskoop_flow_bytes');
    assert.ok(flow.served && flow.metric.name === 'kubeskoop.flow.io' && flow.type === 'counter');
    const served = ks.names.flatMap((g) => g.names).filter((n) => status(n).served).length;
    assert.equal(served, 140);
  });
});

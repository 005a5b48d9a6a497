// The legacy renderer (snapshot → KubeSkoop's names and labels), on real /proc/net/dev text.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { familyNames, legacyIdentity, renderLegacyMetrics } from '../../receiver/pipeline/legacy-prometheus.js';
import { escapeLabelValue } from '../../receiver/pipeline/prometheus-exposition.js';
import { netdevSamples } from '../../receiver/probes/netdev.js';
import type { Snapshot } from '../../receiver/snapshot/snapshot.js';
import type { Target } from '../../receiver/targets/target.js';
import { packageRoot } from '../../receiver/version.js';
import { parseNetDev } from '../../receiver/probes/parsers/net-dev.js';

const text = readFileSync(join(packageRoot(), 'test', 'fixtures', 'proc', 'netdev-host.txt'), 'utf8');
const pod: Target = {
  netnsInode: 1,
  pid: 10,
  pids: [10],
  kind: 'pod',
  pod: { name: 'web-0', namespace: 'shop', uid: 'u1' },
};
const host: Target = { netnsInode: 2, pid: 1, pids: [1], kind: 'host' };
const odd: Target = { netnsInode: 3, pid: 11, pids: [11], kind: 'netns', netnsName: 'we"ird\\name\nx' };
const anon: Target = { netnsInode: 4, pid: 12, pids: [12], kind: 'netns' };

function snapshot(targets: Target[]): Snapshot {
  return {
    cycle: 1,
    takenAt: 0,
    cycleDurationMs: 0,
    targets,
    entries: targets.map((t) => ({ probe: 'netdev', target: t, samples: netdevSamples(text, t.kind).samples })),
    probes: new Map(),
  };
}

describe('docs: legacy-name renderer', () => {
  const out = renderLegacyMetrics(snapshot([pod, host, odd, anon]), { nodeName: 'node-1' });
  const { interfaces } = parseNetDev(text);
  const expectRx = interfaces.filter((i) => i.interfaceName !== 'lo').reduce((s, i) => s + i.receive.bytes, 0);

  it('sums every interface except lo, as KubeSkoop did', () => {
    assert.ok(
      interfaces.some((i) => i.interfaceName === 'lo' && i.receive.bytes > 0),
      'the fixture has lo traffic',
    );
    assert.ok(
      out.includes(
        `inspector_pod_netdevrxbytes{target_node="node-1",target_namespace="shop",target_pod="web-0",node="node-1",namespace="shop",pod="web-0"} ${expectRx}\n`,
      ),
    );
    assert.ok(
      out.includes(`kubeskoop_netdev_rxbytes{k8s_node="node-1",k8s_namespace="shop",k8s_pod="web-0"} ${expectRx}\n`),
    );
  });

  it('types as KubeSkoop did, one HELP/TYPE per family, no seed typo served', () => {
    assert.match(out, /^# TYPE inspector_pod_netdevrxbytes gauge$/m);
    assert.match(out, /^# TYPE kubeskoop_netdev_txerrors gauge$/m);
    assert.ok(!/inspector_pod_netdevrxerror\{/.test(out), 'the seed typo is not served');
    const fams = out
      .split('\n')
      .filter((l) => l.startsWith('# TYPE '))
      .map((l) => l.split(' ')[2]);
    assert.equal(new Set(fams).size, fams.length);
    assert.deepEqual([...familyNames(out)].sort(), [...new Set(fams)].sort());
    assert.equal(
      fams.length,
      8 + 8,
      'the 8 inspector_pod_netdev* names (errors spelt as KubeSkoop exported them) + the 8 kubeskoop_netdev_* names',
    );
  });

  it('host: empty namespace and pod; a namespace that is not a pod: named after it; values escaped', () => {
    assert.deepEqual(legacyIdentity(host), { namespace: '', pod: '' });
    assert.deepEqual(legacyIdentity(anon), { namespace: '', pod: 'netns-4' });
    assert.ok(out.includes('kubeskoop_netdev_rxbytes{k8s_node="node-1",k8s_namespace="",k8s_pod=""}'));
    assert.ok(out.includes('kubeskoop_netdev_rxbytes{k8s_node="node-1",k8s_namespace="",k8s_pod="netns-4"}'));
    assert.equal(escapeLabelValue('we"ird\\name\nx'), 'we\\"ird\\\\name\\nx');
    assert.ok(out.includes('k8s_pod="we\\"ird\\\\name\\nx"'));
  });

  it('leaves out families the OTel half of the response already has', () => {
    const skipped = renderLegacyMetrics(snapshot([pod]), {
      nodeName: 'n',
      skipFamilies: new Set(['kubeskoop_netdev_rxbytes']),
    });
    assert.ok(!/^kubeskoop_netdev_rxbytes\{/m.test(skipped));
    assert.match(skipped, /^# kubeskoop-otel: legacy kubeskoop_netdev_rxbytes not repeated/m);
  });
});

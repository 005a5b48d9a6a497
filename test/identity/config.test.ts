// The `kubernetes:` config section and how the agent turns it into an identity source.
import { strict as assert } from 'node:assert';
import { rmSync } from 'node:fs';
import { loadConfig } from '../../receiver/config/load.js';
import { ConfigError } from '../../receiver/config/errors.js';
import { probeCapabilities } from '../../receiver/agent.js';
import { createIdentity } from '../../receiver/targets/identity.js';
import { silentLogger } from '../../receiver/log.js';
import { writeConfig } from './helpers.js';

function load(yaml: string, env: Record<string, string> = {}, flags: Record<string, string> = {}) {
  const { file, dir } = writeConfig(yaml);
  try {
    return loadConfig({ file, env, flags, probes: probeCapabilities() });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('identity: kubernetes config', () => {
  it('is off without a kubeconfig outside a cluster, on inside one (node mode only)', () => {
    assert.equal(load('interval: 5s\n').kubernetes?.enabled, false);
    assert.equal(load('interval: 5s\n', { KUBERNETES_SERVICE_HOST: '10.96.0.1' }).kubernetes?.enabled, true);
    assert.equal(load('mode: sidecar\n', { KUBERNETES_SERVICE_HOST: '10.96.0.1' }).kubernetes?.enabled, false);
    assert.equal(
      load('kubernetes:\n  enabled: false\n', { KUBERNETES_SERVICE_HOST: '10.96.0.1' }).kubernetes?.enabled,
      false,
    );
  });

  it('reads kubeconfig, node name and the label allow-list', () => {
    const c = load('node_name: n1\nkubernetes:\n  kubeconfig: /etc/kc\n  pod_labels: [app, team, app]\n');
    assert.deepEqual(c.kubernetes, {
      enabled: true,
      kubeconfig: '/etc/kc',
      nodeName: 'n1',
      podLabels: ['app', 'team'],
    });
    assert.equal(load('kubernetes:\n  node_name: n2\n', { NODE_NAME: 'n1' }).kubernetes?.nodeName, 'n2');
    assert.equal(load('kubernetes:\n  enabled: true\n', { NODE_NAME: 'n1' }).kubernetes?.nodeName, 'n1');
    assert.equal(load('kubernetes:\n  enabled: true\n', {}, { nodeName: 'n3' }).kubernetes?.nodeName, 'n3');
    assert.deepEqual(load('{}\n').kubernetes?.podLabels, [], 'no label by default');
  });

  it('rejects unknown keys and wrong types, naming where', () => {
    assert.throws(
      () => load('kubernetes:\n  pod_label: [app]\n'),
      (e: unknown) => e instanceof ConfigError && /kubernetes\.pod_label.*pod_labels/.test(e.message),
    );
    assert.throws(
      () => load('kubernetes:\n  enabled: yes please\n'),
      (e: unknown) => e instanceof ConfigError && /kubernetes\.enabled/.test(e.message),
    );
    assert.throws(
      () => load('kubernetes:\n  pod_labels: app\n'),
      (e: unknown) => e instanceof ConfigError && /kubernetes\.pod_labels/.test(e.message),
    );
  });

  it('an unusable kubeconfig leaves the agent running on cgroup identity and says why', () => {
    const c = load('node_name: n1\nkubernetes:\n  kubeconfig: /nonexistent/kubeconfig\n');
    const id = createIdentity(c, silentLogger, {});
    assert.equal(id.watch, undefined);
    const st = id.identifier.status();
    assert.equal(st.source, 'cgroup');
    assert.match(st.kubernetesError ?? '', /nonexistent/);
  });

  it('sidecar mode takes the downward API and never opens a watch', () => {
    const c = load('mode: sidecar\nkubernetes:\n  kubeconfig: /nonexistent/kubeconfig\n');
    const id = createIdentity(c, silentLogger, { POD_NAME: 'p', POD_NAMESPACE: 'ns', POD_UID: 'u' });
    assert.equal(id.watch, undefined);
    assert.equal(id.identifier.status().source, 'downward-api');
    assert.equal(id.identifier.status().kubernetesError, null);
  });
});

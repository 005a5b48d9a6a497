// Every object the chart renders, over the whole values matrix, against the Kubernetes API's field
// lists (test/helm/schema.ts): an unknown field or a wrong type fails, as `kubectl --validate=strict`
// against a real API server would. helm lint and kustomize do not look at field names.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CHART, helmWithValues, parseManifests, render } from './chart.js';
import { MATRIX } from './matrix.js';
import { modelOf, validate, validateManifest } from './schema.js';

// Custom resources of operators the chart integrates with: their schemas ship with those operators
// (prometheus-operator, cert-manager), not with the Kubernetes API nor any npm package here.
const CUSTOM_RESOURCES = new Set(['monitoring.coreos.com/v1 ServiceMonitor', 'monitoring.coreos.com/v1 PodMonitor', 'cert-manager.io/v1 Certificate']);

describe('helm chart: every object valid against the Kubernetes API schema', function () {
  this.timeout(120_000);

  it('the validator finds the API types and refuses what the API server would', () => {
    assert.equal(modelOf('apps/v1', 'DaemonSet'), 'V1DaemonSet');
    assert.equal(modelOf('v1', 'ConfigMap'), 'V1ConfigMap');
    assert.equal(modelOf('rbac.authorization.k8s.io/v1', 'ClusterRole'), 'V1ClusterRole');
    assert.equal(modelOf('monitoring.coreos.com/v1', 'ServiceMonitor'), undefined);
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', labels: { a: 'b' } },
      spec: {
        containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 9102 }], securityContxt: { runAsUser: 0 } }],
        hostNetwork: 'yes',
      },
    };
    assert.deepEqual(validateManifest(pod).problems, [
      'Pod.spec.containers[0].securityContxt: unknown field in V1Container',
      'Pod.spec.hostNetwork: string, expected boolean',
    ]);
    assert.deepEqual(validate({ port: 'http', targetPort: 9102 }, 'V1ServicePort', 'port'), ['port.port: string, expected number']);
    assert.deepEqual(validate({ metadata: { labels: { a: 1 } } }, 'V1ConfigMap', 'cm'), ['cm.metadata.labels.a: number, expected string']);
  });

  for (const name of Object.keys(MATRIX)) {
    it(`every built-in object validates: ${name}`, async () => {
      const r = await render(MATRIX[name]);
      const checked: string[] = [];
      for (const o of r.objects) {
        const v = validateManifest(o);
        assert.deepEqual(v.problems, [], `${o.kind}/${o.metadata.name}`);
        if (v.model) checked.push(o.kind);
        else assert.ok(CUSTOM_RESOURCES.has(`${o.apiVersion} ${o.kind}`), `${o.apiVersion} ${o.kind}: neither an API type nor a known custom resource`);
      }
      assert.ok(
        checked.some((k) => k === 'DaemonSet' || k === 'Deployment'),
        `the workload was checked: ${checked.join(', ')}`,
      );
    });
  }

  it('a misspelt field in a template fails, naming the object and the path', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ksotel-schema-'));
    try {
      const chart = path.join(dir, 'chart');
      cpSync(CHART, chart, { recursive: true });
      const ds = path.join(chart, 'templates/daemonset.yaml');
      const text = readFileSync(ds, 'utf8');
      assert.match(text, /^ {10}securityContext:/m, "the agent container's securityContext");
      writeFileSync(ds, text.replace(/^( {10})securityContext:/m, '$1securityContxt:'));
      const out = await helmWithValues(['template', 'ks', chart, '--namespace', 'observability'], undefined);
      assert.equal(out.code, 0, `helm itself accepts the misspelling: ${out.stderr}`);
      const problems = parseManifests(out.stdout).flatMap((o) => validateManifest(o).problems);
      assert.equal(problems.length, 1, problems.join('\n'));
      assert.match(problems[0]!, /^DaemonSet\.spec\.template\.spec\.containers\[0\]\.securityContxt: unknown field in V1Container$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The Helm chart, rendered by the real helm binary over a matrix of values, checked object by object.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import {
  CHART, REPO, agentContainer, envMap, helmBin, helmWithValues, kubectlBin, render, renderedConfig, type Rendered,
} from './chart.js';
import { run, runOk } from '../support/proc.js';
import { CUSTOM_CONFIG, KUBESKOOP_V0, KUBESKOOP_V1, MATRIX } from './matrix.js';

const DEFAULT_VALUES = parse(readFileSync(path.join(CHART, 'values.yaml'), 'utf8')) as Record<string, any>;

const rendered = new Map<string, Rendered>();
async function get(name: keyof typeof MATRIX): Promise<Rendered> {
  let r = rendered.get(name);
  if (!r) { r = await render(MATRIX[name]); rendered.set(name, r); }
  return r;
}

describe('helm chart: lint and render', function () {
  this.timeout(120_000);

  before(() => {
    assert.ok(existsSync(helmBin()), 'helm unpacked by scripts/tools.sh');
  });

  it('helm is the version the npm package ships, and kubectl runs', async () => {
    const h = await runOk(helmBin(), ['version', '--short']);
    assert.match(h.stdout, /^v3\./);
    const k = await runOk(kubectlBin(), ['version', '--client', '-o', 'json']);
    assert.match((JSON.parse(k.stdout) as { clientVersion: { gitVersion: string } }).clientVersion.gitVersion, /^v1\.30\./);
  });

  for (const name of Object.keys(MATRIX)) {
    it(`helm lint --strict passes: ${name}`, async () => {
      const r = await helmWithValues(['lint', '--strict', CHART], MATRIX[name]);
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    });
    it(`helm template renders valid, unique objects that kubectl kustomize accepts: ${name}`, async () => {
      const r = await get(name);
      assert.ok(r.objects.length >= 1);
      const ids = r.objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
      assert.deepEqual(ids.length, new Set(ids).size, `duplicate objects: ${ids.join(', ')}`);
      for (const o of r.objects) {
        assert.ok(o.apiVersion && o.kind && o.metadata?.name, `incomplete object ${JSON.stringify(o).slice(0, 200)}`);
        assert.ok(o.metadata.name.length <= 63, o.metadata.name);
      }
      // kubectl's own kustomize parses every object and rejects duplicate ids and malformed metadata.
      const dir = mkdtempSync(path.join(tmpdir(), 'ksotel-kz-'));
      try {
        writeFileSync(path.join(dir, 'all.yaml'), r.text);
        writeFileSync(path.join(dir, 'kustomization.yaml'), 'resources:\n- all.yaml\n');
        const k = await run(kubectlBin(), ['kustomize', dir], { timeoutMs: 60_000 });
        assert.equal(k.code, 0, k.stderr);
        assert.equal(k.stdout.split(/^---$/m).length, r.objects.length);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('helm package builds the chart archive, and the archive renders what the directory renders', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ksotel-pkg-'));
    try {
      const p = await runOk(helmBin(), ['package', CHART, '-d', dir]);
      assert.match(p.stdout, /kubeskoop-otel-0\.1\.0\.tgz/);
      const fromTgz = await runOk(helmBin(), ['template', 'ks', path.join(dir, 'kubeskoop-otel-0.1.0.tgz'), '--namespace', 'observability']);
      assert.equal(fromTgz.stdout, (await get('defaults')).text);
      const list = await runOk('tar', ['-tzf', path.join(dir, 'kubeskoop-otel-0.1.0.tgz')]);
      for (const f of ['Chart.yaml', 'values.yaml', 'values.schema.json', 'README.md', 'templates/daemonset.yaml', 'templates/NOTES.txt']) {
        assert.ok(list.stdout.split('\n').includes(`kubeskoop-otel/${f}`), `${f} in the archive`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects values outside the schema (mode, protocol, capability names)', async () => {
    for (const bad of [{ mode: 'cluster' }, { otlp: { protocol: 'http/json' } }, { capabilities: { extra: ['cap_net_raw'] } }, { prometheus: { port: 0 } }]) {
      const r = await helmWithValues(['template', 'ks', CHART], bad);
      assert.notEqual(r.code, 0, `accepted ${JSON.stringify(bad)}`);
      assert.match(r.stderr, /values don't meet the specifications of the schema|must be one of|Does not match pattern|Must be greater/);
    }
  });
});

describe('helm chart: the DaemonSet (defaults)', function () {
  this.timeout(60_000);
  let r: Rendered;
  let ds: any;
  let c: any;
  before(async () => {
    r = await get('defaults');
    ds = r.one('DaemonSet');
    c = agentContainer(r);
  });

  it('renders a DaemonSet, ServiceAccount, ClusterRole, ClusterRoleBinding and ConfigMap, and nothing else', () => {
    assert.deepEqual(r.objects.map((o) => o.kind).sort(), ['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'DaemonSet', 'ServiceAccount']);
  });

  it('hostPID, hostNetwork, ClusterFirstWithHostNet, tolerates every taint, Linux nodes only', () => {
    const spec = ds.spec.template.spec;
    assert.equal(spec.hostPID, true);
    assert.equal(spec.hostNetwork, true);
    assert.equal(spec.dnsPolicy, 'ClusterFirstWithHostNet');
    assert.deepEqual(spec.tolerations, [{ operator: 'Exists' }]);
    assert.deepEqual(spec.nodeSelector, { 'kubernetes.io/os': 'linux' });
    assert.equal(spec.priorityClassName, undefined);
  });

  it('drops ALL capabilities and adds exactly BPF, PERFMON, SYS_ADMIN, SYS_PTRACE, DAC_READ_SEARCH; never privileged; read-only root', () => {
    const sc = c.securityContext;
    assert.deepEqual(sc.capabilities.drop, ['ALL']);
    assert.deepEqual(sc.capabilities.add, ['BPF', 'PERFMON', 'SYS_ADMIN', 'SYS_PTRACE', 'DAC_READ_SEARCH']);
    assert.equal(sc.privileged, false);
    assert.equal(sc.allowPrivilegeEscalation, false);
    assert.equal(sc.readOnlyRootFilesystem, true);
    assert.equal(sc.runAsUser, 0);
    assert.deepEqual(sc.seccompProfile, { type: 'RuntimeDefault' });
    assert.ok(!sc.capabilities.add.includes('NET_ADMIN'), 'NET_ADMIN is not needed by the default probes');
  });

  it('each added capability carries a comment naming what needs it', () => {
    const dsText = r.text.slice(r.text.indexOf('kind: DaemonSet'));
    for (const cap of c.securityContext.capabilities.add as string[]) {
      const re = new RegExp(`# ${cap}: [^\\n]+\\n(?:\\s+#[^\\n]*\\n)*\\s+- ${cap}\\n`);
      assert.match(dsText, re, `no comment before ${cap}`);
    }
  });

  it('mounts the host paths read-only, with HostToContainer propagation for cgroup and /run/netns', () => {
    const vols = new Map<string, any>(ds.spec.template.spec.volumes.map((v: any) => [v.name, v]));
    const mounts = new Map<string, any>(c.volumeMounts.map((m: any) => [m.name, m]));
    const expect: [string, string, string, string | undefined][] = [
      ['host-proc', '/proc', '/host/proc', undefined],
      ['btf', '/sys/kernel/btf', '/sys/kernel/btf', undefined],
      ['cgroup', '/sys/fs/cgroup', '/host/sys/fs/cgroup', 'HostToContainer'],
      ['tracefs', '/sys/kernel/tracing', '/sys/kernel/tracing', undefined],
      ['netns', '/run/netns', '/run/netns', 'HostToContainer'],
    ];
    for (const [name, hostPath, mountPath, prop] of expect) {
      assert.equal(vols.get(name)?.hostPath?.path, hostPath, name);
      assert.equal(mounts.get(name)?.mountPath, mountPath, name);
      assert.equal(mounts.get(name)?.readOnly, true, `${name} read-only`);
      assert.equal(mounts.get(name)?.mountPropagation, prop, `${name} propagation`);
    }
    assert.equal(vols.get('netns').hostPath.type, 'DirectoryOrCreate');
    // every mount has a volume, every volume is mounted; the only writable paths are /tmp (emptyDir)
    for (const m of mounts.keys()) assert.ok(vols.has(m), `mount ${m} has no volume`);
    for (const v of vols.keys()) assert.ok(mounts.has(v), `volume ${v} not mounted`);
    const writable = [...mounts.values()].filter((m) => m.readOnly !== true).map((m) => m.mountPath);
    assert.deepEqual(writable, ['/tmp']);
    assert.ok(vols.get('tmp').emptyDir);
  });

  it('runs the agent on the mounted host procfs, with its config file, in node mode, on the Prometheus port', () => {
    assert.deepEqual(c.args, ['run', '--config=/etc/kubeskoop-otel/config.yaml', '--mode=node', '--port=9102', '--proc-root=/host/proc']);
    assert.equal(c.volumeMounts.find((m: any) => m.name === 'config').mountPath, '/etc/kubeskoop-otel');
    assert.deepEqual(c.ports, [{ name: 'metrics', containerPort: 9102, protocol: 'TCP' }]);
    assert.equal(c.image, 'ghcr.io/kubeskoop-otel/agent:0.1.0');
    assert.equal(c.imagePullPolicy, 'IfNotPresent');
  });

  it('NODE_NAME comes from the downward API; no OTLP env without an endpoint', () => {
    const env = envMap(c);
    assert.equal(env.NODE_NAME, 'fieldRef:spec.nodeName');
    assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, undefined);
    assert.equal(env.NODE_OPTIONS, '--max-old-space-size=256');
  });

  it('liveness and readiness probe /healthz on the metrics port', () => {
    for (const p of [c.readinessProbe, c.livenessProbe]) {
      assert.deepEqual(p.httpGet, { path: '/healthz', port: 'metrics' });
      assert.ok(p.periodSeconds > 0 && p.failureThreshold > 0);
    }
    assert.ok(c.livenessProbe.initialDelaySeconds > c.readinessProbe.initialDelaySeconds);
  });

  it('resources are the measured ones: requests cover the 250-pod peak RSS and CPU of test/bench/results/sizing.json', () => {
    assert.deepEqual(c.resources, { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '384Mi' } });
    const sizing = JSON.parse(readFileSync(path.join(REPO, 'test/bench/results/sizing.json'), 'utf8')) as {
      meta: { args: { nodeOptions: string } }; runs: { pods: number; memory: { rssPeakMiB: number }; cpu: { coresAt15s: number } }[];
    };
    const r250 = sizing.runs.find((x) => x.pods === 250);
    assert.ok(r250, 'sizing.json has a 250-pod run');
    assert.ok(128 >= r250.memory.rssPeakMiB, `memory request 128Mi < measured peak ${r250.memory.rssPeakMiB} MiB`);
    assert.ok(0.1 >= r250.cpu.coresAt15s, `cpu request 100m < measured ${r250.cpu.coresAt15s} cores`);
    // measured with the NODE_OPTIONS the chart sets, whose heap limit stays under the memory limit
    assert.equal(sizing.meta.args.nodeOptions, envMap(c).NODE_OPTIONS);
    assert.ok(Number(/--max-old-space-size=(\d+)/.exec(envMap(c).NODE_OPTIONS!)![1]) < 384);
    // values.yaml says where the numbers come from
    const valuesText = readFileSync(path.join(CHART, 'values.yaml'), 'utf8');
    assert.match(valuesText, /test\/bench\/sizing\.ts/);
    assert.ok(valuesText.includes(String(r250.memory.rssPeakMiB)), 'values.yaml comment quotes the measured 250-pod peak');
  });

  it('scrape annotations on the pods, and a config checksum that changes with the config', async () => {
    const ann = ds.spec.template.metadata.annotations;
    assert.equal(ann['prometheus.io/scrape'], 'true');
    assert.equal(ann['prometheus.io/port'], '9102');
    assert.equal(ann['prometheus.io/path'], '/metrics');
    const other = (await get('customConfig')).one('DaemonSet').spec.template.metadata.annotations['checksum/config'];
    assert.match(ann['checksum/config'], /^[0-9a-f]{64}$/);
    assert.notEqual(other, ann['checksum/config']);
  });

  it('RBAC: one ClusterRole with get/list/watch on pods only, bound to the DaemonSet\'s ServiceAccount', () => {
    const role = r.one('ClusterRole');
    assert.deepEqual(role.rules, [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
    const rb = r.one('ClusterRoleBinding');
    assert.deepEqual(rb.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
    const sa = r.one('ServiceAccount');
    assert.deepEqual(rb.subjects, [{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: 'observability' }]);
    assert.equal(ds.spec.template.spec.serviceAccountName, sa.metadata.name);
    assert.equal(ds.spec.template.spec.automountServiceAccountToken, true);
    assert.equal(r.all('Role').length + r.all('RoleBinding').length, 0);
  });

  it('the ConfigMap holds values.config in the project format, mounted where the args point', () => {
    const cfg = parse(renderedConfig(r));
    assert.deepEqual(cfg, DEFAULT_VALUES.config);
    assert.equal(r.one('ConfigMap').metadata.name, ds.spec.template.spec.volumes.find((v: any) => v.name === 'config').configMap.name);
  });
});

describe('helm chart: the value matrix', function () {
  this.timeout(60_000);

  it('customConfig: config content, OTLP env, resource attributes, priority class', async () => {
    const r = await get('customConfig');
    // Helm merges `config` over the chart's default `config` key by key: keys the user did not
    // set (kubernetes.pod_labels) stay, the others are the user's.
    assert.deepEqual(parse(renderedConfig(r)), {
      ...CUSTOM_CONFIG, kubernetes: DEFAULT_VALUES.config.kubernetes, otlp: DEFAULT_VALUES.config.otlp, traces: DEFAULT_VALUES.config.traces,
    });
    const dropped = parse(renderedConfig(await render({ config: { kubernetes: null, prometheus: { names: null } } })));
    assert.equal(dropped.kubernetes, undefined, 'null removes a default key');
    assert.deepEqual(dropped.prometheus, { enabled: true });
    const c = agentContainer(r);
    const env = envMap(c);
    assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://gw.observability.svc:4317');
    assert.equal(env.OTEL_EXPORTER_OTLP_PROTOCOL, 'grpc');
    assert.equal(env.OTEL_EXPORTER_OTLP_COMPRESSION, 'gzip');
    assert.equal(env.OTEL_RESOURCE_ATTRIBUTES, 'k8s.cluster.name=prod-eu-1');
    assert.equal(env.NODE_NAME, 'fieldRef:spec.nodeName');
    assert.equal(r.one('DaemonSet').spec.template.spec.priorityClassName, 'system-node-critical');
  });

  it('kubeskoopLegacy: a KubeSkoop config.yaml string lands in the ConfigMap byte for byte', async () => {
    const r = await get('kubeskoopLegacy');
    assert.equal(renderedConfig(r).trimEnd(), KUBESKOOP_V1.trimEnd());
    assert.match(r.text, /# KubeSkoop config\.yaml, as given in kubeskoopConfig/);
  });

  it('kubeskoopV0Map: a KubeSkoop mapping is rendered with its own keys', async () => {
    const r = await get('kubeskoopV0Map');
    assert.deepEqual(parse(renderedConfig(r)), KUBESKOOP_V0);
  });

  it('serviceMonitor: a headless Service, a ServiceMonitor and a PodMonitor that select the agent pods and name its port', async () => {
    const r = await get('serviceMonitor');
    const ds = r.one('DaemonSet');
    const podLabels = ds.spec.template.metadata.labels;
    const svc = r.one('Service');
    assert.equal(svc.spec.clusterIP, 'None');
    for (const [k, v] of Object.entries(svc.spec.selector as Record<string, string>)) assert.equal(podLabels[k], v);
    assert.deepEqual(svc.spec.ports, [{ name: 'metrics', port: 9102, targetPort: 'metrics', protocol: 'TCP' }]);
    const sm = r.one('ServiceMonitor');
    assert.equal(sm.apiVersion, 'monitoring.coreos.com/v1');
    assert.equal(sm.metadata.labels!.release, 'kube-prometheus-stack');
    for (const [k, v] of Object.entries(sm.spec.selector.matchLabels as Record<string, string>)) assert.equal(svc.metadata.labels![k], v);
    assert.deepEqual(sm.spec.namespaceSelector, { matchNames: ['observability'] });
    assert.equal(sm.spec.endpoints[0].port, 'metrics');
    assert.equal(sm.spec.endpoints[0].path, '/metrics');
    assert.equal(sm.spec.endpoints[0].interval, '30s');
    assert.equal(sm.spec.endpoints[0].honorLabels, true);
    const pm = r.one('PodMonitor');
    assert.equal(pm.apiVersion, 'monitoring.coreos.com/v1');
    for (const [k, v] of Object.entries(pm.spec.selector.matchLabels as Record<string, string>)) assert.equal(podLabels[k], v);
    assert.equal(pm.spec.podMetricsEndpoints[0].port, agentContainer(r).ports[0].name);
  });

  it('sidecar: no DaemonSet, ServiceAccount or RBAC; an unprivileged container with the downward API and --mode=sidecar', async () => {
    const r = await get('sidecar');
    assert.deepEqual(r.objects.map((o) => o.kind).sort(), ['ConfigMap', 'Deployment']);
    const dep = r.one('Deployment');
    const spec = dep.spec.template.spec;
    assert.equal(spec.hostPID, undefined);
    assert.equal(spec.hostNetwork, undefined);
    const c = spec.containers.find((x: any) => x.name === 'kubeskoop-otel');
    assert.ok(c, 'sidecar container');
    assert.ok(c.args.includes('--mode=sidecar'));
    assert.ok(!c.args.some((a: string) => a.startsWith('--proc-root')));
    const sc = c.securityContext;
    assert.equal(sc.runAsNonRoot, true);
    assert.ok(sc.runAsUser > 0);
    assert.equal(sc.privileged, false);
    assert.equal(sc.allowPrivilegeEscalation, false);
    assert.equal(sc.readOnlyRootFilesystem, true);
    assert.deepEqual(sc.capabilities, { drop: ['ALL'] });
    const env = envMap(c);
    assert.equal(env.POD_NAME, 'fieldRef:metadata.name');
    assert.equal(env.POD_NAMESPACE, 'fieldRef:metadata.namespace');
    assert.equal(env.POD_UID, 'fieldRef:metadata.uid');
    assert.equal(env.NODE_NAME, 'fieldRef:spec.nodeName');
    assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://gw.observability.svc:4318');
    assert.equal(env.OTEL_EXPORTER_OTLP_PROTOCOL, 'http/protobuf');
    assert.equal(c.volumeMounts.some((m: any) => m.mountPath.startsWith('/host') || m.mountPath.startsWith('/sys')), false);
    const vols = spec.volumes.map((v: any) => v.name).sort();
    assert.deepEqual(vols, c.volumeMounts.map((m: any) => m.name).sort());
    assert.equal(spec.volumes.find((v: any) => v.name === 'ksotel-config').configMap.name, r.one('ConfigMap').metadata.name);
    assert.equal(spec.volumes.some((v: any) => v.hostPath), false);
  });

  it('sidecar: the README snippet is the container the helper renders', async () => {
    const r = await get('sidecar');
    const c = r.one('Deployment').spec.template.spec.containers.find((x: any) => x.name === 'kubeskoop-otel');
    const readme = readFileSync(path.join(CHART, 'README.md'), 'utf8');
    const m = /<!-- sidecar-snippet -->\n```yaml\n([\s\S]*?)```/.exec(readme);
    assert.ok(m, 'README has the sidecar snippet');
    const snippet = parse(m[1]!) as { containers: any[]; volumes: any[] };
    const sc = snippet.containers.find((x) => x.name === 'kubeskoop-otel');
    assert.ok(sc);
    // The README shows the defaults (no OTLP endpoint in values): compare what does not depend on values.
    assert.deepEqual(sc.securityContext, c.securityContext);
    assert.deepEqual(sc.args, c.args);
    assert.deepEqual(sc.volumeMounts, c.volumeMounts);
    assert.deepEqual(sc.resources, c.resources);
    const readmeEnv = envMap(sc);
    for (const k of ['POD_NAME', 'POD_NAMESPACE', 'POD_UID', 'NODE_NAME', 'NODE_OPTIONS']) assert.equal(readmeEnv[k], envMap(c)[k], k);
  });

  it('sidecar: the install notes print the same container and volumes (NOTES.txt rendered through helm template)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ksotel-notes-'));
    try {
      // helm template does not render NOTES.txt: render a copy of it as a template
      cpSync(CHART, path.join(dir, 'c'), { recursive: true });
      renameSync(path.join(dir, 'c/templates/NOTES.txt'), path.join(dir, 'c/templates/zz-notes.yaml'));
      const r = await run(helmBin(), ['template', 'ks', path.join(dir, 'c'), '--namespace', 'observability', '--set', 'mode=sidecar', '--show-only', 'templates/zz-notes.yaml'], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stderr);
      const body = r.stdout.slice(r.stdout.indexOf('  containers:'));
      const notes = parse(body.replace(/^ {2}/gm, '')) as { containers: any[]; volumes: any[] };
      const dep = (await render({ mode: 'sidecar', sidecar: { example: { enabled: true } } })).one('Deployment');
      const c = dep.spec.template.spec.containers.find((x: any) => x.name === 'kubeskoop-otel');
      assert.deepEqual(notes.containers, [c]);
      assert.deepEqual(notes.volumes, dep.spec.template.spec.volumes);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('narrowed: capability toggles and extra capabilities; disabled mounts disappear with their volumes', async () => {
    const r = await get('narrowed');
    const c = agentContainer(r);
    assert.deepEqual(c.securityContext.capabilities.add, ['SYS_ADMIN', 'SYS_PTRACE', 'NET_ADMIN', 'SYS_RESOURCE']);
    const names = c.volumeMounts.map((m: any) => m.name);
    assert.ok(!names.includes('tracefs') && !names.includes('btf'));
    const vols = r.one('DaemonSet').spec.template.spec.volumes.map((v: any) => v.name);
    assert.ok(!vols.includes('tracefs') && !vols.includes('btf'));
  });

  it('image: repository, digest over tag, pull policy and pull secrets are configurable', async () => {
    const r = await get('image');
    const c = agentContainer(r);
    assert.equal(c.image, `registry.internal/ks/agent@sha256:${'a'.repeat(64)}`);
    assert.equal(c.imagePullPolicy, 'Always');
    assert.deepEqual(r.one('DaemonSet').spec.template.spec.imagePullSecrets, [{ name: 'regcred' }]);
    const tagOnly = agentContainer(await render({ image: { tag: 'v1.2.3', pullPolicy: 'Never' } }));
    assert.equal(tagOnly.image, 'ghcr.io/kubeskoop-otel/agent:v1.2.3');
    assert.equal(tagOnly.imagePullPolicy, 'Never');
  });

  it('existingConfigMap: no ConfigMap rendered, the DaemonSet mounts the named one', async () => {
    const r = await render({ existingConfigMap: 'my-agent-config' });
    assert.equal(r.all('ConfigMap').length, 0);
    assert.equal(r.one('DaemonSet').spec.template.spec.volumes.find((v: any) => v.name === 'config').configMap.name, 'my-agent-config');
  });

  it('the prometheus port moves the container port, the --port flag and the annotations together', async () => {
    const r = await render({ prometheus: { port: 19102, serviceMonitor: { enabled: true } } });
    const c = agentContainer(r);
    assert.ok(c.args.includes('--port=19102'));
    assert.equal(c.ports[0].containerPort, 19102);
    assert.equal(r.one('DaemonSet').spec.template.metadata.annotations['prometheus.io/port'], '19102');
    assert.equal(r.one('Service').spec.ports[0].port, 19102);
  });
});

describe('helm chart: README documents every value', () => {
  it('each leaf key of values.yaml appears in the README table', () => {
    const readme = readFileSync(path.join(CHART, 'README.md'), 'utf8');
    const keys: string[] = [];
    const walk = (v: unknown, prefix: string): void => {
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) {
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(x, prefix ? `${prefix}.${k}` : k);
      } else keys.push(prefix);
    };
    // `config` and `kubeskoopConfig` are documents of their own: documented as one row each.
    for (const [k, v] of Object.entries(DEFAULT_VALUES)) {
      if (['config', 'resources', 'nodeSelector', 'seccompProfile'].includes(k)) keys.push(k);
      else walk(v, k);
    }
    const missing = keys.filter((k) => !readme.includes(`| \`${k}\` |`));
    assert.deepEqual(missing, [], `values not in README: ${missing.join(', ')}`);
  });
});

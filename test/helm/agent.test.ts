// The agent started the way the chart starts it: the ConfigMap's config.yaml exactly as rendered,
// the DaemonSet container's args and env, and only the capabilities the chart adds (setpriv bounds
// the process to them, as the container runtime does). Then the sidecar, as uid 65532 with no
// capabilities inside a test namespace. Also checks, on this kernel, what each capability is for.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AGENT, REPO, agentContainer, render, renderedConfig, type Rendered } from './chart.js';
import { MATRIX } from './matrix.js';
import { createNetns, cleanupAll, type Netns } from '../support/netns.js';
import { fetchInNetns } from '../support/node-exporter.js';
import { freePort, run, stopPid, waitUntil } from '../support/proc.js';
import { parsePromText } from '../support/prom-text.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';
import { requireBpf } from '../support/agent.js';
import { skipBecause } from '../support/strict.js';

const NOBODY = 65534;
const HELPER = path.join(REPO, 'bpf/build/kubeskoop-bpf-helper');

/** setpriv arguments that leave a uid-0 process exactly these capabilities (bounding = inheritable = caps). */
function capArgs(caps: readonly string[]): string[] {
  const list = ['-all', ...caps.map((c) => `+${c.toLowerCase()}`)].join(',');
  return [`--inh-caps=${list}`, `--ambient-caps=-all`, `--bounding-set=${list}`];
}

/** A process of another user kept inside a namespace (a pod's application, as the agent sees it). */
async function foreignProcess(ns: Netns): Promise<{ pid: number; stop(): Promise<void> }> {
  const child = spawn('ip', ['netns', 'exec', ns.name, 'setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'sleep', '600'], { stdio: 'ignore' });
  const pid = child.pid!;
  // ip netns exec → setpriv → sleep all exec in place: the pid is the sleep's once it runs as nobody
  await waitUntil(async () => (await run('stat', ['-c', '%u', `/proc/${pid}`])).stdout.trim() === String(NOBODY), 5000, 'the foreign process to run as nobody');
  return { pid, stop: () => stopPid(pid, 2000) };
}

interface Started { child: ChildProcess; port: number; out: () => string; stop(): Promise<void> }

/** Start the agent from a rendered container spec: its args (config path, proc root and port
 *  replaced for this machine), its literal env values, downward-API values filled in. */
async function startAsRendered(container: any, configFile: string, o: { caps?: readonly string[]; uid?: number; netns?: Netns; fieldRefs: Record<string, string>; readOnlyRoot?: boolean }): Promise<Started> {
  const port = o.netns ? 9102 : await freePort();
  const args = (container.args as string[]).map((a) => {
    if (a.startsWith('--config=')) return `--config=${configFile}`;
    if (a.startsWith('--proc-root=')) return '--proc-root=/proc'; // the host procfs is /proc here
    if (a.startsWith('--port=')) return `--port=${port}`;
    return a;
  });
  if (!o.netns) args.push('--address=127.0.0.1'); // loopback only on this machine (the pod listens on the node IP)
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = String(e.value);
    else if (e.valueFrom?.fieldRef) env[e.name] = o.fieldRefs[e.valueFrom.fieldRef.fieldPath] ?? '';
  }
  const priv = ['setpriv', ...(o.uid !== undefined ? [`--reuid=${o.uid}`, `--regid=${o.uid}`, '--clear-groups'] : []), ...capArgs(o.caps ?? []), '--'];
  let argv = [...priv, process.execPath, AGENT, ...args];
  // readOnlyRootFilesystem + the chart's emptyDir at /tmp: a private mount namespace where / is
  // remounted read-only and /tmp is a small tmpfs (the config must then live outside /, e.g. /dev/shm)
  if (o.readOnlyRoot) {
    // A checkout under /tmp (CI may clone there) would vanish under the tmpfs: carry it across
    // through a bind mount in /dev/shm and put it back at the same path inside the tmpfs.
    const root = REPO;
    const carry = root === '/tmp' || root.startsWith('/tmp/')
      ? `keep=$(mktemp -d /dev/shm/ksotel-keep-XXXXXX) && mount --bind ${JSON.stringify(root)} "$keep" && `
      : '';
    const restore = carry ? ` && mkdir -p ${JSON.stringify(root)} && mount -n --move "$keep" ${JSON.stringify(root)} && rmdir "$keep"` : '';
    argv = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c',
      `${carry}mount -o remount,bind,ro / && mount -t tmpfs -o size=16m tmpfs /tmp${restore} && exec "$@"`, 'sh', ...argv];
  }
  const [cmd, full] = o.netns ? ['ip', ['netns', 'exec', o.netns.name, ...argv]] : [argv[0]!, argv.slice(1)];
  let out = '';
  const child = spawn(cmd, full, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const add = (b: Buffer): void => { if (out.length < 200_000) out += b.toString(); };
  child.stdout!.on('data', add);
  child.stderr!.on('data', add);
  return { child, port, out: () => out, stop: () => stopPid(child.pid, 12_000) };
}

async function getJson(url: string, netns?: Netns): Promise<any> {
  if (netns) return JSON.parse(await fetchInNetns(netns, url));
  const r = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}

async function getText(url: string): Promise<{ status: number; text: string }> {
  const r = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: r.status, text: await r.text() };
}

/** Wait for /status to report a finished cycle; returns it. */
async function waitForCycle(s: Started, netns?: Netns): Promise<any> {
  return waitUntil(async () => {
    if (s.child.exitCode !== null) throw new Error(`agent exited ${s.child.exitCode}: ${s.out()}`);
    const st = await getJson(`http://127.0.0.1:${s.port}/status`, netns).catch(() => undefined);
    return st && st.lastCycle?.cycle >= 1 ? st : undefined;
  }, 30_000, `a finished cycle (agent output: ${s.out().slice(0, 2000)})`, 200).catch((e: Error) => { throw new Error(`${e.message}\n${s.out()}`); });
}

/** netns inodes that have series in /metrics. */
async function inodesInMetrics(port: number): Promise<Set<string>> {
  const { text } = await getText(`http://127.0.0.1:${port}/metrics`);
  const s = new Set<string>();
  for (const x of parsePromText(text).samples) if (x.labels.kubeskoop_netns_inode) s.add(x.labels.kubeskoop_netns_inode);
  return s;
}

describe('helm chart: the agent runs with the ConfigMap and container the chart renders', function () {
  this.timeout(120_000);
  let dir: string;
  const cleanups: (() => Promise<void>)[] = [];

  before(function () {
    if (process.getuid?.() !== 0) skipBecause(this, 'not root: the chart\'s pod is run with its capabilities');
    assert.ok(existsSync(AGENT), 'npm run build first');
    dir = mkdtempSync(path.join(tmpdir(), 'ksotel-helm-agent-'));
    chmodSync(dir, 0o755);
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });
  after(async () => {
    await cleanupAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const writeConfig = (r: Rendered, name: string): string => {
    const f = path.join(dir, `${name}.yaml`);
    writeFileSync(f, renderedConfig(r), { mode: 0o644 });
    return f;
  };

  const formats: Record<string, string> = { defaults: 'kubeskoop-otel', customConfig: 'kubeskoop-otel', kubeskoopLegacy: 'kubeskoop-v1', kubeskoopV0Map: 'kubeskoop-v0', sidecar: 'kubeskoop-otel' };
  for (const [name, format] of Object.entries(formats)) {
    it(`validate-config accepts the rendered config.yaml: ${name} (${format})`, async () => {
      const f = writeConfig(await render(MATRIX[name]), name);
      const r = await run(process.execPath, [AGENT, 'validate-config', f], { timeoutMs: 30_000 });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.match(r.stdout, new RegExp(`ok \\(${format} format\\)`));
    });
  }

  it('defaults: with only the chart\'s capabilities the agent runs, serves /status and /healthz, and sees a pod whose process belongs to another user', async () => {
    const r = await render();
    const c = agentContainer(r);
    const caps = c.securityContext.capabilities.add as string[];
    const ns = await createNetns({ label: 'helm' });
    cleanups.push(() => ns.dispose());
    const foreign = await foreignProcess(ns);
    cleanups.push(() => foreign.stop());
    const agent = await startAsRendered(c, writeConfig(r, 'ds-defaults'), { caps, fieldRefs: { 'spec.nodeName': 'ksotel-test-node' } });
    cleanups.push(() => agent.stop());
    const st = await waitForCycle(agent);
    assert.equal(st.agent.mode, 'node');
    assert.equal(st.agent.config.format, 'kubeskoop-otel');
    assert.ok(st.lastCycle.targets.total >= 2, JSON.stringify(st.lastCycle));
    for (const [probe, view] of Object.entries(st.probes as Record<string, { state: string; reason?: string }>)) {
      assert.notEqual(view.state, 'failed', `${probe}: ${view.reason ?? ''}`);
    }
    const h = await getText(`http://127.0.0.1:${agent.port}/healthz`);
    assert.equal(h.status, 200, h.text);
    await waitUntil(async () => (await inodesInMetrics(agent.port)).has(String(ns.inode)), 20_000, `series of test namespace ${ns.inode}`, 250);
    const { text } = await getText(`http://127.0.0.1:${agent.port}/metrics`);
    // NODE_NAME from the downward API reaches the resource (host.name is there on any machine, so
    // it proves nothing): target_info carries it as k8s_node_name.
    assert.match(text, /^target_info\{[^}]*k8s_node_name="ksotel-test-node"/m);
  });

  it('readOnlyRootFilesystem: the agent runs with / read-only and only /tmp (the emptyDir) writable', async () => {
    const r = await render();
    const c = agentContainer(r);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(c.volumeMounts.filter((m: any) => m.readOnly !== true).map((m: any) => m.mountPath), ['/tmp']);
    const shm = mkdtempSync('/dev/shm/ksotel-ro-');
    cleanups.push(async () => rmSync(shm, { recursive: true, force: true }));
    const cfg = path.join(shm, 'config.yaml');
    writeFileSync(cfg, renderedConfig(r), { mode: 0o644 });
    const agent = await startAsRendered(c, cfg, { caps: c.securityContext.capabilities.add, fieldRefs: { 'spec.nodeName': 'ksotel-test-node' }, readOnlyRoot: true });
    cleanups.push(() => agent.stop());
    const st = await waitForCycle(agent);
    assert.equal(st.probes.netdev?.state, 'running');
    const h = await getText(`http://127.0.0.1:${agent.port}/healthz`);
    assert.equal(h.status, 200, h.text);
    // the agent's own view: / read-only, /tmp a tmpfs
    const mounts = readFileSync(`/proc/${agent.child.pid}/mountinfo`, 'utf8').split('\n').map((l) => l.split(' '));
    const root = mounts.filter((f) => f[4] === '/').at(-1);
    assert.ok(root && root[5]!.split(',').includes('ro'), `/ is not read-only for the agent: ${root?.join(' ')}`);
    assert.ok(mounts.some((f) => f[4] === '/tmp' && f.includes('tmpfs')));
  });

  it('defaults minus SYS_PTRACE: the task walk (BPF + PERFMON) still finds a pod of another user; without the walk, discovery needs SYS_PTRACE', async () => {
    const r = await render();
    const c = agentContainer(r);
    const add = c.securityContext.capabilities.add as string[];
    const ns = await createNetns({ label: 'noptrace' });
    cleanups.push(() => ns.dispose());
    const foreign = await foreignProcess(ns);
    cleanups.push(() => foreign.stop());
    const started = async (name: string, caps: string[]): Promise<Started> => {
      const agent = await startAsRendered(c, writeConfig(r, name), { caps, fieldRefs: { 'spec.nodeName': 'ksotel-test-node' } });
      cleanups.push(() => agent.stop());
      await waitForCycle(agent);
      await waitUntil(async () => (await getJson(`http://127.0.0.1:${agent.port}/status`)).lastCycle.cycle >= 2, 30_000, 'a second cycle', 200);
      return agent;
    };
    // the default set's io probe starts the helper, whose task walk needs no per-process permission
    const walking = await started('ds-noptrace', add.filter((x) => x !== 'SYS_PTRACE'));
    await waitUntil(async () => (await inodesInMetrics(walking.port)).has(String(ns.inode)), 20_000, `series of test namespace ${ns.inode} (task walk)`, 250);
    assert.equal((await getJson(`http://127.0.0.1:${walking.port}/status`)).lastCycle.processes.source, 'task-walk');
    // no BPF either (BPF and PERFMON, and SYS_ADMIN, which covers both): no walk; each process's
    // ns/net link is refused for another user's process
    const reading = await started('ds-noptrace-nobpf', add.filter((x) => !['SYS_PTRACE', 'BPF', 'PERFMON', 'SYS_ADMIN'].includes(x)));
    assert.equal((await getJson(`http://127.0.0.1:${reading.port}/status`)).lastCycle.processes.source, 'proc');
    assert.ok(!(await inodesInMetrics(reading.port)).has(String(ns.inode)), 'a namespace was discovered from /proc without SYS_PTRACE');
  });

  for (const protocol of ['grpc', 'http/protobuf'] as const) {
    it(`otlp.endpoint/protocol/compression values: the rendered env pushes gzip OTLP (${protocol}) to a real receiver`, async () => {
      const rx = await startOtlpReceiver({});
      cleanups.push(() => rx.close());
      const endpoint = protocol === 'grpc' ? rx.grpcEndpoint : rx.httpEndpoint;
      const r = await render({ otlp: { endpoint, protocol, exportInterval: '1000' }, resourceAttributes: { 'k8s.cluster.name': 'helm-test' }, config: { interval: '1s' } });
      const c = agentContainer(r);
      const agent = await startAsRendered(c, writeConfig(r, `otlp-${protocol.replace('/', '-')}`), { caps: c.securityContext.capabilities.add, fieldRefs: { 'spec.nodeName': 'ksotel-test-node' } });
      cleanups.push(() => agent.stop());
      const points = await rx.waitForMetric('system.network.io', undefined, 30_000).catch((e: Error) => { throw new Error(`${e.message}\n${agent.out()}`); });
      assert.equal(points[0]!.resource['k8s.cluster.name'], 'helm-test');
      assert.equal(points[0]!.resource['k8s.node.name'], 'ksotel-test-node');
      const req = rx.requests.find((q) => q.signal === 'metrics' && q.accepted)!;
      if (protocol === 'grpc') {
        assert.equal(req.transport, 'grpc');
      } else {
        // http/protobuf means protobuf on the wire (receiver/pipeline/otlp-metrics.ts); JSON is a regression
        assert.equal(req.transport, 'http-protobuf');
        // gzip is visible on HTTP (grpc-js consumes grpc-encoding before the handler sees metadata)
        assert.equal(req.headers['content-encoding'], 'gzip');
      }
    });
  }

  it('kubeskoopLegacy: the agent runs on a KubeSkoop config.yaml as the chart passes it', async () => {
    const r = await render(MATRIX.kubeskoopLegacy);
    const c = agentContainer(r);
    const agent = await startAsRendered(c, writeConfig(r, 'ds-legacy'), { caps: c.securityContext.capabilities.add, fieldRefs: { 'spec.nodeName': 'ksotel-test-node' } });
    cleanups.push(() => agent.stop());
    const st = await waitForCycle(agent);
    assert.equal(st.agent.config.format, 'kubeskoop-v1');
    assert.equal(st.probes.netdev?.state, 'running');
    assert.ok(st.inuse_probes.metrics.some((p: { name: string }) => p.name === 'tcpext'));
  });

  it('sidecar: as uid 65532 with no capabilities inside a pod namespace, the agent observes exactly that namespace', async () => {
    const r = await render(MATRIX.sidecar);
    const dep = r.one('Deployment');
    const c = dep.spec.template.spec.containers.find((x: any) => x.name === 'kubeskoop-otel');
    const uid = c.securityContext.runAsUser as number;
    assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'] });
    const ns = await createNetns({ label: 'sidecar' });
    cleanups.push(() => ns.dispose());
    // the rendered OTLP endpoint points at a cluster Service: drop it here (no network off the machine)
    const cc = { ...c, env: (c.env as any[]).filter((e) => !e.name.startsWith('OTEL_EXPORTER_OTLP')) };
    const agent = await startAsRendered(cc, writeConfig(r, 'sidecar'), {
      uid, caps: [], netns: ns,
      fieldRefs: { 'metadata.name': 'app-7d4b9', 'metadata.namespace': 'shop', 'metadata.uid': '0b5e6c1e-0000-4000-8000-000000000001', 'spec.nodeName': 'ksotel-test-node' },
    });
    cleanups.push(() => agent.stop());
    const st = await waitForCycle(agent, ns);
    assert.equal(st.agent.mode, 'sidecar');
    assert.equal(st.lastCycle.targets.total, 1);
    assert.equal(st.probes.netdev?.state, 'running');
    const metrics = await fetchInNetns(ns, `http://127.0.0.1:${agent.port}/metrics`);
    const inodes = new Set(parsePromText(metrics).samples.map((x) => x.labels.kubeskoop_netns_inode).filter(Boolean));
    assert.deepEqual([...inodes], [String(ns.inode)]);
    assert.match(metrics, /k8s_pod_name="app-7d4b9"/);
    assert.match(metrics, /k8s_namespace_name="shop"/);
  });
});

describe('helm chart: what each capability is for, checked on this kernel', function () {
  this.timeout(60_000);
  let ns: Netns;
  let foreign: { pid: number; stop(): Promise<void> };
  let chartCaps: string[];

  before(async function () {
    if (process.getuid?.() !== 0) skipBecause(this, 'not root: capability sets are dropped from root');
    chartCaps = agentContainer(await render()).securityContext.capabilities.add;
    ns = await createNetns({ label: 'caps' });
    foreign = await foreignProcess(ns);
  });
  after(async () => {
    await foreign?.stop();
    await ns?.dispose();
    await cleanupAll();
  });

  /** Run a shell command as uid 0 holding exactly `caps`; exit status 0 = allowed. */
  const allowed = async (caps: readonly string[], script: string): Promise<boolean> =>
    (await run('setpriv', [...capArgs(caps), '--', 'sh', '-c', script], { timeoutMs: 20_000 })).code === 0;
  const without = (cap: string): string[] => chartCaps.filter((c) => c !== cap);

  it('/proc/<pid>/net of another user\'s process needs no capability; its ns link needs SYS_PTRACE', async () => {
    assert.ok(await allowed([], `cat /proc/${foreign.pid}/net/dev /proc/${foreign.pid}/net/snmp >/dev/null`));
    assert.ok(!(await allowed(without('SYS_PTRACE'), `readlink /proc/${foreign.pid}/ns/net`)));
    assert.ok(await allowed(chartCaps, `readlink /proc/${foreign.pid}/ns/net`));
    // also for a root process that holds more capabilities than the agent (the kept `cat`)
    assert.ok(!(await allowed(without('SYS_PTRACE'), `readlink /proc/${ns.pid}/ns/net`)));
    assert.ok(await allowed(chartCaps, `readlink /proc/${ns.pid}/ns/net`));
  });

  it('/proc/<pid>/io and /proc/<pid>/fd of another user\'s process need DAC_READ_SEARCH', async () => {
    assert.ok(!(await allowed(without('DAC_READ_SEARCH'), `cat /proc/${foreign.pid}/io >/dev/null`)));
    assert.ok(!(await allowed(without('DAC_READ_SEARCH'), `ls /proc/${foreign.pid}/fd >/dev/null`)));
    assert.ok(await allowed(chartCaps, `cat /proc/${foreign.pid}/io >/dev/null && ls /proc/${foreign.pid}/fd >/dev/null`));
  });

  it('setns into the pod namespace needs SYS_ADMIN; qdisc and sock_diag dumps there need no NET_ADMIN', async () => {
    const enter = `nsenter --net=/proc/${foreign.pid}/ns/net`;
    assert.ok(!(await allowed(without('SYS_ADMIN'), `${enter} true`)));
    assert.ok(!chartCaps.includes('NET_ADMIN'));
    assert.ok(await allowed(chartCaps, `${enter} tc -s qdisc show dev lo | grep -q qdisc`));
    assert.ok(await allowed(chartCaps, `${enter} ss -tan >/dev/null`));
  });

  it('the eBPF programs load and attach with BPF + PERFMON, and not with BPF alone', async function () {
    requireBpf(this); // a missing helper build fails; only a kernel without BTF skips
    const load = async (caps: readonly string[]): Promise<string> => {
      const r = await run('setpriv', [...capArgs(caps), '--', HELPER], { input: 'load tcpretrans\nshutdown\n', timeoutMs: 20_000 });
      return r.stdout;
    };
    const ok = /"msg":"probe","probe":"tcpretrans","ok":true/;
    assert.match(await load(['BPF', 'PERFMON']), ok);
    assert.doesNotMatch(await load(['BPF']), ok);
    assert.match(await load(chartCaps), ok);
  });
});

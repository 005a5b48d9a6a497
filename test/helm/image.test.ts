// The container image, built and run for real: scripts/image.sh builds the repository's Dockerfile
// with podman (bases made from Debian's and npm's packages), once for this file; the DaemonSet and
// the sidecar the chart renders are run from it with podman, their specs translated field by field
// (test/helm/podman.ts). Also: the Dockerfile's text, the image's files and config against the chart
// and docs/image.md.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, chmodSync, statSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CHART, REPO, agentContainer, render, type Rendered } from './chart.js';
import { IMAGE_SH, httpProbe, podman, podmanOk, podmanRunArgs } from './podman.js';
import { createNetns, cleanupAll, type Netns } from '../support/netns.js';
import { fetchInNetns } from '../support/node-exporter.js';
import { freePort, run, runOk, stopPid, waitUntil } from '../support/proc.js';
import { parsePromText } from '../support/prom-text.js';
import type { ImageResults } from '../bench/image.js';
import { KERNEL_BTF, skipBecause } from '../support/strict.js';

const DOCKERFILE = readFileSync(path.join(REPO, 'Dockerfile'), 'utf8');
const DOCKERIGNORE = readFileSync(path.join(REPO, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
const PKG = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };
const CHART_META = parseYaml(readFileSync(path.join(CHART, 'Chart.yaml'), 'utf8')) as { appVersion: string };
const NOBODY = 65534;
const EBPF_PROBES = ['tcpreset', 'packetloss', 'tcpretrans'];

interface Stage { from: string; name?: string; lines: string[] }

/** FROM … [AS name] and the instructions under it (continuation lines joined). */
function stages(text: string): Stage[] {
  const joined = text.replace(/\\\n/g, ' ');
  const out: Stage[] = [];
  for (const raw of joined.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (m) { out.push({ from: m[1]!, ...(m[2] ? { name: m[2] } : {}), lines: [] }); continue; }
    out.at(-1)?.lines.push(line);
  }
  return out;
}

/** ARG defaults of the Dockerfile, ${VAR} references expanded. */
function argDefaults(text: string): Record<string, string> {
  const d: Record<string, string> = {};
  for (const m of text.replace(/\\\n/g, ' ').matchAll(/^ARG (\w+)=("?)(.*)\2$/gm)) {
    d[m[1]!] = m[3]!.replace(/\$\{(\w+)\}/g, (_, v: string) => d[v] ?? '');
  }
  return d;
}

/** The packages an apt-get install line of a stage installs. */
function aptPackages(stage: Stage): string[] {
  const pk: string[] = [];
  for (const l of stage.lines) {
    const m = /apt-get install ([^&]*)/.exec(l);
    if (m) pk.push(...m[1]!.split(/\s+/).filter((w) => w && !w.startsWith('-')));
  }
  return pk;
}

const ARGS = argDefaults(DOCKERFILE);
const RUNTIME_PACKAGES = ARGS.RUNTIME_PACKAGES!.split(/\s+/).sort();

describe('container image: Dockerfile and .dockerignore', () => {
  const st = stages(DOCKERFILE);

  it('base images are build args with the official images as defaults (docker build . needs none)', () => {
    assert.deepEqual(st.map((s) => s.from), ['${DEBIAN_IMAGE}', '${NODE_IMAGE}', '${RUNTIME_IMAGE}']);
    assert.equal(ARGS.DEBIAN_IMAGE, 'debian:bookworm');
    assert.equal(ARGS.NODE_IMAGE, 'node:20-bookworm-slim');
    assert.equal(ARGS.RUNTIME_IMAGE, 'gcr.io/distroless/cc-debian12');
    // scripts/image.sh makes its stand-ins for the same Debian and Node releases
    const sh = readFileSync(IMAGE_SH, 'utf8');
    assert.match(sh, new RegExp(`^DEBIAN_SUITE=${ARGS.DEBIAN}$`, 'm'));
    assert.match(sh, new RegExp(`^NODE_RELEASE=${ARGS.NODE_VERSION}\\.\\d+\\.\\d+$`, 'm'));
    assert.equal(ARGS.VERSION, PKG.version);
  });

  it('native stage: the BPF toolchain, scripts/build-native.sh; js stage: npm ci, the image tsconfig, the bundle', () => {
    assert.equal(st[0]!.name, 'native');
    for (const p of ['clang', 'llvm', 'libbpf-dev', 'bpftool', 'libelf-dev', 'zlib1g-dev', 'pkg-config', 'make', 'gcc']) {
      assert.ok(aptPackages(st[0]!).includes(p), `stage 1 installs ${p}`);
    }
    assert.ok(st[0]!.lines.some((l) => /^RUN .*scripts\/build-native\.sh --out \/out/.test(l)));
    assert.equal(st[1]!.name, 'js');
    assert.ok(st[1]!.lines.some((l) => /^RUN .*npm ci\b/.test(l)));
    assert.ok(st[1]!.lines.some((l) => /tsc -p scripts\/tsconfig\.image\.json/.test(l) && /node scripts\/bundle\.mjs/.test(l)));
    // the runtime stage installs nothing: it only copies, and no node_modules (the bundle holds the packages)
    assert.ok(st[2]!.lines.every((l) => !/^RUN /.test(l)), 'no RUN in the runtime stage');
    assert.ok(st[2]!.lines.every((l) => !/node_modules/.test(l)), 'no node_modules copied into the runtime stage');
  });

  it('the runtime runs as a non-root user and starts the agent CLI', () => {
    const user = st[2]!.lines.find((l) => l.startsWith('USER '));
    assert.ok(user, 'USER set');
    assert.ok(Number(user.split(/\s+/)[1]!.split(':')[0]) > 0, 'non-root');
    // the CLI, with the V8 flags every launcher passes (test/docs/launch-flags.test.ts checks their value)
    assert.match(DOCKERFILE, /ENTRYPOINT \["node", ("--[a-z-]+(=[0-9]+)?", )+"\/opt\/kubeskoop-otel\/dist\/kubeskoop-otel\.js"\]/);
  });

  it('every COPY source exists in the repository and is not excluded by .dockerignore', () => {
    const ignored = (p: string): boolean => DOCKERIGNORE.some((pat) => {
      if (pat.includes('*')) return new RegExp(`^${pat.replace(/\./g, '\\.').replace(/\*\*\//g, '(.*/)?').replace(/\*/g, '[^/]*')}$`).test(p);
      return p === pat || p.startsWith(`${pat}/`);
    });
    let n = 0;
    for (const s of st) {
      for (const l of s.lines) {
        const m = /^COPY\s+(?!--from)(.+)\s+\S+$/.exec(l);
        if (!m) continue;
        for (const src of m[1]!.trim().split(/\s+/)) {
          n++;
          assert.ok(existsSync(path.join(REPO, src)), `COPY ${src}: not in the repository`);
          assert.ok(!ignored(src), `COPY ${src}: excluded by .dockerignore`);
        }
      }
    }
    assert.ok(n >= 8);
    for (const heavy of ['node_modules', 'dist', 'bpf/build', '.git', '.tools']) assert.ok(ignored(heavy), `${heavy} is not in the build context`);
  });
});

describe('container image: the native stage\'s script on this machine', function () {
  this.timeout(300_000);
  let dir: string;
  before(() => { dir = mkdtempSync(path.join(tmpdir(), 'ksotel-image-')); });
  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('scripts/build-native.sh builds the helper out of tree (bpf/build untouched); its libraries are RUNTIME_PACKAGES', async function () {
    // setup.sh installs clang and libbpf, so only the kernel's BTF is a reason to skip
    if (!existsSync(KERNEL_BTF)) skipBecause(this, `no kernel BTF at ${KERNEL_BTF}: the native stage cannot build`);
    const treeHelper = path.join(REPO, 'bpf/build/kubeskoop-bpf-helper');
    const before = existsSync(treeHelper) ? statSync(treeHelper).mtimeMs : undefined;
    const out = path.join(dir, 'native');
    const r = await runOk(path.join(REPO, 'scripts/build-native.sh'), ['--out', out], { timeoutMs: 240_000 });
    const helper = r.stdout.trim().split('\n').at(-1)!;
    assert.equal(helper, path.join(out, 'kubeskoop-bpf-helper'));
    assert.match((await runOk(helper, ['--version'])).stdout, /^kubeskoop-bpf-helper \S+ protocol \d+ libbpf 1\./);
    assert.equal(existsSync(treeHelper) ? statSync(treeHelper).mtimeMs : undefined, before);
    // the shared libraries beyond glibc come from exactly the packages the Dockerfile copies
    const ldd = (await runOk('ldd', [helper])).stdout;
    const libs = [...ldd.matchAll(/=>\s+(\S+)/g)].map((m) => m[1]!).filter((l) => !/\/libc\.so|ld-linux|linux-vdso/.test(l));
    const pkgs = new Set<string>();
    for (const lib of libs) {
      const d = await run('dpkg', ['-S', lib]);
      const real = d.code === 0 ? d : await run('dpkg', ['-S', lib.replace(/^\/lib\//, '/usr/lib/')]);
      assert.equal(real.code, 0, `no Debian package owns ${lib}`);
      pkgs.add(real.stdout.split(':')[0]!);
    }
    assert.deepEqual([...pkgs].sort(), RUNTIME_PACKAGES);
  });

  it('a clear message when a tool or the BTF is missing', async () => {
    const r = await run(path.join(REPO, 'scripts/build-native.sh'), ['--out', path.join(dir, 'nobtf')], { env: { ...process.env, BTF: '/nonexistent/vmlinux' } });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /no BTF at \/nonexistent\/vmlinux; set BTF=/);
  });
});

// ---------------------------------------------------------------------------------------------
// The image itself

const TAG = `localhost/kubeskoop-otel/agent:test-${process.pid.toString(36)}`;
let imageId = '';
let imageBuildError: Error | undefined;

/** Build the image once for this file (the bases and podman's layers are cached by the script). */
async function image(): Promise<string> {
  if (imageBuildError) throw imageBuildError;
  if (imageId) return imageId;
  const r = await run(IMAGE_SH, ['build', '--tag', TAG], { timeoutMs: 40 * 60_000 });
  if (r.code !== 0) {
    imageBuildError = new Error(`scripts/image.sh build failed (${String(r.code)}):\n${r.stderr.slice(-6000)}`);
    throw imageBuildError;
  }
  imageId = r.stdout.trim().split('\n').at(-1)!;
  assert.match(imageId, /^sha256:[0-9a-f]{64}$/);
  return imageId;
}

interface Inspect { Config: { User: string; Entrypoint: string[]; Cmd: string[]; ExposedPorts: Record<string, unknown>; Labels: Record<string, string>; Env: string[]; WorkingDir: string }; Size: number }

interface Started { id: string; name: string; pid: number; logs(): Promise<string> }

describe('container image: built with podman (scripts/image.sh) and run as the chart says', function () {
  // the first build on a fresh machine makes the bases and every layer (docs/image.md: cold build)
  this.timeout(45 * 60_000);
  let dir: string;
  let inspect: Inspect;
  const containers: string[] = [];
  let seq = 0;

  before(async function () {
    if (process.getuid?.() !== 0) skipBecause(this, 'not root: podman runs the image as root');
    dir = mkdtempSync(path.join(tmpdir(), 'ksotel-image-run-'));
    chmodSync(dir, 0o755);
    await image();
    inspect = (JSON.parse((await podmanOk(['image', 'inspect', imageId])).stdout) as Inspect[])[0]!;
  });
  afterEach(async () => {
    for (const id of containers.splice(0)) await podman(['rm', '--force', '--time=0', id]).catch(() => undefined);
  });
  after(async function () {
    this.timeout(120_000);
    for (const id of containers.splice(0)) await podman(['rm', '--force', '--time=0', id]).catch(() => undefined);
    // our tag only: a build that hit the layer cache shares its image with other tags
    if (imageId) await podman(['rmi', TAG]).catch(() => undefined);
    await cleanupAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Run `container` of `pod` (from `r`) with podman; returns once it runs. */
  async function start(r: Rendered, pod: any, container: any, o: { fieldRefs: Record<string, string>; netns?: Netns }): Promise<Started> {
    const name = `ksotel-${process.pid.toString(36)}-${++seq}`;
    const configMaps = Object.fromEntries(r.all('ConfigMap').map((c) => [c.metadata.name, c.data as Record<string, string>]));
    const args = podmanRunArgs(pod, container, {
      image: imageId, name, fieldRefs: o.fieldRefs, configMaps, volumesDir: path.join(dir, name),
      imageUser: inspect.Config.User, ...(o.netns ? { netnsPath: `/run/netns/${o.netns.name}` } : {}),
    });
    const res = await podman(['run', ...args]);
    const id = res.stdout.trim().split('\n').at(-1) ?? '';
    if (/^[0-9a-f]{64}$/.test(id)) containers.push(id);
    assert.equal(res.code, 0, `podman run ${args.join(' ')}\n${res.stderr}`);
    const pid = Number((await podmanOk(['inspect', '--format', '{{.State.Pid}}', id])).stdout.trim());
    return { id, name, pid, logs: async () => { const l = await podman(['logs', id]); return l.stdout + l.stderr; } };
  }

  async function waitForStatus(s: Started, url: string, netns: Netns | undefined, ok: (st: any) => boolean, what: string): Promise<any> {
    return waitUntil(async () => {
      const state = (await podman(['inspect', '--format', '{{.State.Status}}', s.id])).stdout.trim();
      if (state !== 'running') throw new Error(`container ${state}: ${await s.logs()}`);
      const text = netns ? await fetchInNetns(netns, url).catch(() => '') : await fetch(url, { signal: AbortSignal.timeout(5000) }).then((x) => x.text()).catch(() => '');
      if (!text) return undefined;
      const st = JSON.parse(text);
      return ok(st) ? st : undefined;
    }, 60_000, what, 250).catch(async (e: Error) => { throw new Error(`${e.message}\n${(await s.logs()).slice(-4000)}`); });
  }

  /** `podman diff`: what changed in the image's filesystem, less the mount points the runtime made
   *  for the spec's volumes (and the directories above them). */
  async function changedFiles(s: Started, container: any): Promise<string[]> {
    const points = (container.volumeMounts as any[]).map((m) => m.mountPath as string);
    const made = (p: string): boolean => points.some((m) => m === p || m.startsWith(`${p}/`));
    const lines = (await podmanOk(['diff', s.id])).stdout.split('\n').filter(Boolean);
    return lines.filter((l) => !made(l.slice(2)));
  }

  /** A process of another user kept inside a namespace (a pod's application, as the agent sees it). */
  async function foreignProcess(ns: Netns): Promise<{ pid: number; stop(): Promise<void> }> {
    const child = spawn('ip', ['netns', 'exec', ns.name, 'setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'sleep', '600'], { stdio: 'ignore' });
    const pid = child.pid!;
    await waitUntil(async () => (await run('stat', ['-c', '%u', `/proc/${pid}`])).stdout.trim() === String(NOBODY), 5000, 'the foreign process to run as nobody');
    return { pid, stop: () => stopPid(pid, 2000) };
  }

  /** The DaemonSet rendered with these values, on a free loopback port (no port of the host taken). */
  async function daemonSet(values: Record<string, unknown>, port: number): Promise<{ r: Rendered; pod: any; c: any }> {
    const r = await render({
      prometheus: { port },
      extraArgs: ['--address=127.0.0.1'],
      // with events listed the agent runs exactly the metric probes listed (KubeSkoop's rule)
      config: { interval: '1s', metrics: { probes: ['netdev', 'sock', 'io'] }, events: { probes: EBPF_PROBES } },
      ...values,
    });
    const pod = r.one('DaemonSet').spec.template.spec;
    return { r, pod, c: agentContainer(r) };
  }

  it('image config: user, entrypoint, port and labels as the chart and docs/image.md say', async () => {
    const r = await render({ mode: 'sidecar', sidecar: { example: { enabled: true } } });
    const side = r.one('Deployment').spec.template.spec.containers.find((x: any) => x.name === 'kubeskoop-otel');
    const ds = agentContainer(await render());
    const cfg = inspect.Config;
    // non-root by default: the sidecar's runAsUser/runAsGroup (the DaemonSet sets runAsUser 0)
    assert.equal(cfg.User, `${side.securityContext.runAsUser}:${side.securityContext.runAsGroup}`);
    assert.equal(ds.securityContext.runAsUser, 0);
    // the chart gives args only: the image's entrypoint is the agent, its CMD the same `run`
    assert.equal(ds.command, undefined);
    assert.equal(side.command, undefined);
    assert.deepEqual(JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(DOCKERFILE)![1]!), cfg.Entrypoint);
    assert.equal(cfg.Entrypoint.at(-1), '/opt/kubeskoop-otel/dist/kubeskoop-otel.js');
    assert.deepEqual(cfg.Cmd, ['run']);
    assert.equal(ds.args[0], 'run');
    // the port the chart scrapes
    assert.deepEqual(Object.keys(cfg.ExposedPorts), [`${ds.ports[0].containerPort}/tcp`]);
    assert.equal(cfg.Labels['org.opencontainers.image.version'], CHART_META.appVersion);
    assert.equal(CHART_META.appVersion, PKG.version);
    // docs/image.md's table of the same facts
    const doc = readFileSync(path.join(REPO, 'docs/image.md'), 'utf8');
    const row = (k: string): string => {
      const m = new RegExp(`^\\| ${k} \\| \`([^\`]*)\` \\|`, 'm').exec(doc);
      assert.ok(m, `docs/image.md has a "${k}" row`);
      return m[1]!;
    };
    assert.equal(row('user'), cfg.User);
    assert.equal(row('entrypoint'), JSON.stringify(cfg.Entrypoint));
    assert.equal(row('cmd'), JSON.stringify(cfg.Cmd));
    assert.equal(row('exposed port'), Object.keys(cfg.ExposedPorts)[0]);
    assert.equal(row('working directory'), cfg.WorkingDir);
    // the Dockerfile's labels (podman adds io.buildah.version of its own)
    const oci = Object.entries(cfg.Labels).filter(([k]) => k.startsWith('org.opencontainers.'));
    assert.deepEqual(oci.map(([k]) => k).sort(), [...DOCKERFILE.matchAll(/(org\.opencontainers\.image\.\w+)=/g)].map((m) => m[1]!).sort());
    for (const [k, v] of oci) assert.equal(row(`label ${k}`), v);
  });

  it('image files: no compiler, no npm, no shell, no node_modules, no TypeScript; node is the pinned release', async () => {
    const mount = (await podmanOk(['image', 'mount', imageId])).stdout.trim();
    try {
      const files: string[] = [];
      const walk = (d: string): void => {
        for (const e of readdirSync(d)) {
          const p = path.join(d, e);
          const st = lstatSync(p);
          if (st.isDirectory()) walk(p);
          else files.push(p.slice(mount.length));
        }
      };
      walk(mount);
      assert.ok(files.length > 100, `${files.length} files`);
      const base = (f: string): string => path.basename(f);
      for (const tool of ['cc', 'gcc', 'clang', 'ld', 'as', 'make', 'npm', 'npx', 'corepack', 'yarn', 'sh', 'bash', 'dash', 'apt', 'apt-get', 'dpkg', 'perl']) {
        const hit = files.filter((f) => /\/s?bin\//.test(f) && (base(f) === tool || base(f).startsWith(`${tool}-`)));
        assert.deepEqual(hit, [], `${tool} in the image`);
      }
      // the agent is one bundle with the packages it uses (scripts/bundle.mjs), their licences beside it:
      // no node_modules (npm's, a dev package's or the agent's), no TypeScript or source maps, no tests
      assert.deepEqual(files.filter((f) => f.includes('/node_modules/')).slice(0, 3), [], 'node_modules in the image');
      assert.deepEqual(files.filter((f) => /\.(ts|mts|cts|map)$/.test(f)).slice(0, 3), []);
      assert.ok(!files.some((f) => f.startsWith('/opt/kubeskoop-otel/dist/test/')), 'no tests in the image');
      assert.ok(!files.some((f) => f.startsWith('/opt/kubeskoop-otel/dist/receiver/')), 'dist/receiver/ in the image');
      for (const f of [
        '/usr/local/bin/node',
        '/opt/kubeskoop-otel/dist/kubeskoop-otel.js',
        '/opt/kubeskoop-otel/dist/kubeskoop-otel.licenses.txt',
        '/opt/kubeskoop-otel/bpf/build/kubeskoop-bpf-helper',
      ]) {
        assert.ok(files.includes(f), `${f} in the image`);
      }
      // the Debian packages the image declares: glibc/libstdc++ of the base and the helper's libraries
      const declared = readdirSync(path.join(mount, 'var/lib/dpkg/status.d')).sort();
      for (const p of RUNTIME_PACKAGES) assert.ok(declared.includes(p), `${p} declared (status.d)`);
      assert.deepEqual(declared.filter((p) => /-dev$|^(gcc|cpp|clang|llvm)(-\d+)?$|^(bpftool|make|apt|dpkg|perl)$/.test(p)), []);
    } finally {
      await podman(['image', 'unmount', imageId]);
    }
    // the binaries run: the loader finds the helper's libraries, node is the release image.sh pins
    const v = await podmanOk(['run', '--rm', '--entrypoint=/opt/kubeskoop-otel/bpf/build/kubeskoop-bpf-helper', imageId, '--version']);
    assert.match(v.stdout, /^kubeskoop-bpf-helper \S+ protocol \d+ libbpf 1\./);
    const n = await podmanOk(['run', '--rm', '--entrypoint=node', imageId, '--version']);
    assert.equal(n.stdout.trim(), `v${/^NODE_RELEASE=(\S+)$/m.exec(readFileSync(IMAGE_SH, 'utf8'))![1]}`);
    const a = await podmanOk(['run', '--rm', imageId, '--version']);
    assert.equal(a.stdout.trim(), PKG.version);
  });

  it('image size: at most 200 MB (test/bench/image.ts measures it and the build times)', () => {
    assert.ok(inspect.Size <= 200e6, `${(inspect.Size / 1e6).toFixed(1)} MB`);
  });

  it('DaemonSet: with only the chart\'s capabilities and mounts it serves /metrics for the host\'s test namespaces and runs the eBPF probes; the read-only root holds', async () => {
    const port = await freePort();
    const { r, pod, c } = await daemonSet({}, port);
    const ns = await createNetns({ label: 'image' });
    const foreign = await foreignProcess(ns);
    try {
      const s = await start(r, pod, c, { fieldRefs: { 'spec.nodeName': 'ksotel-image-node' } });
      const probe = httpProbe(c, 'readinessProbe');
      assert.equal(probe.port, port);
      const st = await waitForStatus(s, `http://127.0.0.1:${port}/status`, undefined, (x) => x.lastCycle?.cycle >= 1 && EBPF_PROBES.every((p) => x.probes[p]?.state !== 'starting'), 'a cycle and the eBPF probes loaded');
      for (const p of [...EBPF_PROBES, 'netdev', 'sock', 'io']) assert.equal(st.probes[p]?.state, 'running', `${p}: ${JSON.stringify(st.probes[p])}`);
      assert.equal(st.agent.mode, 'node');
      const h = await fetch(`http://127.0.0.1:${probe.port}${probe.path}`, { signal: AbortSignal.timeout(5000) });
      assert.equal(h.status, 200);
      // per-namespace series of the test namespace, whose only process belongs to another user
      await waitUntil(async () => {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
        return parsePromText(text).samples.some((x) => x.labels.kubeskoop_netns_inode === String(ns.inode));
      }, 30_000, `series of test namespace ${ns.inode}`, 250);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(metrics, /k8s_node_name="ksotel-image-node"/);

      // what the runtime gave it: exactly the chart's capabilities, uid 0, no new privileges
      const status = readFileSync(`/proc/${s.pid}/status`, 'utf8');
      const capEff = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)$/m.exec(status)![1]}`);
      const capBnd = BigInt(`0x${/^CapBnd:\s*([0-9a-f]+)$/m.exec(status)![1]}`);
      const CAP: Record<string, number> = { DAC_READ_SEARCH: 2, NET_ADMIN: 12, SYS_PTRACE: 19, SYS_ADMIN: 21, PERFMON: 38, BPF: 39 };
      const want = (c.securityContext.capabilities.add as string[]).reduce((m, n) => m | (1n << BigInt(CAP[n]!)), 0n);
      assert.equal(capEff, want, `CapEff ${capEff.toString(16)}`);
      assert.equal(capBnd, want, `CapBnd ${capBnd.toString(16)}`);
      assert.match(status, /^Uid:\s+0\s+0\s+0\s+0$/m);
      assert.match(status, /^NoNewPrivs:\s+1$/m);

      // read-only root: / is mounted ro, the only writable disk paths are the pod's declared
      // writable volumes and the runtime's own files (hosts, resolv.conf, …), and nothing was
      // written to the image's filesystem
      const writable = (c.volumeMounts as any[]).filter((m) => m.readOnly !== true).map((m) => m.mountPath);
      assert.deepEqual(writable, ['/tmp']);
      const runtimeFiles = ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf', '/run/.containerenv'];
      const pseudo = new Set(['proc', 'sysfs', 'devpts', 'mqueue', 'cgroup', 'cgroup2', 'tmpfs', 'bpf', 'tracefs', 'debugfs', 'securityfs', 'pstore', 'configfs', 'fusectl', 'hugetlbfs', 'nsfs']);
      const mounts = readFileSync(`/proc/${s.pid}/mountinfo`, 'utf8').trim().split('\n').map((l) => {
        const [pre, post] = l.split(' - ');
        const f = pre!.split(' ');
        return { point: f[4]!, opts: f[5]!.split(','), fstype: post!.split(' ')[0]! };
      });
      const root = mounts.find((m) => m.point === '/');
      assert.ok(root?.opts.includes('ro'), `/ is not read-only: ${JSON.stringify(root)}`);
      const rwDisk = mounts.filter((m) => m.opts.includes('rw') && !pseudo.has(m.fstype)).map((m) => m.point);
      assert.deepEqual(rwDisk.filter((p) => !writable.includes(p) && !runtimeFiles.includes(p)), [], `writable: ${rwDisk.join(' ')}`);
      assert.deepEqual(await changedFiles(s, c), [], 'the image filesystem was changed');
      assert.doesNotMatch(await s.logs(), /EROFS|read-only file system/i);
    } finally {
      await foreign.stop();
      await ns.dispose();
    }
  });

  it('DaemonSet with a capability removed from the chart: /status names the missing one; BPF + PERFMON suffice where seccomp allows', async () => {
    // The runtime's default seccomp profile (RuntimeDefault; podman 4.3's allows bpf() only with
    // SYS_ADMIN) and, with seccompProfile Unconfined, the kernel's own rule (BPF + PERFMON).
    const unconfined = { seccompProfile: { type: 'Unconfined' } };
    const cases: [string, Record<string, unknown>, string | undefined][] = [
      ['no SYS_ADMIN, RuntimeDefault', { capabilities: { sysAdmin: false } }, 'CAP_SYS_ADMIN'],
      ['no SYS_ADMIN, Unconfined', { capabilities: { sysAdmin: false }, ...unconfined }, undefined],
      ['no SYS_ADMIN or PERFMON, Unconfined', { capabilities: { sysAdmin: false, perfmon: false }, ...unconfined }, 'CAP_PERFMON'],
      ['no SYS_ADMIN or BPF, Unconfined', { capabilities: { sysAdmin: false, bpf: false }, ...unconfined }, 'CAP_BPF'],
    ];
    for (const [what, values, missing] of cases) {
      const port = await freePort();
      const { r, pod, c } = await daemonSet(values, port);
      const s = await start(r, pod, c, { fieldRefs: { 'spec.nodeName': 'ksotel-image-node' } });
      const st = await waitForStatus(s, `http://127.0.0.1:${port}/status`, undefined, (x) => x.lastCycle?.cycle >= 1 && EBPF_PROBES.every((p) => x.probes[p] && x.probes[p].state !== 'starting'), `the eBPF probes settled (${what})`);
      for (const p of EBPF_PROBES) {
        const v = st.probes[p] as { state: string; reason?: string };
        if (!missing) { assert.equal(v.state, 'running', `${what}: ${p}: ${v.reason ?? ''}`); continue; }
        assert.equal(v.state, 'degraded', `${what}: ${p}`);
        assert.match(v.reason ?? '', new RegExp(`lacks [A-Z_, ]*${missing}`), `${what}: ${p}: ${v.reason ?? ''}`);
      }
      // the procfs probes run regardless
      assert.equal(st.probes.netdev?.state, 'running', what);
      await podman(['rm', '--force', '--time=0', s.id]);
      containers.splice(containers.indexOf(s.id), 1);
    }
  });

  it('sidecar: non-root with no capabilities in a pod namespace, it serves that namespace\'s metrics only', async () => {
    const r = await render({ mode: 'sidecar', sidecar: { example: { enabled: true } }, config: { interval: '1s' } });
    const pod = r.one('Deployment').spec.template.spec;
    const c = pod.containers.find((x: any) => x.name === 'kubeskoop-otel');
    assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'] });
    assert.equal(pod.hostNetwork, undefined);
    const ns = await createNetns({ label: 'sidecar' });
    try {
      const s = await start(r, pod, c, {
        netns: ns,
        fieldRefs: { 'metadata.name': 'app-7d4b9', 'metadata.namespace': 'shop', 'metadata.uid': '0b5e6c1e-0000-4000-8000-000000000001', 'spec.nodeName': 'ksotel-image-node' },
      });
      const probe = httpProbe(c, 'readinessProbe');
      const st = await waitForStatus(s, `http://127.0.0.1:${probe.port}/status`, ns, (x) => x.lastCycle?.cycle >= 1, 'a cycle in the pod namespace');
      assert.equal(st.agent.mode, 'sidecar');
      assert.equal(st.lastCycle.targets.total, 1);
      assert.equal(st.probes.netdev?.state, 'running');
      const status = readFileSync(`/proc/${s.pid}/status`, 'utf8');
      assert.match(status, /^Uid:\s+65532\s+65532\s+65532\s+65532$/m);
      assert.match(status, /^CapEff:\s+0+$/m);
      assert.match(status, /^CapBnd:\s+0+$/m);
      const metrics = await fetchInNetns(ns, `http://127.0.0.1:${probe.port}/metrics`);
      const inodes = new Set(parsePromText(metrics).samples.map((x) => x.labels.kubeskoop_netns_inode).filter(Boolean));
      assert.deepEqual([...inodes], [String(ns.inode)]);
      assert.match(metrics, /k8s_pod_name="app-7d4b9"/);
      assert.match(metrics, /k8s_namespace_name="shop"/);
      assert.deepEqual(await changedFiles(s, c), []);
    } finally {
      await ns.dispose();
    }
  });
});

describe('container image: docs/image.md quotes test/bench/results/image.json', () => {
  const results = JSON.parse(readFileSync(path.join(REPO, 'test/bench/results/image.json'), 'utf8')) as ImageResults;
  // whitespace folded: the page wraps lines anywhere
  const doc = readFileSync(path.join(REPO, 'docs/image.md'), 'utf8').replace(/\s+/g, ' ');
  const mb = (n: number): string => (n / 1e6).toFixed(1);

  it('image size and its largest layers', () => {
    assert.ok(doc.includes(`image: **${mb(results.imageBytes)} MB**`), `size ${mb(results.imageBytes)} MB`);
    const top = results.layers.map((l) => l.bytes).sort((a, b) => b - a).slice(0, 3).map(mb);
    assert.ok(doc.includes(`largest layers are ${top[0]}, ${top[1]} and ${top[2]} MB`), top.join(', '));
    assert.ok(doc.includes(`(part of \`npm run bench\`; results in \`test/bench/results/image.{md,json}\`, ${results.at.slice(0, 10)},`));
  });

  it('cold and warm build times', () => {
    const { cold, warm } = results;
    assert.ok(doc.includes(`**${cold.totalS} s**, of which the bases`), JSON.stringify(cold));
    assert.ok(doc.includes(`${cold.basesS} s and the image ${cold.imageS} s`), JSON.stringify(cold));
    assert.ok(doc.includes(`warm build (the same again): **${warm.totalS} s**`), JSON.stringify(warm));
  });
});

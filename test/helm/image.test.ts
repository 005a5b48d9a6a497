// The container image, as far as it can be built here (no image builds: no base images to pull):
// stage 1's script (scripts/build-native.sh) is run for real; stages 2 and 3 are reproduced on this
// machine (the image's tsconfig, production dependencies only, the image's file layout, its
// non-root user); the Dockerfile and .dockerignore are checked against the repository.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO, render, renderedConfig } from './chart.js';
import { run, runOk } from '../support/proc.js';

const DOCKERFILE = readFileSync(path.join(REPO, 'Dockerfile'), 'utf8');
const DOCKERIGNORE = readFileSync(path.join(REPO, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));

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

/** The packages an apt-get install line of a stage installs. */
function aptPackages(stage: Stage): string[] {
  const pk: string[] = [];
  for (const l of stage.lines) {
    const m = /apt-get install ([^&]*)/.exec(l);
    if (m) pk.push(...m[1]!.split(/\s+/).filter((w) => w && !w.startsWith('-')));
  }
  return pk;
}

describe('container image: Dockerfile and .dockerignore', () => {
  const st = stages(DOCKERFILE);

  it('three stages: native (Debian bookworm + clang/llvm/libbpf-dev/bpftool), js (Node 20), runtime (Node 20 slim + libbpf1)', () => {
    assert.equal(st.length, 3);
    assert.equal(st[0]!.name, 'native');
    assert.match(st[0]!.from, /^debian:/);
    assert.match(DOCKERFILE, /ARG DEBIAN=bookworm/);
    assert.match(DOCKERFILE, /ARG NODE_VERSION=20\n/);
    for (const p of ['clang', 'llvm', 'libbpf-dev', 'bpftool', 'libelf-dev', 'zlib1g-dev', 'pkg-config', 'make', 'gcc']) {
      assert.ok(aptPackages(st[0]!).includes(p), `stage 1 installs ${p}`);
    }
    assert.equal(st[1]!.name, 'js');
    assert.match(st[1]!.from, /^node:\$\{NODE_VERSION\}-\$\{DEBIAN\}$/);
    assert.match(st[2]!.from, /^node:\$\{NODE_VERSION\}-\$\{DEBIAN\}-slim$/);
    assert.ok(aptPackages(st[2]!).includes('libbpf1'));
  });

  it('stage 1 builds with scripts/build-native.sh, stage 2 with npm ci, the image tsconfig and a production prune', () => {
    assert.ok(st[0]!.lines.some((l) => /^RUN .*scripts\/build-native\.sh --out \/out/.test(l)));
    assert.ok(st[1]!.lines.some((l) => /^RUN npm ci\b/.test(l)));
    assert.ok(st[1]!.lines.some((l) => /tsc -p scripts\/tsconfig\.image\.json/.test(l) && /npm prune --omit=dev/.test(l)));
  });

  it('the runtime runs as a non-root user and starts the agent CLI', () => {
    const user = st[2]!.lines.find((l) => l.startsWith('USER '));
    assert.ok(user, 'USER set');
    const uid = Number(user.split(/\s+/)[1]!.split(':')[0]);
    assert.ok(uid > 0, 'non-root');
    // the CLI, with the V8 flags every launcher passes (test/docs/launch-flags.test.ts checks their value)
    assert.match(DOCKERFILE, /ENTRYPOINT \["node", ("--[a-z-]+=[0-9]+", )+"\/opt\/kubeskoop-otel\/dist\/receiver\/cli\/main\.js"\]/);
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

  it('the image\'s runtime libraries are the ones the helper links against (checked below with ldd)', () => {
    assert.deepEqual(aptPackages(st[2]!).sort(), ['libbpf1', 'libelf1', 'zlib1g']);
  });
});

describe('container image: the stages, run on this machine', function () {
  this.timeout(300_000);
  let dir: string;
  let helper: string;

  before(function () {
    dir = mkdtempSync(path.join(tmpdir(), 'ksotel-image-'));
    chmodSync(dir, 0o755);
  });
  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('stage 1: scripts/build-native.sh builds the helper out of tree (bpf/build untouched)', async function () {
    const probe = await run('sh', ['-c', 'command -v clang && pkg-config --exists libbpf && test -r /sys/kernel/btf/vmlinux'], { timeoutMs: 10_000 });
    if (probe.code !== 0) this.skip();
    const treeHelper = path.join(REPO, 'bpf/build/kubeskoop-bpf-helper');
    const before = existsSync(treeHelper) ? statSync(treeHelper).mtimeMs : undefined;
    const out = path.join(dir, 'native');
    const r = await runOk(path.join(REPO, 'scripts/build-native.sh'), ['--out', out], { timeoutMs: 240_000 });
    helper = r.stdout.trim().split('\n').at(-1)!;
    assert.equal(helper, path.join(out, 'kubeskoop-bpf-helper'));
    assert.match((await runOk(helper, ['--version'])).stdout, /^kubeskoop-bpf-helper \S+ protocol \d+ libbpf 1\./);
    assert.equal(existsSync(treeHelper) ? statSync(treeHelper).mtimeMs : undefined, before);
    // the shared libraries it needs come from exactly the runtime stage's packages
    const ldd = (await runOk('ldd', [helper])).stdout;
    const libs = [...ldd.matchAll(/=>\s+(\S+)/g)].map((m) => m[1]!).filter((l) => !/\/libc\.so|ld-linux|linux-vdso/.test(l));
    const pkgs = new Set<string>();
    for (const lib of libs) {
      const d = await run('dpkg', ['-S', lib]);
      const real = d.code === 0 ? d : await run('dpkg', ['-S', lib.replace(/^\/lib\//, '/usr/lib/')]);
      assert.equal(real.code, 0, `no Debian package owns ${lib}`);
      pkgs.add(real.stdout.split(':')[0]!);
    }
    assert.deepEqual([...pkgs].sort(), aptPackages(stages(DOCKERFILE)[2]!).sort());
  });

  it('stage 1: a clear message when a tool or the BTF is missing', async () => {
    const r = await run(path.join(REPO, 'scripts/build-native.sh'), ['--out', path.join(dir, 'nobtf')], { env: { ...process.env, BTF: '/nonexistent/vmlinux' } });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /no BTF at \/nonexistent\/vmlinux; set BTF=/);
  });

  it('stages 2 and 3: the image tsconfig, production dependencies only and the image layout run the agent as the image user', async function () {
    const app = path.join(dir, 'opt/kubeskoop-otel');
    mkdirSync(app, { recursive: true });
    await runOk('npx', ['tsc', '-p', path.join(REPO, 'scripts/tsconfig.image.json'), '--outDir', path.join(app, 'dist')], { cwd: REPO, timeoutMs: 240_000 });
    assert.ok(!existsSync(path.join(app, 'dist/test')), 'no tests in the image');
    cpSync(path.join(REPO, 'package.json'), path.join(app, 'package.json'));
    // npm prune --omit=dev: keep the lockfile's packages not marked dev
    const lock = JSON.parse(readFileSync(path.join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    let kept = 0;
    for (const [p, meta] of Object.entries(lock.packages)) {
      if (!p || meta.dev) continue;
      const src = path.join(REPO, p);
      if (!existsSync(src) || p.split('node_modules/').length > 2) continue; // nested ones come with their parent
      cpSync(src, path.join(app, p), { recursive: true, dereference: false });
      kept++;
    }
    assert.ok(kept > 10);
    for (const dev of ['typescript', 'mocha', 'aws-cdk-lib', '@aws-cdk/lambda-layer-kubectl-v30']) assert.ok(!existsSync(path.join(app, 'node_modules', dev)), `${dev} left out`);
    if (helper) {
      mkdirSync(path.join(app, 'bpf/build'), { recursive: true });
      cpSync(helper, path.join(app, 'bpf/build/kubeskoop-bpf-helper'));
    }
    const main = path.join(app, 'dist/receiver/cli/main.js');
    const asImageUser = (args: string[]): Promise<Awaited<ReturnType<typeof run>>> =>
      run('setpriv', ['--reuid=65532', '--regid=65532', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--', process.execPath, main, ...args],
        { timeoutMs: 60_000, cwd: '/', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production' } });
    const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    const v = await asImageUser(['--version']);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stdout.trim(), pkg.version);
    const cfg = path.join(dir, 'config.yaml');
    writeFileSync(cfg, renderedConfig(await render()), { mode: 0o644 });
    const val = await asImageUser(['validate-config', cfg]);
    assert.equal(val.code, 0, val.stderr);
    const snap = await asImageUser(['snapshot', '--json', '--mode=sidecar', '-c', cfg]);
    assert.equal(snap.code, 0, snap.stderr);
    const j = JSON.parse(snap.stdout) as { targets: unknown[] };
    assert.equal(j.targets.length, 1);
  });
});

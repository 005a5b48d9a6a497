// Strict mode (test/support/strict.ts, reporter.cjs, test/allowed-skips.yaml), proven by running
// mocha as CI does: small spec files written here, the real virtcmdlatency skip, and real suites on
// a simulated machine without BTF (KSOTEL_BTF_PATH at a missing file), which must fail loudly.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../../receiver/version.js';
import { loadAllowedSkips } from '../support/strict.js';
import { run, waitUntil, type RunResult } from '../support/proc.js';
import { startAgentWithConfig } from '../support/agent.js';

const ROOT = packageRoot();
const MOCHA = join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
const REPORTER = join(ROOT, 'test', 'support', 'reporter.cjs');
const STRICT_JS = pathToFileURL(join(ROOT, 'dist', 'test', 'support', 'strict.js')).href;
const NO_BTF = '/nonexistent/ksotel-h22/vmlinux';

/** Runs mocha on `files` with the project's reporter; env adds to (or, with undefined, removes
 *  from) this process's environment, so an outer KSOTEL_STRICT does not leak in. */
async function mocha(
  files: readonly string[],
  env: Record<string, string | undefined>,
  timeoutMs = 120_000,
): Promise<RunResult & { closing: string }> {
  const e: NodeJS.ProcessEnv = {
    ...process.env,
    KSOTEL_STRICT: undefined,
    KSOTEL_ALLOWED_SKIPS: undefined,
    KSOTEL_BTF_PATH: undefined,
    ...env,
  };
  for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
  const r = await run(
    process.execPath,
    [MOCHA, '--no-config', '--reporter', REPORTER, '--timeout', '60000', '--exit', ...files],
    { env: e, cwd: ROOT, timeoutMs },
  );
  assert.ok(!r.timedOut, `mocha timed out: ${r.stdout.slice(-2000)}`);
  const closing = r.stdout.trim().split('\n').at(-1) ?? '';
  return { ...r, closing };
}

describe('strict mode: skips and missing features fail unless allow-listed', function () {
  this.timeout(300_000);
  let dir: string;
  let spec: string;
  let hookSpec: string;
  let featureSpec: string;
  const allow = (name: string, body: string): string => {
    const p = join(dir, name);
    writeFileSync(p, body);
    return p;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ksotel-h22-strict-'));
    spec = allow(
      'skip.spec.mjs',
      `import { skipBecause } from '${STRICT_JS}';
describe('s', function () {
  it('passes', () => {});
  it('skips', function () { skipBecause(this, 'the fixture has no such kernel'); });
});
`,
    );
    hookSpec = allow(
      'hook.spec.mjs',
      `import { skipBecause } from '${STRICT_JS}';
describe('h', function () {
  before(function () { skipBecause(this, 'no widget on this machine'); });
  it('one', () => {});
  it('two', () => {});
});
`,
    );
    featureSpec = allow(
      'feature.spec.mjs',
      `import assert from 'node:assert/strict';
import { featureOrLess } from '${STRICT_JS}';
describe('f', function () {
  it('asserts more with the feature', function () {
    if (featureOrLess(this, false, 'the widget')) assert.fail('unreachable');
  });
});
`,
    );
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('without strict mode a skip is counted as skipped and its reason printed; exit 0', async () => {
    const r = await mocha([spec], {});
    assert.equal(r.closing, '1 passed, 0 failed, 1 skipped', r.stdout);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /s skips: the fixture has no such kernel/);
  });

  it('strict: a skip the allow-list does not name is a failure (closing line and exit code)', async () => {
    const r = await mocha([spec], { KSOTEL_STRICT: '1', KSOTEL_ALLOWED_SKIPS: allow('empty.yaml', 'skips: []\n') });
    assert.equal(r.closing, '1 passed, 1 failed', r.stdout);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /s skips: the fixture has no such kernel {2}\[NOT ALLOWED\]/);
    assert.match(r.stdout, /skipped but not allowed \(counted as failed\): s skips/);
  });

  it('strict: an allow-listed skip stays a skip; exit 0', async () => {
    const list = allow('ok.yaml', 'skips:\n  - test: s skips\n    because: the fixture has no such kernel\n');
    const r = await mocha([spec], { KSOTEL_STRICT: '1', KSOTEL_ALLOWED_SKIPS: list });
    assert.equal(r.closing, '1 passed, 0 failed, 1 skipped', r.stdout);
    assert.equal(r.code, 0);
  });

  it('strict: an allow-listed test that ran instead of skipping fails (the list is stale)', async () => {
    const list = allow('stale.yaml', 'skips:\n  - test: s skips\n    because: x\n  - test: s passes\n    because: y\n');
    const r = await mocha([spec], { KSOTEL_STRICT: '1', KSOTEL_ALLOWED_SKIPS: list });
    assert.equal(r.closing, '1 passed, 1 failed, 1 skipped', r.stdout);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /allowed to skip but ran .*: s passes/);
  });

  it('strict: a before hook that skips a suite fails every test in it, naming the reason', async () => {
    const r = await mocha([hookSpec], {
      KSOTEL_STRICT: '1',
      KSOTEL_ALLOWED_SKIPS: allow('empty2.yaml', 'skips: []\n'),
    });
    assert.equal(r.closing, '0 passed, 2 failed', r.stdout);
    assert.equal(r.code, 2);
    assert.match(r.stdout, /h one: no widget on this machine/);
    assert.match(r.stdout, /h two: no widget on this machine/);
    const loose = await mocha([hookSpec], {});
    assert.equal(loose.closing, '0 passed, 0 failed, 2 skipped', loose.stdout);
  });

  it('featureOrLess: asserts less without strict mode, fails with the feature named under it', async () => {
    const loose = await mocha([featureSpec], {});
    assert.equal(loose.closing, '1 passed, 0 failed', loose.stdout);
    assert.match(loose.stdout, /note: the widget is missing: asserting less/);
    const strict = await mocha([featureSpec], {
      KSOTEL_STRICT: '1',
      KSOTEL_ALLOWED_SKIPS: allow('empty3.yaml', 'skips: []\n'),
    });
    assert.equal(strict.closing, '0 passed, 1 failed', strict.stdout);
    assert.equal(strict.code, 1);
    assert.match(
      strict.stdout,
      /strict mode \(KSOTEL_STRICT=1\): the widget is missing, so "f asserts more with the feature" would assert less/,
    );
  });

  it('a malformed allow-list stops the run with the file and entry named', async () => {
    const bad = allow('bad.yaml', 'skips:\n  - test: s skips\n');
    const r = await mocha([spec], { KSOTEL_STRICT: '1', KSOTEL_ALLOWED_SKIPS: bad });
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /bad\.yaml: skips\[0\] \(s skips\) needs "because"/);
  });

  it("the repository's allow-list: each entry has a reason, and virtcmdlatency's skip is exactly it under strict mode", async () => {
    const list = loadAllowedSkips(join(ROOT, 'test', 'allowed-skips.yaml'));
    assert.ok(list.length >= 1 && list.every((a) => a.because.length > 20), JSON.stringify(list));
    const r = await mocha([join(ROOT, 'dist', 'test', 'latency', 'virtcmdlatency.test.js')], { KSOTEL_STRICT: '1' });
    assert.equal(r.closing, '1 passed, 0 failed, 1 skipped', r.stdout);
    assert.equal(r.code, 0);
  });

  it('a machine without BTF (KSOTEL_BTF_PATH at a missing file): eBPF suites fail under strict mode, skip without it', async () => {
    const files = ['integration/events-e2e.test.js', 'faults/backend.test.js'].map((f) =>
      join(ROOT, 'dist', 'test', f),
    );
    const strict = await mocha(files, { KSOTEL_STRICT: '1', KSOTEL_BTF_PATH: NO_BTF });
    assert.notEqual(strict.code, 0, strict.stdout);
    assert.match(strict.closing, /^0 passed, [1-9]\d* failed$/, strict.stdout);
    assert.match(strict.stdout, new RegExp(`no kernel BTF at ${NO_BTF}: no eBPF probe can load {2}\\[NOT ALLOWED\\]`));
    assert.match(strict.stdout, new RegExp(`eBPF events \\(kernel BTF at ${NO_BTF}\\) is missing`));
    const loose = await mocha([files[0]!], { KSOTEL_BTF_PATH: NO_BTF });
    assert.equal(loose.code, 0, loose.stdout);
    assert.match(loose.closing, /^0 passed, 0 failed, [1-9]\d* skipped$/, loose.stdout);
  });

  it('KSOTEL_BTF_PATH reaches the helper through the agent: eBPF probes degraded with that path, procfs probes run', async () => {
    assert.ok(!existsSync(NO_BTF));
    const agent = await startAgentWithConfig(
      dir,
      'interval: 500ms\nmetrics:\n  probes: [netdev]\nevents:\n  probes: [tcpreset]\n',
      { env: { KSOTEL_BTF_PATH: NO_BTF } },
    );
    try {
      const st = await waitUntil(
        async () => {
          const s = JSON.parse((await agent.get('/status')).text) as {
            probes: Record<string, { state: string; reason?: string }>;
          };
          return s.probes.tcpreset?.state === 'degraded' && s.probes.netdev?.state === 'running' && s;
        },
        20_000,
        'tcpreset degraded, netdev running',
      );
      assert.match(st.probes.tcpreset!.reason ?? '', new RegExp(`${NO_BTF}: not found`));
    } finally {
      await agent.stop();
    }
  });
});

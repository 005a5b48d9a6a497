// npm run lint as CI runs it: eslint over the tree, prettier and clang-format over the formatted
// scope. A violation fails the suite; a planted one proves the check can fail.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run } from '../support/proc.js';
import { ROOT } from '../native/support.js';

describe('lint', function () {
  this.timeout(300_000);

  it('npm run lint passes on the tree', async () => {
    const r = await run('bash', [path.join(ROOT, 'scripts', 'lint.sh')], { cwd: ROOT, timeoutMs: 280_000 });
    assert.equal(r.code, 0, `npm run lint failed:\n${r.stdout}\n${r.stderr}`);
  });

  it('fails on an import that goes up the data path, an unused variable and unformatted code', async () => {
    const dir = mkdtempSync(path.join(ROOT, 'receiver', 'kernel', 'lint-h16-'));
    try {
      const file = path.join(dir, 'bad.ts');
      writeFileSync(
        file,
        "import { EVENT_RENDERERS } from '../../probes/catalog.js';\nconst unused   = 1;\nexport const n = EVENT_RENDERERS.size;\n",
      );
      const rel = path.relative(ROOT, file);
      const eslint = await run('npx', ['eslint', rel], { cwd: ROOT, timeoutMs: 120_000 });
      assert.notEqual(eslint.code, 0);
      assert.match(eslint.stdout, /no-restricted-paths/);
      assert.match(eslint.stdout, /'unused' is assigned a value but never used/);
      const prettier = await run('npx', ['prettier', '--check', rel], { cwd: ROOT, timeoutMs: 60_000 });
      assert.notEqual(prettier.code, 0);
      const cfile = path.join(dir, 'bad.c');
      writeFileSync(cfile, 'int f(int a){if(a) return 1; return 0;}\n');
      const cf = await run(
        'clang-format',
        ['--style=file:bpf/.clang-format', '--dry-run', '--Werror', path.relative(ROOT, cfile)],
        { cwd: ROOT },
      );
      assert.notEqual(cf.code, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

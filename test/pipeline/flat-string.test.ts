// flatString: the same text, held flat. The label texts the exposition keeps per attribute object and
// per target are built by concatenation; kept as built they cost several times their characters.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { flatString } from '../../receiver/flat-string.js';
import { packageRoot } from '../../receiver/version.js';

describe('pipeline: flat strings for kept texts', () => {
  it('any text comes back equal (10,000 cases: any Unicode, lone surrogates included)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({
            unit: fc.oneof(
              fc.constantFrom('a', 'é', '\ud800', '\udc00', '😀'),
              fc.string({ unit: 'binary', maxLength: 1 }),
            ),
          }),
          { maxLength: 20 },
        ),
        (parts) => {
          let built = '';
          for (const p of parts) built += p;
          assert.equal(flatString(built), built);
        },
      ),
      { numRuns: 10_000 },
    );
  });

  it("20,000 pods' label texts (labelText) kept flat hold under half the heap of the same texts as built", () => {
    // In a child with --expose-gc: the heap a kept text holds after a full GC, built or flat.
    const root = packageRoot();
    const script = `
      import { labelText } from ${JSON.stringify(`${root}/dist/receiver/pipeline/prometheus-exposition.js`)};
      import { flatString } from ${JSON.stringify(`${root}/dist/receiver/flat-string.js`)};
      const flat = process.argv[1] === 'flat';
      const pod = (i) => ({ 'k8s.namespace.name': 'default', 'k8s.pod.name': 'pod-' + i + '-7d4b9c',
        'k8s.pod.uid': '0f8fad5b-d9cb-469f-a165-' + String(i).padStart(12, '0'), 'kubeskoop.netns.inode': 4026530000 + i,
        'kubeskoop.target.kind': 'pod', 'k8s.node.name': 'node-1' });
      gc(); gc();
      const before = process.memoryUsage().heapUsed;
      const kept = [];
      for (let i = 0; i < 20000; i++) { const t = labelText(pod(i)); kept.push(flat ? flatString(t) : t); }
      gc(); gc();
      console.log(JSON.stringify({ perText: (process.memoryUsage().heapUsed - before) / kept.length, chars: kept[7].length }));
    `;
    const run = (how: string): { perText: number; chars: number } => {
      const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script, how], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout.trim()) as { perText: number; chars: number };
    };
    const built = run('built');
    const flat = run('flat');
    assert.equal(flat.chars, built.chars);
    assert.ok(flat.perText < built.perText / 2, `flat ${flat.perText} bytes per text, built ${built.perText}`);
    console.log(
      `      [flat-string] ${built.chars}-character label text: ${Math.round(built.perText)} bytes as built, ${Math.round(flat.perText)} flat`,
    );
  });
});

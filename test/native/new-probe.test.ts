// A new eBPF event probe from five hand-written files, end to end on this kernel: a scratch copy of
// the tree gets demo_state's C program (demo_state.bpf.c + its record header demo_state.h), its
// descriptor, its probe module and this test; then `npm run generate`, tsc and make -C bpf, and the
// agent's own eBPF source loads it, decodes its records from the generated layout (no decoder
// code), renders them through the module and counts them per namespace. Nothing else is edited:
// the Makefile, the helper's probe table and layout report, the agent's probe lists and catalogue
// come from the generator.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { runOk } from '../support/proc.js';
import { ROOT, ensureHelperBuilt, netnsInode, nsName, sh } from './support.js';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'new-probe');

describe('a new eBPF event probe in five files (real BPF, scratch tree)', function () {
  this.timeout(600_000);
  let dir = '';
  const ns = nsName('h16demo');

  before(async () => {
    await ensureHelperBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'ksotel-h16-newprobe-'));
    // cp -a keeps bpf/build's timestamps: make then builds only the new probe and the helper
    await runOk('cp', ['-a', 'receiver', 'semconv', 'bpf', 'tsconfig.json', 'package.json', dir], {
      cwd: ROOT,
      timeoutMs: 120_000,
    });
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    await sh('ip', 'netns', 'add', ns);
    await sh('ip', '-n', ns, 'link', 'set', 'lo', 'up');
  });
  after(async () => {
    await runOk('ip', ['netns', 'delete', ns]).catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('generate + build + load: records decoded from the layout, rendered by the module, counted per namespace', async () => {
    const add = (file: string, to: string): void => copyFileSync(path.join(FIXTURES, file), path.join(dir, to));
    add('demo_state.h', 'bpf/probes/demo_state.h');
    add('demo_state.bpf.c', 'bpf/probes/demo_state.bpf.c');
    add('demo_state.yaml', 'bpf/probes/demo_state.yaml');
    add('demo_state.ts.in', 'receiver/probes/demo_state.ts');
    add('drive.mjs', 'drive.mjs');
    const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
    await runOk(tsc, ['-p', 'semconv/tools/tsconfig.json'], { cwd: dir, timeoutMs: 240_000 });
    const gen = await runOk('node', ['dist/semconv/tools/generate.js'], { cwd: dir, timeoutMs: 120_000 });
    // only generated files change: the five hand-written ones are all the probe needed
    assert.deepEqual(gen.stdout.trim().split('\n').sort(), [
      'wrote bpf/helper/layouts.gen.h',
      'wrote bpf/helper/probes.gen.h',
      'wrote bpf/probes.gen.mk',
      'wrote receiver/native/generated/ebpf.ts',
      'wrote receiver/probes/generated/ebpf-modules.ts',
    ]);
    await runOk(tsc, ['-p', 'tsconfig.json'], { cwd: dir, timeoutMs: 300_000 });
    await runOk('make', ['-s', '-C', 'bpf'], { cwd: dir, timeoutMs: 300_000 });
    const inode = await netnsInode(ns);
    const out = await runOk('node', ['drive.mjs', ns, String(inode)], { cwd: dir, timeoutMs: 60_000 });
    const r = JSON.parse(out.stdout.trim().split('\n').pop()!) as {
      status: { state: string; reason?: string };
      events: { type: string; body: string; attributes: Record<string, unknown> }[];
      counts: { labels: Record<string, string>; count: number }[];
    };
    assert.equal(r.status.state, 'running', r.status.reason);
    const fin = r.events.find((e) =>
      /^TCP established → fin_wait_1 \(127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+\)$/.test(e.body),
    );
    assert.ok(fin, `no established → fin_wait_1 event: ${JSON.stringify(r.events.map((e) => e.body))}`);
    assert.equal(fin.type, 'DEMO_STATE');
    assert.equal(fin.attributes['source.address'], '127.0.0.1');
    // one connection: both ends become established, both close; counted by the new state
    const est = r.counts.find((c) => c.labels.state === 'established');
    assert.equal(est?.count, 2, JSON.stringify(r.counts));
  });
});

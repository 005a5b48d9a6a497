// biolatency on the real kernel: direct I/O to a loop device made by the test (this kernel has
// loop but not dm-delay). Counts are exact per device and operation. A slow device is made by
// stacking: loop B's backing file lives on an ext4 filesystem (on loop A) that the test freezes
// for 300 ms — B's request waits in the loop worker until the thaw (> 100 ms: BIOLAT_100MS).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';

import { ensureHelperBuilt } from '../native/support.js';
import { run, runOk, sleep, waitPidGone } from '../support/proc.js';
import { collect, countAbove, counter, histogram, startRunningSource, type Source } from './support.js';

async function losetup(file: string): Promise<string> {
  const dev = (await runOk('losetup', ['-f', '--show', file])).stdout.trim();
  const iostats = `/sys/block/${path.basename(dev)}/queue/iostats`;
  // block_io_start/done fire only for accounted requests
  if (existsSync(iostats) && readFileSync(iostats, 'utf8').trim() !== '1') await writeFile(iostats, '1');
  return dev;
}

function dd(args: string[]): Promise<void> {
  return runOk('dd', [...args, 'status=none'], { timeoutMs: 30_000 }).then(() => undefined);
}

describe('biolatency (tp_btf/block_io_start -> block_io_done)', function () {
  this.timeout(120_000);
  let s: Source | undefined;
  let dir = '';
  const loops: string[] = [];
  const innerLoops: string[] = [];
  let mnt = '';
  let frozen = false;

  before(async () => {
    await ensureHelperBuilt();
    dir = await mkdtemp(path.join(os.tmpdir(), 'ksotel-bio-'));
    s = await startRunningSource({ biolatency: {} });
  });
  after(async () => {
    if (frozen) await run('fsfreeze', ['-u', mnt]);
    await s?.source.stop();
    // the inner loop device keeps the mount busy: detach it, unmount, then the others
    for (const l of innerLoops) await run('losetup', ['-d', l]);
    if (mnt) await run('umount', [mnt]);
    for (const l of loops.reverse()) await run('losetup', ['-d', l]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('direct I/O to a loop device: histogram counts equal the requests issued, per operation', async () => {
    const img = path.join(dir, 'a.img');
    await runOk('truncate', ['-s', '16M', img]);
    const dev = await losetup(img);
    loops.push(dev);
    const name = path.basename(dev);
    const before = await collect('biolatency', s!, { netnsInode: 0, kind: 'host' });
    const base = (op: string): number =>
      histogram(before, 'kubeskoop.block.io.duration', { 'system.device.name': name, 'kubeskoop.block.operation': op })
        ?.count ?? 0;
    const [w0, r0] = [base('write'), base('read')];
    await dd(['if=/dev/zero', `of=${dev}`, 'bs=4k', 'count=40', 'oflag=direct']);
    await dd([`if=${dev}`, 'of=/dev/null', 'bs=4k', 'count=30', 'iflag=direct']);
    await sleep(100);
    const after = await collect('biolatency', s!, { netnsInode: 0, kind: 'host' });
    const w = histogram(after, 'kubeskoop.block.io.duration', {
      'system.device.name': name,
      'kubeskoop.block.operation': 'write',
    });
    const r = histogram(after, 'kubeskoop.block.io.duration', {
      'system.device.name': name,
      'kubeskoop.block.operation': 'read',
    });
    assert.ok(
      w && r,
      `no histograms for ${name}: ${after
        .filter((x) => x.metric.name === 'kubeskoop.block.io.duration')
        .map((x) => JSON.stringify(x.attributes))
        .join(' ')}`,
    );
    assert.equal(w.count - w0, 40);
    assert.equal(r.count - r0, 30);
    assert.ok(w.sum > 0 && r.sum > 0);
    assert.equal(
      counter(after, 'kubeskoop.block.io.slow', { 'system.device.name': name, 'kubeskoop.latency.threshold': 0.1 }),
      0,
    );
  });

  it('a request held 300 ms by a frozen backing filesystem: BIOLAT_100MS from the issuing process', async () => {
    const outer = path.join(dir, 'outer.img');
    await runOk('truncate', ['-s', '64M', outer]);
    const devA = await losetup(outer);
    loops.push(devA);
    await runOk('mkfs.ext4', ['-q', '-F', devA], { timeoutMs: 60_000 });
    mnt = path.join(dir, 'mnt');
    await runOk('mkdir', ['-p', mnt]);
    await runOk('mount', [devA, mnt]);
    const inner = path.join(mnt, 'inner.img');
    await runOk('truncate', ['-s', '8M', inner]);
    const devB = await losetup(inner);
    innerLoops.push(devB);
    const nameB = path.basename(devB);
    await runOk('sync', []);
    await runOk('fsfreeze', ['-f', mnt]);
    frozen = true;
    const child = spawn('dd', ['if=/dev/zero', `of=${devB}`, 'bs=4k', 'count=1', 'oflag=direct', 'status=none'], {
      stdio: 'ignore',
    });
    const ddPid = child.pid!;
    await sleep(300);
    await runOk('fsfreeze', ['-u', mnt]);
    frozen = false;
    assert.ok(await waitPidGone(ddPid, 10_000), 'dd finished after the thaw');
    await sleep(100);
    const samples = await collect('biolatency', s!, { netnsInode: 0, kind: 'host' });
    const h = histogram(samples, 'kubeskoop.block.io.duration', {
      'system.device.name': nameB,
      'kubeskoop.block.operation': 'write',
    })!;
    assert.ok(h && countAbove(h, 0.2) >= 1, `buckets ${h?.bucketCounts.join(',')}`);
    assert.ok(
      counter(samples, 'kubeskoop.block.io.slow', {
        'system.device.name': nameB,
        'kubeskoop.block.operation': 'write',
        'kubeskoop.latency.threshold': 0.1,
      }) >= 1,
    );
    const ev = s!.events.filter(
      (e) => e.record.type === 'BIOLAT_100MS' && e.record.attributes['system.device.name'] === nameB,
    );
    assert.ok(ev.length >= 1, JSON.stringify(s!.events.map((e) => e.record.body)));
    const e = ev[0]!;
    assert.equal(e.record.eventName, 'kubeskoop.block.io.latency');
    assert.equal(e.record.attributes['process.pid'], ddPid);
    assert.equal(e.record.attributes['process.executable.name'], 'dd');
    assert.equal(e.record.attributes['kubeskoop.block.operation'], 'write');
    assert.ok((e.record.attributes['kubeskoop.latency.duration'] as number) >= 0.25);
  });
});

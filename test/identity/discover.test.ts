// Target discovery over a procfs-shaped tree (pid directories with their ns/net links, as the
// kernel shows them: `net:[inode]`), with the kernel's refusal of pid 1's link (EACCES, which some
// sandboxes give even to root, as this test machine's does) made at the fs call: root cannot be
// refused a link in a directory it made.
import { strict as assert } from 'node:assert';
import fs, { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { discoverTargets } from '../../receiver/targets/discover.js';

describe('discovery: namespaces from /proc/*/ns/net', () => {
  const realReadlink = fs.readlinkSync;
  let root: string;
  let netnsDir: string;
  /** How often each pid's link was asked for. */
  let asked: Map<string, number>;
  /** pid → the error code its link answers with (instead of the link). */
  let refuse: Map<string, string>;

  const proc = (pid: string, inode: number): void => {
    mkdirSync(path.join(root, pid, 'ns'), { recursive: true });
    symlinkSync(`net:[${inode}]`, path.join(root, pid, 'ns', 'net'));
  };

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'ksotel-proc-'));
    netnsDir = mkdtempSync(path.join(tmpdir(), 'ksotel-netns-'));
    asked = new Map();
    refuse = new Map();
    proc('1', 111);
    proc('self', 222);
    proc('7', 222);
    proc('8', 333);
    (fs as { readlinkSync: unknown }).readlinkSync = (p: fs.PathLike, ...rest: unknown[]) => {
      const rel = path.relative(root, String(p));
      const pid = rel.split(path.sep)[0]!;
      if (!rel.startsWith('..')) asked.set(pid, (asked.get(pid) ?? 0) + 1);
      const code = refuse.get(pid);
      if (code !== undefined && !rel.startsWith('..'))
        throw Object.assign(new Error(`${code}: readlink '${String(p)}'`), { code });
      return (realReadlink as (...a: unknown[]) => unknown)(p, ...rest);
    };
    syncBuiltinESMExports();
  });

  afterEach(() => {
    fs.readlinkSync = realReadlink;
    syncBuiltinESMExports();
    rmSync(root, { recursive: true, force: true });
    rmSync(netnsDir, { recursive: true, force: true });
  });

  const discover = (): ReturnType<typeof discoverTargets> =>
    discoverTargets({ procRoot: root, netnsDir, selfOnly: false });

  it("groups processes by namespace; the host's is pid 1's", () => {
    const d = discover();
    assert.equal(d.hostNetnsInode, 111);
    assert.deepEqual(
      d.targets.map((t) => [t.netnsInode, t.kind, t.pids]),
      [
        [111, 'host', [1]],
        [222, 'netns', [7]],
        [333, 'netns', [8]],
      ],
    );
  });

  it("pid 1 refused (EACCES): the agent's own namespace is the host's, and pid 1 is not asked again", () => {
    refuse.set('1', 'EACCES');
    for (let cycle = 0; cycle < 3; cycle++) {
      const d = discover();
      assert.equal(d.hostNetnsInode, 222, `cycle ${cycle}`);
      assert.deepEqual(
        d.targets.map((t) => [t.netnsInode, t.kind, t.pids]),
        [
          [222, 'host', [7]],
          [333, 'netns', [8]],
        ],
      );
    }
    assert.equal(asked.get('1'), 1, 'one refusal, remembered');
    assert.equal(asked.get('7'), 3, 'every other process every cycle');
  });

  it('pid 1 missing for a moment (ENOENT) is asked again next cycle', () => {
    refuse.set('1', 'ENOENT');
    assert.equal(discover().hostNetnsInode, 222);
    refuse.delete('1');
    assert.equal(discover().hostNetnsInode, 111);
    assert.ok((asked.get('1') ?? 0) >= 3, `asked ${asked.get('1')} times`);
  });
});

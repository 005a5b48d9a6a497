// Kept procfs files (receiver/kernel/read-proc.ts): a descriptor kept open and read from offset 0
// each cycle must give what a fresh open gives, never another namespace's or a dead process's text,
// and must not hold a deleted namespace past the next cycle. Real namespaces, veths and processes.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import {
  PROCESS_FILE,
  closeKeptFiles,
  endKeptCycle,
  isOneRecordFile,
  keptFileCount,
  readProcBytes,
  readProcText,
} from '../../receiver/kernel/read-proc.js';
import { cleanupAll, createNetns, createVethPair, ip, sendUdp, type Netns } from '../support/netns.js';
import { killPid } from '../support/proc.js';
import { packageRoot } from '../../receiver/version.js';

const NETNS_FILES = ['dev', 'snmp', 'snmp6', 'netstat', 'sockstat', 'sockstat6'] as const;

/** The text of a kept read (the bytes are the reused buffer's: copied at once). */
function keptText(path: string, owner: number): string {
  const r = readProcBytes(path, owner);
  assert.ok(r.ok, `${path}: ${r.ok ? '' : r.reason}`);
  return r.bytes.toString('latin1', 0, r.length);
}

/** This process's descriptors open on `path` (procfs may show a kept one's name with " (deleted)":
 *  its dentry was dropped from the cache by a later lookup, the file itself is live). */
function descriptorsOn(path: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target === path || target === `${path} (deleted)`) n++;
    } catch {
      // closed while listing (the listing's own descriptor)
    }
  }
  return n;
}

/** lo's received packets in /proc/<pid>/net/dev's text. */
function loPackets(devText: string): number {
  const line = devText.split('\n').find((l) => l.trim().startsWith('lo:'));
  assert.ok(line, `no lo line in\n${devText}`);
  return Number(line.split(':')[1]!.trim().split(/\s+/)[1]);
}

describe('kept procfs files (read-proc.ts)', function () {
  this.timeout(60_000);
  let ns: Netns;

  before(async () => {
    ns = await createNetns({ label: 'kept' });
  });
  afterEach(() => closeKeptFiles());
  after(async () => {
    closeKeptFiles();
    await cleanupAll();
  });

  it('reads each of a namespace file the same as a fresh open, with the counters of now', async () => {
    for (const f of NETNS_FILES) {
      const path = `/proc/${ns.pid}/net/${f}`;
      keptText(path, ns.inode); // opens and keeps it
      assert.equal(descriptorsOn(path), 1, `${f} kept open`);
      // Nothing sends in this namespace meanwhile: the kept read equals a fresh one.
      assert.equal(keptText(path, ns.inode), readFileSync(path, 'latin1'), f);
    }
    const dev = `/proc/${ns.pid}/net/dev`;
    const before = loPackets(keptText(dev, ns.inode));
    const sent = await sendUdp(ns, ns, '127.0.0.1', { count: 20, size: 100 });
    assert.equal(sent.received, 20);
    const after = loPackets(keptText(dev, ns.inode));
    // 20 datagrams over lo: the kept descriptor sees them, as a fresh open does.
    assert.ok(after >= before + 20, `lo packets ${before} → ${after}`);
    assert.equal(after, loPackets(readFileSync(dev, 'latin1')));
    assert.equal(descriptorsOn(dev), 1, 'still the one descriptor');
  });

  it("never reads a namespace's kept file for another namespace: a new owner opens the path again", async () => {
    const other = await createNetns({ label: 'kept-gone' });
    const path = `/proc/${other.pid}/net/dev`;
    keptText(path, other.inode);
    await other.dispose(); // its process ends, the namespace is deleted; the kept descriptor still pins it
    // The same path asked for another namespace (as when the pid is reused there): opened afresh, and
    // the pid is gone, so the read fails as gone instead of giving the old namespace's text.
    const r = readProcBytes(path, ns.inode);
    assert.ok(!r.ok && r.gone, `expected gone, got ${JSON.stringify(r.ok ? 'ok' : r)}`);
    assert.equal(descriptorsOn(path), 0);
  });

  it("a process's kept file fails as gone once the process has exited", async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const pid = child.pid!;
    try {
      const path = `/proc/${pid}/io`;
      const first = readProcText(path, PROCESS_FILE);
      assert.ok(first.ok && /^rchar: \d+/m.test(first.text), 'io read while alive');
      assert.equal(descriptorsOn(path), 1);
      killPid(pid);
      await new Promise((resolve) => child.once('exit', resolve));
      const r = readProcText(path, PROCESS_FILE);
      assert.ok(!r.ok && r.gone, `expected gone, got ${r.ok ? r.text : r.reason}`);
      assert.equal(descriptorsOn(path), 0, 'the dead descriptor is closed');
    } finally {
      killPid(pid);
    }
  });

  it('reads a one-record file (single_open) in one pread, a file of several records until EOF', () => {
    // A child node under strace reads its own namespace's files, kept, three times each, and prints
    // each path's descriptor; strace counts the pread64 calls on each descriptor.
    const module = `${packageRoot()}/dist/receiver/kernel/read-proc.js`;
    const files = [...NETNS_FILES, 'stat/nf_conntrack'];
    const script = `
      import { readdirSync, readlinkSync } from 'node:fs';
      import { readProcBytes } from ${JSON.stringify(module)};
      const owner = Number(readlinkSync('/proc/self/ns/net').slice(5, -1));
      const fds = {};
      for (let round = 0; round < 3; round++)
        for (const f of ${JSON.stringify(files)}) {
          const path = '/proc/' + process.pid + '/net/' + f;
          const r = readProcBytes(path, owner);
          if (!r.ok) throw new Error(r.reason);
          if (r.bytes[r.length - 1] !== 10) throw new Error(path + ': no final newline');
        }
      for (const fd of readdirSync('/proc/self/fd'))
        try { fds[readlinkSync('/proc/self/fd/' + fd).split('/net/')[1] ?? ''] = Number(fd); } catch {}
      console.log(JSON.stringify(fds));
    `;
    const log = `/tmp/ksotel-strace-${process.pid}.log`;
    try {
      const r = spawnSync(
        'strace',
        [
          '-f',
          '-qq',
          '-e',
          'trace=pread64',
          '-e',
          'signal=none',
          '-o',
          log,
          process.execPath,
          '--input-type=module',
          '-e',
          script,
        ],
        { encoding: 'utf8', timeout: 30_000 },
      );
      assert.equal(r.status, 0, r.stderr);
      const fds = JSON.parse(r.stdout.trim()) as Record<string, number>;
      const calls = new Map<number, number>();
      for (const line of readFileSync(log, 'latin1').split('\n')) {
        const m = /pread64\((\d+),/.exec(line);
        if (m) calls.set(Number(m[1]), (calls.get(Number(m[1])) ?? 0) + 1);
      }
      for (const f of files) {
        const fd = fds[f];
        assert.ok(fd !== undefined, `${f} kept open`);
        const n = calls.get(fd) ?? 0;
        if (isOneRecordFile(`/proc/1/net/${f}`)) assert.equal(n, 3, `${f}: one pread per read`);
        // several records: the last read returns 0 (EOF), and each page of text takes one more
        else assert.ok(n >= 6, `${f}: ${n} preads for 3 reads (until EOF)`);
      }
      // The one-record set is exactly the files made with single_open in this kernel's tree (5 of
      // them here); net/dev and stat/nf_conntrack have a record per device and per CPU.
      assert.deepEqual(
        files.filter((f) => isOneRecordFile(`/proc/1/net/${f}`)),
        ['snmp', 'snmp6', 'netstat', 'sockstat', 'sockstat6'],
      );
    } finally {
      rmSync(log, { force: true });
    }
  });

  it('keeps at most a quarter of the soft RLIMIT_NOFILE open, and reads every file past that budget too', () => {
    // A child node under `prlimit --nofile=64`: a budget of 16. It reads net/dev through 40 processes
    // of its own namespace (40 paths, one owner), twice.
    const module = `${packageRoot()}/dist/receiver/kernel/read-proc.js`;
    const script = `
      import { readdirSync, readlinkSync } from 'node:fs';
      import { readProcBytes, keptFileCount } from ${JSON.stringify(module)};
      const own = readlinkSync('/proc/self/ns/net');
      const owner = Number(own.slice(5, -1));
      const pids = readdirSync('/proc').filter((p) => /^[0-9]+$/.test(p)).filter((p) => {
        try { return readlinkSync('/proc/' + p + '/ns/net') === own; } catch { return false; }
      }).slice(0, 40);
      const fds = () => readdirSync('/proc/self/fd').length;
      const before = fds();
      let ok = 0;
      for (let round = 0; round < 2; round++)
        for (const p of pids) if (readProcBytes('/proc/' + p + '/net/dev', owner).ok) ok++;
      console.log(JSON.stringify({ paths: pids.length, ok, kept: keptFileCount(), extraFds: fds() - before }));
    `;
    const r = spawnSync('prlimit', ['--nofile=64:64', process.execPath, '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim()) as { paths: number; ok: number; kept: number; extraFds: number };
    assert.ok(out.paths >= 20, `this namespace has ${out.paths} processes; the test needs 20`);
    assert.equal(out.ok, 2 * out.paths, 'every read succeeded, kept or not');
    assert.equal(out.kept, 16, 'a quarter of 64');
    assert.equal(out.extraFds, 16, 'only the kept files stay open');
  });

  it('a deleted namespace is let go at the end of the first cycle that does not read it (its host veth goes)', async () => {
    const gone = await createNetns({ label: 'kept-del' });
    const veth = await createVethPair('host', gone);
    const path = `/proc/${gone.pid}/net/dev`;
    keptText(path, gone.inode);
    endKeptCycle(); // read in this cycle: kept
    assert.equal(descriptorsOn(path), 1);
    await gone.dispose();
    // The kept descriptor holds the namespace, so its veth end (and the host's peer) stay.
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(existsSync(`/sys/class/net/${veth.a}`), 'the namespace is held while its file is kept');
    const count = keptFileCount();
    endKeptCycle(); // a cycle that did not read it
    assert.equal(keptFileCount(), count - 1);
    assert.equal(descriptorsOn(path), 0);
    // Released: the kernel dismantles the namespace, and its veth pair with it.
    const until = Date.now() + 15_000;
    while (existsSync(`/sys/class/net/${veth.a}`) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    assert.ok(!existsSync(`/sys/class/net/${veth.a}`), 'the host end of the veth is gone with the namespace');
    await veth.dispose();
    await ip(['link', 'show']); // the host's links still list (nothing wedged)
  });
});

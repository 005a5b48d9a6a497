import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  PREFIX,
  cleanupAll,
  createLinkedPair,
  createNetns,
  createPod,
  createVethPair,
  netnsInode,
  pidNetnsInode,
  sendUdp,
  tcpConnect,
  tcpTransfer,
  checkAddr,
  ip,
  sweepOrphans,
} from '../support/netns.js';
import { detectCgroupLayout, kubeletCgroupPath, pidCgroupPath } from '../support/cgroup.js';
import { pidAlive, run, waitPidGone } from '../support/proc.js';

function devCounters(
  text: string,
  iface: string,
): { rxBytes: number; rxPackets: number; txBytes: number; txPackets: number } {
  for (const line of text.split('\n')) {
    const [name, rest] = line.split(':');
    if (name?.trim() !== iface || !rest) continue;
    const f = rest.trim().split(/\s+/).map(Number);
    return { rxBytes: f[0]!, rxPackets: f[1]!, txBytes: f[8]!, txPackets: f[9]! };
  }
  throw new Error(`no ${iface} in ${text}`);
}

describe('harness: netns test pods', function () {
  this.timeout(60_000);
  after(cleanupAll);

  it('creates a namespace with a kept process inside it and removes both', async () => {
    const ns = await createNetns({ label: 'basic' });
    try {
      assert.ok(ns.name.startsWith(PREFIX));
      assert.ok(existsSync(`/run/netns/${ns.name}`));
      assert.equal(ns.inode, await netnsInode(ns.name));
      assert.equal(await pidNetnsInode(ns.pid), ns.inode);
      assert.notEqual(await pidNetnsInode('self'), ns.inode);
      const r = await ns.execOk('ip', ['-o', 'link', 'show', 'lo']);
      assert.match(r.stdout, /state UNKNOWN|LOOPBACK,UP/);
    } finally {
      await ns.dispose();
    }
    assert.ok(!existsSync(`/run/netns/${ns.name}`));
    assert.ok(await waitPidGone(ns.pid, 3000));
    assert.ok(!pidAlive(ns.pid) || (await readFile(`/proc/${ns.pid}/comm`, 'utf8').catch(() => '')).trim() !== 'cat');
    await ns.dispose(); // idempotent
  });

  it('joins two namespaces with a veth pair and counts exact UDP traffic on both ends', async () => {
    const p = await createLinkedPair();
    try {
      assert.ok(p.veth.a.length <= 15 && p.veth.a.startsWith(PREFIX));
      assert.match(p.veth.addrA, /^10\.199\.\d+\.\d+$/);
      const before = await readFile(`/proc/${p.right.pid}/net/dev`, 'utf8');
      const r = await sendUdp(p.left, p.right, p.veth.addrB, { count: 50, size: 200, timeoutMs: 5000 });
      assert.equal(r.sent, 50);
      assert.equal(r.received, 50);
      assert.equal(r.receivedBytes, 50 * 200);
      const after = await readFile(`/proc/${p.right.pid}/net/dev`, 'utf8');
      const d0 = devCounters(before, p.veth.b);
      const d1 = devCounters(after, p.veth.b);
      // 50 datagrams (+ ARP, maybe IPv6 ND): at least 50 packets of 200+28+14 bytes.
      assert.ok(d1.rxPackets - d0.rxPackets >= 50);
      assert.ok(d1.rxBytes - d0.rxBytes >= 50 * 242);
    } finally {
      await p.dispose();
    }
    assert.ok(!existsSync(`/run/netns/${p.left.name}`));
  });

  it('moves a bounded TCP transfer and sees a RST-refused connect', async () => {
    const p = await createLinkedPair(['tcpa', 'tcpb']);
    try {
      const t = await tcpTransfer(p.left, p.right, p.veth.addrB, { bytes: 1_000_000, timeoutMs: 5000 });
      assert.equal(t.sentBytes, 1_000_000);
      assert.equal(t.receivedBytes, 1_000_000);
      assert.equal(await tcpConnect(p.left, p.veth.addrB, 9, 3000), 'refused');
      const snmp = await readFile(`/proc/${p.right.pid}/net/snmp`, 'utf8');
      const [hdr, val] = snmp.split('\n').filter((l) => l.startsWith('Tcp:'));
      const outRsts = Number(val!.split(/\s+/)[hdr!.split(/\s+/).indexOf('OutRsts')]);
      assert.ok(outRsts >= 1, `OutRsts ${outRsts}`);
    } finally {
      await p.dispose();
    }
  });

  it('makes a pod with a host veth and a kubelet-like cgroup, and cleans it up', async () => {
    const pod = await createPod({ label: 'pod', cgroup: { qos: 'burstable' } });
    const cg = pod.cgroup!;
    try {
      assert.ok(pod.ip);
      const ping = await ip(['-o', 'addr', 'show', 'dev', pod.veth!.a]);
      assert.match(ping.stdout, new RegExp(`inet ${pod.veth!.addrA.replace(/\./g, '\\.')}/30`));
      const r = await sendUdp('host', pod.netns, pod.ip!, { count: 5, size: 10, timeoutMs: 3000 });
      assert.equal(r.received, 5);
      assert.equal(cg.relPath, kubeletCgroupPath(cg.podUid, cg.containerId, 'burstable'));
      assert.match(
        cg.relPath,
        /^\/kubepods\.slice\/kubepods-burstable\.slice\/kubepods-burstable-pod[0-9a-f_]{36}\.slice\/cri-containerd-[0-9a-f]{64}\.scope$/,
      );
      const text = await readFile(`/proc/${pod.netns.pid}/cgroup`, 'utf8');
      assert.ok(text.includes(cg.relPath), text);
      const layout = detectCgroupLayout();
      assert.equal(await pidCgroupPath(pod.netns.pid, layout.kind === 'v1' ? 'pids' : ''), cg.relPath);
      for (const d of cg.dirs) assert.ok(existsSync(d));
    } finally {
      await pod.dispose();
    }
    for (const d of cg.dirs) assert.ok(!existsSync(d), d);
    for (const d of cg.dirs) assert.ok(!existsSync(path.dirname(d)), path.dirname(d));
    assert.ok(!existsSync(`/run/netns/${pod.netns.name}`));
    const links = await ip(['-o', 'link', 'show']);
    assert.ok(!links.stdout.includes(pod.veth!.a));
  });

  it('cleanupAll removes what a failed test left behind', async () => {
    const ns = await createNetns({ label: 'leak' });
    const v = await createVethPair('host', ns);
    await cleanupAll();
    assert.ok(!existsSync(`/run/netns/${ns.name}`));
    const links = await ip(['-o', 'link', 'show']);
    assert.ok(!links.stdout.includes(v.a));
    assert.ok(await waitPidGone(ns.pid, 3000));
  });

  it('detects the cgroup layout: hybrid here, v2 where cgroup.controllers is at the root', async () => {
    const here = detectCgroupLayout();
    if (existsSync('/sys/fs/cgroup/cgroup.controllers')) assert.equal(here.kind, 'v2');
    else if (here.kind !== 'v2') {
      if (here.kind === 'hybrid') assert.equal(here.unified, '/sys/fs/cgroup/unified');
      assert.ok('pids' in here.v1 && 'name=systemd' in here.v1, JSON.stringify(here));
    } else assert.fail('v2 detected without cgroup.controllers at the root');
    const dir = await mkdtemp(path.join(tmpdir(), 'ksotel-cg-'));
    try {
      await writeFile(path.join(dir, 'cgroup.controllers'), 'cpu memory pids\n');
      assert.deepEqual(detectCgroupLayout(dir), { kind: 'v2', root: dir });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    assert.equal(
      kubeletCgroupPath('1b2c3d4e-0000-4000-8000-000000000001', 'a'.repeat(64), 'guaranteed'),
      `/kubepods.slice/kubepods-pod1b2c3d4e_0000_4000_8000_000000000001.slice/cri-containerd-${'a'.repeat(64)}.scope`,
    );
  });

  it('sweepOrphans deletes only namespaces whose owner pid is dead', async () => {
    const r = await run('true', []);
    const deadTag = r.pid!.toString(36);
    const orphan = `ksotel-${deadTag}.orphan`;
    const alive = 'ksotel-1.alive'; // owner pid 1 is alive
    const other = `ksotel-${deadTag}-other`; // another scheme (ksotel-nat-…): never touched
    await ip(['netns', 'add', orphan]);
    await ip(['netns', 'add', alive]);
    await ip(['netns', 'add', other]);
    try {
      const mine = await createNetns({ label: 'mine' });
      const gone = await sweepOrphans();
      assert.ok(gone.includes(orphan), JSON.stringify(gone));
      assert.ok(!existsSync(`/run/netns/${orphan}`));
      assert.ok(existsSync(`/run/netns/${alive}`));
      assert.ok(existsSync(`/run/netns/${other}`));
      assert.ok(existsSync(`/run/netns/${mine.name}`));
      await mine.dispose();
    } finally {
      await run('ip', ['netns', 'del', orphan]);
      await run('ip', ['netns', 'del', alive]);
      await run('ip', ['netns', 'del', other]);
    }
  });

  it('refuses traffic to addresses outside loopback and 10.199.0.0/16', () => {
    assert.throws(() => checkAddr('8.8.8.8'));
    assert.throws(() => checkAddr('10.1.2.3'));
    checkAddr('127.0.0.1');
    checkAddr('10.199.4.2');
  });
});

// The helper's task walk (bpf/probes/tasks.bpf.c, `tasks` command) against /proc, as root on this
// kernel: every process's network namespace, parent and io counters as /proc/<pid>/ns/net, stat and
// io give them (a process with live and exited threads, stopped so that its counters hold still);
// its cgroup set's id changes when it moves cgroup and its start stays; discovery, identity and the
// io probe from a walk give what they give from /proc.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { NativeEventSource } from '../../receiver/events/native-source.js';
import { silentLogger } from '../../receiver/log.js';
import { decodeTaskFrame, type TaskTable } from '../../receiver/kernel/task-table.js';
import { discoverTargets } from '../../receiver/targets/discover.js';
import { Identifier } from '../../receiver/targets/identity.js';
import { io, ProcessIoSum } from '../../receiver/probes/io.js';
import { taskWalkUnusable } from '../../receiver/targets/task-walk.js';
import { createPod, createPodCgroup, cleanupAll, type PodCgroup, type TestPod } from '../support/netns.js';
import { ensureHelperBuilt } from './support.js';
import { killPid, waitUntil } from '../support/proc.js';

/** A Node process in `ns` with three threads that read /dev/zero: one exits (its counters pass to
 *  its process's), one stays; then the process stops itself (SIGSTOP), its counters fixed. */
const THREADS = `
const { Worker } = require('node:worker_threads');
const fs = require('node:fs');
const readZero = (n) => { const fd = fs.openSync('/dev/zero', 'r'); const b = Buffer.alloc(4096); for (let i = 0; i < n; i++) fs.readSync(fd, b); fs.closeSync(fd); };
readZero(50);
const body = 'const fs = require("node:fs"); const { workerData, parentPort } = require("node:worker_threads"); const fd = fs.openSync("/dev/zero", "r"); const b = Buffer.alloc(4096); for (let i = 0; i < workerData.n; i++) fs.readSync(fd, b); fs.closeSync(fd); parentPort.postMessage("done"); if (workerData.stay) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);';
const gone = new Worker(body, { eval: true, workerData: { n: 300, stay: false } });
gone.once('exit', () => {
  const stays = new Worker(body, { eval: true, workerData: { n: 700, stay: true } });
  stays.once('message', () => setTimeout(() => { process.stdout.write('ready\\n'); process.kill(process.pid, 'SIGSTOP'); }, 200));
});
`;

function procIo(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync(`/proc/${pid}/io`, 'latin1').trim().split('\n')) {
    const [k, v] = line.split(': ');
    out[k!] = Number(v);
  }
  return out;
}

function stopped(pid: number): boolean {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T');
}

describe('task walk: the helper’s iter/task program against /proc (root, real kernel)', function () {
  this.timeout(120_000);
  let native: NativeEventSource;
  let pod: TestPod;
  let other: PodCgroup | undefined;
  let child: ChildProcess | undefined;
  const walk = async (): Promise<TaskTable> => decodeTaskFrame(await native.helperCommand('tasks'));

  before(async function () {
    await ensureHelperBuilt();
    native = new NativeEventSource({ probes: {}, emitEventsOf: new Set(), log: silentLogger, helperCommands: true });
    await native.start();
    pod = await createPod({ label: 'tasks', veth: false, cgroup: true });
    child = spawn('ip', ['netns', 'exec', pod.netns.name, process.execPath, '-e', THREADS], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child!.stdout!.once('data', () => resolve());
      child!.once('exit', (c) => reject(new Error(`the threads process exited (${c})`)));
    });
    await waitUntil(() => stopped(child!.pid!) || undefined, 5000, 'the threads process stopped');
  });

  after(async () => {
    if (child?.pid) killPid(child.pid, 'SIGKILL');
    await native?.stop();
    await other?.dispose().catch(() => undefined);
    await pod?.dispose().catch(() => undefined);
    await cleanupAll();
  });

  it('can stand for /proc here (the node’s pid namespace)', () => {
    assert.equal(taskWalkUnusable('/proc'), undefined);
  });

  it('gives every process /proc’s namespace and parent, and a multi-threaded process’s io exactly', async () => {
    const t = await walk();
    assert.ok(t.tasks >= t.rows.size && t.rows.size > 10, `${t.tasks} tasks, ${t.rows.size} processes`);
    assert.ok(t.rows.has(2) && t.rows.has(process.pid), 'kthreadd and this process are in the walk');
    // pid 1: this machine's kernel hides it from the walk, as it refuses its ns/net link to root;
    // where it is in the walk, its row is /proc's
    if (t.rows.has(1)) assert.equal(t.rows.get(1)!.ppid, 0);
    const pid = child!.pid!;
    const row = t.rows.get(pid);
    assert.ok(row, 'the stopped process is in the walk');
    assert.equal(row.netns, pod.netns.inode, 'its namespace is the pod’s');
    assert.equal(row.ppid, process.pid, 'its parent is this process (ip netns exec execs it)');
    const file = procIo(pid);
    // its main thread read 50 pages, the exited thread 300, the live one 700: the walk adds the live
    // threads' own counters and (on the leader) the signal's, which hold the exited thread's
    assert.ok(file.rchar! >= 1050 * 4096, `rchar ${file.rchar}: the three threads' reads`);
    assert.deepEqual(
      [row.rchar, row.wchar, row.syscr, row.syscw, row.readBytes, row.writeBytes],
      [file.rchar, file.wchar, file.syscr, file.syscw, file.read_bytes, file.write_bytes],
      'the six counters of /proc/<pid>/io',
    );
    // every other process that is still there: /proc's namespace and parent
    let compared = 0;
    for (const r of t.rows.values()) {
      let link: string;
      let stat: string;
      try {
        link = readlinkSync(`/proc/${r.pid}/ns/net`);
        stat = readFileSync(`/proc/${r.pid}/stat`, 'latin1');
      } catch {
        continue; // exited since, or (pid 1 here) refused even to root
      }
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== r.ppid) continue; // reparented since the walk
      assert.equal(link, `net:[${r.netns}]`, `pid ${r.pid}'s namespace`);
      compared++;
    }
    assert.ok(compared >= t.rows.size - 5, `${compared} of ${t.rows.size} compared`);
  });

  it('a move to another cgroup changes the process’s cgroup set id, not its start', async () => {
    const pid = child!.pid!;
    const before = (await walk()).rows.get(pid)!;
    const again = (await walk()).rows.get(pid)!;
    assert.deepEqual([again.startNs, again.cssLo, again.cssHi], [before.startNs, before.cssLo, before.cssHi]);
    other = await createPodCgroup();
    await other.addPid(pid);
    const moved = (await walk()).rows.get(pid)!;
    assert.equal(moved.startNs, before.startNs, 'the same process');
    assert.notDeepEqual([moved.cssLo, moved.cssHi], [before.cssLo, before.cssHi], 'another cgroup set');
    assert.notEqual((await walk()).rows.get(process.pid)!.startNs, before.startNs, 'another process, another start');
  });

  it('discovery from a walk finds the test namespace with the same processes as from /proc', async () => {
    const opts = { procRoot: '/proc', netnsDir: '/run/netns', selfOnly: false };
    const fromWalk = discoverTargets(opts, await walk());
    const fromProc = discoverTargets(opts);
    const mine = (d: typeof fromWalk) => d.targets.find((x) => x.netnsInode === pod.netns.inode);
    assert.ok(mine(fromWalk), 'found from the walk');
    assert.deepEqual(mine(fromWalk), mine(fromProc));
    assert.equal(mine(fromWalk)!.netnsName, pod.netns.name);
    assert.equal(fromWalk.hostNetnsInode, fromProc.hostNetnsInode);
    assert.ok(fromWalk.tasks !== undefined && fromProc.tasks === undefined);
  });

  it('identity from a walk: cgroup files read only for new or moved processes; a move is seen', async () => {
    const pid = child!.pid!;
    const moveTo = await createPodCgroup();
    try {
      const id = new Identifier({ procRoot: '/proc', mode: 'node' });
      const opts = { procRoot: '/proc', netnsDir: '/run/netns', selfOnly: false };
      const cycle = async () => {
        const d = discoverTargets(opts, await walk());
        const ts = id.identify(d.targets, d.tasks);
        return ts.find((x) => x.netnsInode === pod.netns.inode)!;
      };
      const first = await cycle();
      const processes = (await walk()).rows.size;
      assert.ok(id.status().cgroupReads >= processes - 10, `first cycle: ${id.status().cgroupReads} reads`);
      assert.equal(first.kind, 'pod');
      const uidBefore = first.podUid;
      const second = await cycle();
      assert.ok(id.status().cgroupReads < 10, `second cycle: ${id.status().cgroupReads} reads (new processes only)`);
      assert.equal(second.podUid, uidBefore);
      // both processes of the namespace (the kept one and the stopped one) move to another pod
      await moveTo.addPid(pod.netns.pid);
      await moveTo.addPid(pid);
      const third = await cycle();
      assert.equal(third.podUid, moveTo.podUid, 'the move is seen from the cgroup set id');
    } finally {
      await moveTo.dispose().catch(() => undefined);
    }
  });

  it('the io probe from a walk gives the sums /proc gives', async () => {
    const t = await walk();
    const probe = io.create({});
    const target = discoverTargets({ procRoot: '/proc', netnsDir: '/run/netns', selfOnly: false }, t).targets.find(
      (x) => x.netnsInode === pod.netns.inode,
    )!;
    const ctx = { procRoot: '/proc', log: silentLogger, options: {} };
    await probe.beforeCycle?.(ctx);
    const fromWalk = await probe.collect(target, { ...ctx, tasks: () => t });
    const fromProc = await io.create({}).collect(target, ctx);
    const values = (r: typeof fromWalk) => r.samples.map((s) => [s.metric.name, s.attributes, s.value]);
    assert.deepEqual(values(fromWalk), values(fromProc));
    assert.ok(fromWalk.samples.some((s) => typeof s.value === 'number' && s.value >= 1050 * 4096));
  });

  it('a process whose walk shows its counters go back (a thread exiting mid-walk) is not counted twice', () => {
    const sum = new ProcessIoSum();
    const c = (rchar: number, startNs = 5) => ({
      rchar,
      wchar: 0,
      syscr: 0,
      syscw: 0,
      readBytes: 0,
      writeBytes: 0,
      startNs,
    });
    const ppid = (): number => 1;
    assert.equal(sum.update(new Map([[10, c(1000)]]), ppid).rchar, 1000);
    // the thread's 300 missing from one walk, back in the next (in its process's signal)
    assert.equal(sum.update(new Map([[10, c(700)]]), ppid).rchar, 1000);
    assert.equal(sum.update(new Map([[10, c(1100)]]), ppid).rchar, 1100);
    // another process under pid 10 (another start): the first one's 1100 carried, the new one's added
    assert.equal(sum.update(new Map([[10, c(50, 9)]]), ppid).rchar, 1150);
  });
});

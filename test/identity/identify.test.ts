// The identify hook over a procfs-shaped tree of real cgroup files (the layout the kernel gives),
// with the pod cache filled by the real watch from the test's list/watch server.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Identifier, downwardApiFromEnv } from '../../receiver/targets/identity.js';
import { PodWatch } from '../../receiver/targets/kubernetes.js';
import { processGroupAttributes, targetAttributes } from '../../receiver/snapshot/snapshot.js';
import type { Target } from '../../receiver/targets/target.js';
import { silentLogger } from '../../receiver/log.js';
import { TestApiServer } from './apiserver.js';

const NODE = 'node-x';
const U = (n: number): string => `${String(n).padStart(8, '0')}-1111-4222-8333-444444444444`;
const C = (n: number): string =>
  String(n)
    .repeat(64)
    .slice(0, 64)
    .replace(/[^0-9]/g, 'a');
const systemd = (uid: string, cid: string, qos = 'burstable', runtime = 'cri-containerd'): string =>
  `0::/kubepods.slice/kubepods-${qos}.slice/kubepods-${qos}-pod${uid.replaceAll('-', '_')}.slice/${runtime}-${cid}.scope\n`;

describe('identity: the identify hook', function () {
  this.timeout(30_000);
  let proc: string;
  let api: TestApiServer;
  let watch: PodWatch;

  const cg = (pid: number, text: string): void => {
    mkdirSync(path.join(proc, String(pid)), { recursive: true });
    writeFileSync(path.join(proc, String(pid), 'cgroup'), text);
  };

  before(async () => {
    proc = mkdtempSync(path.join(tmpdir(), 'ksotel-proc-'));
    // host: pid 1 (systemd), 10 (a node daemon), 20+21 (a hostNetwork pod's two containers), 22 (CRI-O conmon of another pod)
    cg(1, '0::/init.scope\n');
    cg(10, '0::/system.slice/containerd.service\n');
    cg(20, systemd(U(9), C(1)));
    cg(21, systemd(U(9), C(2)));
    cg(22, systemd(U(3), C(3), 'besteffort', 'crio-conmon'));
    // pod 1 namespace: pause (100) + app (101) + a process nsenter'ed from the host (102)
    cg(100, systemd(U(1), C(4)));
    cg(101, systemd(U(1), C(5)));
    cg(102, '0::/user.slice/user-0.slice/session-1.scope\n');
    // pod 2 (not in the API): one process, guaranteed, cgroupfs driver on v1
    cg(200, `4:pids:/kubepods/pod${U(2)}/${C(6)}\n1:name=systemd:/kubepods/pod${U(2)}/${C(6)}\n`);
    // pod 3 (CRI-O): its conmon sits in the host (22 above); its container here
    cg(300, systemd(U(3), C(7), 'besteffort', 'crio'));
    // a plain namespace; and one whose only process vanished (no cgroup file)
    cg(400, '0::/user.slice\n');
    api = new TestApiServer();
    await api.start();
    api.upsertPod({
      name: 'web',
      namespace: 'shop',
      uid: U(1),
      nodeName: NODE,
      containers: { app: C(5) },
      labels: { app: 'web', version: 'v2' },
    });
    api.upsertPod({
      name: 'crio-pod',
      namespace: 'kube-system',
      uid: U(3),
      nodeName: NODE,
      containers: { main: C(7) },
    });
    api.upsertPod({
      name: 'node-exporter',
      namespace: 'monitoring',
      uid: U(9),
      nodeName: NODE,
      hostNetwork: true,
      containers: { exporter: C(1), 'kube-rbac-proxy': C(2) },
    });
    watch = new PodWatch({ nodeName: NODE, kubeconfig: api.kubeconfig(), log: silentLogger, podLabels: ['app'] });
    watch.start();
    assert.ok(await watch.waitForSync(10_000));
  });

  after(async () => {
    await watch?.stop();
    await api?.dispose();
    rmSync(proc, { recursive: true, force: true });
  });

  const targets: Target[] = [
    { netnsInode: 1000, pid: 1, pids: [1, 10, 20, 21, 22], kind: 'host' },
    { netnsInode: 1001, pid: 100, pids: [100, 101, 102], kind: 'netns' },
    { netnsInode: 1002, pid: 200, pids: [200], kind: 'netns', netnsName: 'cni-1234' },
    { netnsInode: 1003, pid: 300, pids: [300], kind: 'netns' },
    { netnsInode: 1004, pid: 400, pids: [400], kind: 'netns', netnsName: 'blue' },
    { netnsInode: 1005, pid: 500, pids: [500], kind: 'netns' },
  ];

  it('names pods from the cache, UID-only when unknown, host as the node, others as netns', () => {
    const id = new Identifier({ procRoot: proc, mode: 'node', nodeName: NODE, pods: watch });
    const [host, web, unknown, crio, blue, vanished] = id.identify(targets);
    assert.equal(host!.kind, 'host');
    assert.equal(host!.nodeName, NODE);
    assert.equal(host!.pod, undefined);
    assert.deepEqual(targetAttributes(host!), {
      'kubeskoop.target.kind': 'host',
      'kubeskoop.netns.inode': 1000,
      'k8s.node.name': NODE,
    });
    assert.equal(web!.kind, 'pod');
    assert.deepEqual(web!.pod, { name: 'web', namespace: 'shop', uid: U(1), labels: { app: 'web' } });
    assert.deepEqual(targetAttributes(web!), {
      'kubeskoop.target.kind': 'pod',
      'kubeskoop.netns.inode': 1001,
      'k8s.pod.name': 'web',
      'k8s.namespace.name': 'shop',
      'k8s.pod.uid': U(1),
      'k8s.pod.label.app': 'web',
    });
    assert.equal(unknown!.kind, 'pod');
    assert.equal(unknown!.pod, undefined);
    assert.equal(unknown!.podUid, U(2));
    assert.deepEqual(targetAttributes(unknown!), {
      'kubeskoop.target.kind': 'pod',
      'kubeskoop.netns.inode': 1002,
      'kubeskoop.netns.name': 'cni-1234',
      'k8s.pod.uid': U(2),
    });
    assert.equal(crio!.pod?.name, 'crio-pod');
    assert.deepEqual([blue!.kind, blue!.netnsName, blue!.pod, blue!.podUid], ['netns', 'blue', undefined, undefined]);
    assert.equal(vanished!.kind, 'netns');
    const st = id.status();
    assert.deepEqual(st.targets, { host: 1, pod: 3, netns: 2 });
    assert.equal(st.unresolvedPods, 1);
    assert.equal(st.hostNetworkPods, 1, 'the hostNetwork pod, not CRI-O conmon');
    assert.equal(st.cacheEntries, 6);
    assert.equal(st.kubernetes?.state, 'synced');
  });

  it('hands out the same target object while its namespace is unchanged, a new one when anything changed', () => {
    const id = new Identifier({ procRoot: proc, mode: 'node', nodeName: NODE, pods: watch });
    const first = id.identify(targets);
    const second = id.identify(targets.map((t) => ({ ...t, pids: [...t.pids] }))); // discovery makes new objects each cycle
    second.forEach((t, i) => assert.equal(t, first[i], `target ${t.netnsInode} kept`));
    // the pod's namespace lost a process, another namespace got a /run/netns name: those two are new objects
    const changed = targets.map((t) =>
      t.netnsInode === 1001
        ? { ...t, pids: [100, 101] }
        : t.netnsInode === 1005
          ? { ...t, netnsName: 'green' }
          : { ...t },
    );
    const third = id.identify(changed);
    third.forEach((t, i) => {
      if (t.netnsInode === 1001 || t.netnsInode === 1005) assert.notEqual(t, second[i], `target ${t.netnsInode} new`);
      else assert.equal(t, second[i], `target ${t.netnsInode} kept`);
    });
    assert.deepEqual(third[1]!.pids, [100, 101]);
    assert.equal(third[1]!.pod?.name, 'web');
    assert.equal(third[5]!.netnsName, 'green');
    // and what it hands out again is what it would have made: a fresh Identifier agrees
    assert.deepEqual(
      third,
      new Identifier({ procRoot: proc, mode: 'node', nodeName: NODE, pods: watch }).identify(changed),
    );
  });

  it('groups processes by pod and container so process-level probes can split them', () => {
    const id = new Identifier({ procRoot: proc, mode: 'node', nodeName: NODE, pods: watch });
    const [host, web] = id.identify(targets);
    const byPid = (t: Target, pid: number) => t.processGroups!.find((g) => g.pids.includes(pid))!;
    // hostNetwork pod: its two containers, apart from the node's own processes and from conmon.
    assert.deepEqual(processGroupAttributes(byPid(host!, 20)), {
      'k8s.pod.name': 'node-exporter',
      'k8s.namespace.name': 'monitoring',
      'k8s.pod.uid': U(9),
      'container.id': C(1),
      'k8s.container.name': 'exporter',
    });
    assert.equal(byPid(host!, 21).container?.name, 'kube-rbac-proxy');
    assert.deepEqual(byPid(host!, 1).pids, [1, 10, 22], 'node processes and conmon stay with the node');
    assert.deepEqual(processGroupAttributes(byPid(host!, 1)), {});
    // In a pod: the sandbox (no name in containerStatuses), the app, and an nsenter'ed process counted as the pod's.
    assert.deepEqual(byPid(web!, 100).container, { id: C(4) });
    assert.equal(byPid(web!, 101).container?.name, 'app');
    assert.equal(byPid(web!, 102).pod?.name, 'web');
    assert.equal(byPid(web!, 102).container, undefined);
    const all = web!.processGroups!.flatMap((g) => g.pids).sort((a, b) => a - b);
    assert.deepEqual(all, [100, 101, 102], 'every pid in exactly one group');
  });

  it('without the API: the same decisions, UID only', () => {
    const id = new Identifier({ procRoot: proc, mode: 'node' });
    const out = id.identify(targets);
    assert.deepEqual(
      out.map((t) => t.kind),
      ['host', 'pod', 'pod', 'pod', 'netns', 'netns'],
    );
    assert.deepEqual(
      out.map((t) => t.podUid),
      [undefined, U(1), U(2), U(3), undefined, undefined],
    );
    assert.equal(out[0]!.nodeName, undefined);
    assert.equal(id.status().source, 'cgroup');
  });

  it('a namespace inode handed to a new pod gets the new identity; a vanished one is dropped', () => {
    const id = new Identifier({ procRoot: proc, mode: 'node', pods: watch });
    assert.equal(id.identify([targets[1]!])[0]!.pod?.name, 'web');
    // Same inode, now holding pod 3's process.
    const reused = id.identify([{ netnsInode: 1001, pid: 300, pids: [300], kind: 'netns' }]);
    assert.equal(reused[0]!.pod?.name, 'crio-pod');
    assert.equal(id.identify([]).length, 0);
    assert.equal(id.status().cacheEntries, 0);
  });

  it('a process whose cgroup file changed since the last cycle is identified from the new file', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'ksotel-proc-'));
    try {
      const file = path.join(root, '500', 'cgroup');
      mkdirSync(path.dirname(file));
      const target: Target = { netnsInode: 2001, pid: 500, pids: [500], kind: 'netns' };
      const id = new Identifier({ procRoot: root, mode: 'node' });
      writeFileSync(file, systemd(U(1), C(1)));
      assert.equal(id.identify([target])[0]!.podUid, U(1));
      assert.equal(id.identify([target])[0]!.podUid, U(1), 'unchanged: the same parse again');
      // another pod's cgroup, a file of the same length: told apart by its bytes
      writeFileSync(file, systemd(U(2), C(2)));
      assert.equal(id.identify([target])[0]!.podUid, U(2));
      writeFileSync(file, '0::/system.slice/sshd.service\n');
      const moved = id.identify([target])[0]!;
      assert.equal(moved.kind, 'netns');
      assert.equal(moved.podUid, undefined);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('reads the downward API from the environment', () => {
    assert.deepEqual(
      downwardApiFromEnv({
        POD_NAME: 'a',
        POD_NAMESPACE: 'b',
        POD_UID: U(1).toUpperCase(),
        NODE_NAME: 'n',
        OTHER: 'x',
      }),
      { podName: 'a', podNamespace: 'b', podUid: U(1), nodeName: 'n' },
    );
    assert.deepEqual(downwardApiFromEnv({ POD_NAME: '' }), {});
  });
});

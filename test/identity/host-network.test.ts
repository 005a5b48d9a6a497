// hostNetwork pods share the host's namespace: their processes' io and fd figures must go to the
// pod, while the host keeps its own (and every namespace-level metric stays with the host).
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPodCgroup, cleanupAllCgroups, type PodCgroup } from '../support/cgroup.js';
import { stopPid } from '../support/proc.js';
import { CLI } from '../support/agent.js';

interface SnapTarget {
  kind: string;
  samples: { probe: string; metric: string; attributes: Record<string, string | number>; value: number }[];
}

describe('identity: hostNetwork pods in the host namespace', function () {
  this.timeout(60_000);
  let child: ChildProcess | undefined;
  let cg: PodCgroup | undefined;

  before(async () => {
    // A "container" process of a hostNetwork pod: the host's namespace, a kubelet-like cgroup.
    child = spawn('sleep', ['120'], { stdio: 'ignore' });
    cg = await createPodCgroup({ qos: 'burstable' });
    await cg.addPid(child.pid!);
  });
  after(async () => {
    await stopPid(child?.pid, 1000);
    await cg?.dispose();
    await cleanupAllCgroups();
  });

  it('io and fd of the pod’s processes carry its identity; the host keeps the rest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksotel-hostnet-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'metrics:\n  probes: [netdev, io, fd]\n');
    const r = spawnSync(process.execPath, [CLI, 'snapshot', '--json', '-c', file], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    rmSync(dir, { recursive: true, force: true });
    assert.equal(r.status, 0, r.stderr);
    const snap = JSON.parse(r.stdout) as { targets: SnapTarget[] };
    const host = snap.targets.find((t) => t.kind === 'host')!;
    const ofPod = host.samples.filter((s) => s.attributes['k8s.pod.uid'] === cg!.podUid);
    assert.deepEqual([...new Set(ofPod.map((s) => s.probe))].sort(), ['fd', 'io']);
    const podFds = ofPod.find((s) => s.metric === 'kubeskoop.fd.count');
    assert.ok(podFds && podFds.value >= 3, 'sleep has at least stdin, stdout, stderr');
    const ownFds = host.samples.find(
      (s) => s.metric === 'kubeskoop.fd.count' && s.attributes['k8s.pod.uid'] === undefined,
    );
    assert.ok(ownFds && ownFds.value > podFds.value, 'the host keeps its own processes');
    assert.ok(
      !host.samples.some((s) => s.probe === 'netdev' && s.attributes['k8s.pod.uid'] !== undefined),
      'namespace-level metrics stay with the host',
    );
  });
});

// The cgroup parser: a table of real /proc/<pid>/cgroup contents from every kubelet layout, malformed
// input, and a property test that it never throws.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { normalizePodUid, parseCgroupPath, parseProcCgroup } from '../../receiver/targets/cgroup.js';

const UID = '5f7b1c2a-9d3e-4b8f-a1c6-0e2d4f6a8b9c';
const UID_ = UID.replaceAll('-', '_');
const CID = 'a3f1c9e07b2d4c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6';
const STATIC = '6b3ca2f0d7e5e8bb5ffd4f0bc1a9a6c1';

interface Row {
  name: string;
  text: string;
  uid?: string;
  cid?: string;
  runtime?: string;
  qos?: string;
  driver?: string;
  conmon?: boolean;
}

const rows: Row[] = [
  // cgroup v2, systemd driver (most production nodes today)
  {
    name: 'v2 systemd containerd burstable',
    text: `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${CID}.scope\n`,
    uid: UID,
    cid: CID,
    runtime: 'containerd',
    qos: 'burstable',
    driver: 'systemd',
  },
  {
    name: 'v2 systemd containerd besteffort',
    text: `0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/cri-containerd-${CID}.scope`,
    uid: UID,
    cid: CID,
    runtime: 'containerd',
    qos: 'besteffort',
    driver: 'systemd',
  },
  {
    name: 'v2 systemd containerd guaranteed (no QoS level)',
    text: `0::/kubepods.slice/kubepods-pod${UID_}.slice/cri-containerd-${CID}.scope`,
    uid: UID,
    cid: CID,
    runtime: 'containerd',
    qos: 'guaranteed',
    driver: 'systemd',
  },
  {
    name: 'v2 systemd CRI-O',
    text: `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/crio-${CID}.scope`,
    uid: UID,
    cid: CID,
    runtime: 'crio',
    qos: 'burstable',
    driver: 'systemd',
  },
  {
    name: 'v2 systemd CRI-O conmon',
    text: `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/crio-conmon-${CID}.scope`,
    uid: UID,
    cid: CID,
    runtime: 'crio',
    qos: 'burstable',
    driver: 'systemd',
    conmon: true,
  },
  {
    name: 'v2 systemd docker (cri-dockerd)',
    text: `0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/docker-${CID}.scope`,
    uid: UID,
    cid: CID,
    runtime: 'docker',
    qos: 'besteffort',
    driver: 'systemd',
  },
  {
    name: 'v2 systemd pod cgroup only',
    text: `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice`,
    uid: UID,
    qos: 'burstable',
    driver: 'systemd',
  },
  {
    name: 'v2 nested cgroup under the container (systemd in a container)',
    text: `0::/kubepods.slice/kubepods-pod${UID_}.slice/cri-containerd-${CID}.scope/init.scope`,
    uid: UID,
    cid: CID,
    runtime: 'containerd',
    qos: 'guaranteed',
    driver: 'systemd',
  },
  {
    name: 'v2 kind node (--cgroup-root=/kubelet)',
    text: `0::/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod${UID_}.slice/cri-containerd-${CID}.scope`,
    uid: UID,
    cid: CID,
    runtime: 'containerd',
    qos: 'besteffort',
    driver: 'systemd',
  },
  {
    name: 'v2 seen through a cgroup namespace',
    text: `0::/../../kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/cri-containerd-${CID}.scope`,
    uid: UID,
    cid: CID,
    runtime: 'containerd',
    qos: 'besteffort',
    driver: 'systemd',
  },
  // cgroup v2, cgroupfs driver
  {
    name: 'v2 cgroupfs containerd burstable',
    text: `0::/kubepods/burstable/pod${UID}/${CID}`,
    uid: UID,
    cid: CID,
    runtime: 'unknown',
    qos: 'burstable',
    driver: 'cgroupfs',
  },
  {
    name: 'v2 cgroupfs guaranteed',
    text: `0::/kubepods/pod${UID}/${CID}`,
    uid: UID,
    cid: CID,
    qos: 'guaranteed',
    driver: 'cgroupfs',
  },
  {
    name: 'v2 cgroupfs CRI-O',
    text: `0::/kubepods/besteffort/pod${UID}/crio-${CID}`,
    uid: UID,
    cid: CID,
    runtime: 'crio',
    qos: 'besteffort',
    driver: 'cgroupfs',
  },
  {
    name: 'v2 cgroupfs --cgroup-root=/kubelet',
    text: `0::/kubelet/kubepods/besteffort/pod${UID}/${CID}`,
    uid: UID,
    cid: CID,
    qos: 'besteffort',
    driver: 'cgroupfs',
  },
  {
    name: 'cgroupfs static pod (config hash)',
    text: `0::/kubepods/burstable/pod${STATIC}/${CID}`,
    uid: STATIC,
    cid: CID,
    qos: 'burstable',
    driver: 'cgroupfs',
  },
  {
    name: 'systemd static pod (config hash)',
    text: `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${STATIC}.slice/cri-containerd-${CID}.scope`,
    uid: STATIC,
    cid: CID,
    qos: 'burstable',
    driver: 'systemd',
  },
  // cgroup v1 (docker with cgroupfs, every controller)
  {
    name: 'v1 cgroupfs docker',
    text: [
      `12:pids:/kubepods/burstable/pod${UID}/${CID}`,
      `11:memory:/kubepods/burstable/pod${UID}/${CID}`,
      `10:cpu,cpuacct:/kubepods/burstable/pod${UID}/${CID}`,
      `1:name=systemd:/kubepods/burstable/pod${UID}/${CID}`,
      '',
    ].join('\n'),
    uid: UID,
    cid: CID,
    qos: 'burstable',
    driver: 'cgroupfs',
  },
  {
    name: 'v1 systemd containerd',
    text: [
      `11:devices:/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/cri-containerd-${CID}.scope`,
      `1:name=systemd:/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/cri-containerd-${CID}.scope`,
    ].join('\n'),
    uid: UID,
    cid: CID,
    runtime: 'containerd',
    qos: 'besteffort',
    driver: 'systemd',
  },
  // hybrid (this machine): v1 controllers plus the v2 line
  {
    name: 'hybrid, like this machine',
    text: [
      `9:name=systemd:/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/cri-containerd-${CID}.scope`,
      `8:pids:/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/cri-containerd-${CID}.scope`,
      '4:memory:/process_api/7f2e6a4e286213da54be07d0af0641b5',
      '3:cpuset:/',
      `0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/cri-containerd-${CID}.scope`,
    ].join('\n'),
    uid: UID,
    cid: CID,
    runtime: 'containerd',
    qos: 'besteffort',
    driver: 'systemd',
  },
  {
    name: 'hybrid: pod only in a v1 hierarchy',
    text: `0::/\n8:pids:/kubepods/besteffort/pod${UID}/${CID}\n1:name=systemd:/user.slice`,
    uid: UID,
    cid: CID,
    qos: 'besteffort',
    driver: 'cgroupfs',
  },
  // not a pod
  { name: 'host process v2', text: '0::/system.slice/containerd.service\n' },
  {
    name: 'host process hybrid',
    text: '9:name=systemd:/\n8:pids:/\n4:memory:/process_api/7f2e6a4e286213da54be07d0af0641b5\n0::/\n',
  },
  { name: 'kubepods.slice itself', text: '0::/kubepods.slice/kubepods-burstable.slice' },
  { name: 'docker (not kubelet)', text: `0::/system.slice/docker-${CID}.scope` },
  { name: 'user session', text: '0::/user.slice/user-1000.slice/session-3.scope' },
  // malformed
  { name: 'empty', text: '' },
  { name: 'garbage', text: 'hello world\n:::\n' },
  { name: 'pod with a bad uid (cgroupfs)', text: `0::/kubepods/burstable/podnot-a-uid/${CID}` },
  {
    name: 'pod with a dashed uid under systemd',
    text: `0::/kubepods.slice/kubepods-pod${UID}.slice/cri-containerd-${CID}.scope`,
  },
  { name: 'pod with an underscored uid under cgroupfs', text: `0::/kubepods/pod${UID_}/${CID}` },
  { name: 'pod segment not under kubepods', text: `0::/system.slice/pod${UID}/${CID}` },
  { name: 'no hierarchy id', text: `::/kubepods/pod${UID}/${CID}` },
];

describe('identity: cgroup parser', () => {
  for (const row of rows) {
    it(row.name, () => {
      const id = parseProcCgroup(row.text);
      if (row.uid === undefined) {
        assert.equal(id, undefined);
        return;
      }
      assert.ok(id, 'expected an identity');
      assert.equal(id.podUid, row.uid);
      assert.equal(id.containerId, row.cid);
      if (row.runtime) assert.equal(id.runtime, row.runtime);
      if (row.qos) assert.equal(id.qos, row.qos);
      if (row.driver) assert.equal(id.driver, row.driver);
      assert.equal(id.conmon === true, row.conmon === true);
    });
  }

  it('a bad container segment keeps the pod and drops the container', () => {
    const id = parseCgroupPath(`/kubepods.slice/kubepods-pod${UID_}.slice/cri-containerd-xyz.scope`);
    assert.equal(id?.podUid, UID);
    assert.equal(id?.containerId, undefined);
  });

  it('prefers the v2 line, then name=systemd', () => {
    const other = '11111111-2222-3333-4444-555555555555';
    const text = `8:pids:/kubepods/pod${other}/${CID}\n0::/kubepods/pod${UID}/${CID}\n`;
    assert.equal(parseProcCgroup(text)?.podUid, UID);
    assert.equal(parseProcCgroup(text)?.hierarchy, '');
    const v1 = `8:pids:/kubepods/pod${other}/${CID}\n1:name=systemd:/kubepods/pod${UID}/${CID}\n`;
    assert.equal(parseProcCgroup(v1)?.podUid, UID);
  });

  it('normalizes UIDs', () => {
    assert.equal(normalizePodUid(UID_.toUpperCase(), 'systemd'), UID);
    assert.equal(normalizePodUid(UID, 'systemd'), undefined);
    assert.equal(normalizePodUid(STATIC, 'systemd'), STATIC);
    assert.equal(normalizePodUid('', 'cgroupfs'), undefined);
  });

  it('never throws on arbitrary input (fast-check, 12k cases)', () => {
    const seg = fc.oneof(
      fc.constantFrom(
        'kubepods',
        'kubepods.slice',
        'burstable',
        'besteffort',
        `pod${UID}`,
        `kubepods-pod${UID_}.slice`,
        `kubepods-burstable-pod${UID_}.slice`,
        `cri-containerd-${CID}.scope`,
        `crio-${CID}`,
        CID,
        '..',
        '',
        'pod',
        'pod_',
        '.slice',
        '-pod.slice',
      ),
      fc.string({ maxLength: 80 }),
    );
    const path = fc.array(seg, { maxLength: 8 }).map((s) => `/${s.join('/')}`);
    const line = fc
      .tuple(
        fc.oneof(fc.nat(20).map(String), fc.string({ maxLength: 3 })),
        fc.constantFrom('', 'pids', 'name=systemd', 'cpu,cpuacct', ':'),
        path,
      )
      .map(([h, c, p]) => `${h}:${c}:${p}`);
    const text = fc.oneof(
      fc.array(line, { maxLength: 6 }).map((l) => l.join('\n')),
      fc.string({ maxLength: 400 }),
      fc.string({ unit: 'grapheme', maxLength: 200 }),
    );
    let identities = 0;
    fc.assert(
      fc.property(text, (t) => {
        const id = parseProcCgroup(t);
        if (id) {
          identities++;
          assert.match(id.podUid, /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/);
          if (id.containerId !== undefined) assert.match(id.containerId, /^[0-9a-f]{64}$/);
        }
      }),
      { numRuns: 12_000 },
    );
    assert.ok(identities > 0, 'the generator should reach valid identities too');
    // Non-strings (a caller bug) give nothing, not a throw.
    assert.equal(parseProcCgroup(undefined as unknown as string), undefined);
    assert.equal(parseCgroupPath(42 as unknown as string), undefined);
  });
});

// Sidecar mode for real: the agent CLI runs as nobody (uid 65534) with every capability dropped,
// inside one test pod's namespace, named by the downward API's environment. It must report its own
// pod's interfaces under its pod's name, and report eBPF probes as not running with a reason,
// never crash. Plus the pieces it relies on: capability parsing and the restricted probe.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { cleanupAll, createPod, type TestPod } from '../support/netns.js';
import { CLI } from '../support/agent.js';
import { stopPid, waitUntil } from '../support/proc.js';
import { NODE, identityByInode, samplesOf, writeConfig } from './helpers.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN, effectiveCapabilities } from '../../receiver/kernel/capabilities.js';
import { privilegedProbeReason, restrictedProbe } from '../../receiver/probes/privilege.js';
import { PROBES } from '../../semconv/generated/registry.js';
import { METRIC_PROBES } from '../../receiver/probes/catalog.js';
import { silentLogger } from '../../receiver/log.js';

const EBPF_PROBES = PROBES.filter((p) => /\beBPF\b/.test(p.source)).map((p) => p.name);

interface Sidecar {
  child: ChildProcess;
  url: string;
  logs: string[];
}

function procStatusField(pid: number, key: string): string {
  const m = new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? m[1]!.trim() : '';
}

describe('identity: sidecar mode', function () {
  this.timeout(120_000);

  describe('unprivileged, inside a test pod (root to set up)', () => {
    let pod: TestPod;
    let cfgDir: string | undefined;
    const started: Sidecar[] = [];

    async function startSidecar(
      env: Record<string, string>,
      port: number,
      configFile: string,
      inPod: TestPod = pod,
    ): Promise<Sidecar> {
      const child = spawn(
        'ip',
        [
          'netns',
          'exec',
          inPod.netns.name,
          'setpriv',
          '--reuid=65534',
          '--regid=65534',
          '--clear-groups',
          '--inh-caps=-all',
          '--bounding-set=-all',
          '--',
          process.execPath,
          CLI,
          'run',
          '-c',
          configFile,
          '--address',
          '0.0.0.0',
          '--port',
          String(port),
          '--log-format',
          'json',
        ],
        {
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      const s: Sidecar = { child, url: `http://${inPod.ip}:${port}`, logs: [] };
      child.stderr!.setEncoding('utf8').on('data', (d: string) => s.logs.push(...d.split('\n').filter(Boolean)));
      started.push(s);
      // Its own pod's process: put it in the pod's cgroup, as the kubelet would.
      await inPod.cgroup!.addPid(child.pid!);
      await waitUntil(
        async () => {
          if (child.exitCode !== null) throw new Error(`sidecar exited ${child.exitCode}: ${s.logs.join('\n')}`);
          try {
            return (await fetch(`${s.url}/healthz`, { signal: AbortSignal.timeout(2000) })).status === 200;
          } catch {
            return false;
          }
        },
        20_000,
        'sidecar /healthz over the pod’s veth',
      );
      return s;
    }

    before(async () => {
      pod = await createPod({ label: 'sidecar', veth: true, cgroup: { qos: 'burstable' } });
      const cfg = writeConfig(
        [
          'mode: sidecar',
          'interval: 1s',
          'metrics:',
          '  probes: [netdev, io, packetloss, tcpretrans, socketlatency]',
          'events:',
          '  probes: [tcpreset]',
          '',
        ].join('\n'),
      );
      cfgDir = cfg.dir;
    });

    after(async () => {
      for (const s of started) await stopPid(s.child.pid, 3000);
      await cleanupAll();
      if (cfgDir) rmSync(cfgDir, { recursive: true, force: true });
    });

    it('reports its own pod under its downward-API name, as nobody with no capabilities, with eBPF probes not running and why', async () => {
      const env = { POD_NAME: 'shop-7d9f', POD_NAMESPACE: 'shop', POD_UID: pod.cgroup!.podUid, NODE_NAME: NODE };
      const s = await startSidecar(env, 19000 + (process.pid % 1000), `${cfgDir}/config.yaml`);
      const pid = s.child.pid!;
      assert.equal(procStatusField(pid, 'Uid').split(/\s+/)[1], '65534', 'effective uid nobody');
      assert.equal(BigInt(`0x${procStatusField(pid, 'CapEff')}`), 0n, 'no effective capability');
      assert.equal(BigInt(`0x${procStatusField(pid, 'CapBnd')}`), 0n, 'empty bounding set');
      const ids = await waitUntil(
        async () => {
          const text = await (await fetch(`${s.url}/metrics`)).text();
          const m = identityByInode(samplesOf(text));
          return m.size > 0 ? { m, text } : undefined;
        },
        15_000,
        'sidecar metrics',
      );
      assert.deepEqual([...ids.m.keys()], [String(pod.netns.inode)], 'only its own namespace');
      assert.deepEqual(ids.m.get(String(pod.netns.inode)), {
        kubeskoop_target_kind: 'pod',
        k8s_pod_name: 'shop-7d9f',
        k8s_namespace_name: 'shop',
        k8s_pod_uid: pod.cgroup!.podUid,
      });
      const ifaces = new Set(samplesOf(ids.text).map((x) => x.labels.network_interface_name));
      assert.deepEqual(
        [...ifaces].sort(),
        ['lo', pod.veth!.b].sort(),
        'its own interfaces: lo and the pod end of the veth',
      );
      const st = (await (await fetch(`${s.url}/status`)).json()) as any;
      assert.equal(st.agent.mode, 'sidecar');
      assert.equal(st.identity.source, 'downward-api');
      assert.equal(st.probes.netdev.state, 'running');
      for (const name of [...Object.keys(st.probes)].filter((n) => EBPF_PROBES.includes(n.replace(/:event$/, '')))) {
        const v = st.probes[name];
        assert.notEqual(v.state, 'running', `${name} must not run unprivileged`);
        assert.ok(typeof v.reason === 'string' && v.reason.length > 10, `${name} says why: ${JSON.stringify(v)}`);
        // An eBPF probe this build implements is degraded for lack of privileges; one it does not is unsupported.
        if (v.kind === 'metric' && METRIC_PROBES.has(name))
          assert.equal(v.state, 'degraded', `${name}: ${JSON.stringify(v)}`);
        if (v.state === 'degraded') assert.match(v.reason, /CAP_BPF/);
      }
      assert.ok(
        Object.keys(st.probes).some((n) => EBPF_PROBES.includes(n.replace(/:event$/, ''))),
        'the config named eBPF probes',
      );
      // Several cycles later it still runs, with no error logged.
      const cycle = st.lastCycle.cycle;
      await waitUntil(
        async () => ((await (await fetch(`${s.url}/status`)).json()) as any).lastCycle.cycle >= cycle + 2,
        10_000,
        'two more cycles',
      );
      assert.equal(s.child.exitCode, null);
      const errors = s.logs.filter((l) => l.includes('"level":"error"'));
      assert.deepEqual(errors, []);
    });

    it("two sidecars on one node are two service instances (<namespace>.<pod>), each exporting under its pod's resource; OTEL_RESOURCE_ATTRIBUTES wins", async () => {
      const pod2 = await createPod({ label: 'sidecar2', veth: true, cgroup: { qos: 'burstable' } });
      // A receiver on each pod's host-side address: the unprivileged sidecars export over their pod's veth.
      const rx1 = await startOtlpReceiver({ host: pod.veth!.addrA, http: false });
      const rx2 = await startOtlpReceiver({ host: pod2.veth!.addrA, http: false });
      const rx3 = await startOtlpReceiver({ host: pod2.veth!.addrA, http: false });
      try {
        const otlp = (rx: OtlpReceiver): Record<string, string> => ({
          OTEL_EXPORTER_OTLP_ENDPOINT: rx.grpcEndpoint,
          OTEL_METRIC_EXPORT_INTERVAL: '1000',
        });
        const base = { POD_NAMESPACE: 'shop', NODE_NAME: NODE };
        await startSidecar(
          { ...base, ...otlp(rx1), POD_NAME: 'web-a', POD_UID: pod.cgroup!.podUid },
          21000 + (process.pid % 1000),
          `${cfgDir}/config.yaml`,
        );
        await startSidecar(
          { ...base, ...otlp(rx2), POD_NAME: 'web-b', POD_UID: pod2.cgroup!.podUid },
          22000 + (process.pid % 1000),
          `${cfgDir}/config.yaml`,
          pod2,
        );
        await startSidecar(
          {
            ...base,
            ...otlp(rx3),
            POD_NAME: 'web-c',
            POD_UID: pod2.cgroup!.podUid,
            OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=chosen-by-me,deployment.environment.name=test',
          },
          23000 + (process.pid % 1000),
          `${cfgDir}/config.yaml`,
          pod2,
        );
        const own = async (rx: OtlpReceiver) =>
          (await rx.waitForMetric('kubeskoop.agent.target.count', undefined, 30_000))[0]!.resource;
        const [a, b, c] = [await own(rx1), await own(rx2), await own(rx3)];
        assert.equal(a['service.instance.id'], 'shop.web-a');
        assert.equal(b['service.instance.id'], 'shop.web-b');
        assert.notEqual(
          a['service.instance.id'],
          b['service.instance.id'],
          'sidecars on one node never share an instance id',
        );
        assert.equal(a['k8s.node.name'], NODE);
        assert.equal(b['k8s.node.name'], NODE);
        assert.equal(c['service.instance.id'], 'chosen-by-me', "the user's OTEL_RESOURCE_ATTRIBUTES wins");
        // Each sidecar's pod data under its pod's own resource (with the user's environment attributes, not service.*).
        const podA = (await rx1.waitForMetric('k8s.pod.network.io', undefined, 30_000))[0]!.resource;
        assert.equal(podA['k8s.pod.name'], 'web-a');
        assert.equal(podA['k8s.pod.uid'], pod.cgroup!.podUid);
        assert.equal(podA['service.instance.id'], undefined);
        const podC = (await rx3.waitForMetric('k8s.pod.network.io', undefined, 30_000))[0]!.resource;
        assert.equal(podC['deployment.environment.name'], 'test');
        assert.equal(podC['k8s.pod.name'], 'web-c');
      } finally {
        await rx1.close();
        await rx2.close();
        await rx3.close();
      }
    });

    it('without the downward API, it is its pod by the UID in its own cgroup', async () => {
      const s = await startSidecar({}, 20000 + (process.pid % 1000), `${cfgDir}/config.yaml`);
      const ids = await waitUntil(
        async () => {
          const m = identityByInode(samplesOf(await (await fetch(`${s.url}/metrics`)).text()));
          return m.size > 0 ? m : undefined;
        },
        15_000,
        'sidecar metrics',
      );
      assert.deepEqual(ids.get(String(pod.netns.inode)), {
        kubeskoop_target_kind: 'pod',
        k8s_pod_uid: pod.cgroup!.podUid,
      });
      assert.ok(
        s.logs.some((l) => l.includes('downward API')),
        'warns that the downward API is missing',
      );
    });
  });

  describe('privileges', () => {
    const status = (capEff: string): string => `Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t${capEff}\n`;

    it('reads the effective capability set', () => {
      assert.equal(typeof effectiveCapabilities(), 'bigint');
      assert.equal(effectiveCapabilities('/nonexistent/status'), 0n);
      if (process.getuid?.() === 0)
        assert.ok((effectiveCapabilities() & (1n << BigInt(CAP_SYS_ADMIN))) !== 0n, 'root has CAP_SYS_ADMIN');
      const f = writeConfig(status('000000c000200000'));
      try {
        assert.equal(
          effectiveCapabilities(f.file),
          (1n << BigInt(CAP_BPF)) | (1n << BigInt(CAP_PERFMON)) | (1n << BigInt(CAP_SYS_ADMIN)),
        );
      } finally {
        rmSync(f.dir, { recursive: true, force: true });
      }
    });

    it('eBPF probes need CAP_BPF+CAP_PERFMON or CAP_SYS_ADMIN; procfs probes need nothing', () => {
      assert.ok(EBPF_PROBES.length >= 5, `eBPF probes in the registry: ${EBPF_PROBES.join(', ')}`);
      const bpf = (1n << BigInt(CAP_BPF)) | (1n << BigInt(CAP_PERFMON));
      for (const name of EBPF_PROBES) {
        assert.match(privilegedProbeReason(name, 0n) ?? '', /CAP_BPF and CAP_PERFMON/, name);
        assert.equal(privilegedProbeReason(name, bpf), undefined);
        assert.equal(privilegedProbeReason(name, 1n << BigInt(CAP_SYS_ADMIN)), undefined);
        assert.match(
          privilegedProbeReason(name, 1n << BigInt(CAP_BPF)) ?? '',
          /sidecar/,
          'CAP_BPF alone is not enough',
        );
      }
      for (const name of ['netdev', 'sock', 'tcp', 'io', 'fd', 'softnet', 'nosuchprobe'])
        assert.equal(privilegedProbeReason(name, 0n), undefined, name);
    });

    it('a restricted probe starts degraded with the reason and collects nothing, without touching the kernel', async () => {
      const real = METRIC_PROBES.get('netdev')!.create();
      const r = restrictedProbe(real, 'needs CAP_BPF');
      assert.equal(r.name, 'netdev');
      assert.equal(r.metrics, real.metrics);
      const ctx = { procRoot: '/nonexistent', log: silentLogger, options: {} };
      assert.deepEqual(await r.start!(ctx), { state: 'degraded', reason: 'needs CAP_BPF' });
      assert.deepEqual(await r.collect({ netnsInode: 1, pid: 1, pids: [1], kind: 'host' }, ctx), {
        samples: [],
        problems: [],
      });
    });
  });
});

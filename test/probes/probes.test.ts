// Probe-level behaviour that the conformance test does not cover: options validated at config load,
// the default set, one read of snmp/netstat per namespace per cycle, and the degraded paths' reasons.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../receiver/config/load.js';
import { ConfigError } from '../../receiver/config/errors.js';
import { probeCapabilities } from '../../receiver/agent.js';
import { METRIC_PROBES, DEFAULT_METRIC_PROBES } from '../../receiver/probes/catalog.js';
import { silentLogger } from '../../receiver/log.js';
import { clearSharedReads, sharedParse } from '../../receiver/probes/shared-read.js';
import { parseMibPairs } from '../../receiver/probes/parsers/snmp.js';
import type { ProbeResult } from '../../receiver/probes/probe.js';
import type { Target } from '../../receiver/targets/target.js';
import { METRICS } from '../../semconv/generated/registry.js';
import { ProcessIoSum } from '../../receiver/probes/io.js';
import type { ProcIo } from '../../receiver/probes/parsers/proc-io.js';
import { spawn } from 'node:child_process';
import fc from 'fast-check';
import { cleanupAll, createNetns } from '../support/netns.js';
import { sleep } from '../support/proc.js';

const self: Target = { netnsInode: 1, pid: process.pid, pids: [process.pid], kind: 'netns' };
const ctx = (options: Record<string, unknown> = {}, procRoot = '/proc') => ({ procRoot, log: silentLogger, options });

function configFile(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ksotel-probes-'));
  const f = join(dir, 'config.yaml');
  writeFileSync(f, yaml);
  return f;
}

describe('procfs probes: catalogue, options, shared reads, degraded reasons', () => {
  it('every probe of this issue is registered, fills only registry metrics, and the default set is the cheap procfs probes', () => {
    for (const n of ['sock', 'tcp', 'udp', 'ip', 'tcpext', 'softnet', 'io', 'fd', 'conntrack', 'ipvs']) {
      const p = METRIC_PROBES.get(n)!.create();
      assert.equal(p.name, n);
      for (const m of p.metrics) assert.ok(METRICS.includes(m), `${n}: ${m.name} is a registry entry`);
    }
    assert.deepEqual(
      [...DEFAULT_METRIC_PROBES],
      ['netdev', 'sock', 'tcp', 'udp', 'ip', 'tcpext', 'softnet', 'io', 'conntrack'],
    );
    assert.equal(METRIC_PROBES.get('softnet')!.create().scope, 'node');
    assert.equal(METRIC_PROBES.get('io')!.create().scope, 'process');
    assert.equal(METRIC_PROBES.get('fd')!.create().scope, 'process');
  });

  it('every kubeskoop_<probe>_<field> name KubeSkoop exported for these probes is a legacy name of one registry metric', () => {
    // From KubeSkoop v1.0 (pkg/exporter/probe/*, see shared/reference/kubeskoop-catalogue.md §1).
    const exported: Record<string, string[]> = {
      sock: ['inuse', 'orphan', 'tw', 'alloc', 'mem'],
      tcp: [
        'activeopens',
        'passiveopens',
        'retranssegs',
        'attemptfails',
        'estabresets',
        'currestab',
        'insegs',
        'outsegs',
        'inerrs',
        'outrsts',
      ],
      udp: [
        'indatagrams',
        'noports',
        'inerrors',
        'outdatagrams',
        'rcvbuferrors',
        'sndbuferrors',
        'incsumerrors',
        'ignoredmulti',
      ],
      ip: [
        'forwarding',
        'defaultttl',
        'inreceives',
        'inhdrerrors',
        'inaddrerrors',
        'forwdatagrams',
        'inunknownprotos',
        'indiscards',
        'indelivers',
        'outrequests',
        'outdiscards',
        'outnoroutes',
        'reasmtimeout',
        'reasmreqds',
        'reasmoks',
        'reasmfails',
        'fragoks',
        'fragfails',
        'fragcreates',
      ],
      tcpext: [
        'listendrops',
        'listenoverflows',
        'tcpsynretrans',
        'tcpfastretrans',
        'tcpretransfail',
        'tcptimeouts',
        'tcpabortonclose',
        'tcpabortonmemory',
        'tcpabortontimeout',
        'tcpabortonlinger',
        'tcpabortondata',
        'tcpabortfailed',
        'tcpackskippedsynrecv',
        'tcpackskippedpaws',
        'tcpackskippedseq',
        'tcpackskippedfinwait2',
        'tcpackskippedtimewait',
        'tcpackskippedchallenge',
        'tcprcvqdrop',
        'tcpmemorypressures',
        'tcpmemorypressureschrono',
        'pawsactive',
        'pawsestab',
        'embryonicrsts',
        'tcpwinprobe',
        'tcpkeepalive',
        'tcpmtupfail',
        'tcpmtupsuccess',
        'tcpzerowindowdrop',
        'tcpbacklogdrop',
        'pfmemallocdrop',
        'tcpwqueuetoobig',
      ],
      softnet: ['processed', 'dropped'],
      io: ['readsyscall', 'writesyscall', 'readbytes', 'writebytes'],
      fd: ['openfd', 'opensocket'],
      conntrack: [
        'found',
        'invalid',
        'ignore',
        'insert',
        'insertfailed',
        'drop',
        'earlydrop',
        'error',
        'searchrestart',
        'entries',
        'maxentries',
      ],
      ipvs: ['connections', 'incomingpackets', 'outgoingpackets', 'incomingbytes', 'outgoingbytes'],
    };
    for (const [probe, fields] of Object.entries(exported)) {
      const metrics = METRICS.filter((m) => m.probe === probe);
      for (const f of fields) {
        const name = `kubeskoop_${probe}_${f}`;
        const owners = metrics.filter((m) => m.legacy.some((l) => l.name === name));
        assert.equal(owners.length, 1, `${name}: ${owners.length} registry metrics`);
        // … and the metric the probe really fills
        assert.ok(METRIC_PROBES.get(probe)!.create().metrics.includes(owners[0]!), name);
      }
    }
  });

  it('options are validated when the config is loaded: good fields pass, bad ones name the path', () => {
    const ok = loadConfig({
      file: configFile(
        'metrics:\n  probes:\n    - name: tcpext\n      options: { fields: ["TcpExt.TCPFastRetrans", "MPTcpExt.*"] }\n    - name: ip\n      options: { fields: ["*"] }\n    - name: sock\n      options: { nodeWideOn: every }\n',
      ),
      env: {},
      flags: {},
      probes: probeCapabilities(),
    });
    assert.deepEqual(
      ok.metrics.probes.map((p) => p.name),
      ['tcpext', 'ip', 'sock'],
    );
    for (const bad of [
      'metrics:\n  probes:\n    - name: tcpext\n      options: { fields: ["Ip.InReceives"] }\n',
      'metrics:\n  probes:\n    - name: tcpext\n      options: { fieldz: ["*"] }\n',
      'metrics:\n  probes:\n    - name: sock\n      options: { nodeWideOn: sometimes }\n',
    ]) {
      assert.throws(
        () => loadConfig({ file: configFile(bad), env: {}, flags: {}, probes: probeCapabilities() }),
        (e: unknown) => e instanceof ConfigError && /metrics\.probes\[0\]\.options/.test(e.message),
        bad,
      );
    }
  });

  it('tcpext: fields selected in options appear as kubeskoop.mib.events, the rest do not', () => {
    const p = METRIC_PROBES.get('tcpext')!.create();
    clearSharedReads();
    const r = p.collect(self, ctx({ fields: ['TcpExt.TCPFastRetrans', 'TcpExt.TCPKeepAlive'] })) as ProbeResult;
    const generic = r.samples
      .filter((s) => s.metric.name === 'kubeskoop.mib.events')
      .map((s) => s.attributes['kubeskoop.mib.field']);
    assert.deepEqual(generic, ['TCPFastRetrans', 'TCPKeepAlive']);
    const r2 = p.collect(self, ctx({ fields: ['TcpExt.NoSuchCounter'] })) as ProbeResult;
    assert.deepEqual(r2.problems, ['netstat: no field TcpExt NoSuchCounter on this kernel']);
    const r3 = p.collect(self, ctx({ fields: ['TcpExt.NoSuchCounter'] })) as ProbeResult;
    assert.deepEqual(r3.problems, [], 'a missing field is reported once, not every cycle');
  });

  it('snmp is parsed once per namespace per cycle for tcp, udp and ip; a new cycle reads it again', () => {
    clearSharedReads();
    let parses = 0;
    const parse = (t: string) => {
      parses++;
      return parseMibPairs(t);
    };
    const path = `/proc/${process.pid}/net/snmp`;
    for (const consumer of ['tcp', 'udp', 'ip']) assert.ok(sharedParse(path, consumer, parse).ok);
    assert.equal(parses, 1);
    for (const consumer of ['tcp', 'udp', 'ip']) sharedParse(path, consumer, parse); // next cycle
    assert.equal(parses, 2);
  });

  it('sock: node-wide values only with the host target, unless nodeWideOn: every', () => {
    const p = METRIC_PROBES.get('sock')!.create();
    const names = (r: ProbeResult) => new Set(r.samples.map((s) => s.metric.name));
    assert.ok(!names(p.collect(self, ctx()) as ProbeResult).has('kubeskoop.tcp.orphan.count'));
    assert.ok(names(p.collect({ ...self, kind: 'host' }, ctx()) as ProbeResult).has('kubeskoop.tcp.orphan.count'));
    assert.ok(names(p.collect(self, ctx({ nodeWideOn: 'every' })) as ProbeResult).has('kubeskoop.socket.memory.usage'));
  });

  it('io: a target whose processes are all gone is reported as gone, quietly', () => {
    const p = METRIC_PROBES.get('io')!.create();
    const r = p.collect({ ...self, pids: [2 ** 22 + 12345] }, ctx()) as ProbeResult;
    assert.deepEqual(r, { samples: [], problems: [], targetGone: true });
  });

  it("io: the sums over a target's processes stay monotonic: an exited process with its parent outside keeps its last values, one reaped inside moves to its parent", () => {
    const io = (n: number): ProcIo => ({ rchar: n, wchar: n, syscr: n, syscw: n, readBytes: n, writeBytes: n });
    const parents = new Map<number, number>([
      [10, 1],
      [11, 10],
      [12, 1],
      [13, 1],
    ]); // 1: the shim, outside the share
    const sum = new ProcessIoSum();
    assert.equal(
      sum.update(
        new Map([
          [10, io(100)],
          [11, io(50)],
          [12, io(30)],
        ]),
        (p) => parents.get(p),
      ).wchar,
      180,
    );
    // 11 exits, reaped by its parent 10 inside the share: the kernel adds its (final) counters to 10's.
    assert.equal(
      sum.update(
        new Map([
          [10, io(160)],
          [12, io(30)],
        ]),
        (p) => parents.get(p),
      ).wchar,
      190,
    );
    // 12 exits, its parent (the shim) is outside: its last values stay in the sum.
    assert.equal(sum.update(new Map([[10, io(160)]]), (p) => parents.get(p)).wchar, 190);
    // A new process 13 adds its own; the pid 10 reused by a new process (counters went back): the old one is carried.
    assert.equal(
      sum.update(
        new Map([
          [10, io(5)],
          [13, io(7)],
        ]),
        (p) => parents.get(p),
      ).wchar,
      30 + 160 + 5 + 7,
    );
    // Never backwards, whatever happens: a drop the parent rule cannot explain is carried too.
    const t = sum.update(new Map([[10, io(5)]]), () => 10);
    assert.ok(t.wchar >= 30 + 160 + 5 + 7);
  });

  it('io: the running sums equal a plain model of the rules (carried exits, parents followed, reused pids, never backwards) over random process histories', () => {
    const FIELDS = ['rchar', 'wchar', 'syscr', 'syscw', 'readBytes', 'writeBytes'] as const;
    type Sums = Record<(typeof FIELDS)[number], number>;
    // The model: the header's rules written plainly, field by field over names, maps rebuilt each cycle.
    class Model {
      procs = new Map<number, { io: ProcIo; ppid: number | undefined }>();
      carried: Sums = { rchar: 0, wchar: 0, syscr: 0, syscw: 0, readBytes: 0, writeBytes: 0 };
      last: Sums = { ...this.carried };
      update(read: Map<number, ProcIo>, ppidOf: (pid: number) => number | undefined): Sums {
        const back = (a: ProcIo, b: ProcIo): boolean => FIELDS.some((f) => a[f] < b[f]);
        const gone = new Map<number, { io: ProcIo; ppid: number | undefined }>();
        for (const [pid, p] of this.procs) {
          const now = read.get(pid);
          if (now === undefined || back(now, p.io)) gone.set(pid, p);
        }
        const next = new Map<number, { io: ProcIo; ppid: number | undefined }>();
        for (const [pid, io] of read) {
          const p = this.procs.get(pid);
          let ppid = p !== undefined && !gone.has(pid) ? p.ppid : ppidOf(pid);
          if (ppid !== undefined && p !== undefined && !read.has(ppid) && this.procs.has(ppid)) ppid = ppidOf(pid);
          next.set(pid, { io, ppid });
        }
        for (const p of gone.values()) {
          let parent = p.ppid;
          for (let hops = 0; parent !== undefined && gone.has(parent) && hops < 64; hops++)
            parent = gone.get(parent)!.ppid;
          if (parent !== undefined && read.has(parent)) continue;
          for (const f of FIELDS) this.carried[f] += p.io[f];
        }
        this.procs = next;
        const out = { ...this.carried };
        for (const { io } of next.values()) for (const f of FIELDS) out[f] += io[f];
        for (const f of FIELDS) {
          if (out[f] < this.last[f]) {
            this.carried[f] += this.last[f] - out[f];
            out[f] = this.last[f];
          }
          this.last[f] = out[f];
        }
        return out;
      }
    }
    // A cycle: which of pids 1–6 are alive, each one's counters (a step, or a restart from a small
    // value: a reused pid), and each pid's parent as /proc would answer now (0: outside the share).
    const cycle = fc.record({
      alive: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
      step: fc.array(fc.tuple(fc.nat(1000), fc.nat(1000), fc.nat(9), fc.nat(9), fc.nat(4096), fc.nat(4096)), {
        minLength: 6,
        maxLength: 6,
      }),
      restart: fc.array(fc.nat(9), { minLength: 6, maxLength: 6 }),
      parents: fc.array(fc.nat(6), { minLength: 6, maxLength: 6 }),
    });
    fc.assert(
      fc.property(fc.array(cycle, { minLength: 1, maxLength: 12 }), (cycles) => {
        const sum = new ProcessIoSum();
        const model = new Model();
        const counters = new Map<number, number[]>();
        for (const c of cycles) {
          const read = new Map<number, ProcIo>();
          for (let i = 0; i < 6; i++) {
            const pid = i + 1;
            if (!c.alive[i]) {
              counters.delete(pid);
              continue;
            }
            const s = c.step[i]!;
            const prev = counters.get(pid);
            const v = prev === undefined || c.restart[i] === 0 ? s.map((x) => x % 3) : prev.map((x, k) => x + s[k]!);
            counters.set(pid, v);
            read.set(pid, {
              rchar: v[0]!,
              wchar: v[1]!,
              syscr: v[2]!,
              syscw: v[3]!,
              readBytes: v[4]!,
              writeBytes: v[5]!,
            });
          }
          const ppidOf = (pid: number): number | undefined =>
            c.parents[pid - 1] === 0 ? undefined : c.parents[pid - 1];
          assert.deepEqual({ ...sum.update(new Map(read), ppidOf) }, model.update(new Map(read), ppidOf));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('io on a real namespace: a process that exits (started from outside, as kubectl exec is) does not make the sums go down', async function () {
    this.timeout(60_000);
    const ns = await createNetns({ label: 'iosum' });
    try {
      const p = METRIC_PROBES.get('io')!.create();
      const target: Target = { netnsInode: ns.inode, pid: ns.pid, pids: [ns.pid], kind: 'netns' };
      const collect = (pids: number[]): number => {
        const r = p.collect({ ...target, pids }, ctx()) as ProbeResult;
        return r.samples
          .filter(
            (x) => x.metric.name === 'kubeskoop.io.syscall.bytes' && x.attributes['kubeskoop.io.direction'] === 'write',
          )
          .reduce((t, x) => t + (x.value as number), 0);
      };
      await p.beforeCycle?.(ctx());
      // A writer inside the namespace whose parent (ip netns exec, here this test) is outside it.
      const child = spawn(
        'ip',
        ['netns', 'exec', ns.name, 'sh', '-c', 'dd if=/dev/zero of=/dev/null bs=64k count=200 status=none; sleep 2'],
        { stdio: 'ignore' },
      );
      await sleep(800);
      const before = collect([ns.pid, child.pid!]);
      assert.ok(before >= 200 * 65536, `the writer's bytes are counted (${before})`);
      await new Promise((r) => child.once('exit', r));
      await p.beforeCycle?.(ctx());
      const after = collect([ns.pid]);
      assert.ok(after >= before, `the sum did not go down when the process exited (${before} → ${after})`);
    } finally {
      await ns.dispose();
      await cleanupAll();
    }
  });

  // A procfs root without the file: the reason text of the degraded state. (On this kernel conntrack
  // is loaded, so the live path is "running"; ipvs is absent and its live path is in conformance.test.ts.)
  it('conntrack and ipvs: start() says which file is missing and what to do', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ksotel-proc-'));
    try {
      mkdirSync(join(root, '1', 'net', 'stat'), { recursive: true });
      writeFileSync(join(root, 'modules'), '');
      const ct = await METRIC_PROBES.get('conntrack')!.create().start!(ctx({}, root));
      assert.equal(ct.state, 'degraded');
      assert.equal(
        ct.reason,
        `nf_conntrack is not loaded: ${root}/1/net/stat/nf_conntrack does not exist; load it with \`modprobe nf_conntrack\` (any iptables/nftables rule using conntrack, or kube-proxy, loads it)`,
      );
      rmSync(join(root, 'modules'));
      const iv = await METRIC_PROBES.get('ipvs')!.create().start!(ctx({}, root));
      assert.equal(iv.state, 'degraded');
      assert.match(
        iv.reason!,
        /ip_vs_stats does not exist; this kernel has no IPVS built in \(CONFIG_IP_VS\) and cannot load modules/,
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

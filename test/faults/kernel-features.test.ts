// Missing kernel features: BPF not permitted (the agent without any capability), no tracefs, no
// kernel BTF, a hook that does not exist, IPVS absent (this kernel has none). Each concerned probe
// is degraded with a precise reason in /status, that reason is logged once (not per cycle), and
// every other probe keeps working.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupAll, createNetns, type Netns } from '../support/netns.js';
import { startAgentProcess, type AgentProcess, requireBpf } from '../support/agent.js';
import { waitUntil } from '../support/proc.js';
import { NativeEventSource } from '../../receiver/events/native-source.js';
import { createLogger } from '../../receiver/log.js';
import { refusedConnects, scrape, status, sum, tempDir, type StatusDoc, type TempDir } from './support.js';

const CYCLES = 8;

describe('faults: missing kernel features', function () {
  this.timeout(120_000);
  let dir: TempDir;
  let ns: Netns;
  let agent: AgentProcess | undefined;
  const figures: string[] = [];

  before(async function () {
    requireBpf(this); // skipped on a kernel without BTF; fails if the helper is not built
    dir = tempDir('kernel');
    ns = await createNetns({ label: 'kfeat' });
  });
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
  });
  after(async () => {
    await cleanupAll();
    dir?.dispose();
    if (figures.length > 0) console.log(`      [faults/kernel-features] ${figures.join('; ')}`);
  });

  const config = (events: string[], metrics = ['netdev', 'sock', 'conntrack', 'ipvs']): string =>
    dir.file(
      `c-${events.join('-')}-${metrics.join('-')}.yaml`,
      `interval: 300ms\nmetrics:\n  probes: [${metrics.join(', ')}]\nevents:\n  probes: [${events.join(', ')}]\n`,
    );

  /** Runs CYCLES cycles, then checks: degraded probes with matching reasons, one warn line each, the rest running with data. */
  async function check(
    a: AgentProcess,
    degraded: Record<string, RegExp>,
    running: string[],
    allTargets = true,
  ): Promise<StatusDoc> {
    const c0 = (await status(a)).lastCycle.cycle;
    await waitUntil(async () => (await status(a)).lastCycle.cycle >= c0 + CYCLES, 30_000, `${CYCLES} cycles`);
    const st = await status(a);
    for (const [probe, reason] of Object.entries(degraded)) {
      const p = st.probes[probe];
      assert.ok(p, `${probe} in /status`);
      assert.equal(p.state, 'degraded', `${probe}: ${JSON.stringify(p)}`);
      assert.match(p.reason ?? '', reason, probe);
      const lines = a.logs().filter((l) => l.level === 'warn' && l.probe === probe);
      assert.equal(lines.length, 1, `${probe}: one log line, got ${lines.map((l) => l.msg).join(' | ')}`);
      assert.equal(lines[0]!.reason, p.reason, `${probe}: the line carries the /status reason`);
    }
    for (const probe of running)
      assert.equal(st.probes[probe]?.state, 'running', `${probe} keeps running: ${JSON.stringify(st.probes[probe])}`);
    const m = await scrape(a);
    // Without capabilities only the agent's own namespace is readable (ptrace rules on /proc/<pid>/net).
    assert.ok(
      m.samples.some(
        (s) =>
          /^(system|k8s_pod|kubeskoop)_network_io_bytes_total$/.test(s.name) &&
          (s.labels.kubeskoop_netns_inode === String(ns.inode) || !allTargets),
      ),
      'netdev data (for the test namespace when privileged)',
    );
    assert.ok(
      m.samples.some((s) => s.name === 'kubeskoop_socket_count' || !running.includes('sock')),
      'sock data',
    );
    assert.equal(a.logs().filter((l) => l.level === 'error').length, 0, 'no error lines');
    return st;
  }

  it('BPF not permitted: the agent with no capability at all (setpriv, empty bounding set)', async () => {
    agent = await startAgentProcess({
      args: ['-c', config(['tcpreset', 'packetloss'])],
      wrapper: ['setpriv', '--inh-caps=-all', '--ambient-caps=-all', '--bounding-set=-all', '--'],
    });
    const capEff = /^CapEff:\s*(\S+)$/m.exec(
      await import('node:fs/promises').then((f) => f.readFile(`/proc/${agent!.pid}/status`, 'utf8')),
    )![1];
    assert.equal(BigInt(`0x${capEff}`), 0n, 'the agent runs without capabilities');
    const st = await check(
      agent,
      {
        tcpreset: /Operation not permitted.*BPF not permitted: the agent lacks CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN/,
        packetloss: /Operation not permitted.*BPF not permitted: the agent lacks CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN/,
        ipvs: /IPVS is not available: .*ip_vs_stats does not exist/,
      },
      ['netdev', 'sock', 'conntrack'],
      false,
    );
    const warns = agent.logs().filter((l) => l.level === 'warn');
    figures.push(
      `no capabilities: ${warns.length} warn lines in all (${[...new Set(warns.map((l) => l.msg))].join(' / ')})`,
    );
    figures.push(
      `no capabilities: tcpreset/packetloss degraded ("${st.probes.tcpreset!.reason}"), ipvs degraded, netdev/sock/conntrack running, 1 log line each over ${CYCLES} cycles`,
    );
  });

  it('no tracefs (an empty directory over /sys/kernel/tracing in a mount namespace): the probes use tp_btf and keep running', async () => {
    const empty = join(dir.path, 'empty');
    mkdirSync(empty);
    agent = await startAgentProcess({
      args: ['-c', config(['tcpreset'], ['netdev'])],
      wrapper: [
        'unshare',
        '-m',
        '--propagation',
        'private',
        'sh',
        '-c',
        `mount --bind ${empty} /sys/kernel/tracing && exec "$@"`,
        'sh',
      ],
    });
    const mounts = await import('node:fs/promises').then((f) => f.readFile(`/proc/${agent!.pid}/mountinfo`, 'utf8'));
    assert.ok(
      mounts.split('\n').some((l) => l.includes(' /sys/kernel/tracing ') && !l.includes('tracefs')),
      'tracefs hidden for the agent',
    );
    await check(agent, {}, ['netdev', 'tcpreset']);
    // And it observes: refused connects are counted in the kernel.
    const r = await refusedConnects(ns.name, { count: 5, perSecond: 100, maxMs: 5000 }).done;
    assert.equal(r.refused, 5);
    await waitUntil(
      async () =>
        sum((await scrape(agent!)).samples, 'kubeskoop_tcp_reset_segments_total', {
          kubeskoop_netns_inode: String(ns.inode),
          kubeskoop_event_type: 'TCPRESET_NOSOCK',
        }) === 5,
      10_000,
      'resets counted without tracefs',
    );
    figures.push('no tracefs: tcpreset running, 5/5 resets counted (tp_btf needs no tracefs)');
  });

  it('no kernel BTF (an empty file over /sys/kernel/btf/vmlinux): every eBPF probe degraded with the reason, procfs probes run', async () => {
    const emptyFile = join(dir.path, 'vmlinux');
    writeFileSync(emptyFile, '');
    agent = await startAgentProcess({
      args: ['-c', config(['tcpreset', 'packetloss', 'tcpretrans'])],
      wrapper: [
        'unshare',
        '-m',
        '--propagation',
        'private',
        'sh',
        '-c',
        `mount --bind ${emptyFile} /sys/kernel/btf/vmlinux && exec "$@"`,
        'sh',
      ],
    });
    const st = await check(
      agent,
      {
        tcpreset: /kernel BTF unavailable: \/sys\/kernel\/btf\/vmlinux/,
        packetloss: /kernel BTF unavailable: \/sys\/kernel\/btf\/vmlinux/,
        tcpretrans: /kernel BTF unavailable: \/sys\/kernel\/btf\/vmlinux/,
        ipvs: /IPVS is not available/,
      },
      ['netdev', 'sock', 'conntrack'],
    );
    figures.push(
      `no BTF: 3 eBPF probes degraded ("${st.probes.tcpreset!.reason}"), procfs probes running, 1 line each`,
    );
  });

  it('a hook that does not exist: that probe degraded with the hook in the reason, logged once; the other eBPF probe runs', async () => {
    const lines: { level: string; msg: string; probe?: string; reason?: string }[] = [];
    const log = createLogger({
      level: 'debug',
      format: 'json',
      write: (l) => {
        lines.push(JSON.parse(l) as (typeof lines)[number]);
      },
    });
    const src = new NativeEventSource({
      probes: { tcpreset: { testAttachTarget: 'ksotel_no_such_hook' }, packetloss: {} },
      emitEventsOf: new Set(),
      log,
    });
    try {
      await src.start();
      const st = await waitUntil(
        () => {
          const s = src.probeStatus('tcpreset');
          return s.state === 'degraded' ? s : undefined;
        },
        10_000,
        'tcpreset degraded',
      );
      assert.match(st.reason ?? '', /ksotel_no_such_hook/);
      assert.equal(src.probeStatus('packetloss').state, 'running');
      for (let i = 0; i < 5; i++) src.probeStatus('tcpreset');
      const warn = lines.filter((l) => l.level === 'warn' && l.probe === 'tcpreset');
      assert.equal(warn.length, 1, JSON.stringify(warn));
      figures.push(`missing hook: tcpreset degraded ("${st.reason}"), packetloss running, 1 line`);
    } finally {
      await src.stop();
    }
  });
});

// Conformance, as root, against real peers: three test namespaces with real traffic; the agent's
// probes run through the real scheduler over every namespace of this machine, and their values are
// compared, namespace by namespace, with
//   - Debian's prometheus-node-exporter run inside the same namespace (netstat incl. snmp/snmp6,
//     sockstat, softnet, conntrack),
//   - `nstat -asz` (every snmp/snmp6/netstat counter, read without any network traffic),
//   - `ss -s` (sockstat summary and CurrEstab), `conntrack -S` / `conntrack -C`,
//   - `ip netns pids` + coreutils for io and fd.
// The peers are read just before and just after one agent cycle. A value equal in both peer reads
// must equal the agent's exactly; a counter that moved (the exporter's own scrape traffic) must lie
// between them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  cleanupAll,
  createLinkedPair,
  createPod,
  sendUdp,
  tcpConnect,
  tcpTransfer,
  type Netns,
  type TestPod,
} from '../support/netns.js';
import { startNodeExporter, type NodeExporter } from '../support/node-exporter.js';
import type { PromTextSample } from '../support/prom-text.js';
import { runOk, sleep, stopPid } from '../support/proc.js';
import { Scheduler } from '../../receiver/snapshot/scheduler.js';
import { discoverTargets } from '../../receiver/targets/discover.js';
import { METRIC_PROBES } from '../../receiver/probes/catalog.js';
import { silentLogger } from '../../receiver/log.js';
import type { MetricSample, ProbeResult } from '../../receiver/probes/probe.js';
import { pageSize } from '../../receiver/probes/page-size.js';
import type { Snapshot } from '../../receiver/snapshot/snapshot.js';
import { TCP_SPECS } from '../../receiver/probes/tcp.js';
import { UDP_SPECS } from '../../receiver/probes/udp.js';
import { IP_SPECS_V4, IP_SPECS_V6 } from '../../receiver/probes/ip.js';
import { TCPEXT_SPECS } from '../../receiver/probes/tcpext.js';
import type { MibSpec } from '../../receiver/probes/mib.js';
import { skipBecause } from '../support/strict.js';
import {
  CONNTRACK_ENTRIES,
  CONNTRACK_LIMIT,
  CONNTRACK_FOUND,
  CONNTRACK_INVALID,
  CONNTRACK_IGNORED,
  CONNTRACK_INSERTS,
  CONNTRACK_INSERT_FAILURES,
  CONNTRACK_DROPS,
  CONNTRACK_EARLY_DROPS,
  CONNTRACK_ICMP_ERRORS,
  CONNTRACK_SEARCH_RESTARTS,
  CONNTRACK_CLASH_RESOLVES,
  FD_OPEN,
  FD_SOCKETS,
  NETDEV_ERRORS,
  NETDEV_IO,
  NETDEV_PACKET_COUNT,
  NETDEV_PACKET_DROPPED,
  IO_DISK_IO,
  IO_SYSCALLS,
  IO_SYSCALL_BYTES,
  IP_MIB_EVENTS,
  IP_MIB_IO,
  SOCK_COUNT,
  SOCK_FRAG_QUEUES,
  SOCK_MEMORY,
  SOCK_TCP_ALLOCATED,
  SOCK_TCP_ORPHAN,
  SOCK_TCP_TIME_WAIT,
  SOCK_USED,
  SOFTNET_DROPPED,
  SOFTNET_PROCESSED,
  SOFTNET_TIME_SQUEEZE,
  TCP_ESTABLISHED,
  TCPEXT_MIB_EVENTS,
  TCPEXT_MIB_TIME,
  UDP_MIB_EVENTS,
} from '../../semconv/generated/registry.js';

type Attrs = Record<string, string | number>;

function agentValue(snap: Snapshot, inode: number, metric: string, attrs: Attrs = {}): number | undefined {
  for (const e of snap.entries) {
    if (e.target.netnsInode !== inode) continue;
    const s = e.samples.find(
      (x: MetricSample) => x.metric.name === metric && Object.entries(attrs).every(([k, v]) => x.attributes[k] === v),
    );
    if (s) return s.value as number;
  }
  return undefined;
}

/** `nstat -asz` inside a namespace: absolute values, history not updated, zeros included. No traffic. */
async function nstat(ns: Netns): Promise<Map<string, number>> {
  const r = await ns.execOk('nstat', ['-asz'], { timeoutMs: 10_000 });
  const m = new Map<string, number>();
  for (const line of r.stdout.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 2 && /^\d+$/.test(f[1]!)) m.set(f[0]!, Number(f[1]));
  }
  return m;
}

interface SsSummary {
  total: number;
  tcpAlloc: number;
  estab: number;
  orphaned: number;
  timewait: number;
  transport: Record<string, [number, number]>;
}
/** `ss -s` inside a namespace (sockstat and snmp CurrEstab, read without traffic). */
async function ssSummary(ns: Netns): Promise<SsSummary> {
  const out = (await ns.execOk('ss', ['-s'], { timeoutMs: 10_000 })).stdout;
  const tcp = /^TCP:\s+(\d+) \(estab (\d+), closed \d+, orphaned (\d+), timewait (\d+)\)/m.exec(out);
  const total = /^Total: (\d+)/m.exec(out);
  assert.ok(tcp && total, `unexpected ss -s output: ${out}`);
  const transport: Record<string, [number, number]> = {};
  for (const m of out.matchAll(/^(RAW|UDP|TCP|FRAG)\s+\d+\s+(\d+)\s+(\d+)/gm))
    transport[m[1]!] = [Number(m[2]), Number(m[3])];
  return {
    total: Number(total[1]),
    tcpAlloc: Number(tcp[1]),
    estab: Number(tcp[2]),
    orphaned: Number(tcp[3]),
    timewait: Number(tcp[4]),
    transport,
  };
}

/** `conntrack -S` (per CPU) summed, inside a namespace. */
async function conntrackS(ns: Netns): Promise<Map<string, number>> {
  const out = (await ns.execOk('conntrack', ['-S'], { timeoutMs: 10_000 })).stdout;
  const m = new Map<string, number>();
  for (const kv of out.matchAll(/(\w+)=(\d+)/g))
    if (kv[1] !== 'cpu') m.set(kv[1]!, (m.get(kv[1]!) ?? 0) + Number(kv[2]));
  return m;
}

async function conntrackC(ns: Netns): Promise<number> {
  return Number((await ns.execOk('conntrack', ['-C'], { timeoutMs: 10_000 })).stdout.trim());
}

const promValue = (s: PromTextSample[], name: string, labels: Record<string, string> = {}): number | undefined =>
  s.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))?.value;

/** Compares one value; returns 'exact' when the peer did not move, 'bracket' when it did. */
class Comparison {
  exact = 0;
  bracketed = 0;
  readonly failures: string[] = [];
  check(
    what: string,
    before: number | undefined,
    agent: number | undefined,
    after: number | undefined,
    kind: 'counter' | 'level' = 'counter',
  ): void {
    if (before === undefined || after === undefined) {
      this.failures.push(`${what}: peer has no value`);
      return;
    }
    if (agent === undefined) {
      this.failures.push(`${what}: agent has no value (peer ${before})`);
      return;
    }
    if (before === after) {
      if (agent === before) this.exact++;
      else this.failures.push(`${what}: agent ${agent} ≠ peer ${before}`);
      return;
    }
    const lo = Math.min(before, after);
    const hi = Math.max(before, after);
    if (kind === 'counter' && after < before) {
      this.failures.push(`${what}: peer counter went backwards ${before} → ${after}`);
      return;
    }
    if (agent >= lo && agent <= hi) this.bracketed++;
    else this.failures.push(`${what}: agent ${agent} outside the peer's ${before} … ${after}`);
  }
}

const nstatName = (s: MibSpec): string => `${s.group}${s.field}`;
/** Fields nstat does not print (constants and levels). */
const NSTAT_SKIPS = new Set(['IpForwarding', 'IpDefaultTTL', 'TcpCurrEstab']);

/** The generic MIB metrics (one per unit) and a sample's value back in the kernel's unit (*Chrono: ms). */
const GENERIC = [TCPEXT_MIB_EVENTS, TCPEXT_MIB_TIME, IP_MIB_EVENTS, IP_MIB_IO, UDP_MIB_EVENTS];
const kernelUnits = (s: { metric: { unit: string }; value: unknown }): number =>
  s.metric.unit === 's' ? Math.round((s.value as number) * 1000) : (s.value as number);

describe('procfs probes: conformance with node_exporter, nstat, ss and conntrack in test namespaces', function () {
  this.timeout(180_000);
  let left: Netns;
  let right: Netns;
  let pod: TestPod;
  let disposePair: (() => Promise<void>) | undefined;
  const exporters: NodeExporter[] = [];
  const kept: ChildProcess[] = [];
  let scheduler: Scheduler;
  let snap: Snapshot;
  const peersBefore = new Map<
    string,
    { ne: PromTextSample[]; nstat: Map<string, number>; ss: SsSummary; ct: Map<string, number>; ctCount: number }
  >();
  const peersAfter = new Map<string, typeof peersBefore extends Map<string, infer V> ? V : never>();
  let hostInode = 0;

  before(async () => {
    const pair = await createLinkedPair(['cfl', 'cfr']);
    left = pair.left;
    right = pair.right;
    disposePair = pair.dispose;
    pod = await createPod({ label: 'cfp' });
    // Quiet links: no IPv6 router solicitations or DAD moving counters between reads.
    for (const ns of [left, right]) {
      await ns.execOk('sysctl', [
        '-q',
        '-w',
        'net.ipv6.conf.all.disable_ipv6=1',
        'net.ipv6.conf.default.disable_ipv6=1',
      ]);
    }
    // The pod keeps IPv6 on lo only (its IPv6 series appear once it used IPv6; see below).
    await pod.netns.execOk('sysctl', [
      '-q',
      '-w',
      `net/ipv6/conf/${pod.veth!.b}/disable_ipv6=1`,
      'net/ipv6/conf/default/disable_ipv6=1',
    ]);
    // conntrack on in `right`: an nftables rule that looks at ct state.
    await right.execOk('nft', [
      'add table inet ksotel; add chain inet ksotel in { type filter hook input priority 0; }; add rule inet ksotel in ct state invalid drop',
    ]);

    // Real traffic, bounded.
    const tcp = await tcpTransfer(left, right, pair.veth.addrB, { bytes: 2_000_000, timeoutMs: 10_000 });
    assert.equal(tcp.receivedBytes, 2_000_000);
    const udp = await sendUdp(left, right, pair.veth.addrB, { count: 300, size: 200, timeoutMs: 10_000 });
    assert.equal(udp.received, 300);
    assert.equal(await tcpConnect(left, pair.veth.addrB, 9, 3000), 'refused');
    const lo = await sendUdp(pod.netns, pod.netns, '127.0.0.1', { count: 50, size: 64, timeoutMs: 5000 });
    assert.equal(lo.received, 50);
    const lo6 = await sendUdp(pod.netns, pod.netns, '::1', { count: 40, size: 64, timeoutMs: 5000 });
    assert.equal(lo6.received, 40);
    // A UDP datagram to a closed port (NoPorts on `right`).
    await left.execOk(
      process.execPath,
      ['-e', `const s=require('node:dgram').createSocket('udp4');s.send('x',9,'${pair.veth.addrB}',()=>s.close())`],
      { timeoutMs: 5000 },
    );
    // One long-lived established connection left → right (CurrEstab, ss estab, tcp inuse).
    const srv = spawn(
      'ip',
      [
        'netns',
        'exec',
        right.name,
        process.execPath,
        '-e',
        `require('node:net').createServer((c)=>{c.on('error',()=>{})}).listen(7070,'${pair.veth.addrB}',()=>console.log('ready'));setTimeout(()=>process.exit(0),120000)`,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    kept.push(srv);
    await new Promise<void>((res) => srv.stdout!.once('data', () => res()));
    const cli = spawn(
      'ip',
      [
        'netns',
        'exec',
        left.name,
        process.execPath,
        '-e',
        `const c=require('node:net').connect(7070,'${pair.veth.addrB}',()=>console.log('ready'));c.on('error',()=>{});setTimeout(()=>process.exit(0),120000)`,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    kept.push(cli);
    await new Promise<void>((res) => cli.stdout!.once('data', () => res()));
    // I/O with a known volume inside the pod: dd is reaped by sh, whose pid then becomes `sleep`.
    const io = spawn(
      'ip',
      [
        'netns',
        'exec',
        pod.netns.name,
        'sh',
        '-c',
        'dd if=/dev/zero of=/dev/null bs=65536 count=100 2>/dev/null; exec sleep 120',
      ],
      { stdio: 'ignore' },
    );
    kept.push(io);
    // Open sockets with a known count inside the pod.
    const fdp = spawn(
      'ip',
      [
        'netns',
        'exec',
        pod.netns.name,
        process.execPath,
        '-e',
        `const d=require('node:dgram');const a=[];for(let i=0;i<7;i++){const s=d.createSocket('udp4');s.bind(0,'127.0.0.1');a.push(s)}setTimeout(()=>console.log('ready'),200);setTimeout(()=>process.exit(0),120000)`,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    kept.push(fdp);
    await new Promise<void>((res) => fdp.stdout!.once('data', () => res()));
    await sleep(300);

    for (const ns of [left, right, pod.netns]) exporters.push(await startNodeExporter(ns));

    const probes = ['netdev', 'sock', 'tcp', 'udp', 'ip', 'tcpext', 'softnet', 'io', 'fd', 'conntrack', 'ipvs'].map(
      (name) => ({
        probe: METRIC_PROBES.get(name)!.create(),
        options: ['udp', 'ip', 'tcpext'].includes(name) ? { fields: ['*'] } : {},
      }),
    );
    scheduler = new Scheduler({
      intervalMs: 15_000,
      procRoot: '/proc',
      probes,
      log: silentLogger,
      discover: () => discoverTargets({ procRoot: '/proc', netnsDir: '/run/netns', selfOnly: false }),
    });
    await scheduler.startProbes();
    await scheduler.runCycle(); // warm-up (JIT, page size)

    const nss = [left, right, pod.netns];
    const readPeers = async (into: typeof peersBefore): Promise<void> => {
      for (const [i, ns] of nss.entries()) {
        const ne = (await exporters[i]!.scrape()).samples;
        into.set(ns.name, {
          ne,
          nstat: await nstat(ns),
          ss: await ssSummary(ns),
          ct: await conntrackS(ns),
          ctCount: await conntrackC(ns),
        });
      }
    };
    await readPeers(peersBefore);
    // The peers' own netlink sockets (ss, conntrack) are freed after an RCU grace period and count in
    // "sockets: used" until then: let them go before the agent reads.
    await sleep(300);
    snap = await scheduler.runCycle();
    await sleep(300);
    // Read in reverse order so each namespace's two reads are as close as possible to the agent's.
    for (const [i, ns] of [...nss.entries()].reverse()) {
      peersAfter.set(ns.name, {
        ctCount: await conntrackC(ns),
        nstat: await nstat(ns),
        ss: await ssSummary(ns),
        ct: await conntrackS(ns),
        ne: (await exporters[i]!.scrape()).samples,
      });
    }
    hostInode = snap.targets.find((t) => t.kind === 'host')!.netnsInode;
  });

  after(async () => {
    await scheduler?.stop();
    for (const e of exporters) await e.stop();
    for (const k of kept) await stopPid(k.pid, 2000);
    await disposePair?.();
    await pod?.dispose();
    await cleanupAll();
  });

  const each = (fn: (ns: Netns, label: string) => void): void => {
    for (const label of ['left', 'right', 'pod'])
      it(`${label}`, () => fn(label === 'left' ? left : label === 'right' ? right : pod.netns, label));
  };

  describe('tcp, udp, ip, tcpext (named metrics and every generic field) = nstat -asz', () => {
    each((ns) => {
      const c = new Comparison();
      const b = peersBefore.get(ns.name)!.nstat;
      const a = peersAfter.get(ns.name)!.nstat;
      // IPv6 series appear once the namespace used IPv6 (probe option ipv6: when-used).
      const v6used = (b.get('Ip6InReceives') ?? 0) + (b.get('Ip6OutRequests') ?? 0) > 0;
      assert.equal(
        agentValue(snap, ns.inode, 'kubeskoop.ip.receives', { 'network.type': 'ipv6' }) !== undefined,
        v6used,
      );
      if (ns === pod.netns) {
        assert.ok(v6used, 'the pod sent UDP over ::1');
        assert.ok(
          agentValue(snap, ns.inode, 'kubeskoop.udp.datagrams', {
            'network.type': 'ipv6',
            'network.io.direction': 'receive',
          })! >= 40,
        );
      }
      for (const s of [...TCP_SPECS, ...UDP_SPECS, ...IP_SPECS_V4, ...IP_SPECS_V6, ...TCPEXT_SPECS]) {
        const n = nstatName(s);
        if (NSTAT_SKIPS.has(n)) continue;
        if (!v6used && (s.group === 'Ip6' || s.group === 'Udp6')) continue;
        c.check(n, b.get(n), agentValue(snap, ns.inode, s.metric.name, s.attributes as Attrs), a.get(n));
      }
      // Generic kubeskoop.mib.* (fields: ['*']): every field nstat prints for those groups.
      let generic = 0;
      for (const e of snap.entries) {
        if (e.target.netnsInode !== ns.inode) continue;
        for (const s of e.samples) {
          if (!GENERIC.includes(s.metric)) continue;
          const n = `${s.attributes['kubeskoop.mib.group']}${s.attributes['kubeskoop.mib.field']}`;
          if (!b.has(n)) continue; // nstat hides some (IcmpMsg types it has not seen)
          generic++;
          c.check(n, b.get(n), kernelUnits(s), a.get(n));
        }
      }
      assert.ok(generic > 150, `only ${generic} generic fields compared`);
      assert.deepEqual(c.failures, []);
      assert.ok(c.exact > 0.9 * (c.exact + c.bracketed), `${c.exact} exact, ${c.bracketed} bracketed`);
    });
  });

  describe('netdev (bytes, packets, errors, drops per interface and direction) = node_exporter in the same namespace', () => {
    // node_exporter parses /proc/net/dev with its own code (procfs), so this is netdev's oracle
    // independent of the agent's parseNetDev; its scrapes run over the namespace's lo, which the
    // before/after bracket absorbs.
    const FIELDS = [
      ['bytes', NETDEV_IO],
      ['packets', NETDEV_PACKET_COUNT],
      ['errs', NETDEV_ERRORS],
      ['drop', NETDEV_PACKET_DROPPED],
    ] as const;
    each((ns) => {
      const c = new Comparison();
      const b = peersBefore.get(ns.name)!.ne;
      const a = peersAfter.get(ns.name)!.ne;
      const entry = snap.entries.find((e) => e.probe === 'netdev' && e.target.netnsInode === ns.inode);
      assert.ok(entry, `netdev ran for ${ns.name}`);
      const ifaceOf = (x: MetricSample): unknown =>
        x.attributes['network.interface.name'] ?? x.attributes['system.device.name'];
      const devices = [
        ...new Set(b.filter((x) => x.name === 'node_network_receive_bytes_total').map((x) => x.labels.device!)),
      ].sort();
      assert.deepEqual([...new Set(entry.samples.map(ifaceOf))].sort(), devices, 'the same interfaces');
      assert.ok(devices.includes('lo') && devices.length >= 2, devices.join());
      for (const device of devices) {
        for (const direction of ['receive', 'transmit'] as const) {
          for (const [field, metric] of FIELDS) {
            const m = metric[entry.target.kind];
            const agent = entry.samples.find(
              (x) => x.metric === m && ifaceOf(x) === device && x.attributes['network.io.direction'] === direction,
            );
            const what = `node_network_${direction}_${field}_total`;
            c.check(
              `${what}{device="${device}"}`,
              promValue(b, what, { device }),
              agent?.value as number | undefined,
              promValue(a, what, { device }),
            );
          }
        }
      }
      assert.deepEqual(c.failures, []);
      assert.equal(c.exact + c.bracketed, devices.length * 2 * FIELDS.length);
    });
  });

  describe('tcp, udp, ip, tcpext, sock, softnet, conntrack = node_exporter in the same namespace', () => {
    each((ns) => {
      const c = new Comparison();
      const b = peersBefore.get(ns.name)!.ne;
      const a = peersAfter.get(ns.name)!.ne;
      const cmp = (
        what: string,
        metric: string,
        attrs: Attrs,
        inode = ns.inode,
        kind: 'counter' | 'level' = 'counter',
        labels: Record<string, string> = {},
      ): void =>
        c.check(
          what,
          promValue(b, what, labels),
          agentValue(snap, inode, metric, attrs),
          promValue(a, what, labels),
          kind,
        );
      /** Levels node_exporter reads while its own scrape connection is open (client and server
       *  socket, both established, inside the namespace): it sees up to `own` more than the agent,
       *  whose read falls between scrapes. Checked exactly against the quiet peers (nstat, ss). */
      const withScrape = (what: string, metric: string, own: number, attrs: Attrs = {}): void => {
        const agent = agentValue(snap, ns.inode, metric, attrs);
        for (const v of [promValue(b, what), promValue(a, what)]) {
          if (agent === undefined || v === undefined || v < agent || v > agent + own)
            c.failures.push(`${what}: node_exporter ${v}, agent ${agent} (+ at most ${own} of the scrape's own)`);
          else c.bracketed++;
        }
      };
      const v6used =
        (promValue(b, 'node_netstat_Ip6_InReceives') ?? 0) + (promValue(b, 'node_netstat_Ip6_OutRequests') ?? 0) > 0;
      for (const s of [...TCP_SPECS, ...UDP_SPECS, ...IP_SPECS_V4, ...IP_SPECS_V6, ...TCPEXT_SPECS]) {
        if (!v6used && (s.group === 'Ip6' || s.group === 'Udp6')) continue;
        if (s.field === 'CurrEstab') {
          withScrape('node_netstat_Tcp_CurrEstab', s.metric.name, 2);
          continue;
        }
        const level = s.field === 'Forwarding' || s.field === 'DefaultTTL';
        cmp(
          `node_netstat_${s.group}_${s.field}`,
          s.metric.name,
          s.attributes as Attrs,
          ns.inode,
          level ? 'level' : 'counter',
        );
      }
      // sockstat: per namespace
      withScrape('node_sockstat_sockets_used', SOCK_USED.name, 4);
      withScrape('node_sockstat_TCP_inuse', SOCK_COUNT.name, 2, { 'network.transport': 'tcp', 'network.type': 'ipv4' });
      cmp('node_sockstat_TCP_tw', SOCK_TCP_TIME_WAIT.name, {}, ns.inode, 'level');
      for (const [line, proto] of [
        ['UDP', 'udp'],
        ['UDPLITE', 'udplite'],
        ['RAW', 'raw'],
      ] as const) {
        cmp(
          `node_sockstat_${line}_inuse`,
          SOCK_COUNT.name,
          { 'network.transport': proto, 'network.type': 'ipv4' },
          ns.inode,
          'level',
        );
      }
      cmp('node_sockstat_FRAG_inuse', SOCK_FRAG_QUEUES.name, { 'network.type': 'ipv4' }, ns.inode, 'level');
      // sockstat: node-wide values are reported with the host namespace only
      assert.equal(agentValue(snap, ns.inode, SOCK_TCP_ORPHAN.name), undefined);
      // Node-wide values (orphan, alloc, mem) move with every TCP socket of this shared machine:
      // checked below against back-to-back reads of the file. Here: node_exporter's page size (its
      // mem_bytes ÷ mem) is the one the agent multiplies by.
      for (const proto of ['TCP', 'UDP']) {
        const pages = promValue(b, `node_sockstat_${proto}_mem`);
        const bytes = promValue(b, `node_sockstat_${proto}_mem_bytes`);
        if (pages) assert.equal(bytes! / pages, pageSize().bytes);
      }
      // softnet: node-wide, per CPU, on the host target
      const cpus = b.filter((x) => x.name === 'node_softnet_processed_total').map((x) => x.labels['cpu']!);
      assert.ok(cpus.length > 0);
      for (const cpu of cpus) {
        const at = { 'cpu.logical_number': Number(cpu) };
        cmp('node_softnet_processed_total', SOFTNET_PROCESSED.name, at, hostInode, 'counter', { cpu });
        cmp('node_softnet_dropped_total', SOFTNET_DROPPED.name, at, hostInode, 'counter', { cpu });
        cmp('node_softnet_times_squeezed_total', SOFTNET_TIME_SQUEEZE.name, at, hostInode, 'counter', { cpu });
      }
      assert.equal(
        agentValue(snap, ns.inode, SOFTNET_PROCESSED.name, { 'cpu.logical_number': 0 }),
        undefined,
        'softnet is reported once, with the host',
      );
      // conntrack
      cmp('node_nf_conntrack_entries', CONNTRACK_ENTRIES.name, {}, ns.inode, 'level');
      // node-wide: the agent reports the limit on the host target only (entity host in the registry)
      assert.equal(
        agentValue(snap, ns.inode, CONNTRACK_LIMIT.name),
        undefined,
        'no node-wide limit on a namespace target',
      );
      cmp('node_nf_conntrack_entries_limit', CONNTRACK_LIMIT.name, {}, hostInode, 'level');
      for (const [col, m] of [
        ['found', CONNTRACK_FOUND],
        ['invalid', CONNTRACK_INVALID],
        ['ignore', CONNTRACK_IGNORED],
        ['insert', CONNTRACK_INSERTS],
        ['insert_failed', CONNTRACK_INSERT_FAILURES],
        ['drop', CONNTRACK_DROPS],
        ['early_drop', CONNTRACK_EARLY_DROPS],
        ['search_restart', CONNTRACK_SEARCH_RESTARTS],
      ] as const) {
        cmp(`node_nf_conntrack_stat_${col}`, m.name, {});
      }
      // and every generic kubeskoop.mib.* field (node_exporter runs with --collector.netstat.fields=.*)
      for (const e of snap.entries) {
        if (e.target.netnsInode !== ns.inode) continue;
        for (const s of e.samples) {
          if (!GENERIC.includes(s.metric)) continue;
          const n = `node_netstat_${s.attributes['kubeskoop.mib.group']}_${s.attributes['kubeskoop.mib.field']}`;
          if (promValue(b, n) === undefined) continue; // node_exporter 1.5 drops some groups (IcmpMsg)
          c.check(n, promValue(b, n), kernelUnits(s), promValue(a, n));
        }
      }
      assert.deepEqual(c.failures, []);
      assert.ok(c.exact + c.bracketed > 250, `${c.exact} exact + ${c.bracketed} bracketed`);
    });
  });

  describe('sock = ss -s; conntrack = conntrack -S / -C', () => {
    each((ns, label) => {
      const c = new Comparison();
      const b = peersBefore.get(ns.name)!;
      const a = peersAfter.get(ns.name)!;
      c.check('ss Total', b.ss.total, agentValue(snap, ns.inode, SOCK_USED.name), a.ss.total, 'level');
      c.check(
        'ss timewait',
        b.ss.timewait,
        agentValue(snap, ns.inode, SOCK_TCP_TIME_WAIT.name),
        a.ss.timewait,
        'level',
      );
      c.check('ss estab', b.ss.estab, agentValue(snap, ns.inode, TCP_ESTABLISHED.name), a.ss.estab, 'level');
      for (const [line, proto] of [
        ['RAW', 'raw'],
        ['UDP', 'udp'],
        ['TCP', 'tcp'],
      ] as const) {
        c.check(
          `ss ${line} IP`,
          b.ss.transport[line]![0],
          agentValue(snap, ns.inode, SOCK_COUNT.name, { 'network.transport': proto, 'network.type': 'ipv4' }),
          a.ss.transport[line]![0],
          'level',
        );
      }
      c.check(
        'ss FRAG IP',
        b.ss.transport['FRAG']![0],
        agentValue(snap, ns.inode, SOCK_FRAG_QUEUES.name, { 'network.type': 'ipv4' }),
        a.ss.transport['FRAG']![0],
        'level',
      );
      for (const [col, m] of [
        ['found', CONNTRACK_FOUND],
        ['invalid', CONNTRACK_INVALID],
        ['insert', CONNTRACK_INSERTS],
        ['insert_failed', CONNTRACK_INSERT_FAILURES],
        ['drop', CONNTRACK_DROPS],
        ['early_drop', CONNTRACK_EARLY_DROPS],
        ['error', CONNTRACK_ICMP_ERRORS],
        ['search_restart', CONNTRACK_SEARCH_RESTARTS],
        ['clash_resolve', CONNTRACK_CLASH_RESOLVES],
      ] as const) {
        c.check(`conntrack -S ${col}`, b.ct.get(col), agentValue(snap, ns.inode, m.name), a.ct.get(col));
      }
      assert.deepEqual(c.failures, []);
      if (label === 'left')
        assert.ok(agentValue(snap, ns.inode, TCP_ESTABLISHED.name)! >= 1, 'the kept connection is established');
    });
    it('right: conntrack tracks the traffic (entries > 0, = conntrack -C)', () => {
      const agent = agentValue(snap, right.inode, CONNTRACK_ENTRIES.name)!;
      assert.ok(agent > 0, 'the nftables ct rule makes the namespace track connections');
      const c = new Comparison();
      c.check(
        'conntrack -C',
        peersBefore.get(right.name)!.ctCount,
        agent,
        peersAfter.get(right.name)!.ctCount,
        'level',
      );
      assert.deepEqual(c.failures, []);
    });
  });

  it('sock: node-wide TCP orphan, alloc and TCP/UDP mem (bytes) = /proc/net/sockstat read just before and after', () => {
    const host = snap.targets.find((t) => t.kind === 'host')!;
    const probe = METRIC_PROBES.get('sock')!.create();
    const ctx = { procRoot: '/proc', log: silentLogger, options: {} };
    const tcpLine = (): string =>
      /^TCP: .*$/m.exec(readFileSync(`/proc/${host.pid}/net/sockstat`, 'latin1'))![0] +
      /^UDP: .*$/m.exec(readFileSync(`/proc/${host.pid}/net/sockstat`, 'latin1'))![0];
    for (let attempt = 0; attempt < 200; attempt++) {
      const l1 = tcpLine();
      const r = probe.collect(host, ctx) as ProbeResult;
      const l2 = tcpLine();
      if (l1 !== l2) continue; // a socket came or went on the machine meanwhile
      const m = /orphan (\d+) tw \d+ alloc (\d+) mem (\d+)UDP: inuse \d+ mem (\d+)/.exec(l1)!;
      const v = (metric: string, a: Attrs = {}): number | undefined =>
        r.samples.find(
          (x) => x.metric.name === metric && Object.entries(a).every(([k, val]) => x.attributes[k] === val),
        )?.value as number | undefined;
      assert.equal(v(SOCK_TCP_ORPHAN.name), Number(m[1]));
      assert.equal(v(SOCK_TCP_ALLOCATED.name), Number(m[2]));
      assert.equal(v(SOCK_MEMORY.name, { 'network.transport': 'tcp' }), Number(m[3]) * pageSize().bytes);
      assert.equal(v(SOCK_MEMORY.name, { 'network.transport': 'udp' }), Number(m[4]) * pageSize().bytes);
      // and a pod's namespace shows the same node-wide TCP line (so the agent reports it once, with the host)
      assert.equal(agentValue(snap, pod.netns.inode, SOCK_TCP_ALLOCATED.name), undefined);
      return;
    }
    assert.fail('sockstat never stood still across one collect in 200 tries');
  });

  describe('io and fd = /proc/<pid>/{io,fd} of `ip netns pids`', () => {
    it("pod: io sums every process, including a reaped child's I/O (dd under sh)", async () => {
      const pids = (await runOk('ip', ['netns', 'pids', pod.netns.name])).stdout.trim().split(/\s+/);
      const sh = await runOk('sh', [
        '-c',
        `for p in ${pids.join(' ')}; do cat /proc/$p/io 2>/dev/null; done | awk -F': ' '{s[$1]+=$2} END {print s["rchar"], s["wchar"], s["syscr"], s["syscw"], s["read_bytes"], s["write_bytes"]}'`,
      ]);
      const [rchar, wchar, syscr, syscw, rb, wb] = sh.stdout.trim().split(' ').map(Number);
      const v = (m: string, a: Attrs): number => agentValue(snap, pod.netns.inode, m, a)!;
      // dd copied 100 × 64 KiB from /dev/zero to /dev/null: at least that much on both sides.
      assert.ok(v(IO_SYSCALL_BYTES.name, { 'kubeskoop.io.direction': 'read' }) >= 100 * 65536);
      assert.ok(v(IO_SYSCALL_BYTES.name, { 'kubeskoop.io.direction': 'write' }) >= 100 * 65536);
      assert.ok(v(IO_SYSCALLS.name, { 'kubeskoop.io.direction': 'write' }) >= 100);
      // The processes are idle now (sleep, cat, node waiting): the reads must agree up to the later read being later.
      assert.ok(
        rchar! >= v(IO_SYSCALL_BYTES.name, { 'kubeskoop.io.direction': 'read' }) &&
          wchar! >= v(IO_SYSCALL_BYTES.name, { 'kubeskoop.io.direction': 'write' }),
      );
      assert.ok(
        syscr! >= v(IO_SYSCALLS.name, { 'kubeskoop.io.direction': 'read' }) &&
          syscw! >= v(IO_SYSCALLS.name, { 'kubeskoop.io.direction': 'write' }),
      );
      assert.equal(v(IO_DISK_IO.name, { 'disk.io.direction': 'read' }), rb);
      assert.equal(v(IO_DISK_IO.name, { 'disk.io.direction': 'write' }), wb);
      // node_exporter keeps serving, so allow only its own small drift
      assert.ok(wchar! - v(IO_SYSCALL_BYTES.name, { 'kubeskoop.io.direction': 'write' }) < 1_000_000);
    });
    it('pod: fd counts descriptors and distinct sockets of every process', async () => {
      const pids = (await runOk('ip', ['netns', 'pids', pod.netns.name])).stdout.trim().split(/\s+/);
      const fds = await runOk('sh', ['-c', `for p in ${pids.join(' ')}; do ls /proc/$p/fd 2>/dev/null; done | wc -l`]);
      const socks = await runOk('sh', [
        '-c',
        `for p in ${pids.join(' ')}; do ls -l /proc/$p/fd 2>/dev/null; done | grep -o 'socket:\\[[0-9]*\\]' | sort -u | wc -l`,
      ]);
      const agentFds = agentValue(snap, pod.netns.inode, FD_OPEN.name)!;
      const agentSocks = agentValue(snap, pod.netns.inode, FD_SOCKETS.name)!;
      assert.ok(agentSocks >= 7, `the 7 UDP sockets (got ${agentSocks})`);
      // node_exporter may have an idle keep-alive socket open or not between reads: ±2.
      assert.ok(
        Math.abs(agentSocks - Number(socks.stdout.trim())) <= 2,
        `agent ${agentSocks}, ls ${socks.stdout.trim()}`,
      );
      assert.ok(Math.abs(agentFds - Number(fds.stdout.trim())) <= 4, `agent ${agentFds}, ls ${fds.stdout.trim()}`);
    });
  });

  describe('degraded probes say why', () => {
    it('ipvs: this kernel has no IPVS → degraded with the path and the reason; no samples', function () {
      const st = scheduler.probeStatus('ipvs')!;
      if (st.state === 'running')
        skipBecause(this, 'this kernel has IPVS: the ipvs probe runs, so there is no degraded state to check');
      assert.equal(st.state, 'degraded');
      assert.match(st.reason!, /^IPVS is not available: \/proc\/1\/net\/ip_vs_stats does not exist; /);
      assert.equal(snap.entries.filter((e) => e.probe === 'ipvs').length, 0);
      assert.deepEqual(snap.probes.get('ipvs')!.lastProblems, []);
    });
    it('conntrack is loaded here: running', () => {
      assert.equal(scheduler.probeStatus('conntrack')!.state, 'running');
    });
  });
});

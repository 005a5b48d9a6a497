// The probes this build implements, by canonical name. A probe listed in the registry's catalogue
// but not here is accepted in config and reported as unsupported with a reason.
import { EBPF_PROBES } from '../native/generated/ebpf.js';
import { EBPF_PROBE_MODULES } from './generated/ebpf-modules.js';
import type { MetricProbeModule } from './probe.js';
import { netdev } from './netdev.js';
import { sock } from './sock.js';
import { tcp } from './tcp.js';
import { udp } from './udp.js';
import { ip } from './ip.js';
import { tcpext } from './tcpext.js';
import { softnet } from './softnet.js';
import { io } from './io.js';
import { fd } from './fd.js';
import { conntrack } from './conntrack.js';
import { ipvs } from './ipvs.js';
import { tcpsummary } from './tcpsummary.js';
import { flow } from './flow.js';
import { tcphealth } from './tcphealth.js';
import { dns } from './dns.js';
import { qdisc } from './qdisc.js';

export const METRIC_PROBES: ReadonlyMap<string, MetricProbeModule> = new Map(
  [
    netdev,
    sock,
    tcp,
    udp,
    ip,
    tcpext,
    softnet,
    io,
    fd,
    conntrack,
    ipvs,
    ...EBPF_PROBE_MODULES,
    tcpsummary,
    qdisc,
    flow,
    tcphealth,
    dns,
  ].map((m) => [m.name, m]),
);

/** Probes whose source is the eBPF helper (one descriptor each, bpf/probes/<name>.yaml): listed under
 *  events (records) or metrics (counts only). */
export const NATIVE_PROBE_NAMES: readonly string[] = EBPF_PROBES;

/** Each eBPF probe's kernel records as events. */
export const EVENT_RENDERERS: ReadonlyMap<string, NonNullable<MetricProbeModule['renderEvent']>> = new Map(
  EBPF_PROBE_MODULES.filter((m) => m.renderEvent !== undefined).map((m) => [m.name, m.renderEvent!.bind(m)]),
);

/**
 * Metric probes served by commands of the native helper (not by a loaded event probe): the agent
 * starts the helper when one is enabled. tcpsummary falls back to /proc/<pid>/net/tcp without it;
 * qdisc is degraded without it. None is in the default set (enable them where the helper runs, as
 * KubeSkoop's Helm defaults did): the default set reads procfs, and starts the helper only for its
 * task walk (PROCESS_METRIC_PROBES below), running without it where the helper cannot.
 */
export const HELPER_METRIC_PROBES: readonly string[] = ['tcpsummary', 'qdisc', 'flow', 'tcphealth', 'dns'];

/**
 * Metric probes that read every process of a target each cycle (one file per process). With one of
 * them enabled the agent also starts the helper, outside sidecar mode, for its task walk
 * (bpf/probes/tasks.bpf.c): every process's namespace, cgroup set, parent and io counters in one
 * pass over the kernel's task list, for discovery, identity and these probes alike, instead of a
 * readlink of ns/net and reads of cgroup and io per process. Where the helper cannot run (no BPF,
 * not privileged) they read /proc as before.
 */
export const PROCESS_METRIC_PROBES: readonly string[] = ['io', 'fd'];

/**
 * Enabled when the config names no metric probe: cheap procfs probes only — a few small file reads
 * per namespace per cycle (snmp, snmp6 and netstat are read once and shared by tcp, udp, ip and
 * tcpext), one node-wide read for softnet, and for io each process's counters (from the helper's task
 * walk, or one small read per process without it). conntrack is a plain
 * file read here (KubeSkoop's netlink dump was the costly part) and reports itself degraded where
 * nf_conntrack is not loaded. Opt-in: fd (one readlink per open descriptor of every process) and
 * ipvs (absent on most nodes; enable it where kube-proxy runs in IPVS mode).
 */
export const DEFAULT_METRIC_PROBES: readonly string[] = [
  'netdev',
  'sock',
  'tcp',
  'udp',
  'ip',
  'tcpext',
  'softnet',
  'io',
  'conntrack',
];

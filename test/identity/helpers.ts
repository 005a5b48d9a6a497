// Small helpers shared by the identity integration tests (not a test file).
import { existsSync, mkdtempSync, readdirSync, readlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parsePromText, type PromTextSample } from '../support/prom-text.js';
import { NETDEV_IO } from '../../semconv/generated/registry.js';
import { promName } from '../../semconv/lib/prom-names.js';

export const NODE = 'ksotel-node-1';

/** A config file in a fresh world-readable temp dir. */
export function writeConfig(yaml: string): { file: string; dir: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ksotel-identity-'));
  chmodSync(dir, 0o755);
  const file = path.join(dir, 'config.yaml');
  writeFileSync(file, yaml, { mode: 0o644 });
  return { file, dir };
}

/** The /metrics names of netdev's bytes, one per kind of target (names follow the entity, NAMING.md rule 6). */
export const NETDEV_IO_NAMES = {
  host: promName(NETDEV_IO.host.name, NETDEV_IO.host.instrument, NETDEV_IO.host.unit),
  pod: promName(NETDEV_IO.pod.name, NETDEV_IO.pod.instrument, NETDEV_IO.pod.unit),
  netns: promName(NETDEV_IO.netns.name, NETDEV_IO.netns.instrument, NETDEV_IO.netns.unit),
} as const;

/** The samples of metrics from a /metrics text (default: netdev's bytes, under every target kind's name). */
export function samplesOf(
  text: string,
  names: string | readonly string[] = Object.values(NETDEV_IO_NAMES),
): PromTextSample[] {
  const parsed = parsePromText(text);
  const wanted = new Set(typeof names === 'string' ? [names] : names);
  return parsed.samples.filter((s) => wanted.has(s.name));
}

/** Identity labels by namespace inode (one label set per inode; throws if an inode has two). */
export function identityByInode(samples: readonly PromTextSample[]): Map<string, Record<string, string>> {
  const keys = [
    'k8s_pod_name',
    'k8s_namespace_name',
    'k8s_pod_uid',
    'kubeskoop_target_kind',
    'kubeskoop_netns_name',
    'k8s_node_name',
  ];
  const out = new Map<string, Record<string, string>>();
  for (const s of samples) {
    const inode = s.labels.kubeskoop_netns_inode;
    if (inode === undefined) continue;
    const id: Record<string, string> = {};
    for (const k of Object.keys(s.labels)) if (keys.includes(k) || k.startsWith('k8s_pod_label_')) id[k] = s.labels[k]!;
    const prev = out.get(inode);
    if (prev && JSON.stringify(prev) !== JSON.stringify(id)) {
      throw new Error(
        `inode ${inode} has two identities in one scrape: ${JSON.stringify(prev)} and ${JSON.stringify(id)}`,
      );
    }
    out.set(inode, id);
  }
  return out;
}

/** Open file descriptors of a process, and how many of them are namespaces. */
/** The agent's open fds: all, namespace fds, sockets, and its kept procfs files of processes
 *  (`/proc/<pid>/…`) by whether the process still exists: one kept file per live process of the
 *  machine comes and goes with the machine's processes; one of a process that is gone is a leak. */
export function fdCounts(pid: number): {
  total: number;
  netns: number;
  sockets: number;
  ofLiveProcesses: number;
  ofGoneProcesses: number;
} {
  let total = 0;
  let netns = 0;
  let sockets = 0;
  let ofLiveProcesses = 0;
  let ofGoneProcesses = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    total++;
    try {
      const l = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (l.startsWith('net:[')) netns++;
      if (l.startsWith('socket:[')) sockets++;
      const m = /^\/proc\/(\d+)\//.exec(l);
      if (m) {
        if (existsSync(`/proc/${m[1]}`)) ofLiveProcesses++;
        else ofGoneProcesses++;
      }
    } catch {
      // closed meanwhile
    }
  }
  return { total, netns, sockets, ofLiveProcesses, ofGoneProcesses };
}

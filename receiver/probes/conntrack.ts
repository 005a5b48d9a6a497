// conntrack: /proc/<pid>/net/stat/nf_conntrack of each namespace (per-CPU counters summed; the
// entries column is the namespace's table size, not summed) and the node-wide limit
// /proc/sys/net/netfilter/nf_conntrack_max. Degraded, with the reason, when nf_conntrack is not loaded.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  CONNTRACK_CLASH_RESOLVES,
  CONNTRACK_DROPS,
  CONNTRACK_EARLY_DROPS,
  CONNTRACK_ENTRIES,
  CONNTRACK_FOUND,
  CONNTRACK_ICMP_ERRORS,
  CONNTRACK_IGNORED,
  CONNTRACK_INSERTS,
  CONNTRACK_INSERT_FAILURES,
  CONNTRACK_INVALID,
  CONNTRACK_LIMIT,
  CONNTRACK_SEARCH_RESTARTS,
} from '../../semconv/generated/registry.js';
import type { MetricDefinition } from '../../semconv/types.js';
import type {
  MetricProbe,
  MetricProbeModule,
  MetricSample,
  ProbeContext,
  ProbeResult,
  ProbeStatus,
  SampleAttributes,
} from './probe.js';
import { SampleList } from './sample-list.js';
import { unreadableModuleFile } from './read-failure.js';
import type { Target } from '../targets/target.js';
import { NF_CONNTRACK_KEPT, type ConntrackStatParse } from './parsers/nf-conntrack.js';
import { sharedParse } from './shared-read.js';
import { readProcText } from '../kernel/read-proc.js';
import { procPath } from '../kernel/proc-path.js';

/** Kernel column → metric. Columns a kernel does not print are skipped (clashres is 5.x+). */
export const CONNTRACK_COLUMNS: readonly [string, MetricDefinition][] = [
  ['found', CONNTRACK_FOUND],
  ['invalid', CONNTRACK_INVALID],
  ['ignore', CONNTRACK_IGNORED],
  ['insert', CONNTRACK_INSERTS],
  ['insert_failed', CONNTRACK_INSERT_FAILURES],
  ['drop', CONNTRACK_DROPS],
  ['early_drop', CONNTRACK_EARLY_DROPS],
  ['icmp_error', CONNTRACK_ICMP_ERRORS],
  ['search_restart', CONNTRACK_SEARCH_RESTARTS],
  ['clashres', CONNTRACK_CLASH_RESOLVES],
];

/** One shared empty attribute set: none per sample per cycle, and the exporters' per-object caches hit. */
const NO_ATTRIBUTES: SampleAttributes = {};

/** The samples of one parsed stat/nf_conntrack and the limit, written to `out` (pure with a new list). */
export function conntrackSamples(
  parse: ConntrackStatParse,
  max: number | undefined,
  out: SampleList = new SampleList(),
): { samples: readonly MetricSample[]; problems: string[] } {
  const problems = [...parse.problems];
  if (parse.stat.entries !== undefined) out.add(CONNTRACK_ENTRIES, parse.stat.entries, NO_ATTRIBUTES);
  if (max !== undefined) out.add(CONNTRACK_LIMIT, max, NO_ATTRIBUTES);
  if (parse.stat.cpus > 0) {
    for (const [col, metric] of CONNTRACK_COLUMNS) {
      const v = parse.stat.totals.get(col);
      if (v !== undefined) out.add(metric, v, NO_ATTRIBUTES);
    }
  }
  return { samples: out.samples(), problems };
}

/** Where the probe checks for conntrack at start: pid 1's namespace, else the agent's own. */
function statPathForStart(procRoot: string): string {
  const one = join(procRoot, '1', 'net', 'stat', 'nf_conntrack');
  return existsSync(join(procRoot, '1', 'net')) ? one : join(procRoot, 'self', 'net', 'stat', 'nf_conntrack');
}

export function conntrackAbsentReason(procRoot: string, path: string): string {
  const modules = existsSync(join(procRoot, 'modules'))
    ? 'load it with `modprobe nf_conntrack` (any iptables/nftables rule using conntrack, or kube-proxy, loads it)'
    : 'this kernel cannot load modules (no /proc/modules): it needs CONFIG_NF_CONNTRACK=y';
  return `nf_conntrack is not loaded: ${path} does not exist; ${modules}`;
}

export const conntrack: MetricProbeModule = {
  name: 'conntrack',
  create(): MetricProbe {
    let absent = false;
    let max: { value: number | undefined; at: number } | undefined;
    const readMax = (procRoot: string): number | undefined => {
      const now = performance.now();
      if (max && now - max.at < 1000) return max.value;
      let value: number | undefined;
      for (const p of [
        join(procRoot, 'sys', 'net', 'netfilter', 'nf_conntrack_max'),
        join(procRoot, 'sys', 'net', 'nf_conntrack_max'),
      ]) {
        const r = readProcText(p);
        if (r.ok && /^\d+\s*$/.test(r.text)) {
          value = Number(r.text.trim());
          break;
        }
      }
      max = { value, at: now };
      return value;
    };
    return {
      name: 'conntrack',
      scope: 'netns',
      metrics: [CONNTRACK_ENTRIES, CONNTRACK_LIMIT, ...CONNTRACK_COLUMNS.map(([, m]) => m)],
      async start(ctx: ProbeContext): Promise<ProbeStatus> {
        const path = statPathForStart(ctx.procRoot);
        absent = !existsSync(path);
        return absent ? { state: 'degraded', reason: conntrackAbsentReason(ctx.procRoot, path) } : { state: 'running' };
      },
      collect(target: Target, ctx, list): ProbeResult {
        const r = sharedParse(
          procPath(ctx.procRoot, target.pid, 'net/stat/nf_conntrack'),
          'conntrack',
          NF_CONNTRACK_KEPT,
          target.netnsInode,
        );
        if (!r.ok) return unreadableModuleFile(r, ctx.procRoot, target, absent);
        // The limit is node-wide (entity host in the registry): on the host target only, so that a sum over
        // targets never multiplies it.
        return conntrackSamples(r.value, target.kind === 'host' ? readMax(ctx.procRoot) : undefined, list);
      },
    };
  },
};

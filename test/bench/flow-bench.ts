// What the flow benchmarks (flow.ts: pod veths; flow-hostnet.ts: a hostNetwork pod's cgroup) share:
// the helper started for `flow` commands, the programs loaded with bench options and attached (tc
// targets, and a cgroup for the cgroup_skb programs), kernel.bpf_stats_enabled on while measuring
// and restored after, and BPF ns per program run around some traffic.
import { readFile, writeFile } from 'node:fs/promises';

import { NativeEventSource } from '../../receiver/events/native-source.js';
import { parseFlowFrame } from '../../receiver/native/commands.js';
import { silentLogger } from '../../receiver/log.js';
import { helperProgramIds, runStats } from './bpf-stats.js';

const STATS = '/proc/sys/kernel/bpf_stats_enabled';

export interface FlowBench {
  native: NativeEventSource;
  call(args: string[]): Promise<Record<string, unknown>>;
  /** a fresh map and programs (`load entries=… ...options`), attached to each tc target
   *  (`<netns inode>:<netns path>:<device>`) and, when given, to a cgroup directory */
  load(options: readonly string[], targets: readonly string[], cgroupDir?: string, entries?: number): Promise<void>;
  /** ids of the loaded programs with these names */
  programIds(names: readonly string[]): Promise<number[]>;
  /** BPF ns per run (run_time_ns / run_cnt) of these programs over what `send` makes them run */
  nsPerRun<T>(names: readonly string[], send: () => Promise<T>): Promise<{ nsPerRun: number; runs: number; sent: T }>;
  /** bpf_stats on from here until stop() (or statsOff()) */
  statsOn(): Promise<void>;
  statsOff(): Promise<void>;
  stop(): Promise<void>;
}

export async function startFlowBench(): Promise<FlowBench> {
  const statsBefore = (await readFile(STATS, 'utf8')).trim();
  const native = new NativeEventSource({
    probes: {},
    emitEventsOf: new Set(),
    log: silentLogger,
    helperCommands: true,
  });
  await native.start();
  const call = (args: string[]): Promise<Record<string, unknown>> => native.helperCommand('flow', args);
  const programIds = (names: readonly string[]): Promise<number[]> =>
    helperProgramIds(native.helperStatus().pid!, names);
  return {
    native,
    call,
    programIds,
    async load(options, targets, cgroupDir, entries = 65536) {
      await call(['unload']);
      const l = parseFlowFrame(await call(['load', `entries=${entries}`, ...options]));
      if (!l.ok) throw new Error(l.error);
      if (targets.length > 0) {
        const a = parseFlowFrame(await call(['attach', ...targets]));
        if (!a.ok || a.targets.some((t) => !t.ok)) throw new Error(`attach: ${JSON.stringify(a)}`);
      }
      if (cgroupDir) {
        const c = await call(['cgattach', cgroupDir]);
        if (c.ok !== true) throw new Error(`cgattach: ${JSON.stringify(c)}`);
      }
    },
    async nsPerRun(names, send) {
      const ids = await programIds(names);
      const s0 = await runStats(ids);
      const sent = await send();
      const s1 = await runStats(ids);
      const runs = s1.runs - s0.runs;
      return { nsPerRun: runs > 0 ? (s1.ns - s0.ns) / runs : 0, runs, sent };
    },
    statsOn: () => writeFile(STATS, '1'),
    statsOff: () => writeFile(STATS, statsBefore),
    async stop() {
      await writeFile(STATS, statsBefore).catch(() => undefined);
      await call(['unload']).catch(() => undefined);
      await native.stop();
    },
  };
}

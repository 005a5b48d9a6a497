// Runs the enabled metric probes for all targets once per interval and publishes the result as
// one snapshot. A probe that throws or a namespace that vanishes affects only its own samples.
import { EventEmitter } from 'node:events';
import type { MetricProbe, MetricSample, ProbeContext, ProbeResult, ProbeStatus } from '../probes/probe.js';
import type { Target } from '../targets/target.js';
import type { Discovery } from '../targets/discover.js';
import type { TaskTable } from '../kernel/task-table.js';
import type { Logger } from '../log.js';
import { SampleList } from '../probes/sample-list.js';
import { closeKeptFiles, endKeptCycle } from '../kernel/read-proc.js';
import {
  EMPTY_SNAPSHOT,
  type ProbeErrorKind,
  anyHeld,
  type ProbeRunStats,
  type Snapshot,
  type SnapshotEntry,
  targetLabel,
} from './snapshot.js';

export interface ScheduledProbe {
  readonly probe: MetricProbe;
  readonly options: Readonly<Record<string, unknown>>;
}

export interface SchedulerOptions {
  readonly intervalMs: number;
  readonly procRoot: string;
  readonly probes: readonly ScheduledProbe[];
  /** The cycle's targets (async: from the native helper's task walk when it answers). */
  readonly discover: () => Discovery | Promise<Discovery>;
  /** Where discovery takes the processes from (shown in /status). */
  readonly discoveryStatus?: () => Readonly<Record<string, unknown>>;
  /** Gives targets their identity (pods); identity-less by default. `tasks`: the discovery's task walk. */
  readonly identify?: (targets: readonly Target[], tasks?: TaskTable) => readonly Target[];
  readonly log: Logger;
}

export interface CycleReport {
  readonly snapshot: Snapshot;
  /** Errors counted in this cycle only, per probe and kind (the agent's own error counter). */
  readonly newErrors: ReadonlyMap<string, Readonly<Record<ProbeErrorKind, number>>>;
}

const MAX_PROBLEMS_KEPT = 20;
const YIELD_EVERY_MS = 10;
const zeroErrors = (): Record<ProbeErrorKind, number> => ({ read: 0, parse: 0, target_gone: 0, internal: 0 });

/** One probe's result for one target in a cycle. `list` is always there (undefined when the probe kept
 *  none), so every record has the literal's own hidden class (map): with `...(kept ? { list } : {})` the
 *  records with a list got theirs by a transition that only one cycle's records used, which V8 made
 *  anew after a GC between cycles (--log-maps, test/bench/results/sizing-h21t-*.md). */
interface CollectedResult {
  probe: string;
  target: Target;
  samples: readonly MetricSample[];
  list: SampleList | undefined;
}

export class Scheduler extends EventEmitter<{ cycle: [CycleReport] }> {
  private current: Snapshot = EMPTY_SNAPSHOT;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  private cycleCount = 0;
  private readonly statuses = new Map<string, ProbeStatus>();
  private readonly errorTotals = new Map<string, Record<ProbeErrorKind, number>>();
  private readonly contexts = new Map<string, ProbeContext>();
  private probes: readonly ScheduledProbe[];
  private intervalMs: number;
  private inFlight: Promise<unknown> | undefined;
  /** The current cycle's task walk (what discovery found the targets from), for the probes' contexts. */
  private cycleTasks: TaskTable | undefined;
  /** When a cycle last gave the event loop a turn. */
  private lastYield = 0;
  /** Per probe, per target (netns inode): its samples kept across cycles, and the cycle that last used them. */
  private readonly lists = new Map<MetricProbe, Map<number, { list: SampleList; cycle: number }>>();

  constructor(private readonly opts: SchedulerOptions) {
    super();
    this.probes = opts.probes;
    this.intervalMs = opts.intervalMs;
    for (const sp of opts.probes) this.addProbe(sp);
  }

  private addProbe({ probe, options }: ScheduledProbe): void {
    this.contexts.set(probe.name, {
      procRoot: this.opts.procRoot,
      log: this.opts.log.child({ probe: probe.name }),
      options,
      tasks: () => this.cycleTasks,
    });
    this.statuses.set(probe.name, { state: 'running' });
    if (!this.errorTotals.has(probe.name)) this.errorTotals.set(probe.name, zeroErrors());
  }

  /** Where discovery took the last cycle's processes from (null: not reported). */
  discoveryStatus(): Readonly<Record<string, unknown>> | null {
    return this.opts.discoveryStatus?.() ?? null;
  }

  /** The probes scheduled now (instances and options). */
  scheduledProbes(): readonly ScheduledProbe[] {
    return this.probes;
  }

  /**
   * Replaces the probe set between two cycles (config reload): probes in `probes` whose instance is
   * already scheduled keep running untouched (their state and error counts stay); the others are
   * stopped or started. The interval may change too; the next cycle follows the new one.
   */
  async reconfigure(next: { probes: readonly ScheduledProbe[]; intervalMs?: number }): Promise<void> {
    // Never swap probes under a running cycle; while swapping, a due cycle is skipped.
    while (this.running) await this.inFlight;
    this.running = true;
    const p = this.swapProbes(next).finally(() => {
      this.running = false;
    });
    this.inFlight = p;
    await p;
  }

  private async swapProbes(next: { probes: readonly ScheduledProbe[]; intervalMs?: number }): Promise<void> {
    const keep = new Set(next.probes.map((p) => p.probe));
    const removed = this.probes.filter((p) => !keep.has(p.probe));
    const known = new Set(this.probes.map((p) => p.probe));
    const added = next.probes.filter((p) => !known.has(p.probe));
    for (const { probe } of removed) {
      try {
        await probe.stop?.();
      } catch (err) {
        this.opts.log.warn('probe did not stop cleanly', { probe: probe.name, error: (err as Error).message });
      }
      this.contexts.delete(probe.name);
      this.lists.delete(probe);
      this.statuses.delete(probe.name);
      this.errorTotals.delete(probe.name);
    }
    for (const sp of added) this.addProbe(sp);
    this.probes = next.probes;
    await this.startProbes(added);
    if (next.intervalMs !== undefined && next.intervalMs !== this.intervalMs) {
      this.intervalMs = next.intervalMs;
      if (this.timer && !this.stopped) {
        clearTimeout(this.timer);
        this.scheduleNext();
      }
    }
  }

  get snapshot(): Snapshot {
    return this.current;
  }

  probeStatus(name: string): ProbeStatus | undefined {
    const live = this.probes.find((p) => p.probe.name === name)?.probe.status?.();
    return live ?? this.statuses.get(name);
  }

  /** Starts each probe (a probe that cannot run is marked degraded with its reason). */
  async startProbes(which: readonly ScheduledProbe[] = this.probes): Promise<void> {
    for (const { probe } of which) {
      if (!probe.start) continue;
      const ctx = this.contexts.get(probe.name)!;
      try {
        const status = await probe.start(ctx);
        this.statuses.set(probe.name, status);
        if (status.state !== 'running') {
          this.opts.log.once(`probe-degraded:${probe.name}:${status.reason}`, 'warn', 'probe cannot run fully', {
            probe: probe.name,
            state: status.state,
            reason: status.reason,
          });
        }
      } catch (err) {
        const reason = `start failed: ${(err as Error).message}`;
        this.statuses.set(probe.name, { state: 'degraded', reason });
        this.opts.log.once(`probe-degraded:${probe.name}`, 'warn', 'probe cannot run', { probe: probe.name, reason });
      }
    }
  }

  /** Runs a first cycle now, then one per interval, never two at once. */
  async start(): Promise<void> {
    await this.startProbes();
    await this.runCycle();
    this.scheduleNext();
  }

  private scheduleNext(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runCycle().finally(() => {
        if (!this.timer) this.scheduleNext();
      });
    }, this.intervalMs);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    while (this.running) await this.inFlight;
    for (const { probe } of this.probes) {
      try {
        await probe.stop?.();
      } catch (err) {
        this.opts.log.warn('probe did not stop cleanly', { probe: probe.name, error: (err as Error).message });
      }
    }
    // The procfs files the cycles kept open pin their namespaces: none is held past the agent's stop.
    closeKeptFiles();
  }

  /** One full cycle: discover targets, run every probe, replace the snapshot. */
  async runCycle(): Promise<Snapshot> {
    if (this.running) return this.current;
    this.running = true;
    const p = this.cycle();
    this.inFlight = p;
    return p;
  }

  private async cycle(): Promise<Snapshot> {
    const started = performance.now();
    try {
      const discovery = await this.opts.discover();
      this.cycleTasks = discovery.tasks;
      const targets = this.opts.identify ? this.opts.identify(discovery.targets, discovery.tasks) : discovery.targets;
      const host = targets.find((t) => t.kind === 'host') ?? targets[0];
      // The cycle's results; a kept list's samples are final only when published, at the cycle's end.
      const collected: CollectedResult[] = [];
      const stats = new Map<string, ProbeRunStats>();
      const newErrors = new Map<string, Record<ProbeErrorKind, number>>();
      this.lastYield = performance.now();
      const cycleNo = this.cycleCount + 1;
      for (const { probe } of this.probes) {
        let lists = this.lists.get(probe);
        if (lists === undefined) this.lists.set(probe, (lists = new Map()));
        const status = this.probeStatus(probe.name) ?? { state: 'running' };
        const errors = zeroErrors();
        const problems: string[] = [];
        const probeStart = performance.now();
        if (status.state === 'running' || status.state === 'degraded') {
          const probeTargets = probe.scope === 'node' ? (host ? [host] : []) : targets;
          await this.collectProbe(probe, probeTargets, lists, cycleNo, collected, errors, problems);
        }
        // Targets gone (or not collected): their kept samples go too.
        for (const [inode, kept] of lists) if (kept.cycle !== cycleNo) lists.delete(inode);
        const totals = this.errorTotals.get(probe.name)!;
        for (const k of Object.keys(errors) as ProbeErrorKind[]) totals[k] += errors[k];
        newErrors.set(probe.name, errors);
        if (problems.length > 0) {
          // Once per probe and kind of problem: numbers (pids, inodes, line numbers) do not make a new kind,
          // so namespace churn neither repeats the line every cycle nor grows the logger's memory.
          this.opts.log.once(
            `probe-problems:${probe.name}:${problems[0]!.replace(/\d+/g, '#').slice(0, 200)}`,
            'warn',
            'probe could not read everything',
            { probe: probe.name, problems },
          );
        }
        stats.set(probe.name, {
          probe: probe.name,
          status,
          lastDurationMs: performance.now() - probeStart,
          errors: { ...totals },
          lastProblems: problems,
          lastRunAt: Date.now(),
        });
      }
      // The procfs files this cycle did not read (namespaces and processes gone) are closed.
      endKeptCycle();
      // Published: the kept samples take this cycle's values, in place unless a snapshot is still being
      // read (sample-list.ts). Synchronous from here to the snapshot's replacement.
      const copy = anyHeld();
      const entries: SnapshotEntry[] = [];
      for (const c of collected) {
        const samples = c.list !== undefined ? c.list.publish(copy) : c.samples;
        if (samples.length > 0) entries.push({ probe: c.probe, target: c.target, samples });
      }
      this.cycleCount++;
      this.current = {
        cycle: this.cycleCount,
        takenAt: Date.now(),
        cycleDurationMs: performance.now() - started,
        targets,
        entries,
        probes: stats,
      };
      this.emit('cycle', { snapshot: this.current, newErrors });
      return this.current;
    } catch (err) {
      this.opts.log.error('collection cycle failed', { error: (err as Error).message });
      return this.current;
    } finally {
      this.running = false;
    }
  }

  /** One probe's part of a cycle: its targets collected into `collected`, its errors and problems counted.
   *  A method of its own, not part of cycle(): V8 optimizes it apart, and an optimization of cycle() with
   *  this loop (and what it inlined) took 55–95 ms on the main thread and several MiB of compiler memory
   *  at once (test/bench/results/sizing-h21u-*.md). */
  private async collectProbe(
    probe: MetricProbe,
    probeTargets: readonly Target[],
    lists: Map<number, { list: SampleList; cycle: number }>,
    cycleNo: number,
    collected: CollectedResult[],
    errors: Record<ProbeErrorKind, number>,
    problems: string[],
  ): Promise<void> {
    const ctx = this.contexts.get(probe.name)!;
    try {
      await probe.beforeCycle?.(ctx);
    } catch (err) {
      errors.internal++;
      problems.push(`before the cycle: ${(err as Error).message}`);
    }
    for (const target of probeTargets) {
      // procfs reads are synchronous: give the event loop back every few ms so that
      // scrapes, exports and events are served while hundreds of namespaces are read.
      if (performance.now() - this.lastYield > YIELD_EVERY_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        this.lastYield = performance.now();
      }
      let result: ProbeResult;
      let kept = lists.get(target.netnsInode);
      let list: SampleList;
      if (kept === undefined)
        lists.set(target.netnsInode, (kept = { list: (list = new SampleList()), cycle: cycleNo }));
      // Two targets of one namespace in a cycle (never expected): the second gets its own list.
      else if (kept.cycle === cycleNo) list = new SampleList();
      else {
        kept.cycle = cycleNo;
        list = kept.list.next();
      }
      try {
        // Most probes answer synchronously: no microtask per probe and target for them.
        const r = probe.collect(target, ctx, list);
        result = r instanceof Promise ? await r : r;
      } catch (err) {
        errors.internal++;
        problems.push(`${targetLabel(target)}: ${(err as Error).message}`);
        continue;
      }
      if (result.targetGone) {
        // Namespaces come and go: not an error worth a log line, only a count.
        errors.target_gone++;
        continue;
      }
      if (result.problems.length > 0) {
        errors.parse++;
        for (const p of result.problems)
          if (problems.length < MAX_PROBLEMS_KEPT) problems.push(`${targetLabel(target)}: ${p}`);
      }
      collected.push({
        probe: probe.name,
        target,
        samples: result.samples,
        list: result.samples === list.samples() ? list : undefined,
      });
    }
  }
}

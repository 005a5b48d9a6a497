// The eBPF side of the agent as the rest of it sees it: one native helper for every enabled
// event probe, its kernel events turned into EventRecords (named by the registry, attributed to
// their namespace's target), and its in-kernel counters, made monotonic across helper restarts.
import { EventEmitter } from 'node:events';
import {
  HelperClient,
  diffProbeSelections,
  type CounterSnapshot,
  type HelperClientOptions,
  type HelperStatus,
  type NativeEvent,
  type NativeProbeOptions,
  type ProbeName,
  type ProbeTotals,
  PROBE_NAMES,
} from '../native/index.js';
import { LATENCY_METRIC_PROBE, RECORD_PROBE } from '../native/generated/ebpf.js';
import type { EventRecord } from '../probes/event-record.js';
import { EVENT_RENDERERS } from '../probes/catalog.js';
import { connectionState } from '../kernel/tcp-states.js';
import { withPermissionHint } from '../kernel/capabilities.js';
import type { NativeCount, NativeCounters, ProbeStatus } from '../probes/probe.js';
import type { Logger } from '../log.js';

export type NativeProbe = ProbeName;
export const NATIVE_PROBES: readonly NativeProbe[] = PROBE_NAMES;

/** Which eBPF probes run, and what is done with them. */
export interface NativeSelection {
  readonly probes: Partial<Record<NativeProbe, NativeProbeOptions>>;
  /** Probes whose events go to the sinks (the others are counted only). */
  readonly emitEventsOf: ReadonlySet<NativeProbe>;
  /** Keep the helper running without any probe, for its commands (tcpsummary, qdisc). Default false. */
  readonly helperCommands?: boolean;
}

export interface NativeSourceOptions extends NativeSelection {
  readonly log: Logger;
  readonly helperPath?: string;
}

/** What a reconfigure did (probe names as in the config). */
export interface NativeReconfigureResult {
  readonly loaded: NativeProbe[];
  readonly unloaded: NativeProbe[];
  /** options changed: loaded again, counts carried over */
  readonly reloaded: NativeProbe[];
  readonly kept: NativeProbe[];
  /** probes whose events now go out (`on`) or are now counted only (`off`) */
  readonly eventsOn: NativeProbe[];
  readonly eventsOff: NativeProbe[];
  /** the helper process was started (first probe) or stopped (none left) */
  readonly helper?: 'started' | 'stopped';
}

/** Runs of one loaded eBPF program the kernel skipped (recursion misses), since the agent started. */
export interface SkippedRuns {
  readonly probe: NativeProbe;
  readonly program: string;
  readonly runs: number;
}

/** Skipped runs per probe and program over the programs' loads: a program loaded again (a reload,
 *  a helper restart) has a new id and counts from 0, so what its earlier loads counted is kept. */
export class SkippedRunsTally {
  private readonly byProgram = new Map<
    string,
    { probe: NativeProbe; program: string; id: number; before: number; now: number }
  >();

  absorb(probes: readonly Pick<ProbeTotals, 'probe' | 'programs'>[]): void {
    for (const t of probes) {
      for (const g of t.programs) {
        const k = `${t.probe}\u0000${g.name}`;
        let r = this.byProgram.get(k);
        if (r === undefined)
          this.byProgram.set(k, (r = { probe: t.probe, program: g.name, id: g.id, before: 0, now: 0 }));
        if (r.id !== g.id) {
          r.before += r.now;
          r.id = g.id;
        }
        r.now = g.recursionMisses;
      }
    }
  }

  totals(): readonly SkippedRuns[] {
    return [...this.byProgram.values()].map((r) => ({ probe: r.probe, program: r.program, runs: r.before + r.now }));
  }
}

/** A selection needs the helper process when it has a probe or uses the helper's commands. */
export const needsHelper = (s: NativeSelection): boolean =>
  Object.keys(s.probes).length > 0 || s.helperCommands === true;

/** Kernel event → registry-named EventRecord (without the target's identity), by its probe's module. */
export function toEventRecord(e: NativeEvent): EventRecord | undefined {
  return EVENT_RENDERERS.get(probeOfEvent(e))?.(e);
}

/** The probe a kernel event belongs to (its descriptor's record, or its latency metric). */
export function probeOfEvent(e: NativeEvent): NativeProbe {
  switch (e.type) {
    case 'latency':
      return LATENCY_METRIC_PROBE[e.metric];
    case 'generic':
      return e.probe;
    default:
      return RECORD_PROBE[e.type]!;
  }
}

function countKey(c: NativeCount): string {
  return `${c.probe}|${c.netnsInode}|${c.series}|${Object.entries(c.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}`;
}

export class NativeEventSource
  extends EventEmitter<{ event: [EventRecord, number, NativeProbe] }>
  implements NativeCounters
{
  private readonly client: HelperClient;
  /** Last value seen of each count in the current helper generation. */
  private current = new Map<string, NativeCount>();
  /** Totals carried over from earlier generations, so exported counters never go backwards. */
  private carried = new Map<string, NativeCount>();
  private generation = -1;
  private readonly skipped = new SkippedRunsTally();
  /** a counter dump or a reconfigure in flight (they never overlap: see reconfigure) */
  private refresh: Promise<void> | undefined;
  private lastRefreshAt = 0;
  private sel: NativeSelection;
  /** start() was called and stop() not since (the helper runs, restarts, or gave up) */
  private started = false;

  constructor(private readonly opts: NativeSourceOptions) {
    super();
    this.sel = {
      probes: { ...opts.probes },
      emitEventsOf: new Set(opts.emitEventsOf),
      helperCommands: opts.helperCommands === true,
    };
    const options: HelperClientOptions = {
      probes: opts.probes,
      ...(opts.helperPath ? { helperPath: opts.helperPath } : {}),
    };
    this.client = new HelperClient(options);
    this.client.on('event', (e: NativeEvent) => {
      const probe = probeOfEvent(e);
      if (!this.sel.emitEventsOf.has(probe)) return;
      const r = toEventRecord(e);
      if (r) this.emit('event', r, e.netnsInode, probe);
      else
        opts.log.once(`native-render:${probe}`, 'warn', 'eBPF probe record with no event rendering', {
          probe,
          record: e.type,
        });
    });
    this.client.on('log', (line: string) => opts.log.debug('native helper', { line }));
    this.client.on('problem', (p) =>
      opts.log.once(`native-problem:${p.message}`, 'warn', 'native helper protocol problem', { problem: p.message }),
    );
    this.client.on('status', (s: HelperStatus) => {
      for (const p of NATIVE_PROBES) {
        const ps = s.probes[p];
        if (this.sel.probes[p] !== undefined && ps.state === 'degraded') {
          // Same key as the scheduler's line for the probe's counts: one line per probe and reason.
          const reason = this.probeStatus(p).reason ?? ps.reason;
          opts.log.once(`probe-degraded:${p}:${reason}`, 'warn', 'eBPF probe degraded', { probe: p, reason });
        }
      }
    });
  }

  /** Starts the helper (the agent calls this only when the selection needsHelper). */
  async start(): Promise<void> {
    this.started = true;
    await this.client.start();
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.client.stop();
  }

  /** The selection in force. */
  selection(): NativeSelection {
    return {
      probes: { ...this.sel.probes },
      emitEventsOf: new Set(this.sel.emitEventsOf),
      helperCommands: this.sel.helperCommands === true,
    };
  }

  /**
   * Applies a new selection in place (config reload): probes no longer wanted are unloaded (their
   * counts and series go away), new ones are loaded (their counts start at 0), a probe whose
   * options changed is loaded again with its counts carried over (so its counters stay monotonic,
   * as across a helper restart), and the others are not touched: their programs keep running and
   * their kernel counters keep counting. Changing only which probes emit events reloads nothing.
   * The helper is started for the first probe and stopped when none is left: an idle helper would
   * hold a process, kernel BTF and kallsyms for nothing, and nothing of a removed probe is kept.
   * Throws TypeError, changing nothing, when an option is invalid.
   */
  async reconfigure(next: NativeSelection): Promise<NativeReconfigureResult> {
    const diff = diffProbeSelections(this.sel.probes, next.probes); // validates before any change
    // Never under a counter dump: a dump answered for the old programs must not be absorbed after
    // their counts were carried over (counted twice) or forgotten (brought back).
    while (this.refresh) await this.refresh;
    const work = this.apply(next, diff);
    this.refresh = work
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        this.refresh = undefined;
      });
    return work;
  }

  private async apply(
    next: NativeSelection,
    diff: ReturnType<typeof diffProbeSelections>,
  ): Promise<NativeReconfigureResult> {
    const eventsOn = NATIVE_PROBES.filter(
      (p) =>
        next.probes[p] !== undefined &&
        next.emitEventsOf.has(p) &&
        !(this.sel.probes[p] !== undefined && this.sel.emitEventsOf.has(p)) &&
        !diff.load.includes(p),
    );
    const eventsOff = NATIVE_PROBES.filter(
      (p) =>
        next.probes[p] !== undefined &&
        !next.emitEventsOf.has(p) &&
        this.sel.probes[p] !== undefined &&
        this.sel.emitEventsOf.has(p),
    );
    if (diff.unload.length + diff.reload.length > 0 && this.client.status().state === 'running') {
      // Last counts of the old programs (every count made before this dump is in it; those made
      // between it and the unload, microseconds later, are lost with the maps).
      try {
        this.absorb(await this.client.dumpCounters());
      } catch (err) {
        this.opts.log.warn('could not read the in-kernel counters before a reload', { error: (err as Error).message });
      }
    }
    for (const p of diff.reload) this.carryOver(p);
    for (const p of diff.unload) this.forget(p);
    this.sel = {
      probes: { ...next.probes },
      emitEventsOf: new Set(next.emitEventsOf),
      helperCommands: next.helperCommands === true,
    };
    let helper: 'started' | 'stopped' | undefined;
    if (needsHelper(this.sel) && !this.started) {
      await this.client.setProbes(this.sel.probes); // not running: only remembered
      await this.start();
      helper = 'started';
    } else if (!needsHelper(this.sel) && this.started) {
      await this.client.setProbes(this.sel.probes); // unloads the last probes
      await this.stop();
      this.current = new Map();
      this.carried = new Map();
      helper = 'stopped';
    } else {
      await this.client.setProbes(this.sel.probes);
    }
    return {
      loaded: diff.load,
      unloaded: diff.unload,
      reloaded: diff.reload,
      kept: diff.keep,
      eventsOn,
      eventsOff,
      ...(helper ? { helper } : {}),
    };
  }

  /** A probe loaded again: what its old maps counted becomes carried, its new maps start at 0. */
  private carryOver(probe: NativeProbe): void {
    for (const [k, c] of this.current) {
      if (c.probe !== probe) continue;
      const prev = this.carried.get(k);
      this.carried.set(k, Object.assign({}, c, { count: c.count + (prev?.count ?? 0) }));
      this.current.delete(k);
    }
  }

  /** A probe unloaded: its counts go, so its series leave the snapshot. */
  private forget(probe: NativeProbe): void {
    for (const m of [this.current, this.carried]) for (const [k, c] of m) if (c.probe === probe) m.delete(k);
  }

  probeStatus(probe: NativeProbe): ProbeStatus {
    const s = this.client.status();
    const ps = s.probes[probe];
    if (ps.state === 'running') return { state: 'running' };
    if (ps.state === 'stopped') return { state: 'stopped' };
    if (ps.state === 'starting')
      return { state: 'degraded', reason: 'starting: the native helper is loading its programs' };
    return {
      state: 'degraded',
      reason: withPermissionHint(ps.reason || s.reason || 'the native helper is not running', ps.errno),
    };
  }

  helperStatus(): HelperStatus {
    return this.client.status();
  }

  /** A helper command answered by one JSON frame (tcpsummary, qdisc): see HelperClient.command. */
  helperCommand(
    verb: 'tcpsummary' | 'tasks' | 'qdisc' | 'connections' | 'flow' | 'dns',
    args: readonly string[] = [],
  ): Promise<Record<string, unknown>> {
    return this.client.command(verb, args);
  }

  /** The helper process itself (for probes that use its commands rather than a loaded program). */
  helperState(): ProbeStatus {
    const s = this.client.status();
    if (s.state === 'running') return { state: 'running' };
    if (s.state === 'starting') return { state: 'degraded', reason: 'starting: the native helper is starting' };
    return { state: 'degraded', reason: s.reason || `the native helper is ${s.state}` };
  }

  /** A latency probe's thresholds in effect (ns, low and high), once it is loaded. */
  latencyThresholds(probe: NativeProbe): readonly [number, number] | undefined {
    return this.client.status().probes[probe].latency?.thresholdsNs;
  }

  /** Dumps the in-kernel counters, at most once per `minIntervalMs` however many probes ask. */
  refreshCounters(minIntervalMs: number): Promise<void> {
    if (this.refresh) return this.refresh;
    if (Date.now() - this.lastRefreshAt < minIntervalMs) return Promise.resolve();
    this.refresh = this.client
      .dumpCounters()
      .then((snap) => this.absorb(snap))
      .catch((err: Error) =>
        this.opts.log.once(`native-dump:${err.message}`, 'warn', 'could not read the in-kernel counters', {
          error: err.message,
        }),
      )
      .finally(() => {
        this.refresh = undefined;
        this.lastRefreshAt = Date.now();
      });
    return this.refresh;
  }

  private absorb(snap: CounterSnapshot): void {
    if (snap.generation !== this.generation) {
      // The helper restarted: its maps started from zero. Keep what the old generation had counted.
      for (const [k, c] of this.current) {
        const prev = this.carried.get(k);
        this.carried.set(k, Object.assign({}, c, { count: c.count + (prev?.count ?? 0) }));
      }
      this.current = new Map();
      this.generation = snap.generation;
    }
    const next = new Map<string, NativeCount>();
    for (const e of snap.events) {
      const labels: Record<string, string> =
        'kind' in e
          ? { type: `TCPRESET_${e.kind}`, reason: e.resetReason }
          : 'dropReason' in e
            ? { reason: e.dropReason }
            : 'tcpState' in e
              ? { state: connectionState(e.tcpState) }
              : { code: String(e.code) };
      const c: NativeCount = { probe: e.probe, netnsInode: e.netnsInode, series: 'events', labels, count: e.count };
      next.set(countKey(c), c);
    }
    for (const l of snap.latency) {
      const c: NativeCount = {
        probe: l.probe,
        netnsInode: l.scopeKey,
        series: l.domain,
        labels: { metric: l.metric, sub: String(l.sub), slot: String(l.slot) },
        count: l.count,
      };
      next.set(countKey(c), c);
    }
    for (const u of snap.undelivered) {
      const c: NativeCount = {
        probe: u.probe,
        netnsInode: u.netnsInode,
        series: 'undelivered',
        labels: { cause: u.cause },
        count: u.count,
      };
      next.set(countKey(c), c);
    }
    this.current = next;
    this.skipped.absorb(snap.probes);
  }

  /** Runs of each loaded program the kernel skipped (recursion misses) since the agent started, per
   *  probe and program: the probe's in-kernel counts and events of those runs are missing. */
  skippedRuns(): readonly SkippedRuns[] {
    return this.skipped.totals();
  }

  /** Every count of a probe (current generation plus carried-over totals). */
  counts(probe: NativeProbe): NativeCount[] {
    const merged = new Map<string, NativeCount>();
    for (const src of [this.carried, this.current]) {
      for (const [k, c] of src) {
        if (c.probe !== probe) continue;
        const prev = merged.get(k);
        merged.set(k, prev ? Object.assign({}, c, { count: prev.count + c.count }) : c);
      }
    }
    return [...merged.values()];
  }

  /** Forget carried totals of namespaces that no longer exist (their series are gone anyway). */
  forgetNamespaces(alive: ReadonlySet<number>): void {
    for (const [k, c] of this.carried) if (c.netnsInode !== 0 && !alive.has(c.netnsInode)) this.carried.delete(k);
  }
}

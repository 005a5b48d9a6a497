// Client of the native helper (bpf/build/kubeskoop-bpf-helper): spawns it, checks its hello
// (protocol version, record layouts), asks it to load the enabled probes, decodes its record
// stream into typed events, dumps its in-kernel counters, restarts it with exponential backoff
// when it dies, and gives up (status degraded, with the reason) after too many crashes in a
// window instead of looping forever. No OpenTelemetry here: the pipeline consumes the events.

import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { packageRoot } from '../version.js';

export { packageRoot };

import { KernelClock } from './clock.js';
import { TC_PROBES, type TcProbeName } from './generated/ebpf.js';
import { RequestTable } from './requests.js';
import {
  diffProbeSelections,
  loadCommand,
  type HelperProbeSelection,
  type NativeProbeOptions,
  type ProbeSelectionDiff,
} from './load-command.js';
import { KernelSymbolizer } from './kallsyms.js';
import {
  PROBE_NAMES,
  PROTOCOL_VERSION,
  StreamDecoder,
  isProbeName,
  type DecodeProblem,
  type FlowDumpRecord,
  type FlowReadRecord,
  type GenericRecord,
  type LatencyRecord,
  type PacketDropRecord,
  type ProbeName,
  type TcpResetRecord,
  type TcpRetransRecord,
  type WireRecord,
  joinFlowEntries,
} from './records.js';
import {
  parseCounters,
  parseHello,
  parseProbeFrame,
  verifyLatencyBounds,
  verifyLayouts,
  type CounterDump,
  type HelloFrame,
  type ProgramLoadStatus,
} from './frames.js';

export interface RestartPolicy {
  /** first restart delay (default 250 ms), doubled per crash in the window */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** crashes within windowMs that make the client give up (default 5 in 60 s) */
  maxCrashes?: number;
  windowMs?: number;
}

export interface HelperClientOptions {
  /** probes to load, with their options */
  probes: Partial<Record<ProbeName, NativeProbeOptions>>;
  /** default: $KUBESKOOP_BPF_HELPER, else <package root>/bpf/build/kubeskoop-bpf-helper */
  helperPath?: string;
  helperArgs?: string[];
  restart?: RestartPolicy;
  handshakeTimeoutMs?: number;
  dumpTimeoutMs?: number;
  /** where drop locations are resolved (default /proc/kallsyms) */
  kallsymsPath?: string;
}

// ---------------------------------------------------------------- events and status

export interface TcpResetEvent extends TcpResetRecord {
  /** wall-clock ns since the Unix epoch */
  timeUnixNano: bigint;
}
export interface PacketDropEvent extends PacketDropRecord {
  timeUnixNano: bigint;
  /** "symbol+0xoff" of `location` (hex address when it cannot be resolved) */
  locationSymbol: string;
}
export interface TcpRetransEvent extends TcpRetransRecord {
  timeUnixNano: bigint;
}
export interface LatencyEvent extends LatencyRecord {
  timeUnixNano: bigint;
}
/** A record of a probe decoded from its layout alone (see GenericRecord). */
export interface GenericEvent extends GenericRecord {
  timeUnixNano: bigint;
}
export type NativeEvent = TcpResetEvent | PacketDropEvent | TcpRetransEvent | LatencyEvent | GenericEvent;

/** A helper probe's life (probes/probe.ts's ProbeState is what the scheduler reports). */
export type NativeProbeState = 'starting' | 'running' | 'degraded' | 'stopped';

export interface NativeProbeStatus {
  probe: ProbeName;
  state: NativeProbeState;
  /** why it is not running ('' when running) */
  reason: string;
  since: Date;
  /** helper's stage that failed (load, attach, btf, ...) and errno, when the helper reported one */
  stage: string;
  errno: number;
  programs: ProgramLoadStatus[];
  /** latency probes: thresholds (ns) and event level in effect, once loaded */
  latency?: { thresholdsNs: [number, number]; eventLevel: number };
  /** probes with program variants: what the helper tried (virtcmdlatency) */
  variants?: string;
}

export type HelperState = 'starting' | 'running' | 'restarting' | 'degraded' | 'stopped';

export interface HelperStatus {
  state: HelperState;
  reason: string;
  pid: number | undefined;
  /** increments on every spawn; in-kernel counters restart from 0 with each generation */
  generation: number;
  /** wall-clock ns when the current generation started (start time of cumulative counters) */
  generationStartUnixNano: bigint;
  crashesInWindow: number;
  hello: Omit<HelloFrame, 'tables' | 'layouts'> | undefined;
  probes: Record<ProbeName, NativeProbeStatus>;
}

/** Counter dump with the generation it belongs to. */
export interface CounterSnapshot extends CounterDump {
  generation: number;
  generationStartUnixNano: bigint;
  /** wall-clock ns of the dump */
  timeUnixNano: bigint;
}

export interface HelperClientEvents {
  /** every kernel event, whatever its probe */
  event: [NativeEvent];
  status: [HelperStatus];
  /** decoder or protocol problems (bad bytes, unknown frames) */
  problem: [DecodeProblem];
  /** a line of the helper's stderr */
  log: [string];
}

// ---------------------------------------------------------------- helpers

export function defaultHelperPath(): string {
  const env = process.env.KUBESKOOP_BPF_HELPER;
  if (env) return env;
  return path.join(packageRoot(), 'bpf', 'build', 'kubeskoop-bpf-helper');
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `killed by ${signal}` : `exited with status ${code}`;
}

// ---------------------------------------------------------------- the client

/** Drops waiting for their location's kallsyms pass, at most (past it the oldest goes out as hex). */
const MAX_DROPS_WAITING = 10_000;
/** Kallsyms passes start at least this far apart (a stream of new locations costs at most one a second). */
const PASS_GAP_MS = 1000;

export class HelperClient extends EventEmitter<HelperClientEvents> {
  private readonly opts: HelperClientOptions;
  private readonly helperPath: string;
  /** the probes to load now (the latest selection: a restarted helper loads these) */
  private probes: HelperProbeSelection;
  private enabled: ProbeName[];
  /** the current child has passed its hello: commands written now are acted on */
  private helloSeen = false;
  private probeWaiters = new Map<ProbeName, (() => void)[]>();
  private child: ChildProcess | undefined;
  private decoder = new StreamDecoder();
  private readonly clock = new KernelClock();
  private readonly symbols: KernelSymbolizer;
  /** drops whose location is not known yet, in arrival order, while a kallsyms pass runs */
  private dropsWaiting: PacketDropEvent[] = [];
  private symbolizing = false;
  private symbolizedWaiters: (() => void)[] = [];
  private lastPassAt = 0;
  private st: HelperStatus;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private crashTimes: number[] = [];
  private awaitingProbe: ProbeName[] = [];
  /** dumps and commands waiting for the JSON frame that answers them, by id */
  private readonly requests = new RequestTable();
  private dumpSeq = 0;
  /** flow map dump frames waiting for the JSON answer that follows them (same gen) */
  private flowFrames: FlowDumpRecord[] = [];
  /** flow read frames waiting for the JSON answer that follows them (same gen) */
  private flowReads: FlowReadRecord[] = [];
  private startWaiters: (() => void)[] = [];
  private stderrTail = '';
  private lastStderr: string[] = [];

  constructor(opts: HelperClientOptions) {
    super();
    this.opts = opts;
    this.helperPath = opts.helperPath ?? defaultHelperPath();
    this.symbols = new KernelSymbolizer(opts.kallsymsPath);
    this.probes = { ...opts.probes };
    this.enabled = PROBE_NAMES.filter((p) => opts.probes[p] !== undefined);
    for (const p of this.enabled) loadCommand(p, opts.probes[p]!); // validate options now
    const now = new Date();
    const probes = {} as Record<ProbeName, NativeProbeStatus>;
    for (const p of PROBE_NAMES) {
      probes[p] = {
        probe: p,
        state: this.enabled.includes(p) ? 'starting' : 'stopped',
        reason: this.enabled.includes(p) ? 'helper starting' : 'not enabled',
        since: now,
        stage: '',
        errno: 0,
        programs: [],
      };
    }
    this.st = {
      state: 'starting',
      reason: 'not started',
      pid: undefined,
      generation: 0,
      generationStartUnixNano: 0n,
      crashesInWindow: 0,
      hello: undefined,
      probes,
    };
  }

  /** A copy of the current status. */
  status(): HelperStatus {
    const probes = {} as Record<ProbeName, NativeProbeStatus>;
    for (const p of PROBE_NAMES)
      probes[p] = Object.assign({}, this.st.probes[p], { programs: [...this.st.probes[p].programs] });
    return Object.assign({}, this.st, { probes });
  }

  /** Spawn the helper and load the probes. Resolves once every enabled probe is running or
   *  degraded (it never rejects: failures are in status()). */
  async start(): Promise<void> {
    this.stopping = false;
    for (const p of this.enabled) this.setProbe(p, 'starting', 'helper starting');
    const settled = new Promise<void>((resolve) => this.startWaiters.push(resolve));
    this.spawnHelper();
    await settled;
  }

  /** Ask the helper to detach everything and exit; SIGKILL it (by pid) if it does not. */
  async stop(timeoutMs = 3000): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        child.stdin?.write('shutdown\n');
        child.stdin?.end();
      } catch {
        /* already closing */
      }
      const t = setTimeout(() => {
        if (child.pid) {
          try {
            process.kill(child.pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      }, timeoutMs);
      await exited;
      clearTimeout(t);
    }
    this.flushDrops();
    this.setHelperState('stopped', 'stopped');
    for (const p of this.enabled) this.setProbe(p, 'stopped', 'stopped');
    this.releaseStartWaiters();
    this.releaseProbeWaiters();
    this.emit('status', this.status());
  }

  /** The probes loaded now, with their options. */
  selection(): HelperProbeSelection {
    return { ...this.probes };
  }

  /**
   * Changes the probe selection in place (config reload): unloads the probes no longer wanted,
   * loads the new ones, loads again those whose options changed, and leaves the others alone (their
   * programs and in-kernel counters stay). A helper restarted later loads this selection. Resolves
   * once the helper answered for every probe touched (or died, or `timeoutMs` passed); the outcome
   * is in status(). Throws TypeError, changing nothing, when an option is invalid.
   */
  async setProbes(next: HelperProbeSelection, timeoutMs = 30_000): Promise<ProbeSelectionDiff> {
    const diff = diffProbeSelections(this.probes, next);
    this.probes = { ...next };
    this.enabled = PROBE_NAMES.filter((p) => next[p] !== undefined);
    const touched = [...diff.unload, ...diff.load, ...diff.reload];
    if (touched.length === 0) return diff;
    for (const p of diff.unload) this.setProbe(p, 'stopped', 'not enabled');
    const child = this.child;
    const live =
      child !== undefined &&
      this.helloSeen &&
      (this.st.state === 'running' || this.st.state === 'starting') &&
      child.stdin?.writable === true;
    if (!live) {
      // Not running now: the next spawn (start or restart) loads the new selection.
      const st = this.st.state;
      for (const p of [...diff.load, ...diff.reload]) {
        if (st === 'starting') this.setProbe(p, 'starting', 'helper starting');
        else if (st === 'stopped') this.setProbe(p, 'stopped', 'stopped');
        else this.setProbe(p, 'degraded', this.st.reason);
      }
      this.emit('status', this.status());
      return diff;
    }
    const answered = touched.map(
      (p) =>
        new Promise<void>((resolve) => {
          const list = this.probeWaiters.get(p) ?? [];
          list.push(resolve);
          this.probeWaiters.set(p, list);
        }),
    );
    for (const p of [...diff.load, ...diff.reload]) {
      this.setProbe(p, 'starting', 'loading');
      if (this.st.state === 'starting') this.awaitingProbe.push(p);
    }
    for (const p of diff.unload) child!.stdin!.write(`unload ${p}\n`);
    for (const p of [...diff.load, ...diff.reload]) child!.stdin!.write(loadCommand(p, next[p]!));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(answered),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return diff;
  }

  /** In-kernel counters of every loaded probe. Every event submitted before the call is
   *  delivered (emitted) before this resolves. */
  dumpCounters(): Promise<CounterSnapshot> {
    const child = this.child;
    if (!child || this.st.state !== 'running' || !child.stdin?.writable) {
      return Promise.reject(new Error(`native helper is not running: ${this.st.reason}`));
    }
    const id = String(++this.dumpSeq);
    return this.requests.ask<CounterSnapshot>(id, `counter dump ${id}`, this.opts.dumpTimeoutMs ?? 5000, () =>
      child.stdin!.write(`dump ${id}\n`),
    );
  }

  /** Runs a helper command answered by one JSON frame (`tcpsummary`: one walk of the TCP
   *  established tables; `qdisc <inode>:<netns path> ...`: qdisc dumps inside namespaces). */
  command(
    verb: 'tcpsummary' | 'tasks' | 'qdisc' | 'connections' | TcProbeName,
    args: readonly string[] = [],
    timeoutMs = 10_000,
  ): Promise<Record<string, unknown>> {
    const child = this.child;
    if (!child || this.st.state !== 'running' || !child.stdin?.writable) {
      return Promise.reject(new Error(`native helper is not running: ${this.st.reason}`));
    }
    for (const a of args)
      if (/\s/.test(a))
        return Promise.reject(new TypeError(`helper command argument with white space: ${JSON.stringify(a)}`));
    const id = `${verb}-${++this.dumpSeq}`;
    return this.requests.ask<Record<string, unknown>>(id, `helper command ${verb}`, timeoutMs, () =>
      child.stdin!.write(`${[verb, id, ...args].join(' ')}\n`),
    );
  }

  // ------------------------------------------------------------ internals

  private releaseProbeWaiters(only?: ProbeName): void {
    for (const [p, list] of this.probeWaiters) {
      if (only !== undefined && p !== only) continue;
      this.probeWaiters.delete(p);
      for (const f of list) f();
    }
  }

  private releaseStartWaiters(): void {
    const w = this.startWaiters;
    this.startWaiters = [];
    for (const f of w) f();
  }

  private setHelperState(state: HelperState, reason: string): void {
    this.st.state = state;
    this.st.reason = reason;
  }

  private setProbe(p: ProbeName, state: NativeProbeState, reason: string, extra?: Partial<NativeProbeStatus>): void {
    const cur = this.st.probes[p];
    const changed = cur.state !== state || cur.reason !== reason;
    this.st.probes[p] = Object.assign({}, cur, extra, {
      probe: p,
      state,
      reason,
      since: changed ? new Date() : cur.since,
    });
  }

  private degradeAll(reason: string): void {
    for (const p of this.enabled) this.setProbe(p, 'degraded', reason);
  }

  private spawnHelper(): void {
    if (this.stopping) return;
    this.st.generation++;
    this.decoder = new StreamDecoder();
    this.flowFrames = [];
    this.flowReads = [];
    this.awaitingProbe = [];
    this.helloSeen = false;
    this.stderrTail = '';
    this.lastStderr = [];
    let child: ChildProcess;
    try {
      child = spawn(this.helperPath, this.opts.helperArgs ?? [], { stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (e) {
      this.giveUp(`cannot start native helper ${this.helperPath}: ${(e as Error).message}`);
      return;
    }
    this.child = child;
    this.st.pid = child.pid;
    this.st.generationStartUnixNano = BigInt(Date.now()) * 1_000_000n;
    this.setHelperState('starting', 'waiting for hello');
    child.stdout!.on('data', (chunk: Buffer) => this.onData(chunk));
    child.stderr!.on('data', (chunk: Buffer) => this.onStderr(chunk));
    child.stdin!.on('error', () => {
      /* EPIPE when it died: the exit handler reports it */
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      // spawn failures: a missing or non-executable binary does not fix itself by retrying
      if (e.code === 'ENOENT' || e.code === 'EACCES') {
        this.giveUp(`native helper ${this.helperPath}: ${e.code} (build it with: make -C bpf)`);
      }
    });
    child.on('exit', (code, signal) => this.onExit(child, code, signal));
    this.handshakeTimer = setTimeout(() => {
      if (this.child === child && this.st.state === 'starting') {
        this.lastStderr.push(`no hello within ${this.opts.handshakeTimeoutMs ?? 10_000} ms`);
        if (child.pid) {
          try {
            process.kill(child.pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      }
    }, this.opts.handshakeTimeoutMs ?? 10_000);
  }

  private giveUp(reason: string): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.setHelperState('degraded', reason);
    this.degradeAll(reason);
    this.failDumps(reason);
    this.releaseStartWaiters();
    this.releaseProbeWaiters();
    this.emit('status', this.status());
  }

  private failDumps(reason: string): void {
    this.requests.failAll(reason);
  }

  private onStderr(chunk: Buffer): void {
    const text = this.stderrTail + chunk.toString('utf8');
    const lines = text.split('\n');
    this.stderrTail = lines.pop() ?? '';
    if (this.stderrTail.length > 65536) this.stderrTail = this.stderrTail.slice(-65536);
    for (const l of lines) {
      if (l.length === 0) continue;
      this.lastStderr.push(l);
      if (this.lastStderr.length > 5) this.lastStderr.shift();
      this.emit('log', l);
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.child = undefined;
    this.st.pid = undefined;
    this.helloSeen = false;
    // a reload waiting for this child's answers gets them from status() instead
    this.releaseProbeWaiters();
    if (this.stopping) return;
    if (this.st.state === 'degraded') {
      // gave up already (protocol mismatch, missing binary)
      this.emit('status', this.status());
      return;
    }
    const how = describeExit(code, signal);
    const last = this.lastStderr.length ? `; last log: ${this.lastStderr[this.lastStderr.length - 1]}` : '';
    this.failDumps(`helper ${how}`);
    const policy = this.opts.restart ?? {};
    const windowMs = policy.windowMs ?? 60_000;
    const maxCrashes = policy.maxCrashes ?? 5;
    const now = Date.now();
    this.crashTimes = this.crashTimes.filter((t) => now - t < windowMs);
    this.crashTimes.push(now);
    this.st.crashesInWindow = this.crashTimes.length;
    if (this.crashTimes.length >= maxCrashes) {
      this.giveUp(
        `native helper crashed ${this.crashTimes.length} times within ${windowMs / 1000} s; not restarting (last: ${how}${last})`,
      );
      return;
    }
    const delay = Math.min(
      policy.maxDelayMs ?? 30_000,
      (policy.initialDelayMs ?? 250) * 2 ** (this.crashTimes.length - 1),
    );
    const reason = `native helper ${how}${last}; restart ${this.crashTimes.length} in ${delay} ms`;
    this.setHelperState('restarting', reason);
    this.degradeAll(reason);
    this.emit('status', this.status());
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.spawnHelper();
    }, delay);
  }

  private onData(chunk: Buffer): void {
    const res = this.decoder.push(chunk);
    for (const p of res.problems) this.emit('problem', p);
    for (const r of res.records) this.onRecord(r);
  }

  private onRecord(r: WireRecord): void {
    switch (r.type) {
      case 'clock':
        this.clock.update(r);
        return;
      case 'json':
        this.onJson(r.value);
        return;
      case 'flow_dump':
        this.flowFrames.push(r);
        return;
      case 'flow_read':
        this.flowReads.push(r);
        return;
      case 'packet_drop': {
        const e: PacketDropEvent = Object.assign({}, r, {
          timeUnixNano: this.clock.toUnixNano(r.kernelTimeNs),
          locationSymbol: '',
        });
        const known = this.dropsWaiting.length === 0 ? this.symbols.cached(r.location) : undefined;
        if (known !== undefined) {
          e.locationSymbol = known;
          this.emit('event', e);
          return;
        }
        this.dropsWaiting.push(e);
        // a flood of new locations waits in a bounded queue: past it, the oldest goes out as it is
        if (this.dropsWaiting.length > MAX_DROPS_WAITING) this.emitDrop(this.dropsWaiting.shift()!);
        void this.symbolizeDrops();
        return;
      }
      default:
        this.emit('event', Object.assign({}, r, { timeUnixNano: this.clock.toUnixNano(r.kernelTimeNs) }));
    }
  }

  private emitDrop(e: PacketDropEvent): void {
    e.locationSymbol = this.symbols.resolveNow(e.location);
    this.emit('event', e);
  }

  /** Resolves the waiting drops' locations, a kallsyms pass for all new ones at a time (at most one
   *  pass per PASS_GAP_MS), and emits the drops in the order they came. */
  private async symbolizeDrops(): Promise<void> {
    if (this.symbolizing) return;
    this.symbolizing = true;
    try {
      while (this.dropsWaiting.length > 0) {
        const wait = this.lastPassAt + PASS_GAP_MS - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait).unref());
        const learned = new Set(this.dropsWaiting.map((e) => e.location));
        await this.symbols.learn(learned);
        this.lastPassAt = Date.now();
        // the drops that came during the pass wait for the next one if their location is new
        while (this.dropsWaiting.length > 0) {
          const e = this.dropsWaiting[0]!;
          if (!learned.has(e.location) && this.symbols.cached(e.location) === undefined) break;
          this.emitDrop(this.dropsWaiting.shift()!);
        }
      }
    } finally {
      this.symbolizing = false;
      this.releaseSymbolizedWaiters();
    }
  }

  /** Resolves once no drop event waits for its location (at once when none does): every drop record
   *  received so far has been emitted. */
  dropsSymbolized(): Promise<void> {
    if (this.dropsWaiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.symbolizedWaiters.push(resolve));
  }

  private releaseSymbolizedWaiters(): void {
    if (this.dropsWaiting.length > 0) return;
    const waiters = this.symbolizedWaiters;
    this.symbolizedWaiters = [];
    for (const w of waiters) w();
  }

  /** The drops still waiting go out with what is known of their locations (the helper has stopped). */
  private flushDrops(): void {
    const waiting = this.dropsWaiting;
    this.dropsWaiting = [];
    for (const e of waiting) this.emitDrop(e);
    this.releaseSymbolizedWaiters();
  }

  private onJson(v: unknown): void {
    const msg = typeof v === 'object' && v !== null && 'msg' in v ? (v as { msg: unknown }).msg : undefined;
    if (msg === 'hello') return this.onHello(v);
    if (msg === 'probe') {
      const f = parseProbeFrame(v);
      if (!f || !isProbeName(f.probe)) return;
      const probe = f.probe;
      this.awaitingProbe = this.awaitingProbe.filter((p) => p !== probe);
      if (!f.ok && f.stage === 'unloaded') {
        // its programs are detached and its maps freed: nothing of it is left in the kernel
        this.st.probes[probe] = {
          probe,
          state: 'stopped',
          reason: 'not enabled',
          since: new Date(),
          stage: 'unloaded',
          errno: 0,
          programs: [],
        };
        this.emit('status', this.status());
        this.releaseProbeWaiters(probe);
        return;
      }
      const extra = Object.assign(
        {},
        f.latency ? { latency: f.latency } : {},
        f.variants !== undefined ? { variants: f.variants } : {},
      );
      if (f.ok) {
        this.setProbe(probe, 'running', '', { stage: f.stage, errno: 0, programs: f.programs, ...extra });
      } else {
        const failedProg = f.programs.find((p) => !p.ok);
        const logLine =
          f.log
            .trim()
            .split('\n')
            .filter((l) => l.length > 0)
            .slice(-1)[0] ?? '';
        const reason =
          `${f.stage} failed: ${f.error} (errno ${f.errno})` +
          (failedProg ? `; program ${failedProg.name} (${failedProg.section}): ${failedProg.error}` : '') +
          (f.variants ? `; ${f.variants}` : logLine ? `; ${logLine.replace(/^libbpf: /, '')}` : '');
        this.setProbe(probe, 'degraded', reason, { stage: f.stage, errno: f.errno, programs: f.programs, ...extra });
      }
      if (this.awaitingProbe.length === 0 && this.st.state === 'starting') {
        this.setHelperState('running', '');
        this.releaseStartWaiters();
      }
      this.emit('status', this.status());
      this.releaseProbeWaiters(probe);
      return;
    }
    if (msg === 'counters') {
      const id = typeof v === 'object' && v !== null && 'id' in v ? String((v as { id: unknown }).id) : '';
      const { dump, problems } = parseCounters(v, this.decoder.tables);
      for (const m of problems) this.emit('problem', { offset: -1, message: m });
      this.requests.answer(
        id,
        dump
          ? Object.assign({}, dump, {
              generation: this.st.generation,
              generationStartUnixNano: this.st.generationStartUnixNano,
              timeUnixNano: this.clock.toUnixNano(dump.bootTimeNs),
            })
          : new Error(problems.join('; ')),
      );
      return;
    }
    if (
      msg === 'tcpsummary' ||
      msg === 'tasks' ||
      msg === 'qdisc' ||
      msg === 'connections' ||
      (TC_PROBES as readonly unknown[]).includes(msg)
    ) {
      const o = v as Record<string, unknown>;
      if (msg === 'flow' && o.verb === 'dump') {
        // the dump's entries came before this answer as binary frames of the same gen
        const frames = this.flowFrames.filter((f) => f.gen === o.gen);
        const stale = this.flowFrames.length - frames.length;
        if (stale > 0) this.emit('problem', { offset: -1, message: `${stale} flow dump frame(s) of another dump` });
        this.flowFrames = [];
        o.entries = joinFlowEntries(frames);
      }
      if (msg === 'flow' && o.verb === 'read') {
        // the read's keys, counters and freed slots came before this answer as frames of the same gen
        const frames = this.flowReads.filter((f) => f.gen === o.gen);
        const stale = this.flowReads.length - frames.length;
        if (stale > 0) this.emit('problem', { offset: -1, message: `${stale} flow read frame(s) of another read` });
        this.flowReads = [];
        o.frames_read = frames;
      }
      this.requests.answer(String(o.id), o);
      return;
    }
    if (msg === 'error') {
      this.emit('problem', { offset: -1, message: `helper: ${JSON.stringify(v)}` });
      return;
    }
    if (msg === 'bye') return;
    this.emit('problem', { offset: -1, message: `unknown JSON frame ${JSON.stringify(v).slice(0, 200)}` });
  }

  private onHello(v: unknown): void {
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    const hello = parseHello(v);
    const child = this.child;
    if (!hello || !child) return;
    const { tables, layouts, ...rest } = hello;
    this.st.hello = rest;
    if (hello.protocol !== PROTOCOL_VERSION) {
      this.giveUp(
        `native helper speaks protocol ${hello.protocol}, this agent ${PROTOCOL_VERSION}: rebuild bpf/ (make -C bpf)`,
      );
      child.stdin?.end('shutdown\n');
      return;
    }
    const bounds = verifyLatencyBounds(hello.latencyBoundsNs);
    const diffs = [...verifyLayouts(layouts), ...(bounds ? [bounds] : [])];
    if (diffs.length > 0) {
      this.giveUp(`native helper record layout differs from the decoder: ${diffs.slice(0, 5).join('; ')}`);
      child.stdin?.end('shutdown\n');
      return;
    }
    this.decoder.tables = tables;
    this.helloSeen = true;
    if (this.enabled.length === 0) {
      this.setHelperState('running', '');
      this.releaseStartWaiters();
      this.emit('status', this.status());
      return;
    }
    this.setHelperState('starting', 'loading probes');
    this.awaitingProbe = [...this.enabled];
    for (const p of this.enabled) child.stdin!.write(loadCommand(p, this.probes[p]!));
  }
}

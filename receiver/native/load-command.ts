// The helper's `load` command for one probe (options → wire keys, validated), and what changes
// between two probe selections as the helper sees it. Pure: no I/O.
import { PROBE_NAMES, type ProbeName } from './records.js';

export type RateLimit = number | 'unlimited';
export type ReasonMode = 'event' | 'count' | 'ignore';

export interface NativeProbeOptions {
  /** events per second per network namespace (in-kernel; the rest is counted as undelivered).
   *  Defaults of these six: bpf/probes/defaults.yaml (OPTION defaults in the generated descriptors). */
  netnsRatePerSecond?: RateLimit;
  /** events per second for the probe on the whole node */
  globalRatePerSecond?: RateLimit;
  /** rate-limit window, ms */
  windowMs?: number;
  /** ring buffer size in KiB, power of two */
  ringKiB?: number;
  /** pending bytes in the ring that force a wake-up of the helper, KiB */
  watermarkKiB?: number;
  /** capacity of the per-(netns, key) count map */
  countEntries?: number;
  /** packetloss: drop reasons (names from the kernel's enum skb_drop_reason, without prefix).
   *  ignoreReasons replaces the default ignore list (QUEUE_PURGE, SOCKET_CLOSE), countOnlyReasons
   *  the default count-only list (NOT_SPECIFIED); [] clears it. */
  ignoreReasons?: string[];
  countOnlyReasons?: string[];
  eventReasons?: string[];
  /** packetloss: allow-list; every other reason is ignored */
  onlyReasons?: string[];
  /** packetloss: what to do with reasons of subsystems (mac80211, openvswitch) */
  subsystemMode?: ReasonMode;
  /** test-only: attach every program of the probe to this (nonexistent) hook */
  testAttachTarget?: string;
  /** latency probes: the low and high thresholds, µs (default: the probe's own, e.g. 1000/100000 for socketlatency) */
  thresholdLowUs?: number;
  thresholdHighUs?: number;
  /** latency probes: emit events above the low (1) or the high (2) threshold, 0 = counts only */
  eventLevel?: 0 | 1 | 2;
  /** latency probes: size of the in-flight tracking table, a power of two */
  trackEntries?: number;
  /** net_softirq: bit per softirq vector (default NET_TX | NET_RX = 12) */
  softirqMask?: number;
  /** test-only, latency probes: entries of the direct-mapped histogram table (a power of two
   *  <= 1024, the default); 1 sends nearly every key through the per-CPU hash fallback */
  testLatSlots?: number;
}

const NAME_RE = /^[A-Za-z0-9_]+$/;

function rate(v: RateLimit | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (v === 'unlimited') return 'unlimited';
  if (!Number.isInteger(v) || v < 0 || v >= 0xffffffff)
    throw new TypeError(`rate limit must be an integer >= 0 or 'unlimited', got ${v}`);
  return String(v);
}

function names(what: string, v: string[] | undefined): string | undefined {
  if (v === undefined) return undefined;
  for (const n of v) if (!NAME_RE.test(n)) throw new TypeError(`${what}: bad reason name ${JSON.stringify(n)}`);
  return v.join(',');
}

function positiveInt(what: string, v: number | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v <= 0) throw new TypeError(`${what} must be a positive integer, got ${v}`);
  return String(v);
}

/** The helper's `load` command line for one probe (throws TypeError on invalid options). */
export function loadCommand(probe: ProbeName, o: NativeProbeOptions): string {
  const kv: [string, string | undefined][] = [
    ['netns_rate', rate(o.netnsRatePerSecond)],
    ['global_rate', rate(o.globalRatePerSecond)],
    ['window_ms', positiveInt('windowMs', o.windowMs)],
    ['ring_kib', positiveInt('ringKiB', o.ringKiB)],
    ['watermark_kib', o.watermarkKiB === undefined ? undefined : String(Math.max(0, Math.trunc(o.watermarkKiB)))],
    ['count_entries', positiveInt('countEntries', o.countEntries)],
    ['ignore', o.ignoreReasons === undefined ? undefined : (names('ignoreReasons', o.ignoreReasons) ?? '')],
    [
      'count_only',
      o.countOnlyReasons === undefined ? undefined : (names('countOnlyReasons', o.countOnlyReasons) ?? ''),
    ],
    ['event', names('eventReasons', o.eventReasons)],
    ['only', names('onlyReasons', o.onlyReasons)],
    ['subsys', o.subsystemMode],
    [
      'x_attach_target',
      o.testAttachTarget === undefined ? undefined : NAME_RE.test(o.testAttachTarget) ? o.testAttachTarget : '_',
    ],
    ['threshold_low_us', positiveInt('thresholdLowUs', o.thresholdLowUs)],
    ['threshold_high_us', positiveInt('thresholdHighUs', o.thresholdHighUs)],
    ['event_level', o.eventLevel === undefined ? undefined : String(o.eventLevel)],
    ['track_entries', positiveInt('trackEntries', o.trackEntries)],
    ['softirq_mask', positiveInt('softirqMask', o.softirqMask)],
    ['x_lat_slots', positiveInt('testLatSlots', o.testLatSlots)],
  ];
  if (o.eventLevel !== undefined && ![0, 1, 2].includes(o.eventLevel))
    throw new TypeError(`eventLevel must be 0, 1 or 2, got ${o.eventLevel}`);
  if (o.trackEntries !== undefined && (o.trackEntries < 64 || (o.trackEntries & (o.trackEntries - 1)) !== 0)) {
    throw new TypeError(`trackEntries must be a power of two >= 64, got ${o.trackEntries}`);
  }
  if (o.testLatSlots !== undefined && (o.testLatSlots > 1024 || (o.testLatSlots & (o.testLatSlots - 1)) !== 0)) {
    throw new TypeError(`testLatSlots must be a power of two <= 1024, got ${o.testLatSlots}`);
  }
  const parts = [`load ${probe}`];
  // an empty ignore/count_only list is meaningful: it clears the helper's default list
  for (const [k, v] of kv)
    if (v !== undefined && (v !== '' || k === 'ignore' || k === 'count_only')) parts.push(`${k}=${v}`);
  return `${parts.join(' ')}\n`;
}

/** The probes the helper should run, with their options. */
export type HelperProbeSelection = Partial<Record<ProbeName, NativeProbeOptions>>;

/** What changes between two probe selections, as the helper sees it: options are compared by the
 *  load command they give, so options that do not reach the helper never reload a probe. */
export interface ProbeSelectionDiff {
  readonly load: ProbeName[];
  readonly unload: ProbeName[];
  /** in both, with a different load command: loaded again (the helper replaces it in place) */
  readonly reload: ProbeName[];
  readonly keep: ProbeName[];
}

/** Pure; throws TypeError (like loadCommand) when an option of `to` is invalid. */
export function diffProbeSelections(from: HelperProbeSelection, to: HelperProbeSelection): ProbeSelectionDiff {
  const d = { load: [] as ProbeName[], unload: [] as ProbeName[], reload: [] as ProbeName[], keep: [] as ProbeName[] };
  for (const p of PROBE_NAMES) {
    const a = from[p];
    const b = to[p];
    if (b !== undefined) {
      const cmd = loadCommand(p, b);
      if (a === undefined) d.load.push(p);
      else if (loadCommand(p, a) !== cmd) d.reload.push(p);
      else d.keep.push(p);
    } else if (a !== undefined) d.unload.push(p);
  }
  return d;
}

// One walk of the node's TCP tables per cycle for both of its readers: tcpsummary (counts per
// namespace) and tcphealth (per-peer rows). A peers-mode frame carries the plain one's `netns`
// too, so while tcphealth is on, each cycle runs `tcpsummary <id> peers` once and tcpsummary
// reads the same frame. Each reader takes each frame once: the first reader of a cycle starts a
// walk, the other takes that walk's frame if it has not yet and the frame is recent. Once every
// reader has taken a frame it is let go: a peers frame at 50k rows is ~20 MB (its base64 rows) that
// would otherwise stay held until the next cycle.
import type { NativeCounters } from './probe.js';

type Frame = Record<string, unknown>;
type Reader = 'tcpsummary' | 'tcphealth';

/** a frame older than this is not shared (its reader skipped cycles) */
const SHARE_MS = 5000;

export class SharedTcpWalk {
  private peers = false;
  private last: { frame: Promise<Frame>; at: number; takenBy: Set<string> } | undefined;
  /** every reader that has asked for a frame */
  private readonly readers = new Set<Reader>();

  constructor(private readonly command: (args: readonly string[]) => Promise<Frame>) {}

  /** tcphealth is on: every walk runs in peers mode from now on */
  wantPeers(): void {
    this.peers = true;
    this.join('tcphealth');
  }

  /** a reader that will read every cycle (a frame is kept until each has taken it) */
  join(reader: Reader): void {
    this.readers.add(reader);
  }

  frame(reader: Reader): Promise<Frame> {
    this.readers.add(reader);
    const now = Date.now();
    const l = this.last;
    if (l && !l.takenBy.has(reader) && now - l.at < SHARE_MS) {
      l.takenBy.add(reader);
      this.release(l);
      return l.frame;
    }
    const frame = this.command(this.peers ? ['peers'] : []);
    frame.catch(() => undefined); // observed by the reader that awaits it
    const taken = { frame, at: now, takenBy: new Set([reader]) };
    this.last = taken;
    this.release(taken);
    return frame;
  }

  /** whether a frame is kept for a reader that has not taken it yet */
  get holding(): boolean {
    return this.last !== undefined;
  }

  private release(l: NonNullable<SharedTcpWalk['last']>): void {
    if (l.takenBy.size === this.readers.size) this.last = undefined;
  }
}

const shared = new WeakMap<NativeCounters, SharedTcpWalk>();

/** The walk shared by every probe of the same helper (undefined without helper commands). */
export function sharedTcpWalk(native: NativeCounters | undefined): SharedTcpWalk | undefined {
  if (!native?.helperCommand) return undefined;
  let w = shared.get(native);
  if (!w) {
    const n = native;
    w = new SharedTcpWalk((args) => n.helperCommand!('tcpsummary', args));
    shared.set(native, w);
  }
  return w;
}

// One walk of the node's TCP tables per cycle for both of its readers: tcpsummary (counts per
// namespace) and tcphealth (per-peer rows). A peers-mode frame carries the plain one's `netns`
// too, so while tcphealth is on, each cycle runs `tcpsummary <id> peers` once and tcpsummary
// reads the same frame. Each reader takes each frame once: the first reader of a cycle starts a
// walk, the other takes that walk's frame if it has not yet and the frame is recent.
import type { NativeCounters } from './probe.js';

type Frame = Record<string, unknown>;

/** a frame older than this is not shared (its reader skipped cycles) */
const SHARE_MS = 5000;

export class SharedTcpWalk {
  private peers = false;
  private last: { frame: Promise<Frame>; at: number; takenBy: Set<string> } | undefined;

  constructor(private readonly command: (args: readonly string[]) => Promise<Frame>) {}

  /** tcphealth is on: every walk runs in peers mode from now on */
  wantPeers(): void {
    this.peers = true;
  }

  frame(reader: 'tcpsummary' | 'tcphealth'): Promise<Frame> {
    const now = Date.now();
    const l = this.last;
    if (l && !l.takenBy.has(reader) && now - l.at < SHARE_MS) {
      l.takenBy.add(reader);
      return l.frame;
    }
    const frame = this.command(this.peers ? ['peers'] : []);
    frame.catch(() => undefined); // observed by the reader that awaits it
    this.last = { frame, at: now, takenBy: new Set([reader]) };
    return frame;
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

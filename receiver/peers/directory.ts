// The agent's peer directory (receiver/peers/resolve.ts PeerDirectory) over its sources: the pod
// list+watch by pod IP, the Service and Node list+watches (made only when a per-peer probe is on
// with the API), and this node's own addresses. It numbers its states (version) and says which
// addresses changed between two of them (changedSince), so a probe takes back the names of those
// addresses only, not of every peer, when one pod, Service or node changes.
import type { NamedEndpoint, PeerDirectory } from './resolve.js';
import type { OwnAddresses } from './own-addresses.js';

/** What the directory needs of a list+watch: its lookup, its count of changes and what they changed. */
interface Changing {
  readonly changes: number;
  changedSince(changes: number): ReadonlySet<string> | undefined;
}
export interface PodSource extends Changing {
  byIp(address: string): NamedEndpoint | undefined;
}
export interface AddressSource<N> extends Changing {
  lookup(address: string): N | undefined;
}

export interface PeerSources {
  /** each read when asked: a source may be made later, or made again */
  readonly pods?: () => PodSource | undefined;
  readonly services?: () => AddressSource<NamedEndpoint> | undefined;
  readonly nodes?: () => AddressSource<string> | undefined;
  /** this node's addresses, named as the node when the Node list does not have them */
  readonly own?: OwnAddresses;
  readonly nodeName?: string;
}

/** [pods, pods' changes, services, their changes, nodes, their changes, own addresses' changes] */
type State = readonly unknown[];
/** states kept for changedSince (a probe asks about the one of its last cycle) */
const STATES_KEPT = 64;

export class WatchedPeerDirectory implements PeerDirectory {
  private last: State = [];
  private current = 0;
  private readonly states = new Map<number, State>();

  constructor(private readonly src: PeerSources) {}

  pod(address: string): NamedEndpoint | undefined {
    const p = this.src.pods?.()?.byIp(address);
    return p ? { name: p.name, namespace: p.namespace } : undefined;
  }

  service(address: string): NamedEndpoint | undefined {
    return this.src.services?.()?.lookup(address);
  }

  node(address: string): string | undefined {
    return (
      this.src.nodes?.()?.lookup(address) ??
      (this.src.own?.has(address) && this.src.nodeName ? this.src.nodeName : undefined)
    );
  }

  /** bumped whenever a source or its count of changes differs from the last call (a watch may be
   *  made later, or made again, starting its count over) */
  version(): number {
    const pods = this.src.pods?.(),
      services = this.src.services?.(),
      nodes = this.src.nodes?.();
    const now = [pods, pods?.changes, services, services?.changes, nodes, nodes?.changes, this.src.own?.version()];
    if (now.some((x, i) => x !== this.last[i])) {
      this.last = now;
      this.states.set(++this.current, now);
      this.states.delete(this.current - STATES_KEPT);
    }
    return this.current;
  }

  changedSince(version: number): ReadonlySet<string> | undefined {
    const now = this.states.get(this.version());
    const then = this.states.get(version);
    if (now === undefined || then === undefined) return undefined;
    const out = new Set<string>();
    for (let i = 0; i < 6; i += 2) {
      const source = now[i] as Changing | undefined;
      // a source made (or made again) since: its count started over, what it names is unknown
      if (source !== then[i]) return undefined;
      if (source === undefined) continue;
      const changed = source.changedSince(then[i + 1] as number);
      if (changed === undefined) return undefined;
      for (const a of changed) out.add(a);
    }
    if (this.src.own && then[6] !== now[6]) {
      const changed = this.src.own.changedSince(then[6] as number);
      if (changed === undefined) return undefined;
      for (const a of changed) out.add(a);
    }
    return out;
  }
}

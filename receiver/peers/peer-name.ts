// Naming a connection's peer: the ONE place that turns a peer address into the name a metric
// carries (server.address). Pod identity where the agent knows the address belongs to one of the
// pods it observes, else the address itself. The flow probe's peer layer (issue 17: Service,
// CIDR buckets, cardinality governance) replaces the directory behind this function.
export interface PeerDirectory {
  /** the pod (namespace/name) an address belongs to, if the agent knows it */
  podOf(address: string): string | undefined;
}

export const NO_PEERS: PeerDirectory = { podOf: () => undefined };

export function peerName(address: string, directory: PeerDirectory = NO_PEERS): string {
  return directory.podOf(address) ?? address;
}

/** A directory built from the local addresses of the pods the agent observes. */
export class PodAddressDirectory implements PeerDirectory {
  private byAddress = new Map<string, string>();
  podOf(address: string): string | undefined {
    return this.byAddress.get(address);
  }
  /** Replace the whole table (address → namespace/name). */
  replace(entries: Iterable<readonly [address: string, pod: string]>): void {
    this.byAddress = new Map(entries);
  }
}

/**
 * The IPv4 addresses local to a namespace, from its /proc/<pid>/net/fib_trie ("/32 host LOCAL"
 * entries of the local table), loopback left out. Pure: text in, addresses out.
 */
export function localAddressesFromFibTrie(text: string): string[] {
  const out = new Set<string>();
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    if (!/\/32 host LOCAL/.test(lines[i]!)) continue;
    const m = /\|--\s+(\d+\.\d+\.\d+\.\d+)/.exec(lines[i - 1]!);
    if (m && !m[1]!.startsWith('127.')) out.add(m[1]!);
  }
  return [...out];
}

// This node's own addresses (every interface of the agent's namespace but loopback), for naming a
// peer that is the node itself (a hostNetwork pod, the kubelet, a NodePort) when the Node list does
// not have it (no API, or an address the Node object does not carry). Read again at most every
// `ttlMs`: addresses come and go with interfaces (a new veth's host side, a DHCP lease).
import { networkInterfaces } from 'node:os';

export class OwnAddresses {
  private set = new Set<string>();
  private readAt = -Infinity;

  constructor(private readonly ttlMs = 10_000) {}

  private changes = 0;
  /** the addresses each recent change gave or took, by its number (the last 16 kept) */
  private readonly changeLog = new Map<number, readonly string[]>();

  has(address: string): boolean {
    this.refresh();
    return this.set.has(address);
  }

  /** changes of the set so far (read again first if due): has() may answer otherwise after one */
  version(): number {
    this.refresh();
    return this.changes;
  }

  /** the addresses that came or went since change number `changes` (a value of version());
   *  undefined when that is older than the changes kept */
  changedSince(changes: number): ReadonlySet<string> | undefined {
    this.refresh();
    const out = new Set<string>();
    for (let v = changes + 1; v <= this.changes; v++) {
      const a = this.changeLog.get(v);
      if (a === undefined) return undefined;
      for (const x of a) out.add(x);
    }
    return out;
  }

  private refresh(): void {
    const now = Date.now();
    if (now - this.readAt < this.ttlMs) return;
    const next = new Set<string>();
    for (const list of Object.values(networkInterfaces()))
      for (const a of list ?? []) if (!a.internal) next.add(a.address.replace(/%.*$/, ''));
    const diff = [...[...next].filter((a) => !this.set.has(a)), ...[...this.set].filter((a) => !next.has(a))];
    if (diff.length > 0) {
      this.changeLog.set(++this.changes, diff);
      this.changeLog.delete(this.changes - 16);
    }
    this.set = next;
    this.readAt = now;
  }
}

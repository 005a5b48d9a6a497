// Attach machinery for the per-peer probes: which (namespace, interface) pairs carry the tc
// programs, kept in step with the namespaces the agent sees. Each cycle the probe says what it
// wants; this attaches what is new, detaches what went away, and answers which attachments failed
// and why. One namespace failing never stops the others: each gets its own result.
import { statSync } from 'node:fs';
import { parseFlowFrame, type FlowTargetResult } from '../native/commands.js';

export interface AttachTarget {
  readonly netnsInode: number;
  /** /proc/<pid>/ns/net or /run/netns/<name> */
  readonly path: string;
  readonly ifname: string;
  /** on the host end of this interface's veth (found by the helper through its iflink), programs
   *  swapped so directions stay the pod's; `ifindex` is then the host end's */
  readonly hostSide?: boolean;
}

export type HelperCall = (args: readonly string[]) => Promise<Record<string, unknown>>;

/** `netns:ifname[:host]` (a change of side detaches and attaches again) */
const keyOf = (t: { netnsInode: number; ifname: string; hostSide?: boolean }): string =>
  `${t.netnsInode}:${t.ifname}${t.hostSide ? ':host' : ''}`;

/** Targets per helper command: the helper's command line is limited to 8 KiB. */
const BATCH = 40;

export class AttachManager {
  private readonly attached = new Map<string, AttachTarget & { ifindex: number }>();
  /** failures of the last sync, by `netns:ifname` */
  readonly failures = new Map<string, string>();

  constructor(private readonly call: HelperCall) {}

  /** the helper's (and so the host ends') namespace: what the kernel keys host-side entries by */
  private selfNs: number | undefined;

  /** Kernel entries counted on a host-side veth carry the host's namespace and the host end's
   *  ifindex: they are the pod's, under the pod's namespace (the ifindex stays the host end's, which
   *  ifname() names as the pod's interface). Others pass unchanged. */
  remap<E extends { netnsInode: number; ifindex: number }>(entries: readonly E[]): readonly E[] {
    const host = new Map<number, number>();
    for (const a of this.attached.values()) if (a.hostSide) host.set(a.ifindex, a.netnsInode);
    if (host.size === 0) return entries;
    this.selfNs ??= statSync('/proc/self/ns/net').ino;
    return entries.map((e) => {
      const pod = e.netnsInode === this.selfNs ? host.get(e.ifindex) : undefined;
      return pod === undefined ? e : Object.assign({}, e, { netnsInode: pod });
    });
  }

  /** remap() for one key at a time: (netns, ifindex) → the namespace its series belong to */
  remapper(): (netnsInode: number, ifindex: number) => number {
    const host = new Map<number, number>();
    for (const a of this.attached.values()) if (a.hostSide) host.set(a.ifindex, a.netnsInode);
    if (host.size === 0) return (ns) => ns;
    this.selfNs ??= statSync('/proc/self/ns/net').ino;
    const self = this.selfNs;
    return (ns, ifindex) => (ns === self ? (host.get(ifindex) ?? ns) : ns);
  }

  /** (netns, ifindex) → interface name, for the attachments in place */
  ifname(netnsInode: number, ifindex: number): string | undefined {
    for (const a of this.attached.values()) if (a.netnsInode === netnsInode && a.ifindex === ifindex) return a.ifname;
    return undefined;
  }

  get size(): number {
    return this.attached.size;
  }

  /** The helper restarted (or reloaded the object): everything must be attached again. */
  reset(): void {
    this.attached.clear();
  }

  /** Attachments whose device went away (reported by a dump): forget them. */
  gone(list: readonly (readonly [number, string])[]): void {
    for (const [ns, ifname] of list)
      for (const hostSide of [false, true]) this.attached.delete(keyOf({ netnsInode: ns, ifname, hostSide }));
  }

  /** Makes the attachments exactly `want`; returns the namespaces that were detached. */
  async sync(want: readonly AttachTarget[]): Promise<number[]> {
    const wanted = new Map(want.map((t) => [keyOf(t), t]));
    const detachNs = new Set<number>();
    for (const [k, a] of this.attached) if (!wanted.has(k)) detachNs.add(a.netnsInode);
    // a namespace still wanted on another interface keeps its entries: detach per interface there
    const stillWanted = new Set(want.map((t) => t.netnsInode));
    const detachArgs: string[] = [];
    for (const [k, a] of this.attached) {
      if (wanted.has(k)) continue;
      detachArgs.push(stillWanted.has(a.netnsInode) ? `${a.netnsInode}:${a.ifname}` : String(a.netnsInode));
      this.attached.delete(k);
    }
    for (let i = 0; i < detachArgs.length; i += BATCH) {
      await this.call(['detach', ...new Set(detachArgs.slice(i, i + BATCH))]);
    }
    const todo = [...wanted.values()].filter((t) => !this.attached.has(keyOf(t)));
    this.failures.clear();
    for (let i = 0; i < todo.length; i += BATCH) {
      const batch = todo.slice(i, i + BATCH);
      const f = parseFlowFrame(
        await this.call([
          'attach',
          ...batch.map((t) => `${t.netnsInode}:${t.path}:${t.ifname}${t.hostSide ? ':host' : ''}`),
        ]),
      );
      if (!f.ok) {
        for (const t of batch) this.failures.set(keyOf(t), f.error);
        continue;
      }
      f.targets.forEach((r: FlowTargetResult, j: number) => {
        const t = batch[j];
        if (!t) return;
        if (r.ok) this.attached.set(keyOf(t), Object.assign({}, t, { ifindex: r.ifindex }));
        else if (r.state !== 'gone') this.failures.set(keyOf(t), r.error); // gone: the namespace left mid-cycle
      });
    }
    return [...detachNs].filter((ns) => !stillWanted.has(ns));
  }
}

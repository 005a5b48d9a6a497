// What the probes whose tc programs the native helper loads and attaches (the descriptors of kind tc:
// flow, dns) share: the load options written as the descriptor spells them, the
// load-when-the-shape-changed step, the attach sync with the interfaces collect saw, the helper
// status, and the unload on stop. The probe keeps its own map reading and series.
import { parseFlowFrame } from '../native/commands.js';
import {
  TC_LAYER_VERBS,
  TC_PROBE_DESCRIPTORS,
  type TcLoadOptions,
  type TcProbeName,
} from '../native/generated/ebpf.js';
import { AttachManager, type AttachTarget, type HelperCall } from '../peers/attach.js';
import type { ProbeEnvironment, ProbeStatus } from './probe.js';
import type { Target } from '../targets/target.js';
import { readProcText } from '../kernel/read-proc.js';
import { netnsPath } from './qdisc.js';

/** Interfaces of a namespace from /proc/<pid>/net/dev (names before the colon). */
export function interfacesOf(netDev: string): string[] {
  const out: string[] = [];
  for (const line of netDev.split('\n').slice(2)) {
    const i = line.indexOf(':');
    if (i > 0) out.push(line.slice(0, i).trim());
  }
  return out;
}

/** Interface names or patterns with `*` (cali*, eth*). */
export function matchesAny(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) =>
    p.includes('*')
      ? new RegExp(
          `^${p
            .split('*')
            .map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
            .join('.*')}$`,
        ).test(name)
      : p === name,
  );
}

type TcOptionsOf<P extends TcProbeName> = (typeof TC_PROBE_DESCRIPTORS)[P]['options'];

/** A tc probe's command verbs: the attach layer's (helper/tcx.c) and its descriptor's own. */
export type TcVerb<P extends TcProbeName> =
  (typeof TC_LAYER_VERBS)[number] | (typeof TC_PROBE_DESCRIPTORS)[P]['verbs'][number];

/** A load command's options as words, in the descriptor's order (booleans as 0|1, a list once per
 *  value); options left undefined are not written (the helper keeps or defaults them). */
export function tcLoadArgs<P extends TcProbeName>(probe: P, options: TcLoadOptions[P]): string[] {
  const out: string[] = [];
  const given = options as Readonly<Record<string, unknown>>;
  for (const name of Object.keys(TC_PROBE_DESCRIPTORS[probe].options)) {
    const v = given[name];
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v as unknown[]) out.push(`${name}=${String(x)}`);
    else out.push(`${name}=${typeof v === 'boolean' ? (v ? 1 : 0) : String(v as number)}`);
  }
  return out;
}

type TcOptionInfo = { readonly type: string; readonly default?: unknown; readonly min?: number; readonly max?: number };
const optionsOf = (probe: TcProbeName): Readonly<Record<string, TcOptionInfo | undefined>> =>
  TC_PROBE_DESCRIPTORS[probe].options;

/** The helper's default of a numeric load option (bpf/probes/<probe>.yaml). */
export function tcDefault<P extends TcProbeName>(probe: P, option: keyof TcOptionsOf<P> & string): number {
  const d = optionsOf(probe)[option]?.default;
  if (typeof d !== 'number') throw new Error(`bpf/probes/${probe}.yaml: option ${option} has no numeric default`);
  return d;
}

/** An agent option passed to a u32 load option: the JSON schema of its range (the helper's). */
export function tcIntegerSchema<P extends TcProbeName>(probe: P, option: keyof TcOptionsOf<P> & string) {
  const o = optionsOf(probe)[option];
  return { type: 'integer', minimum: o?.min ?? 0, maximum: o?.max ?? 4294967295 } as const;
}

/** The `attach` option of the tc probes: where on a pod's veth the programs go. */
export const attachOptionSchema = {
  type: 'string',
  enum: ['pod', 'host'],
  description:
    "Where the programs go on each pod's interfaces: pod = inside the pod's namespace (default); host = on the host end of each interface's veth (found through its iflink), in this node's namespace, with the same series (directions are the pod's). host suits CNIs whose programs sit on the host-side veth; an interface that is no veth to this node's namespace is reported and not counted.",
} as const;

/** The `host_network_pods` option of a probe on the tc attach layer (flow, dns): on when present,
 *  with the node's interfaces it covers; the two probes say in their own words what it does. */
export const hostNetworkPodsOptionSchema = (description: string, interfacesDescription: string) =>
  ({
    type: 'object',
    additionalProperties: false,
    properties: {
      interfaces: {
        type: 'array',
        items: { type: 'string', minLength: 1, maxLength: 15 },
        description: interfacesDescription,
      },
    },
    description,
  }) as const;

export class TcPrograms<P extends TcProbeName> {
  /** a command of the probe: its verb, then its words */
  readonly call: (args: readonly [TcVerb<P>, ...string[]]) => Promise<Record<string, unknown>>;
  readonly attach: AttachManager;
  /** the load arguments in place ('' before the first load or after the helper lost them) */
  private loaded = '';
  /** targets seen by collect in the current cycle → what the next cycle attaches */
  private seen = new Map<number, AttachTarget[]>();

  constructor(
    private readonly probe: P,
    private readonly native: ProbeEnvironment['native'],
  ) {
    const call: HelperCall = (args) => native!.helperCommand!(probe, args);
    this.call = call;
    this.attach = new AttachManager(call);
  }

  usable(): boolean {
    return this.native?.helperCommand !== undefined;
  }

  status(problem: string | undefined): ProbeStatus {
    if (!this.usable())
      return {
        state: 'degraded',
        reason: `the native eBPF helper is not available to this agent (the ${this.probe} probe needs its tc programs)`,
      };
    const h = this.native!.helperState?.() ?? { state: 'running' };
    if (h.state !== 'running') return { state: 'degraded', reason: h.reason ?? 'native helper not running' };
    if (problem) return { state: 'degraded', reason: problem };
    const failures = this.attach.failures;
    if (failures.size > 0) {
      const [k, why] = failures.entries().next().value as [string, string];
      return {
        state: 'degraded',
        reason: `${failures.size} interface(s) could not be attached (first: ${k}: ${why})`,
      };
    }
    return { state: 'running' };
  }

  /** Loads the programs when their load options changed, then attaches what collect saw last cycle.
   *  Returns the load error, or the namespaces whose attachments went (to forget); `reloaded` runs
   *  when programs in place were replaced (their maps start empty). */
  async sync(options: TcLoadOptions[P], reloaded?: () => void): Promise<{ error: string } | { gone: number[] }> {
    const shape = tcLoadArgs(this.probe, options);
    const s = shape.join(' ');
    if (s !== this.loaded) {
      const f = parseFlowFrame(await this.call(['load', ...shape]));
      if (!f.ok) return { error: `${this.probe} program load failed: ${f.error}` };
      if (this.loaded !== '') {
        this.attach.reset();
        reloaded?.();
      }
      this.loaded = s;
    }
    const want = [...this.seen.values()].flat();
    this.seen = new Map();
    return { gone: await this.attach.sync(want) };
  }

  /** The helper answered without the programs (it restarted): load and attach again next cycle. */
  lost(): void {
    this.loaded = '';
    this.attach.reset();
  }

  /** Notes the interfaces of a target to attach next cycle: `names` (patterns allowed), or every
   *  interface but lo when undefined; `hostSide`: on the host end of each one's veth instead.
   *  False when the target's process is gone. */
  see(target: Target, procRoot: string, names: readonly string[] | undefined, hostSide = false): boolean {
    const path = netnsPath(target, procRoot);
    let ifnames: readonly string[];
    if (names && !names.some((n) => n.includes('*'))) {
      ifnames = names;
    } else {
      const r = readProcText(`${procRoot}/${target.pid}/net/dev`);
      if (!r.ok) return false;
      ifnames = interfacesOf(r.text).filter((n) => (names ? matchesAny(n, names) : n !== 'lo'));
    }
    this.seen.set(
      target.netnsInode,
      // lo has no host end: it stays inside the pod
      ifnames.map((ifname) => ({
        netnsInode: target.netnsInode,
        path,
        ifname,
        ...(hostSide && ifname !== 'lo' ? { hostSide } : {}),
      })),
    );
    return true;
  }

  async stop(): Promise<void> {
    if (this.usable() && this.loaded !== '') await this.call(['unload']).catch(() => undefined);
    this.lost();
  }
}

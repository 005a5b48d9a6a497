// The Kubernetes list+watch loop the agent uses for every kind it follows (pods of this node, and
// for peer names Services and Nodes), through kube-api.ts, kept in a cache by key.
//
// The loop, as client-go's reflector does it:
//   list (paged) → cache replaced whole, resourceVersion remembered
//   watch from that resourceVersion with bookmarks → ADDED/MODIFIED/DELETED update the cache,
//     BOOKMARK only moves the resourceVersion
//   watch ended by the server (timeoutSeconds) → watch again from the last resourceVersion
//   410 Gone (as an HTTP status or as an ERROR event) → list again
//   any other failure → retry with exponential backoff and jitter, the cache kept as it was:
//     names survive an API outage and are reported stale in /status until the next sync.
// A watch that goes silent (no event, no bookmark) for longer than the server's own timeout plus a
// margin is abandoned and re-opened, so a half-open connection cannot freeze the names.
import type { Logger } from '../log.js';
import { loadKubeConfig, type KubeApi } from './kube-api.js';

export type WatchState = 'connecting' | 'synced' | 'stale' | 'stopped';

/** The loop's state, for /status. */
export interface ListWatchStatus {
  readonly state: WatchState;
  /** True when the names may be out of date: not (or no longer) following the API. */
  readonly stale: boolean;
  readonly staleSeconds: number | null;
  readonly server: string;
  readonly resourceVersion: string;
  readonly lastSyncAt: string | null;
  readonly lastEventAt: string | null;
  readonly lastError: string | null;
  readonly lists: number;
  readonly goneRelists: number;
  readonly watches: number;
  readonly reconnects: number;
  readonly bookmarks: number;
  readonly events: number;
}

export interface ListWatchOptions {
  /** A kubeconfig file; unset: in-cluster (service account), else the default kubeconfig. */
  readonly kubeconfig?: string;
  /** Already loaded (a caller with its own auth, or one connection for several watches). Wins over kubeconfig. */
  readonly api?: KubeApi;
  /** In-cluster: where /var/run/secrets/kubernetes.io/serviceaccount is rooted (default: /). */
  readonly serviceAccountRoot?: string;
  readonly log: Logger;
  /** Server-side watch timeout (timeoutSeconds), default 300. */
  readonly watchTimeoutSeconds?: number;
  /** Abandon a watch silent for this long; default watchTimeoutSeconds + 60 s. */
  readonly idleTimeoutMs?: number;
  /** Backoff after a failure: initial and maximum delay, default 500 ms and 30 s. */
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
  /** Page size of the list, default 500. */
  readonly pageSize?: number;
  /** A list that has not answered after this long is abandoned, default 30 s. */
  readonly requestTimeoutMs?: number;
  /** Called after every change of the cache (tests, metrics). */
  readonly onChange?: () => void;
}

/** One page of a list, as the API answers it. */
interface ListAnswer {
  items?: readonly unknown[];
  metadata?: { resourceVersion?: string; continue?: string };
}

interface RawObject {
  metadata?: { resourceVersion?: string };
}

class GoneError extends Error {}

/** changes kept for changedSince (older ones: the caller is told it cannot be said) */
const CHANGE_LOG_MAX = 1024;
/** more changed addresses than this: changedSince says it cannot say (the caller re-checks all) */
const CHANGED_ADDRESSES_MAX = 4096;

function describeError(err: unknown): string {
  const e = err as { code?: unknown; statusCode?: unknown; message?: string; body?: unknown } | undefined;
  const code = e?.statusCode ?? e?.code;
  const first = String(e?.message ?? err).split('\n')[0];
  return code !== undefined && !first.includes(String(code)) ? `${String(code)}: ${first}` : first;
}

function isGone(err: unknown): boolean {
  const e = err as { code?: unknown; statusCode?: unknown } | undefined;
  return err instanceof GoneError || e?.statusCode === 410 || e?.code === 410;
}

const iso = (ms: number | undefined): string | null => (ms !== undefined ? new Date(ms).toISOString() : null);

export abstract class ListWatch<T> {
  protected readonly api: KubeApi;
  protected items = new Map<string, T>();
  /** counts changes of the cache (indexes built from it compare it) */
  protected version = 0;
  protected rv = '';

  /** changes of the cache so far (a list, an upsert, a removal): a lookup's answer may differ after one */
  get changes(): number {
    return this.version;
  }

  /** per change after the oldest kept, the addresses it gave or took (undefined: unknown, a list) */
  private changeLog: { version: number; addresses: readonly string[] | undefined }[] = [];

  /** The addresses an object answers for in a lookup by address (pod IPs, ClusterIPs, node
   *  addresses), for changedSince; undefined: this kind is not looked up by address. */
  protected addressesOf(_info: T): readonly string[] | undefined {
    return undefined;
  }

  /** The addresses whose lookup may answer otherwise than after change number `changes` (a value
   *  of `changes`): those an upsert or removal since gave or took. Undefined when that is not
   *  known: a list since (the cache replaced whole), changes older than the log, or too many. */
  changedSince(changes: number): ReadonlySet<string> | undefined {
    if (changes === this.version) return new Set();
    const log = this.changeLog;
    if (changes > this.version || log.length === 0 || log[0]!.version > changes + 1) return undefined;
    const out = new Set<string>();
    for (let i = log.length - 1; i >= 0 && log[i]!.version > changes; i--) {
      const a = log[i]!.addresses;
      if (a === undefined) return undefined;
      for (const x of a) out.add(x);
      if (out.size > CHANGED_ADDRESSES_MAX) return undefined;
    }
    return out;
  }

  private logChange(addresses: readonly string[] | undefined): void {
    this.changeLog.push({ version: this.version, addresses });
    if (this.changeLog.length > 2 * CHANGE_LOG_MAX) this.changeLog = this.changeLog.slice(-CHANGE_LOG_MAX);
  }

  /** an upsert's addresses: those the old object had and the new one has not, and the reverse (a
   *  pod's name never changes for its UID, nor a Service's or node's for its key) */
  private upsertAddresses(old: T | undefined, info: T): readonly string[] | undefined {
    const now = this.addressesOf(info);
    const before = old === undefined ? [] : this.addressesOf(old);
    if (now === undefined || before === undefined) return undefined;
    return [...now.filter((a) => !before.includes(a)), ...before.filter((a) => !now.includes(a))];
  }

  protected state: WatchState = 'connecting';
  protected stopped = false;
  private loop: Promise<void> | undefined;
  private abort: AbortController | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  protected lastSyncAt: number | undefined;
  protected lastEventAt: number | undefined;
  protected staleSince: number | undefined;
  protected lastError: string | undefined;
  protected counts = { lists: 0, goneRelists: 0, watches: 0, reconnects: 0, bookmarks: 0, events: 0 };

  /** `resource`: the plural of the kind (pods, services, nodes), as in /api/v1/<resource> */
  constructor(
    protected readonly resource: string,
    protected readonly opts: ListWatchOptions,
    /** a field selector for list and watch (pods: spec.nodeName=<node>) */
    protected readonly fieldSelector?: string,
  ) {
    this.api = opts.api ?? loadKubeConfig(opts);
  }
  /** What is kept of one object (undefined: skipped). */
  protected abstract infoOf(obj: unknown): T | undefined;
  protected abstract keyOf(info: T): string;
  /** The cache key of a DELETED event's object. */
  protected abstract deletedKey(obj: unknown): string | undefined;
  /** Hooks for indexes kept beside the cache. */
  protected replaced(): void {}
  protected upserted(_old: T | undefined, _info: T): void {}
  protected removed(_key: string, _old: T): void {}

  get server(): string {
    return this.api.server;
  }

  get size(): number {
    return this.items.size;
  }

  /** Every cached object (for /status and tests). */
  all(): IterableIterator<T> {
    return this.items.values();
  }

  /** Starts the list/watch loop in the background; resolves at once. */
  start(): void {
    if (this.loop) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /** Resolves once the first list has filled the cache, or after timeoutMs (false). */
  async waitForSync(timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (this.lastSyncAt === undefined && Date.now() < end && !this.stopped)
      await new Promise((r) => setTimeout(r, 20));
    return this.lastSyncAt !== undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.state = 'stopped';
    this.abort?.abort();
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.wake?.();
    // A request still connecting cannot be aborted from here: do not wait for it for long.
    let t: NodeJS.Timeout | undefined;
    await Promise.race([
      this.loop?.catch(() => undefined),
      new Promise((r) => {
        t = setTimeout(r, 2000);
        t.unref?.();
      }),
    ]);
    clearTimeout(t);
    this.loop = undefined;
  }

  watchStatus(): ListWatchStatus {
    const stale = this.state !== 'synced';
    const staleFrom = this.staleSince;
    return {
      state: this.state,
      stale,
      staleSeconds: stale && staleFrom !== undefined ? Math.round((Date.now() - staleFrom) / 100) / 10 : null,
      server: this.server,
      resourceVersion: this.rv,
      lastSyncAt: iso(this.lastSyncAt),
      lastEventAt: iso(this.lastEventAt),
      lastError: this.lastError ?? null,
      ...this.counts,
    };
  }

  private markStale(err: unknown): void {
    this.lastError = describeError(err);
    if (this.state === 'synced') {
      this.state = 'stale';
      this.staleSince = Date.now();
      this.opts.log.warn(`lost the Kubernetes API watch of ${this.resource}; keeping the last known names`, {
        error: this.lastError,
        [this.resource]: this.items.size,
      });
    } else if (this.staleSince === undefined) {
      this.staleSince = Date.now();
    }
  }

  private markSynced(): void {
    if (
      this.state !== 'synced' &&
      this.lastSyncAt !== undefined &&
      this.staleSince !== undefined &&
      this.counts.lists > 1
    ) {
      this.opts.log.info(`following the Kubernetes API (${this.resource}) again`, {
        [this.resource]: this.items.size,
        staleSeconds: Math.round((Date.now() - this.staleSince) / 1000),
      });
    }
    this.state = 'synced';
    this.staleSince = undefined;
    this.lastSyncAt = Date.now();
  }

  private async run(): Promise<void> {
    let attempt = 0;
    let gonesInARow = 0;
    const initial = this.opts.backoffInitialMs ?? 500;
    const max = this.opts.backoffMaxMs ?? 30_000;
    while (!this.stopped) {
      try {
        if (this.rv === '') await this.list();
        const opened = Date.now();
        const delivered = await this.watchOnce();
        if (delivered) {
          attempt = 0;
          gonesInARow = 0;
        } else if (Date.now() - opened < 1000 && !this.stopped) {
          // Ended at once with nothing delivered: do not spin; back off as after a failure.
          const delay = Math.min(max, initial * 2 ** Math.min(attempt, 20));
          attempt++;
          await this.sleep(delay);
        }
      } catch (err) {
        if (this.stopped) break;
        if (isGone(err)) {
          // The resourceVersion is too old: list again now (the cache stays until the list replaces it).
          this.counts.goneRelists++;
          this.rv = '';
          this.opts.log.debug('watch expired (410 Gone); listing again', { error: describeError(err) });
          // A server that answers 410 to every fresh list and watch must not make this spin.
          if (++gonesInARow > 3) await this.sleep(Math.min(max, initial * 2 ** Math.min(gonesInARow - 3, 20)));
          continue;
        }
        this.markStale(err);
        this.counts.reconnects++;
        const delay = Math.min(max, initial * 2 ** Math.min(attempt, 20));
        attempt++;
        await this.sleep(delay / 2 + Math.random() * (delay / 2));
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.sleepTimer = setTimeout(resolve, ms);
      this.sleepTimer.unref?.();
    });
  }

  private async list(): Promise<void> {
    const items = new Map<string, T>();
    let cont: string | undefined;
    let rv = '';
    const timeoutMs = this.opts.requestTimeoutMs ?? 30_000;
    for (let page = 0; page < 10_000; page++) {
      const ctl = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const res = await Promise.race([
        this.api.request<ListAnswer>('GET', `/api/v1/${this.resource}`, {
          query: { fieldSelector: this.fieldSelector, limit: this.opts.pageSize ?? 500, continue: cont },
          signal: ctl.signal,
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            reject(new Error(`list did not answer within ${timeoutMs} ms`));
            ctl.abort();
          }, timeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
      for (const item of res.items ?? []) {
        const info = this.infoOf(item);
        if (info) items.set(this.keyOf(info), info);
      }
      rv = res.metadata?.resourceVersion ?? '';
      cont = res.metadata?.continue || undefined;
      if (!cont) break;
    }
    // Replace whole: objects deleted while we were not watching are freed here.
    this.items = items;
    this.version++;
    this.logChange(undefined);
    this.replaced();
    this.rv = rv;
    this.counts.lists++;
    this.markSynced();
    this.opts.onChange?.();
  }

  private upsert(info: T): void {
    const k = this.keyOf(info);
    const old = this.items.get(k);
    this.items.set(k, info);
    this.version++;
    this.logChange(this.upsertAddresses(old, info));
    this.upserted(old, info);
  }

  private remove(key: string): void {
    const old = this.items.get(key);
    if (!old) return;
    this.items.delete(key);
    this.version++;
    this.logChange(this.addressesOf(old));
    this.removed(key, old);
  }

  /** One watch, until the server ends it (true: it delivered something) or it fails (throws). */
  private watchOnce(): Promise<boolean> {
    const timeoutSeconds = this.opts.watchTimeoutSeconds ?? 300;
    const idleMs = this.opts.idleTimeoutMs ?? timeoutSeconds * 1000 + 60_000;
    this.counts.watches++;
    return new Promise<boolean>((resolve, reject) => {
      let delivered = false;
      let settled = false;
      let gone: GoneError | undefined;
      let failure: Error | undefined;
      let idle: NodeJS.Timeout | undefined;
      const finish = (err: unknown): void => {
        if (settled) return;
        settled = true;
        if (idle) clearTimeout(idle);
        if (gone) reject(gone);
        else if (failure) reject(failure);
        else if (err && !this.stopped) reject(err);
        else resolve(delivered);
      };
      const armIdle = (): void => {
        if (idle) clearTimeout(idle);
        idle = setTimeout(() => {
          failure = new Error(`watch silent for ${idleMs} ms`);
          this.abort?.abort();
          finish(failure);
        }, idleMs);
        idle.unref?.();
      };
      armIdle();
      const onEvent = (type: string, obj: unknown): void => {
        if (settled) return;
        armIdle();
        this.lastEventAt = Date.now();
        if (type === 'ERROR') {
          const st = obj as { code?: number; reason?: string; message?: string } | undefined;
          if (st?.code === 410 || st?.reason === 'Expired' || st?.reason === 'Gone')
            gone = new GoneError(st?.message ?? 'resourceVersion too old');
          else
            failure = new Error(
              `watch error event: ${st?.code ?? '?'} ${st?.reason ?? ''} ${st?.message ?? ''}`.trim(),
            );
          this.abort?.abort();
          finish(undefined);
          return;
        }
        const rv = (obj as RawObject | undefined)?.metadata?.resourceVersion;
        if (type === 'BOOKMARK') {
          this.counts.bookmarks++;
        } else if (type === 'ADDED' || type === 'MODIFIED') {
          const info = this.infoOf(obj);
          if (info) this.upsert(info);
          this.counts.events++;
        } else if (type === 'DELETED') {
          const key = this.deletedKey(obj);
          if (key !== undefined) this.remove(key);
          this.counts.events++;
        } else {
          return;
        }
        if (typeof rv === 'string' && rv !== '') this.rv = rv;
        delivered = true;
        // The watch is answering: the names are current again.
        if (this.state !== 'synced') this.markSynced();
        else this.lastSyncAt = Date.now();
        if (type !== 'BOOKMARK') this.opts.onChange?.();
      };
      this.api
        .watch(
          `/api/v1/${this.resource}`,
          {
            resourceVersion: this.rv,
            allowWatchBookmarks: true,
            timeoutSeconds,
            ...(this.fieldSelector !== undefined ? { fieldSelector: this.fieldSelector } : {}),
          },
          onEvent,
          (err: unknown) => finish(err),
        )
        .then(
          (ctl) => {
            this.abort = ctl;
            if (settled) ctl.abort();
            else if (this.state !== 'synced' && this.lastSyncAt !== undefined && !settled) {
              // Connected again after an outage, from a resourceVersion the server still has.
              this.markSynced();
            }
          },
          (err: unknown) => finish(err),
        );
    });
  }
}

// KubeSkoop's `loki` sink: each event, as the JSON line KubeSkoop writes, pushed to Loki's push API
// (/loki/api/v1/push) in one stream {instance="<node>", job="kubeskoop"} — what KubeSkoop's
// controller and web console query (`{job="kubeskoop"} | json`, nodes by `instance`).
// Batched (by count, bytes and time), one request in flight, retried with exponential backoff on
// 429, 5xx and network errors, dropped on other 4xx; a bounded buffer in front. Every event that
// does not reach Loki is counted (onUndelivered) with its cause. Timestamps never go backwards
// within the stream (Loki refuses out-of-order entries unless unordered writes are on).
import protobuf from 'protobufjs';
import { compress } from 'snappyjs';
import type { Logger } from '../log.js';

/** Why an event did not reach Loki (the error.type values of kubeskoop.event.undelivered). */
export type LokiDropCause = 'loki_buffer_full' | 'loki_rejected' | 'loki_failed';

export interface LokiEntry {
  /** ns since the Unix epoch */
  readonly timeUnixNano: bigint;
  readonly line: string;
}

export interface LokiPushOptions<T> {
  readonly url: string;
  readonly encoding: 'json' | 'protobuf';
  readonly tenant?: string;
  readonly streamLabels: Readonly<Record<string, string>>;
  readonly log: Logger;
  /** Called once per entry that will never reach Loki. */
  readonly onUndelivered?: (tag: T, cause: LokiDropCause) => void;
  readonly maxBatchEntries?: number;
  readonly maxBatchBytes?: number;
  /** How long the first entry of a batch waits for others. */
  readonly batchWaitMs?: number;
  /** Entries held while Loki is slow or down; beyond, new ones are dropped (loki_buffer_full). */
  readonly maxBufferedEntries?: number;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Attempts of one batch, the first included. */
  readonly maxAttempts?: number;
  readonly timeoutMs?: number;
}

/** Where a sink address pushes: a URL (its path kept when it names a push endpoint), or
 *  host[:port] with port 3100 (KubeSkoop forced :3100). */
export function lokiPushUrl(address: string): string {
  const withScheme = /^https?:\/\//.test(address) ? address : `http://${address}`;
  const u = new URL(withScheme);
  if (!/^https?:\/\//.test(address) && u.port === '') u.port = '3100';
  const path = u.pathname.replace(/\/+$/, '');
  if (path.endsWith('/loki/api/v1/push') || path.endsWith('/api/prom/push')) return u.toString();
  u.pathname = `${path}/loki/api/v1/push`;
  return u.toString();
}

/** Loki's OTLP logs endpoint for the same address forms (`protocol: otlp`). */
export function lokiOtlpUrl(address: string): string {
  const base = /^https?:\/\//.test(address)
    ? address.replace(/\/$/, '')
    : `http://${/:\d+$/.test(address) ? address : `${address}:3100`}`;
  return base.endsWith('/otlp') ? `${base}/v1/logs` : `${base}/otlp/v1/logs`;
}

/** A label set in the Prometheus selector form Loki's protobuf push takes: {a="x", b="y"}. */
export function lokiLabelString(labels: Readonly<Record<string, string>>): string {
  const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `{${Object.keys(labels)
    .sort()
    .map((k) => `${k}="${esc(labels[k]!)}"`)
    .join(', ')}}`;
}

// Loki's push.proto (pkg/push): PushRequest → StreamAdapter → EntryAdapter; the timestamp is a
// google.protobuf.Timestamp, declared here with the same field numbers.
const PUSH_PROTO = `syntax = "proto3";
package logproto;
message PushRequest { repeated StreamAdapter streams = 1; }
message StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
message EntryAdapter { Timestamp timestamp = 1; string line = 2; }
message Timestamp { int64 seconds = 1; int32 nanos = 2; }`;
export const LOKI_PUSH_REQUEST = protobuf.parse(PUSH_PROTO).root.lookupType('logproto.PushRequest');

/** One push request body of one stream (entries already in order), and its content type. */
export function encodePush(
  labels: Readonly<Record<string, string>>,
  entries: readonly LokiEntry[],
  encoding: 'json' | 'protobuf',
): { body: Buffer; contentType: string } {
  if (encoding === 'json') {
    // Timestamps as strings of nanoseconds (they exceed 2^53), as Loki's JSON push wants them.
    const values = entries.map((e) => [e.timeUnixNano.toString(), e.line]);
    return {
      body: Buffer.from(JSON.stringify({ streams: [{ stream: labels, values }] })),
      contentType: 'application/json',
    };
  }
  const message = LOKI_PUSH_REQUEST.fromObject({
    streams: [
      {
        labels: lokiLabelString(labels),
        entries: entries.map((e) => ({
          timestamp: {
            seconds: (e.timeUnixNano / 1_000_000_000n).toString(),
            nanos: Number(e.timeUnixNano % 1_000_000_000n),
          },
          line: e.line,
        })),
      },
    ],
  });
  return {
    body: Buffer.from(compress(LOKI_PUSH_REQUEST.encode(message).finish())),
    contentType: 'application/x-protobuf',
  };
}

interface Queued<T> {
  entry: LokiEntry;
  tag: T;
  bytes: number;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    t.unref();
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

export class LokiPusher<T> {
  private readonly o: Required<Omit<LokiPushOptions<T>, 'tenant' | 'onUndelivered'>> &
    Pick<LokiPushOptions<T>, 'tenant' | 'onUndelivered'>;
  private queue: Queued<T>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private readonly stopping = new AbortController();
  /** the newest timestamp sent in the stream: later entries never go below it */
  private lastTs = 0n;
  readonly stats = {
    pushed: 0,
    requests: 0,
    retries: 0,
    dropped: { loki_buffer_full: 0, loki_rejected: 0, loki_failed: 0 },
  };

  constructor(opts: LokiPushOptions<T>) {
    this.o = {
      maxBatchEntries: 1000,
      maxBatchBytes: 1024 * 1024,
      batchWaitMs: 1000,
      maxBufferedEntries: 10_000,
      minBackoffMs: 500,
      maxBackoffMs: 30_000,
      maxAttempts: 10,
      timeoutMs: 10_000,
      ...opts,
    };
  }

  push(entry: LokiEntry, tag: T): void {
    if (this.stopping.signal.aborted || this.queue.length >= this.o.maxBufferedEntries) {
      this.drop([{ entry, tag, bytes: 0 }], 'loki_buffer_full');
      this.o.log.once(
        'loki-buffer-full',
        'warn',
        'Loki is not keeping up: events dropped (counted in kubeskoop.event.undelivered)',
        { url: this.o.url, buffered: this.queue.length },
      );
      return;
    }
    this.queue.push({ entry, tag, bytes: entry.line.length + 32 });
    if (!this.sending) this.schedule();
  }

  /** A full batch goes now; otherwise the first entry waits batchWaitMs for others. */
  private schedule(): void {
    if (this.queue.length >= this.o.maxBatchEntries) this.kick();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.kick();
      }, this.o.batchWaitMs);
      this.timer.unref();
    }
  }

  /** Sends everything queued, batch after batch (one request in flight). */
  private kick(): void {
    if (this.sending) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.sending = (async () => {
      while (this.queue.length > 0 && !this.stopping.signal.aborted) await this.sendBatch(this.takeBatch());
    })().finally(() => {
      this.sending = undefined;
      if (this.queue.length > 0 && !this.stopping.signal.aborted) this.schedule();
    });
  }

  private takeBatch(): Queued<T>[] {
    let bytes = 0;
    let n = 0;
    while (
      n < this.queue.length &&
      n < this.o.maxBatchEntries &&
      (n === 0 || bytes + this.queue[n]!.bytes <= this.o.maxBatchBytes)
    ) {
      bytes += this.queue[n]!.bytes;
      n++;
    }
    const batch = this.queue.splice(0, n);
    // In time order, and never below what the stream already has (the kernel's timestamps of events
    // from different CPUs can arrive slightly out of order).
    batch.sort((a, b) =>
      a.entry.timeUnixNano < b.entry.timeUnixNano ? -1 : a.entry.timeUnixNano > b.entry.timeUnixNano ? 1 : 0,
    );
    for (const q of batch) {
      if (q.entry.timeUnixNano < this.lastTs) q.entry = Object.assign({}, q.entry, { timeUnixNano: this.lastTs });
      this.lastTs = q.entry.timeUnixNano;
    }
    return batch;
  }

  private async sendBatch(batch: Queued<T>[]): Promise<void> {
    const { body, contentType } = encodePush(
      this.o.streamLabels,
      batch.map((q) => q.entry),
      this.o.encoding,
    );
    let backoff = this.o.minBackoffMs;
    for (let attempt = 1; ; attempt++) {
      let status = 0;
      let detail = '';
      try {
        this.stats.requests++;
        const res = await fetch(this.o.url, {
          method: 'POST',
          body,
          headers: {
            'content-type': contentType,
            ...(this.o.tenant !== undefined ? { 'x-scope-orgid': this.o.tenant } : {}),
          },
          signal: AbortSignal.timeout(this.o.timeoutMs),
        });
        status = res.status;
        detail = (await res.text()).slice(0, 300);
      } catch (err) {
        detail =
          (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message;
      }
      if (status >= 200 && status < 300) {
        this.stats.pushed += batch.length;
        return;
      }
      const retriable = status === 0 || status === 429 || status >= 500;
      if (!retriable) {
        this.drop(batch, 'loki_rejected');
        this.o.log.once(`loki-rejected:${status}`, 'warn', 'Loki refused a push; its events are dropped', {
          url: this.o.url,
          status,
          detail,
        });
        return;
      }
      if (attempt >= this.o.maxAttempts || this.stopping.signal.aborted) {
        this.drop(batch, 'loki_failed');
        this.o.log.once('loki-failed', 'warn', 'pushing to Loki failed after retries; its events are dropped', {
          url: this.o.url,
          status,
          detail,
          attempts: attempt,
        });
        return;
      }
      this.stats.retries++;
      this.o.log.once(`loki-retry:${status}`, 'warn', 'Loki push failed; retrying with backoff', {
        url: this.o.url,
        status,
        detail,
      });
      // Full jitter keeps many agents from retrying in step after a Loki restart.
      await sleep(backoff / 2 + (Math.random() * backoff) / 2, this.stopping.signal);
      backoff = Math.min(backoff * 2, this.o.maxBackoffMs);
    }
  }

  private drop(batch: readonly Queued<T>[], cause: LokiDropCause): void {
    this.stats.dropped[cause] += batch.length;
    for (const q of batch) this.o.onUndelivered?.(q.tag, cause);
  }

  /** Sends what is queued (waiting at most `graceMs`), then stops; what is left is dropped and counted. */
  async close(graceMs = 5000): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const deadline = new Promise<void>((resolve) => {
      const t = setTimeout(resolve, graceMs);
      t.unref();
    });
    if (this.queue.length > 0) this.kick();
    await Promise.race([this.sending ?? Promise.resolve(), deadline]);
    this.stopping.abort();
    await this.sending;
    if (this.queue.length > 0) this.drop(this.queue.splice(0), 'loki_failed');
  }
}

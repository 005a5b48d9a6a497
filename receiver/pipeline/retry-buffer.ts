// A bounded retry buffer in front of an OTLP exporter of events (log records) or spans. A collector
// rollout takes 30 s–2 min; the SDK's exporters retry one request for at most their timeout, and a
// batch processor hands each batch over once, so without this an outage loses every event it covers.
// The batch processor's batches are accepted here at once (its queue keeps draining), held in order,
// and sent one at a time; a failed send is retried with exponential backoff (and jitter) until the
// backend answers. The buffer is bounded in records and in (estimated) bytes: when full, the oldest
// records are dropped first and counted. A backend that refuses a request for good (a malformed or
// unauthorised request: retrying cannot help) loses that request, counted as rejected.
// Metrics need none of this: they are cumulative, so the next export after an outage carries it all.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';

export type BufferDropCause = 'buffer_full' | 'rejected' | 'shutdown';

/** What a log record or span exporter has in common. */
export interface BatchExporter<T> {
  export(items: T[], resultCallback: (result: ExportResult) => void): void;
  forceFlush?(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface RetryBufferOptions<T> {
  /** The most records held (sent and waiting). */
  readonly maxRecords: number;
  /** The most bytes held, by `sizeOf`'s estimate of each record's heap size. */
  readonly maxBytes: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** Estimated heap bytes one record holds while buffered. */
  sizeOf(item: T): number;
  /** Records that will never be sent, and why. */
  onDrop(count: number, cause: BufferDropCause): void;
  /** Records a send delivered. */
  onDelivered?(count: number): void;
}

interface Batch<T> {
  items: T[];
  sizes: number[];
  bytes: number;
}

// gRPC status codes (numbers below 100) and HTTP statuses a retry cannot change: the request itself is
// refused. Everything else (no answer, UNAVAILABLE, DEADLINE_EXCEEDED, 429, 5xx, a reset) is transient.
const GRPC_PERMANENT = new Set([3, 5, 6, 7, 9, 12, 16]); // INVALID_ARGUMENT … UNIMPLEMENTED, UNAUTHENTICATED
export function isPermanentFailure(err: Error | undefined): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'number') return false;
  if (code < 100) return GRPC_PERMANENT.has(code);
  return code >= 400 && code < 500 && code !== 408 && code !== 429;
}

export class RetryBuffer<T> implements BatchExporter<T> {
  private readonly queue: Batch<T>[] = [];
  private records = 0;
  private bytes = 0;
  private sending = false;
  private timer: NodeJS.Timeout | undefined;
  private backoffMs: number;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly inner: BatchExporter<T>,
    private readonly opts: RetryBufferOptions<T>,
  ) {
    this.backoffMs = opts.initialBackoffMs;
  }

  /** Records held now (being sent or waiting). */
  get size(): number {
    return this.records;
  }
  get sizeBytes(): number {
    return this.bytes;
  }
  /** Set when sends are failing and the buffer waits for the next attempt. */
  get retrying(): boolean {
    return this.timer !== undefined;
  }

  export(items: T[], resultCallback: (result: ExportResult) => void): void {
    if (this.stopped) {
      this.opts.onDrop(items.length, 'shutdown');
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('the retry buffer is shut down') });
      return;
    }
    if (items.length > 0) {
      const sizes = items.map((x) => this.opts.sizeOf(x));
      const bytes = sizes.reduce((a, b) => a + b, 0);
      this.queue.push({ items: items.slice(), sizes, bytes });
      this.records += items.length;
      this.bytes += bytes;
      this.enforceBound();
      this.pump();
    }
    // Accepted: from here the buffer owns delivery (and the counting of what it cannot deliver).
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  /** Drops the oldest records until the buffer is within its bounds. The batch being sent stays whole
   *  (it is in the exporter's hands); the records after it go first. */
  private enforceBound(): void {
    let dropped = 0;
    const first = this.sending ? 1 : 0;
    while ((this.records > this.opts.maxRecords || this.bytes > this.opts.maxBytes) && this.queue.length > first) {
      const b = this.queue[first]!;
      // Whole batches when that is what it takes; otherwise just enough of the oldest records.
      let n = 0;
      let freed = 0;
      const over = (): boolean => this.records - n > this.opts.maxRecords || this.bytes - freed > this.opts.maxBytes;
      while (n < b.items.length && over()) {
        freed += b.sizes[n]!;
        n++;
      }
      if (n === 0) break;
      b.items.splice(0, n);
      b.sizes.splice(0, n);
      b.bytes -= freed;
      this.records -= n;
      this.bytes -= freed;
      dropped += n;
      if (b.items.length === 0) this.queue.splice(first, 1);
    }
    if (dropped > 0) this.opts.onDrop(dropped, 'buffer_full');
  }

  private pump(): void {
    if (this.sending || this.timer !== undefined || this.queue.length === 0) {
      if (!this.sending && this.queue.length === 0) this.notifyIdle();
      return;
    }
    const batch = this.queue[0]!;
    this.sending = true;
    let settled = false;
    const done = (r: ExportResult): void => {
      if (settled) return;
      settled = true;
      this.sending = false;
      if (r.code === ExportResultCode.SUCCESS || isPermanentFailure(r.error)) {
        this.queue.shift();
        this.records -= batch.items.length;
        this.bytes -= batch.bytes;
        if (r.code === ExportResultCode.SUCCESS) {
          this.backoffMs = this.opts.initialBackoffMs;
          this.opts.onDelivered?.(batch.items.length);
        } else {
          this.opts.onDrop(batch.items.length, 'rejected');
        }
        this.pump();
        return;
      }
      if (this.stopped) {
        this.notifyIdle();
        return;
      }
      // Transient: try the same batch again after the backoff (±20 % so agents do not retry in step).
      const wait = Math.min(this.backoffMs, this.opts.maxBackoffMs) * (0.8 + 0.4 * Math.random());
      this.backoffMs = Math.min(this.backoffMs * 2, this.opts.maxBackoffMs);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, wait);
      this.timer.unref();
      this.notifyIdle();
    };
    try {
      this.inner.export(batch.items, done);
    } catch (err) {
      done({ code: ExportResultCode.FAILED, error: err as Error });
    }
  }

  private notifyIdle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }

  /** Resolves when the buffer is empty, or when a send failed and the buffer waits to retry (a flush
   *  does not wait out an outage). */
  private settle(): Promise<void> {
    if (this.queue.length === 0 || (!this.sending && this.timer !== undefined)) return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
    });
  }

  async forceFlush(): Promise<void> {
    if (this.timer !== undefined) {
      // A flush is a good moment for one more attempt.
      clearTimeout(this.timer);
      this.timer = undefined;
      this.pump();
    }
    await this.settle();
    await this.inner.forceFlush?.();
  }

  /** One last attempt at what is held; what is still held after it is dropped and counted. */
  async shutdown(): Promise<void> {
    await this.forceFlush();
    this.stopped = true;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const left = this.records - (this.sending ? this.queue[0]!.items.length : 0);
    if (left > 0) this.opts.onDrop(left, 'shutdown');
    this.queue.splice(this.sending ? 1 : 0);
    await this.inner.shutdown();
  }
}

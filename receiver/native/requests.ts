// Requests to the helper answered by one JSON frame carrying the same id (counter dumps, the
// tcpsummary and qdisc commands): one table of waiting promises, each with its timeout.

interface Pending {
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
  readonly what: string;
}

export class RequestTable {
  private readonly pending = new Map<string, Pending>();

  /** Waits for answer(id); `send` writes the request once the waiter is in place. Rejected with
   *  "<what> timed out" after timeoutMs, or "<what>: <reason>" by failAll. */
  ask<T>(id: string, what: string, timeoutMs: number, send: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${what} timed out`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer, what });
      send();
    });
  }

  has(id: string): boolean {
    return this.pending.has(id);
  }

  /** Settles the request `id` (an Error rejects it); false when nothing waits for it. */
  answer(id: string, value: unknown): boolean {
    const p = this.pending.get(id);
    if (!p) return false;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (value instanceof Error) p.reject(value);
    else p.resolve(value);
    return true;
  }

  /** Rejects everything waiting (the helper died or gave up). */
  failAll(reason: string): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(`${p.what}: ${reason}`));
    }
    this.pending.clear();
  }
}

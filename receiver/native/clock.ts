// Kernel timestamps → wall-clock time.
//
// BPF stamps events with bpf_ktime_get_boot_ns() = CLOCK_BOOTTIME (it keeps counting during
// suspend, unlike CLOCK_MONOTONIC, so one offset holds across a suspend). Node cannot read
// CLOCK_BOOTTIME, so the helper sends clock records pairing a boottime reading with a
// realtime reading taken between two boottime reads (error < half the gap, ~100 ns). The
// helper repeats them every 2 s and before each counter dump; using the newest pair means a
// step of the wall clock (NTP, settimeofday) is followed within 2 s.

import type { ClockRecord } from './records.js';

export interface ClockSync {
  bootTimeNs: bigint;
  realtimeNs: bigint;
}

/** Pure: wall-clock ns since the Unix epoch for a CLOCK_BOOTTIME ns reading. */
export function bootToUnixNano(bootNs: bigint, sync: ClockSync): bigint {
  return sync.realtimeNs + (bootNs - sync.bootTimeNs);
}

/** [seconds, nanoseconds] as OpenTelemetry's HrTime wants it. */
export function unixNanoToHrTime(ns: bigint): [number, number] {
  const s = ns / 1_000_000_000n;
  return [Number(s), Number(ns - s * 1_000_000_000n)];
}

export class KernelClock {
  private sync: ClockSync | undefined;

  update(r: ClockRecord): void {
    this.sync = { bootTimeNs: r.bootTimeNs, realtimeNs: r.realtimeNs };
  }

  get synced(): boolean {
    return this.sync !== undefined;
  }

  /** Wall-clock ns; before the first clock record (never the case with the real helper,
   *  which sends one right after hello) falls back to "now". */
  toUnixNano(bootNs: bigint): bigint {
    if (this.sync) return bootToUnixNano(bootNs, this.sync);
    return BigInt(Date.now()) * 1_000_000n;
  }
}

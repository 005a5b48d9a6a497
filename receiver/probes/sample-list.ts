// Samples kept across cycles. A probe writes one target's samples through a SampleList that the
// scheduler keeps per probe and target: a series at the same position with the same metric and the
// same attribute object as last time keeps its sample object, and only its value is written. The
// probes' attribute objects are constants or cached (MIB specs, interface/direction pairs), so an
// unchanged namespace's cycle allocates no sample and no array.
//
// Two buffers alternate: the snapshot a cycle publishes is read (/metrics, OTLP, /status) while the
// next cycle writes, so a cycle writes into the samples of the snapshot before the last one, which
// nobody reads any more. A snapshot's samples therefore stay as published until two cycles later.
import type { MetricDefinition } from '../../semconv/types.js';
import type { HistogramValue, MetricSample, SampleAttributes } from './probe.js';

interface Slot {
  metric: MetricDefinition;
  value: number | HistogramValue;
  attributes: SampleAttributes;
}

export class SampleList {
  private readonly buffers: [Slot[], Slot[]] = [[], []];
  private current = 0;
  private n = 0;
  private out: Slot[] = this.buffers[0];

  /** A new cycle: writes go to the other buffer (the one published two cycles ago), or with `fresh`
   *  to a new one (that snapshot is still read: its samples are left as they are). */
  next(fresh = false): this {
    this.current ^= 1;
    if (fresh) this.buffers[this.current] = [];
    this.out = this.buffers[this.current]!;
    this.n = 0;
    return this;
  }

  add(metric: MetricDefinition, value: number | HistogramValue, attributes: SampleAttributes): void {
    const s = this.out[this.n];
    if (s !== undefined && s.metric === metric && s.attributes === attributes) s.value = value;
    else this.out[this.n] = { metric, value, attributes };
    this.n++;
  }

  /** The samples written since next() (the same array as two cycles ago, cut to this cycle's length). */
  samples(): readonly MetricSample[] {
    if (this.out.length !== this.n) this.out.length = this.n;
    return this.out;
  }
}

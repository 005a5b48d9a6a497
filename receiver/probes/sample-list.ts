// Samples kept across cycles. A probe writes one target's samples through a SampleList that the
// scheduler keeps per probe and target: a series at the same position with the same metric and the
// same attribute object as last time keeps its sample object, and only its value is written. The
// probes' attribute objects are constants or cached (MIB specs, interface/direction pairs), so an
// unchanged namespace's cycle allocates no sample and no array.
//
// One sample object per series. The published snapshot is read (/metrics, OTLP, /status) while the
// next cycle runs, so a cycle's values wait in `pending` and go into the samples only when the
// scheduler publishes the cycle (publish()): until then every reader sees the last cycle's values.
// A reader that reads across awaits holds its snapshot (holdSnapshot); publishing while any snapshot
// is held gives the new cycle copies, and the held one keeps its own. (Two
// alternating sets of samples did this without the hold by keeping every series twice: 65,801 sample
// objects with their boxed values, 4.0 MiB, in a heap snapshot at 250 pods.)
import type { MetricDefinition } from '../../semconv/types.js';
import type { HistogramValue, MetricSample, SampleAttributes } from './probe.js';

interface Slot {
  metric: MetricDefinition;
  value: number | HistogramValue;
  attributes: SampleAttributes;
}

export class SampleList {
  /** The samples last published: never written while a cycle runs. */
  private published: Slot[] = [];
  /** This cycle's samples once they differ from the published ones (a new metric or attribute object
   *  at a position): new sample objects, nobody else's. */
  private own: Slot[] | undefined;
  /** This cycle's values of the first `n` published samples, while the cycle repeats their series. */
  private readonly pending: (number | HistogramValue)[] = [];
  private n = 0;

  /** A new cycle: the samples written from now on replace the published ones at publish(). */
  next(): this {
    this.own = undefined;
    this.n = 0;
    return this;
  }

  add(metric: MetricDefinition, value: number | HistogramValue, attributes: SampleAttributes): void {
    const i = this.n++;
    if (this.own !== undefined) {
      this.own.push({ metric, value, attributes });
      return;
    }
    const s = this.published[i];
    if (s !== undefined && s.metric === metric && s.attributes === attributes) {
      this.pending[i] = value;
      return;
    }
    // Another series here: this cycle gets its own samples (those repeated so far, with their new values).
    const own = this.repeatedCopies(i);
    own.push({ metric, value, attributes });
    this.own = own;
  }

  /** New samples for the first `n` published ones, with this cycle's values. */
  private repeatedCopies(n: number): Slot[] {
    const copies: Slot[] = [];
    for (let k = 0; k < n; k++) {
      const p = this.published[k]!;
      copies.push({ metric: p.metric, value: this.pending[k]!, attributes: p.attributes });
    }
    return copies;
  }

  /** The samples written since next(), as the probe hands them over. A list never published has
   *  them with their values; a kept list whose cycle repeats the published series answers with the
   *  published samples, values and length still the last cycle's until publish() (the scheduler puts
   *  publish()'s answer in the snapshot). */
  samples(): readonly MetricSample[] {
    return this.own ?? this.published;
  }

  /** The cycle's samples, published: the repeated samples take this cycle's values in place, or, with
   *  `copy` (a snapshot is still being read), in new sample objects. */
  publish(copy: boolean): readonly MetricSample[] {
    const n = this.n;
    if (this.own !== undefined) {
      this.published = this.own;
      this.own = undefined;
    } else if (copy) {
      this.published = this.repeatedCopies(n);
    } else {
      const out = this.published;
      for (let k = 0; k < n; k++) out[k]!.value = this.pending[k]!;
      if (out.length !== n) out.length = n;
    }
    // a shorter cycle: the values beyond it (a histogram's object among them) are let go
    if (this.pending.length > n) this.pending.length = n;
    return this.published;
  }
}

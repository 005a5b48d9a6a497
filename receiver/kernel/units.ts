// Durations as the agent writes them: seconds for attributes (metrics and events must agree on a
// threshold's value), and short human text for event bodies.

/** Seconds as the threshold attribute writes them: 0.001, 0.01, 0.1 (no float noise). */
export function seconds(ns: number): number {
  return Number((ns / 1e9).toPrecision(9));
}

/** "150.2 ms", "35 µs", "1.02 s" */
export function humanDuration(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toPrecision(3)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toPrecision(4).replace(/\.?0+$/, '')} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toPrecision(3).replace(/\.?0+$/, '')} µs`;
  return `${ns} ns`;
}

// The probes this build implements, by canonical name. A probe listed in the registry's catalogue
// but not here is accepted in config and reported as unsupported with a reason.
import type { MetricProbeModule } from './probe.js';
import { netdev } from './netdev.js';

export const METRIC_PROBES: ReadonlyMap<string, MetricProbeModule> = new Map(
  [netdev].map((m) => [m.name, m]),
);

/** Enabled when the config names no metric probe: cheap procfs probes only. */
export const DEFAULT_METRIC_PROBES: readonly string[] = ['netdev'];

// Options of the eBPF event probes, as the config file writes them. KubeSkoop's `args` keys
// (enableStack) are accepted and ignored where they have no meaning here.
import type { NativeProbeOptions } from '../native/index.js';
import type { OptionsSchema } from './probe.js';
import { SOFTIRQ_NAMES } from '../kernel/softirq.js';

const rate = { anyOf: [{ type: 'integer', minimum: 0 }, { const: 'unlimited' }] };
const reasons = { type: 'array', items: { type: 'string', pattern: '^[A-Za-z0-9_]+$' } };

export function nativeOptionsSchema(withReasons: boolean): OptionsSchema {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      rate_per_namespace: rate,
      rate_per_node: rate,
      ring_kib: { type: 'integer', minimum: 4 },
      enableStack: { type: 'boolean' },
      ...(withReasons ? { ignore_reasons: reasons, only_reasons: reasons, count_only_reasons: reasons } : {}),
    },
  };
}

/** Config options → the helper's load options. */
export function nativeOptions(o: Readonly<Record<string, unknown>>): NativeProbeOptions {
  const out: NativeProbeOptions = {};
  if (o.rate_per_namespace !== undefined) out.netnsRatePerSecond = o.rate_per_namespace as number | 'unlimited';
  if (o.rate_per_node !== undefined) out.globalRatePerSecond = o.rate_per_node as number | 'unlimited';
  if (o.ring_kib !== undefined) out.ringKiB = o.ring_kib as number;
  // connections: the per-peer table shares the count map's bound
  if (o.max_peers !== undefined) out.countEntries = o.max_peers as number;
  if (o.slow_connect_ms !== undefined)
    out.slowConnectUs = Math.max(1, Math.round((o.slow_connect_ms as number) * 1000));
  if (o.ignore_reasons !== undefined) out.ignoreReasons = o.ignore_reasons as string[];
  if (o.only_reasons !== undefined) out.onlyReasons = o.only_reasons as string[];
  if (o.count_only_reasons !== undefined) out.countOnlyReasons = o.count_only_reasons as string[];
  // latency probes
  if (o.threshold_low_ms !== undefined)
    out.thresholdLowUs = Math.max(1, Math.round((o.threshold_low_ms as number) * 1000));
  if (o.threshold_high_ms !== undefined)
    out.thresholdHighUs = Math.max(1, Math.round((o.threshold_high_ms as number) * 1000));
  if (o.events_above !== undefined) out.eventLevel = o.events_above === 'low' ? 1 : o.events_above === 'high' ? 2 : 0;
  if (o.track_entries !== undefined) out.trackEntries = 2 ** Math.ceil(Math.log2(o.track_entries as number));
  const types = o['softirq-types'] ?? o.softirq_types;
  if (Array.isArray(types)) {
    let mask = 0;
    for (const t of types) {
      const i = SOFTIRQ_NAMES.indexOf(String(t).toUpperCase());
      if (i >= 0) mask |= 1 << i;
    }
    if (mask > 0) out.softirqMask = mask;
  }
  return out;
}

// Options of the eBPF event probes, as the config file writes them. KubeSkoop's `args` keys
// (enableStack) are accepted and ignored where they have no meaning here.
import type { NativeProbeOptions } from '../native/index.js';
import type { OptionsSchema } from './probe.js';

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
  if (o.ignore_reasons !== undefined) out.ignoreReasons = o.ignore_reasons as string[];
  if (o.only_reasons !== undefined) out.onlyReasons = o.only_reasons as string[];
  if (o.count_only_reasons !== undefined) out.countOnlyReasons = o.count_only_reasons as string[];
  return out;
}

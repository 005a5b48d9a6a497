// Probe names as written (any spelling KubeSkoop used) → canonical probes this build runs, with
// their options checked against each probe's schema. A probe KubeSkoop had that this build does
// not run is reported (warning, /status) and never refuses a working config.
import { formatPath } from './errors.js';
import { createAjv, schemaProblems } from './messages.js';
import { CANONICAL_PROBE_NAMES, resolveProbeName } from './probe-names.js';
import { PROBES } from '../../semconv/generated/registry.js';
import type { ProbeItem, Translated } from './translated.js';
import type { ProbeSelection, UnsupportedSelection } from './types.js';

/** What this build can run: probe name → JSON Schema of its options (or undefined: no options). */
export interface ProbeCapabilities {
  readonly metric: ReadonlyMap<string, Readonly<Record<string, unknown>> | undefined>;
  readonly event: ReadonlyMap<string, Readonly<Record<string, unknown>> | undefined>;
  readonly defaultMetricProbes: readonly string[];
}

export interface ResolvedProbes {
  metric: ProbeSelection[];
  event: ProbeSelection[];
  unsupported: UnsupportedSelection[];
  problems: string[];
  warnings: string[];
}

const optionsAjv = createAjv({ allErrors: true, strict: false, allowUnionTypes: true, verbose: true });

export function resolveProbes(
  t: Pick<Translated, 'metricProbes' | 'eventProbes'>,
  where: string,
  caps: ProbeCapabilities,
): ResolvedProbes {
  const out: ResolvedProbes = { metric: [], event: [], unsupported: [], problems: [], warnings: [] };
  const kindOf = new Map(PROBES.map((p) => [p.name, p.kind]));
  const seen = { metric: new Set<string>(), event: new Set<string>() };
  const handle = (item: ProbeItem, list: 'metric' | 'event'): void => {
    const r = resolveProbeName(item.name);
    if (r.kind === 'unknown') {
      const hint = r.suggestions.length > 0 ? `; did you mean ${r.suggestions.map((s) => `"${s}"`).join(' or ')}?` : '';
      out.problems.push(
        `${where}: at ${formatPath(item.path)}: found ${JSON.stringify(item.name)}, expected a probe name${hint} Valid names: ${CANONICAL_PROBE_NAMES.join(', ')}`,
      );
      return;
    }
    if (r.kind === 'unsupported') {
      out.unsupported.push({ name: item.name, canonical: r.canonical, reason: r.reason });
      out.warnings.push(
        `probe ${JSON.stringify(item.name)} (${formatPath(item.path)}) is not supported by kubeskoop-otel and will not run: ${r.reason}`,
      );
      return;
    }
    let target = list;
    if (list === 'metric' && kindOf.get(r.canonical) === 'event') {
      out.warnings.push(
        `probe ${r.canonical} (${formatPath(item.path)}) has events only; running it as an event probe`,
      );
      target = 'event';
    }
    const implemented = target === 'metric' ? caps.metric : caps.event;
    if (!implemented.has(r.canonical)) {
      // Known to KubeSkoop, not (yet) in this build: never a reason to refuse a working config.
      if (!out.unsupported.some((u) => u.canonical === r.canonical)) {
        const reason = `the ${target} side of probe ${r.canonical} is not implemented in this build of kubeskoop-otel`;
        out.unsupported.push({ name: item.name, canonical: r.canonical, reason });
        out.warnings.push(`probe ${JSON.stringify(item.name)} (${formatPath(item.path)}) will not run: ${reason}`);
      }
      return;
    }
    if (seen[target].has(r.canonical)) {
      out.warnings.push(
        `probe ${r.canonical} is listed more than once (${formatPath(item.path)}); the first entry is used`,
      );
      return;
    }
    const schema = implemented.get(r.canonical);
    if (schema !== undefined) {
      const validate = optionsAjv.compile(schema);
      if (!validate(item.options)) {
        out.problems.push(...schemaProblems(where, item.options, validate.errors ?? [], item.optionsPath));
        return;
      }
    }
    seen[target].add(r.canonical);
    (target === 'metric' ? out.metric : out.event).push({ name: r.canonical, options: item.options });
  };
  for (const item of t.metricProbes) handle(item, 'metric');
  for (const item of t.eventProbes) handle(item, 'event');
  return out;
}

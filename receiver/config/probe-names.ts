// Probe names in config: every spelling KubeSkoop used over time maps to one canonical name.
import { PROBES, UNSUPPORTED_PROBES } from '../../semconv/generated/registry.js';

export type ProbeNameResolution =
  | { readonly kind: 'known'; readonly canonical: string }
  | { readonly kind: 'unsupported'; readonly canonical: string; readonly reason: string }
  | { readonly kind: 'unknown'; readonly suggestions: readonly string[] };

const KNOWN = new Map<string, string>();
// Names and aliases first, then /status keys (shared ones, like procsnmp, go to the first probe).
for (const p of PROBES) for (const n of [p.name, ...p.aliases]) KNOWN.set(n.toLowerCase(), p.name);
for (const p of PROBES) if (!KNOWN.has(p.statusKey.toLowerCase())) KNOWN.set(p.statusKey.toLowerCase(), p.name);
const UNSUPPORTED = new Map<string, { canonical: string; reason: string }>();
for (const u of UNSUPPORTED_PROBES) {
  for (const n of [u.name, u.statusKey, ...u.aliases])
    UNSUPPORTED.set(n.toLowerCase(), { canonical: u.name, reason: u.reason });
}

/** Every canonical name, for "valid names are …" messages. */
export const CANONICAL_PROBE_NAMES: readonly string[] = PROBES.map((p) => p.name);

export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** The closest names among `candidates`, best first (at most 3, within a third of the length). */
export function closest(name: string, candidates: Iterable<string>): string[] {
  const lower = name.toLowerCase();
  const limit = Math.max(2, Math.ceil(lower.length / 3));
  return [...new Set(candidates)]
    .map((c) => ({ c, d: editDistance(lower, c.toLowerCase()) }))
    .filter(({ d }) => d <= limit)
    .sort((x, y) => x.d - y.d || x.c.localeCompare(y.c))
    .slice(0, 3)
    .map(({ c }) => c);
}

export function resolveProbeName(name: string): ProbeNameResolution {
  const key = name.trim().toLowerCase();
  const known = KNOWN.get(key);
  if (known !== undefined) return { kind: 'known', canonical: known };
  const unsupported = UNSUPPORTED.get(key);
  if (unsupported !== undefined) return { kind: 'unsupported', ...unsupported };
  // Compare with every spelling, suggest the canonical names they stand for.
  const bySpelling = closest(key, [...KNOWN.keys()]);
  const suggestions = [...new Set(bySpelling.map((s) => KNOWN.get(s) ?? s))];
  return { kind: 'unknown', suggestions };
}

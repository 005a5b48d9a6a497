// Reads semconv/registry/seed-names.yaml (the seed catalogue's names) and validates it. Generator side:
// at run time `explain` uses the generated semconv/generated/seed-names.ts instead.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import type { SeedNames } from '../lib/seed-names.js';

export const SEED_NAMES_FILE = 'seed-names.yaml';

const entry = (key: 'name' | 'type') => ({
  type: 'object',
  required: [key, 'probe', 'seed'],
  additionalProperties: false,
  properties: {
    [key]: { type: 'string', pattern: key === 'name' ? '^[a-z][a-z0-9_]*$' : '^[A-Za-z][A-Za-z0-9_]*$' },
    probe: { type: 'string', pattern: '^[a-z][a-z0-9_]*$' },
    seed: { type: 'string', minLength: 1 },
    typo_of: { type: 'string', minLength: 1 },
    pending: { type: 'string', minLength: 1 },
  },
});

export const seedNamesFileSchema = {
  type: 'object',
  required: ['metrics', 'events'],
  additionalProperties: false,
  properties: {
    metrics: { type: 'array', items: entry('name') },
    events: { type: 'array', items: entry('type') },
  },
} as const;

interface RawSeed {
  name?: string;
  type?: string;
  probe: string;
  seed: string;
  typo_of?: string;
  pending?: string;
}

/** Reads and validates seed-names.yaml; problems name the file and path. */
export function loadSeedNames(path: string, rel = SEED_NAMES_FILE): { seed: SeedNames; problems: string[] } {
  const problems: string[] = [];
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    return { seed: { metrics: [], events: [] }, problems: [`${rel}: ${(err as Error).message.split('\n')[0]}`] };
  }
  const validate = new Ajv({ allErrors: true, strict: true }).compile(seedNamesFileSchema);
  if (!validate(doc)) {
    for (const e of validate.errors ?? [])
      problems.push(
        `${rel}: at ${e.instancePath.slice(1).replaceAll('/', '.') || '(top level)'}: ${e.message ?? 'invalid'}`,
      );
    return { seed: { metrics: [], events: [] }, problems };
  }
  const d = doc as { metrics: RawSeed[]; events: RawSeed[] };
  const opt = (r: RawSeed) => ({
    ...(r.typo_of ? { typoOf: r.typo_of } : {}),
    ...(r.pending ? { pending: r.pending } : {}),
  });
  return {
    seed: {
      metrics: d.metrics.map((r) => ({ name: r.name!, probe: r.probe, seed: r.seed, ...opt(r) })),
      events: d.events.map((r) => ({ type: r.type!, probe: r.probe, seed: r.seed, ...opt(r) })),
    },
    problems,
  };
}

// JSON Schema validation errors (ajv) in English: where (file and path), what was found, what was
// expected. A schema node may say what it expects in words with the annotation keyword `expected`
// (e.g. "a URL like http://collector:4317"); otherwise the words come from the failed keyword.
import { Ajv, type ErrorObject, type Options } from 'ajv';
import { describeValue, formatPath } from './errors.js';

/** The annotation keyword: what a value of this node should look like, in words. */
export const EXPECTED_KEYWORD = 'expected';

/** An ajv instance that knows the `expected` annotation (strict mode refuses unknown keywords). */
export function createAjv(opts: Options): Ajv {
  const ajv = new Ajv(opts);
  ajv.addKeyword({ keyword: EXPECTED_KEYWORD, schemaType: 'string' });
  return ajv;
}

type Mapping = Record<string, unknown>;
const isMapping = (v: unknown): v is Mapping => typeof v === 'object' && v !== null && !Array.isArray(v);

const unescape = (s: string): string => s.replaceAll('~1', '/').replaceAll('~0', '~');

function valueAt(data: unknown, pointer: string): unknown {
  let cur = data;
  for (const raw of pointer.split('/').slice(1)) {
    const key = unescape(raw);
    if (Array.isArray(cur)) cur = cur[Number(key)];
    else if (isMapping(cur)) cur = cur[key];
    else return undefined;
  }
  return cur;
}

function pointerSegments(pointer: string): (string | number)[] {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : unescape(s)));
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'nothing',
};

/** What the failed keyword wanted, in words. */
function expectedWords(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  const annotated = (e.parentSchema as Mapping | undefined)?.[EXPECTED_KEYWORD];
  switch (e.keyword) {
    case 'additionalProperties': {
      const parent = e.parentSchema as { properties?: Mapping } | undefined;
      return `one of: ${Object.keys(parent?.properties ?? {}).join(', ')}`;
    }
    case 'required':
      return 'it to be set';
    case 'type': {
      const t = p.type as string | string[];
      return (Array.isArray(t) ? t : String(t).split(',')).map((x) => TYPE_WORDS[x] ?? x).join(' or ');
    }
    case 'enum':
      return `one of: ${(p.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'minimum':
    case 'maximum':
      return `a value ${e.keyword === 'minimum' ? '>=' : '<='} ${String(p.limit)}`;
    case 'minLength':
      return 'a non-empty string';
    case 'pattern':
      return typeof annotated === 'string' ? annotated : `text matching ${String(p.pattern)}`;
    default:
      return typeof annotated === 'string' ? annotated : `it to ${e.message ?? 'be valid'}`;
  }
}

/** What was found, in words (a missing key or an unknown one is named by the path). */
function foundWords(e: ErrorObject, data: unknown): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return 'an unknown key';
    case 'required':
      return `a mapping without "${String(p.missingProperty)}"`;
    case 'minLength':
      return 'an empty string';
    default:
      return describeValue(valueAt(data, e.instancePath));
  }
}

/** One English sentence for one ajv error; `prefix` is the path of `data` inside the file. */
export function schemaProblem(
  where: string,
  data: unknown,
  e: ErrorObject,
  prefix: readonly (string | number)[] = [],
): string {
  const segs = [...prefix, ...pointerSegments(e.instancePath)];
  if (e.keyword === 'additionalProperties')
    segs.push(String((e.params as { additionalProperty: string }).additionalProperty));
  return `${where}: at ${formatPath(segs)}: found ${foundWords(e, data)}, expected ${expectedWords(e)}`;
}

/** Every error of one validation, each sentence once (a union type fails several keywords alike). */
export function schemaProblems(
  where: string,
  data: unknown,
  errors: readonly ErrorObject[],
  prefix: readonly (string | number)[] = [],
): string[] {
  return [...new Set(errors.map((e) => schemaProblem(where, data, e, prefix)))];
}

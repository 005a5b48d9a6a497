// Reads a config file: bounded in size, YAML parsed strictly (unique keys, bounded aliases), a
// mapping at the top. Every problem is a ConfigError naming the file and the place in it.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ConfigError, describeValue } from './errors.js';
import { isMapping, type Mapping } from './translated.js';

/** A ConfigMap holds at most 1 MiB; anything bigger is not a config file (and would cost seconds to parse). */
const MAX_CONFIG_CHARS = 1024 * 1024;

export function readConfigFile(file: string): Mapping {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([
      `${file}: cannot read the config file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    ]);
  }
  if (text.length > MAX_CONFIG_CHARS) {
    throw new ConfigError([
      `${file}: found a file of ${text.length} characters, expected a config file of at most ${MAX_CONFIG_CHARS} (1 MiB)`,
    ]);
  }
  const value = parseYaml(text, file);
  if (!isMapping(value))
    throw new ConfigError([`${file}: at (top level): found ${describeValue(value)}, expected a mapping of settings`]);
  return value;
}

/** YAML text parsed strictly (unique keys, bounded aliases): its value, {} for an empty document;
 *  a ConfigError naming the file and the place otherwise. */
export function parseYaml(text: string, file: string): unknown {
  // logLevel error: the yaml library's warnings (complex keys stringified) would be raw stderr lines.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, logLevel: 'error' });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0];
    const at = pos ? `line ${pos.line}, column ${pos.col}` : 'unknown position';
    const what = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError([`${file}: at ${at}: found invalid YAML (${what}), expected well-formed YAML`]);
  }
  let value: unknown;
  try {
    // maxAliasCount bounds alias expansion ("billion laughs"); an unresolved alias throws here too.
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError([
      `${file}: found invalid YAML (${(err as Error).message.split('\n')[0]}), expected well-formed YAML`,
    ]);
  }
  return value ?? {};
}

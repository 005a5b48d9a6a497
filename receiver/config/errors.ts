// A configuration error: one message naming where (file, path inside it, variable or flag), what
// was found and what was expected. The CLI prints it and exits with status 2.

export const CONFIG_ERROR_EXIT = 2;

export class ConfigError extends Error {
  readonly exitCode = CONFIG_ERROR_EXIT;
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

/** How a YAML/JSON value is named in messages. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (null)';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return `${value} (a number)`;
    case 'boolean':
      return `${value} (a boolean)`;
    case 'object':
      return 'a mapping';
    default:
      return typeof value;
  }
}

/** `metric_config.probes[2].name` from path segments. */
export function formatPath(segments: readonly (string | number)[]): string {
  if (segments.length === 0) return '(top level)';
  return segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

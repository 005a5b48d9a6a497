// Structured logging: JSON lines by default (for log collectors), a readable form for people.
// Logs go to stderr so that stdout stays free for command output (snapshot, explain).

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'json' | 'human';
export type LogFields = Readonly<Record<string, string | number | boolean | undefined | null | readonly string[]>>;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** Logs at most once per key for the life of the logger (degraded states, not per cycle). */
  once(key: string, level: LogLevel, msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  write?: (line: string) => void;
}

export function createLogger(opts: LoggerOptions, bound: LogFields = {}, seen: Set<string> = new Set()): Logger {
  const write =
    opts.write ??
    ((line: string) => {
      process.stderr.write(line);
    });
  const emit = (level: LogLevel, msg: string, fields: LogFields = {}): void => {
    if (RANK[level] < RANK[opts.level]) return;
    const all = { ...bound, ...fields };
    if (opts.format === 'json') {
      write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...all })}\n`);
    } else {
      const extra = Object.entries(all)
        .filter(([, v]) => v !== undefined && v !== null)
        .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : JSON.stringify(v)}`)
        .join(' ');
      write(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}${extra ? ` ${extra}` : ''}\n`);
    }
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    once: (key, level, m, f) => {
      if (seen.has(key)) return;
      seen.add(key);
      emit(level, m, f);
    },
    child: (fields) => createLogger(opts, { ...bound, ...fields }, seen),
  };
}

/** A logger that drops everything (for one-shot commands that must print only their output). */
export const silentLogger: Logger = createLogger({ level: 'error', format: 'json', write: () => undefined });

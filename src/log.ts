/**
 * A small structured logger: one JSON line per entry on stderr. Callers pass only what is safe to
 * keep: operation names, service names, error codes, ids, sizes and timings; never passwords, request
 * bodies, document content or personal numbers.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const ORDER: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** Whether entries of this level are written: for callers whose fields cost something to gather. */
  enabled(level: Exclude<LogLevel, 'silent'>): boolean;
}

export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const at =
    (entry: Exclude<LogLevel, 'silent'>) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (ORDER[entry] < ORDER[level]) return;
      write(`${JSON.stringify({ time: new Date().toISOString(), level: entry, msg, ...fields })}\n`);
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    enabled: (entry) => ORDER[entry] >= ORDER[level],
  };
}

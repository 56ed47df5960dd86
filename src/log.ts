/**
 * The simulator's own log lines, to stderr. Request contents and API keys are never passed here.
 */
import type { LogLevel } from './config/schema.js';

const RANK: Readonly<Record<LogLevel, number>> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

export interface Logger {
  error(msg: string): void;
  /** Something the user should act on that does not stop the server. */
  warn(msg: string): void;
  info(msg: string): void;
  debug(msg: string): void;
}

export function createLogger(level: LogLevel, prefix = 'understudy'): Logger {
  const at = RANK[level];
  const write = (rank: number, tag: string, msg: string): void => {
    if (rank <= at) process.stderr.write(`${new Date().toISOString()} ${prefix} ${tag} ${msg}\n`);
  };
  return {
    error: (m) => write(1, 'error', m),
    warn: (m) => write(2, 'warn', m),
    info: (m) => write(3, 'info', m),
    debug: (m) => write(4, 'debug', m),
  };
}

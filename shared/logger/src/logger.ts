import winston from 'winston';
import { redactText, redactValue } from './redact';

export type Logger = winston.Logger;
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface LoggerOptions {
  /** Service name put on every line (`ingress`, `worker` …). */
  readonly service: string;
  readonly level?: LogLevel;
  /** Extra fields on every line, e.g. `{ instance_id }`. */
  readonly defaultMeta?: Record<string, unknown>;
  /** Silence output entirely (tests). Default false. */
  readonly silent?: boolean;
}

const WINSTON_FIELDS = new Set(['level', 'message', 'timestamp', 'service']);

const redactFormat = winston.format((info) => {
  if (typeof info.message === 'string') info.message = redactText(info.message);
  for (const key of Object.keys(info)) {
    if (!WINSTON_FIELDS.has(key)) info[key] = redactValue(info[key]);
  }
  return info;
});

/**
 * winston runs every format (redaction, timestamp, JSON) on a line before its transports drop it for
 * its level. The level methods of the logger (and of its children, which inherit them) first compare
 * the level with the logger's own, so a line below it costs one comparison.
 */
function skipLinesBelowLevel(logger: Logger): Logger {
  const methods = logger as unknown as Record<string, (...args: unknown[]) => Logger>;
  for (const level of Object.keys(logger.levels)) {
    const write = methods[level];
    if (typeof write !== 'function') continue;
    methods[level] = function (this: Logger, ...args: unknown[]): Logger {
      return writesLevel(this, level) ? write.apply(this, args) : this;
    };
  }
  return logger;
}

/**
 * Whether `logger` writes lines of `level`: one comparison with its own level (a child has its
 * parent's). winston's `isLevelEnabled` also walks the transports.
 */
export function writesLevel(logger: Logger, level: string): boolean {
  return (logger.levels[level] ?? 0) <= (logger.levels[logger.level] ?? 0);
}

/** The one logger factory: JSON lines with a timestamp, the service name and redaction applied. */
export function createLogger(options: LoggerOptions): Logger {
  return skipLinesBelowLevel(
    winston.createLogger({
      level: options.level ?? 'info',
      silent: options.silent ?? false,
      defaultMeta: { service: options.service, ...options.defaultMeta },
      format: winston.format.combine(winston.format.errors({ stack: false }), redactFormat(), winston.format.timestamp(), winston.format.json()),
      transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn'] })],
    }),
  );
}

/** A logger that writes nothing; for tests and library defaults. */
export function createSilentLogger(): Logger {
  return createLogger({ service: 'silent', silent: true });
}

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

/** The one logger factory: JSON lines with a timestamp, the service name and redaction applied. */
export function createLogger(options: LoggerOptions): Logger {
  return winston.createLogger({
    level: options.level ?? 'info',
    silent: options.silent ?? false,
    defaultMeta: { service: options.service, ...options.defaultMeta },
    format: winston.format.combine(
      winston.format.errors({ stack: false }),
      redactFormat(),
      winston.format.timestamp(),
      winston.format.json(),
    ),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn'] })],
  });
}

/** A logger that writes nothing; for tests and library defaults. */
export function createSilentLogger(): Logger {
  return createLogger({ service: 'silent', silent: true });
}

export { createLogger, createSilentLogger, writesLevel, type Logger, type LoggerOptions, type LogLevel } from './logger';
export { redactText, redactValue, REDACTED } from './redact';

/** The simulator's logging surface: anything with these four methods (pino, winston, console) fits. */
export interface SimLogger {
  debug(message: string, context?: Record<string, unknown>): void;
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

const noop = (): void => undefined;

export const silentLogger: SimLogger = { debug: noop, info: noop, warn: noop, error: noop };

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LEVELS)[number];

/** JSON lines on stderr at `level` and above. Phone numbers are not logged by the simulator itself. */
export function createConsoleLogger(level: LogLevel = 'info'): SimLogger {
  const min = LEVELS.indexOf(level);
  const make = (name: LogLevel) =>
    LEVELS.indexOf(name) < min
      ? noop
      : (message: string, context?: Record<string, unknown>) => {
          process.stderr.write(`${JSON.stringify({ level: name, time: new Date().toISOString(), msg: message, ...context })}\n`);
        };
  return { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') };
}

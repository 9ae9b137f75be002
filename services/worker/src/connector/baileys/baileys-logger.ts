import type { SocketConfig } from 'baileys';
import { writesLevel, type Logger } from '@fleet/logger';
import { summarizeForLog } from './log-summary';

/** The pino-style logger Baileys calls. */
export type BaileysLogger = SocketConfig['logger'] & { fatal(obj: unknown, msg?: string): void };

type WinstonLevel = 'error' | 'warn' | 'debug';

/**
 * Baileys' levels, mapped down: it logs every frame, QR and login step. trace/debug/info become
 * winston `debug`; warn and error become `warn` (the connector logs session outcomes itself, at
 * their real level, and Baileys reports routine events such as the 515 restart as errors);
 * fatal stays `error`.
 */
const LEVEL_MAP: Record<'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal', WinstonLevel> = {
  trace: 'debug',
  debug: 'debug',
  info: 'debug',
  warn: 'warn',
  error: 'warn',
  fatal: 'error',
};

/**
 * Adapts a winston logger to the pino-style interface Baileys expects. Objects are summarized
 * (bytes become sizes, depth and width are bounded) and scrubbed of phone numbers and JIDs before
 * they reach winston; nothing is computed for a level winston would drop. `level` never reads
 * `trace`, so Baileys never renders whole XML frames. Baileys makes a child per socket (`{ class:
 * 'ns' }`): children only stack their bindings, and the winston child carrying them is made on the
 * first line written, so a socket that logs nothing costs none.
 */
export function createBaileysLogger(winston: Logger, bindings: Record<string, unknown> = {}): BaileysLogger {
  return adapter(winston, bindings, []);
}

function adapter(base: Logger, own: Record<string, unknown>, fromBaileys: ReadonlyArray<Record<string, unknown>>): BaileysLogger {
  let target: Logger | undefined;
  const resolve = (): Logger => {
    if (target) return target;
    const merged = Object.assign({}, own, ...fromBaileys.map(safeBindings)) as Record<string, unknown>;
    target = Object.keys(merged).length > 0 ? base.child(merged) : base;
    return target;
  };
  // A winston child has its parent's level: compare with it, as the logger itself does.
  const enabled = (level: WinstonLevel): boolean => writesLevel(base, level);
  const emit =
    (level: WinstonLevel) =>
    (obj: unknown, msg?: string, ...rest: unknown[]) => {
      if (!enabled(level)) return;
      const { message, meta } = toWinston(obj, msg, rest);
      resolve().log(level, message, meta);
    };
  return {
    get level(): string {
      return enabled('debug') ? 'debug' : 'info';
    },
    set level(_ignored: string) {
      // Baileys may try to change the level; the winston logger's configuration decides.
    },
    child: (childBindings: Record<string, unknown>) => adapter(base, own, [...fromBaileys, childBindings]),
    trace: emit(LEVEL_MAP.trace),
    debug: emit(LEVEL_MAP.debug),
    info: emit(LEVEL_MAP.info),
    warn: emit(LEVEL_MAP.warn),
    error: emit(LEVEL_MAP.error),
    fatal: emit(LEVEL_MAP.fatal),
  };
}

function toWinston(obj: unknown, msg: string | undefined, rest: unknown[]): { message: string; meta: Record<string, unknown> } {
  if (typeof obj === 'string') {
    const extra = [msg, ...rest].filter((part) => part !== undefined).map((part) => summarizeForLog(part));
    return { message: summarizeForLog(obj) as string, meta: extra.length > 0 ? { baileys: { args: extra } } : {} };
  }
  const summary = summarizeForLog(obj);
  return { message: typeof msg === 'string' ? (summarizeForLog(msg) as string) : 'baileys', meta: { baileys: summary } };
}

function safeBindings(bindings: Record<string, unknown>): Record<string, unknown> {
  const summary = summarizeForLog(bindings);
  return summary !== null && typeof summary === 'object' ? (summary as Record<string, unknown>) : {};
}

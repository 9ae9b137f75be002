import path from 'node:path';
import type { Logger } from '@fleet/logger';
import { summarizeForLog } from './log-summary';

const BAILEYS_PATH_MARKERS = [`${path.sep}baileys${path.sep}`, `${path.sep}libsignal${path.sep}`, `${path.sep}@hapi${path.sep}boom${path.sep}`];

function isWebSocketCloseCode(reason: unknown): boolean {
  return typeof reason === 'number' && Number.isInteger(reason) && reason >= 1000 && reason <= 4999;
}

let installed: { count: number; listener: (reason: unknown) => void } | undefined;

/** True for rejections raised by Baileys or its libraries (a Boom, or a stack through their code). */
export function isBaileysRejection(reason: unknown): boolean {
  if ((reason as { isBoom?: unknown } | null)?.isBoom === true) return true;
  // Baileys' waitForMessage rejects with the `close` event's first argument: a bare WebSocket close code
  // (1005 when a socket closes under a pending query nobody awaits). Fleet never rejects with a number.
  if (isWebSocketCloseCode(reason)) return true;
  const stack = (reason as { stack?: unknown } | null)?.stack;
  return typeof stack === 'string' && BAILEYS_PATH_MARKERS.some((marker) => stack.includes(marker));
}

/**
 * Baileys 6.17.16 leaves some promises without a handler (e.g. the login sequence of `CB:success`);
 * under Node's default policy one of those would kill the worker with every other session on it.
 * While at least one connector holds the guard, such rejections are logged and swallowed. Any other
 * unhandled rejection keeps Node's default outcome (it is rethrown as an uncaught exception) unless
 * the application installed its own `unhandledRejection` listener. Returns the release function.
 */
export function holdRejectionGuard(logger: Logger): () => void {
  if (!installed) {
    const listener = (reason: unknown): void => {
      if (isBaileysRejection(reason)) {
        logger.warn('unhandled rejection inside Baileys (contained)', { error: summarizeForLog(reason) });
        return;
      }
      if (process.listenerCount('unhandledRejection') > 1) return;
      setImmediate(() => {
        throw reason;
      });
    };
    installed = { count: 0, listener };
    process.on('unhandledRejection', listener);
  }
  installed.count += 1;
  let released = false;
  return () => {
    if (released || !installed) return;
    released = true;
    installed.count -= 1;
    if (installed.count === 0) {
      process.off('unhandledRejection', installed.listener);
      installed = undefined;
    }
  };
}

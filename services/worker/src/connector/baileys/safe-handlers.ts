import type { Logger } from '@fleet/logger';
import type { SessionHandlers } from '../types';

/** The handlers with every call wrapped: an exception in one is logged, never thrown into Baileys. */
export function safeHandlers(handlers: SessionHandlers, logger: Logger): SessionHandlers {
  const wrap =
    <A extends unknown[]>(name: keyof SessionHandlers, fn: (...args: A) => void) =>
    (...args: A): void => {
      try {
        fn.apply(handlers, args);
      } catch (error) {
        logger.error('session handler threw', { handler: name, error: describeError(error) });
      }
    };
  return {
    onQr: wrap('onQr', handlers.onQr),
    ...(handlers.onPairingCode ? { onPairingCode: wrap('onPairingCode', handlers.onPairingCode) } : {}),
    onConnected: wrap('onConnected', handlers.onConnected),
    onDisconnected: wrap('onDisconnected', handlers.onDisconnected),
    onLoggedOut: wrap('onLoggedOut', handlers.onLoggedOut),
    onFailed: wrap('onFailed', handlers.onFailed),
    onMessageStatus: wrap('onMessageStatus', handlers.onMessageStatus),
    onIncomingMessage: wrap('onIncomingMessage', handlers.onIncomingMessage),
    ...(handlers.outgoing ? { outgoing: outgoingLookup(handlers.outgoing.bind(handlers), logger) } : {}),
  };
}

/** The outgoing-message lookup with its failures logged and answered as "not kept". */
function outgoingLookup(lookup: NonNullable<SessionHandlers['outgoing']>, logger: Logger): NonNullable<SessionHandlers['outgoing']> {
  return async (messageId) => {
    try {
      return await lookup(messageId);
    } catch (error) {
      logger.warn('outgoing message lookup failed', { error: describeError(error) });
      return undefined;
    }
  };
}

/** Name, code and message of an error, for a log line. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as { code?: unknown }).code;
  const status = (error as { output?: { statusCode?: unknown } }).output?.statusCode;
  return { name: error.name, message: error.message, ...(code !== undefined ? { code } : {}), ...(status !== undefined ? { status } : {}) };
}

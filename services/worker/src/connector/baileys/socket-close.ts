import type { WASocket } from 'baileys';

type RawSocket = { readyState: number; once(event: 'close', listener: () => void): unknown };

const WS_CLOSED = 3;

/**
 * Ends a Baileys socket without logging out and waits (bounded) until the WebSocket is really closed,
 * so a successor socket on the same credentials never overlaps it (two sockets mean 440 conflict).
 */
export async function endSocket(sock: WASocket, timeoutMs: number): Promise<void> {
  const raw = (sock.ws as unknown as { socket?: RawSocket | null }).socket ?? undefined;
  const closed = raw && raw.readyState !== WS_CLOSED ? waitForClose(raw, timeoutMs) : Promise.resolve();
  try {
    sock.end(undefined);
  } catch {
    // Ending an already broken socket may throw; it is closed either way.
  }
  ignoreLateSocketErrors(sock);
  await closed;
}

/**
 * Baileys' `end()` removes every `error` listener and then closes the WebSocket; closing one that is
 * still connecting makes `ws` emit an error on the next tick, which, with no listener left, would be
 * an uncaught exception that kills the process. Call right after any close.
 */
export function ignoreLateSocketErrors(sock: WASocket): void {
  if (sock.ws.listenerCount('error') === 0) sock.ws.on('error', () => undefined);
}

function waitForClose(raw: RawSocket, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    raw.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

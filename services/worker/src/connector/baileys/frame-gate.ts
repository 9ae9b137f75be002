import type { WASocket } from 'baileys';

type SendCallback = (error?: Error) => void;
type RawSend = (data: unknown, callback?: SendCallback) => void;

/** What the gate needs of the auth state. */
export interface DurableStore {
  readonly hasPendingWrites: boolean;
  /** Resolves once every write requested so far is on disk; undefined when nothing is pending. */
  whenDurable(): Promise<void> | undefined;
}

/**
 * Write-ahead for Signal state: no frame leaves the socket before every auth-state write requested
 * before it is on disk. A message is encrypted (its chain counter advanced) before its frame is sent;
 * were the frame sent first and the worker killed before the write, the next owner would encrypt with
 * the same counter again and the recipient could not decrypt it. Frames keep their order; when nothing
 * is pending (the common case for pings and acks) a frame goes out at once.
 *
 * When a write fails the frames waiting for it are dropped with that error (their senders see it) and
 * `onFailure` is called: the socket must close, nothing more may go out over a state not on disk.
 * Returns false when the socket does not have the expected shape (another Baileys version).
 */
export function gateFrames(sock: WASocket, store: DurableStore, onFailure: (error: Error) => void): boolean {
  const ws = (sock.ws as unknown as { socket?: { send?: RawSend } | null }).socket;
  if (!ws || typeof ws.send !== 'function') return false;
  const send: RawSend = ws.send.bind(ws);
  const waiting: Array<[unknown, SendCallback | undefined]> = [];
  let draining = false;

  const drain = async (): Promise<void> => {
    while (waiting.length > 0) {
      // Every frame queued so far was made before this point: one flush covers them all.
      const covered = waiting.length;
      try {
        await store.whenDurable();
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const [, callback] of waiting.splice(0)) callback?.(failure);
        draining = false;
        onFailure(failure);
        return;
      }
      for (const [data, callback] of waiting.splice(0, covered)) send(data, callback);
    }
    draining = false;
  };

  ws.send = (data: unknown, callback?: SendCallback): void => {
    if (!draining && !store.hasPendingWrites) return send(data, callback);
    waiting.push([data, callback]);
    if (draining) return;
    draining = true;
    void drain();
  };
  return true;
}

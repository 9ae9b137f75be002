import { useEffect, useState } from 'preact/hooks';
import { ApiFailure, can, type Api } from './api';
import { useSignedIn } from './session';
import { codeMayCome, qrMayCome } from './session-state';
import type { Session } from './types';

/** Longest wait of one long poll (the ingress allows 30 s). */
const WAIT_SECONDS = 20;
/** A long poll answered "not available" sooner than this did not wait: pause before the next round. */
const MIN_POLL_MS = 500;

export interface LiveSession {
  readonly session: Session | undefined;
  readonly error: unknown;
  /** No such session for this key (never created, deleted, or another workspace's). */
  readonly gone: boolean;
  /** Reads again at once (after an action), restarting any long poll. */
  refresh(): void;
}

/**
 * One session kept current without a reload. Its status (`GET /status`) is read every second or so;
 * while a pairing code was asked for and has not come, the long poll `GET /pairing-code?wait=` answers
 * the moment the worker writes it; while the session waits for a QR, `GET /qr?wait=` does the same, so
 * a rotating QR is replaced as it changes and a scan or an entered code shows as `connected`.
 * The long polls link a device (`sessions:write`); a key without that scope only reads the status.
 */
export function useLiveSession(sessionId: string): LiveSession {
  const { api, key } = useSignedIn();
  const mayLink = can(key, 'sessions:write');
  const [session, setSession] = useState<Session | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [gone, setGone] = useState(false);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    const pause = (ms: number): Promise<void> =>
      new Promise((resolve) => {
        const timer = setTimeout(resolve, ms);
        signal.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });
    const path = `/api/sessions/${encodeURIComponent(sessionId)}`;
    const loop = async (): Promise<void> => {
      while (!signal.aborted) {
        let current: Session;
        try {
          current = await api.get<Session>(`${path}/status`, undefined, signal);
          if (signal.aborted) return;
          setSession(current);
          setError(undefined);
          setGone(false);
        } catch (e) {
          if (signal.aborted) return;
          if (e instanceof ApiFailure && e.code === 'SESSION_NOT_FOUND') setGone(true);
          else setError(e);
          await pause(3000);
          continue;
        }
        // The code first: the worker asks for it when its socket offers the first QR, so both come together.
        const poll = !mayLink
          ? null
          : !current.pairing_code && codeMayCome(current)
            ? waitForCode(api, path, current, signal)
            : qrMayCome(current)
              ? waitForQr(api, path, current, signal)
              : null;
        if (poll) {
          const started = Date.now();
          try {
            const next = await poll;
            if (!signal.aborted) setSession(next);
          } catch (e) {
            if (signal.aborted) return;
            // 404 (QR_NOT_AVAILABLE, PAIRING_CODE_NOT_AVAILABLE): the state moved on; read it again.
            const moved = e instanceof ApiFailure && e.status === 404;
            if (!moved || Date.now() - started < MIN_POLL_MS) await pause(moved ? 1000 : 2000);
          }
          continue;
        }
        // Something on screen (a QR, a code) or nothing to wait for: look again shortly, at a QR's expiry at the latest.
        const until = current.qr && current.qr_expires_at ? Math.max(200, Math.min(1000, current.qr_expires_at - Date.now())) : 1000;
        await pause(until);
      }
    };
    void loop();
    return () => controller.abort();
  }, [sessionId, tick]);

  return { session, error, gone, refresh: () => setTick((t) => t + 1) };
}

async function waitForQr(api: Api, path: string, current: Session, signal: AbortSignal): Promise<Session> {
  const answer = await api.get<{ qr: string; expires_at: number }>(`${path}/qr`, { format: 'raw', wait: WAIT_SECONDS }, signal);
  return { ...current, status: 'qr', qr: answer.qr, qr_expires_at: answer.expires_at };
}

async function waitForCode(api: Api, path: string, current: Session, signal: AbortSignal): Promise<Session> {
  const answer = await api.get<{ code: string; phone_number: string; expires_at: number }>(`${path}/pairing-code`, { wait: WAIT_SECONDS }, signal);
  return { ...current, pairing_code: answer.code, pairing_phone_number: answer.phone_number, pairing_code_expires_at: answer.expires_at };
}

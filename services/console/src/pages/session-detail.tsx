import { useEffect, useState } from 'preact/hooks';
import { ApiFailure, can } from '../api';
import { Badge, Confirm, ErrorNote, Link, QrCode } from '../components';
import { ago, clock } from '../format';
import { navigate } from '../router';
import { useSignedIn } from '../session';
import { connectedSince, type Session } from '../types';
import { PairingCode } from './pairing-code';
import { SendMessage } from './send-message';

/** Statuses in which a QR may come: the long poll waits for one. */
const WAITING_FOR_QR = new Set(['starting', 'qr', 'disconnected']);
const QR_WAIT_SECONDS = 20;

type Action = 'start' | 'stop' | 'restart' | 'logout' | 'delete';

const ACTIONS: Record<Action, { label: string; title: string; text: string; danger: boolean }> = {
  start: { label: 'Start', title: 'Start the session?', text: 'It connects with its stored credentials (no new scan while they are valid).', danger: false },
  stop: { label: 'Stop', title: 'Stop the session?', text: 'The socket closes and the credentials stay; messages wait until it is started again.', danger: false },
  restart: { label: 'Restart', title: 'Restart the session?', text: 'The socket closes and opens again on its worker (a few seconds offline).', danger: false },
  logout: { label: 'Log out', title: 'Log the device out?', text: 'WhatsApp unlinks the device; the session stays and can be paired again with a new scan.', danger: true },
  delete: { label: 'Delete', title: 'Delete the session?', text: 'The device is logged out, its credentials and the session record are removed. This cannot be undone.', danger: true },
};

/**
 * One session, kept current without a reload: its status is read every second or two, and while it
 * waits for a QR the QR long poll (`/qr?wait=`) answers the moment the worker writes one, so a new
 * QR shows as it rotates and a scan shows as `connected`.
 */
function useLiveSession(sessionId: string): { session: Session | undefined; error: unknown; gone: boolean; refresh: () => void } {
  const { api, key } = useSignedIn();
  // The QR route links a device, so it needs sessions:write; a read-only key sees the status (and its QR) only.
  const mayWaitForQr = can(key, 'sessions:write');
  const [session, setSession] = useState<Session | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [gone, setGone] = useState(false);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    const pause = (ms: number): Promise<void> => new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
    });
    const loop = async (): Promise<void> => {
      while (!signal.aborted) {
        let current: Session;
        try {
          current = await api.get<Session>(`/api/sessions/${encodeURIComponent(sessionId)}/status`, undefined, signal);
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
        if (mayWaitForQr && !current.qr && WAITING_FOR_QR.has(current.status)) {
          // Long poll: answered as soon as a QR is written (or when the session leaves these states).
          try {
            const answer = await api.get<{ qr: string; expires_at: number }>(`/api/sessions/${encodeURIComponent(sessionId)}/qr`, { format: 'raw', wait: QR_WAIT_SECONDS }, signal);
            if (!signal.aborted) setSession({ ...current, status: 'qr', qr: answer.qr, qr_expires_at: answer.expires_at });
          } catch (e) {
            if (signal.aborted) return;
            if (!(e instanceof ApiFailure && e.status === 404)) await pause(2000);
          }
          continue;
        }
        // A QR on screen: look again shortly (a scan, or the QR expiring) and at its expiry at the latest.
        const until = current.qr && current.qr_expires_at ? Math.max(200, Math.min(1000, current.qr_expires_at - Date.now())) : 1500;
        await pause(until);
      }
    };
    void loop();
    return () => controller.abort();
  }, [sessionId, tick]);

  return { session, error, gone, refresh: () => setTick((t) => t + 1) };
}

export function SessionDetailPage(props: { sessionId: string }) {
  const { api, key } = useSignedIn();
  const { session, error, gone, refresh } = useLiveSession(props.sessionId);
  const [action, setAction] = useState<Action | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const write = can(key, 'sessions:write');

  const run = async (which: Action): Promise<void> => {
    const path = `/api/sessions/${encodeURIComponent(props.sessionId)}`;
    try {
      if (which === 'delete') await api.delete(path);
      else await api.post(`${path}/${which}`);
    } catch (e) {
      if (e instanceof ApiFailure && e.noRoute) throw new Error(`${ACTIONS[which].label} is not available on this ingress (no route for it yet).`, { cause: e });
      throw e;
    }
    setNotice(`${ACTIONS[which].label}: requested.`);
    if (which === 'delete') navigate('/sessions');
    else refresh();
  };

  return (
    <section>
      <p class="crumbs"><Link to="/sessions">Sessions</Link> / {props.sessionId}</p>
      <div class="heading">
        <h1>{props.sessionId}</h1>
        {session ? <Badge value={session.status} testId="session-status" /> : null}
      </div>
      {gone ? <p class="note warn" data-testid="session-gone">No session with this id (never created, or deleted).</p> : null}
      <ErrorNote error={error} what="Status" />
      {notice ? <p class="note" data-testid="session-notice">{notice}</p> : null}
      {session ? (
        <div class="detail-grid">
          <div class="panel">
            <dl class="facts">
              <dt>Workspace</dt><dd>{session.workspace_id}</dd>
              <dt>Account</dt><dd>{session.account_id}</dd>
              <dt>Phone</dt><dd data-testid="session-phone">{session.phone ?? '—'}</dd>
              <dt>Worker</dt><dd data-testid="session-instance">{session.instance ?? '—'}</dd>
              <dt>Shard</dt><dd>{session.shard}</dd>
              <dt>Desired</dt><dd>{session.desired}</dd>
              <dt>Connected since</dt><dd>{connectedSince(session) ? `${clock(connectedSince(session))} (${ago(connectedSince(session))})` : '—'}</dd>
              <dt>Last error</dt><dd class={session.last_error ? 'error-text' : ''} data-testid="session-error">{session.last_error ?? '—'}</dd>
              <dt>Created</dt><dd>{clock(session.created_at)}</dd>
              <dt>Updated</dt><dd>{ago(session.updated_at)}</dd>
            </dl>
            {write ? (
              <div class="actions wrap">
                {(Object.keys(ACTIONS) as Action[]).map((which) => (
                  <button key={which} type="button" class={ACTIONS[which].danger ? 'danger-outline' : ''} onClick={() => setAction(which)} data-testid={`action-${which}`}>
                    {ACTIONS[which].label}
                  </button>
                ))}
              </div>
            ) : null}
          </div>
          <div class="panel qr-panel">
            <h2>Link a device</h2>
            {session.status === 'connected' ? (
              <p class="note good" data-testid="linked">Linked{session.phone ? ` to +${session.phone}` : ''}.</p>
            ) : session.qr ? (
              <>
                <QrCode text={session.qr} />
                <p class="sub">Scan in WhatsApp → Linked devices. A new code replaces this one {session.qr_expires_at ? ago(session.qr_expires_at) : 'soon'}.</p>
              </>
            ) : WAITING_FOR_QR.has(session.status) ? (
              <p class="note" data-testid="qr-waiting">Waiting for a QR code…</p>
            ) : (
              <p class="note">No QR: the session is {session.status.replace('_', ' ')}.{session.status === 'logged_out' || session.status === 'stopped' || session.status === 'failed' ? ' Start it to pair again.' : ''}</p>
            )}
            {write && session.status !== 'connected' ? <PairingCode sessionId={session.session_id} /> : null}
          </div>
        </div>
      ) : null}
      {session && can(key, 'messages:send') ? <SendMessage sessionId={session.session_id} /> : null}
      {action ? (
        <Confirm title={ACTIONS[action].title} confirmLabel={ACTIONS[action].label} danger={ACTIONS[action].danger} onClose={() => setAction(null)} onConfirm={() => run(action)}>
          <p>{ACTIONS[action].text}</p>
        </Confirm>
      ) : null}
    </section>
  );
}

import { useState } from 'preact/hooks';
import { ErrorNote, QrCode } from '../components';
import { ago } from '../format';
import { useSignedIn } from '../session';
import { isDeleting, isLoggingOut, mayPair, qrMayCome } from '../session-state';
import type { Session } from '../types';
import { PairingCode } from './pairing-code';

/**
 * The session's link with a phone: linked, a QR to scan, a pairing code to enter, or (logged out) the
 * ways to link it again. QR codes and pairing codes link a device, so they are shown only to keys that
 * may (`sessions:write`, as `GET /qr` and `GET /pairing-code` require); others see the state alone.
 */
export function LinkDevice(props: { session: Session; write: boolean; onChange: () => void }) {
  const { session, write } = props;
  return (
    <div class="panel qr-panel" data-testid="link-panel">
      <h2>Link a device</h2>
      <LinkState session={session} write={write} onChange={props.onChange} />
      {write && mayPair(session) ? <PairingCode session={session} onRequested={props.onChange} /> : null}
    </div>
  );
}

function LinkState(props: { session: Session; write: boolean; onChange: () => void }) {
  const { session } = props;
  if (session.status === 'connected') {
    return (
      <p class="note good" data-testid="linked">
        Linked{session.phone ? ` to +${session.phone}` : ''}.
      </p>
    );
  }
  if (isDeleting(session)) return <p class="note">The session is being deleted.</p>;
  if (isLoggingOut(session))
    return (
      <p class="note" data-testid="logging-out">
        Logging the device out…
      </p>
    );
  if (session.status === 'logged_out') {
    return (
      <>
        <p class="note warn" data-testid="not-linked">
          Not linked: the device was logged out. The session is kept; link it again with a QR code or a pairing code.
        </p>
        {props.write ? <ShowQr session={session} onStarted={props.onChange} /> : null}
      </>
    );
  }
  if (session.qr && props.write) {
    return (
      <>
        <QrCode text={session.qr} />
        <p class="sub">Scan in WhatsApp → Linked devices. A new code replaces this one {session.qr_expires_at ? ago(session.qr_expires_at) : 'soon'}.</p>
      </>
    );
  }
  if (session.qr || qrMayCome(session)) {
    return (
      <p class="note" data-testid="qr-waiting">
        {props.write ? 'Waiting for a QR code…' : 'Waiting for a device to be linked.'}
      </p>
    );
  }
  const startable = session.status === 'stopped' || session.status === 'failed' || session.desired === 'stopped';
  return (
    <p class="note">
      No QR: the session is {session.status.replace('_', ' ')}.{startable && props.write ? ' Start it to link a device.' : ''}
    </p>
  );
}

/** A logged-out session starts again to show a new QR (`POST /start`); nothing else changes, so no confirmation. */
function ShowQr(props: { session: Session; onStarted: () => void }) {
  const { api } = useSignedIn();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const start = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await api.post<Session>(`/api/sessions/${encodeURIComponent(props.session.session_id)}/start`);
      props.onStarted();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" class="primary" disabled={busy} onClick={() => void start()} data-testid="link-qr">
        {busy ? 'Starting…' : 'Show a QR code'}
      </button>
      <ErrorNote error={error} what="Start" />
    </>
  );
}

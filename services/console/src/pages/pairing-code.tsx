import { useState } from 'preact/hooks';
import { ErrorNote, Field } from '../components';
import { ago } from '../format';
import { useSignedIn } from '../session';
import { codeMayCome } from '../session-state';
import type { Session } from '../types';

/** A code as WhatsApp shows it: two groups of four (`ABCD-1234`); the phone accepts it with or without the dash. */
export function formatPairingCode(code: string): string {
  return code.length === 8 ? `${code.slice(0, 4)}-${code.slice(4)}` : code;
}

/**
 * Linking by pairing code instead of a scan: `POST /api/sessions/{id}/pair {phone_number}` asks the
 * worker for a code for that phone; the code then comes with the session (`pairing_code`, which the
 * live page long-polls with `GET /pairing-code?wait=`). The user types it in WhatsApp → Linked devices
 * → Link with phone number instead. `onRequested` reloads the session so the wait starts at once.
 */
export function PairingCode(props: { session: Session; onRequested: () => void }) {
  const { api } = useSignedIn();
  const { session } = props;
  const [phone, setPhone] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const request = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      // The API takes E.164 digits with an optional +; spaces, dashes and brackets are the user's.
      await api.post<Session>(`/api/sessions/${encodeURIComponent(session.session_id)}/pair`, { phone_number: phone.trim().replace(/[\s().-]/g, '') });
      props.onRequested();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      class="pairing"
      onSubmit={(e) => {
        e.preventDefault();
        void request();
      }}
    >
      {session.pairing_code ? (
        <div class="pairing-code" data-testid="pairing-code" data-code={session.pairing_code}>
          <strong>{formatPairingCode(session.pairing_code)}</strong>
          <span class="sub">
            Enter it on +{session.pairing_phone_number}: WhatsApp → Linked devices → Link a device → Link with phone number instead.
            {session.pairing_code_expires_at ? ` Expires ${ago(session.pairing_code_expires_at)}.` : ''}
          </span>
        </div>
      ) : codeMayCome(session) ? (
        <p class="sub" data-testid="pairing-waiting">
          Asking WhatsApp for a pairing code for +{session.pairing_phone_number}…
        </p>
      ) : null}
      <Field label={session.pairing_code ? 'Pair with another phone number' : 'Or pair with a phone number'}>
        <input inputMode="tel" placeholder="+15551234567" value={phone} required onInput={(e) => setPhone(e.currentTarget.value)} data-testid="pair-phone" />
      </Field>
      <button type="submit" disabled={busy} data-testid="pair-request">
        {busy ? 'Asking…' : 'Get pairing code'}
      </button>
      <ErrorNote error={error} what="Pairing" />
    </form>
  );
}

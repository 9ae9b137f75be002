import { useEffect, useState } from 'preact/hooks';
import { ApiFailure } from '../api';
import { ErrorNote, Field } from '../components';
import { ago } from '../format';
import { useSignedIn } from '../session';

/**
 * Pairing by code instead of a scan (contracts: `POST /api/sessions/{id}/pair {phone_number}`, then
 * the code from the long poll `GET /api/sessions/{id}/pairing-code?wait=`). The user types the code
 * in WhatsApp → Linked devices → Link with phone number.
 */
export function PairingCode(props: { sessionId: string }) {
  const { api } = useSignedIn();
  const [phone, setPhone] = useState('');
  const [requested, setRequested] = useState(0);
  const [code, setCode] = useState<{ code: string; expires_at: number } | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const base = `/api/sessions/${encodeURIComponent(props.sessionId)}`;

  useEffect(() => {
    if (!requested) return;
    const controller = new AbortController();
    const poll = async (): Promise<void> => {
      while (!controller.signal.aborted) {
        try {
          const answer = await api.get<{ code: string; expires_at: number }>(`${base}/pairing-code`, { wait: 20 }, controller.signal);
          setCode(answer);
          return;
        } catch (e) {
          if (controller.signal.aborted) return;
          if (e instanceof ApiFailure && e.status === 404 && !e.noRoute && e.code !== 'SESSION_NOT_FOUND') continue;
          setError(e instanceof ApiFailure && e.noRoute ? new Error('pairing codes are not available on this ingress (no pairing-code route yet)') : e);
          return;
        }
      }
    };
    void poll();
    return () => controller.abort();
  }, [requested]);

  const request = async (): Promise<void> => {
    setError(undefined);
    setCode(null);
    try {
      await api.post(`${base}/pair`, { phone_number: phone.replace(/\D/g, '') });
      setRequested(Date.now());
    } catch (e) {
      setError(e instanceof ApiFailure && e.noRoute ? new Error('pairing codes are not available on this ingress (no pair route yet)') : e);
    }
  };

  return (
    <form class="pairing" onSubmit={(e) => { e.preventDefault(); void request(); }}>
      <Field label="Or pair with a phone number">
        <input inputMode="tel" placeholder="+15551234567" value={phone} required onInput={(e) => setPhone(e.currentTarget.value)} data-testid="pair-phone" />
      </Field>
      <button type="submit" data-testid="pair-request">Get pairing code</button>
      {code ? (
        <p class="pairing-code" data-testid="pairing-code">
          <strong>{code.code}</strong> <span class="sub">expires {ago(code.expires_at)}</span>
        </p>
      ) : requested ? <p class="sub">Waiting for the code…</p> : null}
      <ErrorNote error={error} what="Pairing code" />
    </form>
  );
}

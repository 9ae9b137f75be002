import { useState } from 'preact/hooks';
import { ErrorNote, Field, Link } from '../components';
import { useSignedIn } from '../session';
import type { Message } from '../types';

/** A text from this session; the sent message's page shows its lifecycle as it happens. */
export function SendMessage(props: { sessionId: string }) {
  const { api } = useSignedIn();
  const [to, setTo] = useState('');
  const [text, setText] = useState('');
  const [sent, setSent] = useState<Message[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const send = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      const message = await api.post<Message>('/api/messages/send', { session_id: props.sessionId, to: to.trim(), text });
      setSent([message, ...sent].slice(0, 10));
      setText('');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      class="panel"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
      data-testid="send-form"
    >
      <h2>Send a text</h2>
      <div class="row">
        <Field label="To">
          <input required inputMode="tel" placeholder="+15551234567" value={to} onInput={(e) => setTo(e.currentTarget.value)} data-testid="send-to" />
        </Field>
        <Field label="Text">
          <textarea required maxLength={4096} rows={2} value={text} onInput={(e) => setText(e.currentTarget.value)} data-testid="send-text" />
        </Field>
      </div>
      <button type="submit" class="primary" disabled={busy} data-testid="send-submit">
        {busy ? 'Sending…' : 'Send'}
      </button>
      <ErrorNote error={error} what="Send" />
      {sent.length > 0 ? (
        <ul class="sent" data-testid="sent-list">
          {sent.map((m) => (
            <li key={m.message_id}>
              <Link to={`/messages/${m.message_id}`} testId="sent-message">
                {m.message_id}
              </Link>{' '}
              <span class="sub">accepted ({m.status})</span>
            </li>
          ))}
        </ul>
      ) : null}
    </form>
  );
}

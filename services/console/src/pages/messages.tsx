import { useState } from 'preact/hooks';
import { Badge, ErrorNote, Field, Link } from '../components';
import { clock } from '../format';
import { useLoad } from '../hooks';
import { navigate } from '../router';
import { useSignedIn } from '../session';
import type { Message } from '../types';

/** Statuses after which a message changes no more (read is the last receipt; failed is final). */
const FINAL = new Set(['read', 'failed']);

interface Step {
  readonly name: string;
  readonly at: number | null;
  readonly reached: boolean;
  readonly detail?: string;
}

/** The lifecycle as the record tells it: accepted → sent (server ack) → delivered → read, or failed. */
function timeline(message: Message): Step[] {
  const order = ['queued', 'sending', 'sent', 'delivered', 'read'];
  const index = order.indexOf(message.status);
  const steps: Step[] = [
    { name: 'accepted', at: message.created_at, reached: true, detail: message.sequence !== null ? `#${message.sequence} in its session's outbox` : undefined },
    {
      name: 'sent',
      at: message.sent_at,
      reached: message.sent_at !== null || index >= 2,
      detail: message.attempts > 1 ? `written ${message.attempts} times` : undefined,
    },
    { name: 'delivered', at: message.delivered_at, reached: message.delivered_at !== null || index >= 3 },
    { name: 'read', at: message.read_at, reached: message.read_at !== null || index >= 4 },
  ];
  if (message.status === 'failed')
    return [...steps.filter((s) => s.reached), { name: 'failed', at: message.updated_at, reached: true, detail: message.failed_reason ?? undefined }];
  return steps;
}

export function MessagePage(props: { messageId?: string }) {
  const [id, setId] = useState(props.messageId ?? '');
  return (
    <section>
      <h1>Messages</h1>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (id.trim()) navigate(`/messages/${encodeURIComponent(id.trim())}`);
        }}
      >
        <Field label="Message id">
          <input value={id} placeholder="3EB0…" onInput={(e) => setId(e.currentTarget.value)} data-testid="message-id" />
        </Field>
        <button type="submit" data-testid="message-lookup">
          Look up
        </button>
      </form>
      {props.messageId ? (
        <MessageDetail messageId={props.messageId} />
      ) : (
        <p class="note">
          Look a message up by its id (the <code>message_id</code> of the send's answer). Messages are kept 7 days.
        </p>
      )}
    </section>
  );
}

function MessageDetail(props: { messageId: string }) {
  const { api } = useSignedIn();
  const [final, setFinal] = useState(false);
  const message = useLoad(
    async (signal) => {
      const m = await api.get<Message>(`/api/messages/${encodeURIComponent(props.messageId)}`, undefined, signal);
      setFinal(FINAL.has(m.status));
      return m;
    },
    [props.messageId],
    final ? 0 : 1500,
  );
  const m = message.data;
  return (
    <div class="panel">
      <ErrorNote error={message.error} what="Message" />
      {m ? (
        <>
          <div class="heading">
            <h2 class="mono">{m.message_id}</h2>
            <Badge value={m.status} testId="message-status" />
          </div>
          <dl class="facts">
            <dt>Session</dt>
            <dd>
              <Link to={`/sessions/${encodeURIComponent(m.session_id)}`}>{m.session_id}</Link>
            </dd>
            <dt>Workspace</dt>
            <dd>{m.workspace_id}</dd>
            <dt>Type</dt>
            <dd>{m.type}</dd>
            <dt>Idempotency key</dt>
            <dd>{m.idempotency_key ?? '—'}</dd>
          </dl>
          <ol class="timeline" data-testid="timeline">
            {timeline(m).map((step) => (
              <li
                key={step.name}
                class={`${step.reached ? 'reached' : 'pending'} ${step.name === 'failed' ? 'failed' : ''}`}
                data-testid={`step-${step.name}`}
                data-reached={step.reached ? 'yes' : 'no'}
              >
                <span class="dot" />
                <span class="step-name">{step.name}</span>
                <span class="sub">{step.reached ? clock(step.at) : 'not yet'}</span>
                {step.detail ? <span class="sub"> · {step.detail}</span> : null}
              </li>
            ))}
          </ol>
        </>
      ) : null}
    </div>
  );
}

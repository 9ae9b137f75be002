import { useState } from 'preact/hooks';
import { can } from '../api';
import { Badge, Confirm, ErrorNote, Link } from '../components';
import { ago, clock } from '../format';
import { useLiveSession } from '../live-session';
import { navigate } from '../router';
import { useSignedIn } from '../session';
import { availableActions, type SessionAction } from '../session-state';
import { connectedSince, type Session } from '../types';
import { LinkDevice } from './link-device';
import { SendMessage } from './send-message';

const ACTIONS: Record<SessionAction, { label: string; title: string; text: string; danger: boolean }> = {
  start: { label: 'Start', title: 'Start the session?', text: 'It connects with its stored credentials (no new scan while they are valid).', danger: false },
  stop: {
    label: 'Stop',
    title: 'Stop the session?',
    text: 'The socket closes and the credentials stay; messages wait until it is started again.',
    danger: false,
  },
  restart: {
    label: 'Restart',
    title: 'Restart the session?',
    text: 'The socket closes and opens again with the same credentials (no new scan); it is offline for a few seconds.',
    danger: false,
  },
  logout: {
    label: 'Log out',
    title: 'Log the device out?',
    text: 'WhatsApp unlinks the device and its credentials are removed. The session is kept (logged out) and can be linked again with a QR code or a pairing code. Messages waiting to be sent fail.',
    danger: true,
  },
  delete: {
    label: 'Delete',
    title: 'Delete the session?',
    text: 'The device is logged out, its credentials and the session record are removed. This cannot be undone.',
    danger: true,
  },
};

/** The session page: its record, kept current; the actions its state and the key allow; linking; sending. */
export function SessionDetailPage(props: { sessionId: string }) {
  const { api, key } = useSignedIn();
  const { session, error, gone, refresh } = useLiveSession(props.sessionId);
  const [action, setAction] = useState<SessionAction | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const write = can(key, 'sessions:write');

  const run = async (which: SessionAction): Promise<void> => {
    const path = `/api/sessions/${encodeURIComponent(props.sessionId)}`;
    if (which === 'delete') await api.delete<Session>(path);
    else await api.post<Session>(`${path}/${which}`);
    setNotice(`${ACTIONS[which].label}: requested.`);
    if (which === 'delete') navigate('/sessions');
    else refresh();
  };

  return (
    <section>
      <p class="crumbs">
        <Link to="/sessions">Sessions</Link> / {props.sessionId}
      </p>
      <div class="heading">
        <h1>{props.sessionId}</h1>
        {session && !gone ? <Badge value={session.status} testId="session-status" /> : null}
      </div>
      {gone ? (
        <p class="note warn" data-testid="session-gone">
          No session with this id (never created, deleted, or not this key's workspace).
        </p>
      ) : null}
      <ErrorNote error={error} what="Status" />
      {notice ? (
        <p class="note" data-testid="session-notice">
          {notice}
        </p>
      ) : null}
      {session && !gone ? (
        <div class="detail-grid">
          <div class="panel">
            <Facts session={session} />
            {write ? (
              <div class="actions wrap">
                {availableActions(session).map((which) => (
                  <button
                    key={which}
                    type="button"
                    class={ACTIONS[which].danger ? 'danger-outline' : ''}
                    onClick={() => setAction(which)}
                    data-testid={`action-${which}`}
                  >
                    {ACTIONS[which].label}
                  </button>
                ))}
              </div>
            ) : null}
          </div>
          <LinkDevice session={session} write={write} onChange={refresh} />
        </div>
      ) : null}
      {session && !gone && can(key, 'messages:send') ? <SendMessage sessionId={session.session_id} /> : null}
      {action ? (
        <Confirm
          title={ACTIONS[action].title}
          confirmLabel={ACTIONS[action].label}
          danger={ACTIONS[action].danger}
          onClose={() => setAction(null)}
          onConfirm={() => run(action)}
        >
          <p>{ACTIONS[action].text}</p>
        </Confirm>
      ) : null}
    </section>
  );
}

function Facts(props: { session: Session }) {
  const { session } = props;
  const since = connectedSince(session);
  return (
    <dl class="facts">
      <dt>Workspace</dt>
      <dd data-testid="session-workspace">{session.workspace_id}</dd>
      <dt>Account</dt>
      <dd>{session.account_id}</dd>
      <dt>Phone</dt>
      <dd data-testid="session-phone">{session.phone ?? 'not linked'}</dd>
      <dt>Worker</dt>
      <dd data-testid="session-instance">{session.instance ?? '—'}</dd>
      <dt>Shard</dt>
      <dd>{session.shard}</dd>
      <dt>Desired</dt>
      <dd data-testid="session-desired">{session.desired.replace('_', ' ')}</dd>
      <dt>Connected since</dt>
      <dd data-testid="session-since" data-since={since ?? ''}>
        {since ? `${clock(since)} (${ago(since)})` : '—'}
      </dd>
      <dt>Last error</dt>
      <dd class={session.last_error ? 'error-text' : ''} data-testid="session-error">
        {session.last_error ?? '—'}
      </dd>
      <dt>Proxy</dt>
      <dd>{session.proxy.configured ? `${session.proxy.scheme}://${session.proxy.host}` : 'none'}</dd>
      <dt>Created</dt>
      <dd>{clock(session.created_at)}</dd>
      <dt>Updated</dt>
      <dd>{ago(session.updated_at)}</dd>
    </dl>
  );
}

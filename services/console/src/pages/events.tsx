import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { can } from '../api';
import { Confirm, Empty, ErrorNote, Field } from '../components';
import { clock } from '../format';
import { useLoad, useQueryParam } from '../hooks';
import { useSignedIn } from '../session';

interface EventItem {
  id: string;
  type: string;
  workspace_id: number;
  sequence: number;
  occurred_at: number;
  data: Record<string, unknown>;
}

interface EventsPage {
  events: EventItem[];
  next_since: number;
  latest_sequence: number;
  oldest_available: number;
  truncated: boolean;
}

interface DeadLetter {
  event: { id?: string; type?: string; sequence?: number; data?: Record<string, unknown> };
  attempts: number;
  last_error: string;
  first_failed_at: number;
  dead_at: number;
}

const PAGE_SIZE = 50;

export function EventsPage() {
  const { key } = useSignedIn();
  const fixed = key.kind === 'workspace' ? String(key.workspace_id) : '';
  const [workspace, setWorkspace] = useQueryParam('workspace');
  const [draft, setDraft] = useState(workspace);
  const workspaceId = fixed || workspace;
  return (
    <section>
      <h1>Events</h1>
      {!fixed ? (
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            setWorkspace(draft.trim());
          }}
        >
          <Field label="Workspace">
            <input
              inputMode="numeric"
              pattern="[0-9]+"
              required
              value={draft}
              onInput={(e) => setDraft(e.currentTarget.value)}
              data-testid="events-workspace"
            />
          </Field>
          <button type="submit" data-testid="events-open">
            Show
          </button>
        </form>
      ) : null}
      {workspaceId ? <EventLog workspaceId={workspaceId} key={workspaceId} /> : <p class="note">Pick a workspace to read its event log and dead letters.</p>}
      {workspaceId ? <DeadLetters workspaceId={workspaceId} key={`dl-${workspaceId}`} /> : null}
    </section>
  );
}

function EventLog(props: { workspaceId: string }) {
  const { api } = useSignedIn();
  // The sequence after which the page starts (the API pages forward from `since`); a stack for Previous.
  const [starts, setStarts] = useState<number[]>([]);
  const [open, setOpen] = useState<string | null>(null);
  const since = starts[starts.length - 1] ?? 0;
  const page = useLoad(
    (signal) => api.get<EventsPage>('/api/events', { workspace_id: props.workspaceId, since, limit: PAGE_SIZE }, signal),
    [props.workspaceId, since],
    5000,
  );
  const data = page.data;
  const latestStart = data ? Math.max(0, data.latest_sequence - PAGE_SIZE) : 0;
  return (
    <div class="panel">
      <h2>Event log of workspace {props.workspaceId}</h2>
      <ErrorNote error={page.error} what="Events" />
      {data?.truncated ? <p class="note warn">Events before #{data.oldest_available} have aged out of retention.</p> : null}
      {data ? (
        <p class="sub" data-testid="events-range">
          Showing {data.events.length ? `#${data.events[0]!.sequence}–#${data.events[data.events.length - 1]!.sequence}` : 'nothing'} of {data.latest_sequence}{' '}
          events.
        </p>
      ) : null}
      <div class="table-wrap">
        <table data-testid="events">
          <thead>
            <tr>
              <th>#</th>
              <th>Type</th>
              <th>When</th>
              <th>Session / message</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(data?.events ?? []).map((event) => (
              <Fragment key={event.id}>
                <tr data-testid={`event-${event.sequence}`}>
                  <td class="num">{event.sequence}</td>
                  <td class="mono">{event.type}</td>
                  <td>{clock(event.occurred_at)}</td>
                  <td class="mono">
                    {String(event.data.session_id ?? '')} {event.data.message_id ? `· ${String(event.data.message_id)}` : ''}
                  </td>
                  <td>
                    <button type="button" class="link" onClick={() => setOpen(open === event.id ? null : event.id)}>
                      {open === event.id ? 'Hide' : 'Data'}
                    </button>
                  </td>
                </tr>
                {open === event.id ? (
                  <tr>
                    <td colSpan={5}>
                      <pre class="json">{JSON.stringify(event.data, null, 2)}</pre>
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
      {data && data.events.length === 0 ? <Empty>No events after #{since}.</Empty> : null}
      <div class="pager">
        <button type="button" disabled={starts.length === 0} onClick={() => setStarts(starts.slice(0, -1))} data-testid="events-prev">
          ← Previous
        </button>
        <button
          type="button"
          disabled={!data || data.events.length < PAGE_SIZE}
          onClick={() => data && setStarts([...starts, data.next_since])}
          data-testid="events-next"
        >
          Next →
        </button>
        <button type="button" disabled={!data || since >= latestStart} onClick={() => setStarts([...starts, latestStart])} data-testid="events-latest">
          Latest
        </button>
      </div>
    </div>
  );
}

function DeadLetters(props: { workspaceId: string }) {
  const { api, key } = useSignedIn();
  const list = useLoad(
    (signal) =>
      api.get<{ total: number; replaying: number; dead_letters: DeadLetter[] }>(`/api/workspaces/${props.workspaceId}/dead-letters`, { limit: 100 }, signal),
    [props.workspaceId],
    10_000,
  );
  const [replay, setReplay] = useState<string[] | 'all' | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const mayReplay = can(key, 'webhooks:write');
  const data = list.data;
  return (
    <div class="panel">
      <div class="heading">
        <h2>Dead letters</h2>
        {mayReplay && data && data.total > 0 ? (
          <button type="button" onClick={() => setReplay('all')} data-testid="replay-all">
            Replay all ({data.total})
          </button>
        ) : null}
      </div>
      <p class="note">Events whose webhook deliveries were exhausted. A replay delivers them again, before newer events.</p>
      <ErrorNote error={list.error} what="Dead letters" />
      {done ? (
        <p class="note" data-testid="replay-done">
          {done}
        </p>
      ) : null}
      {data && data.replaying > 0 ? <p class="sub">{data.replaying} being replayed.</p> : null}
      {data && data.dead_letters.length === 0 ? <Empty>No dead letters.</Empty> : null}
      {data && data.dead_letters.length > 0 ? (
        <div class="table-wrap">
          <table data-testid="dead-letters">
            <thead>
              <tr>
                <th>Event</th>
                <th>Type</th>
                <th>Attempts</th>
                <th>Last error</th>
                <th>Dead since</th>
                {mayReplay ? <th /> : null}
              </tr>
            </thead>
            <tbody>
              {data.dead_letters.map((letter) => (
                <tr key={letter.event.id}>
                  <td class="mono">{letter.event.id}</td>
                  <td class="mono">{letter.event.type}</td>
                  <td class="num">{letter.attempts}</td>
                  <td class="error-text">{letter.last_error}</td>
                  <td>{clock(letter.dead_at)}</td>
                  {mayReplay ? (
                    <td>
                      <button type="button" onClick={() => letter.event.id && setReplay([letter.event.id])}>
                        Replay
                      </button>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {replay ? (
        <Confirm
          title={replay === 'all' ? 'Replay every dead letter?' : `Replay ${replay[0]}?`}
          confirmLabel="Replay"
          onClose={() => setReplay(null)}
          onConfirm={async () => {
            const answer = await api.post<{ replayed: number }>(
              `/api/workspaces/${props.workspaceId}/dead-letters/replay`,
              replay === 'all' ? {} : { event_ids: replay },
            );
            setDone(`${answer.replayed} event(s) queued for delivery again.`);
            list.reload();
          }}
        >
          <p>The webhook receives {replay === 'all' ? 'them' : 'it'} again, before newer events of the workspace.</p>
        </Confirm>
      ) : null}
    </div>
  );
}

import { useState } from 'preact/hooks';
import { can } from '../api';
import { Badge, Empty, ErrorNote, Field, Link } from '../components';
import { ago } from '../format';
import { useLoad, useQueryParam } from '../hooks';
import { navigate } from '../router';
import { useSignedIn } from '../session';
import { connectedSince, SESSION_STATUSES, type Session, type SessionPage } from '../types';

const PAGE_SIZE = 50;

/**
 * The session list (`GET /api/sessions`): a page of the ingress's session index at a time, filtered by
 * workspace (a workspace key's own, fixed), status and a prefix of the session id or phone digits.
 */
export function SessionsPage() {
  const { api, key } = useSignedIn();
  const fixedWorkspace = key.kind === 'workspace' ? String(key.workspace_id) : '';
  const [workspace, setWorkspace] = useQueryParam('workspace');
  const [status, setStatus] = useQueryParam('status');
  const [search, setSearch] = useQueryParam('search');
  const [draft, setDraft] = useState({ workspace: workspace || fixedWorkspace, search });
  // Cursors of the pages before the one shown (Previous pops one).
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const workspaceId = fixedWorkspace || workspace;
  const list = useLoad(
    (signal) => api.get<SessionPage>('/api/sessions', { workspace_id: workspaceId, status, search, cursor, limit: PAGE_SIZE }, signal),
    [workspaceId, status, search, cursor],
    3000,
  );

  return (
    <section>
      <div class="heading">
        <h1>Sessions</h1>
        {can(key, 'sessions:write') ? <CreateSession defaultWorkspace={workspaceId} /> : null}
      </div>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setCursors([]);
          if (!fixedWorkspace) setWorkspace(draft.workspace.trim());
          // The API takes a prefix of an id or of a phone's digits (an optional +): spaces are dropped.
          setSearch(draft.search.replace(/\s+/g, ''));
        }}
      >
        <Field label="Workspace">
          <input
            inputMode="numeric"
            pattern="[0-9]*"
            value={fixedWorkspace || draft.workspace}
            disabled={!!fixedWorkspace}
            placeholder="all"
            onInput={(e) => setDraft({ ...draft, workspace: e.currentTarget.value })}
            data-testid="filter-workspace"
          />
        </Field>
        <Field label="Session id or phone">
          <input
            type="search"
            value={draft.search}
            placeholder="prefix or digits"
            onInput={(e) => setDraft({ ...draft, search: e.currentTarget.value })}
            data-testid="filter-search"
          />
        </Field>
        <Field label="Status">
          <select
            value={status}
            onChange={(e) => {
              setCursors([]);
              setStatus(e.currentTarget.value);
            }}
            data-testid="filter-status"
          >
            <option value="">any</option>
            {SESSION_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.replace('_', ' ')}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" data-testid="filter-apply">
          Search
        </button>
      </form>
      <ErrorNote error={list.error} what="Sessions" />
      <div class="table-wrap">
        <table data-testid="sessions">
          <thead>
            <tr>
              <th>Session</th>
              <th>Workspace</th>
              <th>Status</th>
              <th>Phone</th>
              <th>Worker</th>
              <th>Connected since</th>
              <th>Last error</th>
            </tr>
          </thead>
          <tbody>
            {(list.data?.sessions ?? []).map((s) => (
              <tr key={s.session_id} data-testid={`session-row-${s.session_id}`}>
                <td>
                  <Link to={`/sessions/${encodeURIComponent(s.session_id)}`}>{s.session_id}</Link>
                </td>
                <td class="num">{s.workspace_id}</td>
                <td>
                  <Badge value={s.status} />
                </td>
                <td>{s.phone ?? '—'}</td>
                <td>{s.instance ?? '—'}</td>
                <td>{ago(connectedSince(s))}</td>
                <td class="error-text">{s.last_error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.data && list.data.sessions.length === 0 ? <Empty>No session matches.</Empty> : null}
      <div class="pager">
        <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))} data-testid="page-prev">
          ← Previous
        </button>
        <span class="sub">Page {cursors.length + 1}</span>
        <button
          type="button"
          disabled={!list.data?.next_cursor}
          onClick={() => list.data?.next_cursor && setCursors([...cursors, list.data.next_cursor])}
          data-testid="page-next"
        >
          Next →
        </button>
      </div>
      <OpenById />
    </section>
  );
}

function OpenById() {
  const [id, setId] = useState('');
  return (
    <form
      class="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (id.trim()) navigate(`/sessions/${encodeURIComponent(id.trim())}`);
      }}
    >
      <Field label="Open session by id">
        <input value={id} onInput={(e) => setId(e.currentTarget.value)} pattern="[A-Za-z0-9_\-]{1,64}" data-testid="open-session-id" />
      </Field>
      <button type="submit" data-testid="open-session">
        Open
      </button>
    </form>
  );
}

function CreateSession(props: { defaultWorkspace: string }) {
  const { api, key } = useSignedIn();
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState({ session_id: '', workspace_id: props.defaultWorkspace, account_id: '', phone_number: '' });
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  if (!open)
    return (
      <button type="button" class="primary" onClick={() => setOpen(true)} data-testid="new-session">
        New session
      </button>
    );
  const submit = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      const body: Record<string, unknown> = {
        session_id: form.session_id.trim(),
        workspace_id: Number(key.kind === 'workspace' ? key.workspace_id : form.workspace_id),
        account_id: form.account_id.trim() || '1',
      };
      // Linking by pairing code from the start (E.164 digits, an optional +); without it the session shows a QR.
      if (form.phone_number.trim()) body.phone_number = form.phone_number.trim().replace(/[\s().-]/g, '');
      const created = await api.post<Session>('/api/sessions/create', body);
      navigate(`/sessions/${encodeURIComponent(created.session_id)}`);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  return (
    <form
      class="panel create"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      data-testid="create-form"
    >
      <h2>New session</h2>
      <Field label="Session id">
        <input
          required
          pattern="[A-Za-z0-9_\-]{1,64}"
          value={form.session_id}
          onInput={(e) => setForm({ ...form, session_id: e.currentTarget.value })}
          data-testid="create-id"
        />
      </Field>
      <Field label="Workspace">
        <input
          required
          inputMode="numeric"
          pattern="[0-9]+"
          disabled={key.kind === 'workspace'}
          value={key.kind === 'workspace' ? String(key.workspace_id) : form.workspace_id}
          onInput={(e) => setForm({ ...form, workspace_id: e.currentTarget.value })}
          data-testid="create-workspace"
        />
      </Field>
      <Field label="Account id">
        <input value={form.account_id} placeholder="1" onInput={(e) => setForm({ ...form, account_id: e.currentTarget.value })} data-testid="create-account" />
      </Field>
      <Field label="Phone for a pairing code (optional)">
        <input
          inputMode="tel"
          value={form.phone_number}
          placeholder="+15551234567"
          onInput={(e) => setForm({ ...form, phone_number: e.currentTarget.value })}
          data-testid="create-phone"
        />
      </Field>
      <ErrorNote error={error} />
      <div class="actions">
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
        <button type="submit" class="primary" disabled={busy} data-testid="create-submit">
          {busy ? 'Creating…' : 'Create'}
        </button>
      </div>
    </form>
  );
}

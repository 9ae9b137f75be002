import { useState } from 'preact/hooks';
import { Badge, Confirm, Empty, ErrorNote } from '../components';
import { ago, bytes, clock } from '../format';
import { useLoad } from '../hooks';
import { useSignedIn } from '../session';

interface Snapshot {
  snapshot_id: string;
  created_at: number;
  age_seconds: number;
  archive_bytes: number;
  complete: boolean;
  verification: { state: 'verified' | 'corrupt' | 'unverified'; verified_at: number | null; problems: string[] };
}

interface BackupRequest {
  request_id: string;
  kind: 'snapshot' | 'verify';
  snapshot_id: string | null;
  state: 'waiting' | 'active';
  requested_at: number;
}

interface Backups {
  snapshots: Snapshot[];
  total: number;
  pending: BackupRequest[];
  backup_service: { consumers: number };
}

export function BackupsPage() {
  const { api } = useSignedIn();
  const list = useLoad((signal) => api.get<Backups>('/api/admin/backups', { limit: 50 }, signal), [], 3000);
  const [confirm, setConfirm] = useState<{ kind: 'snapshot' } | { kind: 'verify'; id: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const data = list.data;
  return (
    <section>
      <div class="heading">
        <h1>Backups</h1>
        <button type="button" class="primary" onClick={() => setConfirm({ kind: 'snapshot' })} data-testid="backup-now">
          Take snapshot now
        </button>
      </div>
      <p class="note">
        Snapshots of the session storage in S3, newest first. Each is read back and checked against its manifest after it is taken (verification).
      </p>
      <ErrorNote error={list.error} what="Backups" />
      {notice ? (
        <p class="note" data-testid="backup-notice">
          {notice}
        </p>
      ) : null}
      {data && data.backup_service.consumers === 0 ? (
        <p class="note warn" data-testid="no-backup-service">
          No backup service is running: nothing is snapshotted on schedule and requests cannot be taken.
        </p>
      ) : null}
      {data && data.pending.length > 0 ? (
        <ul class="pending" data-testid="backup-pending">
          {data.pending.map((r) => (
            <li key={r.request_id}>
              <Badge value={r.state} /> {r.kind === 'snapshot' ? 'snapshot' : `verification of ${r.snapshot_id}`}{' '}
              <span class="sub">requested {ago(r.requested_at)}</span>
            </li>
          ))}
        </ul>
      ) : null}
      <div class="table-wrap">
        <table data-testid="snapshots">
          <thead>
            <tr>
              <th>Snapshot</th>
              <th>Taken</th>
              <th>Age</th>
              <th>Size</th>
              <th>Verification</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(data?.snapshots ?? []).map((s) => (
              <tr key={s.snapshot_id} data-testid={`snapshot-${s.snapshot_id}`} data-verification={s.verification.state}>
                <td class="mono">
                  {s.snapshot_id}
                  {s.complete ? null : (
                    <>
                      {' '}
                      <Badge value="incomplete" />
                    </>
                  )}
                </td>
                <td>{clock(s.created_at)}</td>
                <td>{ago(s.created_at)}</td>
                <td class="num">{bytes(s.archive_bytes)}</td>
                <td>
                  <Badge value={s.verification.state} />
                  {s.verification.verified_at ? <div class="sub">checked {ago(s.verification.verified_at)}</div> : null}
                  {s.verification.problems.length > 0 ? <div class="error-text">{s.verification.problems.slice(0, 3).join('; ')}</div> : null}
                </td>
                <td>
                  {s.complete ? (
                    <button type="button" onClick={() => setConfirm({ kind: 'verify', id: s.snapshot_id })}>
                      Verify
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {data && data.snapshots.length === 0 ? <Empty>No snapshot yet.</Empty> : null}
      {data && data.total > data.snapshots.length ? (
        <p class="sub">
          Showing the newest {data.snapshots.length} of {data.total}.
        </p>
      ) : null}
      {confirm ? (
        <Confirm
          title={confirm.kind === 'snapshot' ? 'Take a snapshot now?' : `Verify ${confirm.id}?`}
          confirmLabel={confirm.kind === 'snapshot' ? 'Take snapshot' : 'Verify'}
          onClose={() => setConfirm(null)}
          onConfirm={async () => {
            const path = confirm.kind === 'snapshot' ? '/api/admin/backups' : `/api/admin/backups/${confirm.id}/verify`;
            const request = await api.post<BackupRequest>(path);
            setNotice(`${confirm.kind === 'snapshot' ? 'Snapshot' : 'Verification'} requested (${request.state}).`);
            list.reload();
          }}
        >
          <p>
            {confirm.kind === 'snapshot'
              ? 'The backup service streams the session storage to S3, applies retention and verifies the new snapshot. Sessions keep running.'
              : 'The backup service downloads the archive and checks every file against the manifest. Nothing is restored.'}
          </p>
        </Confirm>
      ) : null}
    </section>
  );
}

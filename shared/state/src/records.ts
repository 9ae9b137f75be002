/** Where a session is in its life. `deleting` and `stopped` follow an operator's request. */
export const SESSION_STATUSES = [
  'starting', 'qr', 'connected', 'disconnected', 'logged_out', 'failed', 'stopped', 'deleting',
] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];
export type DesiredState = 'running' | 'stopped' | 'deleted';

export interface SessionRecord {
  readonly sessionId: string;
  readonly workspaceId: number;
  readonly accountId: string;
  readonly shard: number;
  readonly desired: DesiredState;
  readonly status: SessionStatus;
  readonly qr?: string;
  readonly qrExpiresAt?: number;
  readonly phone?: string;
  readonly owner?: string;
  readonly epoch: number;
  /**
   * Random id of this creation of the session ('' for sessions created before incarnations existed):
   * jobs and messages carry it, so that those of a deleted session never act on a new one with its id.
   */
  readonly incarnation: string;
  readonly lastError?: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

const num = (value: string | undefined): number | undefined => (value === undefined || value === '' ? undefined : Number(value));
const str = (value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : value);

export function parseSession(fields: Record<string, string>): SessionRecord | undefined {
  if (!fields.session_id) return undefined;
  return {
    sessionId: fields.session_id,
    workspaceId: Number(fields.workspace_id),
    accountId: fields.account_id ?? '',
    shard: Number(fields.shard),
    desired: (fields.desired ?? 'running') as DesiredState,
    status: (fields.status ?? 'starting') as SessionStatus,
    qr: str(fields.qr),
    qrExpiresAt: num(fields.qr_expires_at),
    phone: str(fields.phone),
    owner: str(fields.owner),
    epoch: Number(fields.epoch ?? 0),
    incarnation: fields.incarnation ?? '',
    lastError: str(fields.last_error),
    createdAt: Number(fields.created_at),
    updatedAt: Number(fields.updated_at),
  };
}

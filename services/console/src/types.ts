/** The Session object of the API (docs/api.md). */
export interface Session {
  session_id: string;
  workspace_id: number;
  account_id: string;
  shard: number;
  instance: string | null;
  status: string;
  desired: string;
  phone: string | null;
  qr: string | null;
  qr_expires_at: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

/** The Message object of the API. */
export interface Message {
  message_id: string;
  session_id: string;
  workspace_id: number;
  status: string;
  failed_reason: string | null;
  type: string;
  attempts: number;
  sequence: number | null;
  idempotency_key: string | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
  delivered_at: number | null;
  read_at: number | null;
}

/**
 * When a connected session connected: the record's last change (`updated_at`) is its move to
 * `connected` (later writes of a run are status changes, which would leave `connected`).
 */
export function connectedSince(session: Session): number | null {
  return session.status === 'connected' ? session.updated_at : null;
}

export const SESSION_STATUSES = ['starting', 'qr', 'connected', 'disconnected', 'logged_out', 'failed', 'stopped', 'deleting'] as const;

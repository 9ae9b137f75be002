/** Where a session is in its life (`SESSION_STATUSES` of `@fleet/state`). */
export const SESSION_STATUSES = ['starting', 'qr', 'connected', 'disconnected', 'logged_out', 'failed', 'stopped', 'deleting'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** What the operator asked for (`DESIRED_STATES`): `logged_out` after the API's logout, until a start or pair. */
export type DesiredState = 'running' | 'stopped' | 'deleted' | 'logged_out';

/** The Session object of the API (the ingress's `SessionView`, docs/api.md). */
export interface Session {
  session_id: string;
  workspace_id: number;
  account_id: string;
  shard: number;
  instance: string | null;
  status: SessionStatus;
  desired: DesiredState;
  /** The linked phone (digits); null until linked and again after a logout. */
  phone: string | null;
  qr: string | null;
  qr_expires_at: number | null;
  last_error: string | null;
  /** The phone a pairing code is for (`POST /pair`, or `phone_number` on create), until linked. */
  pairing_phone_number: string | null;
  /** The code to enter on that phone, while it is valid. */
  pairing_code: string | null;
  pairing_code_expires_at: number | null;
  proxy: { configured: boolean; scheme: string | null; host: string | null };
  created_at: number;
  updated_at: number;
}

/** A page of `GET /api/sessions` (the ingress's `SessionList`). */
export interface SessionPage {
  sessions: Session[];
  /** Pass as `cursor` for the next page; null on the last one. */
  next_cursor: string | null;
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

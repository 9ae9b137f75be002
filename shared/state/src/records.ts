/** Where a session is in its life. `deleting` and `stopped` follow an operator's request. */
export const SESSION_STATUSES = ['starting', 'qr', 'connected', 'disconnected', 'logged_out', 'failed', 'stopped', 'deleting'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];
/**
 * What the operator asked for: `running`, `stopped`, `deleted`, or `logged_out` (the API's logout:
 * the device is unlinked, then the session waits for a start or a pairing).
 */
export const DESIRED_STATES = ['running', 'stopped', 'deleted', 'logged_out'] as const;
export type DesiredState = (typeof DESIRED_STATES)[number];

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
  /** The phone number (E.164 digits) to link by pairing code instead of a QR scan, until it is linked. */
  readonly pairingPhone?: string;
  /** The pairing code waiting to be entered on that phone, and until when the socket offering it lives. */
  readonly pairingCode?: string;
  readonly pairingCodeExpiresAt?: number;
  /** The session's proxy: its URL sealed (`SessionSecrets`), and the scheme and host shown in views. */
  readonly proxy?: SealedProxy;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A proxy as the record keeps it: the whole URL encrypted, the scheme and host in the clear. */
export interface SealedProxy {
  readonly sealed: string;
  readonly scheme: string;
  readonly host: string;
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
    pairingPhone: str(fields.pairing_phone),
    pairingCode: str(fields.pairing_code),
    pairingCodeExpiresAt: num(fields.pairing_code_expires_at),
    proxy: fields.proxy_sealed ? { sealed: fields.proxy_sealed, scheme: fields.proxy_scheme ?? '', host: fields.proxy_host ?? '' } : undefined,
    createdAt: Number(fields.created_at),
    updatedAt: Number(fields.updated_at),
  };
}

import type { SessionStatus, SessionUpdate } from '@fleet/state';

/**
 * Where one run of a session is (a run = one lease epoch on this worker). The transitions are the
 * table below (docs/architecture.md has it too); nothing else changes a run's state.
 */
export type RunState = 'opening' | 'qr' | 'connected' | 'reconnecting' | 'closing' | 'ended';

/** What can happen to a run: reported by its socket (connector) or asked by the worker. */
export type RunEvent =
  | { readonly type: 'qr'; readonly qr: string; readonly expiresAt: number }
  /** The socket got a pairing code for the phone number being linked (it is entered on that phone). */
  | { readonly type: 'pairing_code'; readonly code: string; readonly phone: string; readonly expiresAt: number }
  | { readonly type: 'connected'; readonly phone: string }
  /** The socket closed; the connector opens a new one by itself (515 after pairing, 408, 428 …). */
  | { readonly type: 'disconnected'; readonly code: number; readonly reason: string }
  /** The connector gave up on the session (440 repeated, reconnects exhausted …); its socket is closed. */
  | { readonly type: 'failed'; readonly code: number; readonly reason: string; readonly detail?: string }
  /** WhatsApp logged the device out (401); the connector cleared the auth state. */
  | { readonly type: 'logged_out' }
  /** The worker stops the run: API stop, a move to another worker, a drain. `status` null: the successor writes it. */
  | { readonly type: 'stop'; readonly status: SessionStatus | null }
  /** The worker logs the device out (the session is being deleted). */
  | { readonly type: 'logout' }
  /** The worker unlinks the device and keeps the record (the API's logout): status logged_out. */
  | { readonly type: 'unlink' }
  /** The worker asks for a pairing code for `phone` (the API's pair): now, or once the socket can. */
  | { readonly type: 'pair'; readonly phone: string }
  /** This worker fenced itself: close the socket without touching Redis. */
  | { readonly type: 'abandon' }
  /** A record write was refused: a newer run (epoch) owns the session. Close without releasing its lease. */
  | { readonly type: 'superseded' };

export type RunEventType = RunEvent['type'];

/** What a logged-out record no longer shows: the phone, a QR, a pairing code, the last error. */
export const LOGGED_OUT_FIELDS: SessionUpdate = {
  phone: null,
  qr: null,
  qrExpiresAt: null,
  pairingCode: null,
  pairingCodeExpiresAt: null,
  lastError: null,
};

/** A run's transitions: state × event → next state. An event missing from a row is ignored. */
export const RUN_TRANSITIONS: { readonly [S in RunState]: Partial<Record<RunEventType, RunState>> } = {
  opening: {
    qr: 'qr',
    pairing_code: 'qr',
    connected: 'connected',
    disconnected: 'reconnecting',
    failed: 'ended',
    logged_out: 'ended',
    stop: 'closing',
    logout: 'closing',
    unlink: 'closing',
    pair: 'opening',
    abandon: 'ended',
    superseded: 'ended',
  },
  qr: {
    qr: 'qr',
    pairing_code: 'qr',
    connected: 'connected',
    disconnected: 'reconnecting',
    failed: 'ended',
    logged_out: 'ended',
    stop: 'closing',
    logout: 'closing',
    unlink: 'closing',
    pair: 'qr',
    abandon: 'ended',
    superseded: 'ended',
  },
  connected: {
    disconnected: 'reconnecting',
    failed: 'ended',
    logged_out: 'ended',
    stop: 'closing',
    logout: 'closing',
    unlink: 'closing',
    abandon: 'ended',
    superseded: 'ended',
  },
  reconnecting: {
    qr: 'qr',
    pairing_code: 'qr',
    connected: 'connected',
    disconnected: 'reconnecting',
    failed: 'ended',
    logged_out: 'ended',
    stop: 'closing',
    logout: 'closing',
    unlink: 'closing',
    pair: 'reconnecting',
    abandon: 'ended',
    superseded: 'ended',
  },
  closing: { abandon: 'ended', superseded: 'ended' },
  ended: {},
};

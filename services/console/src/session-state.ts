// What a session's record says the page may offer: which actions make sense in its state, and whether a
// QR or a pairing code may still come. Mirrors the ingress's checks (routes/session-*.ts) so the page
// offers what the API accepts instead of buttons that answer 409.
import type { Session } from './types';

export type SessionAction = 'start' | 'stop' | 'restart' | 'logout' | 'delete';

/** Statuses in which the worker may still write a QR or a pairing code (the ingress's QR_MAY_COME). */
const LINKING = new Set<Session['status']>(['starting', 'qr', 'disconnected']);

/** A logout asked for (`desired: logged_out`) that the worker has not finished: start and pair answer 409 meanwhile. */
export function isLoggingOut(session: Session): boolean {
  return session.desired === 'logged_out' && session.status !== 'logged_out';
}

/** Being deleted: nothing can be done with it any more. */
export function isDeleting(session: Session): boolean {
  return session.desired === 'deleted' || session.status === 'deleting';
}

/** Whether waiting for a QR makes sense (the `/qr?wait=` long poll): none shown, and one may be written. */
export function qrMayCome(session: Session): boolean {
  return !session.qr && session.desired === 'running' && LINKING.has(session.status);
}

/** Whether a pairing code was asked for and may still come (the ingress's `codeMayCome`). */
export function codeMayCome(session: Session): boolean {
  return session.pairing_phone_number !== null && session.desired === 'running' && LINKING.has(session.status);
}

/**
 * Whether `POST /pair` is accepted: the session is not linked to a phone (`SESSION_ALREADY_LINKED`
 * otherwise; a logout clears the phone), not being logged out or deleted.
 */
export function mayPair(session: Session): boolean {
  return session.phone === null && !isLoggingOut(session) && !isDeleting(session);
}

/**
 * The actions offered in the session's state. A logged-out session (or one being logged out) offers
 * only Delete here: linking it again (a QR, or a pairing code) is offered where the QR is shown.
 */
export function availableActions(session: Session): SessionAction[] {
  if (isDeleting(session)) return [];
  if (session.desired === 'logged_out' || session.status === 'logged_out') return ['delete'];
  const down = session.desired === 'stopped' || session.status === 'stopped' || session.status === 'failed';
  const actions: SessionAction[] = down ? ['start'] : ['stop', 'restart'];
  // Logging out unlinks a device: only a linked session has one.
  if (session.phone !== null) actions.push('logout');
  actions.push('delete');
  return actions;
}

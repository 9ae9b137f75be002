import { FleetError } from '@fleet/errors';

/**
 * A command (restart, logout, pair) reached a session that cannot take it right now: its run is
 * still opening or closing, or another worker holds its lease. The job fails and BullMQ retries it
 * (with backoff), by which time the session has settled.
 */
export class SessionBusyError extends FleetError {
  override readonly name: string = 'SessionBusyError';

  constructor(sessionId: string, why: string) {
    super('SESSION_BUSY', `session ${sessionId} cannot take the command now (${why}); it is retried`, {
      status: 409,
      details: { sessionId, why },
    });
  }
}

import { FleetError, StaleEpochError } from '@fleet/errors';

export { StaleEpochError };

/** The session directory has no fence file: it was removed (or never opened) under this store. */
export class FenceMissingError extends FleetError {
  override readonly name: string = 'FenceMissingError';

  constructor(sessionId: string) {
    super('FENCE_MISSING', `session ${sessionId}: the fence file is gone; refusing to write`, {
      status: 409,
      details: { sessionId },
    });
  }
}

/** A write reached a store that was closed, cleared or fenced off. */
export class AuthStateClosedError extends FleetError {
  override readonly name: string = 'AuthStateClosedError';

  constructor(sessionId: string, state: string) {
    super('AUTH_STATE_CLOSED', `session ${sessionId}: auth state is ${state}; refusing to write`, {
      status: 409,
      details: { sessionId, state },
    });
  }
}

/** A state file exists but cannot be parsed (restored from a bad backup, edited by hand …). */
export class CorruptAuthStateError extends FleetError {
  override readonly name: string = 'CorruptAuthStateError';

  constructor(sessionId: string, file: string, cause: unknown) {
    super('AUTH_STATE_CORRUPT', `session ${sessionId}: ${file} cannot be parsed`, {
      status: 500,
      details: { sessionId, file },
      cause,
    });
  }
}

import { FleetError } from '@fleet/errors';

/** `to` is neither a phone number (6 to 15 digits, `+`, spaces, dashes allowed) nor a JID. */
export class InvalidRecipientError extends FleetError {
  override readonly name: string = 'InvalidRecipientError';

  constructor() {
    super('INVALID_RECIPIENT', 'recipient is neither a phone number nor a WhatsApp JID', { status: 400 });
  }
}

/** A send was attempted while the session has no open connection (connecting, reconnecting, stopped). */
export class SessionNotConnectedError extends FleetError {
  override readonly name: string = 'SessionNotConnectedError';

  constructor(sessionId: string, state: string) {
    super('SESSION_NOT_CONNECTED', `session ${sessionId} is not connected (${state})`, {
      status: 409,
      details: { sessionId, state },
    });
  }
}

/** `start` was called for a session this connector already runs (one socket per session, ever). */
export class SessionAlreadyRunningError extends FleetError {
  override readonly name: string = 'SessionAlreadyRunningError';

  constructor(sessionId: string) {
    super('SESSION_ALREADY_RUNNING', `session ${sessionId} is already running in this connector`, {
      status: 409,
      details: { sessionId },
    });
  }
}

/** `start` was called after `close`. */
export class ConnectorClosedError extends FleetError {
  override readonly name: string = 'ConnectorClosedError';

  constructor() {
    super('CONNECTOR_CLOSED', 'the Baileys connector is closed', { status: 503 });
  }
}

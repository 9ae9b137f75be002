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

/**
 * A session's proxy the address guard refuses (its host is a loopback, private, link-local, metadata …
 * address PROXY_ALLOW does not name): the session is not started, and never connects around it.
 * Only the host is named, never the URL (it carries credentials).
 */
export class ProxyRefusedError extends FleetError {
  override readonly name: string = 'ProxyRefusedError';

  constructor(host: string, reason: string, cause?: unknown) {
    super('PROXY_REFUSED', `refusing to use the proxy ${host || 'given'}: ${reason} (PROXY_ALLOW does not name it)`, {
      status: 400,
      details: { host, reason },
      cause,
    });
  }
}

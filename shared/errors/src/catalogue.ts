/**
 * Every error code Fleet answers with. docs/errors.md documents each one; a test keeps the two in step.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, summary: 'The request body, path or query does not match the schema.' },
  INVALID_JSON: { status: 400, summary: 'The request body is not valid JSON.' },
  INVALID_ID: { status: 400, summary: 'A session id or workspace id is malformed (ids reach file paths).' },
  INVALID_CURSOR: { status: 400, summary: 'The cursor is not one the API handed out (pass next_cursor unchanged).' },
  WEBHOOK_URL_REFUSED: {
    status: 400,
    summary:
      'A webhook URL whose host is (or resolves to) a loopback, private, link-local, metadata or other non-public address that WEBHOOK_ALLOW does not name.',
  },
  PROXY_URL_REFUSED: {
    status: 400,
    summary:
      'A session proxy URL whose host is (or resolves to) a loopback, private, link-local, metadata or other non-public address that PROXY_ALLOW does not name.',
  },
  UNAUTHORIZED: { status: 401, summary: 'No bearer API key, or an unknown or revoked one.' },
  FORBIDDEN: { status: 403, summary: 'A workspace key on a route only admin keys may use.' },
  SCOPE_REQUIRED: { status: 403, summary: 'The workspace key lacks the scope the route needs (details.scope).' },
  NOT_FOUND: { status: 404, summary: 'No such route.' },
  SESSION_NOT_FOUND: { status: 404, summary: 'No session with that id exists.' },
  MESSAGE_NOT_FOUND: { status: 404, summary: 'No message with that id exists (or it aged out).' },
  INSTANCE_NOT_FOUND: { status: 404, summary: 'No live (non-draining) worker with that instance id.' },
  WEBHOOK_NOT_FOUND: { status: 404, summary: 'The workspace has no webhook set.' },
  WORKSPACE_NOT_FOUND: { status: 404, summary: 'A workspace key named a workspace other than its own.' },
  KEY_NOT_FOUND: { status: 404, summary: 'No workspace API key with that id.' },
  QR_NOT_AVAILABLE: { status: 404, summary: 'The session has no QR code pending right now.' },
  PAIRING_CODE_NOT_AVAILABLE: { status: 404, summary: 'The session has no pairing code pending right now.' },
  SESSION_EXISTS: { status: 409, summary: 'A session with that id exists in another workspace or account.' },
  SESSION_RESTORING: { status: 409, summary: "A restore is replacing the session's files; retry when it has finished." },
  SESSION_LOGGING_OUT: { status: 409, summary: 'A logout of the session is in progress; retry when its status is logged_out.' },
  SESSION_ALREADY_LINKED: { status: 409, summary: 'The session is linked to a phone already; log it out before pairing it again.' },
  SESSION_NOT_CONNECTED: { status: 409, summary: 'The request needs a connected session (status connected).' },
  IDEMPOTENCY_CONFLICT: { status: 409, summary: 'The idempotency key was used for a different request.' },
  MESSAGE_NOT_EDITABLE: { status: 409, summary: 'Only a text this session sent, acknowledged by WhatsApp, can be edited, within 15 minutes of sending.' },
  MESSAGE_NOT_REVOCABLE: {
    status: 409,
    summary: 'Only a message this session sent can be revoked (for everyone), within 2 days of sending; one still being written cannot.',
  },
  PAYLOAD_TOO_LARGE: { status: 413, summary: 'The request body is larger than the limit.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, summary: 'The request body is not application/json.' },
  ADMIN_KEYS_NOT_CONFIGURED: { status: 403, summary: 'A worker route that needs an admin key, on a worker started without API_KEYS.' },
  RATE_LIMITED: { status: 429, summary: 'Too many requests for the key, or sends for the session; Retry-After says when to try again.' },
  NO_WORKERS: { status: 503, summary: 'No worker is alive to own the session.' },
  FLEET_AT_CAPACITY: { status: 503, summary: 'Every live worker is at MAX_SESSIONS_PER_INSTANCE.' },
  INSTANCE_AT_CAPACITY: { status: 503, summary: 'The worker that owns the workspace is full.' },
  BACKUP_SERVICE_UNAVAILABLE: {
    status: 503,
    summary: 'No backup service process is taking requests, so a snapshot or verification asked for now would never run.',
  },
  DEPENDENCY_UNAVAILABLE: { status: 503, summary: 'Redis (or another dependency) did not answer.' },
  SESSION_TIMEOUT: { status: 504, summary: 'The worker running the session did not answer in time.' },
  WHATSAPP_QUERY_FAILED: { status: 502, summary: 'WhatsApp did not answer a query the session asked for it (or refused it).' },
  INTERNAL: { status: 500, summary: 'An unexpected error; the logs carry the request id.' },
} as const satisfies Record<string, { status: number; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

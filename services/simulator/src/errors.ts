/**
 * Error catalogue of the simulator. Every error has a stable `code`; the admin HTTP boundary maps
 * `status` to the response status. Keep ERROR_CODES in sync (a test checks it against the README).
 */
export const ERROR_CODES = [
  'BAD_REQUEST',
  'ACCOUNT_NOT_FOUND',
  'QR_NOT_FOUND',
  'QR_INVALID',
  'PAIRING_FAILED',
  'LINK_CODE_NOT_FOUND',
  'LINK_CODE_MISMATCH',
  'NOT_CONNECTED',
  'MESSAGE_NOT_FOUND',
  'GROUP_NOT_FOUND',
  'MEDIA_NOT_FOUND',
  'SIMULATOR_NOT_RUNNING',
  'FRAME_ERROR',
  'HANDSHAKE_ERROR',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class SimulatorError extends Error {
  override readonly name: string = 'SimulatorError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, status: number, message: string, context: Record<string, unknown> = {}, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.status = status;
    this.context = Object.freeze({ ...context });
  }
}

export class BadRequestError extends SimulatorError {
  override readonly name = 'BadRequestError';
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('BAD_REQUEST', 400, message, context);
  }
}

export class AccountNotFoundError extends SimulatorError {
  override readonly name = 'AccountNotFoundError';
  constructor(phone: string) {
    super('ACCOUNT_NOT_FOUND', 404, 'no such account', { phone });
  }
}

export class QrNotFoundError extends SimulatorError {
  override readonly name = 'QrNotFoundError';
  constructor() {
    super('QR_NOT_FOUND', 404, 'no pending registration matches this QR (expired, or the socket closed)');
  }
}

export class QrInvalidError extends SimulatorError {
  override readonly name = 'QrInvalidError';
  constructor(reason: string) {
    super('QR_INVALID', 400, `invalid QR: ${reason}`);
  }
}

export class PairingFailedError extends SimulatorError {
  override readonly name = 'PairingFailedError';
  constructor(reason: string) {
    super('PAIRING_FAILED', 502, `pairing failed: ${reason}`);
  }
}

export class LinkCodeNotFoundError extends SimulatorError {
  override readonly name = 'LinkCodeNotFoundError';
  constructor(phone: string) {
    super('LINK_CODE_NOT_FOUND', 404, 'no companion waits to be linked by code with this phone (it never asked, it was linked, or its socket closed)', {
      phone,
    });
  }
}

export class LinkCodeMismatchError extends SimulatorError {
  override readonly name = 'LinkCodeMismatchError';
  constructor(phone: string) {
    super('LINK_CODE_MISMATCH', 400, "the code does not match the companion's: its key bundle did not decrypt, nothing was linked", { phone });
  }
}

export class NotConnectedError extends SimulatorError {
  override readonly name = 'NotConnectedError';
  constructor(phone: string) {
    super('NOT_CONNECTED', 409, 'the account has no logged-in socket', { phone });
  }
}

export class MessageNotFoundError extends SimulatorError {
  override readonly name = 'MessageNotFoundError';
  constructor(ids: string[]) {
    super('MESSAGE_NOT_FOUND', 404, 'unknown message ids', { ids });
  }
}

export class GroupNotFoundError extends SimulatorError {
  override readonly name = 'GroupNotFoundError';
  constructor(group: string) {
    super('GROUP_NOT_FOUND', 404, 'no such group', { group });
  }
}

export class MediaNotFoundError extends SimulatorError {
  override readonly name = 'MediaNotFoundError';
  constructor(id: string, reason: string) {
    super('MEDIA_NOT_FOUND', 404, `no media for this message: ${reason}`, { id });
  }
}

export class NotRunningError extends SimulatorError {
  override readonly name = 'NotRunningError';
  constructor() {
    super('SIMULATOR_NOT_RUNNING', 503, 'the simulator is not started or already closed');
  }
}

export class FrameError extends SimulatorError {
  override readonly name = 'FrameError';
  constructor(message: string) {
    super('FRAME_ERROR', 400, message);
  }
}

export class HandshakeError extends SimulatorError {
  override readonly name = 'HandshakeError';
  constructor(message: string, cause?: unknown) {
    super('HANDSHAKE_ERROR', 400, message, {}, cause);
  }
}

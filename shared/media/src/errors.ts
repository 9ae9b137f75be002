import { FleetError } from '@fleet/errors';

/**
 * Every code the media package raises, with the HTTP status the ingress answers it with. docs/errors.md
 * documents each one (section "Media"); `test/error-codes-docs.test.ts` keeps the two in step.
 */
export const MEDIA_ERROR_CODES = {
  MEDIA_TOO_LARGE: 413,
  MEDIA_TYPE_NOT_ALLOWED: 415,
  MEDIA_NOT_FOUND: 404,
  MEDIA_NOT_AVAILABLE: 409,
  MEDIA_SIGNATURE_INVALID: 403,
  MEDIA_URL_REFUSED: 400,
  MEDIA_URL_UNREACHABLE: 422,
  MEDIA_HASH_MISMATCH: 422,
} as const;

export type MediaErrorCode = keyof typeof MEDIA_ERROR_CODES;

/** Base of the package's errors: the status comes from the code. */
export class MediaError extends FleetError {
  override readonly name: string = 'MediaError';
  override readonly code: MediaErrorCode;

  constructor(code: MediaErrorCode, message: string, details: Record<string, unknown>, cause?: unknown) {
    super(code, message, { status: MEDIA_ERROR_CODES[code], details, cause });
    this.code = code;
  }
}

/** More bytes than the limit (of the media type, or of a fetch): nothing of it was kept. */
export class MediaTooLargeError extends MediaError {
  override readonly name: string = 'MediaTooLargeError';

  constructor(
    readonly limitBytes: number,
    readonly what = 'media',
  ) {
    super('MEDIA_TOO_LARGE', `${what} is larger than its limit of ${limitBytes} bytes (${describeBytes(limitBytes)})`, { limit_bytes: limitBytes, what });
  }
}

/** A media type Fleet does not know, or a mimetype WhatsApp does not take for that type. */
export class MediaTypeNotAllowedError extends MediaError {
  override readonly name: string = 'MediaTypeNotAllowedError';

  constructor(
    readonly type: string,
    readonly mimetype: string,
    readonly allowed: readonly string[],
  ) {
    const list = allowed.join(', ');
    super('MEDIA_TYPE_NOT_ALLOWED', `${type} does not take ${JSON.stringify(mimetype.slice(0, 100))}; allowed: ${list}`, {
      type: type.slice(0, 40),
      mimetype: mimetype.slice(0, 100),
      allowed,
    });
  }
}

/** No media with that id (never stored, removed, or past its retention). */
export class MediaNotFoundError extends MediaError {
  override readonly name: string = 'MediaNotFoundError';

  constructor(readonly mediaId: string) {
    super('MEDIA_NOT_FOUND', 'no such media (unknown, removed or expired)', { media_id: mediaId.slice(0, 64) });
  }
}

/** The media exists but has no content yet (inbound, still downloading) or its download failed. */
export class MediaNotAvailableError extends MediaError {
  override readonly name: string = 'MediaNotAvailableError';

  constructor(
    readonly mediaId: string,
    readonly mediaStatus: string,
  ) {
    super('MEDIA_NOT_AVAILABLE', `media ${mediaId} is ${mediaStatus}: its content is not stored (yet)`, { media_id: mediaId, status: mediaStatus });
  }
}

/** A signed media link whose signature does not match, or which has expired. */
export class MediaSignatureInvalidError extends MediaError {
  override readonly name: string = 'MediaSignatureInvalidError';

  constructor(readonly reason: 'invalid' | 'expired') {
    super('MEDIA_SIGNATURE_INVALID', reason === 'expired' ? 'the media link has expired' : 'the media link signature is invalid', { reason });
  }
}

/** A URL Fleet will not fetch: its scheme, a private or reserved address, too many redirects. */
export class MediaUrlRefusedError extends MediaError {
  override readonly name: string = 'MediaUrlRefusedError';

  constructor(
    readonly host: string,
    readonly reason: string,
  ) {
    super('MEDIA_URL_REFUSED', `refusing to fetch from ${host || 'that URL'}: ${reason}`, { host, reason });
  }
}

/** A URL that could not be fetched: DNS, connection, timeout, or a status other than 2xx. */
export class MediaUrlUnreachableError extends MediaError {
  override readonly name: string = 'MediaUrlUnreachableError';

  constructor(
    readonly host: string,
    readonly reason: string,
    readonly httpStatus?: number,
    cause?: unknown,
  ) {
    const status = httpStatus === undefined ? '' : ` (HTTP ${httpStatus})`;
    super(
      'MEDIA_URL_UNREACHABLE',
      `could not fetch from ${host}: ${reason}${status}`,
      httpStatus === undefined ? { host, reason } : { host, reason, http_status: httpStatus },
      cause,
    );
  }
}

/** Stored bytes whose sha256 is not the one expected (a corrupt or tampered download): nothing was kept. */
export class MediaHashMismatchError extends MediaError {
  override readonly name: string = 'MediaHashMismatchError';

  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super('MEDIA_HASH_MISMATCH', `media sha256 ${actual} is not the expected ${expected}`, { expected, actual });
  }
}

/** `16777216` → `16 MiB`, `512000` → `500 KiB`. */
export function describeBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}

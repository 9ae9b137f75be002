/**
 * Base class of every error Fleet raises on purpose. `code` is stable and documented in
 * docs/errors.md; `status` is the HTTP status the ingress answers with; `details` is safe to show
 * to the caller (never secrets, phone numbers or internals).
 */
export interface FleetErrorOptions {
  readonly status?: number;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

export class FleetError extends Error {
  override readonly name: string = 'FleetError';
  readonly code: string;
  readonly status: number;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, options: FleetErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? 500;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }

  toJSON(): { code: string; message: string; details?: Readonly<Record<string, unknown>> } {
    return Object.keys(this.details).length > 0
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }
}

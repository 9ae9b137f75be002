import { FleetError } from '@fleet/errors';

/**
 * Every code the net package raises, with the HTTP status it would mean. Callers map it to their own
 * code (`MEDIA_URL_REFUSED`, `WEBHOOK_URL_REFUSED`); docs/errors.md documents it (section "Network
 * destinations") and `test/error-codes-docs.test.ts` keeps the two in step.
 */
export const NET_ERROR_CODES = {
  ADDRESS_REFUSED: 400,
} as const;

/**
 * A destination the guard will not connect to: a loopback, private, link-local, metadata (…) address,
 * or a name resolving to one, that the allow-list does not name; or a cloud metadata host name.
 * `reason` reads after the host: "a loopback address", "it resolves to a private address".
 */
export class AddressRefusedError extends FleetError {
  override readonly name: string = 'AddressRefusedError';
  override readonly code = 'ADDRESS_REFUSED' as const;

  constructor(
    readonly host: string,
    readonly reason: string,
  ) {
    super('ADDRESS_REFUSED', `refusing to connect to ${host || 'that host'}: ${reason}`, {
      status: NET_ERROR_CODES.ADDRESS_REFUSED,
      details: { host, reason },
    });
  }
}

import { ApiError, type ErrorCode } from '@fleet/errors';
import { AddressRefusedError, type AddressGuard } from '@fleet/net';

/** How a refused destination is answered: its 400 code, and the setting that would allow it. */
export interface DestinationRefusal {
  readonly code: Extract<ErrorCode, 'WEBHOOK_URL_REFUSED' | 'PROXY_URL_REFUSED'>;
  /** The operator's allow-list variable, named in the message. */
  readonly allowList: 'WEBHOOK_ALLOW' | 'PROXY_ALLOW';
}

/**
 * Refuses a URL Fleet is to connect to later (a webhook, a session's proxy) whose host is, or now
 * resolves to, an address the guard refuses: 400 `refusal.code` with `details.host` and
 * `details.reason`. Only the host is quoted, never the URL (a proxy URL carries credentials). A name
 * that does not resolve yet is accepted: each connection judges what it resolves to then.
 */
export async function assertDestination(guard: AddressGuard, url: string, refusal: DestinationRefusal): Promise<void> {
  try {
    await guard.inspect(new URL(url).hostname);
  } catch (error) {
    if (!(error instanceof AddressRefusedError)) throw error;
    throw new ApiError(refusal.code, `${error.message}; the operator can allow it with ${refusal.allowList}`, { host: error.host, reason: error.reason });
  }
}

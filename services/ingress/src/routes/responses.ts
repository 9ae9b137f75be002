import { ERROR_CODES, type ErrorCode } from '@fleet/errors';
import { MEDIA_ERROR_CODES, type MediaErrorCode } from '@fleet/media';
import { ErrorBody } from '../schemas';

/** An OpenAPI response with a JSON body of `schema`. */
export const json = <T>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

const error = (description: string) => json(ErrorBody, description);

type AnyCode = ErrorCode | MediaErrorCode;

const statusOf = (code: AnyCode): number => (code in MEDIA_ERROR_CODES ? MEDIA_ERROR_CODES[code as MediaErrorCode] : ERROR_CODES[code as ErrorCode].status);

/**
 * The error answers of a route for the OpenAPI document, by code: codes are grouped under their
 * status (from the catalogues, so a status is written down once) and each response names its codes.
 * docs/errors.md says what each code means.
 */
export function errorResponses(...codes: readonly AnyCode[]): Record<number, ReturnType<typeof error>> {
  const byStatus = new Map<number, AnyCode[]>();
  for (const code of codes) byStatus.set(statusOf(code), [...(byStatus.get(statusOf(code)) ?? []), code]);
  return Object.fromEntries([...byStatus].map(([status, list]) => [status, error(`${list.join(', ')} (docs/errors.md)`)]));
}

/** Error answers shared by the /api routes, for the OpenAPI document. */
export const COMMON_ERRORS = {
  400: error('Invalid request (VALIDATION_FAILED, INVALID_JSON, INVALID_ID)'),
  401: error('Missing, unknown or revoked API key (UNAUTHORIZED)'),
  403: error('The key may not use this route: FORBIDDEN (admin keys only) or SCOPE_REQUIRED (details.scope)'),
  429: error('RATE_LIMITED: too many requests for the key or sends for the session; see Retry-After'),
  413: error('Body too large (PAYLOAD_TOO_LARGE)'),
  503: error('No capacity or a dependency is down'),
} as const;

export const NOT_FOUND = { 404: error('Unknown session or message') } as const;
export const CONFLICT = { 409: error('Conflicting request') } as const;

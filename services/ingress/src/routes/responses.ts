import { ErrorBody } from '../schemas';

/** An OpenAPI response with a JSON body of `schema`. */
export const json = <T>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

const error = (description: string) => json(ErrorBody, description);

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

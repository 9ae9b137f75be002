import { ErrorBody } from '../schemas';

const error = (description: string) => ({ description, content: { 'application/json': { schema: ErrorBody } } });

/** Error answers shared by the /api routes, for the OpenAPI document. */
export const COMMON_ERRORS = {
  400: error('Invalid request (VALIDATION_FAILED, INVALID_JSON, INVALID_ID)'),
  401: error('Missing or unknown API key (UNAUTHORIZED)'),
  413: error('Body too large (PAYLOAD_TOO_LARGE)'),
  503: error('No capacity or a dependency is down'),
} as const;

export const NOT_FOUND = { 404: error('Unknown session or message') } as const;
export const CONFLICT = { 409: error('Conflicting request') } as const;

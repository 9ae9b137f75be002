import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ApiError, FleetError } from '@fleet/errors';
import type { Logger } from '@fleet/logger';

/** The one place errors become HTTP answers: JSON `{error: {code, message, details?}}`; 5xx hide internals. */
export function errorResponse(error: unknown, c: Context, logger: Logger): Response {
  const requestId = c.get('requestId' as never) as string | undefined;
  if (error instanceof FleetError && error.status < 500) {
    return c.json({ error: error.toJSON() }, error.status as 400);
  }
  if (error instanceof HTTPException) {
    const mapped = fromHttpException(error);
    if (mapped) return c.json({ error: mapped.toJSON() }, mapped.status as 400);
  }
  if (isRedisDown(error)) {
    logger.error('dependency unavailable', { requestId, error });
    const unavailable = new ApiError('DEPENDENCY_UNAVAILABLE', 'a dependency is unavailable; retry later');
    return c.json({ error: unavailable.toJSON() }, 503);
  }
  if (error instanceof FleetError) {
    logger.error('request failed', { requestId, code: error.code, error });
    return c.json({ error: { code: error.code, message: error.message } }, error.status as 500);
  }
  logger.error('unexpected error', { requestId, error });
  return c.json({ error: { code: 'INTERNAL', message: 'internal error', details: { request_id: requestId } } }, 500);
}

function fromHttpException(error: HTTPException): ApiError | undefined {
  if (error.status === 400 && /json/i.test(error.message)) return new ApiError('INVALID_JSON', 'request body is not valid JSON');
  if (error.status === 413) return new ApiError('PAYLOAD_TOO_LARGE', 'request body is too large');
  if (error.status === 401) return new ApiError('UNAUTHORIZED', 'a valid bearer API key is required');
  if (error.status >= 400 && error.status < 500) return new ApiError('VALIDATION_FAILED', error.message || 'bad request');
  return undefined;
}

/**
 * Redis unreachable, or answering but unable to serve for now: READONLY (a master demoted by a
 * failover, until the client follows the new one), LOADING (a restart reading its data),
 * MASTERDOWN (a replica cut off from its master); in a MULTI, Redis answers EXECABORT and the
 * cause is among `previousErrors`. A retry later succeeds: 503, not 500.
 */
function isRedisDown(error: unknown): boolean {
  const message = error instanceof Error ? error.message : '';
  if (/Connection is closed|ECONNREFUSED|max retries per request|Stream isn't writeable/i.test(message)) return true;
  if (/^(READONLY|LOADING|MASTERDOWN) /.test(message)) return true;
  const previous = (error as { previousErrors?: unknown } | undefined)?.previousErrors;
  return message.startsWith('EXECABORT') && Array.isArray(previous) && previous.some(isRedisDown);
}

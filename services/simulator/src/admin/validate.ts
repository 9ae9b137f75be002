/** Input checks for admin requests; each failure is a BadRequestError naming the field. */
import { BadRequestError } from '../errors';
import type { FaultsRequest, ReceiptRequest, SentFeedQuery, SettingsRequest } from './types';
import { DISCONNECT_CODES } from '../state/faults';

/** Longest text, caption or vCard accepted. */
export const MAX_TEXT = 65_536;
const MAX_DELAY_MS = 600_000;
/** Most records one sent-feed page returns (and its default). */
export const MAX_FEED_PAGE = 1000;

export function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('body must be a JSON object');
  return body as Record<string, unknown>;
}

export function optionalBoolean(body: Record<string, unknown>, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new BadRequestError(`${field} must be a boolean`, { field });
  return value;
}

export function optionalInt(body: Record<string, unknown>, field: string, min: number, max: number): number | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new BadRequestError(`${field} must be an integer from ${min} to ${max}`, { field });
  }
  return value;
}

/** A phone number as digits, from digits or a `@s.whatsapp.net` JID; undefined if it is neither. */
export function phoneOf(value: unknown): string | undefined {
  const phone = typeof value === 'string' ? value.replace(/@s\.whatsapp\.net$/, '') : '';
  return /^[1-9]\d{4,19}$/.test(phone) ? phone : undefined;
}

export function parseReceipts(raw: unknown): ReceiptRequest {
  const body = asObject(raw);
  const ids = body.messageIds;
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > 1000 || !ids.every((id) => typeof id === 'string' && id.length > 0)) {
    throw new BadRequestError('messageIds must be a non-empty array of at most 1000 strings', { field: 'messageIds' });
  }
  if (body.type !== 'read' && body.type !== 'delivered') throw new BadRequestError("type must be 'read' or 'delivered'", { field: 'type' });
  return { messageIds: ids as string[], type: body.type };
}

export function parseFaults(raw: unknown): FaultsRequest {
  const body = asObject(raw);
  const known = new Set(['dropPings', 'delayMs', 'rateLimitSends', 'failLogin', 'disconnect', 'forgetSessions']);
  const unknown = Object.keys(body).filter((key) => !known.has(key));
  if (unknown.length) throw new BadRequestError(`unknown fault fields: ${unknown.join(', ')}`, { fields: unknown });
  const out: FaultsRequest = {};
  const dropPings = optionalBoolean(body, 'dropPings');
  if (dropPings !== undefined) out.dropPings = dropPings;
  const rateLimitSends = optionalBoolean(body, 'rateLimitSends');
  if (rateLimitSends !== undefined) out.rateLimitSends = rateLimitSends;
  const delayMs = optionalInt(body, 'delayMs', 0, MAX_DELAY_MS);
  if (delayMs !== undefined) out.delayMs = delayMs;
  if (body.failLogin === null) out.failLogin = null;
  else {
    const failLogin = optionalInt(body, 'failLogin', 400, 599);
    if (failLogin !== undefined) out.failLogin = failLogin;
  }
  if (body.disconnect !== undefined) {
    if (!DISCONNECT_CODES.includes(body.disconnect as never)) {
      throw new BadRequestError(`disconnect must be one of ${DISCONNECT_CODES.join(', ')}`, { field: 'disconnect' });
    }
    out.disconnect = body.disconnect as FaultsRequest['disconnect'];
  }
  const forgetSessions = optionalBoolean(body, 'forgetSessions');
  if (forgetSessions !== undefined) out.forgetSessions = forgetSessions;
  return out;
}

export function parseSettings(raw: unknown): SettingsRequest {
  const body = asObject(raw);
  if (body.autoReadMs === null) return { autoReadMs: null };
  const autoReadMs = optionalInt(body, 'autoReadMs', 0, MAX_DELAY_MS);
  return autoReadMs === undefined ? {} : { autoReadMs };
}

/** `{after?, limit?}`: after ≥ 0 (default 0), limit 1-1000 (default 1000). */
export function parseSentFeed(raw: unknown): SentFeedQuery {
  const body = asObject(raw);
  return {
    after: optionalInt(body, 'after', 0, Number.MAX_SAFE_INTEGER) ?? 0,
    limit: optionalInt(body, 'limit', 1, MAX_FEED_PAGE) ?? MAX_FEED_PAGE,
  };
}

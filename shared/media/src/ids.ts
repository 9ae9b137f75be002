import { randomBytes } from 'node:crypto';

/** `med_` and 24 lower-case hex digits (96 random bits): unguessable, safe in keys, paths and URLs. */
export const MEDIA_ID_PATTERN = /^med_[0-9a-f]{24}$/;

export function newMediaId(): string {
  return `med_${randomBytes(12).toString('hex')}`;
}

export function isMediaId(value: unknown): value is string {
  return typeof value === 'string' && MEDIA_ID_PATTERN.test(value);
}

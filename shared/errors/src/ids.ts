import { InvalidIdError } from './errors';

/** Session ids reach file paths and Redis keys: letters, digits, `_` and `-`, 1 to 64 characters. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Workspace ids are positive integers up to 2^31-1, as Laravel's auto-increment keys. */
export const MAX_WORKSPACE_ID = 2_147_483_647;

/**
 * A workspace id written as text (a path segment, a query parameter, an argument): decimal digits,
 * no sign, no leading zero, nothing around them. `Number()` would also read `0x10`, `1e3`, `0b11`,
 * ` 16` or `16.0` as integers; none of them is a workspace id.
 */
export const WORKSPACE_ID_TEXT_PATTERN = /^[1-9][0-9]{0,9}$/;

export function isValidSessionId(value: unknown): value is string {
  return typeof value === 'string' && SESSION_ID_PATTERN.test(value);
}

export function isValidWorkspaceId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_WORKSPACE_ID;
}

export function assertSessionId(value: unknown): string {
  if (!isValidSessionId(value)) throw new InvalidIdError('session_id', value);
  return value;
}

export function assertWorkspaceId(value: unknown): number {
  if (!isValidWorkspaceId(value)) throw new InvalidIdError('workspace_id', value);
  return value;
}

/** The workspace id a text names (see WORKSPACE_ID_TEXT_PATTERN); InvalidIdError otherwise. */
export function parseWorkspaceId(text: string): number {
  if (!WORKSPACE_ID_TEXT_PATTERN.test(text)) throw new InvalidIdError('workspace_id', text);
  return assertWorkspaceId(Number(text));
}

export { FleetError, type FleetErrorOptions } from './fleet-error';
export { ERROR_CODES, type ErrorCode } from './catalogue';
export { ApiError, ConfigError, InvalidIdError, StaleEpochError } from './errors';
export {
  SESSION_ID_PATTERN,
  MAX_WORKSPACE_ID,
  WORKSPACE_ID_TEXT_PATTERN,
  parseWorkspaceId,
  isValidSessionId,
  isValidWorkspaceId,
  assertSessionId,
  assertWorkspaceId,
} from './ids';

import { ERROR_CODES, type ErrorCode } from './catalogue';
import { FleetError } from './fleet-error';

/** An error from the catalogue: its HTTP status comes from the code. */
export class ApiError extends FleetError {
  override readonly name: string = 'ApiError';

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, cause?: unknown) {
    super(code, message, { status: ERROR_CODES[code].status, details, cause });
  }
}

/** Configuration could not be parsed; `problems` names every bad variable at once. */
export class ConfigError extends FleetError {
  override readonly name: string = 'ConfigError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super('CONFIG_INVALID', `Invalid configuration:\n  - ${problems.join('\n  - ')}`, { details: { problems } });
    this.problems = Object.freeze([...problems]);
  }
}

/** A session or workspace id that is not safe to use (it would reach a file path). */
export class InvalidIdError extends ApiError {
  override readonly name: string = 'InvalidIdError';

  constructor(kind: 'session_id' | 'workspace_id', value: unknown) {
    super('INVALID_ID', `${kind} is invalid`, { field: kind, value: typeof value === 'string' ? value.slice(0, 80) : value });
  }
}

/** A write carried a fencing epoch older than the current one: another owner took the session over. */
export class StaleEpochError extends FleetError {
  override readonly name: string = 'StaleEpochError';

  constructor(sessionId: string, epoch: number, current: number) {
    super('STALE_EPOCH', `session ${sessionId}: epoch ${epoch} is older than ${current}`, {
      status: 409,
      details: { sessionId, epoch, current },
    });
  }
}

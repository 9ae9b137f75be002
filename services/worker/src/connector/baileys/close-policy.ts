/** What the connector does when a socket closes. */
export type CloseAction =
  /** Open a new socket at once (515 after pairing). */
  | 'reconnect-now'
  /** Open a new socket after an exponential, jittered delay (408, 428, 5xx, network errors). */
  | 'reconnect-backoff'
  /**
   * 440 conflict/replaced: another socket took over this device. Usually passing (WhatsApp sees a
   * few a day per few hundred devices): reconnect after a longer delay, but fail after repeated ones
   * (a real second client that would be fought forever).
   */
  | 'reconnect-conflict'
  /** The QR refs ran out before anyone scanned (408 while unpaired). */
  | 'qr-expired'
  /** The device was logged out: clear the auth state, report `onLoggedOut`. */
  | 'logged-out'
  /** Terminal: report `onFailed` and never reconnect (403, 407 from the session's proxy, 411, a refused proxy). */
  | 'fail';

export interface CloseDecision {
  readonly action: CloseAction;
  readonly code: number;
  readonly reason: string;
}

export interface CloseContext {
  /** Status code of the close (`statusCodeOf(lastDisconnect.error)`). */
  readonly code: number;
  /** The credentials carry an account (the device is paired). */
  readonly registered: boolean;
  /** This socket emitted at least one QR. */
  readonly qrShown: boolean;
  /** The `<conflict type=…>` of a stream error, when there was one. */
  readonly conflictType?: string;
  /** The proxy guard refused the session's proxy for this socket (its name resolved to a refused address). */
  readonly proxyRefused?: boolean;
}

/** The close policy, as one pure function. */
export function decideOnClose(context: CloseContext): CloseDecision {
  const { code } = context;
  // Never retried, and never a direct connection instead: the proxy must be changed (or PROXY_ALLOW).
  if (context.proxyRefused) return { action: 'fail', code: 0, reason: 'proxy_refused' };
  if (context.conflictType === 'device_removed') return { action: 'logged-out', code: 401, reason: 'device_removed' };
  switch (code) {
    case 515:
      return { action: 'reconnect-now', code, reason: 'restart_required' };
    case 440:
      return { action: 'reconnect-conflict', code, reason: 'conflict' };
    case 401:
      return { action: 'logged-out', code, reason: 'logged_out' };
    case 403:
      return { action: 'fail', code, reason: 'forbidden' };
    case 407:
      return { action: 'fail', code, reason: 'proxy_auth_failed' };
    case 411:
      return { action: 'fail', code, reason: 'multidevice_mismatch' };
    case 408:
      return !context.registered && context.qrShown
        ? { action: 'qr-expired', code, reason: 'qr_timeout' }
        : { action: 'reconnect-backoff', code, reason: 'connection_lost' };
    case 428:
      return { action: 'reconnect-backoff', code, reason: 'connection_closed' };
    case 503:
      return { action: 'reconnect-backoff', code, reason: 'service_unavailable' };
    case 500:
      return { action: 'reconnect-backoff', code, reason: 'bad_session' };
    default:
      return { action: 'reconnect-backoff', code, reason: code === 0 ? 'unknown' : `status_${code}` };
  }
}

/** The status code Baileys put on a close error (a Boom), 0 when there is none. */
export function statusCodeOf(error: unknown): number {
  const boom = error as { output?: { statusCode?: unknown } } | undefined;
  const code = boom?.output?.statusCode;
  return typeof code === 'number' && Number.isFinite(code) ? code : 0;
}

/** `device_removed`, `replaced` …: the type of a stream error's `<conflict>` child, if any. */
export function conflictTypeOf(error: unknown): string | undefined {
  const data = (error as { data?: { content?: unknown } } | undefined)?.data;
  if (!Array.isArray(data?.content)) return undefined;
  for (const child of data.content as Array<{ tag?: unknown; attrs?: Record<string, unknown> }>) {
    if (child?.tag === 'conflict' && typeof child.attrs?.['type'] === 'string') return child.attrs['type'];
  }
  return undefined;
}

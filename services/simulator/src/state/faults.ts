/** Faults that stay active on an account until cleared. One-shot disconnects are actions, not state. */
export interface Faults {
  /** do not answer keep-alive pings: the client closes with 408 after its interval + 5 s */
  dropPings: boolean;
  /** delay every frame sent to the account's sockets by this many milliseconds */
  delayMs: number;
  /** answer message sends with an `error="429"` (rate-overlimit) ack instead of accepting them */
  rateLimitSends: boolean;
  /** refuse logins with this failure reason (e.g. 401, 403, 503) instead of `<success>` */
  failLogin: number | null;
}

export const DISCONNECT_CODES = [428, 440, 401, 515] as const;
export type DisconnectCode = (typeof DISCONNECT_CODES)[number];

export function noFaults(): Faults {
  return { dropPings: false, delayMs: 0, rateLimitSends: false, failLogin: null };
}

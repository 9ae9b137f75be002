/**
 * A message's life, in order: `queued` (accepted, in its session's outbox) → `sending` (written to the
 * socket at least once, no acknowledgement yet) → `sent` (the server acknowledged it) → `delivered` →
 * `read`; or `failed` at any point before `sent`. The one place the order is written down: the Lua
 * scripts get their rank table from it.
 */
export const MESSAGE_ORDER = ['queued', 'sending', 'sent', 'delivered', 'read'] as const;

/** Every status a message record can have. */
export const MESSAGE_STATUSES = [...MESSAGE_ORDER, 'failed'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** Statuses that end a message's wait: nothing more will be sent for it. */
export const SETTLED_STATUSES: ReadonlySet<MessageStatus> = new Set(['sent', 'delivered', 'read', 'failed']);

/** The event each status change records (`queued` and `sending` record none). */
export const STATUS_EVENTS = {
  sent: 'message.sent',
  delivered: 'message.delivered',
  read: 'message.read',
  failed: 'message.failed',
} as const satisfies Partial<Record<MessageStatus, string>>;

/** Statuses WhatsApp reports for a message (acks and receipts). */
export type ReportedStatus = keyof typeof STATUS_EVENTS;

export function isMessageStatus(value: string): value is MessageStatus {
  return (MESSAGE_STATUSES as readonly string[]).includes(value);
}

/** The Lua tables STATUS_RANK and STATUS_EVENT (see lua/lib/status.lua). */
export function statusTablesLua(): string {
  const rank = MESSAGE_ORDER.map((status, index) => `${status} = ${index + 1}`).join(', ');
  const events = Object.entries(STATUS_EVENTS)
    .map(([status, type]) => `${status} = '${type}'`)
    .join(', ');
  return `local STATUS_RANK = { ${rank} }\nlocal STATUS_EVENT = { ${events} }`;
}

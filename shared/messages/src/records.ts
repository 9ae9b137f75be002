import type { MessageContent } from './content';
import type { MessageStatus } from './statuses';

/** A message as its record stores it (GET /api/messages/{id}). */
export interface MessageRecord {
  readonly messageId: string;
  readonly sessionId: string;
  readonly workspaceId: number;
  readonly status: MessageStatus;
  /** What it is: text, image, video, audio, document, sticker, location, contact, reaction, edit, revoke. */
  readonly type: string;
  readonly idempotencyKey?: string;
  readonly failedReason?: string;
  /** Position in its session's send order (1, 2, …), when it was queued by this version. */
  readonly seq?: number;
  /** Times it was written to the socket. */
  readonly attempts: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly sentAt?: number;
  readonly deliveredAt?: number;
  readonly readAt?: number;
}

/** What a message says and to whom (kept as long as a recipient may ask for it again). */
export interface MessageBody {
  readonly to: string;
  readonly content: MessageContent;
}

const num = (value: string | undefined): number | undefined => (value === undefined || value === '' ? undefined : Number(value));
const str = (value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : value);

export function parseMessage(fields: Record<string, string>): MessageRecord | undefined {
  if (!fields.message_id) return undefined;
  return {
    messageId: fields.message_id,
    sessionId: fields.session_id ?? '',
    workspaceId: Number(fields.workspace_id),
    status: (fields.status === 'accepted' ? 'queued' : (fields.status ?? 'queued')) as MessageStatus,
    type: fields.type || 'text',
    idempotencyKey: str(fields.idempotency_key),
    failedReason: str(fields.failed_reason),
    seq: num(fields.seq),
    attempts: Number(fields.attempts ?? 0),
    createdAt: Number(fields.created_at),
    updatedAt: Number(fields.updated_at),
    sentAt: num(fields.sent_at),
    deliveredAt: num(fields.delivered_at),
    readAt: num(fields.read_at),
  };
}

/** A stored body; one written before contents had types (`{to, text}`) reads as a text. */
export function parseBody(text: string | null): MessageBody | undefined {
  if (!text) return undefined;
  try {
    const body = JSON.parse(text) as { to?: unknown; text?: unknown; content?: unknown };
    if (typeof body.to !== 'string') return undefined;
    if (typeof body.content === 'object' && body.content !== null && typeof (body.content as { type?: unknown }).type === 'string') {
      return { to: body.to, content: body.content as MessageContent };
    }
    return typeof body.text === 'string' ? { to: body.to, content: { type: 'text', text: body.text } } : undefined;
  } catch {
    return undefined;
  }
}

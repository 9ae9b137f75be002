import { z } from '@hono/zod-openapi';
import { MAX_WORKSPACE_ID, SESSION_ID_PATTERN, WORKSPACE_ID_TEXT_PATTERN } from '@fleet/errors';
import { MEDIA_ID_PATTERN, MEDIA_TYPES } from '@fleet/media';
import { MESSAGE_ID_PATTERN, MESSAGE_STATUSES } from '@fleet/messages';
import { DESIRED_STATES, parseProxyUrl, PROXY_SCHEMES, SESSION_STATUSES } from '@fleet/state';

/** Request and response schemas: they validate requests and generate /openapi.json. */
/** Largest media sent inline as base64 (decoded); larger media goes through POST /api/media or a URL. */
export const MAX_INLINE_BYTES = 1024 * 1024;
const MAX_INLINE_BASE64 = Math.ceil((MAX_INLINE_BYTES * 4) / 3) + 4;

export const SessionId = z.string().regex(SESSION_ID_PATTERN, 'letters, digits, _ or -, 1 to 64 characters').openapi({ example: 'sess_42' });
export const WorkspaceId = z.number().int().min(1).max(MAX_WORKSPACE_ID).openapi({ example: 5 });
/** A workspace id in a path or query: decimal only (`Number()` would take `0x10` or `1e3` too). */
export const WorkspaceIdText = z
  .string()
  .regex(WORKSPACE_ID_TEXT_PATTERN, `a decimal integer from 1 to ${MAX_WORKSPACE_ID}`)
  .transform(Number)
  .pipe(WorkspaceId);
export const MessageId = z.string().regex(MESSAGE_ID_PATTERN, '3EB0 followed by 20 upper-case hex digits').openapi({ example: '3EB0A1B2C3D4E5F6A7B8C9D0' });

/**
 * A phone number, a user JID, or a group JID in either form WhatsApp gives out: `<digits>@g.us`
 * (newer groups, e.g. `120363…`) or `<creator's number>-<creation time>@g.us` (older ones).
 */
export const Recipient = z
  .string()
  .regex(/^(\+?\d{6,20}|\d{6,20}@s\.whatsapp\.net|\d{6,25}(-\d{6,20})?@g\.us)$/, 'a phone number in international format, or a WhatsApp JID')
  .openapi({ example: '+15551234567' });

/**
 * An optional JSON object body whose fields are all optional may also come as `[]`: what PHP's
 * `json_encode([])` (Laravel's HTTP client with an empty array) sends for "no fields". Only the empty
 * array is taken, as `{}`.
 */
export function fieldsOrEmptyArray<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (Array.isArray(value) && value.length === 0 ? {} : value), schema);
}

export const ErrorBody = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }),
  })
  .openapi('Error');

/** A phone number to link by pairing code: E.164 (country code and number), digits, an optional leading +. */
export const PhoneNumber = z
  .string()
  .regex(/^\+?[1-9]\d{6,14}$/, 'a phone number in international format (E.164: country code and number, 7 to 15 digits, an optional leading +)')
  .transform((value) => value.replace(/^\+/, ''))
  .openapi({ example: '15551234567' });

/** A session's proxy URL; checked without ever quoting it back (it may carry credentials). */
export const ProxyUrl = z
  .string()
  .max(2048)
  .superRefine((value, ctx) => {
    const parsed = parseProxyUrl(value);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
  })
  .openapi({
    example: 'socks5://user:password@proxy.example.com:1080',
    description: `${PROXY_SCHEMES.map((s) => `${s}://`).join(', ')}, with optional credentials: the session's WebSocket and media go through it. Stored encrypted; never shown again (the session shows its scheme and host).`,
  });

export const CreateSessionBody = z
  .strictObject({
    session_id: SessionId,
    workspace_id: WorkspaceId,
    account_id: z
      .union([z.string().min(1).max(64), z.number().int()])
      .transform(String)
      .openapi({ example: '17' }),
    phone_number: PhoneNumber.optional().openapi({
      description:
        'Link by pairing code with this number instead of a QR scan: the code comes as a session.pairing_code event and from GET /api/sessions/{id}/pairing-code. Applied when the session is created (a repeat ignores it: use POST /pair).',
    }),
    proxy_url: ProxyUrl.optional().openapi({
      description:
        "The session's proxy (see PUT /api/sessions/{id}/proxy). Applied when the session is created (a repeat ignores it). A host that is or resolves to a non-public address is refused (400 PROXY_URL_REFUSED) unless PROXY_ALLOW names it.",
    }),
  })
  .openapi('CreateSession');

/** A session's proxy as the API shows it: never the URL (it may carry credentials), only its scheme and host. */
export const ProxyView = z
  .object({
    configured: z.boolean(),
    scheme: z.string().nullable().openapi({ example: 'socks5' }),
    host: z.string().nullable().openapi({ example: 'proxy.example.com:1080' }),
  })
  .openapi('SessionProxy');

export const SessionView = z
  .object({
    session_id: z.string(),
    workspace_id: z.number(),
    account_id: z.string(),
    shard: z.number(),
    instance: z.string().nullable().openapi({ description: 'Worker owning the session now (null when none is alive)' }),
    status: z.enum(SESSION_STATUSES),
    desired: z.enum(DESIRED_STATES).openapi({
      description:
        'What was asked for: running, stopped, deleted, or logged_out (POST /logout: the device is unlinked, then the session waits for start or pair)',
    }),
    phone: z.string().nullable(),
    qr: z.string().nullable().openapi({ description: 'Pending QR string while status is qr' }),
    qr_expires_at: z.number().nullable(),
    last_error: z.string().nullable(),
    pairing_phone_number: z
      .string()
      .nullable()
      .openapi({ description: 'The phone number (E.164 digits) the session links to by pairing code, until it is linked' }),
    pairing_code: z
      .string()
      .nullable()
      .openapi({ description: 'The pairing code to enter on that phone (WhatsApp → Linked devices → Link with phone number), while it is valid' }),
    pairing_code_expires_at: z.number().nullable(),
    proxy: ProxyView,
    created_at: z.number(),
    updated_at: z.number(),
  })
  .openapi('Session');

/** A WhatsApp message id: one Fleet gave out, or one a session received. */
export const AnyMessageId = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,128}$/, 'a message id: 1 to 128 letters, digits, dots, dashes or underscores')
  .openapi({ example: '3EB0A1B2C3D4E5F6A7B8C9D0' });

const MediaInput = z
  .strictObject({
    id: z
      .string()
      .regex(/^med_[0-9a-f]{24}$/, 'a media id from POST /api/media')
      .optional()
      .openapi({ description: 'A media object uploaded with POST /api/media (same workspace).' }),
    url: z
      .string()
      .url()
      .max(2048)
      .optional()
      .openapi({ description: 'An https URL the worker fetches (size and time limits; private, loopback and link-local addresses refused).' }),
    base64: z
      .string()
      .max(MAX_INLINE_BASE64)
      .optional()
      .openapi({ description: `Small media inline, at most ${MAX_INLINE_BYTES / 1024 / 1024} MiB once decoded.` }),
    mimetype: z
      .string()
      .regex(/^[a-z0-9.+-]+\/[a-z0-9.+-]+(;.*)?$/i, 'a mimetype such as image/jpeg')
      .max(127)
      .optional(),
    filename: z.string().min(1).max(255).optional(),
  })
  .openapi('MediaInput');

export const SEND_TYPES = ['text', 'image', 'video', 'audio', 'document', 'sticker', 'location', 'contact', 'reaction'] as const;

export const SendMessageBody = z
  .strictObject({
    session_id: SessionId,
    to: Recipient,
    type: z.enum(SEND_TYPES).default('text').openapi({ description: 'What to send; `text` when absent.' }),
    text: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .openapi({ description: 'The text (type text), or the caption of an image, video or document (at most 1024 characters).' }),
    media: MediaInput.optional().openapi({ description: 'Image, video, audio, document, sticker: exactly one of id, url, base64.' }),
    filename: z.string().min(1).max(255).optional().openapi({ description: 'Document: the name the recipient sees.' }),
    voice: z.boolean().optional().openapi({ description: 'Audio: send as a voice note (push-to-talk).' }),
    location: z
      .strictObject({
        latitude: z.number().min(-90).max(90),
        longitude: z.number().min(-180).max(180),
        name: z.string().min(1).max(256).optional(),
        address: z.string().min(1).max(512).optional(),
      })
      .optional(),
    contact: z.strictObject({ display_name: z.string().min(1).max(256), vcard: z.string().min(1).max(8192) }).optional(),
    reaction: z
      .strictObject({ message_id: AnyMessageId, emoji: z.string().max(32).openapi({ description: 'The emoji; empty removes the reaction.' }) })
      .optional(),
    reply_to: AnyMessageId.optional().openapi({ description: 'The id of a message of this session to quote (sent by it or received by it).' }),
    mentions: z
      .array(z.string().regex(/^\+?\d{6,20}$/, 'a phone number'))
      .min(1)
      .max(50)
      .optional()
      .openapi({ description: 'Phone numbers mentioned; the text names them as @<number>.' }),
    idempotency_key: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,128}$/)
      .optional(),
  })
  .superRefine(checkSendBody)
  .openapi('SendMessage');

/** Which fields each type needs and allows, named in a 400 when they are not there (or should not be). */
function checkSendBody(body: { type: (typeof SEND_TYPES)[number] } & Record<string, unknown>, ctx: z.RefinementCtx): void {
  const need = (field: string, why: string): void => {
    if (body[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `required for type ${body.type}: ${why}` });
  };
  const refuse = (...fields: string[]): void => {
    for (const field of fields) if (body[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `not allowed for type ${body.type}` });
  };
  const isMedia = MEDIA_SEND_TYPES.has(body.type);
  if (!isMedia) refuse('media', 'filename', 'voice');
  if (body.type !== 'location') refuse('location');
  if (body.type !== 'contact') refuse('contact');
  if (body.type !== 'reaction') refuse('reaction');
  switch (body.type) {
    case 'text':
      need('text', 'the message text');
      break;
    case 'location':
    case 'contact':
      need(body.type, `the ${body.type}`);
      refuse('text');
      break;
    case 'reaction':
      need('reaction', 'the message and the emoji');
      refuse('text', 'reply_to', 'mentions');
      break;
    default: {
      need('media', 'exactly one of media.id, media.url, media.base64');
      const media = body.media as { id?: unknown; url?: unknown; base64?: unknown } | undefined;
      const sources = media ? [media.id, media.url, media.base64].filter((source) => source !== undefined).length : 1;
      if (sources !== 1) ctx.addIssue({ code: 'custom', path: ['media'], message: 'exactly one of media.id, media.url, media.base64' });
      if (typeof body.text === 'string' && body.text.length > 1024)
        ctx.addIssue({ code: 'custom', path: ['text'], message: 'a caption has at most 1024 characters' });
      if (body.type === 'audio' || body.type === 'sticker') refuse('text');
      if (body.type !== 'document') refuse('filename');
      if (body.type !== 'audio') refuse('voice');
    }
  }
}

const MEDIA_SEND_TYPES: ReadonlySet<string> = new Set(['image', 'video', 'audio', 'document', 'sticker']);

export const EditMessageBody = z.strictObject({ text: z.string().min(1).max(4096) }).openapi('EditMessage');

export const MessageView = z
  .object({
    message_id: z.string(),
    session_id: z.string(),
    workspace_id: z.number(),
    status: z.enum(MESSAGE_STATUSES),
    failed_reason: z.string().nullable(),
    type: z.string().openapi({ description: 'text, image, video, audio, document, sticker, location, contact, reaction, edit or revoke' }),
    attempts: z.number().int().openapi({ description: 'Times the message was written to the socket (a write with no server ack in time is retried)' }),
    sequence: z.number().int().nullable().openapi({ description: "Position in its session's send order: messages of a session go out in this order" }),
    idempotency_key: z.string().nullable(),
    created_at: z.number(),
    updated_at: z.number(),
    sent_at: z.number().nullable(),
    delivered_at: z.number().nullable(),
    read_at: z.number().nullable(),
  })
  .openapi('Message');

export const SendMessageResult = MessageView.extend({ duplicate: z.boolean() }).openapi('SendMessageResult');

export const InstanceView = z.object({
  instance_id: z.string(),
  url: z.string(),
  draining: z.boolean(),
  shards: z.number(),
  sessions: z.number(),
  max_sessions: z.number(),
  utilization: z.number(),
  started_at: z.number(),
});

export const InstancesView = z
  .object({
    shard_count: z.number(),
    placement_version: z.number(),
    instances: z.array(InstanceView),
    totals: z.object({ instances: z.number(), sessions: z.number(), max_sessions: z.number(), utilization: z.number() }),
  })
  .openapi('Instances');

export const HealthView = z
  .object({
    status: z.enum(['healthy', 'degraded', 'unhealthy']),
    service: z.literal('ingress'),
    redis: z.enum(['up', 'down']),
    workers: z.number(),
    sessions: z.object({ total: z.number(), max: z.number(), utilization: z.number() }),
  })
  .openapi('IngressHealth');

export const HealthSweepView = z
  .object({
    checked_at: z.number(),
    age_seconds: z.number(),
    instances: z.array(
      z.object({
        instance: z.string(),
        url: z.string(),
        status: z.enum(['healthy', 'unhealthy', 'unreachable']),
        sessions: z.number().optional(),
        max: z.number().optional(),
        utilization: z.number().optional(),
        draining: z.boolean(),
        error: z.string().optional(),
      }),
    ),
  })
  .openapi('HealthSweep');

export const MediaId = z.string().regex(MEDIA_ID_PATTERN, 'med_ followed by 24 lower-case hex digits').openapi({ example: 'med_5f1c0a9e2b7d4c3a1e0f9b8c' });

/** `POST /api/media` (multipart/form-data, fields before the file): for the OpenAPI document only; the route streams the body itself. */
export const UploadMediaForm = z
  .object({
    workspace_id: z.string().openapi({ example: '5', description: 'Decimal workspace id; send it before the file part' }),
    type: z.enum(MEDIA_TYPES).openapi({ description: 'WhatsApp media type: decides the limits (see docs/api.md); send it before the file part' }),
    file: z.string().openapi({ format: 'binary', description: 'The file part (its Content-Type is the mimetype, its filename is kept)' }),
  })
  .openapi('UploadMedia');

export const MediaView = z
  .object({
    media_id: z.string(),
    workspace_id: z.number(),
    type: z.enum(MEDIA_TYPES),
    mimetype: z.string(),
    size: z.number().int().openapi({ description: 'Bytes stored' }),
    sha256: z.string().openapi({ description: 'Hex sha256 of the stored bytes' }),
    filename: z.string().nullable(),
    expires_at: z.number().openapi({ description: 'When the media is deleted (ms; MEDIA_RETENTION_DAYS after the upload)' }),
    url: z.string().openapi({ description: 'A signed link to the media that needs no API key (GET /media/{id}?expires=&signature=)' }),
    url_expires_at: z.number().openapi({ description: 'When that link expires (ms; MEDIA_URL_TTL_SECONDS after the upload)' }),
  })
  .openapi('Media');

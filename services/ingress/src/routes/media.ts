import { Readable } from 'node:stream';
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { ApiError, FleetError } from '@fleet/errors';
import { MAX_MEDIA_BYTES, MediaNotFoundError, MediaSignatureInvalidError, type MediaRecord } from '@fleet/media';
import { assertOwnWorkspace, canSee, principalOf } from '../auth/principal';
import type { IngressDeps } from '../deps';
import { mediaResponse } from '../http/media-response';
import { receiveUpload, UploadFailure, type UploadFields } from '../http/multipart-upload';
import { ErrorBody, MediaId, MediaView, UploadMediaForm } from '../schemas';
import { COMMON_ERRORS, errorResponses, json } from './responses';

export const UPLOAD_PATH = '/api/media';
/** The largest upload request: the largest media type's limit plus room for the fields and the multipart framing. */
export const MAX_UPLOAD_REQUEST_BYTES = MAX_MEDIA_BYTES + 64 * 1024;

const MULTIPART = /^multipart\/form-data\s*;/i;
const error = (description: string) => json(ErrorBody, description);
const BINARY = {
  description: 'The media, streamed, with its Content-Type, Content-Length and Content-Disposition',
  content: { '*/*': { schema: z.string().openapi({ format: 'binary' }) } },
};

const getMedia = createRoute({
  method: 'get',
  path: '/api/media/{id}',
  summary: 'The bytes of a stored media object',
  request: { params: z.object({ id: MediaId.openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: { 200: BINARY, ...errorResponses('VALIDATION_FAILED', 'UNAUTHORIZED', 'DEPENDENCY_UNAVAILABLE', 'MEDIA_NOT_FOUND', 'MEDIA_NOT_AVAILABLE') },
});

const getSignedMedia = createRoute({
  method: 'get',
  path: '/media/{id}',
  summary: 'The bytes of a media object by a signed link: the signature is the credential (no API key)',
  security: [],
  request: {
    params: z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: 'med_5f1c0a9e2b7d4c3a1e0f9b8c' }) }),
    query: z.object({
      expires: z.string().optional().openapi({ description: 'Unix seconds' }),
      signature: z.string().optional().openapi({ description: 'Hex HMAC-SHA256' }),
    }),
  },
  responses: { 200: BINARY, ...errorResponses('MEDIA_SIGNATURE_INVALID', 'MEDIA_NOT_FOUND', 'MEDIA_NOT_AVAILABLE', 'DEPENDENCY_UNAVAILABLE') },
});

/** Whether a request is the upload: the JSON body limit and content type do not apply to it. */
export function isUpload(c: Context): boolean {
  return c.req.method === 'POST' && c.req.path === UPLOAD_PATH;
}

function registerUploadDocument(app: OpenAPIHono): void {
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: UPLOAD_PATH,
    summary: "Upload a file (multipart/form-data, streamed into the media store); its type's WhatsApp limits apply as the bytes arrive",
    request: { body: { required: true, content: { 'multipart/form-data': { schema: UploadMediaForm } } } },
    responses: {
      201: json(MediaView, 'Stored'),
      ...COMMON_ERRORS,
      413: error(`MEDIA_TOO_LARGE (over the type's limit, named in the answer) or PAYLOAD_TOO_LARGE (request over ${MAX_UPLOAD_REQUEST_BYTES} bytes)`),
      415: error('MEDIA_TYPE_NOT_ALLOWED (names the allowed mimetypes) or UNSUPPORTED_MEDIA_TYPE (not multipart/form-data)'),
    },
  });
}

/** The request body as a Node stream: the raw request under @hono/node-server, else the web body (in-process tests). */
function requestStream(c: Context): Readable {
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  if (incoming) return incoming;
  if (!c.req.raw.body) throw new ApiError('VALIDATION_FAILED', 'the upload has no body');
  return Readable.fromWeb(c.req.raw.body as import('node:stream/web').ReadableStream<Uint8Array>);
}

function mediaView(deps: IngressDeps, c: Context, record: MediaRecord, fields: UploadFields) {
  const base = deps.mediaLinks.publicBaseUrl ?? new URL(c.req.url).origin;
  const link = deps.mediaStore.signedUrl(record.id, base, deps.mediaLinks.ttlSeconds);
  return {
    media_id: record.id,
    workspace_id: record.workspaceId,
    type: fields.type,
    mimetype: record.mimetype,
    size: record.size,
    sha256: record.sha256,
    filename: record.filename ?? null,
    expires_at: record.expiresAt,
    url: link.url,
    url_expires_at: link.expiresAt,
  };
}

/** The upload's outcome label (fleet_ingress_media_uploads_total). */
function outcomeOf(error: unknown): string {
  const code = error instanceof FleetError ? error.code : '';
  if (code === 'MEDIA_TOO_LARGE' || code === 'PAYLOAD_TOO_LARGE') return 'too_large';
  if (code === 'MEDIA_TYPE_NOT_ALLOWED') return 'type_not_allowed';
  return error instanceof FleetError && error.status < 500 ? 'rejected' : 'failed';
}

async function upload(deps: IngressDeps, c: Context): Promise<Response> {
  let bodyLeft = true;
  try {
    if (!MULTIPART.test(c.req.header('content-type') ?? '')) throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'send the upload as multipart/form-data');
    const declared = c.req.header('content-length');
    if (declared !== undefined && Number(declared) > MAX_UPLOAD_REQUEST_BYTES) {
      throw new ApiError('PAYLOAD_TOO_LARGE', `request body is larger than ${MAX_UPLOAD_REQUEST_BYTES} bytes`);
    }
    const { fields, stored } = await receiveUpload({
      headers: c.req.header(),
      body: requestStream(c),
      maxRequestBytes: MAX_UPLOAD_REQUEST_BYTES,
      store: (form, file) => {
        assertOwnWorkspace(c, form.workspaceId);
        return deps.mediaStore.put({
          workspaceId: form.workspaceId,
          kind: 'upload',
          type: form.type,
          mimetype: file.mimetype,
          filename: file.filename,
          source: file.stream,
          maxBytes: file.limit.maxBytes,
        });
      },
      discard: (record) => deps.mediaStore.remove(record.id),
    });
    bodyLeft = false;
    if (stored.size === 0) {
      await deps.mediaStore.remove(stored.id);
      throw new ApiError('VALIDATION_FAILED', 'the file is empty');
    }
    deps.metrics.mediaUploads.inc({ outcome: 'stored' });
    return c.json(mediaView(deps, c, stored, fields), 201);
  } catch (error) {
    const failure = error instanceof UploadFailure ? error.error : error;
    // The rest of the body was not read: the connection cannot carry another request reliably.
    if (error instanceof UploadFailure ? error.bodyLeft : bodyLeft) c.header('Connection', 'close');
    deps.metrics.mediaUploads.inc({ outcome: outcomeOf(failure) });
    throw failure;
  }
}

export function registerMediaRoutes(app: OpenAPIHono, deps: IngressDeps): void {
  registerUploadDocument(app);
  app.post(UPLOAD_PATH, (c) => upload(deps, c));

  app.openapi(getMedia, async (c) => {
    const { id } = c.req.valid('param');
    // A workspace key sees its own workspace's media only; another's is answered as a missing one.
    if (principalOf(c)?.kind === 'workspace') {
      const found = await deps.mediaStore.get(id);
      if (!found || !canSee(c, found.workspaceId)) throw new MediaNotFoundError(id);
    }
    const { record, stream } = await deps.mediaStore.open(id);
    return mediaResponse(c, record, stream) as never;
  });

  app.openapi(getSignedMedia, async (c) => {
    const { id } = c.req.valid('param');
    const { expires = '', signature = '' } = c.req.valid('query');
    const verdict = deps.mediaStore.verify(id, expires, signature);
    if (verdict !== 'valid') throw new MediaSignatureInvalidError(verdict);
    const { record, stream } = await deps.mediaStore.open(id);
    return mediaResponse(c, record, stream) as never;
  });
}

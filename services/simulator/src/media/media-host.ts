/**
 * The simulator's media host: HTTPS (the test certificate in `certs/`) on its own port, as WhatsApp's
 * `mmg` hosts. Uploads come as Baileys sends them, `POST /mms/<type>/<fileEncSha256, base64url>?auth=…
 * &token=…` with the encrypted body streamed: the auth must be a live token from a `media_conn` answer,
 * `token` must equal the path's hash and the body's SHA-256 must equal it. The answer is WhatsApp's JSON,
 * `{url, direct_path}`; `GET url` (optionally with a single `Range`) streams the blob back.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { SimContext } from '../context';
import { readMediaServerTls } from './certs';
import { blobIdOf, directPathOf, type StoredBlob } from './media-store';

const UPLOAD_PATH = /^\/mms\/([a-z-]+)\/([A-Za-z0-9_-]{43})$/;

export class MediaHost {
  readonly server: Server;

  constructor(private readonly ctx: SimContext) {
    this.server = createServer(readMediaServerTls(), (req, res) => {
      this.handle(req, res).catch((error) => {
        ctx.options.logger.warn('media request failed', { path: req.url, error: String(error) });
        if (!res.headersSent) reply(res, 500, { error: 'internal error' });
        else res.destroy();
      });
    });
  }

  /** Listens and returns the port. */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://media.invalid');
    const upload = UPLOAD_PATH.exec(url.pathname);
    if (req.method === 'POST' && upload) return this.upload(req, res, upload[1]!, upload[2]!, url.searchParams);
    const id = blobIdOf(url.pathname);
    if ((req.method === 'GET' || req.method === 'HEAD') && id) return this.download(req, res, id);
    req.resume();
    reply(res, 404, { error: 'not found' });
  }

  private async upload(req: IncomingMessage, res: ServerResponse, uploadType: string, encSha: string, query: URLSearchParams): Promise<void> {
    const { media, counters } = this.ctx;
    const refuse = (status: number, error: string): void => {
      counters.mediaUploadsRefused += 1;
      req.resume();
      reply(res, status, { error });
    };
    const phone = media.auth.check(query.get('auth') ?? undefined);
    if (!phone) return refuse(401, 'auth is not a live media_conn token');
    if (query.get('token') !== encSha) return refuse(400, 'token must equal the hash in the path');
    const limit = media.store.maxBytes;
    if (Number(req.headers['content-length'] ?? 0) > limit) return refuse(413, `blob larger than the media store (${limit} bytes)`);
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) continue;
      hash.update(chunk);
      chunks.push(chunk);
    }
    if (size > limit) return refuse(413, `blob larger than the media store (${limit} bytes)`);
    if (size === 0) return refuse(400, 'empty body');
    if (hash.digest('base64url') !== encSha) return refuse(400, "the body's SHA-256 does not match the token");
    const blob: StoredBlob = { id: media.store.newId(), uploadType, chunks, size, fileEncSha256: encSha, createdAt: Date.now(), uploadedBy: phone };
    media.store.put(blob);
    counters.mediaUploads += 1;
    const account = this.ctx.registry.account(phone);
    if (account) account.mediaUploads += 1;
    const directPath = directPathOf(blob.id, encSha.slice(0, 16));
    reply(res, 200, { url: `https://${media.hostname}${directPath}&mms3=true`, direct_path: directPath });
  }

  private download(req: IncomingMessage, res: ServerResponse, id: string): void {
    req.resume();
    const blob = this.ctx.media.store.get(id);
    if (!blob) return reply(res, 404, { error: 'media not found (never uploaded, or dropped from the store)' });
    const range = parseRange(req.headers.range, blob.size);
    if (range === 'invalid') {
      res.writeHead(416, { 'content-range': `bytes */${blob.size}` }).end();
      return;
    }
    const [start, end] = range ?? [0, blob.size - 1];
    res.writeHead(range ? 206 : 200, {
      'content-type': 'application/octet-stream',
      'content-length': String(end - start + 1),
      'accept-ranges': 'bytes',
      ...(range ? { 'content-range': `bytes ${start}-${end}/${blob.size}` } : {}),
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    this.ctx.counters.mediaDownloads += 1;
    Readable.from(slices(blob.chunks, start, end + 1)).pipe(res);
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) }).end(text);
}

/** A single `bytes=a-b` / `bytes=a-` / `bytes=-n` range as [first, last]; undefined = the whole blob. */
function parseRange(header: string | undefined, size: number): [number, number] | undefined | 'invalid' {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return 'invalid';
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  return start > end || start >= size ? 'invalid' : [start, end];
}

/** The bytes [from, to) of a chunk list, without copying. */
function* slices(chunks: readonly Buffer[], from: number, to: number): Generator<Buffer> {
  let offset = 0;
  for (const chunk of chunks) {
    const next = offset + chunk.length;
    if (next > from && offset < to) yield chunk.subarray(Math.max(0, from - offset), Math.min(chunk.length, to - offset));
    offset = next;
    if (offset >= to) return;
  }
}

import { createReadStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { request, type Agent } from 'node:https';
import { pipeline } from 'node:stream/promises';
import { DEFAULT_ORIGIN, MEDIA_PATH_MAP, type MediaConnInfo, type MediaType as BaileysMediaType } from 'baileys';

/** A media host's answer is a small JSON object; anything longer is refused unread. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** One encrypted media file to post, as `encryptToFile` left it. */
export interface MediaHostUpload {
  readonly file: string;
  readonly size: number;
  readonly mediaType: BaileysMediaType;
  /** SHA-256 of the encrypted file: the upload's path and token. */
  readonly fileEncSha256: Buffer;
  readonly timeoutMs: number;
  /** Agent for WhatsApp's media hosts (one trusting the simulator's CA in tests); Node's by default. */
  readonly agent?: Agent;
}

/** `media_conn`: the hosts and the auth token of the socket's account (Baileys' `refreshMediaConn`). */
export type MediaConnSource = (forceGet?: boolean) => Promise<MediaConnInfo>;

/**
 * Posts an encrypted media file to WhatsApp's media hosts as WhatsApp Web does (`POST
 * https://<host>/mms/<type>/<sha256>?auth=…&token=…`, one host after another until one answers with
 * the blob's url), streaming it from disk: memory stays a few socket buffers whatever the size.
 * Baileys' own `waUploadToServer` posts through axios, whose redirect support (follow-redirects) keeps
 * every chunk of a request body until the answer comes, in case it must be sent again: a whole copy of
 * each file in flight on the heap.
 */
export async function postToMediaHost(mediaConn: MediaConnSource, upload: MediaHostUpload): Promise<{ mediaUrl: string; directPath: string }> {
  const path = MEDIA_PATH_MAP[upload.mediaType];
  if (!path) throw new Error(`no media host path for ${upload.mediaType}`);
  const token = upload.fileEncSha256.toString('base64url');
  let conn = await mediaConn(false);
  const failures: string[] = [];
  for (const { hostname } of conn.hosts) {
    try {
      const url = `https://${hostname}${path}/${token}?auth=${encodeURIComponent(conn.auth)}&token=${token}`;
      const answer = await postFile(url, upload);
      if (typeof answer.url === 'string' || typeof answer.direct_path === 'string') {
        return { mediaUrl: String(answer.url ?? ''), directPath: String(answer.direct_path ?? '') };
      }
      failures.push(`${hostname}: ${JSON.stringify(answer).slice(0, 200)}`);
      conn = await mediaConn(true);
    } catch (error) {
      failures.push(`${hostname}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new Error(`media upload failed on every host (${failures.join('; ') || 'media_conn named none'})`);
}

/** One POST of the file, streamed with backpressure; answers the host's JSON (any status: errors are JSON too). */
async function postFile(url: string, upload: MediaHostUpload): Promise<Record<string, unknown>> {
  const signal = AbortSignal.timeout(upload.timeoutMs);
  const req = request(url, {
    method: 'POST',
    signal,
    ...(upload.agent ? { agent: upload.agent } : {}),
    headers: { 'content-type': 'application/octet-stream', 'content-length': upload.size, origin: DEFAULT_ORIGIN },
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  // The answer may come (an early refusal) before the body is all written: both are awaited. The host's
  // answer is what counts: the request can close before its own 'finish' (a proxy tunnel that closes
  // once the answer is through, on a loaded machine), which the body's pipeline reports as a premature
  // close though every byte went out; any other failure of the body fails the post.
  const [body, answered] = await Promise.allSettled([pipeline(createReadStream(upload.file), req), response]);
  if (body.status === 'rejected' && !isPrematureClose(body.reason)) throw body.reason;
  if (answered.status === 'rejected') throw answered.reason;
  const res = answered.value;
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > MAX_ANSWER_BYTES) {
      res.destroy();
      throw new Error(`answer longer than ${MAX_ANSWER_BYTES} bytes (HTTP ${res.statusCode})`);
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') return parsed as Record<string, unknown>;
  } catch {
    // not JSON: reported below
  }
  throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
}

function isPrematureClose(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === 'ERR_STREAM_PREMATURE_CLOSE';
}

import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { UrlSigner } from '@fleet/media';
import { BOUNDARY, countingStream, generatedFile, listObjects, mediaSettings, MEDIA_SECRET, multipartBody, startS3 } from './media-helpers';
import { API_KEY, startIngress, type IngressHarness } from './helpers';

const MiB = 1024 * 1024;
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

function form(fields: Record<string, string>, file?: { name?: string; data: Buffer; type: string; filename: string }): FormData {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.append(name, value);
  if (file) body.append(file.name ?? 'file', new Blob([file.data], { type: file.type }), file.filename);
  return body;
}

describe('ingress: media routes (in-process, real Redis and s3rver)', function () {
  this.timeout(60_000);
  let s3: Awaited<ReturnType<typeof startS3>>;
  let h: IngressHarness;
  let settings: ReturnType<typeof mediaSettings>;

  before(async () => {
    s3 = await startS3();
  });
  after(async () => s3.close());
  beforeEach(async () => {
    settings = mediaSettings(s3.port);
    h = await startIngress({ media: settings });
  });
  afterEach(async () => h.close());

  const upload = (body: FormData | ReadableStream<Uint8Array> | string, headers: Record<string, string> = {}) =>
    h.ingress.app.request('/api/media', {
      method: 'POST',
      body,
      headers: { authorization: `Bearer ${API_KEY}`, ...headers },
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit);
  const get = (path: string, key: string | null = API_KEY) => h.ingress.app.request(path, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  const objects = () => listObjects(settings, s3.port);

  it('stores an upload (201) and serves it back with its type, length and file name, with the key or a signed link', async () => {
    const data = Buffer.from('\x89PNG fake image bytes '.repeat(50));
    const answer = await upload(form({ workspace_id: '5', type: 'image' }, { data, type: 'image/png', filename: 'cat photo é.png' }));
    expect(answer.status).to.equal(201);
    const body = (await answer.json()) as Record<string, unknown>;
    expect(body).to.deep.include({
      workspace_id: 5,
      type: 'image',
      mimetype: 'image/png',
      size: data.length,
      sha256: sha256(data),
      filename: 'cat photo é.png',
    });
    expect(body.media_id).to.match(/^med_[0-9a-f]{24}$/);
    expect(body.expires_at).to.be.closeTo(Date.now() + 30 * 86400_000, 60_000);
    expect(body.url).to.match(new RegExp(`^http://localhost/media/${body.media_id}\\?expires=\\d+&signature=[0-9a-f]{64}$`));
    expect(body.url_expires_at).to.be.closeTo(Date.now() + 3600_000, 60_000);
    expect(await objects()).to.deep.equal([`${settings.s3.prefix}media/5/${body.media_id}`]);

    const served = await get(`/api/media/${body.media_id}`);
    expect(served.status).to.equal(200);
    expect(served.headers.get('content-type')).to.equal('image/png');
    expect(served.headers.get('content-length')).to.equal(String(data.length));
    expect(served.headers.get('content-disposition')).to.equal(`inline; filename="cat photo _.png"; filename*=UTF-8''cat%20photo%20%C3%A9.png`);
    expect(served.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(Buffer.from(await served.arrayBuffer()).equals(data)).to.equal(true);
    expect((await get(`/api/media/${body.media_id}`, null)).status).to.equal(401);
    const head = await h.ingress.app.request(`/api/media/${body.media_id}`, { method: 'HEAD', headers: { authorization: `Bearer ${API_KEY}` } });
    expect(head.status).to.equal(200);
    expect(head.headers.get('content-length')).to.equal(String(data.length));
    expect((await head.arrayBuffer()).byteLength).to.equal(0);

    const signed = new URL(body.url as string);
    const viaLink = await get(`${signed.pathname}${signed.search}`, null);
    expect(viaLink.status).to.equal(200);
    expect(Buffer.from(await viaLink.arrayBuffer()).equals(data)).to.equal(true);
  });

  it('refuses a bad, tampered or expired signature with 403 MEDIA_SIGNATURE_INVALID', async () => {
    const answer = await upload(form({ workspace_id: '5', type: 'document' }, { data: Buffer.from('%PDF-1.7'), type: 'application/pdf', filename: 'a.pdf' }));
    const { media_id: id, url } = (await answer.json()) as { media_id: string; url: string };
    const link = new URL(url);
    const signature = link.searchParams.get('signature')!;
    const expires = link.searchParams.get('expires')!;
    const expired = new URL(new UrlSigner(MEDIA_SECRET).signedUrl(id, 'http://x', 60, Date.now() - 3600_000).url);
    for (const [path, reason] of [
      [`/media/${id}?expires=${expires}&signature=${signature.replace(/^./, (c) => (c === '0' ? '1' : '0'))}`, 'invalid'],
      [`/media/${id}?expires=${Number(expires) + 60}&signature=${signature}`, 'invalid'],
      [`/media/${id}`, 'invalid'],
      [`/media/med_000000000000000000000000?expires=${expires}&signature=${signature}`, 'invalid'],
      [`${expired.pathname}${expired.search}`, 'expired'],
    ]) {
      const refused = await get(path!, null);
      expect(refused.status, path).to.equal(403);
      expect(((await refused.json()) as any).error, path).to.deep.include({ code: 'MEDIA_SIGNATURE_INVALID', details: { reason } });
    }
  });

  it('answers 404 MEDIA_NOT_FOUND for unknown media, 400 for a malformed id, 409 MEDIA_NOT_AVAILABLE for pending inbound media', async () => {
    const missing = await get('/api/media/med_000000000000000000000000');
    expect(missing.status).to.equal(404);
    expect(((await missing.json()) as any).error.code).to.equal('MEDIA_NOT_FOUND');
    expect((await get('/api/media/..%2F..%2Fetc')).status).to.equal(400);
    const pending = await h.ingress.deps.mediaStore.reserve({ workspaceId: 5, kind: 'inbound', type: 'image', mimetype: 'image/jpeg' });
    const conflict = await get(`/api/media/${pending.id}`);
    expect(conflict.status).to.equal(409);
    expect(((await conflict.json()) as any).error).to.deep.include({ code: 'MEDIA_NOT_AVAILABLE', details: { media_id: pending.id, status: 'pending' } });
  });

  it('refuses an image over 16 MiB with 413 MEDIA_TOO_LARGE naming the limit, keeping nothing', async () => {
    const file = generatedFile(17 * MiB);
    const body = countingStream(multipartBody({ workspace_id: '5', type: 'image' }, { filename: 'huge.png', mimetype: 'image/png', chunks: file.chunks() }));
    const answer = await upload(body.stream, { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` });
    expect(answer.status).to.equal(413);
    expect(answer.headers.get('connection')).to.equal('close');
    const error = ((await answer.json()) as any).error;
    expect(error).to.deep.include({ code: 'MEDIA_TOO_LARGE', details: { limit_bytes: 16 * MiB, what: 'image' } });
    expect(error.message).to.contain('16 MiB');
    expect(body.pulled()).to.be.below(17 * MiB);
    expect(await objects()).to.deep.equal([]);
    expect(await h.redis.zcard(h.ingress.deps.keys.mediaExpiry)).to.equal(0);
    expect(await h.redis.keys(`${h.prefix}:media:*`)).to.deep.equal([]);
  });

  it('refuses a mimetype the type does not take (415 naming the allowed ones) before storing anything', async () => {
    const answer = await upload(form({ workspace_id: '5', type: 'sticker' }, { data: Buffer.from('png'), type: 'image/png', filename: 's.png' }));
    expect(answer.status).to.equal(415);
    expect(((await answer.json()) as any).error).to.deep.include({ code: 'MEDIA_TYPE_NOT_ALLOWED' });
    const unknownType = await upload(form({ workspace_id: '5', type: 'gif' }, { data: Buffer.from('gif'), type: 'image/gif', filename: 'g.gif' }));
    expect(unknownType.status).to.equal(415);
    expect(((await unknownType.json()) as any).error.details.allowed).to.deep.equal(['image', 'video', 'audio', 'document', 'sticker']);
    expect(await objects()).to.deep.equal([]);
  });

  it('answers 400 for a form out of order, unknown fields, a bad workspace id, no file or an empty one; 415 for a body that is not multipart', async () => {
    const file = { data: Buffer.from('x'), type: 'application/pdf', filename: 'x.pdf' };
    const cases: Array<[FormData | string, Record<string, string>, number, string]> = [
      [form({ type: 'document' }, file), {}, 400, 'VALIDATION_FAILED'],
      [form({ workspace_id: '5', type: 'document', extra: '1' }, file), {}, 400, 'VALIDATION_FAILED'],
      [form({ workspace_id: '0x10', type: 'document' }, file), {}, 400, 'INVALID_ID'],
      [form({ workspace_id: '5', type: 'document' }), {}, 400, 'VALIDATION_FAILED'],
      [form({ workspace_id: '5', type: 'document' }, { ...file, name: 'upload' }), {}, 400, 'VALIDATION_FAILED'],
      [form({ workspace_id: '5', type: 'document' }, { ...file, data: Buffer.alloc(0) }), {}, 400, 'VALIDATION_FAILED'],
      ['{"workspace_id":5}', { 'content-type': 'application/json' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['--x\r\n', { 'content-type': 'multipart/form-data; boundary=x' }, 400, 'VALIDATION_FAILED'],
    ];
    const fieldAfterFile = form({ workspace_id: '5', type: 'document' }, file);
    fieldAfterFile.append('type', 'image');
    cases.push([fieldAfterFile, {}, 400, 'VALIDATION_FAILED']);
    const twoFiles = form({ workspace_id: '5', type: 'document' }, file);
    twoFiles.append('file', new Blob([Buffer.from('y')], { type: 'application/pdf' }), 'y.pdf');
    cases.push([twoFiles, {}, 400, 'VALIDATION_FAILED']);
    for (const [body, headers, status, code] of cases) {
      const answer = await upload(body, headers);
      expect(answer.status, JSON.stringify(headers) + code).to.equal(status);
      expect(((await answer.json()) as any).error.code).to.equal(code);
    }
    // The last two stored their file before the form went wrong: it was removed again.
    expect(await objects()).to.deep.equal([]);
    expect(await h.redis.zcard(h.ingress.deps.keys.mediaExpiry)).to.equal(0);
  });

  it('refuses at once a declared length over the largest limit (413 PAYLOAD_TOO_LARGE); the JSON body limit does not apply', async () => {
    const tooLong = await upload('x', { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': String(101 * MiB) });
    expect(tooLong.status).to.equal(413);
    expect(((await tooLong.json()) as any).error.code).to.equal('PAYLOAD_TOO_LARGE');
    // The harness's JSON limit is 4 KiB; a 64 KiB document goes through.
    const data = Buffer.alloc(64 * 1024, 1);
    expect((await upload(form({ workspace_id: '5', type: 'document' }, { data, type: 'application/octet-stream', filename: 'b.bin' }))).status).to.equal(201);
  });

  it('documents the media routes in /openapi.json', async () => {
    const doc = (await (await h.ingress.app.request('/openapi.json')).json()) as { paths: Record<string, Record<string, any>> };
    expect(Object.keys(doc.paths['/api/media'] ?? {})).to.deep.equal(['post']);
    expect(Object.keys(doc.paths['/api/media/{id}'] ?? {})).to.deep.equal(['get']);
    expect(doc.paths['/media/{id}']?.get.security).to.deep.equal([]);
    expect(Object.keys(doc.paths['/api/media']!.post.requestBody.content)).to.deep.equal(['multipart/form-data']);
  });
});

import { createHash } from 'node:crypto';
import http from 'node:http';
import { PassThrough } from 'node:stream';
import v8 from 'node:v8';
import vm from 'node:vm';
import { expect } from 'chai';
import type { PutInput } from '@fleet/media';
import { BOUNDARY, countingStream, generatedFile, mediaSettings, multipartBody, startS3, startStallProxy } from './media-helpers';
import { API_KEY, startIngress, type IngressHarness } from './helpers';

const MiB = 1024 * 1024;
/** One multipart part (MEDIA_STORE_DEFAULTS.partSizeBytes): the store reads one part ahead of S3. */
const PART = 5 * MiB;
/** lib-storage keeps a part's pieces beside their concatenation while the part goes out. */
const HELD = 2 * PART;
const STREAM_BUFFERS = 1 * MiB;

/**
 * Buffers held by this process (ingress and client: s3rver gets nothing while held), once full
 * garbage collections (finalizers of earlier work included) give the same figure twice.
 */
async function heldBuffers(): Promise<number> {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  let last = Number.NaN;
  for (let round = 0; round < 20; round += 1) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = process.memoryUsage().arrayBuffers;
    if (Math.abs(now - last) < 64 * 1024) return now;
    last = now;
  }
  return last;
}

/** Resolves once `read()` has not changed for `quietMs`. */
async function settled(read: () => number, quietMs = 400): Promise<number> {
  let last = -1;
  let since = Date.now();
  for (;;) {
    const now = read();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return now;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('ingress: uploads stream through (S3 held back by a proxy: the upload waits, it does not pile up)', function () {
  this.timeout(120_000);
  let s3: Awaited<ReturnType<typeof startS3>>;
  let proxy: Awaited<ReturnType<typeof startStallProxy>>;
  let h: IngressHarness;

  before(async () => {
    s3 = await startS3();
    proxy = await startStallProxy(s3.port);
  });
  after(async () => {
    await proxy.close();
    await s3.close();
  });
  beforeEach(async () => {
    h = await startIngress({ media: mediaSettings(proxy.port) });
  });
  afterEach(async () => {
    proxy.release();
    await h.close();
  });

  /** Counts the bytes that reach the store (out of busboy), per upload. */
  function spyOnStore(): { received: () => number } {
    let received = 0;
    const media = h.ingress.deps.mediaStore;
    const put = media.put.bind(media);
    media.put = (input: PutInput) => {
      const counted = new PassThrough();
      input.source.on('data', (chunk: Buffer) => (received += chunk.length));
      input.source.pipe(counted);
      input.source.on('error', (error) => counted.destroy(error));
      return put({ ...input, source: counted });
    };
    return { received: () => received };
  }

  it('in-process: a 20 MiB document is read from the request no faster than S3 takes it', async () => {
    const file = generatedFile(20 * MiB);
    const body = countingStream(
      multipartBody({ workspace_id: '5', type: 'document' }, { filename: 'big.bin', mimetype: 'application/octet-stream', chunks: file.chunks() }),
    );
    proxy.hold();
    const answer = h.ingress.app.request('/api/media', {
      method: 'POST',
      body: body.stream,
      duplex: 'half',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    } as RequestInit);
    const pulledWhileHeld = await settled(body.pulled);
    expect(pulledWhileHeld, 'bytes read from the request while S3 took none').to.be.within(PART, PART + STREAM_BUFFERS);
    proxy.release();
    const response = await answer;
    expect(response.status).to.equal(201);
    expect(await response.json()).to.deep.include({ size: 20 * MiB, sha256: file.sha256 });
  });

  it('over HTTP (the raw Node request): a 20 MiB document uploads with a bounded hold in the ingress', async () => {
    const spy = spyOnStore();
    const { port } = await h.ingress.start();
    const file = generatedFile(20 * MiB);
    const parts = multipartBody({ workspace_id: '5', type: 'document' }, { filename: 'big.bin', mimetype: 'application/octet-stream', chunks: file.chunks() });
    let sent = 0;
    proxy.hold();
    const before = await heldBuffers();
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/media',
          headers: { authorization: `Bearer ${API_KEY}`, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
        },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
        },
      );
      request.on('error', reject);
      const pump = (): void => {
        for (let next = parts.next(); !next.done; next = parts.next()) {
          sent += next.value.length;
          if (!request.write(next.value)) {
            request.once('drain', pump);
            return;
          }
        }
        request.end();
      };
      pump();
    });
    const sentWhileHeld = await settled(() => sent);
    const atStore = spy.received();
    const grown = (await heldBuffers()) - before;
    // The client got part of the file out (into the store's one part, the streams' buffers and the
    // kernel's socket buffers, which are not the ingress's memory) and waits for the rest.
    expect(sentWhileHeld, 'the client is held back').to.be.below(20 * MiB);
    expect(atStore, 'bytes handed to the store while S3 took none').to.be.within(PART, PART + STREAM_BUFFERS);
    expect(grown, 'buffer memory the upload holds').to.be.within(PART, HELD + STREAM_BUFFERS);
    proxy.release();
    const { status, body } = await answer;
    expect(status).to.equal(201);
    const record = JSON.parse(body) as { media_id: string; sha256: string; size: number };
    expect(record).to.include({ size: 20 * MiB, sha256: file.sha256 });
    const served = await fetch(`http://127.0.0.1:${port}/api/media/${record.media_id}`, { headers: { authorization: `Bearer ${API_KEY}` } });
    const hash = createHash('sha256');
    for await (const chunk of served.body as unknown as AsyncIterable<Uint8Array>) hash.update(chunk);
    expect(hash.digest('hex')).to.equal(file.sha256);
  });
});

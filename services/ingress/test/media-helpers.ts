import { createHash, randomBytes } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { readMediaConfig, type MediaSettings } from '@fleet/media';
import { startTestS3 } from '@fleet/testing';

export const MEDIA_SECRET = 'ingress-media-test-secret-0123456789abcdef';
const BUCKET = 'fleet-media-test';

/** A real S3-compatible server (s3rver) on a free loopback port with the media bucket, its data in a temp dir. */
export async function startS3(): Promise<{ port: number; close(): Promise<void> }> {
  return startTestS3(BUCKET);
}

/** Media settings for an ingress whose S3 is at `port` (s3rver, or a proxy in front of it), under a fresh object prefix. */
export function mediaSettings(port: number): MediaSettings {
  return readMediaConfig({
    MEDIA_SIGNING_SECRET: MEDIA_SECRET,
    MEDIA_S3_BUCKET: BUCKET,
    MEDIA_S3_PREFIX: `t-${randomBytes(4).toString('hex')}`,
    S3_ENDPOINT: `http://127.0.0.1:${port}`,
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
  });
}

/** Keys of the objects under the settings' prefix. */
export async function listObjects(settings: MediaSettings, port: number): Promise<string[]> {
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  try {
    const page = await client.send(new ListObjectsV2Command({ Bucket: settings.s3.bucket, Prefix: settings.s3.prefix }));
    return (page.Contents ?? []).map((object) => object.Key ?? '');
  } finally {
    client.destroy();
  }
}

/** A TCP proxy to `target` that can hold everything (stop reading from both sides) and let go again. */
export async function startStallProxy(target: number): Promise<{ port: number; hold(): void; release(): void; close(): Promise<void> }> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  let held = false;
  // Unpiped while held: a piped source is resumed by its destination's 'drain', a paused one is not.
  const connect = ([a, b]: [net.Socket, net.Socket]): void => {
    a.pipe(b);
    b.pipe(a);
  };
  const hold = ([a, b]: [net.Socket, net.Socket]): void => {
    a.unpipe(b);
    b.unpipe(a);
    a.pause();
    b.pause();
  };
  const server = net.createServer((client) => {
    const pair: [net.Socket, net.Socket] = [client, net.connect(target, '127.0.0.1')];
    pairs.add(pair);
    for (const socket of pair) {
      socket.on('error', () => undefined);
      socket.on('close', () => {
        pairs.delete(pair);
        for (const other of pair) other.destroy();
      });
    }
    if (held) hold(pair);
    else connect(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hold() {
      held = true;
      for (const pair of pairs) hold(pair);
    },
    release() {
      if (!held) return;
      held = false;
      for (const pair of pairs) connect(pair);
    },
    async close() {
      for (const pair of pairs) for (const socket of pair) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A generated file: 64 KiB chunks made on demand, and its sha256. */
export function generatedFile(size: number): { chunks: () => Generator<Buffer>; sha256: string } {
  const chunk = (index: number): Buffer => {
    const buffer = Buffer.alloc(64 * 1024);
    for (let i = 0; i < buffer.length; i += 4) buffer.writeUInt32LE((index * 2654435761 + i * 40503) >>> 0, i);
    return buffer;
  };
  function* chunks(): Generator<Buffer> {
    for (let offset = 0, index = 0; offset < size; offset += 64 * 1024, index += 1) yield chunk(index).subarray(0, Math.min(64 * 1024, size - offset));
  }
  const hash = createHash('sha256');
  for (const piece of chunks()) hash.update(piece);
  return { chunks, sha256: hash.digest('hex') };
}

export const BOUNDARY = 'fleet-test-boundary-7d1f';

/** A multipart/form-data body: the fields, then one file part fed from `file`, generated as it is read. */
export function* multipartBody(
  fields: Record<string, string>,
  file: { name?: string; filename: string; mimetype: string; chunks: Iterable<Buffer> },
): Generator<Buffer> {
  for (const [name, value] of Object.entries(fields)) {
    yield Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  }
  yield Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${file.name ?? 'file'}"; filename="${file.filename}"\r\nContent-Type: ${file.mimetype}\r\n\r\n`,
  );
  yield* file.chunks;
  yield Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
}

/** A pull-based web stream over `parts` that counts what the reader has taken. */
export function countingStream(parts: Iterable<Buffer>): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  const iterator = parts[Symbol.iterator]();
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const next = iterator.next();
        if (next.done) {
          controller.close();
          return;
        }
        pulled += next.value.length;
        controller.enqueue(new Uint8Array(next.value));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled };
}

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect } from 'chai';
import type { MediaConnInfo } from 'baileys';
import { MEDIA_CA_PATH } from '@fleet/simulator';
import type { MediaContent } from '@fleet/messages';
import { uploadMedia, type MediaOpener } from '../src/connector/baileys/media-upload';
import { mediaHostAgent } from '../src/media/worker-media';

const MiB = 1024 * 1024;
const CERTS = path.dirname(MEDIA_CA_PATH);

/** A full garbage collection: what is still referenced is what the code under test holds. */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heldBuffers = (): number => {
  gc();
  return process.memoryUsage().arrayBuffers;
};
/**
 * The least of a few readings, each after a full collection and a pause: V8 frees the backing stores
 * of collected buffers on background threads, which a loaded machine runs late, so one reading can
 * still count chunks already sent. What the code under test really holds is in every reading.
 */
const settledBuffers = async (): Promise<number> => {
  let least = Number.POSITIVE_INFINITY;
  for (let reading = 0; reading < 5; reading++) {
    least = Math.min(least, heldBuffers());
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return least;
};
const rss = (): number => {
  gc();
  return process.memoryUsage().rss;
};

/** `size` bytes of a repeating pattern, made 64 KiB at a time and never kept, with their SHA-256. */
function generated(size: number): { stream: Readable; sha256: () => string } {
  const hash = createHash('sha256');
  let left = size;
  let counter = 0;
  const stream = new Readable({
    read() {
      if (left === 0) return void this.push(null);
      const chunk = Buffer.alloc(Math.min(64 * 1024, left), counter++ % 251);
      left -= chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, sha256: () => hash.digest('hex') };
}

interface Received {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * A media host on loopback (the simulator's test certificate) that hashes what it is posted without
 * keeping it. `atEnd` runs once a body has fully arrived, and the answer waits for it: the client has
 * then written every byte and waits for the answer, the moment a buffering client holds the whole file.
 */
async function mediaHost(
  answers: Array<(received: Received) => { status: number; body: unknown }>,
  atEnd: () => Promise<void> | void,
): Promise<{ server: Server; hostname: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer({ cert: readFileSync(path.join(CERTS, 'server.pem')), key: readFileSync(path.join(CERTS, 'server-key.pem')) }, (req, res) => {
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      hash.update(chunk);
    });
    req.on('end', async () => {
      const got = { path: req.url ?? '', bytes, sha256: hash.digest('base64url') };
      received.push(got);
      await atEnd();
      const answer = (answers.shift() ?? (() => ({ status: 500, body: { error: 'no answer left' } })))(got);
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, hostname: `127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const conn = (hostnames: string[], auth = 'token-1'): MediaConnInfo => ({
  auth,
  ttl: 300,
  hosts: hostnames.map((hostname) => ({ hostname, maxContentLengthBytes: 100 * MiB })),
  fetchDate: new Date(),
});

const document: MediaContent = { type: 'document', media: { mediaId: 'med_000000000000000000000001' }, filename: 'big.pdf' } as MediaContent;

describe("media upload to WhatsApp's media host (worker)", function () {
  this.timeout(120_000);
  const agent = new Agent({ ca: readFileSync(MEDIA_CA_PATH) });
  let host: Awaited<ReturnType<typeof mediaHost>> | undefined;

  afterEach(() => host?.server.close());
  after(() => agent.destroy());

  it('streams a 32 MiB document to the host: the worker never holds more than a few MiB of it', async () => {
    const size = 32 * MiB;
    const source = generated(size);
    const opener: MediaOpener = { open: async () => ({ stream: source.stream, mimetype: 'application/pdf', maxBytes: 100 * MiB, filename: 'big.pdf' }) };
    let heldAtEnd = 0;
    host = await mediaHost(
      [(got) => ({ status: 200, body: { url: `https://${host!.hostname}/d/${got.sha256}`, direct_path: `/d/${got.sha256}` } })],
      async () => void (heldAtEnd = await settledBuffers()),
    );
    const before = await settledBuffers();
    const sock = { refreshMediaConn: async () => conn([host!.hostname]) };
    const uploaded = await uploadMedia(sock, opener, document, { timeoutMs: 60_000, agent });

    // Held while the host had the whole body and the answer was not yet sent: a client keeping the
    // request body (axios through follow-redirects) holds all 32 MiB here; the bound is half of it.
    expect(heldAtEnd - before, `buffers held with the whole body sent: ${((heldAtEnd - before) / MiB).toFixed(1)} MiB`).to.be.below(16 * MiB);
    const [got] = host.received;
    expect(got!.bytes, 'AES-CBC padding and the 10-byte MAC').to.equal(size + 16 + 10);
    expect(got!.path).to.equal(`/mms/document/${got!.sha256}?auth=token-1&token=${got!.sha256}`);
    expect(uploaded.fileEncSha256.toString('base64url')).to.equal(got!.sha256);
    expect(uploaded.fileSha256.toString('hex')).to.equal(source.sha256());
    expect(uploaded).to.include({ fileLength: size, directPath: `/d/${got!.sha256}`, mimetype: 'application/pdf', filename: 'big.pdf' });
  });

  it('keeps 100 connections to the media host open at once for a few MiB: one TLS context, not one per connection', async () => {
    const connections = 100;
    const waiting: Array<() => void> = [];
    let rssAllOpen = 0;
    const server = createServer({ cert: readFileSync(path.join(CERTS, 'server.pem')), key: readFileSync(path.join(CERTS, 'server-key.pem')) }, (req, res) => {
      req.resume();
      waiting.push(() => res.end('{}'));
      if (waiting.length === connections) {
        rssAllOpen = rss();
        for (const answer of waiting) answer();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const workerAgent = mediaHostAgent(MEDIA_CA_PATH)!;
    try {
      const port = (server.address() as AddressInfo).port;
      const before = rss();
      await Promise.all(
        Array.from(
          { length: connections },
          () =>
            new Promise<void>((resolve, reject) => {
              const req = request({ host: '127.0.0.1', port, path: '/', method: 'POST', agent: workerAgent }, (res) => res.resume().on('end', resolve));
              req.on('error', reject);
              req.end('x');
            }),
        ),
      );
      // A context per connection (an agent given `ca`) holds its own copy of ~140 root certificates: +79 MiB here when tried (+0.5 MiB with one context).
      expect(rssAllOpen - before, `RSS with ${connections} connections open: +${((rssAllOpen - before) / MiB).toFixed(1)} MiB`).to.be.below(8 * MiB);
    } finally {
      workerAgent.destroy();
      server.close();
    }
  });

  it('tries the next host after a refusal, with a fresh media_conn; fails naming every host when none takes it', async () => {
    const opener = (): MediaOpener => ({ open: async () => ({ stream: generated(100_000).stream, mimetype: 'image/jpeg', maxBytes: 16 * MiB }) });
    host = await mediaHost(
      [
        () => ({ status: 401, body: { error: 'auth expired' } }),
        (got) => ({ status: 200, body: { url: 'https://mmg/x', direct_path: `/v/${got.sha256}` } }),
        () => ({ status: 500, body: { error: 'down' } }),
        () => ({ status: 503, body: { error: 'still down' } }),
      ],
      () => undefined,
    );
    const forced: boolean[] = [];
    const sock = {
      refreshMediaConn: async (force?: boolean) => {
        forced.push(Boolean(force));
        return conn([host!.hostname, host!.hostname], force ? 'token-2' : 'token-1');
      },
    };
    const image: MediaContent = { type: 'image', media: { mediaId: 'med_000000000000000000000002' } } as MediaContent;
    const uploaded = await uploadMedia(sock, opener(), image, { timeoutMs: 10_000, agent });
    expect(uploaded.directPath).to.match(/^\/v\//);
    expect(forced).to.deep.equal([false, true]);
    expect(host.received.map((r) => new URL(r.path, 'https://x').searchParams.get('auth'))).to.deep.equal(['token-1', 'token-2']);

    forced.length = 0;
    let failure: Error | undefined;
    await uploadMedia(sock, opener(), image, { timeoutMs: 10_000, agent }).catch((error: Error) => (failure = error));
    expect(failure?.message)
      .to.match(/media upload failed on every host/)
      .and.to.include('down')
      .and.to.include('still down');
  });
});

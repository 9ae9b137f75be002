import { connect, type Socket } from 'node:net';
import { expect } from 'chai';
import { createSilentLogger } from '@fleet/logger';
import { cleanPrefix, freshPrefix, testRedis } from '@fleet/testing';
import { createIngress, type Ingress, type IngressConfig } from '../src';
import { API_KEY, startIngress, type IngressHarness, testIngressConfig } from './helpers';

describe('ingress: request bodies at the edges (in-process, real Redis)', () => {
  let h: IngressHarness;
  beforeEach(async () => {
    h = await startIngress();
    await h.addWorker('instance-1');
  });
  afterEach(async () => h.close());

  const body = { session_id: 'ct1', workspace_id: 3, account_id: '1' };

  it('takes only application/json (with parameters) as JSON; other +json types answer 415', async () => {
    for (const type of [
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/json5',
      'application/jsonl',
      'application/json-seq',
      'application/vnd.api+json',
    ]) {
      const answer = await h.call('POST', '/api/sessions/create', body, { 'content-type': type });
      expect(answer.status, type).to.equal(415);
      expect(answer.body.error.code, type).to.equal('UNSUPPORTED_MEDIA_TYPE');
    }
    for (const type of ['application/json', 'Application/JSON', 'application/json; charset=utf-8', 'application/json;charset=UTF-8']) {
      const answer = await h.call('POST', '/api/sessions/create', body, { 'content-type': type });
      expect(answer.status, type).to.be.oneOf([200, 202]);
    }
  });
});

describe('ingress: requests over a real HTTP server (keep-alive after a 413, bodiless POSTs)', function () {
  this.timeout(20_000);
  let ingress: Ingress;
  let port: number;
  const prefix = freshPrefix('ing');

  beforeEach(async () => {
    const config: IngressConfig = testIngressConfig(prefix);
    ingress = createIngress(config, { logger: createSilentLogger() });
    ({ port } = await ingress.start());
  });

  afterEach(async () => {
    await ingress.close();
    const redis = testRedis();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  /** Reads one HTTP response (head, and past its Content-Length body) from a socket; undefined if it closes first. */
  const nextResponse = (socket: Socket, buffered: { data: string }, timeoutMs: number): Promise<{ head: string } | undefined> =>
    new Promise((resolve) => {
      const check = (): boolean => {
        const end = buffered.data.indexOf('\r\n\r\n');
        if (end < 0) return false;
        const head = buffered.data.slice(0, end);
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.data.length < end + 4 + length) return false;
        buffered.data = buffered.data.slice(end + 4 + length);
        finish({ head });
        return true;
      };
      const onData = (): void => void check();
      const finish = (value: { head: string } | undefined): void => {
        clearTimeout(timer);
        socket.off('data', onData).off('close', onClose);
        resolve(value);
      };
      const onClose = (): void => finish(undefined);
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      if (check()) return;
      socket.on('data', onData).on('close', onClose);
    });

  it('either says Connection: close on the 413, or answers the next request on that connection', async () => {
    const socket = connect(port, '127.0.0.1');
    const buffered = { data: '' };
    socket.on('data', (chunk: Buffer) => (buffered.data += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    const body = JSON.stringify({ session_id: 'big', workspace_id: 3, account_id: 'x'.repeat(10_000) });
    socket.write(
      `POST /api/sessions/create HTTP/1.1\r\nHost: fleet\r\nAuthorization: Bearer ${API_KEY}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
    );
    const refused = await nextResponse(socket, buffered, 5_000);
    expect(refused?.head).to.match(/^HTTP\/1\.1 413 /);
    if (/\r\nconnection:\s*close/i.test(refused!.head)) {
      // The client knows to open a new connection for its next request; the server closes this one.
      await new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
      return;
    }
    // Kept alive: the client finishes sending its body (a slow uplink: the rest arrives 0.8 s later), then reuses the connection.
    await new Promise((resolve) => setTimeout(resolve, 800));
    socket.write(body);
    socket.write('GET /health HTTP/1.1\r\nHost: fleet\r\n\r\n');
    const next = await nextResponse(socket, buffered, 3_000);
    socket.destroy();
    expect(next?.head, 'the keep-alive connection was dropped: the next request got no answer').to.match(/^HTTP\/1\.1 200 /);
  });

  it('takes a POST without a body and without a content type (curl -X POST …/stop), and still refuses a chunked non-JSON body', async () => {
    const socket = connect(port, '127.0.0.1');
    const buffered = { data: '' };
    socket.on('data', (chunk: Buffer) => (buffered.data += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    // No Content-Length, no Transfer-Encoding, no Content-Type: what curl -X POST sends.
    socket.write(`POST /api/sessions/nobody-1/stop HTTP/1.1\r\nHost: fleet\r\nAuthorization: Bearer ${API_KEY}\r\n\r\n`);
    const bodiless = await nextResponse(socket, buffered, 5_000);
    expect(bodiless?.head, 'a bodiless POST is judged by its route (no such session), not refused as 415').to.match(/^HTTP\/1\.1 404 /);
    socket.write(
      `POST /api/sessions/nobody-1/stop HTTP/1.1\r\nHost: fleet\r\nAuthorization: Bearer ${API_KEY}\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n`,
    );
    const chunked = await nextResponse(socket, buffered, 5_000);
    socket.destroy();
    expect(chunked?.head).to.match(/^HTTP\/1\.1 415 /);
  });
});

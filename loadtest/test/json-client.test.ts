import net from 'node:net';
import { expect } from 'chai';
import { JsonClient } from '../src/harness/json-client';

/**
 * A loopback HTTP server that answers on keep-alive and, on the first connection, drops the socket
 * (no answer) when a second request arrives on it: what a server closing an idle socket does to a
 * request that was already on its way.
 */
async function flakyServer(): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  let connections = 0;
  const server = net.createServer((socket) => {
    const connection = ++connections;
    let served = 0;
    socket.on('data', (chunk) => {
      for (const _request of chunk.toString('latin1').split('\r\n\r\n').slice(0, -1)) {
        requests += 1;
        served += 1;
        if (connection === 1 && served === 2) {
          socket.destroy();
          return;
        }
        const body = JSON.stringify({ connection, served });
        socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: keep-alive\r\n\r\n${body}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('loadtest: JSON client', () => {
  it('sends a request again on a fresh socket when a kept-alive one is reset under it, once', async () => {
    const server = await flakyServer();
    const client = new JsonClient(server.url);
    try {
      expect((await client.request('GET', '/a')).body).to.deep.equal({ connection: 1, served: 1 });
      const second = await client.request('GET', '/b');
      expect(second.body).to.deep.equal({ connection: 2, served: 1 });
      expect(server.requests()).to.equal(3);
    } finally {
      client.close();
      await server.close();
    }
  });
});

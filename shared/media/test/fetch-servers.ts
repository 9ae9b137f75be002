import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const OK_BODY = Buffer.from('a small png, honestly '.repeat(40));

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Routes of the test origin: what a media host might answer. */
export function originRoutes(redirects: Record<string, string>): Handler {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const to = redirects[url.pathname];
    if (to) {
      res.writeHead(302, { location: to }).end();
      return;
    }
    switch (url.pathname) {
      case '/ok':
        res
          .writeHead(200, { 'content-type': 'image/png', 'content-length': OK_BODY.length, 'x-host': req.headers.host ?? '' })
          .end(req.method === 'HEAD' ? undefined : OK_BODY);
        return;
      case '/no-head':
        if (req.method === 'HEAD') {
          res.writeHead(405).end();
        } else if (req.headers.range === 'bytes=0-0') {
          res.writeHead(206, { 'content-type': 'video/mp4', 'content-range': 'bytes 0-0/5000', 'content-length': 1 }).end('x');
        } else {
          res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': 5000 }).end(Buffer.alloc(5000));
        }
        return;
      case '/chunked-forever': {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const chunk = Buffer.alloc(64 * 1024, 7);
        const write = (): void => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', write);
        };
        write();
        return;
      }
      case '/declared-huge':
        res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': 50 * 1024 * 1024 });
        res.write('%PDF');
        return;
      case '/trickle':
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': 1000 });
        res.write('x');
        return;
      default:
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
    }
  };
}

export interface TestOrigin {
  readonly port: number;
  readonly url: string;
  /** Requests seen, as `METHOD path`. */
  readonly seen: string[];
  close(): Promise<void>;
}

export async function startOrigin(
  options: { host?: string; redirects?: Record<string, string>; tls?: { key: string; cert: string } } = {},
): Promise<TestOrigin> {
  const seen: string[] = [];
  const routes = originRoutes(options.redirects ?? {});
  const handler: Handler = (req, res) => {
    seen.push(`${req.method} ${req.url}`);
    routes(req, res);
  };
  const server = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `${options.tls ? 'https' : 'http'}://${host}:${port}`,
    seen,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A TCP server that accepts connections and never says a word. */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A throwaway self-signed certificate for `media.test` and 127.0.0.1 (openssl), in PEM. */
export function throwawayCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleet-media-tls-'));
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=media.test',
        '-addext',
        'subjectAltName=DNS:media.test,IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

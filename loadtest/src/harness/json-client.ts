import http from 'node:http';

export interface JsonAnswer {
  readonly status: number;
  readonly body: any;
}

/**
 * A small JSON-over-HTTP client on keep-alive sockets. The harness stands for Laravel on machines of
 * its own; with `fetch` (undici) each request cost the load generator about 1 ms of CPU on this
 * 2-core machine, CPU taken from the fleet it measures. node:http with a keep-alive agent costs a
 * fraction of that.
 */
export class JsonClient {
  /** Long polls (`/qr?wait=`) hold a socket each while they wait: room for a burst of them. */
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
  private readonly base: URL;

  constructor(
    baseUrl: string,
    private readonly headers: Readonly<Record<string, string>> = {},
  ) {
    this.base = new URL(baseUrl);
  }

  request(method: string, route: string, body?: unknown): Promise<JsonAnswer> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string | number> = { ...this.headers };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    return this.send(method, route, headers, payload, true);
  }

  close(): void {
    this.agent.destroy();
  }

  /**
   * One request. A kept-alive socket the server closes (idle timeout) just as a request goes out on it
   * resets before anything was read: that request never reached the server and is sent once more on a
   * fresh socket, the remedy Node's http documentation gives (`request.reusedSocket`).
   */
  private send(method: string, route: string, headers: Record<string, string | number>, payload: string | undefined, retry: boolean): Promise<JsonAnswer> {
    return new Promise((resolve, reject) => {
      const request = http.request({ agent: this.agent, host: this.base.hostname, port: this.base.port, method, path: route, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: response.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) });
          } catch {
            reject(new Error(`${method} ${route}: ${response.statusCode} answered non-JSON: ${text.slice(0, 200)}`));
          }
        });
      });
      request.on('error', (error: NodeJS.ErrnoException) => {
        if (retry && request.reusedSocket && error.code === 'ECONNRESET') resolve(this.send(method, route, headers, payload, false));
        else reject(error);
      });
      request.end(payload);
    });
  }
}

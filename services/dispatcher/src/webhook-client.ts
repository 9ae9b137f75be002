import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { AddressRefusedError, type AddressGuard } from '@fleet/net';

export interface PostOutcome {
  readonly ok: boolean;
  /** The receiver's HTTP status; 0 when there was no answer (or no request). */
  readonly status: number;
  readonly error: string;
  /** True when the guard refused the destination: no request was made, and none would be. */
  readonly refused: boolean;
}

/**
 * POSTs deliveries through one address guard (@fleet/net): a literal address is judged before the
 * request; a name is resolved by the guard's lookup, every address checked, and the socket connects
 * only to an address it checked (no DNS rebinding between check and connect). Redirects are never
 * followed: a 3xx is a failed attempt. Its keep-alive agents are its own, so a pooled socket is
 * always one this guard let through.
 */
export class WebhookClient {
  private readonly agents = {
    http: new HttpAgent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 }),
  };

  /** `allowNote` ends a refusal's message: where an operator allows the destination. */
  constructor(
    private readonly guard: AddressGuard,
    private readonly allowNote: string,
  ) {}

  async post(target: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<PostOutcome> {
    try {
      const url = new URL(target);
      const status = await this.send(url, this.guard.connectOptions(url.hostname), headers, body, timeoutMs);
      if (status >= 200 && status < 300) return { ok: true, status, error: '', refused: false };
      const redirect = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
      return { ok: false, status, error: `HTTP ${status}${redirect}`, refused: false };
    } catch (error) {
      if (error instanceof AddressRefusedError) {
        return { ok: false, status: 0, error: `WEBHOOK_URL_REFUSED: ${error.message} (${this.allowNote})`.slice(0, 300), refused: true };
      }
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return { ok: false, status: 0, error: message.slice(0, 200), refused: false };
    }
  }

  /** Closes idle pooled sockets. */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private send(url: URL, connect: { lookup?: LookupFunction }, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number> {
    const secure = url.protocol === 'https:';
    const request = secure ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const options = { method: 'POST', headers, agent: secure ? this.agents.https : this.agents.http, timeout: timeoutMs, ...connect };
      const req = request(url, options, (response: IncomingMessage) => {
        response.resume();
        response.once('end', () => resolve(response.statusCode ?? 0));
        response.once('error', reject);
      });
      req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.once('error', reject);
      req.end(body);
    });
  }
}

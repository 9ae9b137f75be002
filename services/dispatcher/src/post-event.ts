import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { SIGNATURE_HEADER, signatureHeader, type FleetEvent } from '@fleet/events';

/** Where one workspace's events go. */
export interface Target {
  readonly url: string;
  readonly secret: string;
  readonly events: readonly string[];
  readonly source: 'workspace' | 'default';
}

export interface PostOutcome {
  readonly ok: boolean;
  readonly status: number;
  readonly error: string;
}

const agents = {
  http: new HttpAgent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 }),
  https: new HttpsAgent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 }),
};

/** Headers of one delivery; the signature covers the timestamp and the exact body. */
export function deliveryHeaders(target: Target, event: FleetEvent, body: string, attempt: number, replay: boolean): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'Fleet-Webhooks/0.1',
    [SIGNATURE_HEADER]: signatureHeader(target.secret, body),
    'X-Fleet-Event-Id': event.id,
    'X-Fleet-Event-Type': event.type,
    'X-Fleet-Sequence': String(event.sequence),
    'X-Fleet-Workspace': String(event.workspace_id),
    'X-Fleet-Attempt': String(attempt),
    ...(replay ? { 'X-Fleet-Replay': '1' } : {}),
  };
}

/** POSTs one event; any 2xx is success, everything else (3xx included) a failure to retry. */
export async function postEvent(target: Target, event: FleetEvent, attempt: number, timeoutMs: number, replay = false): Promise<PostOutcome> {
  const body = JSON.stringify(event);
  const headers = { ...deliveryHeaders(target, event, body, attempt, replay), 'content-length': String(Buffer.byteLength(body)) };
  try {
    const status = await send(new URL(target.url), headers, body, timeoutMs);
    const ok = status >= 200 && status < 300;
    return { ok, status, error: ok ? '' : `HTTP ${status}` };
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { ok: false, status: 0, error: message.slice(0, 200) };
  }
}

function send(url: URL, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number> {
  const secure = url.protocol === 'https:';
  const request = secure ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, agent: secure ? agents.https : agents.http, timeout: timeoutMs }, (response: IncomingMessage) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode ?? 0));
      response.once('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once('error', reject);
    req.end(body);
  });
}

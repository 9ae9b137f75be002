import { SIGNATURE_HEADER, signatureHeader, type FleetEvent } from '@fleet/events';
import type { PostOutcome, WebhookClient } from './webhook-client';

/** Where one workspace's events go. */
export interface Target {
  readonly url: string;
  readonly secret: string;
  readonly events: readonly string[];
  /** `workspace`: its webhook (guarded by WEBHOOK_ALLOW); `default`: LARAVEL_API_URL (the operator's own). */
  readonly source: 'workspace' | 'default';
}

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

/** POSTs one event through `client`; any 2xx is success, everything else (3xx included) a failure. */
export function postEvent(client: WebhookClient, target: Target, event: FleetEvent, attempt: number, timeoutMs: number, replay = false): Promise<PostOutcome> {
  const body = JSON.stringify(event);
  const headers = { ...deliveryHeaders(target, event, body, attempt, replay), 'content-length': String(Buffer.byteLength(body)) };
  return client.post(target.url, headers, body, timeoutMs);
}

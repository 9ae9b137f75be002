// A small Fleet client for k6 scenarios: the ingress API plus pairing through the simulator's virtual phone.
import http from 'k6/http';
import type { RefinedResponse, ResponseType } from 'k6/http';
import { sleep } from 'k6';
import { config } from './config.ts';
import { connectLatency, fleetErrors, messagesAccepted, qrLatency, sendLatency } from './metrics.ts';

type Json = Record<string, unknown>;
type Res = RefinedResponse<ResponseType | undefined>;

const headers = { authorization: `Bearer ${config.apiKey}`, 'content-type': 'application/json' };
/** A QR poll answering 404 QR_NOT_AVAILABLE is expected, not a failed request. */
const pollCallback = http.expectedStatuses({ min: 200, max: 399 }, 404);

function api(method: 'GET' | 'POST' | 'DELETE', route: string, name: string, body?: Json, expect404 = false): Res {
  const params = { headers, tags: { name }, ...(expect404 ? { responseCallback: pollCallback } : {}) };
  return http.request(method, `${config.fleetUrl}${route}`, body === undefined ? null : JSON.stringify(body), params);
}

function bodyOf(res: Res): Json {
  try {
    return (res.json() ?? {}) as Json;
  } catch {
    return {};
  }
}

export const sessionIdOf = (n: number): string => `k6-${config.runId}-${n}`;
export const phoneOf = (n: number): string => `1556${config.runId.slice(-3).padStart(3, '0')}${String(n).padStart(6, '0')}`;
export const workspaceOf = (n: number): number => 1 + (n % config.workspaces);

export function createSession(id: string, workspaceId: number): boolean {
  const res = api('POST', '/api/sessions/create', 'create', { session_id: id, workspace_id: workspaceId, account_id: 'k6' });
  const ok = res.status === 200 || res.status === 202;
  fleetErrors.add(!ok);
  return ok;
}

/** Polls the raw QR until one is pending; records create → QR in qr_latency. */
export function waitQr(id: string, createdAt: number, timeoutMs = 60_000): string | undefined {
  while (Date.now() - createdAt < timeoutMs) {
    const res = api('GET', `/api/sessions/${id}/qr?format=raw`, 'qr', undefined, true);
    const qr = bodyOf(res).qr;
    if (res.status === 200 && typeof qr === 'string') {
      qrLatency.add(Date.now() - createdAt);
      return qr;
    }
    sleep(0.1);
  }
  fleetErrors.add(true);
  return undefined;
}

export function sessionStatus(id: string): string | undefined {
  const status = bodyOf(api('GET', `/api/sessions/${id}/status`, 'status')).status;
  return typeof status === 'string' ? status : undefined;
}

/** Scans `qr` with the simulator's virtual phone and waits until Fleet says connected. */
export function scanAndConnect(id: string, qr: string, phone: string, timeoutMs = 60_000): boolean {
  if (config.simUrl === '') return false;
  const scannedAt = Date.now();
  const scan = http.post(`${config.simUrl}/scan`, JSON.stringify({ qr, phone }), {
    headers: { 'content-type': 'application/json' },
    tags: { name: 'sim_scan' },
  });
  if (scan.status !== 200) {
    fleetErrors.add(true);
    return false;
  }
  while (Date.now() - scannedAt < timeoutMs) {
    if (sessionStatus(id) === 'connected') {
      connectLatency.add(Date.now() - scannedAt);
      fleetErrors.add(false);
      return true;
    }
    sleep(0.2);
  }
  fleetErrors.add(true);
  return false;
}

/** Create → QR → scan → connected. */
export function pairSession(n: number): string | undefined {
  const id = sessionIdOf(n);
  const createdAt = Date.now();
  if (!createSession(id, workspaceOf(n))) return undefined;
  const qr = waitQr(id, createdAt);
  if (qr === undefined) return undefined;
  return scanAndConnect(id, qr, phoneOf(n)) ? id : undefined;
}

/** Sends one text; returns the message id when accepted. */
export function sendMessage(sessionId: string, to: string, text: string, idempotencyKey?: string): string | undefined {
  const body: Json = { session_id: sessionId, to, text, ...(idempotencyKey ? { idempotency_key: idempotencyKey } : {}) };
  const res = api('POST', '/api/messages/send', 'send', body);
  const id = bodyOf(res).message_id;
  const ok = (res.status === 202 || res.status === 200) && typeof id === 'string';
  fleetErrors.add(!ok);
  if (!ok) return undefined;
  messagesAccepted.add(1);
  return id as string;
}

/** Polls GET /api/messages/{id} until sent_at is set; records send → sent in send_latency. */
export function waitSent(messageId: string, sentAt: number, timeoutMs = 30_000): boolean {
  while (Date.now() - sentAt < timeoutMs) {
    const record = bodyOf(api('GET', `/api/messages/${messageId}`, 'message'));
    if (typeof record.sent_at === 'number') {
      sendLatency.add(record.sent_at - sentAt);
      return true;
    }
    if (record.status === 'failed') break;
    sleep(0.05);
  }
  fleetErrors.add(true);
  return false;
}

/** The sessions the send, mixed and soak scenarios use: PAIRED_SESSIONS, or SEND_SESSIONS paired now. */
export function preparedSessions(): string[] {
  if (config.pairedSessions.length > 0) return config.pairedSessions;
  if (config.simUrl === '') throw new Error('set PAIRED_SESSIONS (connected session ids) or SIM_URL (simulator admin URL) to pair some');
  const ids: string[] = [];
  for (let n = 0; n < config.sendSessions; n += 1) {
    const id = pairSession(900_000 + n);
    if (id !== undefined) ids.push(id);
  }
  if (ids.length === 0) throw new Error('no session could be paired');
  return ids;
}

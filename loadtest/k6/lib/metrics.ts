import { Counter, Rate, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { config } from './config.ts';

/** Create request → QR readable through GET /api/sessions/{id}/qr?format=raw. */
export const qrLatency = new Trend('qr_latency', true);
/** Scan → GET /api/sessions/{id}/status says connected. */
export const connectLatency = new Trend('connect_latency', true);
/** Send request → the message record has `sent_at` (server ack). */
export const sendLatency = new Trend('send_latency', true);
/** Fleet-level failures: a refused create or send, a QR or ack that never came. */
export const fleetErrors = new Rate('fleet_errors');
export const messagesAccepted = new Counter('messages_accepted');

/**
 * The checklist's success metrics (QR p95 < 10 s, send p95 < 2 s, API median < 1 s, errors < 1 %),
 * or with TARGETS=ours Fleet's own (QR p95 ≤ 1 s, send p95 ≤ 250 ms, API median ≤ 5 ms).
 */
export function thresholds(): NonNullable<Options['thresholds']> {
  const ours = config.targets === 'ours';
  return {
    qr_latency: [ours ? 'p(95)<=1000' : 'p(95)<10000'],
    send_latency: [ours ? 'p(95)<=250' : 'p(95)<2000'],
    'http_req_duration{name:status}': [ours ? 'med<=5' : 'med<1000'],
    http_req_failed: ['rate<0.01'],
    fleet_errors: ['rate<0.01'],
  };
}

export const summaryTrendStats = ['min', 'med', 'avg', 'p(90)', 'p(95)', 'p(99)', 'max'];

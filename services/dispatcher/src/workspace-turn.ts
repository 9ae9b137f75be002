import { matchesFilter, type DeliveryItem, type DeliveryLedger, type RetryState, type Webhook } from '@fleet/events';
import type { Logger } from '@fleet/logger';
import { retryDelay } from './backoff';
import type { DispatcherConfig } from './config';
import type { DispatcherMetrics } from './metrics';
import { postEvent, type Target } from './post-event';
import type { WebhookClient } from './webhook-client';

export interface TurnDeps {
  readonly config: DispatcherConfig;
  readonly ledger: DeliveryLedger;
  readonly logger: Logger;
  readonly metrics: DispatcherMetrics;
  /** The HTTP client of each kind of target: workspace webhooks (WEBHOOK_ALLOW) and LARAVEL_API_URL. */
  readonly clients: Readonly<Record<Target['source'], WebhookClient>>;
  /** Called once per workspace that has events but no receiver (for a log line). */
  readonly onNoReceiver: (workspaceId: number) => void;
}

type Step = 'next' | 'stop';

/**
 * Attempts of one event are at least a second apart, so each carries a new signature timestamp: a
 * receiver refusing a signature it has seen before (a replay) never refuses a genuine retry.
 */
const MIN_RETRY_DELAY_MS = 1_000;
/** Events read from Redis at a time. */
const BATCH = 100;

/**
 * One turn on one workspace, holding its lock: delivers its events strictly in order until none are
 * left (parks it), the head event fails (defers it to the retry time, blocking later events), or the
 * turn's budget is spent (yields the slot). Every write is refused if the lock was lost meanwhile.
 */
export async function runWorkspaceTurn(deps: TurnDeps, workspaceId: number, token: string): Promise<void> {
  const { config, ledger } = deps;
  const start = await ledger.begin(workspaceId);
  const target = resolveTarget(deps.config, start.webhook);
  if (!target) {
    // Nobody but a catch-up reader waits for these events: they get the catch-up retention.
    deps.onNoReceiver(workspaceId);
    await ledger.trimUnwatched(workspaceId);
    await ledger.defer(workspaceId, token, Date.now() + config.noReceiverRecheckMs);
    return;
  }
  let { cursor, retry } = start;
  let budget = config.turnLimit;
  for (;;) {
    const limit = Math.min(BATCH, budget);
    const batch = await ledger.nextBatch(workspaceId, cursor, limit);
    for (const item of batch) {
      if (!item.replayMember && item.event.sequence > cursor + 1) skipped(deps, workspaceId, cursor + 1, item.event.sequence - 1);
      const headRetry = retry?.eventId === item.event.id ? retry : undefined;
      if ((await deliverOne(deps, workspaceId, token, target, item, headRetry)) === 'stop') return;
      retry = undefined;
      budget -= 1;
      if (!item.replayMember) cursor = item.event.sequence;
    }
    if (budget <= 0) {
      await ledger.defer(workspaceId, token, Date.now());
      return;
    }
    if (batch.length === limit) continue;
    // Short batch: nothing was left when it was read. Park unless events arrived meanwhile.
    const parked = await ledger.park(workspaceId, token);
    if (parked.skipped > 0) skipped(deps, workspaceId, cursor + 1, cursor + parked.skipped);
    if (parked.state !== 'more') return;
  }
}

/** Events `from`..`to` left the stream by retention before they were delivered: counted and logged. */
function skipped(deps: TurnDeps, workspaceId: number, from: number, to: number): void {
  deps.metrics.eventsTrimmed.inc(to - from + 1);
  deps.logger.warn('events aged out of the stream before delivery; the receiver sees a sequence gap', { workspaceId, from, to });
}

function resolveTarget(config: DispatcherConfig, webhook: Webhook | undefined): Target | undefined {
  if (webhook) return { url: webhook.url, secret: webhook.secret, events: webhook.events, source: 'workspace' };
  const { laravelApiUrl, webhookPath, webhookSecret } = config;
  if (!laravelApiUrl || !webhookSecret) return undefined;
  return { url: `${laravelApiUrl.replace(/\/+$/, '')}${webhookPath}`, secret: webhookSecret, events: [], source: 'default' };
}

async function deliverOne(deps: TurnDeps, workspaceId: number, token: string, target: Target, item: DeliveryItem, retry?: RetryState): Promise<Step> {
  const { config, ledger, metrics } = deps;
  if (!matchesFilter(item.event.type, target.events)) {
    metrics.deliveries.inc({ outcome: 'filtered' });
    return (await ledger.settle(workspaceId, token, item)) ? 'next' : 'stop';
  }
  const attempt = (retry?.attempts ?? 0) + 1;
  const stopTimer = metrics.requestDuration.startTimer();
  const outcome = await postEvent(deps.clients[target.source], target, item.event, attempt, config.timeoutMs, item.replayMember !== undefined);
  stopTimer();
  const now = Date.now();
  if (outcome.ok) {
    metrics.deliveries.inc({ outcome: 'delivered' });
    metrics.eventLatency.observe(Math.max(0, now - item.event.occurred_at) / 1000);
    return (await ledger.settle(workspaceId, token, item)) ? 'next' : 'stop';
  }
  const firstFailedAt = retry?.firstFailedAt ?? now;
  // A refused destination is a policy, not an outage: retrying would only refuse again.
  const exhausted = outcome.refused || (config.maxAttempts > 0 && attempt >= config.maxAttempts) || now - firstFailedAt >= config.retryMaxAgeMs;
  if (exhausted) {
    metrics.deliveries.inc({ outcome: outcome.refused ? 'refused' : 'dead_lettered' });
    metrics.deadLetters.inc();
    deps.logger.warn(outcome.refused ? 'event dead-lettered: webhook destination refused' : 'event dead-lettered', {
      workspaceId,
      eventId: item.event.id,
      sequence: item.event.sequence,
      attempts: attempt,
      error: outcome.error,
    });
    const dead = { event: item.event, attempts: attempt, last_error: outcome.error, first_failed_at: firstFailedAt, dead_at: now };
    return (await ledger.settle(workspaceId, token, item, dead)) ? 'next' : 'stop';
  }
  metrics.deliveries.inc({ outcome: 'failed' });
  const delay = Math.max(MIN_RETRY_DELAY_MS, retryDelay(attempt, config.retryBaseMs, config.retryMaxDelayMs));
  deps.logger.debug('delivery failed; retrying later', { workspaceId, sequence: item.event.sequence, attempt, delay, error: outcome.error });
  await ledger.defer(workspaceId, token, now + delay, { eventId: item.event.id, attempts: attempt, firstFailedAt, lastError: outcome.error });
  return 'stop';
}

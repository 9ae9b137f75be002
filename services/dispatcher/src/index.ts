export { createDispatcher, type Dispatcher, type DispatcherOptions } from './dispatcher';
export { readDispatcherConfig, dispatcherConfig, DISPATCHER_DEFAULTS, type DispatcherConfig } from './config';
export { createDispatcherMetrics, type DispatcherMetrics } from './metrics';
export { retryDelay } from './backoff';
export { postEvent, deliveryHeaders, type Target } from './post-event';
export { WebhookClient, type PostOutcome } from './webhook-client';

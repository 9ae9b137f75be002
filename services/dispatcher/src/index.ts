export { createDispatcher, type Dispatcher } from './dispatcher';
export { readDispatcherConfig, dispatcherConfig, DISPATCHER_DEFAULTS, type DispatcherConfig } from './config';
export { createDispatcherMetrics, type DispatcherMetrics } from './metrics';
export { retryDelay } from './backoff';
export { postEvent, deliveryHeaders, type Target, type PostOutcome } from './post-event';

export { createIngress, type Ingress } from './ingress';
export { createApp, type AppOptions } from './app';
export { readIngressConfig, INGRESS_DEFAULTS, type IngressConfig } from './config';
export { createIngressMetrics, type IngressMetrics } from './metrics';
export type { IngressDeps } from './deps';

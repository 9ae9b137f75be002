export { createRegistry, LATENCY_BUCKETS, Counter, Gauge, Histogram, Registry, Summary } from './registry';

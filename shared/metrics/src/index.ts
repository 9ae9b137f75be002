export { createRegistry, probeGauge, LATENCY_BUCKETS, Counter, Gauge, Histogram, Registry, Summary } from './registry';
export { memoryLimitBytes, registerMemoryLimit } from './memory-limit';

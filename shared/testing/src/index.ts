export { TEST_REDIS_URL, freshPrefix, testRedis, cleanPrefix, assertRedisReachable } from './redis';
export { waitFor } from './wait';
export { startProcess, type ServiceProcess } from './processes';
export { startSentinelRedis, type SentinelRedis } from './sentinel';

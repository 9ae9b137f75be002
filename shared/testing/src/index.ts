export { TEST_REDIS_URL, freshPrefix, testRedis, cleanPrefix, assertRedisReachable } from './redis';
export { waitFor } from './wait';
export { startProcess, type ServiceProcess } from './processes';
export { startSentinelRedis, type SentinelRedis } from './sentinel';
export { startTestS3, tempDir, treeDigest, writeSessionDir, type TestS3Server, type TestS3Settings } from './s3';

export { createRedis } from './create-redis';
export { parseRedisUrl, type RedisTarget } from './redis-url';
export { readLua } from './lua-source';
export { TypedScript, reply, type ScriptSpec } from './typed-script';

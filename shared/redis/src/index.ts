export { createRedis } from './create-redis';
export { parseRedisUrl, type RedisTarget } from './redis-url';
export { LuaScript } from './lua-script';

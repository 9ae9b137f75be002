import { COUNT_SHARD_SESSIONS } from './count-shard-sessions';
import { CREATE_SESSION } from './create-session';
import { LuaScript } from '@fleet/redis';
import { RELEASE_LEASE } from './release-lease';
import { LOCK_RESTORE, REFRESH_RESTORE, UNLOCK_RESTORE } from './restore-lock';
import { TAKE_LEASE } from './take-lease';
import { UPDATE_IF_EPOCH } from './update-if-epoch';
import { UPDATE_IF_EXISTS } from './update-if-exists';

export { LuaScript } from '@fleet/redis';

/** Every Lua script of the state package; each file documents its KEYS, ARGV and return value. */
export const SCRIPTS = {
  createSession: new LuaScript('create-session', CREATE_SESSION),
  countShardSessions: new LuaScript('count-shard-sessions', COUNT_SHARD_SESSIONS),
  updateIfExists: new LuaScript('update-if-exists', UPDATE_IF_EXISTS),
  updateIfEpoch: new LuaScript('update-if-epoch', UPDATE_IF_EPOCH),
  takeLease: new LuaScript('take-lease', TAKE_LEASE),
  releaseLease: new LuaScript('release-lease', RELEASE_LEASE),
  lockRestore: new LuaScript('lock-restore', LOCK_RESTORE),
  refreshRestore: new LuaScript('refresh-restore', REFRESH_RESTORE),
  unlockRestore: new LuaScript('unlock-restore', UNLOCK_RESTORE),
} as const;

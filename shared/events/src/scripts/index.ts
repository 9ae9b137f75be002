import { APPEND_EVENT } from './append-event';
import { DEFER_WORKSPACE } from './defer-workspace';
import { LuaScript } from '@fleet/redis';
import { PARK_WORKSPACE } from './park-workspace';
import { REPLAY_DEAD_LETTERS } from './replay-dead-letters';
import { SETTLE_EVENT } from './settle-event';

/** Every Lua script of the events package; each file documents its KEYS, ARGV and return value. */
export const SCRIPTS = {
  appendEvent: new LuaScript('append-event', APPEND_EVENT),
  settleEvent: new LuaScript('settle-event', SETTLE_EVENT),
  deferWorkspace: new LuaScript('defer-workspace', DEFER_WORKSPACE),
  parkWorkspace: new LuaScript('park-workspace', PARK_WORKSPACE),
  replayDeadLetters: new LuaScript('replay-dead-letters', REPLAY_DEAD_LETTERS),
} as const;

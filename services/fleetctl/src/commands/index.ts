import type { Command } from '../command';
import { auditCommand } from './audit';
import { backupCommand } from './backup';
import { drainCommand } from './drain';
import { healthCommand } from './health';
import { instancesCommand } from './instances';
import { keysCommand } from './keys';
import { migrateCommand, unpinCommand } from './migrate';
import { rebalanceCommand } from './rebalance';
import { restoreCommand } from './restore';
import { storageCheckCommand } from './storage-check';
import { verifySessionsCommand } from './verify-sessions';

/** Every fleetctl command. Add a command by adding its file and one line here. */
export const COMMANDS: readonly Command[] = [
  instancesCommand,
  migrateCommand,
  unpinCommand,
  drainCommand,
  rebalanceCommand,
  auditCommand,
  backupCommand,
  restoreCommand,
  healthCommand,
  verifySessionsCommand,
  storageCheckCommand,
  keysCommand,
];

import type { Command } from '../command';
import { auditCommand } from './audit';
import { drainCommand } from './drain';
import { instancesCommand } from './instances';
import { migrateCommand, unpinCommand } from './migrate';
import { rebalanceCommand } from './rebalance';

/** Every fleetctl command. Add a command by adding its file and one line here. */
export const COMMANDS: readonly Command[] = [instancesCommand, migrateCommand, unpinCommand, drainCommand, rebalanceCommand, auditCommand];

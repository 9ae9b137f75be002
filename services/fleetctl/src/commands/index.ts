import type { Command } from '../command';
import { instancesCommand } from './instances';

/** Every fleetctl command. Add a command by adding its file and one line here. */
export const COMMANDS: readonly Command[] = [instancesCommand];

export { runCli, type CliIo } from './cli';
export { UsageError, type Command, type CommandContext } from './command';
export { COMMANDS } from './commands';
export { formatTable, formatCsv } from './format';

#!/usr/bin/env node
import { ConfigError } from '@fleet/errors';
import { readDispatcherConfig } from './config';
import { createDispatcher } from './dispatcher';

async function main(): Promise<void> {
  const config = readDispatcherConfig(process.env);
  const dispatcher = createDispatcher(config);
  const { url } = await dispatcher.start();
  process.stdout.write(`fleet dispatcher ready on ${url}\n`);
  const stop = (signal: string): void => {
    process.stdout.write(`dispatcher stopping (${signal})\n`);
    dispatcher.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(1);
});

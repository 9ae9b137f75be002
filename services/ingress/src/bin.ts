#!/usr/bin/env node
import { ConfigError } from '@fleet/errors';
import { readIngressConfig } from './config';
import { createIngress } from './ingress';

async function main(): Promise<void> {
  const config = readIngressConfig(process.env);
  const ingress = createIngress(config);
  const { url } = await ingress.start();
  process.stdout.write(`fleet ingress ready on ${url}\n`);
  const stop = (signal: string): void => {
    ingress.deps.logger.info('stopping', { signal });
    ingress.close().then(
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

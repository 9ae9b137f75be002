#!/usr/bin/env node
import { ConfigError } from '@fleet/errors';
import { createLogger } from '@fleet/logger';
import { readBackupConfig } from './config';
import { createBackupService } from './service/backup-service';

async function main(): Promise<void> {
  const config = readBackupConfig(process.env);
  const logger = createLogger({ service: 'backup', level: config.common.logLevel });
  const service = createBackupService(config, { logger });
  const { url } = await service.start();
  process.stdout.write(`fleet backup ready on ${url} (cron "${config.cron}", s3://${config.s3.bucket}/${config.s3.prefix})\n`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('close failed', { error });
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(1);
});

#!/usr/bin/env node
import { ConfigError } from '@fleet/errors';
import { createLogger } from '@fleet/logger';
import { AddressGuard } from '@fleet/net';
import { readWorkerConfig } from './config';
import { KeyCache } from './auth-state';
import { BaileysConnector, installBaileysPatches, logPatchReport } from './connector/baileys';
import { createWorkerMedia } from './media/worker-media';
import { createWorker } from './worker';

async function main(): Promise<void> {
  const config = readWorkerConfig(process.env);
  const logger = createLogger({ service: 'worker', level: config.common.logLevel, defaultMeta: { instance: config.instanceId } });
  logPatchReport(await installBaileysPatches(logger), logger);
  const media = createWorkerMedia(config, logger);
  const connector = new BaileysConnector({
    logger,
    waWebSocketUrl: config.waWebSocketUrl,
    diskThreads: config.authStateIoThreads,
    journalMaxBytes: config.authStateJournalKb * 1024,
    credsPoolSize: config.credsPoolSize,
    keyCache: new KeyCache({ maxBytes: config.keyCacheMb * 2 ** 20 }),
    conflicts: { delayMs: config.conflictReconnectDelayMs, maxInWindow: config.conflictsBeforeFailing },
    // Sessions' proxies: public hosts, and what PROXY_ALLOW names, judged at each connection.
    proxyGuard: new AddressGuard({ allow: config.proxyAllow }),
    ...(media ? { media: media.opener, ...(media.agent ? { mediaAgent: media.agent } : {}), ...(media.ca ? { mediaCa: media.ca } : {}) } : {}),
  });
  const worker = createWorker(config, { connector, logger, ...(media ? { media } : {}) });
  const { url } = await worker.start();
  process.stdout.write(`fleet worker ${config.instanceId} ready on ${url}\n`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('draining', { signal });
    worker.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('drain failed', { error });
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

#!/usr/bin/env node
/**
 * Starts the simulator from the environment: SIM_PORT (7780), SIM_HOST (127.0.0.1), SIM_LOG_LEVEL
 * (info), SIM_IDENTITY_POOL (512: Signal identities of simulated users made ahead of need), SIM_MEDIA_PORT
 * (the HTTPS media host; SIM_PORT + 1, or 0 = any free port when SIM_PORT is 0), SIM_MEDIA_STORE_MB (256:
 * encrypted media kept in memory).
 */
import { installSimulatorPatches, logPatchReport } from './patches';
import { createSimulator } from './simulator';
import { createConsoleLogger, type LogLevel } from './util/logger';

interface BinConfig {
  port: number;
  mediaPort: number;
  /** Unset: the library's default. */
  mediaStoreMb: number | undefined;
  host: string;
  logLevel: LogLevel;
  /** Unset: the library's default. */
  identityPoolSize: number | undefined;
}

function readConfig(env: NodeJS.ProcessEnv): Readonly<BinConfig> {
  const problems: string[] = [];
  const port = Number(env.SIM_PORT ?? 7780);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`SIM_PORT must be an integer 0-65535, got "${env.SIM_PORT}"`);
  const mediaPort = env.SIM_MEDIA_PORT === undefined ? (port === 0 ? 0 : port + 1) : Number(env.SIM_MEDIA_PORT);
  if (!Number.isInteger(mediaPort) || mediaPort < 0 || mediaPort > 65535)
    problems.push(`SIM_MEDIA_PORT must be an integer 0-65535, got "${env.SIM_MEDIA_PORT}"`);
  const mediaStoreMb = env.SIM_MEDIA_STORE_MB === undefined ? undefined : Number(env.SIM_MEDIA_STORE_MB);
  if (mediaStoreMb !== undefined && (!Number.isInteger(mediaStoreMb) || mediaStoreMb < 1 || mediaStoreMb > 65_536)) {
    problems.push(`SIM_MEDIA_STORE_MB must be an integer 1-65536, got "${env.SIM_MEDIA_STORE_MB}"`);
  }
  const host = env.SIM_HOST ?? '127.0.0.1';
  if (!host) problems.push('SIM_HOST must not be empty');
  const logLevel = (env.SIM_LOG_LEVEL ?? 'info') as LogLevel;
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) problems.push(`SIM_LOG_LEVEL must be debug, info, warn or error, got "${logLevel}"`);
  const identityPoolSize = env.SIM_IDENTITY_POOL === undefined ? undefined : Number(env.SIM_IDENTITY_POOL);
  if (identityPoolSize !== undefined && (!Number.isInteger(identityPoolSize) || identityPoolSize < 0 || identityPoolSize > 100_000)) {
    problems.push(`SIM_IDENTITY_POOL must be an integer 0-100000, got "${env.SIM_IDENTITY_POOL}"`);
  }
  if (problems.length) throw new Error(`invalid environment:\n  ${problems.join('\n  ')}`);
  return Object.freeze({ port, mediaPort, mediaStoreMb, host, logLevel, identityPoolSize });
}

async function main(): Promise<void> {
  const config = readConfig(process.env);
  const logger = createConsoleLogger(config.logLevel);
  // Once for the process, before any handshake; the report says which applied.
  logPatchReport(installSimulatorPatches(), logger);
  const simulator = createSimulator({
    port: config.port,
    mediaPort: config.mediaPort,
    ...(config.mediaStoreMb === undefined ? {} : { mediaStoreBytes: config.mediaStoreMb * 1024 * 1024 }),
    host: config.host,
    ...(config.identityPoolSize === undefined ? {} : { identityPoolSize: config.identityPoolSize }),
    logger,
  });
  const { wsUrl, adminUrl, mediaUrl, mediaCaPath } = await simulator.start();
  process.stdout.write(`WhatsApp simulator (never for production)\n  ws:    ${wsUrl}\n  admin: ${adminUrl}\n  media: ${mediaUrl} (test CA: ${mediaCaPath})\n`);
  const stop = (signal: string): void => {
    process.stdout.write(`${signal}: closing\n`);
    simulator.close().then(
      () => {
        process.exitCode = 0;
      },
      (error) => {
        process.stderr.write(`close failed: ${String(error)}\n`);
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '@fleet/logger';
import { installFastCurve, installFastHkdf } from '@fleet/signal-crypto';
import { PINNED_BAILEYS_VERSION } from './baileys-version';
import { installLazyTimeouts } from './lazy-timeouts';
import { holdRejectionGuard } from './rejection-guard';

export { PINNED_BAILEYS_VERSION };

/** Which patches of third-party code are in force in this process. */
export interface PatchReport {
  /** The installed Baileys, and whether it is the pinned version. */
  readonly baileys: { readonly version: string; readonly pinned: boolean };
  /** libsignal's X25519 and XEdDSA through self-tested fast paths (`@fleet/signal-crypto`). */
  readonly fastCurve: { readonly x25519: boolean; readonly xeddsa: boolean };
  /** Baileys' HKDF through Node's `hkdfSync` (self-tested). */
  readonly fastHkdf: boolean;
  /** Baileys' `promiseTimeout` without eager stack traces (pinned version only). */
  readonly lazyTimeouts: boolean;
  /** Unhandled rejections raised inside Baileys are contained instead of killing the process. */
  readonly rejectionGuard: boolean;
}

/** The installed Baileys version (from its package.json). */
export function installedBaileysVersion(): string {
  const root = path.dirname(path.dirname(require.resolve('baileys')));
  return (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

let installed: Promise<PatchReport> | undefined;

/**
 * Installs every process-wide patch of third-party code the worker relies on, once per process (a
 * second call answers the first's report), and says which applied. Called by each bin at start, which
 * logs the report; tests call it from their global setup. Two more patches apply per socket and are
 * checked on each: the key-store transactions (`auth-keys.ts`) and the frame gate (`frame-gate.ts`); a
 * socket they do not fit is refused (`baileys_incompatible`).
 */
export function installBaileysPatches(logger: Logger): Promise<PatchReport> {
  installed ??= (async () => {
    const version = installedBaileysVersion();
    const fastCurve = installFastCurve();
    const fastHkdf = await installFastHkdf();
    const lazyTimeouts = installLazyTimeouts();
    holdRejectionGuard(logger);
    return Object.freeze({
      baileys: { version, pinned: version === PINNED_BAILEYS_VERSION },
      fastCurve,
      fastHkdf,
      lazyTimeouts,
      rejectionGuard: true,
    });
  })();
  return installed;
}

/** Logs the report: one info line, plus a warning naming each patch that did not apply. */
export function logPatchReport(report: PatchReport, logger: Logger): void {
  const missing = [
    ...(report.baileys.pinned ? [] : [`Baileys ${report.baileys.version} is not the pinned ${PINNED_BAILEYS_VERSION}`]),
    ...(report.fastCurve.x25519 ? [] : ['fast X25519']),
    ...(report.fastCurve.xeddsa ? [] : ['fast XEdDSA']),
    ...(report.fastHkdf ? [] : ['fast HKDF']),
    ...(report.lazyTimeouts ? [] : ['lazy promiseTimeout']),
  ];
  logger.info('third-party patches', { ...report });
  if (missing.length > 0) logger.warn('some patches of third-party code did not apply; those parts run as shipped', { missing });
}

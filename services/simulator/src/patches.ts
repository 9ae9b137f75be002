import { installFastCurve, type FastCurveStatus } from '@fleet/signal-crypto';
import type { SimLogger } from './util/logger';

/** Which patches of third-party code are in force in the simulator's process. */
export interface SimulatorPatchReport {
  /** libsignal's X25519 and XEdDSA through self-tested fast paths (`@fleet/signal-crypto`). */
  readonly fastCurve: FastCurveStatus;
}

/**
 * Installs the simulator's process-wide patches of third-party code and says which applied. The
 * simulator does the server side of every handshake, pairing and first message with the same Signal
 * crypto as the clients, so it takes the same self-tested fast paths; a part whose self-test fails stays
 * as libsignal ships it. Called once by the bin at start (installing again answers the first result).
 */
export function installSimulatorPatches(): SimulatorPatchReport {
  return Object.freeze({ fastCurve: installFastCurve() });
}

/** Logs the report in one line: info when every patch applied, else a warning naming those that did not. */
export function logPatchReport(report: SimulatorPatchReport, logger: SimLogger): void {
  const missing = [...(report.fastCurve.x25519 ? [] : ['fast X25519']), ...(report.fastCurve.xeddsa ? [] : ['fast XEdDSA'])];
  if (missing.length === 0) logger.info('third-party patches', { ...report });
  else logger.warn('third-party patches: some did not apply; those parts run as libsignal ships them', { ...report, missing });
}

export { createWorker, type FleetWorker, type WorkerDeps } from './worker';
export { createWorkerMedia, type WorkerMedia } from './media/worker-media';
export { readWorkerConfig, workerConfig, WORKER_DEFAULTS, type WorkerConfig } from './config';
export { createWorkerMetrics, type WorkerMetrics } from './metrics';
export { SessionManager } from './sessions/session-manager';
export { sessionDir } from './sessions/storage-path';
export { FileAuthState, readStoredCredsSync, type FileAuthStateOptions } from './auth-state';
export { installBaileysPatches, logPatchReport, PINNED_BAILEYS_VERSION, type PatchReport } from './connector/baileys';
export type {
  SessionConnector,
  SessionHandle,
  SessionHandlers,
  SessionSpec,
  OutgoingMessage,
  IncomingMessage,
  DisconnectInfo,
  MessageAckStatus,
} from './connector/types';

export { BaileysConnector } from './baileys-connector';
export { resolveConnectorOptions, WHATSAPP_WEB_SOCKET_URL, type BaileysConnectorOptions } from './options';
export { DEFAULT_BACKOFF, backoffDelay, type BackoffOptions } from './backoff';
export { decideOnClose, statusCodeOf, type CloseAction, type CloseDecision } from './close-policy';
export { createBaileysLogger, type BaileysLogger } from './baileys-logger';
export { ConnectorClosedError, InvalidRecipientError, SessionAlreadyRunningError, SessionNotConnectedError } from './errors';
export { toJid, phoneFromMeId } from './message-mapping';
export { installBaileysPatches, logPatchReport, installedBaileysVersion, PINNED_BAILEYS_VERSION, type PatchReport } from './patches';

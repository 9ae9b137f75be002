export { createSimulator, Simulator } from './simulator';
export { AdminApi } from './admin/admin-api';
export { SimulatorClient, SimulatorClientError } from './admin/client';
export type { SimulatorOptions } from './options';
export type {
  AccountDetails,
  AccountSummary,
  CreateGroupRequest,
  DeviceInfo,
  ErrorBody,
  Faults,
  FaultsRequest,
  FaultsResult,
  GroupInfo,
  IncomingMedia,
  IncomingRequest,
  IncomingResult,
  IncomingType,
  LoggedMessage,
  PendingQr,
  ReceiptRequest,
  ScanRequest,
  ScanResult,
  SentFeedQuery,
  SentMessage,
  SentPage,
  SentTotals,
  SettingsRequest,
  StartedSimulator,
  StatsSnapshot,
} from './admin/types';
export type { MessageType, SentMedia } from './state/message-fields';
export type { SentMediaStream } from './admin/sent-media';
export type { MediaType } from './media/media-crypto';
export { MEDIA_CA_PATH, readMediaCa } from './media/certs';
export {
  ERROR_CODES,
  SimulatorError,
  BadRequestError,
  AccountNotFoundError,
  QrNotFoundError,
  QrInvalidError,
  PairingFailedError,
  NotConnectedError,
  MessageNotFoundError,
  GroupNotFoundError,
  MediaNotFoundError,
  NotRunningError,
  FrameError,
  HandshakeError,
} from './errors';
export type { ErrorCode } from './errors';
export { DISCONNECT_CODES } from './state/faults';
export type { DisconnectCode } from './state/faults';
export { createConsoleLogger, silentLogger } from './util/logger';
export type { SimLogger, LogLevel } from './util/logger';
export { WS_PATH } from './connection/ws-server';

export { MESSAGE_ORDER, MESSAGE_STATUSES, SETTLED_STATUSES, STATUS_EVENTS, isMessageStatus, type MessageStatus, type ReportedStatus } from './statuses';
export { newMessageId, MESSAGE_ID_PATTERN } from './ids';
export { parseMessage, parseBody, type MessageRecord, type MessageBody } from './records';
export {
  MessageLedger,
  DEFAULT_MESSAGE_RETENTION_SECONDS,
  DEFAULT_BODY_RETENTION_SECONDS,
  type LedgerOptions,
  type NewMessage,
  type AcceptOutcome,
  type ClaimedBatch,
  type ClaimedMessage,
  type StatusChange,
  type ChangeOutcome,
} from './ledger';
export { LEDGER_SCRIPTS } from './scripts';
export {
  MEDIA_TYPES,
  CONTENT_TYPES,
  isMediaType,
  isMediaContent,
  previewOf,
  type MediaType,
  type ContentType,
  type MediaSource,
  type MessageTarget,
  type Quote,
  type MessageContent,
  type TextContent,
  type MediaContent,
  type LocationContent,
  type ContactContent,
  type ReactionContent,
  type EditContent,
  type RevokeContent,
} from './content';
export { chatJidOf } from './chat-jid';

export {
  EVENT_TYPES,
  EVENT_FILTER_PATTERN,
  isEventType,
  matchesFilter,
  type EventType,
  type EventDataMap,
  type FleetEvent,
  type MessageStatusData,
  type SessionRef,
  type ChatMessageRef,
  type ReceivedMessageData,
  type MediaData,
} from './catalogue';
export { EventLog, newEventId, parseEntry, type EventSink, type EventPage } from './event-log';
export { EVENT_RETENTION_DEFAULTS, eventRetention, type EventRetention } from './retention';
export { WebhookStore, parseWebhook, type Webhook } from './webhook-store';
export { DeadLetterStore, type DeadLetter } from './dead-letters';
export { DeliveryLedger, type DeliveryItem, type DeliveryLedgerOptions, type ParkOutcome, type RetryState, type TurnStart } from './delivery-ledger';
export { APPEND_EVENT_FUNCTION } from './scripts';
export { SIGNATURE_HEADER, signature, signatureHeader, verifySignature, type VerifyOutcome } from './signing';

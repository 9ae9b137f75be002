/**
 * The seam between the worker's session manager and whatever speaks WhatsApp Web.
 *
 * The worker owns scheduling, leases, records and queues; a connector owns one socket per session and
 * reports what happens on it through the handlers. The production implementation is Baileys
 * (`./baileys/`); tests may drive the manager with their own connector.
 */

/** Everything a connector needs to run one session. */
export interface SessionSpec {
  readonly sessionId: string;
  readonly workspaceId: number;
  readonly accountId: string;
  /** Fencing epoch of the lease this run holds; every write of session state carries it. */
  readonly epoch: number;
  /** `SESSION_STORAGE_PATH/workspace_<id>/<session_id>/`, already validated. */
  readonly storageDir: string;
}

export type MessageAckStatus = 'sent' | 'delivered' | 'read' | 'failed';

export interface DisconnectInfo {
  /** WhatsApp / Baileys status code (408, 428, 440, 401, 515 …), 0 when unknown. */
  readonly code: number;
  /** Short machine-readable reason: `connection_lost`, `conflict`, `restart_required` … */
  readonly reason: string;
  /** True when the connector will reconnect by itself (backoff for 408/428, at once for 515). */
  readonly willReconnect: boolean;
}

export interface IncomingMessage {
  readonly waMessageId: string;
  readonly from: string;
  readonly text: string;
  readonly timestamp: number;
}

/** Callbacks a connector invokes; they never throw and never block the socket. */
export interface SessionHandlers {
  onQr(qr: string, expiresAt: number): void;
  onConnected(info: { readonly phone: string }): void;
  onDisconnected(info: DisconnectInfo): void;
  /** The device was logged out (401): the connector has already cleared the auth state. */
  onLoggedOut(): void;
  /** Terminal failure that must not be retried automatically (440 conflict, corrupt state …). */
  onFailed(info: { readonly code: number; readonly reason: string }): void;
  onMessageStatus(waMessageId: string, status: MessageAckStatus, detail?: string): void;
  onIncomingMessage(message: IncomingMessage): void;
  /**
   * The text of an outgoing message that is no longer in the connector's memory, for a recipient's
   * retry request (it could not decrypt it); undefined when it is no longer kept. Optional.
   */
  outgoing?(messageId: string): Promise<OutgoingText | undefined>;
}

export interface OutgoingText {
  /** Fleet's message id, used as the WhatsApp message id so acks map back without a lookup. */
  readonly messageId: string;
  /** Phone number (digits) or a full JID. */
  readonly to: string;
  readonly text: string;
}

export interface SessionHandle {
  /** Writes the message to the socket; resolves with the WhatsApp message id (acks come later). */
  sendText(message: OutgoingText): Promise<{ readonly waMessageId: string }>;
  /** Closes the socket cleanly and flushes auth state; the state stays on disk. */
  stop(): Promise<void>;
  /** Logs the device out on WhatsApp and removes its auth state. */
  logout(): Promise<void>;
}

export interface SessionConnector {
  start(spec: SessionSpec, handlers: SessionHandlers): Promise<SessionHandle>;
  /** Credentials for new sessions made ahead and ready (a connector that makes none leaves it out). */
  readonly credsReady?: number;
  /**
   * Asks to be told how long each session-storage operation took (`open`, `write`, `check`, `clear`),
   * queueing included; a connector without such storage leaves it out.
   */
  observeStorage?(observer: (op: string, seconds: number, failed: boolean) => void): void;
  /** Closes every socket this connector opened (used on worker shutdown). */
  close(): Promise<void>;
}

/**
 * A real, unmodified Baileys socket wired to the simulator, with an in-memory auth state and small
 * helpers that wait for the events tests care about.
 */
import { EventEmitter } from 'node:events';
import { Agent } from 'node:https';
import makeWASocket, { downloadMediaMessage, initAuthCreds } from 'baileys';
import type {
  AnyMessageContent,
  AuthenticationCreds,
  ConnectionState,
  MiscMessageGenerationOptions,
  WAMessage,
  WAMessageUpdate,
  WASocket,
  proto,
} from 'baileys';
import { MemoryKeyStore } from '../../src/signal/memory-key-store';
import { readMediaCa } from '../../src/media/certs';

/** An https agent trusting the simulator's test CA: what a Fleet worker gives Baileys as `fetchAgent`. */
export const mediaAgent = new Agent({ ca: readMediaCa() });

/** Downloads and decrypts a received media message with plain Baileys, trusting the test CA. */
export async function downloadMedia(message: WAMessage): Promise<Buffer> {
  return downloadMediaMessage(message, 'buffer', { options: { httpsAgent: mediaAgent } }) as Promise<Buffer>;
}

const noop = (): void => undefined;

/** A pino-compatible logger that drops everything. */
export const silentBaileysLogger = {
  level: 'silent',
  child() {
    return silentBaileysLogger;
  },
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  fatal: noop,
};

export interface ClientOptions {
  keepAliveIntervalMs?: number;
  /** Answers a recipient's retry request with what was sent (Baileys' `getMessage`); none = nothing to resend. */
  answerRetries?: boolean;
}

export class TestClient {
  readonly creds: AuthenticationCreds;
  readonly keys: MemoryKeyStore;
  readonly events = new EventEmitter();
  readonly upserts: WAMessage[] = [];
  readonly updates: WAMessageUpdate[] = [];
  /** What this client sent, by id (answers retry requests when `answerRetries`). */
  readonly sentById = new Map<string, proto.IMessage>();
  sock: WASocket | undefined;
  lastQr: string | undefined;
  lastCloseCode: number | undefined;
  isOpen = false;
  private flushed = false;

  /** `shareAuthWith`: use another client's creds and keys (a second socket with the same credentials). */
  constructor(
    private readonly wsUrl: string,
    shareAuthWith?: TestClient,
  ) {
    this.creds = shareAuthWith?.creds ?? initAuthCreds();
    this.keys = shareAuthWith?.keys ?? new MemoryKeyStore();
    this.events.setMaxListeners(50);
  }

  connect(options: ClientOptions = {}): WASocket {
    this.end();
    this.isOpen = false;
    this.flushed = false;
    this.lastCloseCode = undefined;
    const sock = makeWASocket({
      waWebSocketUrl: this.wsUrl,
      auth: { creds: this.creds, keys: this.keys },
      logger: silentBaileysLogger as never,
      printQRInTerminal: false,
      markOnlineOnConnect: false,
      connectTimeoutMs: 10_000,
      defaultQueryTimeoutMs: 5_000,
      keepAliveIntervalMs: options.keepAliveIntervalMs ?? 30_000,
      getMessage: async (key) => (options.answerRetries && key.id ? this.sentById.get(key.id) : undefined),
      fetchAgent: mediaAgent,
    });
    this.sock = sock;
    sock.ev.on('connection.update', (update: Partial<ConnectionState>) => {
      if (this.sock !== sock) return;
      if (update.qr) {
        this.lastQr = update.qr;
        this.events.emit('qr', update.qr);
      }
      if (update.connection === 'open') this.isOpen = true;
      if (update.receivedPendingNotifications) this.flushed = true;
      if ((update.connection === 'open' || update.receivedPendingNotifications) && this.isOpen && this.flushed) {
        // the init queries (props, blocklist, privacy) go out on open; give their answers a moment so that
        // ending the socket never leaves Baileys waiting on them (its end() drops those waiters' close hooks)
        setTimeout(() => this.events.emit('open'), 100);
      }
      if (update.connection === 'close') {
        this.isOpen = false;
        const error = update.lastDisconnect?.error as { output?: { statusCode?: number } } | undefined;
        this.lastCloseCode = error?.output?.statusCode;
        this.events.emit('close', this.lastCloseCode);
      }
    });
    sock.ev.on('messages.upsert', ({ messages }) => {
      this.upserts.push(...messages);
      for (const message of messages) this.events.emit('upsert', message);
    });
    sock.ev.on('messages.update', (updates) => {
      this.updates.push(...updates);
      for (const update of updates) this.events.emit('update', update);
    });
    return sock;
  }

  /** Sends a text and remembers it (for retry requests). */
  async sendText(jid: string, text: string): Promise<string> {
    const sent = await this.sock!.sendMessage(jid, { text });
    const id = sent!.key.id!;
    if (sent?.message) this.sentById.set(id, sent.message);
    return id;
  }

  /** Sends any content with plain Baileys and remembers it; resolves with the full message. */
  async send(jid: string, content: AnyMessageContent, options?: MiscMessageGenerationOptions): Promise<WAMessage> {
    const sent = await this.sock!.sendMessage(jid, content, options);
    if (sent?.message) this.sentById.set(sent.key.id!, sent.message);
    return sent!;
  }

  waitForQr(timeoutMs = 5000): Promise<string> {
    if (this.lastQr) return Promise.resolve(this.lastQr);
    return this.waitEvent<string>('qr', timeoutMs);
  }

  /** Waits for connection open and the offline marker (the client is then fully usable). */
  waitForOpen(timeoutMs = 8000): Promise<void> {
    return this.waitEvent('open', timeoutMs);
  }

  waitForClose(timeoutMs = 8000): Promise<number | undefined> {
    return this.waitEvent<number | undefined>('close', timeoutMs);
  }

  /** Waits for a messages.upsert message matching `predicate` (also one that already arrived). */
  waitForUpsert(predicate: (message: WAMessage) => boolean, timeoutMs = 8000): Promise<WAMessage> {
    const seen = this.upserts.find(predicate);
    if (seen) return Promise.resolve(seen);
    return this.waitEvent<WAMessage>('upsert', timeoutMs, predicate);
  }

  /** Waits for a messages.update matching `predicate` (also one that already arrived). */
  waitForUpdate(predicate: (update: WAMessageUpdate) => boolean, timeoutMs = 8000): Promise<WAMessageUpdate> {
    const seen = this.updates.find(predicate);
    if (seen) return Promise.resolve(seen);
    return this.waitEvent<WAMessageUpdate>('update', timeoutMs, predicate);
  }

  end(): void {
    const sock = this.sock;
    this.sock = undefined;
    if (!sock) return;
    sock.ev.removeAllListeners('connection.update');
    sock.ev.removeAllListeners('messages.upsert');
    sock.ev.removeAllListeners('messages.update');
    try {
      sock.end(undefined);
    } catch {
      // already closed
    }
  }

  private waitEvent<T>(name: string, timeoutMs: number, predicate?: (value: T) => boolean): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.events.off(name, listener);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${name}`));
      }, timeoutMs);
      const listener = (value: T): void => {
        if (predicate && !predicate(value)) return;
        clearTimeout(timer);
        this.events.off(name, listener);
        resolve(value);
      };
      this.events.on(name, listener);
    });
  }
}

/** Pairs a fresh client as `phone`: QR → scan → 515 → login with the saved creds → open. */
export async function pairClient(
  client: TestClient,
  scan: (qr: string, phone: string) => Promise<unknown>,
  phone: string,
  options: ClientOptions = {},
): Promise<void> {
  client.connect(options);
  const qr = await client.waitForQr();
  const closed = client.waitForClose();
  await scan(qr, phone);
  const code = await closed;
  if (code !== 515) throw new Error(`expected 515 after pairing, got ${code}`);
  client.connect(options);
  await client.waitForOpen();
}

/**
 * One client WebSocket: framing, the Noise handshake, then encrypted binary nodes in both directions.
 * Inbound frames are decrypted in arrival order and handled one at a time; outbound frames go through a
 * small outbox so that the post-handshake delay and the `delayMs` fault keep their order. A connection
 * only owns a timer while it has delayed frames.
 */
import { decodeBinaryNode, encodeBinaryNode } from 'baileys';
import type { BinaryNode, proto } from 'baileys';
import type { RawData, WebSocket } from 'ws';
import type { Account, DeviceRecord, SessionLink } from '../state/account';
import type { PendingRegistration } from '../state/registry';
import { FrameDecoder, encodeFrame } from '../transport/frame-codec';
import { NoiseServerHandshake, type TransportCipher } from '../transport/noise-server';
import type { SimContext } from '../context';

export type ConnectionState = 'hello' | 'finish' | 'registering' | 'authenticated' | 'closed';

export interface ConnectionHooks {
  onPayload(connection: Connection, clientStaticKey: Buffer, payload: proto.ClientPayload): void;
  onNode(connection: Connection, node: BinaryNode): Promise<void> | void;
  onClose(connection: Connection): void;
}

/**
 * How long a terminated socket waits for its last frame to be read before the server closes it. Baileys
 * closes the socket itself once it has read the frame; on a loaded machine that can take a while, and
 * closing first would turn a 401 or 440 into a plain 428 on the client.
 */
const CLOSE_GRACE_MS = 2_000;

export class Connection implements SessionLink {
  readonly openedAt = Date.now();
  state: ConnectionState = 'hello';
  account: Account | undefined;
  registration: PendingRegistration | undefined;
  /** set once the client finished its login queries (after `passive active`); deliveries wait for it */
  ready = false;
  private deviceRecord: DeviceRecord | undefined;
  private readonly decoder = new FrameDecoder();
  private handshake: NoiseServerHandshake | undefined;
  private cipher: TransportCipher | undefined;
  private inbound: Promise<void> = Promise.resolve();
  private readonly outbox: Array<{ dueAt: number; payload: Buffer }> = [];
  private outboxTimer: NodeJS.Timeout | undefined;
  private readyAt = 0;
  private terminating = false;
  private readonly waiters = new Map<string, (node: BinaryNode | undefined) => void>();

  constructor(
    readonly id: number,
    private readonly ws: WebSocket,
    private readonly ctx: SimContext,
    private readonly hooks: ConnectionHooks,
  ) {
    this.handshake = new NoiseServerHandshake(ctx.staticKey, ctx.certificate);
    ws.on('message', (data) => this.onMessage(data));
    ws.on('close', () => this.onClosed());
    ws.on('error', (error) => ctx.options.logger.debug('socket error', { connection: id, error: error.message }));
  }

  get device(): DeviceRecord {
    if (!this.deviceRecord) throw new Error('connection is not logged in');
    return this.deviceRecord;
  }

  get deviceOrUndefined(): DeviceRecord | undefined {
    return this.deviceRecord;
  }

  authenticate(account: Account, device: DeviceRecord): void {
    this.account = account;
    this.deviceRecord = device;
    this.state = 'authenticated';
  }

  send(node: BinaryNode): void {
    if (this.state === 'closed' || this.terminating) return;
    this.enqueue(encodeBinaryNode(node), this.account?.faults.delayMs ?? 0);
  }

  /** Sends `lastNode` (if any) after everything already queued, then closes the socket. */
  terminate(lastNode?: BinaryNode): void {
    if (this.state === 'closed' || this.terminating) return;
    if (lastNode) this.enqueue(encodeBinaryNode(lastNode), 0);
    this.terminating = true;
    this.hooks.onClose(this);
    this.closeWhenDrained();
  }

  /** Closes at once, without a last frame (the client sees a plain socket close: 428). */
  drop(): void {
    if (this.state === 'closed') return;
    this.terminating = true;
    this.outbox.length = 0;
    this.hooks.onClose(this);
    this.ws.close();
  }

  /** Resolves with the node the client sends with this id (an iq result or an ack); undefined on timeout or close. */
  waitFor(id: string, timeoutMs: number): Promise<BinaryNode | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.set(id, (node) => {
        clearTimeout(timer);
        resolve(node);
      });
    });
  }

  private onMessage(data: RawData): void {
    if (this.state === 'closed') return;
    try {
      const { intro, frames } = this.decoder.push(toBuffer(data));
      if (intro) this.handshake?.intro(intro);
      for (const frame of frames) this.onFrame(frame);
    } catch (error) {
      this.fail(error);
    }
  }

  private onFrame(frame: Buffer): void {
    if (this.state === 'hello') {
      this.writeRaw(this.requireHandshake().clientHello(frame));
      this.state = 'finish';
      return;
    }
    if (this.state === 'finish') {
      const { clientStaticKey, payload, cipher } = this.requireHandshake().clientFinish(frame);
      this.handshake = undefined;
      this.cipher = cipher;
      this.readyAt = Date.now() + this.ctx.options.postHandshakeDelayMs;
      this.state = 'registering';
      this.hooks.onPayload(this, clientStaticKey, payload);
      return;
    }
    if (!this.cipher) return;
    const plain = this.cipher.decrypt(frame);
    this.inbound = this.inbound
      .then(() => this.handleFrame(plain))
      .catch((error) => this.ctx.options.logger.warn('error handling frame', { connection: this.id, error: String(error) }));
  }

  private async handleFrame(plain: Buffer): Promise<void> {
    if (this.state === 'closed') return;
    const node = await decodeBinaryNode(plain);
    const id = node.attrs.id;
    if (id !== undefined && (node.tag === 'ack' || (node.tag === 'iq' && node.attrs.type !== 'get' && node.attrs.type !== 'set'))) {
      const waiter = this.waiters.get(id);
      if (waiter) {
        this.waiters.delete(id);
        waiter(node);
        return;
      }
    }
    await this.hooks.onNode(this, node);
  }

  private requireHandshake(): NoiseServerHandshake {
    if (!this.handshake) throw new Error('handshake already finished');
    return this.handshake;
  }

  private enqueue(plain: Buffer, delayMs: number): void {
    const now = Date.now();
    const dueAt = Math.max(this.readyAt, now + delayMs);
    if (!this.outbox.length && dueAt <= now) {
      this.writeEncrypted(plain);
      return;
    }
    this.outbox.push({ dueAt, payload: plain });
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.outboxTimer || !this.outbox.length) return;
    const wait = Math.max(0, this.outbox[0]!.dueAt - Date.now());
    this.outboxTimer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.outboxTimer = undefined;
    if (this.state === 'closed') return;
    const now = Date.now();
    while (this.outbox.length && this.outbox[0]!.dueAt <= now) this.writeEncrypted(this.outbox.shift()!.payload);
    this.scheduleFlush();
    if (this.terminating) this.closeWhenDrained();
  }

  private closeWhenDrained(): void {
    if (this.outbox.length) return;
    setTimeout(() => this.ws.close(), CLOSE_GRACE_MS).unref();
  }

  private writeEncrypted(plain: Buffer): void {
    if (!this.cipher) return;
    this.writeRaw(this.cipher.encrypt(plain));
  }

  private writeRaw(payload: Uint8Array): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(encodeFrame(payload));
  }

  private fail(error: unknown): void {
    if (this.state === 'hello' || this.state === 'finish') this.ctx.counters.handshakeFailures += 1;
    this.ctx.options.logger.debug('closing socket after protocol error', { connection: this.id, error: String(error) });
    this.drop();
  }

  private onClosed(): void {
    if (this.outboxTimer) clearTimeout(this.outboxTimer);
    this.outboxTimer = undefined;
    this.outbox.length = 0;
    this.state = 'closed';
    for (const waiter of this.waiters.values()) waiter(undefined);
    this.waiters.clear();
    this.hooks.onClose(this);
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

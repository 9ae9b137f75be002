import { expect } from 'chai';
import type { WASocket } from 'baileys';
import { gateFrames, type DurableStore } from '../src/connector/baileys/frame-gate';

/** A store whose pending writes the test completes or fails by hand (the gate is what is tested). */
class ManualStore implements DurableStore {
  pending = false;
  private waiting: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];

  get hasPendingWrites(): boolean {
    return this.pending;
  }

  whenDurable(): Promise<void> | undefined {
    if (!this.pending) return undefined;
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  complete(): void {
    this.pending = false;
    for (const waiter of this.waiting.splice(0)) waiter.resolve();
  }

  fail(error: Error): void {
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
  }
}

function fakeSocket(): { sock: WASocket; written: string[] } {
  const written: string[] = [];
  const socket = {
    send: (data: unknown, callback?: (error?: Error) => void) => {
      written.push(String(data));
      callback?.();
    },
  };
  return { sock: { ws: { socket } } as unknown as WASocket, written };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('frame gate: no frame before the Signal state that produced it is on disk', () => {
  it('sends at once when nothing is pending', () => {
    const { sock, written } = fakeSocket();
    const store = new ManualStore();
    expect(gateFrames(sock, store, () => undefined)).to.equal(true);
    (sock.ws as unknown as { socket: { send: (d: string) => void } }).socket.send('ping');
    expect(written).to.deep.equal(['ping']);
  });

  it('holds frames while writes are pending, then sends them in order', async () => {
    const { sock, written } = fakeSocket();
    const store = new ManualStore();
    gateFrames(sock, store, () => undefined);
    const send = (data: string) => (sock.ws as unknown as { socket: { send: (d: string) => void } }).socket.send(data);
    store.pending = true;
    send('message-1');
    store.pending = false; // even with nothing pending, a frame may not overtake one that waits
    send('ack');
    await tick();
    expect(written).to.deep.equal([]);
    store.complete();
    await tick();
    expect(written).to.deep.equal(['message-1', 'ack']);
  });

  it('drops the waiting frames and reports the failure when a write fails', async () => {
    const { sock, written } = fakeSocket();
    const store = new ManualStore();
    const failures: string[] = [];
    gateFrames(sock, store, (error) => failures.push(error.message));
    const errors: string[] = [];
    store.pending = true;
    (sock.ws as unknown as { socket: { send: (d: string, cb: (e?: Error) => void) => void } }).socket.send('message-1', (error) =>
      errors.push(error?.message ?? 'ok'),
    );
    await tick();
    store.fail(new Error('EIO'));
    await tick();
    expect(written).to.deep.equal([]);
    expect(errors).to.deep.equal(['EIO']);
    expect(failures).to.deep.equal(['EIO']);
  });
});

import { sleep } from '../bench/bench-util';
import type { LocalFleet } from './local-fleet';
import type { Recorder } from './recorder';

export interface LoadSession {
  readonly id: string;
  readonly workspaceId: number;
  readonly phone: string;
}

export interface AcceptedMessage {
  readonly sessionId: string;
  readonly startedAt: number;
}

const QR_POLL_MS = 200;
const STATUS_POLL_MS = 250;

/**
 * The operations the scenarios are made of, each timed into the Recorder: create → QR, scan →
 * connected, send (accepted ids are kept for the settle and invariant checks), status reads.
 */
export class LoadClient {
  /** Every accepted message id → its session and when the send was requested. */
  readonly accepted = new Map<string, AcceptedMessage>();
  readonly paired: LoadSession[] = [];
  created = 0;
  private counter = 0;
  private readonly tag = Math.random().toString(36).slice(2, 8);

  constructor(
    private readonly fleet: LocalFleet,
    private readonly recorder: Recorder,
    private readonly timeoutMs = 120_000,
  ) {}

  session(n: number): LoadSession {
    return { id: `lt-${this.tag}-${n}`, workspaceId: 1 + (n % 997), phone: `1557${String(n).padStart(7, '0')}` };
  }

  /** Create → QR → scan → connected. Returns false (and records why) when any step fails. */
  async pair(session: LoadSession, scanGate?: <T>(task: () => Promise<T>) => Promise<T>): Promise<boolean> {
    const qr = await this.createAndWaitQr(session);
    if (qr === undefined) return false;
    const scan = (): Promise<boolean> => this.scanAndConnect(session);
    const ok = scanGate ? await scanGate(scan) : await scan();
    if (ok) this.paired.push(session);
    return ok;
  }

  async createAndWaitQr(session: LoadSession): Promise<string | undefined> {
    const started = Date.now();
    const created = await this.timed('api_create', () => this.fleet.api('POST', '/api/sessions/create', { session_id: session.id, workspace_id: session.workspaceId, account_id: 'load' }));
    if (created === undefined) return undefined;
    if (created.status >= 300) return this.fail('create', `${created.status} ${JSON.stringify(created.body)}`);
    this.created += 1;
    while (Date.now() - started < this.timeoutMs) {
      const qr = await this.fleet.api('GET', `/api/sessions/${session.id}/qr?format=raw`).catch(() => undefined);
      if (qr?.status === 200 && typeof qr.body.qr === 'string') {
        this.recorder.record('qr', started, Date.now() - started);
        return qr.body.qr as string;
      }
      await sleep(QR_POLL_MS);
    }
    return this.fail('qr_timeout', session.id);
  }

  /** Scans the session's current QR (a new one may have replaced the first) and waits for connected. */
  async scanAndConnect(session: LoadSession): Promise<boolean> {
    const started = Date.now();
    try {
      const qr = await this.fleet.api('GET', `/api/sessions/${session.id}/qr?format=raw`);
      if (qr.status !== 200) return this.fail('qr_gone', `${session.id}: ${JSON.stringify(qr.body)}`) ?? false;
      await this.fleet.simulator.scan(qr.body.qr, session.phone);
    } catch (error) {
      return this.fail('scan', `${session.id}: ${String(error)}`) ?? false;
    }
    while (Date.now() - started < this.timeoutMs) {
      if ((await this.status(session.id)) === 'connected') {
        this.recorder.record('connect', started, Date.now() - started);
        return true;
      }
      await sleep(STATUS_POLL_MS);
    }
    return this.fail('connect_timeout', session.id) ?? false;
  }

  /** GET status, timed as api_status. */
  async status(sessionId: string): Promise<string | undefined> {
    const answer = await this.timed('api_status', () => this.fleet.api('GET', `/api/sessions/${sessionId}/status`));
    if (answer !== undefined && answer.status !== 200) this.fail('status', `${answer.status} ${JSON.stringify(answer.body)}`);
    return answer?.body?.status as string | undefined;
  }

  /** One text with an idempotency key; the accepted id is remembered. */
  async send(session: LoadSession): Promise<string | undefined> {
    this.counter += 1;
    const n = this.counter;
    const started = Date.now();
    const body = { session_id: session.id, to: `+1555888${String(n % 1000).padStart(4, '0')}`, text: `load ${this.tag} ${n}`, idempotency_key: `lt-${this.tag}-${n}` };
    const answer = await this.timed('api_send', () => this.fleet.api('POST', '/api/messages/send', body));
    if (answer === undefined) return undefined;
    if (answer.status !== 202) return this.fail('send', `${answer.status} ${JSON.stringify(answer.body)}`);
    this.accepted.set(answer.body.message_id, { sessionId: session.id, startedAt: started });
    return answer.body.message_id as string;
  }

  private async timed<T>(kind: 'api_status' | 'api_send' | 'api_create', call: () => Promise<T>): Promise<T | undefined> {
    const started = Date.now();
    try {
      const result = await call();
      this.recorder.record(kind, started, Date.now() - started);
      return result;
    } catch (error) {
      return this.fail(`${kind}_network`, String(error));
    }
  }

  private fail(kind: string, detail: string): undefined {
    this.recorder.error(kind, detail);
    return undefined;
  }
}

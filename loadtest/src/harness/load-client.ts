import type { LocalFleet } from './local-fleet';
import type { Poller } from './poller';
import type { Recorder } from './recorder';

export interface LoadSession {
  readonly id: string;
  readonly workspaceId: number;
  readonly phone: string;
}

export interface AcceptedMessage {
  readonly sessionId: string;
  /** The account (virtual phone) the message goes out from. */
  readonly phone: string;
  /** The recipient's number. */
  readonly to: string;
  readonly startedAt: number;
}

/** What GET /api/sessions/{id}/status answers (the fields the harness reads). */
interface StatusView {
  readonly status: string;
  readonly qr: string | null;
  readonly qr_expires_at: number | null;
  readonly last_error: string | null;
  readonly updated_at: number;
}

/** The connector gives a socket's first QR 60 s: `qr_expires_at` − 60 s is when the worker got it. */
const FIRST_QR_TTL_MS = 60_000;
/** Statuses after which waiting for a QR or for connected is pointless. */
const GAVE_UP = new Set(['failed', 'logged_out', 'stopped', 'deleted']);
/** Backoff of the waits: QRs take a few hundred ms at best, a login after a scan about as long. */
const QR_WAIT = { firstDelayMs: 250, maxDelayMs: 2_000 };
const CONNECT_WAIT = { firstDelayMs: 200, maxDelayMs: 1_000 };

const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));

/**
 * The operations the scenarios are made of, each timed into the Recorder: create → QR, scan →
 * connected, send (accepted ids are kept for the settle and invariant checks), status reads. Waiting for
 * a QR or for connected goes through the shared Poller (few probes, with backoff), and the latencies
 * come from the timestamps in the session record, so how often the harness looks does not change them.
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
    /** Where samples go; a stepped run swaps it between steps. */
    public recorder: Recorder,
    private readonly poller: Poller,
    private readonly timeoutMs = 120_000,
  ) {}

  session(n: number): LoadSession {
    return { id: `lt-${this.tag}-${n}`, workspaceId: 1 + (n % 997), phone: `1557${String(n).padStart(7, '0')}` };
  }

  /**
   * Create → QR → scan → connected. `scanGate` bounds the scans in flight (the virtual phone's pairing
   * work); the wait for connected after a scan is outside it. Returns false (and records why) on failure.
   */
  async pair(session: LoadSession, scanGate?: <T>(task: () => Promise<T>) => Promise<T>): Promise<boolean> {
    const qr = await this.createAndWaitQr(session);
    if (qr === undefined) return false;
    const scan = (): Promise<number | undefined> => this.scan(session);
    const scannedAt = scanGate ? await scanGate(scan) : await scan();
    if (scannedAt === undefined) return false;
    const ok = await this.waitConnected(session, scannedAt);
    if (ok) this.paired.push(session);
    return ok;
  }

  async createAndWaitQr(session: LoadSession): Promise<string | undefined> {
    const started = Date.now();
    const created = await this.timed('api_create', () =>
      this.fleet.api('POST', '/api/sessions/create', { session_id: session.id, workspace_id: session.workspaceId, account_id: 'load' }),
    );
    if (created === undefined) return undefined;
    if (created.status >= 300) return this.fail('create', `${created.status} ${JSON.stringify(created.body)}`);
    this.created += 1;
    const view = await this.poller.wait(
      async () => {
        const current = await this.statusView(session.id);
        return current && (current.qr || GAVE_UP.has(current.status)) ? current : undefined;
      },
      { ...QR_WAIT, timeoutMs: this.timeoutMs },
    );
    if (view === undefined) return this.fail('qr_timeout', session.id);
    if (!view.qr) return this.fail('qr_none', `${session.id}: ${view.status} ${view.last_error ?? ''}`);
    const seenMs = Date.now() - started;
    // Seen within 60 s of the create, the live QR is the socket's first; later it may be a successor.
    const exact = seenMs < FIRST_QR_TTL_MS && view.qr_expires_at !== null;
    this.recorder.record('qr', started, exact ? clamp(view.qr_expires_at! - FIRST_QR_TTL_MS - started, 0, seenMs) : seenMs);
    return view.qr;
  }

  /** Scans the session's current QR (a new one may have replaced the first); returns when the scan began. */
  async scan(session: LoadSession): Promise<number | undefined> {
    const started = Date.now();
    try {
      const qr = await this.fleet.api('GET', `/api/sessions/${session.id}/qr?format=raw`);
      if (qr.status !== 200) return this.fail('qr_gone', `${session.id}: ${JSON.stringify(qr.body)}`);
      await this.fleet.simulator.scan(qr.body.qr, session.phone);
      return started;
    } catch (error) {
      return this.fail('scan', `${session.id}: ${String(error)}`);
    }
  }

  /** Waits until the record says connected; the latency is scan → the worker's write (updated_at). */
  async waitConnected(session: LoadSession, scannedAt: number): Promise<boolean> {
    const view = await this.poller.wait(
      async () => {
        const current = await this.statusView(session.id);
        return current && (current.status === 'connected' || GAVE_UP.has(current.status)) ? current : undefined;
      },
      { ...CONNECT_WAIT, timeoutMs: this.timeoutMs },
    );
    if (view === undefined) return this.fail('connect_timeout', session.id) ?? false;
    if (view.status !== 'connected') return this.fail('connect_failed', `${session.id}: ${view.status} ${view.last_error ?? ''}`) ?? false;
    this.recorder.record('connect', scannedAt, clamp(view.updated_at - scannedAt, 0, Date.now() - scannedAt));
    return true;
  }

  /** GET status, timed as api_status; the status string. */
  async status(sessionId: string): Promise<string | undefined> {
    return (await this.statusView(sessionId))?.status;
  }

  /** One text with an idempotency key; the accepted id is remembered. */
  async send(session: LoadSession): Promise<string | undefined> {
    this.counter += 1;
    const n = this.counter;
    const started = Date.now();
    const to = `+1555888${String(n % 1000).padStart(4, '0')}`;
    const body = { session_id: session.id, to, text: `load ${this.tag} ${n}`, idempotency_key: `lt-${this.tag}-${n}` };
    const answer = await this.timed('api_send', () => this.fleet.api('POST', '/api/messages/send', body));
    if (answer === undefined) return undefined;
    if (answer.status !== 202) return this.fail('send', `${answer.status} ${JSON.stringify(answer.body)}`);
    this.accepted.set(answer.body.message_id, { sessionId: session.id, phone: session.phone, to, startedAt: started });
    return answer.body.message_id as string;
  }

  private async statusView(sessionId: string): Promise<StatusView | undefined> {
    const answer = await this.timed('api_status', () => this.fleet.api('GET', `/api/sessions/${sessionId}/status`));
    if (answer === undefined) return undefined;
    if (answer.status !== 200) return this.fail('status', `${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body as StatusView;
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

import type { LocalFleet } from './local-fleet';

export interface TrafficOptions {
  readonly sessions: readonly string[];
  /** Pause between sends. Default 40 ms (25 messages/s). */
  readonly intervalMs?: number;
}

/**
 * Sends text messages round-robin through the ingress until stopped, remembering every accepted
 * message id (202) so that a test can check each one reached WhatsApp exactly once.
 */
export class Traffic {
  readonly accepted = new Map<string, { sessionId: string; text: string }>();
  readonly rejected: Array<{ status: number; body: unknown }> = [];
  private running = false;
  private loop: Promise<void> | undefined;
  private counter = 0;
  private readonly tag = Math.random().toString(36).slice(2, 8);

  constructor(
    private readonly fleet: LocalFleet,
    private readonly options: TrafficOptions,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const sessionId = this.options.sessions[this.counter % this.options.sessions.length]!;
      this.counter += 1;
      const text = `traffic ${this.tag} ${this.counter}`;
      try {
        const res = await this.fleet.api('POST', '/api/messages/send', {
          session_id: sessionId,
          to: '+15550009999',
          text,
          idempotency_key: `t-${this.tag}-${this.counter}`,
        });
        if (res.status === 202) this.accepted.set(res.body.message_id, { sessionId, text });
        else this.rejected.push(res);
      } catch (error) {
        this.rejected.push({ status: 0, body: String(error) });
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.intervalMs ?? 40));
    }
  }
}

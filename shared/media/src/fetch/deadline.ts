/** One time limit over several steps (connections, redirects, a body): what remains, and a timer at its end. */
export class Deadline {
  private readonly end: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(limitMs: number) {
    this.end = Date.now() + limitMs;
  }

  remaining(): number {
    return Math.max(0, this.end - Date.now());
  }

  /** Calls `expired` when the time is up (once; replaces an earlier callback), unless cleared first. */
  onExpiry(expired: () => void): void {
    this.clear();
    this.timer = setTimeout(expired, this.remaining());
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

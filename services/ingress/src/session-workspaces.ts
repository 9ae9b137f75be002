/**
 * The workspace of each session this ingress accepted a message for lately (bounded; the oldest
 * first out). With it a send names the worker expected to run its session before its accept, which
 * then publishes the wake-up itself: no round trip of its own. Only a hint: the accept publishes only
 * when the session is still in that workspace, and a worker that hears a wake-up for a session it does
 * not run hands it on as its shard's job.
 */
export class SessionWorkspaces {
  private readonly workspaces = new Map<string, number>();

  constructor(private readonly capacity = 50_000) {}

  get(sessionId: string): number | undefined {
    return this.workspaces.get(sessionId);
  }

  remember(sessionId: string, workspaceId: number): void {
    if (this.workspaces.get(sessionId) === workspaceId) return;
    this.workspaces.delete(sessionId);
    this.workspaces.set(sessionId, workspaceId);
    if (this.workspaces.size <= this.capacity) return;
    const [oldest] = this.workspaces.keys();
    if (oldest !== undefined) this.workspaces.delete(oldest);
  }
}

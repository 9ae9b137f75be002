/** The decrypted messages an account sent, capped (oldest dropped first), with O(1) lookup by id. */
export interface SentMessage {
  id: string
  /** recipient JID (user, no device), e.g. `15550001111@s.whatsapp.net` */
  to: string
  /** decrypted text (conversation or extended text), `null` for other message kinds */
  text: string | null
  /** protobuf message kind, e.g. `conversation`, `extendedTextMessage`, `imageMessage` */
  kind: string
  /** milliseconds since epoch when the simulator received it */
  timestamp: number
  status: 'server_ack' | 'delivered' | 'read'
}

export class SentLog {
  private readonly byId = new Map<string, SentMessage>()

  constructor(private readonly capacity: number) {}

  add(message: SentMessage): void {
    this.byId.delete(message.id)
    this.byId.set(message.id, message)
    if (this.byId.size > this.capacity) {
      const oldest = this.byId.keys().next()
      if (!oldest.done) this.byId.delete(oldest.value)
    }
  }

  get(id: string): SentMessage | undefined {
    return this.byId.get(id)
  }

  /** Messages in arrival order; `since` filters by timestamp (inclusive). */
  list(since = 0): SentMessage[] {
    const out: SentMessage[] = []
    for (const message of this.byId.values()) if (message.timestamp >= since) out.push({ ...message })
    return out
  }

  get size(): number {
    return this.byId.size
  }

  clear(): void {
    this.byId.clear()
  }
}

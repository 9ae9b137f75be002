/**
 * Signal identities of simulated users (contacts, and the phones that scan QRs), made ahead of need.
 * On WhatsApp a contact's keys exist long before anyone writes to them: the server hands out a stored
 * bundle, it does not mint an identity (two key pairs and an XEdDSA signature, about 1 ms here) in
 * the middle of a first message. The pool keeps up to `size` ready and refills only while the
 * simulator is otherwise idle (its event loop less than `IDLE_SHARE` busy with other work over the
 * last check), a slice at a time, so filling never competes with load; `take()` mints one on the
 * spot when the pool is empty.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks'
import { initAuthCreds } from 'baileys'
import type { AuthenticationCreds } from 'baileys'

/** Identities minted per event-loop turn while refilling (a few ms each turn). */
const BATCH = 4
/** At most this much minting per check, so a refill never holds the loop for long. */
const SLICE_MS = 100
/** The simulator counts as idle while other work kept its event loop busy less than this share. */
const IDLE_SHARE = 0.1

export interface IdentityPoolOptions {
  /** Identities kept ready; 0 = none (each minted on first use). */
  readonly size: number
  /** How often idleness is checked (and a slice minted when idle). */
  readonly checkMs: number
  /** Whether the process is idle enough to mint; default: event-loop utilization by other work. */
  readonly isIdle?: () => boolean
}

export class IdentityPool {
  private readonly ready: AuthenticationCreds[] = []
  private timer: NodeJS.Timeout | undefined
  private minting = false
  private closed = false
  /** Event-loop time spent minting since the last check (not counted as other work). */
  private mintMs = 0
  private lastCheck: EventLoopUtilization = performance.eventLoopUtilization()

  constructor(private readonly options: IdentityPoolOptions) {}

  /** Identities ready to hand out. */
  get available(): number {
    return this.ready.length
  }

  /** Starts the idle checks. */
  start(): void {
    if (this.options.size > 0 && !this.closed) this.schedule()
  }

  /** A never-used identity: from the pool, or minted now. */
  take(): AuthenticationCreds {
    return this.ready.pop() ?? initAuthCreds()
  }

  close(): void {
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
  }

  private schedule(): void {
    this.timer = setTimeout(() => this.check(), this.options.checkMs)
    this.timer.unref()
  }

  private check(): void {
    if (this.closed) return
    if (!this.minting && this.ready.length < this.options.size && this.idle()) this.mintSlice()
    this.schedule()
  }

  private idle(): boolean {
    const now = performance.eventLoopUtilization()
    const delta = performance.eventLoopUtilization(now, this.lastCheck)
    this.lastCheck = now
    const others = Math.max(0, delta.active - this.mintMs) / Math.max(1, delta.active + delta.idle)
    this.mintMs = 0
    return this.options.isIdle ? this.options.isIdle() : others < IDLE_SHARE
  }

  private mintSlice(): void {
    this.minting = true
    const sliceEnd = performance.now() + SLICE_MS
    const step = (): void => {
      const started = performance.now()
      for (let i = 0; i < BATCH && this.ready.length < this.options.size; i += 1) this.ready.push(initAuthCreds())
      this.mintMs += performance.now() - started
      if (!this.closed && this.ready.length < this.options.size && performance.now() < sliceEnd) setImmediate(step)
      else this.minting = false
    }
    setImmediate(step)
  }
}

import type { WriteBatch } from './disk-ops';

/** An operation for an auth-state I/O thread (see disk-ops for what each does). */
export type DiskOperation =
  | { readonly op: 'open'; readonly dir: string; readonly epoch: number }
  | { readonly op: 'write'; readonly batch: WriteBatch }
  | { readonly op: 'check'; readonly dir: string; readonly epoch: number }
  | { readonly op: 'clear'; readonly dir: string; readonly epoch: number }
  | { readonly op: 'claim'; readonly dir: string; readonly epoch: number; readonly holder: string }
  /** The thread is about to stop: close the journals it keeps open. */
  | { readonly op: 'release' };

export type DiskRequest = DiskOperation & { readonly id: number };

/** What the error of a failed operation carries back (an Error does not cross threads intact). */
export interface DiskErrorInfo {
  readonly message: string;
  readonly code?: string;
  readonly syscall?: string;
  readonly path?: string;
}

export type DiskReply = { readonly id: number; readonly result: unknown } | { readonly id: number; readonly error: DiskErrorInfo };

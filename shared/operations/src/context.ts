import type { Redis } from 'ioredis';
import type { ClusterView } from '@fleet/cluster';
import type { Keys } from '@fleet/keys';
import type { SessionStore } from '@fleet/state';

/** What an operation needs: a started ClusterView over the same Redis and keys. */
export interface OperationsContext {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly cluster: ClusterView;
  readonly sessions: SessionStore;
}

/** Progress lines for long operations (fleetctl prints them; the admin API ignores them). */
export type Progress = (line: string) => void;

export const noProgress: Progress = () => undefined;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

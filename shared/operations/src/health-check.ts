import type { WorkerInfo } from '@fleet/cluster';

/** What the checklist's HealthMonitor reports per instance. */
export interface InstanceHealth {
  readonly instance: string;
  readonly url: string;
  readonly status: 'healthy' | 'unhealthy' | 'unreachable';
  readonly sessions?: number;
  readonly max?: number;
  readonly utilization?: number;
  readonly draining: boolean;
  readonly error?: string;
}

interface HealthBody {
  readonly sessions?: { readonly total?: number; readonly max?: number; readonly utilization?: number };
}

/**
 * GETs `/health` of every registered worker with a timeout (default 5 s, as in the checklist): a 2xx
 * is healthy, any other answer unhealthy, no answer unreachable. Runs the requests in parallel.
 */
export async function checkInstances(workers: readonly WorkerInfo[], options: { timeoutMs?: number } = {}): Promise<InstanceHealth[]> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  return Promise.all(workers.map((worker) => checkOne(worker, timeoutMs)));
}

async function checkOne(worker: WorkerInfo, timeoutMs: number): Promise<InstanceHealth> {
  const base = { instance: worker.instanceId, url: worker.url, draining: worker.draining };
  try {
    const response = await fetch(new URL('/health', worker.url), { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.json().catch(() => ({}))) as HealthBody;
    return {
      ...base,
      status: response.ok ? 'healthy' : 'unhealthy',
      sessions: body.sessions?.total,
      max: body.sessions?.max,
      utilization: body.sessions?.utilization,
      ...(response.ok ? {} : { error: `HTTP ${response.status}` }),
    };
  } catch (error) {
    return { ...base, status: 'unreachable', error: describe(error) };
  }
}

function describe(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out';
  const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
  return cause?.code ?? (error instanceof Error ? error.message : String(error));
}

import { checkInstances, measureStorageLatency, STORAGE_LATENCY_LIMIT_MS, type StorageCheckResult } from '@fleet/operations';
import { UsageError, type Command } from '../command';
import { formatTable } from '../format';
import { withOperations } from '../operations-context';
import { parseOptions } from '../options';

interface Row {
  readonly where: string;
  readonly result?: StorageCheckResult;
  readonly error?: string;
}

/**
 * Write / fsync / rename / read latency of SESSION_STORAGE_PATH, measured here (`--path` or the
 * SESSION_STORAGE_PATH variable) and by every live worker (`GET /storage-check`, an admin route: it
 * sends the first key of API_KEYS), flagging medians over the checklist's 10 ms. Exit code 0 only
 * when everything measured is under the limit.
 */
export const storageCheckCommand: Command = {
  name: 'storage-check',
  summary: 'Latency of write, fsync, rename and read on SESSION_STORAGE_PATH, here and from each worker (limit 10 ms)',
  usage: 'fleetctl storage-check [--path DIR] [--no-workers] [--json]',
  async run(context) {
    const options = parseOptions(context.args, ['json', 'no-workers'], ['path']);
    const localPath = options.value('path') ?? context.env.SESSION_STORAGE_PATH;
    if (!localPath && options.flag('no-workers')) throw new UsageError('nothing to check: give --path or SESSION_STORAGE_PATH, or drop --no-workers');
    const rows: Row[] = [];
    if (localPath) rows.push(await measureHere(localPath));
    const adminKey = context.env.API_KEYS?.split(',')
      .map((key) => key.trim())
      .find((key) => key.length > 0);
    if (!options.flag('no-workers')) rows.push(...(await withOperations(context, async (ops) => askWorkers((await ops.cluster.refresh()).workers, adminKey))));
    if (options.flag('json')) context.out.write(`${JSON.stringify({ limit_ms: STORAGE_LATENCY_LIMIT_MS, checks: rows }, null, 2)}\n`);
    else context.out.write(formatTable(rows.flatMap(tableRows)));
    return rows.length > 0 && rows.every((row) => row.result?.ok === true) ? 0 : 1;
  },
};

async function measureHere(dir: string): Promise<Row> {
  try {
    return { where: 'local', result: await measureStorageLatency(dir) };
  } catch (error) {
    return { where: 'local', error: error instanceof Error ? error.message : String(error) };
  }
}

async function askWorkers(workers: Parameters<typeof checkInstances>[0], adminKey: string | undefined): Promise<Row[]> {
  const headers: Record<string, string> = adminKey ? { authorization: `Bearer ${adminKey}` } : {};
  return Promise.all(
    workers.map(async (worker): Promise<Row> => {
      try {
        const response = await fetch(new URL('/storage-check', worker.url), { headers, signal: AbortSignal.timeout(30_000) });
        if (!response.ok) return { where: worker.instanceId, error: await failureOf(response, adminKey) };
        return { where: worker.instanceId, result: (await response.json()) as StorageCheckResult };
      } catch (error) {
        return { where: worker.instanceId, error: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
}

/** `HTTP 401: <the worker's message>`, saying when no key was sent. */
async function failureOf(response: Response, adminKey: string | undefined): Promise<string> {
  const body = (await response.json().catch(() => undefined)) as { error?: { message?: unknown } } | undefined;
  const message = typeof body?.error?.message === 'string' ? `: ${body.error.message}` : '';
  const hint = !adminKey && (response.status === 401 || response.status === 403) ? ' (set API_KEYS for fleetctl)' : '';
  return `HTTP ${response.status}${message}${hint}`;
}

function tableRows(row: Row): Array<Record<string, string | number>> {
  if (!row.result) return [{ where: row.where, path: '-', operation: '-', median_ms: '-', max_ms: '-', verdict: `ERROR ${row.error ?? ''}` }];
  const { result } = row;
  return result.latencies.map((latency) => ({
    where: row.where,
    path: result.path,
    operation: latency.operation,
    median_ms: latency.medianMs,
    max_ms: latency.maxMs,
    verdict: latency.overLimit ? `SLOW (> ${STORAGE_LATENCY_LIMIT_MS} ms)` : 'ok',
  }));
}

import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { isSnapshotId, SNAPSHOT_ID_PATTERN, SnapshotNotFoundError, type BackupRequest, type SnapshotListing, type SnapshotStore } from '@fleet/backups';
import { ApiError } from '@fleet/errors';
import type { IngressDeps } from '../deps';
import { COMMON_ERRORS, json } from './responses';

// The snapshot catalogue (read from the backups' bucket) and requests to the backup service (through
// its queue): the ingress never reads the session tree itself (it has no SESSION_STORAGE_PATH).

const BackupRequestView = z
  .object({
    request_id: z.string(),
    kind: z.enum(['snapshot', 'verify']),
    snapshot_id: z.string().nullable().openapi({ description: 'The snapshot a verification is for; null for a snapshot' }),
    state: z.enum(['waiting', 'active']),
    requested_at: z.number(),
  })
  .openapi('BackupRequest');

const VerificationView = z.object({
  state: z.enum(['verified', 'corrupt', 'unverified']).openapi({
    description: 'verified: the archive was read back and every file matched the manifest; corrupt: it did not (problems); unverified: never checked',
  }),
  verified_at: z.number().nullable(),
  problems: z.array(z.string()),
});

const SnapshotView = z
  .object({
    snapshot_id: z.string(),
    created_at: z.number(),
    age_seconds: z.number(),
    archive_bytes: z.number().openapi({ description: 'Size of the compressed archive in S3' }),
    complete: z.boolean().openapi({ description: 'false: the archive has no manifest (interrupted upload); never restorable' }),
    verification: VerificationView,
  })
  .openapi('Snapshot');

const BackupsView = z
  .object({
    snapshots: z.array(SnapshotView).openapi({ description: 'Newest first' }),
    total: z.number().openapi({ description: 'Snapshots in the bucket (the list shows the newest `limit`)' }),
    pending: z.array(BackupRequestView).openapi({ description: 'Snapshots and verifications waiting or running now' }),
    backup_service: z.object({ consumers: z.number().openapi({ description: 'Backup service processes taking requests now' }) }),
  })
  .openapi('Backups');

const UNAVAILABLE = {
  503: json(
    z.object({ error: z.object({ code: z.string(), message: z.string() }) }),
    'No backup service takes requests (BACKUP_SERVICE_UNAVAILABLE), or S3 did not answer (DEPENDENCY_UNAVAILABLE)',
  ),
};

const listBackups = createRoute({
  method: 'get',
  path: '/api/admin/backups',
  summary: 'Snapshots in S3 with size, age and verification state; requests waiting or running',
  request: {
    query: z.object({
      limit: z.coerce
        .number()
        .int()
        .min(1)
        .max(200)
        .default(50)
        .openapi({ param: { name: 'limit', in: 'query' }, example: 50 }),
    }),
  },
  responses: { 200: json(BackupsView, 'The catalogue'), ...COMMON_ERRORS, ...UNAVAILABLE },
});

const takeBackup = createRoute({
  method: 'post',
  path: '/api/admin/backups',
  summary: 'Ask the backup service for a snapshot now (then retention and verification, as scheduled ones)',
  responses: {
    202: json(BackupRequestView, 'Queued for the backup service'),
    200: json(BackupRequestView, 'A snapshot was already waiting or running: that one'),
    ...COMMON_ERRORS,
    ...UNAVAILABLE,
  },
});

const SnapshotParam = z.object({
  id: z
    .string()
    .regex(SNAPSHOT_ID_PATTERN, 'a snapshot id such as 20261128T230000Z-1a2b3c')
    .openapi({ param: { name: 'id', in: 'path' }, example: '20261128T230000Z-1a2b3c' }),
});

const verifyBackup = createRoute({
  method: 'post',
  path: '/api/admin/backups/{id}/verify',
  summary: 'Ask the backup service to read a snapshot back and check it against its manifest',
  request: { params: SnapshotParam },
  responses: {
    202: json(BackupRequestView, 'Queued for the backup service'),
    200: json(BackupRequestView, 'A verification of this snapshot was already waiting or running: that one'),
    404: json(z.object({ error: z.object({ code: z.string(), message: z.string() }) }), 'No complete snapshot with that id (BACKUP_NOT_FOUND)'),
    ...COMMON_ERRORS,
    ...UNAVAILABLE,
  },
});

export function registerBackupRoutes(app: OpenAPIHono, deps: IngressDeps): void {
  const { store, requests } = deps.backups;

  app.openapi(listBackups, async (c) => {
    const { limit } = c.req.valid('query');
    const [listed, pending, consumers] = await Promise.all([fromS3(store.list()), requests.pending(), requests.consumers()]);
    const newest = listed.slice(-limit).reverse();
    const now = Date.now();
    const snapshots = await fromS3(Promise.all(newest.map((listing) => snapshotView(store, listing, now))));
    return c.json({ snapshots, total: listed.length, pending: pending.map(requestView), backup_service: { consumers } }, 200);
  });

  app.openapi(takeBackup, async (c) => {
    await assertBackupService(deps);
    const { request, created } = await requests.requestSnapshot();
    return c.json(requestView(request), created ? 202 : 200);
  });

  app.openapi(verifyBackup, async (c) => {
    const { id } = c.req.valid('param');
    if (!isSnapshotId(id)) throw new SnapshotNotFoundError(id);
    const listing = (await fromS3(store.list())).find((l) => l.id === id);
    if (!listing?.complete) throw new SnapshotNotFoundError(id);
    await assertBackupService(deps);
    const { request, created } = await requests.requestVerify(id);
    return c.json(requestView(request), created ? 202 : 200);
  });
}

async function assertBackupService(deps: IngressDeps): Promise<void> {
  if ((await deps.backups.requests.consumers()) > 0) return;
  throw new ApiError('BACKUP_SERVICE_UNAVAILABLE', 'no backup service process is taking requests; start fleet-backup and retry');
}

async function snapshotView(store: SnapshotStore, listing: SnapshotListing, now: number): Promise<z.infer<typeof SnapshotView>> {
  const verification = listing.verificationStored ? await store.getVerification(listing.id) : undefined;
  return {
    snapshot_id: listing.id,
    created_at: listing.createdAt.getTime(),
    age_seconds: Math.max(0, Math.round((now - listing.createdAt.getTime()) / 1000)),
    archive_bytes: listing.archiveBytes,
    complete: listing.complete,
    verification: verification
      ? { state: verification.ok ? 'verified' : 'corrupt', verified_at: verification.verifiedAt, problems: [...verification.problems].slice(0, 20) }
      : { state: 'unverified', verified_at: null, problems: [] },
  };
}

function requestView(request: BackupRequest): z.infer<typeof BackupRequestView> {
  return { request_id: request.id, kind: request.kind, snapshot_id: request.snapshotId, state: request.state, requested_at: request.requestedAt };
}

/** S3 not answering (or refusing) is a dependency being unavailable: 503, never a 500 with its internals. */
async function fromS3<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof ApiError || error instanceof SnapshotNotFoundError) throw error;
    throw new ApiError('DEPENDENCY_UNAVAILABLE', 'the backups bucket (S3) did not answer; retry later', { dependency: 's3' }, error);
  }
}

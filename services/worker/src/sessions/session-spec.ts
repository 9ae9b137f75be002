import { SessionSecretError, type SessionRecord, type SessionSecrets } from '@fleet/state';
import type { SessionSpec } from '../connector/types';
import { sessionDir } from './storage-path';

/**
 * What the connector needs to run `record` under the lease of `epoch`: its storage directory, the
 * phone to link by pairing code (while it is not linked) and its proxy URL, opened here with
 * SESSION_SECRETS_KEY. A proxy that does not open throws SESSION_SECRET_UNREADABLE (the start then
 * fails for good, with that reason), never a start without it.
 */
export function sessionSpec(record: SessionRecord, epoch: number, storagePath: string, secrets: SessionSecrets | undefined): SessionSpec {
  const { sessionId, workspaceId, accountId } = record;
  return {
    sessionId,
    workspaceId,
    accountId,
    epoch,
    storageDir: sessionDir(storagePath, workspaceId, sessionId),
    ...(record.pairingPhone && !record.phone ? { pairingPhone: record.pairingPhone } : {}),
    ...(record.proxy ? { proxyUrl: openProxy(record, secrets) } : {}),
  };
}

function openProxy(record: SessionRecord, secrets: SessionSecrets | undefined): string {
  if (!secrets || !record.proxy) throw new SessionSecretError('this worker has no SESSION_SECRETS_KEY to open the proxy with');
  return secrets.open(record.proxy.sealed, record.sessionId);
}

import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Curve, initAuthCreds, type SignalDataSet } from 'baileys';
import { FileAuthState } from '@fleet/worker';

export interface GeneratedState {
  readonly files: number;
  readonly bytes: number;
}

/**
 * Writes one session's auth state the way a paired session has it, through the worker's real
 * FileAuthState and Baileys' own key generation: creds (noise, identity, signed pre-key), 30
 * one-time pre-keys, `sessions` Signal sessions (~2 KB each, as libsignal records of a few ratchet
 * steps), two app-state sync keys and an app-state version.
 */
export async function writeRealisticSession(root: string, workspaceId: number, sessionId: string, sessions = 8): Promise<void> {
  const dir = path.join(root, `workspace_${workspaceId}`, sessionId);
  const store = await FileAuthState.open({ dir, sessionId, epoch: 1, fsync: false });
  const creds = initAuthCreds();
  Object.assign(store.state.creds, creds, {
    me: { id: `1555${String(workspaceId).padStart(3, '0')}${sessionId.slice(-4)}:1@s.whatsapp.net`, name: 'bench' },
    registered: true,
    nextPreKeyId: 31,
    firstUnuploadedPreKeyId: 31,
  });
  await store.saveCreds();
  const data: SignalDataSet = { 'pre-key': {}, session: {}, 'app-state-sync-key': {}, 'app-state-sync-version': {} };
  for (let id = 1; id <= 30; id += 1) data['pre-key']![String(id)] = Curve.generateKeyPair();
  for (let i = 0; i < sessions; i += 1) data.session![`1555${String(i).padStart(7, '0')}.0`] = randomBytes(1500);
  for (let i = 0; i < 2; i += 1) {
    data['app-state-sync-key']![randomBytes(6).toString('base64')] = {
      keyData: randomBytes(32),
      fingerprint: { rawId: i, currentIndex: 1, deviceIndexes: [0, 1] },
      timestamp: Date.now(),
    } as never;
  }
  data['app-state-sync-version']!['critical_block'] = { version: 12, hash: randomBytes(128), indexValueMap: {} };
  await store.state.keys.set(data);
  await store.close();
}

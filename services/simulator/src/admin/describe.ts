/** Read-only JSON views of simulator state for the admin API. */
import type { SimContext } from '../context';
import type { Account } from '../state/account';
import type { AccountDetails, AccountSummary, PendingQr } from './types';

const FIRST_QR_MS = 60_000;
const NEXT_QR_MS = 20_000;

export function summarizeAccount(account: Account): AccountSummary {
  return {
    phone: account.phone,
    devices: account.devices.size,
    connections: account.sessions.size,
    maxConcurrent: account.maxConcurrent,
    conflicts: account.conflicts,
    messagesReceived: account.messagesReceived,
    messagesDelivered: account.messagesDelivered,
    decryptFailures: account.decryptFailures,
    retryReceipts: account.retryReceipts,
    duplicates: account.duplicates,
    sentByType: { ...account.sentByType },
    mediaUploads: account.mediaUploads,
    mediaFailures: account.mediaFailures,
  };
}

export function describeAccount(account: Account): AccountDetails {
  const connectedDevices = new Set([...account.sessions].map((session) => session.device.id));
  return {
    ...summarizeAccount(account),
    jid: account.jid,
    createdAt: account.createdAt,
    logins: account.logins,
    queuedIncoming: account.pendingIncoming.length,
    sentStored: account.sent.size,
    autoReadMs: account.autoReadMs,
    faults: { ...account.faults },
    deviceList: [...account.devices.values()].map((device) => ({
      id: device.id,
      jid: device.jid,
      registeredAt: device.registeredAt,
      lastLoginAt: device.lastLoginAt,
      logins: device.logins,
      preKeys: device.keys.preKeys.size,
      appStateKeyShared: device.appStateKeyShared,
      connected: connectedDevices.has(device.id),
    })),
  };
}

export function describeQrs(ctx: SimContext): PendingQr[] {
  const now = Date.now();
  return [...ctx.registry.pending].map((registration) => {
    const ageMs = now - registration.createdAt;
    const index = ageMs < FIRST_QR_MS ? 0 : 1 + Math.floor((ageMs - FIRST_QR_MS) / NEXT_QR_MS);
    const currentRef = registration.refs[Math.min(index, registration.refs.length - 1)] ?? '';
    return {
      currentRef,
      refs: [...registration.refs],
      qrPrefix: [currentRef, registration.noiseKey, registration.identityKey.toString('base64')].join(','),
      ageMs,
      scanned: registration.scanned,
    };
  });
}

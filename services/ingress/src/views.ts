import type { MessageRecord } from '@fleet/messages';
import type { SessionRecord } from '@fleet/state';

/** Whether the record shows a QR that can still be scanned. */
export function hasLiveQr(record: SessionRecord, now = Date.now()): boolean {
  return record.status === 'qr' && record.qr !== undefined && (record.qrExpiresAt ?? 0) > now;
}

/** Whether the record shows a pairing code that can still be entered on the phone. */
export function hasLivePairingCode(record: SessionRecord, now = Date.now()): boolean {
  return record.pairingCode !== undefined && (record.pairingCodeExpiresAt ?? 0) > now;
}

/**
 * API representation of a session record (snake_case, nulls instead of absent fields). `linking`:
 * whether the caller may link a device (`canLink`); without it the QR and pairing code are null.
 */
export function sessionView(record: SessionRecord, owner: string | null, linking = true, now = Date.now()) {
  const qrLive = linking && hasLiveQr(record, now);
  const codeLive = linking && hasLivePairingCode(record, now);
  return {
    session_id: record.sessionId,
    workspace_id: record.workspaceId,
    account_id: record.accountId,
    shard: record.shard,
    instance: owner,
    status: record.status,
    desired: record.desired,
    phone: record.phone ?? null,
    qr: qrLive ? record.qr! : null,
    qr_expires_at: qrLive ? record.qrExpiresAt! : null,
    last_error: record.lastError ?? null,
    pairing_phone_number: record.pairingPhone ?? null,
    pairing_code: codeLive ? record.pairingCode! : null,
    pairing_code_expires_at: codeLive ? record.pairingCodeExpiresAt! : null,
    // Never the URL itself (it may carry credentials): whether there is one, its scheme and host.
    proxy: record.proxy ? { configured: true, scheme: record.proxy.scheme, host: record.proxy.host } : { configured: false, scheme: null, host: null },
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

export function messageView(record: MessageRecord) {
  return {
    message_id: record.messageId,
    session_id: record.sessionId,
    workspace_id: record.workspaceId,
    status: record.status,
    type: record.type,
    failed_reason: record.failedReason ?? null,
    attempts: record.attempts,
    sequence: record.seq ?? null,
    idempotency_key: record.idempotencyKey ?? null,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    sent_at: record.sentAt ?? null,
    delivered_at: record.deliveredAt ?? null,
    read_at: record.readAt ?? null,
  };
}

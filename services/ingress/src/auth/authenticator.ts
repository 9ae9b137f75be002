import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from '@fleet/errors';
import { adminPrincipal, type Principal } from './principal';
import type { WorkspaceKeyCache } from './workspace-key-cache';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
const BEARER = /^Bearer\s+(\S+)$/i;

/**
 * Tells who a bearer key belongs to: an admin key (`API_KEYS`, compared as sha256 digests in constant
 * time) or a live workspace key. Anything else is 401 UNAUTHORIZED.
 */
export class Authenticator {
  private readonly admin: ReadonlyArray<{ readonly digest: Buffer; readonly principal: Principal }>;

  constructor(
    adminKeys: readonly string[],
    private readonly workspaceKeys: WorkspaceKeyCache,
  ) {
    // The rate limit bucket of an admin key is named by a digest of it, never by the key.
    this.admin = adminKeys.map((key) => {
      const hash = digest(key);
      return { digest: hash, principal: adminPrincipal(`admin:${hash.subarray(0, 8).toString('hex')}`) };
    });
  }

  async authenticate(authorization: string | undefined): Promise<Principal> {
    const token = BEARER.exec(authorization ?? '')?.[1];
    if (!token) throw new ApiError('UNAUTHORIZED', 'a valid bearer API key is required');
    const given = digest(token);
    let admin: Principal | undefined;
    // Every admin key is compared (no early exit), so the time taken says nothing of which matched.
    for (const entry of this.admin) if (timingSafeEqual(entry.digest, given)) admin = entry.principal;
    if (admin) return admin;
    const check = await this.workspaceKeys.check(token);
    if (!check.ok) {
      throw new ApiError('UNAUTHORIZED', check.reason === 'revoked' ? 'this API key was revoked' : 'a valid bearer API key is required');
    }
    const { record } = check;
    return { kind: 'workspace', id: record.id, workspaceId: record.workspaceId, scopes: record.scopes, bucket: `ws:${record.id}` };
  }
}

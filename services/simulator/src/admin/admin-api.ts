/**
 * The in-process admin API: everything the HTTP routes do, callable directly from tests and other
 * packages. Inputs are validated here (unknown shapes allowed), so both entry points behave the same.
 */
import type { SimContext } from '../context';
import type { Connection } from '../connection/connection';
import type { Account } from '../state/account';
import { AccountNotFoundError, BadRequestError, MessageNotFoundError, NotConnectedError, NotRunningError } from '../errors';
import { scanQr, assertPhone } from '../protocol/pairing';
import { enterLinkCode } from '../protocol/link-code';
import { markStatus } from '../protocol/recipient';
import { receipt } from '../protocol/nodes';
import { applyDisconnect } from './disconnect';
import { describeAccount, summarizeAccount, describeQrs } from './describe';
import { parseFaults, parseReceipts, parseSentFeed, parseSettings } from './validate';
import { parseIncoming } from './validate-incoming';
import { deliverIncomingRequest } from './incoming';
import { createGroup, describeGroup, findGroup } from './groups';
import { openSentMedia, readSentMedia, type SentMediaStream } from './sent-media';
import type {
  AccountDetails,
  AccountSummary,
  Faults,
  FaultsResult,
  GroupInfo,
  IncomingResult,
  LoggedMessage,
  PendingLinkCode,
  PendingQr,
  ScanResult,
  SentPage,
  SentTotals,
  StatsSnapshot,
} from './types';

export class AdminApi {
  constructor(
    protected readonly ctx: SimContext,
    private readonly isRunning: () => boolean,
  ) {}

  pendingQrs(): PendingQr[] {
    return describeQrs(this.ctx);
  }

  /** Scans a QR as the virtual phone `phone`; resolves once the client signed the pairing (then 515). */
  async scan(qr: unknown, phone: unknown): Promise<ScanResult> {
    this.assertRunning();
    return scanQr(this.ctx, qr, phone);
  }

  /**
   * The phone `phone` enters the pairing code its companion showed ("Link with phone number"):
   * resolves once the device is linked (then 515), or fails with LINK_CODE_MISMATCH for a wrong code.
   */
  async enterLinkCode(phone: unknown, code: unknown): Promise<ScanResult> {
    this.assertRunning();
    return enterLinkCode(this.ctx, phone, code);
  }

  /** Companions that asked to be linked by code and wait for it to be entered. */
  pendingLinkCodes(): PendingLinkCode[] {
    const now = Date.now();
    return [...this.ctx.registry.linkCodes.values()].flatMap(({ linkCode }) =>
      linkCode ? [{ phone: linkCode.phone, ref: linkCode.ref, platform: linkCode.platform, ageMs: now - linkCode.requestedAt }] : [],
    );
  }

  /**
   * Makes `phones` simulated WhatsApp users (contacts): usync answers them as on WhatsApp. Accounts
   * (phones that linked a device) and contacts that wrote or were written to are users already.
   */
  addUsers(request: unknown): { users: number } {
    const phones = (request as { phones?: unknown } | undefined)?.phones;
    if (!Array.isArray(phones) || phones.length === 0 || phones.length > 1000)
      throw new BadRequestError('phones must be a list of 1 to 1000 phone numbers', { field: 'phones' });
    for (const phone of phones) assertPhone(phone);
    for (const phone of phones as string[]) this.ctx.registry.peer(phone);
    return { users: phones.length };
  }

  accounts(): AccountSummary[] {
    return [...this.ctx.registry.accounts.values()].map(summarizeAccount);
  }

  account(phone: string): AccountDetails {
    return describeAccount(this.requireAccount(phone));
  }

  /**
   * Delivers a message to the account's devices (see IncomingRequest): any type, from a contact, in a
   * group, as a reply, or from the account's own phone (fromMe). Media is encrypted onto the media host.
   */
  async incoming(phone: string, request: unknown): Promise<IncomingResult> {
    this.assertRunning();
    const account = this.requireAccount(phone);
    return deliverIncomingRequest(this.ctx, account, parseIncoming(request));
  }

  /** Creates a group (`{subject, participants, admins?}`); accounts in it can read, send and receive. */
  createGroup(request: unknown): GroupInfo {
    return createGroup(this.ctx, request);
  }

  groups(): GroupInfo[] {
    return this.ctx.registry.groups.all().map(describeGroup);
  }

  /** A group by id or JID. */
  group(id: string): GroupInfo {
    return describeGroup(findGroup(this.ctx, id));
  }

  /** The decrypted bytes of a media message the account sent (once the simulator verified them). */
  sentMedia(phone: string, messageId: string): Promise<Buffer> {
    return readSentMedia(this.ctx, this.requireAccount(phone), messageId);
  }

  /** The same, as a stream, with its mimetype, size and hash. */
  sentMediaStream(phone: string, messageId: string): SentMediaStream {
    return openSentMedia(this.ctx, this.requireAccount(phone), messageId);
  }

  sent(phone: string, since = 0): LoggedMessage[] {
    return this.requireAccount(phone).sent.list(since);
  }

  /**
   * The account's sent log after a cursor (`{after, limit}`), oldest first: follow it with `next` to see
   * every message exactly as often as it was received; `truncated` says records were dropped unread.
   */
  sentFeed(phone: string, request: unknown = {}): SentPage {
    const { after, limit } = parseSentFeed(request);
    return this.requireAccount(phone).sent.after(after, limit);
  }

  /** Messages ever received per account, copies included: one cheap call to see which feeds moved. */
  sentTotals(): SentTotals {
    const totals: Record<string, number> = {};
    for (const [phone, account] of this.ctx.registry.accounts) totals[phone] = account.sent.total;
    return { totals };
  }

  receipts(phone: string, request: unknown): { sent: number } {
    const account = this.requireAccount(phone);
    const { messageIds, type } = parseReceipts(request);
    const missing = messageIds.filter((id) => !account.sent.get(id));
    if (missing.length) throw new MessageNotFoundError(missing);
    const session = latestSession(account);
    if (!session) throw new NotConnectedError(phone);
    const byChat = new Map<string, string[]>();
    for (const id of messageIds) {
      const to = account.sent.get(id)?.to ?? '';
      byChat.set(to, [...(byChat.get(to) ?? []), id]);
    }
    for (const [to, ids] of byChat) {
      // in a group, every other participant reads
      const group = this.ctx.registry.groups.get(to);
      if (!group) session.send(receipt(ids, to, type));
      else for (const reader of group.participants.keys()) if (reader !== account.phone) session.send(receipt(ids, to, type, `${reader}@s.whatsapp.net`));
    }
    markStatus(account, messageIds, type);
    return { sent: byChat.size };
  }

  faults(phone: string, request: unknown): FaultsResult {
    const account = this.requireAccount(phone);
    const { disconnect, forgetSessions, ...persistent } = parseFaults(request);
    account.faults = { ...account.faults, ...persistent };
    const sessionsForgotten = forgetSessions ? this.forgetSessions(account) : 0;
    const disconnected = disconnect === undefined ? 0 : applyDisconnect(this.ctx, account, disconnect);
    return { faults: { ...account.faults }, disconnected, sessionsForgotten };
  }

  /** Every contact drops its Signal sessions with the account's devices; returns how many it had. */
  private forgetSessions(account: Account): number {
    let forgotten = 0;
    for (const peer of this.ctx.registry.peers.values()) {
      for (const device of account.devices.values()) {
        if (!peer.hasSession(device.jid)) continue;
        peer.dropSession(device.jid);
        forgotten += 1;
      }
    }
    return forgotten;
  }

  clearFaults(phone: string): Faults {
    const account = this.requireAccount(phone);
    account.faults = { dropPings: false, delayMs: 0, rateLimitSends: false, failLogin: null };
    return { ...account.faults };
  }

  settings(phone: string, request: unknown): { autoReadMs: number | null } {
    const account = this.requireAccount(phone);
    const { autoReadMs } = parseSettings(request);
    if (autoReadMs !== undefined) account.autoReadMs = autoReadMs;
    return { autoReadMs: account.autoReadMs };
  }

  /** Cheap liveness summary (no per-account work). */
  health(): { status: 'ok'; socketsOpen: number; accounts: number; uptimeMs: number } {
    return {
      status: 'ok',
      socketsOpen: this.ctx.counters.socketsOpen,
      accounts: this.ctx.registry.accounts.size,
      uptimeMs: Date.now() - this.ctx.startedAt,
    };
  }

  stats(): StatsSnapshot {
    const { counters, registry } = this.ctx;
    return {
      uptimeMs: Date.now() - this.ctx.startedAt,
      ...counters,
      accounts: registry.accounts.size,
      pendingQrs: registry.pending.size,
      identitiesReady: this.ctx.identities.available,
      mediaStore: this.ctx.media.store.stats(),
      groups: registry.groups.all().length,
      perAccount: this.accounts(),
    };
  }

  protected requireAccount(phone: string): Account {
    assertPhone(phone);
    const account = this.ctx.registry.account(phone);
    if (!account) throw new AccountNotFoundError(phone);
    return account;
  }

  private assertRunning(): void {
    if (!this.isRunning()) throw new NotRunningError();
  }
}

function latestSession(account: Account): Connection | undefined {
  let latest: Connection | undefined;
  for (const session of account.sessions) {
    const connection = session as Connection;
    if (connection.ready && (!latest || connection.openedAt >= latest.openedAt)) latest = connection;
  }
  return latest;
}

/** A small typed HTTP client for the admin API, for other packages' tests and load scripts. */
import type {
  AccountDetails,
  AccountSummary,
  CreateGroupRequest,
  ErrorBody,
  Faults,
  FaultsRequest,
  FaultsResult,
  GroupInfo,
  IncomingRequest,
  IncomingResult,
  LoggedMessage,
  PendingLinkCode,
  PendingQr,
  ReceiptRequest,
  ScanResult,
  SentPage,
  SentTotals,
  SettingsRequest,
  StatsSnapshot,
} from './types';

export class SimulatorClientError extends Error {
  override readonly name = 'SimulatorClientError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly context?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export class SimulatorClient {
  private readonly base: string;

  /** `baseUrl`: the simulator's origin (`http://127.0.0.1:7780`) or its adminUrl (`.../admin`). */
  constructor(
    baseUrl: string,
    private readonly timeoutMs = 15_000,
  ) {
    this.base = baseUrl.replace(/\/+$/, '').replace(/\/admin$/, '');
  }

  health(): Promise<{ status: string; socketsOpen: number; accounts: number; uptimeMs: number }> {
    return this.request('GET', '/health');
  }

  stats(): Promise<StatsSnapshot> {
    return this.request('GET', '/admin/stats');
  }

  async pendingQrs(): Promise<PendingQr[]> {
    return (await this.request<{ qrs: PendingQr[] }>('GET', '/admin/qrs')).qrs;
  }

  scan(qr: string, phone: string): Promise<ScanResult> {
    return this.request('POST', '/admin/scan', { qr, phone });
  }

  /** The phone `phone` enters a pairing code (see AdminApi.enterLinkCode). */
  enterLinkCode(phone: string, code: string): Promise<ScanResult> {
    return this.request('POST', '/admin/link-code', { phone, code });
  }

  async pendingLinkCodes(): Promise<PendingLinkCode[]> {
    return (await this.request<{ linkCodes: PendingLinkCode[] }>('GET', '/admin/link-codes')).linkCodes;
  }

  /** Makes phones simulated WhatsApp users (usync answers them as on WhatsApp). */
  addUsers(phones: string[]): Promise<{ users: number }> {
    return this.request('POST', '/admin/users', { phones });
  }

  async accounts(): Promise<AccountSummary[]> {
    return (await this.request<{ accounts: AccountSummary[] }>('GET', '/admin/accounts')).accounts;
  }

  account(phone: string): Promise<AccountDetails> {
    return this.request('GET', `/admin/accounts/${encodeURIComponent(phone)}`);
  }

  incoming(phone: string, request: IncomingRequest): Promise<IncomingResult> {
    return this.request('POST', `/admin/accounts/${encodeURIComponent(phone)}/incoming`, request);
  }

  async sent(phone: string, since = 0): Promise<LoggedMessage[]> {
    const path = `/admin/accounts/${encodeURIComponent(phone)}/sent${since ? `?since=${since}` : ''}`;
    return (await this.request<{ messages: LoggedMessage[] }>('GET', path)).messages;
  }

  /** The account's sent log after the cursor `after` (a seq), at most `limit` (≤ 1000) records. */
  sentFeed(phone: string, after = 0, limit?: number): Promise<SentPage> {
    const query = `?after=${after}${limit === undefined ? '' : `&limit=${limit}`}`;
    return this.request('GET', `/admin/accounts/${encodeURIComponent(phone)}/sent-feed${query}`);
  }

  /** Messages ever received per account (phone → total), copies included. */
  async sentTotals(): Promise<Record<string, number>> {
    return (await this.request<SentTotals>('GET', '/admin/sent-totals')).totals;
  }

  receipts(phone: string, request: ReceiptRequest): Promise<{ sent: number }> {
    return this.request('POST', `/admin/accounts/${encodeURIComponent(phone)}/receipts`, request);
  }

  faults(phone: string, request: FaultsRequest): Promise<FaultsResult> {
    return this.request('POST', `/admin/accounts/${encodeURIComponent(phone)}/faults`, request);
  }

  async clearFaults(phone: string): Promise<Faults> {
    return (await this.request<{ faults: Faults }>('DELETE', `/admin/accounts/${encodeURIComponent(phone)}/faults`)).faults;
  }

  settings(phone: string, request: SettingsRequest): Promise<{ autoReadMs: number | null }> {
    return this.request('POST', `/admin/accounts/${encodeURIComponent(phone)}/settings`, request);
  }

  createGroup(request: CreateGroupRequest): Promise<GroupInfo> {
    return this.request('POST', '/admin/groups', request);
  }

  async groups(): Promise<GroupInfo[]> {
    return (await this.request<{ groups: GroupInfo[] }>('GET', '/admin/groups')).groups;
  }

  group(id: string): Promise<GroupInfo> {
    return this.request('GET', `/admin/groups/${encodeURIComponent(id)}`);
  }

  /** The decrypted bytes of a media message the account sent (404 MEDIA_NOT_FOUND unless it verified). */
  async sentMedia(phone: string, messageId: string): Promise<Buffer> {
    const response = await fetch(`${this.base}/admin/accounts/${encodeURIComponent(phone)}/sent/${encodeURIComponent(messageId)}/media`, {
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) throw await clientError(response);
    return Buffer.from(await response.arrayBuffer());
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) throw await clientError(response);
    return (await response.json()) as T;
  }
}

async function clientError(response: Response): Promise<SimulatorClientError> {
  const json = (await response.json().catch(() => undefined)) as ErrorBody | undefined;
  const error = json?.error;
  return new SimulatorClientError(response.status, error?.code ?? 'HTTP_ERROR', error?.message ?? `HTTP ${response.status}`, error?.context);
}

// The console's only way to the fleet: the public HTTP API with the signed-in key as a Bearer token.

/** An answer of the API that is not 2xx: its status and the error body's code and message. */
export class ApiFailure extends Error {
  override readonly name = 'ApiFailure';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** The signed-in key as `GET /api/keys/current` answers it (the ingress's `CurrentApiKey`). */
export interface KeyInfo {
  readonly kind: 'admin' | 'workspace';
  readonly id: string | null;
  readonly workspace_id: number | null;
  /** Every scope for an admin key; a workspace key's own (always listed: a key made without scopes has all five). */
  readonly scopes: readonly Scope[];
}

/** The scopes of workspace keys (`@fleet/api-keys`), plus `admin` for the admin-only pages and routes. */
export type Scope = 'sessions:read' | 'sessions:write' | 'messages:send' | 'events:read' | 'webhooks:write';

export type Query = Record<string, string | number | undefined | null>;

export class Api {
  constructor(
    private readonly key: string,
    private readonly onUnauthorized: () => void,
  ) {}

  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', withQuery(path, query), undefined, signal);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.key}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal, cache: 'no-store' });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | undefined)?.error;
      const failure = new ApiFailure(
        response.status,
        error?.code ?? `HTTP_${response.status}`,
        error?.message ?? (response.statusText || 'request failed'),
        error?.details,
      );
      if (response.status === 401) this.onUnauthorized();
      throw failure;
    }
    return parsed as T;
  }

  /** What the key may do (`GET /api/keys/current`); a key the ingress refuses rejects with 401. */
  whoAmI(): Promise<KeyInfo> {
    return this.get<KeyInfo>('/api/keys/current');
  }
}

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/**
 * Whether the key may use the routes of `scope` (the ingress's ROUTE_ACCESS): an admin key every one,
 * a workspace key the scopes it holds and never the admin routes. The console offers only those actions.
 */
export function can(key: KeyInfo, scope: Scope | 'admin'): boolean {
  if (key.kind === 'admin') return true;
  return scope !== 'admin' && key.scopes.includes(scope);
}

export function describeError(error: unknown): string {
  if (error instanceof ApiFailure) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}

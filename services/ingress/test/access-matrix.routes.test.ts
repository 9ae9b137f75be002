import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { ApiKeyStore, SCOPES, type Scope } from '@fleet/api-keys';
import { WebhookStore } from '@fleet/events';
import { SessionStore } from '@fleet/state';
import { ROUTE_ACCESS } from '../src/auth/route-access';
import { API_KEY, startIngress, type IngressHarness } from './helpers';
import { mediaSettings, startS3 } from './media-helpers';

// Every route of the ingress, read from its own OpenAPI document, against every kind of key. A route
// added without a line in ROUTE_ACCESS, or without a fixture here, fails this test.

const A = 11; // the workspace of the keys under test
const B = 12; // another workspace

interface Call {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly form?: FormData;
}

interface Answer {
  readonly status: number;
  readonly code: string | undefined;
  readonly message: string | undefined;
  readonly body: any;
}

interface Ctx {
  readonly h: IngressHarness;
  /** A fresh session of workspace `ws`; with a pending QR when asked. */
  session(ws: number, options?: { qr?: boolean }): Promise<string>;
  /** A fresh queued message of a fresh session of workspace `ws`. */
  message(ws: number): Promise<string>;
  /** A fresh uploaded media object of workspace `ws`, with its signed link (path and query). */
  media(ws: number): Promise<{ id: string; link: string }>;
  /** A fresh workspace key id of `ws`. */
  keyId(ws: number): Promise<string>;
  /** A webhook set for `ws`. */
  webhook(ws: number): Promise<void>;
}

interface Fixture {
  /** A valid request on fresh resources of workspace `ws` (made anew for every call). */
  request(ctx: Ctx, ws: number): Promise<Call>;
  /** The same request naming a resource that does not exist (routes that find a resource by its id). */
  missing?(ctx: Ctx): Promise<Call>;
  /** What a caller allowed to use the route gets; default any 2xx. */
  allowed?: { readonly status: number; readonly code?: string };
  /** Scope routes: the 404 code a workspace key of another workspace gets. */
  hidden?: string;
}

const fresh = (label: string): string => `${label}-${randomBytes(4).toString('hex')}`;
const NO_MESSAGE = `3EB0${'0'.repeat(20)}`;
const NO_MEDIA = `med_${'0'.repeat(24)}`;

function image(ws: number): FormData {
  const form = new FormData();
  form.append('workspace_id', String(ws));
  form.append('type', 'image');
  form.append('file', new Blob([Buffer.from('\x89PNG not really an image')], { type: 'image/png' }), 'x.png');
  return form;
}

const get = (path: string): Call => ({ method: 'GET', path });
const webhookBody = { url: 'https://crm.example.com/hook', secret: 'whsec_0123456789abcdef' };

/** One entry per route of the OpenAPI document (`METHOD path`). */
const FIXTURES: Readonly<Record<string, Fixture>> = {
  'GET /health': { request: async () => get('/health') },
  'GET /media/{id}': { request: async (ctx, ws) => get((await ctx.media(ws)).link) },
  'GET /api/keys/current': { request: async () => get('/api/keys/current') },

  'POST /api/sessions/create': {
    request: async (_ctx, ws) => ({ method: 'POST', path: '/api/sessions/create', body: { session_id: fresh('new'), workspace_id: ws, account_id: '1' } }),
    allowed: { status: 202 },
    hidden: 'WORKSPACE_NOT_FOUND',
  },
  'GET /api/sessions/{id}/status': {
    request: async (ctx, ws) => get(`/api/sessions/${await ctx.session(ws)}/status`),
    missing: async () => get(`/api/sessions/${fresh('none')}/status`),
    hidden: 'SESSION_NOT_FOUND',
  },
  'GET /api/sessions/{id}/qr': {
    request: async (ctx, ws) => get(`/api/sessions/${await ctx.session(ws, { qr: true })}/qr?format=raw&wait=5`),
    missing: async () => get(`/api/sessions/${fresh('none')}/qr?format=raw&wait=5`),
    hidden: 'SESSION_NOT_FOUND',
  },
  'POST /api/sessions/{id}/stop': {
    request: async (ctx, ws) => ({ method: 'POST', path: `/api/sessions/${await ctx.session(ws)}/stop` }),
    missing: async () => ({ method: 'POST', path: `/api/sessions/${fresh('none')}/stop` }),
    hidden: 'SESSION_NOT_FOUND',
  },
  'POST /api/sessions/{id}/start': {
    request: async (ctx, ws) => ({ method: 'POST', path: `/api/sessions/${await ctx.session(ws)}/start` }),
    missing: async () => ({ method: 'POST', path: `/api/sessions/${fresh('none')}/start` }),
    hidden: 'SESSION_NOT_FOUND',
  },
  'DELETE /api/sessions/{id}': {
    request: async (ctx, ws) => ({ method: 'DELETE', path: `/api/sessions/${await ctx.session(ws)}` }),
    missing: async () => ({ method: 'DELETE', path: `/api/sessions/${fresh('none')}` }),
    hidden: 'SESSION_NOT_FOUND',
  },

  'GET /api/sessions': { request: async (_ctx, ws) => get(`/api/sessions?workspace_id=${ws}`), hidden: 'WORKSPACE_NOT_FOUND' },
  'POST /api/sessions/{id}/restart': {
    request: async (ctx, ws) => ({ method: 'POST', path: `/api/sessions/${await ctx.session(ws)}/restart` }),
    missing: async () => ({ method: 'POST', path: `/api/sessions/${fresh('none')}/restart` }),
    allowed: { status: 202 },
    hidden: 'SESSION_NOT_FOUND',
  },
  'POST /api/sessions/{id}/logout': {
    request: async (ctx, ws) => ({ method: 'POST', path: `/api/sessions/${await ctx.session(ws)}/logout` }),
    missing: async () => ({ method: 'POST', path: `/api/sessions/${fresh('none')}/logout` }),
    allowed: { status: 202 },
    hidden: 'SESSION_NOT_FOUND',
  },
  'POST /api/sessions/{id}/pair': {
    request: async (ctx, ws) => ({ method: 'POST', path: `/api/sessions/${await ctx.session(ws)}/pair`, body: { phone_number: '15550002222' } }),
    missing: async () => ({ method: 'POST', path: `/api/sessions/${fresh('none')}/pair`, body: { phone_number: '15550002222' } }),
    allowed: { status: 202 },
    hidden: 'SESSION_NOT_FOUND',
  },
  'GET /api/sessions/{id}/pairing-code': {
    request: async (ctx, ws) => get(`/api/sessions/${await ctx.session(ws)}/pairing-code`),
    missing: async () => get(`/api/sessions/${fresh('none')}/pairing-code`),
    // No worker runs the session here, so no code is pending: the route's own answer, past the access checks.
    allowed: { status: 404, code: 'PAIRING_CODE_NOT_AVAILABLE' },
    hidden: 'SESSION_NOT_FOUND',
  },
  'PUT /api/sessions/{id}/proxy': {
    request: async (ctx, ws) => ({ method: 'PUT', path: `/api/sessions/${await ctx.session(ws)}/proxy`, body: { proxy_url: 'http://proxy.example.com:3128' } }),
    missing: async () => ({ method: 'PUT', path: `/api/sessions/${fresh('none')}/proxy`, body: { proxy_url: 'http://proxy.example.com:3128' } }),
    hidden: 'SESSION_NOT_FOUND',
  },
  'GET /api/contacts/check': {
    request: async (ctx, ws) => get(`/api/contacts/check?session_id=${await ctx.session(ws)}&phones=15550001111`),
    missing: async () => get(`/api/contacts/check?session_id=${fresh('none')}&phones=15550001111`),
    // The session is not connected (no worker runs it here): the route's own answer.
    allowed: { status: 409, code: 'SESSION_NOT_CONNECTED' },
    hidden: 'SESSION_NOT_FOUND',
  },

  'POST /api/messages/send': {
    request: async (ctx, ws) => ({
      method: 'POST',
      path: '/api/messages/send',
      body: { session_id: await ctx.session(ws), to: '+15550001111', text: 'hello' },
    }),
    missing: async () => ({ method: 'POST', path: '/api/messages/send', body: { session_id: fresh('none'), to: '+15550001111', text: 'hello' } }),
    allowed: { status: 202 },
    hidden: 'SESSION_NOT_FOUND',
  },
  'GET /api/messages/{id}': {
    request: async (ctx, ws) => get(`/api/messages/${await ctx.message(ws)}`),
    missing: async () => get(`/api/messages/${NO_MESSAGE}`),
    hidden: 'MESSAGE_NOT_FOUND',
  },
  'PATCH /api/messages/{id}': {
    request: async (ctx, ws) => ({ method: 'PATCH', path: `/api/messages/${await ctx.message(ws)}`, body: { text: 'edited' } }),
    missing: async () => ({ method: 'PATCH', path: `/api/messages/${NO_MESSAGE}`, body: { text: 'edited' } }),
    // The message is still queued: the route's own answer, past the access checks.
    allowed: { status: 409, code: 'MESSAGE_NOT_EDITABLE' },
    hidden: 'MESSAGE_NOT_FOUND',
  },
  'DELETE /api/messages/{id}': {
    request: async (ctx, ws) => ({ method: 'DELETE', path: `/api/messages/${await ctx.message(ws)}` }),
    missing: async () => ({ method: 'DELETE', path: `/api/messages/${NO_MESSAGE}` }),
    allowed: { status: 200 }, // cancelled before it was sent
    hidden: 'MESSAGE_NOT_FOUND',
  },
  'POST /api/media': {
    request: async (_ctx, ws) => ({ method: 'POST', path: '/api/media', form: image(ws) }),
    allowed: { status: 201 },
    hidden: 'WORKSPACE_NOT_FOUND',
  },
  'GET /api/media/{id}': {
    request: async (ctx, ws) => get(`/api/media/${(await ctx.media(ws)).id}`),
    missing: async () => get(`/api/media/${NO_MEDIA}`),
    hidden: 'MEDIA_NOT_FOUND',
  },

  'GET /api/events': { request: async (_ctx, ws) => get(`/api/events?workspace_id=${ws}`), hidden: 'WORKSPACE_NOT_FOUND' },
  'GET /api/workspaces/{id}/dead-letters': { request: async (_ctx, ws) => get(`/api/workspaces/${ws}/dead-letters`), hidden: 'WORKSPACE_NOT_FOUND' },
  'POST /api/workspaces/{id}/dead-letters/replay': {
    request: async (_ctx, ws) => ({ method: 'POST', path: `/api/workspaces/${ws}/dead-letters/replay`, body: {} }),
    hidden: 'WORKSPACE_NOT_FOUND',
  },
  'PUT /api/workspaces/{id}/webhook': {
    request: async (_ctx, ws) => ({ method: 'PUT', path: `/api/workspaces/${ws}/webhook`, body: webhookBody }),
    hidden: 'WORKSPACE_NOT_FOUND',
  },
  'GET /api/workspaces/{id}/webhook': {
    request: async (ctx, ws) => {
      await ctx.webhook(ws);
      return get(`/api/workspaces/${ws}/webhook`);
    },
    hidden: 'WORKSPACE_NOT_FOUND',
  },
  'DELETE /api/workspaces/{id}/webhook': {
    request: async (ctx, ws) => {
      await ctx.webhook(ws);
      return { method: 'DELETE', path: `/api/workspaces/${ws}/webhook` };
    },
    hidden: 'WORKSPACE_NOT_FOUND',
  },

  'GET /api/instances': { request: async () => get('/api/instances') },
  'GET /api/health/instances': { request: async () => get('/api/health/instances') },
  'POST /api/admin/workspaces/{id}/migrate': {
    request: async (_ctx, ws) => ({ method: 'POST', path: `/api/admin/workspaces/${ws}/migrate`, body: { to: 'instance-1' } }),
  },
  'DELETE /api/admin/workspaces/{id}/pin': { request: async (_ctx, ws) => ({ method: 'DELETE', path: `/api/admin/workspaces/${ws}/pin` }) },
  'POST /api/admin/instances/{id}/drain': { request: async () => ({ method: 'POST', path: '/api/admin/instances/instance-1/drain', body: { undo: true } }) },
  'GET /api/admin/rebalance': { request: async () => get('/api/admin/rebalance') },
  'POST /api/admin/rebalance': { request: async () => ({ method: 'POST', path: '/api/admin/rebalance' }) },
  'GET /api/admin/audit': { request: async () => get('/api/admin/audit') },
  'POST /api/admin/keys': {
    request: async (_ctx, ws) => ({ method: 'POST', path: '/api/admin/keys', body: { workspace_id: ws, name: 'made by the matrix' } }),
    allowed: { status: 201 },
  },
  'GET /api/admin/keys': { request: async (_ctx, ws) => get(`/api/admin/keys?workspace_id=${ws}`) },
  'DELETE /api/admin/keys/{id}': { request: async (ctx, ws) => ({ method: 'DELETE', path: `/api/admin/keys/${await ctx.keyId(ws)}` }) },
  // This ingress's backups bucket is unreachable and no backup service runs: the routes' own answers, past the access checks.
  'GET /api/admin/backups': { request: async () => get('/api/admin/backups'), allowed: { status: 503, code: 'DEPENDENCY_UNAVAILABLE' } },
  'POST /api/admin/backups': {
    request: async () => ({ method: 'POST', path: '/api/admin/backups' }),
    allowed: { status: 503, code: 'BACKUP_SERVICE_UNAVAILABLE' },
  },
  'POST /api/admin/backups/{id}/verify': {
    request: async () => ({ method: 'POST', path: '/api/admin/backups/20261128T230000Z-1a2b3c/verify' }),
    allowed: { status: 503, code: 'DEPENDENCY_UNAVAILABLE' },
  },
};

/** Public paths outside the OpenAPI document. */
const PUBLIC_EXTRAS: Readonly<Record<string, Fixture>> = {
  'GET /metrics': { request: async () => get('/metrics') },
  'GET /openapi.json': { request: async () => get('/openapi.json') },
  'GET /docs': { request: async () => get('/docs') },
};

describe('ingress: every route against every kind of key (in-process, real Redis and s3rver)', function () {
  this.timeout(120_000);
  let s3: Awaited<ReturnType<typeof startS3>>;
  let h: IngressHarness;
  let ctx: Ctx;
  let store: ApiKeyStore;

  before(async () => {
    s3 = await startS3();
    h = await startIngress({ media: mediaSettings(s3.port), bodyLimitBytes: 65_536 });
    await h.addWorker('instance-1', 10_000);
    const sessions = new SessionStore(h.redis, h.ingress.deps.keys);
    store = new ApiKeyStore(h.redis, h.ingress.deps.keys);
    const admin = async (call: Call): Promise<Answer> => {
      const answer = await send(call, API_KEY);
      if (answer.status >= 300) throw new Error(`setup ${call.method} ${call.path}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer;
    };
    ctx = {
      h,
      async session(ws, options = {}) {
        const id = fresh('acc');
        await sessions.create({ sessionId: id, workspaceId: ws, accountId: '1', shard: h.ingress.deps.cluster.route(ws).shard });
        if (options.qr) await sessions.update(id, { status: 'qr', qr: '2@matrix-qr', qrExpiresAt: Date.now() + 60_000 });
        return id;
      },
      async message(ws) {
        const answer = await admin({
          method: 'POST',
          path: '/api/messages/send',
          body: { session_id: await this.session(ws), to: '+15550002222', text: 'to edit or revoke' },
        });
        return answer.body.message_id as string;
      },
      async media(ws) {
        const answer = await admin({ method: 'POST', path: '/api/media', form: image(ws) });
        const url = new URL(answer.body.url as string);
        return { id: answer.body.media_id as string, link: `${url.pathname}${url.search}` };
      },
      async keyId(ws) {
        return (await store.create({ workspaceId: ws })).record.id;
      },
      async webhook(ws) {
        await new WebhookStore(h.redis, h.ingress.deps.keys).set(ws, { ...webhookBody, events: [] });
      },
    };
  });

  after(async () => {
    await h?.close();
    await s3?.close();
  });

  async function send(call: Call, key: string | null): Promise<Answer> {
    const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
    let body: string | FormData | undefined;
    if (call.form) body = call.form;
    else if (call.body !== undefined) {
      body = JSON.stringify(call.body);
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const response = await h.ingress.app.request(call.path, { method: call.method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    let parsed: any = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON (a PNG, metrics, a media file)
    }
    return { status: response.status, code: parsed?.error?.code, message: parsed?.error?.message, body: parsed };
  }

  async function operations(): Promise<Array<{ route: string; label: string | undefined }>> {
    const doc = (await send(get('/openapi.json'), null)).body as { paths: Record<string, Record<string, { 'x-fleet-scope'?: string }>> };
    return Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, label: operation['x-fleet-scope'] })),
    );
  }

  it('declares the access of every route of the OpenAPI document, and has a fixture for each here', async () => {
    const ops = await operations();
    expect(ops.length).to.be.greaterThan(30);
    expect(
      ops.filter((op) => op.label === undefined).map((op) => op.route),
      'routes missing from ROUTE_ACCESS',
    ).to.deep.equal([]);
    expect(
      ops.filter((op) => !FIXTURES[op.route]).map((op) => op.route),
      'routes without a fixture in this test',
    ).to.deep.equal([]);
    for (const op of ops) {
      if (op.label !== 'public' && op.label !== 'any' && op.label !== 'admin') {
        expect(SCOPES as readonly string[], op.route).to.include(op.label);
        expect(FIXTURES[op.route]?.hidden, `${op.route}: a scope route needs its "hidden" 404 code`).to.be.a('string');
      }
    }
  });

  it('answers each route as its access says, for no key, wrong keys, admin, scoped, unscoped, other-workspace and revoked keys', async () => {
    const full = (await store.create({ workspaceId: A, name: 'full' })).key;
    const other = (await store.create({ workspaceId: B, name: 'other workspace' })).key;
    const revokedKey = await store.create({ workspaceId: A, name: 'revoked' });
    await store.revoke(revokedKey.record.id);
    const lacking = new Map<Scope, string>();
    for (const scope of SCOPES) lacking.set(scope, (await store.create({ workspaceId: A, scopes: SCOPES.filter((s) => s !== scope) })).key);
    const wrong = ['wrong-key-0123456789abcdef', `fk_${full.slice(3, 19)}_${'A'.repeat(43)}`, `fk_0123456789abcdef_${'B'.repeat(43)}`];

    const problems: string[] = [];
    const expectThat = (route: string, who: string, answer: Answer, ok: boolean, wanted: string): void => {
      if (!ok) problems.push(`${route} with ${who}: wanted ${wanted}, got ${answer.status} ${answer.code ?? ''} ${answer.message ?? ''}`);
    };
    const isAllowed = (fixture: Fixture, answer: Answer): boolean => {
      if (
        answer.code === 'UNAUTHORIZED' ||
        answer.code === 'FORBIDDEN' ||
        answer.code === 'SCOPE_REQUIRED' ||
        (fixture.hidden && answer.code === fixture.hidden)
      )
        return false;
      if (!fixture.allowed) return answer.status >= 200 && answer.status < 300;
      return answer.status === fixture.allowed.status && (fixture.allowed.code === undefined || answer.code === fixture.allowed.code);
    };
    const allowedText = (fixture: Fixture): string => (fixture.allowed ? `${fixture.allowed.status} ${fixture.allowed.code ?? ''}` : '2xx');

    const ops = await operations();
    const extras = Object.keys(PUBLIC_EXTRAS).map((route) => ({ route, label: 'public' }));
    for (const { route, label } of [...ops, ...extras]) {
      const fixture = FIXTURES[route] ?? PUBLIC_EXTRAS[route];
      if (!fixture || !label) continue; // reported by the test above
      const call = (key: string | null): Promise<Answer> => fixture.request(ctx, A).then((request) => send(request, key));
      if (label === 'public') {
        const answer = await call(null);
        expectThat(route, 'no key', answer, isAllowed(fixture, answer), allowedText(fixture));
        continue;
      }
      for (const [who, key] of [['no key', null], ...wrong.map((k, i) => [`wrong key ${i + 1}`, k]), ['a revoked key', revokedKey.key]] as Array<
        [string, string | null]
      >) {
        const answer = await call(key);
        expectThat(route, who, answer, answer.status === 401 && answer.code === 'UNAUTHORIZED', '401 UNAUTHORIZED');
      }
      const byAdmin = await call(API_KEY);
      expectThat(route, 'the admin key', byAdmin, isAllowed(fixture, byAdmin), allowedText(fixture));

      const byFull = await call(full);
      const byOther = await call(other);
      if (label === 'admin') {
        expectThat(route, 'a workspace key', byFull, byFull.status === 403 && byFull.code === 'FORBIDDEN', '403 FORBIDDEN');
        expectThat(route, "another workspace's key", byOther, byOther.status === 403 && byOther.code === 'FORBIDDEN', '403 FORBIDDEN');
        continue;
      }
      expectThat(route, 'a key of the workspace', byFull, isAllowed(fixture, byFull), allowedText(fixture));
      if (label === 'any') {
        expectThat(route, "another workspace's key", byOther, isAllowed(fixture, byOther), allowedText(fixture));
        continue;
      }
      const scope = label as Scope;
      const byLacking = await call(lacking.get(scope)!);
      expectThat(
        route,
        `a key without ${scope}`,
        byLacking,
        byLacking.status === 403 && byLacking.code === 'SCOPE_REQUIRED' && byLacking.body?.error?.details?.scope === scope,
        `403 SCOPE_REQUIRED (scope ${scope})`,
      );
      // Holding every other scope does not help; holding this one is enough.
      const only = (await store.create({ workspaceId: A, scopes: [scope] })).key;
      const byOnly = await call(only);
      expectThat(route, `a key with ${scope} alone`, byOnly, isAllowed(fixture, byOnly), allowedText(fixture));
      expectThat(route, "another workspace's key", byOther, byOther.status === 404 && byOther.code === fixture.hidden, `404 ${fixture.hidden}`);
      if (fixture.missing) {
        // Another workspace's resource is answered exactly as one that does not exist.
        const absent = await send(await fixture.missing(ctx), API_KEY);
        const same = absent.status === byOther.status && absent.code === byOther.code && absent.message === byOther.message;
        expectThat(
          route,
          "another workspace's key (vs. a missing resource)",
          byOther,
          same,
          `the answer to a missing resource: ${absent.status} ${absent.code} ${absent.message}`,
        );
      }
    }
    expect(problems).to.deep.equal([]);
  });

  it('keeps the table and the routes equal: every Hono route has a line in ROUTE_ACCESS, every line a route', () => {
    const served = new Set(
      h.ingress.app.routes.filter((route) => route.method !== 'ALL').map((route) => `${route.method} ${route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`),
    );
    expect(
      [...served].filter((route) => !ROUTE_ACCESS[route]),
      'served routes missing from ROUTE_ACCESS',
    ).to.deep.equal([]);
    expect(
      Object.keys(ROUTE_ACCESS).filter((route) => !served.has(route)),
      'ROUTE_ACCESS lines with no route',
    ).to.deep.equal([]);
  });
});

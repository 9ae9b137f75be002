import { expect } from 'chai';
import { startIngress, type IngressHarness } from './helpers';

describe('ingress: GET /api/sessions (in-process, real Redis)', () => {
  let h: IngressHarness;
  beforeEach(async () => {
    h = await startIngress();
    await h.addWorker('instance-1');
  });
  afterEach(async () => h.close());

  const create = (id: string, workspace: number) => h.call('POST', '/api/sessions/create', { session_id: id, workspace_id: workspace, account_id: '1' });
  const ids = (body: { sessions: Array<{ session_id: string }> }) => body.sessions.map((session) => session.session_id);

  /** Every id of a query, following next_cursor. */
  async function walk(query: string): Promise<string[]> {
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: any } = await h.call('GET', `/api/sessions?${query}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status, JSON.stringify(page.body)).to.equal(200);
      all.push(...ids(page.body));
      cursor = page.body.next_cursor;
    } while (cursor);
    return all;
  }

  it("pages a workspace's sessions (or the fleet's) in id order, with the same objects as GET /status", async () => {
    for (const id of ['b', 'a', 'd', 'c', 'e']) await create(id, 3);
    await create('x', 4);
    const first = await h.call('GET', '/api/sessions?workspace_id=3&limit=2');
    expect(first.status).to.equal(200);
    expect(ids(first.body)).to.deep.equal(['a', 'b']);
    expect(first.body.next_cursor).to.be.a('string');
    const status = await h.call('GET', '/api/sessions/a/status');
    expect(first.body.sessions[0]).to.deep.equal(status.body);
    expect(first.body.sessions[0]).to.include({ pairing_code: null, pairing_phone_number: null });
    expect(first.body.sessions[0].proxy).to.deep.equal({ configured: false, scheme: null, host: null });
    expect(await walk('workspace_id=3&limit=2')).to.deep.equal(['a', 'b', 'c', 'd', 'e']);
    expect(await walk('limit=4')).to.deep.equal(['a', 'b', 'c', 'd', 'e', 'x']);
    const last = await h.call('GET', '/api/sessions?workspace_id=4');
    expect(last.body).to.deep.include({ next_cursor: null });
    expect((await h.call('GET', '/api/sessions?workspace_id=99')).body).to.deep.equal({ sessions: [], next_cursor: null });
  });

  it('filters by status and searches id or phone prefixes', async () => {
    for (const id of ['shop-1', 'shop-2', 'desk-1']) await create(id, 3);
    await h.ingress.deps.sessions.update('shop-2', { status: 'connected', phone: '4915112345' });
    await h.ingress.deps.sessions.update('desk-1', { status: 'connected', phone: '15550001111' });
    expect(await walk('workspace_id=3&status=connected&limit=1')).to.deep.equal(['desk-1', 'shop-2']);
    expect(await walk('workspace_id=3&status=starting')).to.deep.equal(['shop-1']);
    expect(await walk('workspace_id=3&search=shop')).to.deep.equal(['shop-1', 'shop-2']);
    expect(await walk('search=%2B49151')).to.deep.equal(['shop-2']);
    expect(await walk('search=shop&status=connected')).to.deep.equal(['shop-2']);
    const deleting = await h.call('DELETE', '/api/sessions/shop-1');
    expect(deleting.status).to.equal(202);
    expect(await walk('status=deleting')).to.deep.equal(['shop-1']);
  });

  it('shows the QR and pairing code only to keys that may link a device (sessions:write)', async () => {
    await create('shown', 3);
    const expires = Date.now() + 60_000;
    await h.ingress.deps.sessions.update('shown', {
      status: 'qr',
      qr: 'ref,key,identity,adv',
      qrExpiresAt: expires,
      pairingCode: 'ABCD1234',
      pairingCodeExpiresAt: expires,
    });
    const keyWith = async (scopes: string[]) => `Bearer ${(await h.call('POST', '/api/admin/keys', { workspace_id: 3, scopes })).body.key}`;
    const reader = await keyWith(['sessions:read']);
    const writer = await keyWith(['sessions:read', 'sessions:write']);
    for (const [authorization, seen] of [
      [reader, false],
      [writer, true],
    ] as const) {
      const status = await h.call('GET', '/api/sessions/shown/status', undefined, { authorization });
      const list = await h.call('GET', '/api/sessions?workspace_id=3', undefined, { authorization });
      for (const view of [status.body, list.body.sessions[0]]) {
        expect(view.status).to.equal('qr');
        expect(view.qr !== null && view.pairing_code !== null, JSON.stringify(view)).to.equal(seen);
        expect(view.qr === null && view.pairing_code === null && view.qr_expires_at === null).to.equal(!seen);
      }
    }
  });

  it('answers 400 for a cursor it did not hand out, a bad status, search or limit', async () => {
    await create('a', 3);
    const cursor = await h.call('GET', '/api/sessions?cursor=not-a-cursor');
    expect(cursor.status).to.equal(400);
    expect(cursor.body.error.code).to.equal('INVALID_CURSOR');
    for (const query of ['status=happy', 'limit=0', 'limit=201', 'limit=ten', 'search=a%20b', 'search=', 'workspace_id=0x10']) {
      const answer = await h.call('GET', `/api/sessions?${query}`);
      expect(answer.status, query).to.equal(400);
      expect(answer.body.error.code, query).to.be.oneOf(['VALIDATION_FAILED', 'INVALID_ID']);
    }
    expect((await h.call('GET', '/api/sessions', undefined, { authorization: '' })).status).to.equal(401);
  });

  it('at 3,000 sessions a page reads only the records it shows', async function () {
    this.timeout(120_000);
    const store = h.ingress.deps.sessions;
    for (let batch = 0; batch < 30; batch += 1) {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => {
          const n = batch * 100 + i;
          return store.create({ sessionId: `load-${String(n).padStart(4, '0')}`, workspaceId: 1 + (n % 3), accountId: '1', shard: 0 });
        }),
      );
    }
    const read: number[] = [];
    const getMany = store.getMany.bind(store);
    store.getMany = async (sessionIds) => {
      read.push(sessionIds.length);
      return getMany(sessionIds);
    };
    const page = await h.call('GET', '/api/sessions?limit=50&cursor=' + Buffer.from('load-1000').toString('base64url'));
    expect(ids(page.body)).to.deep.equal(Array.from({ length: 50 }, (_, i) => `load-${1001 + i}`));
    expect(read).to.deep.equal([50]);
    expect(await walk('workspace_id=2&limit=200')).to.have.length(1000);
  });

  it('is in the OpenAPI document with its query parameters', async () => {
    const doc = (await h.call('GET', '/openapi.json')).body;
    const names = doc.paths['/api/sessions'].get.parameters.map((p: { name: string }) => p.name);
    expect(names).to.have.members(['workspace_id', 'status', 'search', 'cursor', 'limit']);
  });
});

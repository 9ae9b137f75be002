import { expect } from 'chai';
import { DeadLetterStore, EventLog, WebhookStore } from '@fleet/events';
import { createKeys } from '@fleet/keys';
import { startIngress, type IngressHarness } from './helpers';

describe('ingress: webhook, events and dead-letter routes (in-process, real Redis)', () => {
  let h: IngressHarness;

  beforeEach(async () => {
    h = await startIngress();
  });

  afterEach(async () => {
    await h.close();
  });

  it('stores a webhook, never returns its secret, validates it, and deletes it', async () => {
    expect((await h.call('GET', '/api/workspaces/5/webhook')).body.error.code).to.equal('WEBHOOK_NOT_FOUND');
    const put = await h.call('PUT', '/api/workspaces/5/webhook', {
      url: 'https://crm.example.com/hook',
      secret: 'whsec_0123456789abcdef',
      events: ['message.*'],
    });
    expect(put.status).to.equal(200);
    expect(put.body).to.deep.include({ workspace_id: 5, url: 'https://crm.example.com/hook', events: ['message.*'], secret_set: true });
    const got = await h.call('GET', '/api/workspaces/5/webhook');
    expect(got.status).to.equal(200);
    expect(JSON.stringify(got.body)).to.not.contain('whsec_');
    for (const bad of [
      { url: 'ftp://x.example.com', secret: 'whsec_0123456789abcdef' },
      { url: 'https://x.example.com', secret: 'short' },
      { url: 'https://x.example.com', secret: 'whsec_0123456789abcdef', events: ['nope'] },
    ]) {
      const answer = await h.call('PUT', '/api/workspaces/5/webhook', bad);
      expect(answer.status, JSON.stringify(bad)).to.equal(400);
      expect(answer.body.error.code).to.equal('VALIDATION_FAILED');
    }
    expect((await h.call('PUT', '/api/workspaces/0/webhook', { url: 'https://x.example.com', secret: 'whsec_0123456789abcdef' })).status).to.equal(400);
    expect((await h.call('DELETE', '/api/workspaces/5/webhook')).body).to.deep.equal({ workspace_id: 5, deleted: true });
    expect((await h.call('DELETE', '/api/workspaces/5/webhook')).body).to.deep.equal({ workspace_id: 5, deleted: false });
    expect((await h.call('GET', '/api/workspaces/5/webhook')).status).to.equal(404);
  });

  it('lists events after a sequence, page by page', async () => {
    const log = new EventLog(h.redis, createKeys(h.prefix));
    for (let i = 0; i < 5; i += 1) await log.append(7, 'message.sent', { message_id: `m${i}`, session_id: 's', status: 'sent' });
    await log.append(8, 'session.logged_out', { session_id: 'x', account_id: '1' });
    const page = await h.call('GET', '/api/events?workspace_id=7&since=1&limit=2');
    expect(page.status).to.equal(200);
    expect(page.body.events.map((e: { sequence: number }) => e.sequence)).to.deep.equal([2, 3]);
    expect(page.body).to.include({ workspace_id: 7, next_since: 3, latest_sequence: 5, oldest_available: 1, truncated: false });
    expect(page.body.events[0]).to.include({ type: 'message.sent', workspace_id: 7 });
    const rest = await h.call('GET', '/api/events?workspace_id=7&since=3');
    expect(rest.body.events.map((e: { sequence: number }) => e.sequence)).to.deep.equal([4, 5]);
    const empty = await h.call('GET', '/api/events?workspace_id=7&since=5');
    expect(empty.body).to.include({ next_since: 5 });
    expect(empty.body.events).to.deep.equal([]);
    expect((await h.call('GET', '/api/events?since=0')).status).to.equal(400);
    expect((await h.call('GET', '/api/events?workspace_id=abc')).status).to.equal(400);
    expect((await h.call('GET', '/api/events?workspace_id=7&since=-1')).status).to.equal(400);
  });

  it("blanks a session's QR and pairing code in the events of a key that may not link a device (events:read without sessions:write)", async () => {
    const log = new EventLog(h.redis, createKeys(h.prefix));
    await log.append(9, 'session.qr', { session_id: 's', account_id: '1', qr: '2@ref,key,identity,adv', expires_at: 1795999999123 });
    await log.append(9, 'session.pairing_code', { session_id: 's', account_id: '1', code: 'K7PQ2WXZ', phone_number: '15551234567', expires_at: 1795999999123 });
    await log.append(9, 'session.connected', { session_id: 's', account_id: '1', phone: '15551234567' });
    const keyWith = async (scopes: string[]) => `Bearer ${(await h.call('POST', '/api/admin/keys', { workspace_id: 9, scopes })).body.key}`;
    const dataSeenBy = async (authorization?: string) =>
      (await h.call('GET', '/api/events?workspace_id=9', undefined, authorization ? { authorization } : {})).body.events.map(
        (event: { type: string; data: Record<string, unknown> }) => [event.type, event.data],
      );
    const reader = await dataSeenBy(await keyWith(['events:read']));
    expect(reader).to.deep.equal([
      ['session.qr', { session_id: 's', account_id: '1', qr: null, expires_at: 1795999999123 }],
      ['session.pairing_code', { session_id: 's', account_id: '1', code: null, phone_number: '15551234567', expires_at: 1795999999123 }],
      ['session.connected', { session_id: 's', account_id: '1', phone: '15551234567' }],
    ]);
    for (const full of [await dataSeenBy(await keyWith(['events:read', 'sessions:write'])), await dataSeenBy()]) {
      expect(full[0][1]).to.include({ qr: '2@ref,key,identity,adv' });
      expect(full[1][1]).to.include({ code: 'K7PQ2WXZ' });
    }
  });

  it('lists dead letters and queues them for replay', async () => {
    const keys = createKeys(h.prefix);
    const event = await new EventLog(h.redis, keys).append(4, 'message.failed', { message_id: 'm1', session_id: 's', status: 'failed', reason: 'send_failed' });
    const dead = { event, attempts: 9, last_error: 'HTTP 500', first_failed_at: 1, dead_at: 2 };
    await h.redis.hset(keys.eventDeadLetters(4), event.id, JSON.stringify(dead));
    const listed = await h.call('GET', '/api/workspaces/4/dead-letters');
    expect(listed.body).to.deep.equal({ workspace_id: 4, total: 1, replaying: 0, dead_letters: [dead] });
    const replay = await h.call('POST', '/api/workspaces/4/dead-letters/replay', { event_ids: [event.id] });
    expect(replay.status).to.equal(202);
    expect(replay.body).to.deep.equal({ workspace_id: 4, replayed: 1 });
    expect((await h.call('GET', '/api/workspaces/4/dead-letters')).body).to.include({ total: 0, replaying: 1 });
    expect(await new DeadLetterStore(h.redis, keys).replaying(4)).to.equal(1);
    expect((await h.call('POST', '/api/workspaces/4/dead-letters/replay', {})).body).to.deep.equal({ workspace_id: 4, replayed: 0 });
    expect((await h.call('POST', '/api/workspaces/4/dead-letters/replay', { event_ids: ['x'] })).status).to.equal(400);
  });

  it("replays every dead letter for an empty JSON array body ([], PHP's json_encode of an empty array)", async () => {
    const keys = createKeys(h.prefix);
    const log = new EventLog(h.redis, keys);
    for (const id of ['m1', 'm2']) {
      const event = await log.append(4, 'message.failed', { message_id: id, session_id: 's', status: 'failed', reason: 'send_failed' });
      await h.redis.hset(keys.eventDeadLetters(4), event.id, JSON.stringify({ event, attempts: 9, last_error: 'HTTP 500', first_failed_at: 1, dead_at: 2 }));
    }
    const replay = await h.call('POST', '/api/workspaces/4/dead-letters/replay', '[]');
    expect(replay.status, JSON.stringify(replay.body)).to.equal(202);
    expect(replay.body).to.deep.equal({ workspace_id: 4, replayed: 2 });
    expect((await h.call('GET', '/api/workspaces/4/dead-letters')).body).to.include({ total: 0, replaying: 2 });
    // Only the empty array stands for "no fields"; any other array is refused.
    const notEmpty = await h.call('POST', '/api/workspaces/4/dead-letters/replay', '["evt_0123456789abcdef01234567"]');
    expect(notEmpty.status).to.equal(400);
    expect(notEmpty.body.error.code).to.equal('VALIDATION_FAILED');
  });

  it('never returns credentials embedded in the webhook URL, and still delivers with them', async () => {
    const url = 'https://fleet-user:s3cr3t-pass@crm.example.com/api/fleet/webhook?x=1';
    const put = await h.call('PUT', '/api/workspaces/6/webhook', { url, secret: 'whsec_0123456789abcdef' });
    expect(put.status).to.equal(200);
    const got = await h.call('GET', '/api/workspaces/6/webhook');
    for (const answer of [put, got]) {
      expect(JSON.stringify(answer.body)).not.to.match(/fleet-user|s3cr3t-pass/);
      expect(answer.body.url).to.equal('https://***:***@crm.example.com/api/fleet/webhook?x=1');
    }
    // The dispatcher reads the stored webhook: the credentials are there.
    expect((await new WebhookStore(h.redis, createKeys(h.prefix)).get(6))?.url).to.equal(url);
    const tokenOnly = await h.call('PUT', '/api/workspaces/6/webhook', { url: 'https://tok3n@crm.example.com/hook', secret: 'whsec_0123456789abcdef' });
    expect(tokenOnly.body.url).to.equal('https://***@crm.example.com/hook');
    const plain = await h.call('PUT', '/api/workspaces/6/webhook', { url: 'https://crm.example.com', secret: 'whsec_0123456789abcdef' });
    expect(plain.body.url).to.equal('https://crm.example.com');
  });
});

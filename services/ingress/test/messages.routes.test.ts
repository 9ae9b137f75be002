import { expect } from 'chai';
import { startIngress, type IngressHarness } from './helpers';

describe('ingress: message routes (in-process, real Redis)', () => {
  let h: IngressHarness;
  let shard: number;
  beforeEach(async () => {
    h = await startIngress();
    await h.addWorker('instance-1');
    shard = (await h.call('POST', '/api/sessions/create', { session_id: 'm1', workspace_id: 9, account_id: '1' })).body.shard;
  });
  afterEach(async () => h.close());

  const sendJobs = async (): Promise<number> =>
    (await h.ingress.deps.queues.queue(shard).getJobs(['waiting'])).filter((job) => job.name === 'message.send').length;

  it('accepts a message with 202, a message id and status queued, and queues exactly one job', async () => {
    const res = await h.call('POST', '/api/messages/send', { session_id: 'm1', to: '+15551234567', text: 'hello' });
    expect(res.status).to.equal(202);
    expect(res.body).to.include({ session_id: 'm1', workspace_id: 9, status: 'queued', duplicate: false });
    expect(res.body.message_id).to.match(/^3EB0[0-9A-F]{20}$/);
    expect(await sendJobs()).to.equal(1);
    const read = await h.call('GET', `/api/messages/${res.body.message_id}`);
    expect(read.status).to.equal(200);
    expect(read.body.status).to.equal('queued');
  });

  it('never sends twice for one idempotency key, and refuses the key for a different message', async () => {
    const body = { session_id: 'm1', to: '+15551234567', text: 'once', idempotency_key: 'order-77' };
    const first = await h.call('POST', '/api/messages/send', body);
    const replies = await Promise.all(Array.from({ length: 10 }, () => h.call('POST', '/api/messages/send', body)));
    for (const reply of replies) {
      expect(reply.status).to.equal(200);
      expect(reply.body).to.include({ message_id: first.body.message_id, duplicate: true });
    }
    expect(await sendJobs()).to.equal(1);
    const other = await h.call('POST', '/api/messages/send', { ...body, text: 'twice' });
    expect(other.status).to.equal(409);
    expect(other.body.error.code).to.equal('IDEMPOTENCY_CONFLICT');
  });

  it('wakes the sender once per outbox that turns non-empty: messages behind a waiting one add no job', async () => {
    const send = (text: string) => h.call('POST', '/api/messages/send', { session_id: 'm1', to: '+15551234567', text });
    const first = await send('one');
    await send('two');
    await send('three');
    expect(await sendJobs(), 'one wake-up for the three').to.equal(1);
    // The sender takes all three: the outbox is empty again, so the next message needs a wake-up of its own.
    const { messages } = await h.ingress.deps.messages.claim('m1', 10, Date.now() + 30_000);
    expect(messages.map((m) => m.messageId)[0]).to.equal(first.body.message_id);
    expect(messages).to.have.length(3);
    await send('four');
    expect(await sendJobs()).to.equal(2);
  });

  it("a session's sends after its first publish their wake-up with the accept (no PUBLISH of their own): the owner hears each once, no job", async () => {
    const listener = h.redis.duplicate();
    const heard: string[] = [];
    listener.on('message', (_channel: string, message: string) => heard.push(message));
    await listener.subscribe(h.ingress.deps.keys.workerWakes('instance-1'));
    const direct = async () =>
      (await h.ingress.deps.metrics.wakes.get()).values.find((v) => v.labels.name === 'message.send' && v.labels.path === 'direct')?.value ?? 0;
    const wakes = h.ingress.deps.wakes;
    const publishWake = wakes.wake.bind(wakes);
    let ownRoundTrips = 0;
    wakes.wake = (...args) => ((ownRoundTrips += 1), publishWake(...args));
    try {
      const send = (text: string) => h.call('POST', '/api/messages/send', { session_id: 'm1', to: '+15551234567', text });
      const ids: string[] = [];
      for (const text of ['one', 'two', 'three']) {
        ids.push((await send(text)).body.message_id);
        // The worker's part: it takes the message, so the outbox is empty for the next one.
        await h.ingress.deps.messages.claim('m1', 10, Date.now() + 30_000);
      }
      const deadline = Date.now() + 2_000;
      while (heard.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(heard.map((text) => JSON.parse(text).job.messageId)).to.deep.equal(ids);
      expect(await sendJobs(), 'no job: each was heard').to.equal(0);
      expect(await direct()).to.equal(3);
      expect(ownRoundTrips, 'only the first: the session was not known yet').to.equal(1);
    } finally {
      wakes.wake = publishWake;
      listener.disconnect();
    }
  });

  it('re-adds the job on a repeat when the first enqueue never happened (nothing lost)', async () => {
    const body = { session_id: 'm1', to: '+15551234567', text: 'again', idempotency_key: 'retry-1' };
    const first = await h.call('POST', '/api/messages/send', body);
    const queue = h.ingress.deps.queues.queue(shard);
    await (await queue.getJob(first.body.message_id))!.remove();
    expect(await sendJobs()).to.equal(0);
    const repeat = await h.call('POST', '/api/messages/send', body);
    expect(repeat.status).to.equal(200);
    expect(repeat.body).to.include({ message_id: first.body.message_id, duplicate: true, status: 'queued' });
    expect(await sendJobs()).to.equal(1);
    await h.call('POST', '/api/messages/send', body);
    expect(await sendJobs()).to.equal(1);
  });

  it('answers clear 4xx errors for unknown sessions, bad recipients and malformed ids', async () => {
    const unknown = await h.call('POST', '/api/messages/send', { session_id: 'nope', to: '+15551234567', text: 'x' });
    expect(unknown.status).to.equal(404);
    expect(unknown.body.error.code).to.equal('SESSION_NOT_FOUND');
    const badTo = await h.call('POST', '/api/messages/send', { session_id: 'm1', to: 'robert; drop', text: 'x' });
    expect(badTo.status).to.equal(400);
    expect(badTo.body.error.message).to.contain('to');
    const empty = await h.call('POST', '/api/messages/send', { session_id: 'm1', to: '+15551234567', text: '' });
    expect(empty.status).to.equal(400);
    expect((await h.call('GET', '/api/messages/not-an-id')).status).to.equal(400);
    const missing = await h.call('GET', '/api/messages/3EB000000000000000000000');
    expect(missing.status).to.equal(404);
    expect(missing.body.error.code).to.equal('MESSAGE_NOT_FOUND');
  });

  it('takes group JIDs in both WhatsApp forms and refuses look-alikes such as ------@g.us', async () => {
    for (const to of ['------@g.us', '-15551234567@g.us', '15551234567-@g.us', '1555-1234-567@g.us', '123-456@g.us', '15551234567--1415926535@g.us']) {
      const answer = await h.call('POST', '/api/messages/send', { session_id: 'm1', to, text: 'x' });
      expect(answer.status, to).to.equal(400);
      expect(answer.body.error.code, to).to.equal('VALIDATION_FAILED');
      expect(answer.body.error.message, to).to.contain('to:');
    }
    for (const to of ['120363012345678901@g.us', '15551234567-1415926535@g.us']) {
      expect((await h.call('POST', '/api/messages/send', { session_id: 'm1', to, text: 'x' })).status, to).to.equal(202);
    }
  });
});

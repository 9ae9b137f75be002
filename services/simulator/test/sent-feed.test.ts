import { expect } from 'chai';
import { SimulatorClient, SimulatorClientError, createSimulator, type Simulator } from '../src/index';
import { SentLog, type SentMessage } from '../src/state/sent-log';
import { TestClient, pairClient } from './helpers/baileys-client';

const message = (id: string): SentMessage => ({
  id,
  to: '15559990001@s.whatsapp.net',
  text: id,
  kind: 'conversation',
  type: 'text',
  timestamp: Date.now(),
  status: 'server_ack',
});

describe('sent log: cursor, copies and drops', () => {
  it('numbers every message and pages after a cursor, oldest first', () => {
    const log = new SentLog(10);
    for (const id of ['a', 'b', 'c', 'd']) log.add(message(id));
    const first = log.after(0, 3);
    expect(first.messages.map((m) => [m.id, m.seq])).to.deep.equal([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    expect(first).to.include({ total: 4, next: 3, truncated: false });
    const second = log.after(first.next, 3);
    expect(second.messages.map((m) => m.id)).to.deep.equal(['d']);
    expect(log.after(second.next, 3)).to.deep.include({ messages: [], next: 4, truncated: false });
  });

  it('counts a re-sent id as a second copy at the end of the log', () => {
    const log = new SentLog(10);
    for (const id of ['a', 'b', 'a']) log.add(message(id));
    expect(log.after(0, 10).messages.map((m) => [m.id, m.seq, m.copies])).to.deep.equal([
      ['b', 2, 1],
      ['a', 3, 2],
    ]);
    expect(log.total).to.equal(3);
    expect(log.size).to.equal(2);
  });

  it('reports records dropped by the cap before a reader got to them, and only those', () => {
    const log = new SentLog(2);
    for (const id of ['a', 'b', 'c', 'd']) log.add(message(id));
    expect(log.after(0, 10)).to.deep.include({ total: 4, truncated: true });
    expect(log.after(0, 10).messages.map((m) => m.id)).to.deep.equal(['c', 'd']);
    expect(log.after(2, 10).truncated).to.equal(false);
    expect(log.after(1, 10).truncated).to.equal(true);
  });
});

describe('sent feed over HTTP (real Baileys)', () => {
  const PHONE = '15550005555';
  const CONTACT = '15559990005@s.whatsapp.net';
  let simulator: Simulator;
  let admin: SimulatorClient;
  let adminUrl: string;
  let client: TestClient;
  let sends = 0;

  before(async () => {
    simulator = createSimulator({ maxSentPerAccount: 3 });
    const started = await simulator.start();
    adminUrl = started.adminUrl;
    admin = new SimulatorClient(adminUrl);
    client = new TestClient(started.wsUrl);
    await pairClient(client, (qr, phone) => admin.scan(qr, phone), PHONE);
  });

  after(async () => {
    client.end();
    await simulator.close();
  });

  /** Sends a text (with `messageId`: again under that id) and waits until the simulator has logged it. */
  const send = async (text: string, messageId?: string): Promise<string> => {
    const sent = await client.sock!.sendMessage(CONTACT, { text }, messageId ? { messageId } : {});
    sends += 1;
    const deadline = Date.now() + 5_000;
    while (((await admin.sentTotals())[PHONE] ?? 0) < sends) {
      if (Date.now() > deadline) throw new Error(`message ${sends} never reached the simulator`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return sent!.key.id!;
  };

  it('follows every message with a cursor, sees a resend as a second copy, and says when the cap dropped unread ones', async () => {
    const first = await send('one');
    expect(await admin.sentTotals()).to.deep.equal({ [PHONE]: 1 });
    const page = await admin.sentFeed(PHONE, 0);
    expect(page.messages.map((m) => [m.id, m.text, m.seq, m.copies])).to.deep.equal([[first, 'one', 1, 1]]);
    expect(page).to.include({ total: 1, next: 1, truncated: false });

    await send('one again', first);
    const resent = await admin.sentFeed(PHONE, page.next);
    expect(resent.messages.map((m) => [m.id, m.copies])).to.deep.equal([[first, 2]]);

    for (const text of ['two', 'three', 'four']) await send(text);
    expect((await admin.sentTotals())[PHONE]).to.equal(5);
    expect((await admin.sentFeed(PHONE, resent.next)).truncated).to.equal(false);
    expect(await admin.sentFeed(PHONE, 0, 2)).to.deep.include({ truncated: true, next: 4 });
  });

  it('answers 400 for a bad cursor or limit and 404 for an unknown account', async () => {
    for (const query of ['after=-1', 'after=abc', 'after=', 'limit=0', 'limit=1001']) {
      const response = await fetch(`${adminUrl}/accounts/${PHONE}/sent-feed?${query}`);
      expect(response.status, query).to.equal(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).to.equal('BAD_REQUEST');
    }
    const unknown = await admin.sentFeed('15550009876').catch((error: unknown) => error);
    expect(unknown).to.be.instanceOf(SimulatorClientError);
    expect((unknown as SimulatorClientError).status).to.equal(404);
  });
});

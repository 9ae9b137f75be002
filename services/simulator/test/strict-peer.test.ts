import { expect } from 'chai';
import { createSimulator, type Simulator } from '../src/index';
import { TestClient, pairClient } from './helpers/baileys-client';

const CONTACT = '15559990101';
const CONTACT_JID = `${CONTACT}@s.whatsapp.net`;

/**
 * The simulated recipient decrypts as a phone does: a copy encrypted with a chain counter it has
 * already used fails, is counted on the sending account and is answered with a retry receipt instead
 * of a delivery receipt; the sender's answer to that receipt (a fresh session) is delivered.
 */
describe('simulator: a strict recipient (reused Signal state fails to decrypt)', function () {
  this.timeout(30_000);
  let simulator: Simulator;

  before(async () => {
    simulator = createSimulator();
    await simulator.start();
  });

  after(async () => {
    await simulator.close();
  });

  /** Pairs a client, sends one message, then rolls its Signal session back: the next message reuses a counter. */
  async function clientWithReusedCounter(phone: string, answerRetries: boolean): Promise<{ client: TestClient; first: string }> {
    const client = new TestClient(simulator.urls!.wsUrl);
    await pairClient(client, (qr, p) => simulator.scan(qr, p), phone, { answerRetries });
    const warm = await client.sendText(CONTACT_JID, 'warm up');
    await client.waitForUpdate((update) => update.key.id === warm && update.update.status === 3);
    const address = `${CONTACT}.0`;
    const snapshot = client.keys.get('session', [address])[address];
    const first = await client.sendText(CONTACT_JID, 'first');
    await client.waitForUpdate((update) => update.key.id === first && update.update.status === 3);
    client.keys.set({ session: { [address]: snapshot ?? null } });
    return { client, first };
  }

  it('refuses a reused counter, counts it on the account and asks again; never reports it delivered', async () => {
    const phone = '15550007001';
    const { client } = await clientWithReusedCounter(phone, false);
    const again = await client.sendText(CONTACT_JID, 'same counter');
    await waitUntil(() => simulator.account(phone).retryReceipts >= 1);
    const record = simulator.sent(phone).find((message) => message.id === again);
    expect(record).to.include({ kind: 'undecryptable', text: null, status: 'server_ack' });
    const summary = simulator.accounts().find((account) => account.phone === phone)!;
    expect(summary).to.include({ decryptFailures: 1 });
    expect(simulator.stats().decryptFailures).to.be.greaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(client.updates.some((update) => update.key.id === again && update.update.status === 3)).to.equal(false);
    client.end();
  });

  it('delivers the message once the sender answers the retry receipt with a fresh session', async () => {
    const phone = '15550007002';
    const { client } = await clientWithReusedCounter(phone, true);
    const again = await client.sendText(CONTACT_JID, 'resent after retry');
    await client.waitForUpdate((update) => update.key.id === again && update.update.status === 3);
    const record = simulator.sent(phone).find((message) => message.id === again);
    expect(record).to.include({ text: 'resent after retry', copies: 2 });
    expect(simulator.account(phone)).to.include({ decryptFailures: 1, retryReceipts: 1 });
    client.end();
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

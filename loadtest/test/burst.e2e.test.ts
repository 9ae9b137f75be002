import { expect } from 'chai';
import { Redis } from 'ioredis';
import { cleanPrefix, freshPrefix, TEST_REDIS_URL, waitFor } from '@fleet/testing';
import { startLocalFleet, type LocalFleet } from '../src/harness/local-fleet';

const WORKSPACE = 43;
const PHONE = `1556${process.pid % 1000}4301`;
const CONTACT = `1556${process.pid % 1000}4399`;
const BURST = 30;

/**
 * A burst from one session through the real fleet (ingress, one worker running Baileys, the strict
 * simulator): every message requested at once arrives once, in the order the ingress accepted them,
 * with no copy the recipient cannot decrypt. The sender is woken on the worker's channel (the direct
 * path) and its Signal state goes through the key journal.
 */
describe('a burst of sends from one session, end to end: all delivered, in order, every copy decrypts', function () {
  this.timeout(120_000);
  let fleet: LocalFleet;
  let prefix: string;

  before(async () => {
    prefix = freshPrefix('e2e-burst');
    fleet = await startLocalFleet({ redisUrl: TEST_REDIS_URL, prefix, workers: 1, workerEnv: { SEND_RATE_PER_SESSION: '0' } });
    await fleet.pair('burst-1', WORKSPACE, PHONE);
  });

  after(async () => {
    await fleet?.close();
    const redis = new Redis(TEST_REDIS_URL);
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  it(`sends ${BURST} messages requested at once: each delivered once, in acceptance order, 0 decrypt failures, woken directly`, async () => {
    const failuresBefore = (await fleet.simulator.stats()).perAccount.find((account) => account.phone === PHONE)?.decryptFailures ?? 0;
    const answers = await Promise.all(
      Array.from({ length: BURST }, (_, k) => fleet.api('POST', '/api/messages/send', { session_id: 'burst-1', to: CONTACT, text: `burst ${k}` })),
    );
    expect(answers.map((answer) => answer.status)).to.deep.equal(Array(BURST).fill(202));
    const ids = answers.map((answer) => answer.body.message_id as string);
    const records = await waitFor(
      async () => {
        const all = await Promise.all(ids.map(async (id) => (await fleet.api('GET', `/api/messages/${id}`)).body));
        return all.every((record) => record.delivered_at) ? all : undefined;
      },
      { what: 'every message delivered', timeoutMs: 60_000, intervalMs: 250 },
    );
    const accepted = records!.sort((a, b) => a.sequence - b.sequence).map((record) => record.message_id);
    const received = (await fleet.simulator.sent(PHONE)).filter((message) => message.to === `${CONTACT}@s.whatsapp.net`).map((message) => message.id);
    expect(received, 'each once, in the order accepted').to.deep.equal(accepted);
    const failuresAfter = (await fleet.simulator.stats()).perAccount.find((account) => account.phone === PHONE)?.decryptFailures ?? 0;
    expect(failuresAfter - failuresBefore, 'copies the recipient could not decrypt').to.equal(0);
    const metrics = await (await fetch(`${fleet.ingressUrl}/metrics`)).text();
    expect(metrics, "the sender was woken on its worker's channel").to.match(/fleet_ingress_wakes_total\{name="message.send",path="direct"[^}]*\} [1-9]/);
  });
});

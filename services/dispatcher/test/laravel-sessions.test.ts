import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { cleanPrefix, freshPrefix, testRedis, TEST_REDIS_URL, waitFor } from '@fleet/testing';
import { startMediaFleet, type MediaFleet } from './fixtures/media-fleet';
import { assertPhpInstalled, runPhp } from './fixtures/php';

const WORKSPACE = 61;
const BY_CREATE = { session: 'laravel-code-1', phone: '15550616101' };
const BY_REQUEST = { session: 'laravel-code-2', phone: '15550616102' };
const UNKNOWN = '15550616199';

/**
 * The Laravel integration's session management against a real fleet (the simulator, the ingress and a
 * worker running real Baileys sessions, each its own process): FleetClient (PHP) links two sessions by
 * pairing code, which the simulator's phones enter; lists them a page at a time, checks contacts
 * through one, restarts it, refuses and sets a proxy, and logs the other out.
 */
describe('Laravel session management (PHP) against a real fleet: pairing codes, list, contacts, restart, proxy, logout', function () {
  this.timeout(240_000);
  let redis: Redis;
  let prefix: string;
  let fleet: MediaFleet | undefined;

  const driver = async (command: string, args: Record<string, unknown>): Promise<any> =>
    JSON.parse(await runPhp('session-driver.php', [fleet!.ingressUrl, fleet!.apiKey, command, JSON.stringify(args)]));

  before(async () => {
    assertPhpInstalled({ curl: true });
    redis = testRedis();
    prefix = freshPrefix('lss');
    fleet = await startMediaFleet({ redisUrl: TEST_REDIS_URL, prefix });
  });

  after(async () => {
    await fleet?.close();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  it('links by pairing code, given at creation or asked for later: the phones enter the codes FleetClient obtained, and the sessions connect', async () => {
    const out = await driver('pair', { workspace: WORKSPACE, by_create: BY_CREATE, by_request: BY_REQUEST });
    expect(out.create_with_phone).to.include({ session_id: BY_CREATE.session, pairing_phone_number: BY_CREATE.phone });
    expect(out.qr_before_pairing).to.equal('qr');
    expect(out.pair).to.include({ session_id: BY_REQUEST.session, pairing_phone_number: BY_REQUEST.phone, desired: 'running' });
    expect(out.bad_number).to.include({ status: 400, code: 'VALIDATION_FAILED' });
    for (const [{ session, phone }, code] of [
      [BY_CREATE, out.code_by_create],
      [BY_REQUEST, out.code_by_request],
    ] as const) {
      expect(code).to.include({ session_id: session, phone_number: phone });
      expect(code.code).to.match(/^[1-9A-HJ-NP-TV-Z]{8}$/);
      expect(code.expires_at).to.be.greaterThan(Date.now());
      // The phone enters it once WhatsApp (the simulator) holds the companion's request.
      await waitFor(async () => (await fleet!.simulator.pendingLinkCodes()).some((entry) => entry.phone === phone), {
        what: `${phone}'s link request`,
        timeoutMs: 20_000,
      });
      expect(await fleet!.simulator.enterLinkCode(phone, code.code)).to.include({ phone, deviceId: 1 });
    }
    for (const { session, phone } of [BY_CREATE, BY_REQUEST]) {
      await waitFor(async () => (await fleet!.api('GET', `/api/sessions/${session}/status`)).body.status === 'connected', {
        what: `${session} connected`,
        timeoutMs: 60_000,
      });
      expect((await fleet!.simulator.account(phone)).devices).to.equal(1);
    }
  });

  it('lists the sessions a page at a time, checks contacts, restarts one (a new login, no scan), refuses a private proxy, sets and removes one, logs the other out', async () => {
    const first = BY_CREATE;
    const second = BY_REQUEST;
    const logins = (await fleet!.simulator.account(first.phone)).logins;
    const out = await driver('manage', { workspace: WORKSPACE, sessions: [first.session, second.session], phones: [second.phone, UNKNOWN] });

    expect(out.connected).to.deep.equal({ [first.session]: 'connected', [second.session]: 'connected' });
    const listed = [...out.page_1.sessions, ...out.page_2.sessions].map((session: { session_id: string }) => session.session_id);
    expect(out.page_1.sessions).to.have.length(1);
    expect(out.page_1.next_cursor).to.be.a('string');
    expect(listed.sort()).to.deep.equal([first.session, second.session].sort());
    expect(out.all_ids.sort()).to.deep.equal([first.session, second.session].sort());
    expect(out.searched.map((session: { session_id: string }) => session.session_id)).to.deep.equal([second.session]);
    expect(out.bad_cursor).to.include({ status: 400, code: 'INVALID_CURSOR' });

    expect(out.contacts).to.deep.equal({
      results: [
        { phone: second.phone, exists: true, jid: `${second.phone}@s.whatsapp.net` },
        { phone: UNKNOWN, exists: false, jid: null },
      ],
    });
    expect(out.no_code_when_linked).to.include({ status: 404, code: 'PAIRING_CODE_NOT_AVAILABLE' });
    expect(out.already_linked).to.include({ status: 409, code: 'SESSION_ALREADY_LINKED' });

    expect(out.restart).to.include({ session_id: first.session, desired: 'running' });
    await waitFor(async () => (await fleet!.simulator.account(first.phone)).logins > logins, { what: 'a new login after the restart', timeoutMs: 30_000 });
    expect(out.restarted).to.equal('connected');
    expect(await fleet!.simulator.account(first.phone)).to.include({ devices: 1, conflicts: 0 });

    expect(out.proxy_refused).to.deep.equal({ status: 400, code: 'PROXY_URL_REFUSED', details: { host: '10.0.0.9', reason: 'a private address' } });
    expect(out.stopped).to.equal('stopped');
    expect(out.proxy_set).to.deep.equal({ configured: true, scheme: 'socks5', host: '93.184.216.34:1080' });
    expect(out.proxy_removed).to.deep.equal({ configured: false, scheme: null, host: null });
    expect(JSON.stringify(out)).to.not.contain('pr0xy-secret');

    expect(out.logout).to.include({ session_id: second.session, desired: 'logged_out' });
    expect(out.logged_out).to.include({ status: 'logged_out', phone: null });
    expect((await fleet!.simulator.account(second.phone)).devices, 'unlinked from the phone').to.equal(0);
    expect(out.contacts_logged_out).to.include({ status: 409, code: 'SESSION_NOT_CONNECTED' });
  });
});

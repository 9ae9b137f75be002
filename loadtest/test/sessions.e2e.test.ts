import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { cleanPrefix, freshPrefix, TEST_REDIS_URL, waitFor } from '@fleet/testing';
import { readStoredCredsSync } from '@fleet/worker';
import { startLocalFleet, type LocalFleet } from '../src/harness/local-fleet';

/**
 * The session life cycle through the ingress HTTP API, with real processes: the simulator, the ingress
 * and one worker running unmodified Baileys against the simulator on loopback.
 */
describe('sessions end to end: ingress API → worker (Baileys) → simulator', function () {
  this.timeout(60_000);
  const WORKSPACE = 7;
  let fleet: LocalFleet;
  let prefix: string;
  let phoneNo = 0;

  before(async () => {
    prefix = freshPrefix('e2e-sess');
    // A 440 conflict reconnects after CONFLICT_RECONNECT_DELAY_MS; here the second in 10 minutes fails the session.
    fleet = await startLocalFleet({
      redisUrl: TEST_REDIS_URL,
      prefix,
      workers: 1,
      workerEnv: { CONFLICT_RECONNECT_DELAY_MS: '300', CONFLICTS_BEFORE_FAILING: '1' },
    });
  });
  after(async () => {
    await fleet?.close();
    const redis = new Redis(TEST_REDIS_URL);
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  const nextPhone = (): string => `1555${process.pid % 1000}${String((phoneNo += 1)).padStart(4, '0')}`;
  const status = async (id: string): Promise<any> => (await fleet.api('GET', `/api/sessions/${id}/status`)).body;
  const waitStatus = (id: string, wanted: string, timeoutMs = 20_000): Promise<any> =>
    waitFor(
      async () => {
        const body = await status(id);
        return body.status === wanted ? body : undefined;
      },
      { what: `${id} ${wanted}`, timeoutMs, intervalMs: 50 },
    );
  const sessionDir = (id: string): string => path.join(fleet.storagePath, `workspace_${WORKSPACE}`, id);
  /** Whether the session's directory holds credentials (its journal's, or creds.json), as a run would read them. */
  const hasCreds = (id: string): boolean => readStoredCredsSync(sessionDir(id)) !== undefined;

  async function pair(id: string): Promise<string> {
    const phone = nextPhone();
    const created = await fleet.api('POST', '/api/sessions/create', { session_id: id, workspace_id: WORKSPACE, account_id: 'acc' });
    expect(created.status).to.equal(202);
    const { qr } = await waitStatus(id, 'qr');
    await fleet.simulator.scan(qr, phone);
    await waitStatus(id, 'connected');
    return phone;
  }

  async function workerCounter(event: string): Promise<number> {
    const text = await (await fetch(`${fleet.workerUrl('instance-1')}/metrics`)).text();
    const pattern = new RegExp(`^fleet_session_events_total\\{[^}]*event="${event}"[^}]*\\} (\\d+)`, 'gm');
    return [...text.matchAll(pattern)].reduce((sum, match) => sum + Number(match[1]), 0);
  }

  it('create → status starting → QR (status and /qr as png, data_url, raw) → scan → connected with the phone', async () => {
    const phone = nextPhone();
    const created = await fleet.api('POST', '/api/sessions/create', { session_id: 'life-1', workspace_id: WORKSPACE, account_id: 'acc' });
    expect(created.status).to.equal(202);
    expect(created.body.status).to.equal('starting');
    const withQr = await waitStatus('life-1', 'qr');
    expect(withQr.qr).to.match(/^[^,]+,[^,]+,[^,]+,[^,]+$/);
    expect(withQr.qr_expires_at).to.be.greaterThan(Date.now());

    const raw = await fleet.api('GET', '/api/sessions/life-1/qr?format=raw');
    expect(raw.body).to.include({ format: 'raw', qr: withQr.qr });
    const dataUrl = await fleet.api('GET', '/api/sessions/life-1/qr?format=data_url');
    expect(dataUrl.body.qr).to.match(/^data:image\/png;base64,[A-Za-z0-9+/=]{200,}$/);
    const png = await fetch(`${fleet.ingressUrl}/api/sessions/life-1/qr`, { headers: { authorization: `Bearer ${fleet.apiKey}` } });
    expect(png.headers.get('content-type')).to.equal('image/png');
    expect(
      Buffer.from(await png.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).to.equal('PNG');

    const scan = await fleet.simulator.scan(raw.body.qr, phone);
    expect(scan.deviceId).to.equal(1);
    const connected = await waitStatus('life-1', 'connected');
    expect(connected).to.include({ phone, qr: null, instance: 'instance-1' });
    expect((await fleet.api('GET', '/api/sessions/life-1/qr')).body.error.code).to.equal('QR_NOT_AVAILABLE');
    expect(hasCreds('life-1')).to.equal(true);
  });

  it('send → the simulator decrypted exactly that text → sent → delivered → read (receipt)', async () => {
    const phone = await pair('send-1');
    const text = `héllo from fleet ${Date.now()} ✓`;
    const accepted = await fleet.api('POST', '/api/messages/send', { session_id: 'send-1', to: '+15559990001', text });
    expect(accepted.status).to.equal(202);
    const id: string = accepted.body.message_id;
    const message = async (): Promise<any> => (await fleet.api('GET', `/api/messages/${id}`)).body;
    await waitFor(async () => (await message()).status === 'delivered', { what: 'delivered', timeoutMs: 20_000 });
    const record = await message();
    expect(record.sent_at).to.be.a('number');
    expect(record.delivered_at).to.be.at.least(record.sent_at);
    const sent = await fleet.simulator.sent(phone);
    expect(sent.map((m) => ({ id: m.id, to: m.to, text: m.text }))).to.deep.equal([{ id, to: '15559990001@s.whatsapp.net', text }]);

    await fleet.simulator.receipts(phone, { messageIds: [id], type: 'read' });
    await waitFor(async () => (await message()).status === 'read', { what: 'read', timeoutMs: 10_000 });
  });

  it('a refused send (429 ack) ends failed with the reason', async () => {
    const phone = await pair('send-2');
    await fleet.simulator.faults(phone, { rateLimitSends: true });
    const accepted = await fleet.api('POST', '/api/messages/send', { session_id: 'send-2', to: '15559990002', text: 'too fast' });
    const failed = await waitFor(
      async () => {
        const body = (await fleet.api('GET', `/api/messages/${accepted.body.message_id}`)).body;
        return body.status === 'failed' ? body : undefined;
      },
      { what: 'failed', timeoutMs: 20_000 },
    );
    expect(failed.failed_reason).to.match(/429/);
    expect(await fleet.simulator.sent(phone)).to.have.length(0);
  });

  it('an incoming text reaches the worker', async () => {
    const phone = await pair('in-1');
    const before = await workerCounter('message_received');
    const result = await fleet.simulator.incoming(phone, { from: '15559990003', text: 'hello worker' });
    expect(result.outcome).to.be.oneOf(['delivered', 'queued']); // queued: the socket is still finishing its login
    await waitFor(async () => (await workerCounter('message_received')) === before + 1, { what: 'incoming counted', timeoutMs: 10_000 });
  });

  it('428 and 515 from the server: the session reconnects by itself, without a new pairing', async () => {
    const phone = await pair('fault-1');
    for (const code of [428, 515] as const) {
      const logins = (await fleet.simulator.account(phone)).logins;
      await fleet.simulator.faults(phone, { disconnect: code });
      await waitFor(async () => (await fleet.simulator.account(phone)).logins > logins, { what: `login after ${code}`, timeoutMs: 15_000 });
      await waitStatus('fault-1', 'connected');
    }
    const account = await fleet.simulator.account(phone);
    expect(account.devices).to.equal(1);
    expect(account.maxConcurrent).to.equal(1);
  });

  it('440 conflict: reconnects after a delay; repeated conflicts fail the session (last error names it), with no reconnect loop', async () => {
    const phone = await pair('fault-2');
    const first = (await fleet.simulator.account(phone)).logins;
    await fleet.simulator.faults(phone, { disconnect: 440 });
    await waitFor(async () => (await fleet.simulator.account(phone)).logins > first, { what: 'reconnected after a first conflict', timeoutMs: 10_000 });
    await waitStatus('fault-2', 'connected');
    const logins = (await fleet.simulator.account(phone)).logins;
    await fleet.simulator.faults(phone, { disconnect: 440 });
    const failed = await waitStatus('fault-2', 'failed');
    expect(failed.last_error).to.match(/conflict/);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const account = await fleet.simulator.account(phone);
    expect(account.logins).to.equal(logins);
    expect(account.connections).to.equal(0);
    expect((await status('fault-2')).status).to.equal('failed');
    expect(hasCreds('fault-2')).to.equal(true);
  });

  it('401 device removed: status logged_out and the auth state is removed', async () => {
    const phone = await pair('fault-3');
    await fleet.simulator.faults(phone, { disconnect: 401 });
    const loggedOut = await waitStatus('fault-3', 'logged_out');
    expect(loggedOut.phone).to.equal(null);
    await waitFor(() => !hasCreds('fault-3'), { what: 'creds removed', timeoutMs: 5_000 });
  });

  it('stop keeps the state (status stopped); start reconnects without a new scan', async () => {
    const phone = await pair('stop-1');
    const stop = await fleet.api('POST', '/api/sessions/stop-1/stop');
    expect(stop.status).to.equal(202);
    await waitStatus('stop-1', 'stopped');
    await waitFor(async () => (await fleet.simulator.account(phone)).connections === 0, { what: 'socket closed', timeoutMs: 5_000 });
    expect(hasCreds('stop-1')).to.equal(true);
    await fleet.api('POST', '/api/sessions/stop-1/start');
    const connected = await waitStatus('stop-1', 'connected');
    expect(connected.phone).to.equal(phone);
    const account = await fleet.simulator.account(phone);
    expect(account.devices).to.equal(1);
    expect(account.deviceList[0]?.logins).to.equal(2);
  });

  it('DELETE logs the device out on WhatsApp and removes its state and record', async () => {
    const phone = await pair('del-1');
    expect(existsSync(sessionDir('del-1'))).to.equal(true);
    const deleted = await fleet.api('DELETE', '/api/sessions/del-1');
    expect(deleted.status).to.equal(202);
    await waitFor(async () => (await fleet.api('GET', '/api/sessions/del-1/status')).status === 404, { what: 'record removed', timeoutMs: 15_000 });
    expect(existsSync(sessionDir('del-1'))).to.equal(false);
    expect((await fleet.simulator.account(phone)).devices).to.equal(0);
  });

  it('DELETE of a stopped session connects its stored state just to log the device out, then removes it', async () => {
    const phone = await pair('del-stopped');
    await fleet.api('POST', '/api/sessions/del-stopped/stop');
    await waitStatus('del-stopped', 'stopped');
    await waitFor(async () => (await fleet.simulator.account(phone)).connections === 0, { what: 'socket closed', timeoutMs: 5_000 });
    expect((await fleet.simulator.account(phone)).devices).to.equal(1);
    const deleted = await fleet.api('DELETE', '/api/sessions/del-stopped');
    expect(deleted.status).to.equal(202);
    await waitFor(async () => (await fleet.api('GET', '/api/sessions/del-stopped/status')).status === 404, { what: 'record removed', timeoutMs: 20_000 });
    expect(existsSync(sessionDir('del-stopped'))).to.equal(false);
    const account = await fleet.simulator.account(phone);
    expect(account.devices).to.equal(0);
    expect(account.deviceList).to.have.length(0);
    expect(account.conflicts).to.equal(0);
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`worker restarted after ${signal}: its sessions reconnect from shared storage without a new scan`, async () => {
      const id = `restart-${signal.toLowerCase()}`;
      const phone = await pair(id);
      await fleet.restartWorker('instance-1', signal);
      await waitFor(async () => (await fleet.simulator.account(phone)).deviceList[0]?.logins === 2, { what: 'login after restart', timeoutMs: 30_000 });
      const connected = await waitStatus(id, 'connected', 30_000);
      expect(connected.phone).to.equal(phone);
      const account = await fleet.simulator.account(phone);
      expect(account.devices).to.equal(1);
      expect(account.maxConcurrent).to.equal(1);
      expect(account.conflicts).to.equal(0);
      expect((await fleet.simulator.pendingQrs()).length).to.equal(0);
    });
  }
});

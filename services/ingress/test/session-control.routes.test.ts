import { expect } from 'chai';
import QRCode from 'qrcode';
import { API_KEY, startIngress, type IngressHarness } from './helpers';

/** pngjs comes with qrcode (which renders through it) and has no bundled types. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { PNG } = require('pngjs') as { PNG: { sync: { read(png: Buffer): { width: number; data: Buffer } } } };

const QR = '2@abcdefghijklmnop,bm9pc2Uta2V5LWJhc2U2NA==,aWRlbnRpdHkta2V5LWJhc2U2NA==,YWR2LXNlY3JldC1iYXNlNjQ=';

/** Dark modules of a PNG drawn with margin 2 and scale 6, read back from pixel centres. */
function modulesOf(png: Buffer, size: number): boolean[] {
  const image = PNG.sync.read(png);
  const dark: boolean[] = [];
  for (let row = 0; row < size; row += 1) {
    for (let col = 0; col < size; col += 1) {
      const x = (col + 2) * 6 + 3;
      const y = (row + 2) * 6 + 3;
      dark.push(image.data[(y * image.width + x) * 4]! < 128);
    }
  }
  return dark;
}

describe('ingress: QR, stop and start routes (in-process, real Redis)', () => {
  let h: IngressHarness;
  beforeEach(async () => {
    h = await startIngress();
    await h.addWorker('instance-1');
  });
  afterEach(async () => h.close());

  const create = async (id: string) => (await h.call('POST', '/api/sessions/create', { session_id: id, workspace_id: 4, account_id: '1' })).body;
  const showQr = (id: string, expiresAt = Date.now() + 60_000) => h.ingress.deps.sessions.update(id, { status: 'qr', qr: QR, qrExpiresAt: expiresAt });

  it('answers 404 QR_NOT_AVAILABLE until a QR is pending, and SESSION_NOT_FOUND for unknown sessions', async () => {
    await create('q1');
    const none = await h.call('GET', '/api/sessions/q1/qr');
    expect(none.status).to.equal(404);
    expect(none.body.error.code).to.equal('QR_NOT_AVAILABLE');
    await showQr('q1', Date.now() - 1);
    expect((await h.call('GET', '/api/sessions/q1/qr?format=raw')).body.error.code).to.equal('QR_NOT_AVAILABLE');
    expect((await h.call('GET', '/api/sessions/nope/qr')).body.error.code).to.equal('SESSION_NOT_FOUND');
    expect((await h.call('GET', '/api/sessions/q1/qr?format=svg')).status).to.equal(400);
  });

  it('serves the pending QR as raw JSON, a base64 PNG data URL and (by default) an image/png of that string', async () => {
    await create('q2');
    const expiresAt = Date.now() + 60_000;
    await showQr('q2', expiresAt);

    const raw = await h.call('GET', '/api/sessions/q2/qr?format=raw');
    expect(raw.status).to.equal(200);
    expect(raw.body).to.deep.equal({ session_id: 'q2', format: 'raw', qr: QR, expires_at: expiresAt });

    const expected = QRCode.create(QR, { errorCorrectionLevel: 'L' }).modules;
    const dataUrl = await h.call('GET', '/api/sessions/q2/qr?format=data_url');
    expect(dataUrl.body.qr).to.match(/^data:image\/png;base64,/);
    const fromDataUrl = Buffer.from(dataUrl.body.qr.slice('data:image/png;base64,'.length), 'base64');
    expect(modulesOf(fromDataUrl, expected.size)).to.deep.equal(Array.from(expected.data, Boolean));

    const response = await h.ingress.app.request('/api/sessions/q2/qr', { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.equal('image/png');
    const png = Buffer.from(await response.arrayBuffer());
    expect(modulesOf(png, expected.size)).to.deep.equal(Array.from(expected.data, Boolean));
  });

  describe('waiting for the QR (?wait=seconds)', () => {
    const elapsedOf = async <T>(work: Promise<T>): Promise<[T, number]> => {
      const started = Date.now();
      const result = await work;
      return [result, Date.now() - started];
    };

    it('answers as soon as the worker writes the QR, not at the deadline', async () => {
      await create('w1');
      const waiting = elapsedOf(h.call('GET', '/api/sessions/w1/qr?format=raw&wait=20'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const metrics = await h.call('GET', '/metrics');
      expect(metrics.body).to.match(/^fleet_ingress_session_waiters(\{[^}]*\})? 1$/m);
      await showQr('w1');
      const [answer, elapsed] = await waiting;
      expect(answer.status).to.equal(200);
      expect(answer.body.qr).to.equal(QR);
      expect(elapsed).to.be.within(250, 10_000);
      expect(h.ingress.deps.sessionWatch.waiters).to.equal(0);
      // Once subscribed, a wait registers before its one read: a QR right after it still wakes it.
      await create('w1b');
      const again = h.call('GET', '/api/sessions/w1b/qr?format=raw&wait=20');
      await showQr('w1b');
      expect((await again).body.qr).to.equal(QR);
    });

    it('answers QR_NOT_AVAILABLE at the deadline when none comes, and at once when none can come', async () => {
      await create('w2');
      const [late, waited] = await elapsedOf(h.call('GET', '/api/sessions/w2/qr?format=raw&wait=1'));
      expect(late.status).to.equal(404);
      expect(late.body.error.code).to.equal('QR_NOT_AVAILABLE');
      expect(waited).to.be.at.least(950);
      await h.ingress.deps.sessions.update('w2', { status: 'connected', phone: '15550001111' });
      const [settled, quick] = await elapsedOf(h.call('GET', '/api/sessions/w2/qr?format=raw&wait=30'));
      expect(settled.body.error).to.deep.include({ code: 'QR_NOT_AVAILABLE' });
      expect(settled.body.error.message).to.contain('connected');
      expect(quick).to.be.below(5_000);
    });

    it('ends with SESSION_NOT_FOUND when the session is removed while waiting', async () => {
      const created = await create('w3');
      const waiting = h.call('GET', '/api/sessions/w3/qr?wait=20');
      await new Promise((resolve) => setTimeout(resolve, 200));
      await h.ingress.deps.sessions.remove({ sessionId: 'w3', shard: created.shard, workspaceId: 4 });
      const answer = await waiting;
      expect(answer.status).to.equal(404);
      expect(answer.body.error.code).to.equal('SESSION_NOT_FOUND');
    });

    it('still finds a QR written without an announcement, at the deadline', async () => {
      await create('w4');
      const waiting = h.call('GET', '/api/sessions/w4/qr?format=raw&wait=1');
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Straight to Redis: no announcement, as if it had been lost.
      await h.redis.hset(`${h.prefix}:session:w4`, 'status', 'qr', 'qr', QR, 'qr_expires_at', String(Date.now() + 60_000));
      const answer = await waiting;
      expect(answer.status).to.equal(200);
      expect(answer.body.qr).to.equal(QR);
    });

    it('refuses a wait outside 0-30 seconds with 400 naming the parameter', async () => {
      await create('w5');
      for (const wait of ['31', '-1', '1.5', 'soon']) {
        const answer = await h.call('GET', `/api/sessions/w5/qr?wait=${wait}`);
        expect(answer.status, wait).to.equal(400);
        expect(JSON.stringify(answer.body), wait).to.contain('wait');
      }
    });

    it('answers waiting requests when the ingress closes', async () => {
      await create('w6');
      const waiting = elapsedOf(h.call('GET', '/api/sessions/w6/qr?wait=30'));
      await new Promise((resolve) => setTimeout(resolve, 200));
      await h.ingress.deps.sessionWatch.close();
      const [answer, elapsed] = await waiting;
      expect(answer.body.error.code).to.equal('QR_NOT_AVAILABLE');
      expect(elapsed).to.be.below(10_000);
    });
  });

  it('stop sets desired=stopped and queues session.stop; start sets desired=running and queues session.start', async () => {
    const created = await create('s1');
    const queue = h.ingress.deps.queues.queue(created.shard);
    const stopped = await h.call('POST', '/api/sessions/s1/stop');
    expect(stopped.status).to.equal(202);
    expect(stopped.body).to.include({ session_id: 's1', desired: 'stopped' });
    const started = await h.call('POST', '/api/sessions/s1/start');
    expect(started.status).to.equal(202);
    expect(started.body).to.include({ desired: 'running' });
    const names = (await queue.getJobs(['waiting'])).map((job) => job.name).sort();
    expect(names).to.deep.equal(['session.start', 'session.start', 'session.stop']);
    expect((await h.call('POST', '/api/sessions/nope/stop')).status).to.equal(404);
    await h.call('DELETE', '/api/sessions/s1');
    const afterDelete = await h.call('POST', '/api/sessions/s1/start');
    expect(afterDelete.status).to.equal(404);
    expect((await h.ingress.deps.sessions.get('s1'))?.desired).to.equal('deleted');
  });

  it('documents the QR, stop and start routes in the OpenAPI document', async () => {
    const doc = (await h.call('GET', '/openapi.json')).body;
    expect(doc.paths['/api/sessions/{id}/qr'].get.responses['200'].content).to.have.keys(['image/png', 'application/json']);
    expect(doc.paths['/api/sessions/{id}/qr'].get.parameters.map((p: { name: string }) => p.name)).to.include('format');
    expect(doc.paths['/api/sessions/{id}/stop'].post).to.be.an('object');
    expect(doc.paths['/api/sessions/{id}/start'].post).to.be.an('object');
  });
});

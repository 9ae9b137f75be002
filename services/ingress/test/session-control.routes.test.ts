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
  const showQr = (id: string, expiresAt = Date.now() + 60_000) =>
    h.ingress.deps.sessions.update(id, { status: 'qr', qr: QR, qrExpiresAt: expiresAt });

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

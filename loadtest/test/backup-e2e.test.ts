import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Redis } from 'ioredis';
import { runCli } from '@fleet/fleetctl';
import { cleanPrefix, freshPrefix, startTestS3, TEST_REDIS_URL, treeDigest, waitFor, type TestS3Server } from '@fleet/testing';
import { startLocalFleet, type LocalFleet } from '../src/harness/local-fleet';

/**
 * Backup and restore with the real fleet: simulator, ingress and two workers as processes running
 * Baileys, snapshots to a real S3-compatible server (s3rver), restores through fleetctl.
 */
describe('backup and restore end to end: fleet → S3 → fleetctl restore → sessions reconnect', function () {
  this.timeout(120_000);
  let fleet: LocalFleet;
  let prefix: string;
  let s3: TestS3Server;
  let env: Record<string, string>;
  const sessions = [
    { id: 'bk-a1', workspace: 31, phone: `1556${process.pid % 1000}0001` },
    { id: 'bk-a2', workspace: 31, phone: `1556${process.pid % 1000}0002` },
    { id: 'bk-b1', workspace: 32, phone: `1556${process.pid % 1000}0003` },
  ];

  before(async () => {
    prefix = freshPrefix('e2e-bk');
    s3 = await startTestS3('fleet-e2e');
    fleet = await startLocalFleet({ redisUrl: TEST_REDIS_URL, prefix, workers: 2 });
    env = {
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
      SESSION_STORAGE_PATH: fleet.storagePath,
      S3_ENDPOINT: s3.settings.endpoint,
      S3_BUCKET: 'fleet-e2e',
      S3_PREFIX: `${prefix}/`,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
    };
    for (const s of sessions) await fleet.pair(s.id, s.workspace, s.phone);
  });

  after(async () => {
    await fleet?.close();
    await s3?.close();
    const redis = new Redis(TEST_REDIS_URL);
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  async function fleetctl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    const out = new PassThrough();
    const err = new PassThrough();
    let outText = '';
    let errText = '';
    out.on('data', (c: Buffer) => (outText += c.toString()));
    err.on('data', (c: Buffer) => (errText += c.toString()));
    const code = await runCli(args, { env, out, err });
    return { code, out: outText, err: errText };
  }
  const status = async (id: string): Promise<{ status: string; epoch?: number }> => (await fleet.api('GET', `/api/sessions/${id}/status`)).body;
  const epochOf = async (id: string): Promise<string> =>
    fs.readFile(path.join(fleet.storagePath, `workspace_${sessions.find((s) => s.id === id)!.workspace}`, id, '.epoch'), 'utf8');

  it('a snapshot taken while sessions send and receive; delete every workspace; restore: every session reconnects without a scan', async () => {
    let traffic = true;
    const load = (async () => {
      let n = 0;
      while (traffic) {
        const s = sessions[n % sessions.length]!;
        await fleet.api('POST', '/api/messages/send', { session_id: s.id, to: `1557000${String(n % 10).padStart(4, '0')}`, text: `out ${n}` });
        await fleet.simulator.incoming(s.phone, { from: `1558000${String(n % 10).padStart(4, '0')}`, text: `in ${n}` });
        n += 1;
      }
      return n;
    })();
    const backup = await fleetctl('backup', 'now', '--json');
    traffic = false;
    assert.ok((await load) > 0);
    assert.equal(backup.code, 0, backup.err);
    const taken = JSON.parse(backup.out) as { id: string; sessions: number };
    assert.equal(taken.sessions, 3);
    const listed = await fleetctl('backup', 'list');
    assert.match(listed.out, new RegExp(`${taken.id}\\s.*complete`));

    const accountsBefore = (await fleet.simulator.accounts()).length;
    for (const name of await fs.readdir(fleet.storagePath)) {
      // Retries: a running session may write a key file into a directory being deleted (ENOTEMPTY).
      if (name.startsWith('workspace_')) await fs.rm(path.join(fleet.storagePath, name), { recursive: true, maxRetries: 5 });
    }
    const restored = await fleetctl('restore', 'latest', '--json', '--wait', '60');
    assert.equal(restored.code, 0, `${restored.err}\n${restored.out}`);
    const report = JSON.parse(restored.out) as { sessions: Array<{ sessionId: string; outcome: string }>; fleetOnline: boolean };
    assert.equal(report.fleetOnline, true);
    assert.deepEqual(
      report.sessions.map((s) => [s.sessionId, s.outcome]).sort(),
      sessions.map((s) => [s.id, 'connected']),
    );
    assert.match(restored.err, /download\+verify/);
    for (const s of sessions) assert.equal((await status(s.id)).status, 'connected');
    assert.equal((await fleet.simulator.accounts()).length, accountsBefore, 'a session paired again');
    // Still usable: a message goes out through a restored session.
    const sent = await fleet.api('POST', '/api/messages/send', { session_id: 'bk-a1', to: '15570009999', text: 'after restore' });
    await waitFor(async () => ['sent', 'delivered', 'read'].includes((await fleet.api('GET', `/api/messages/${sent.body.message_id}`)).body.status), {
      what: 'message sent after restore',
      timeoutMs: 30_000,
    });
  });

  it('restoring one workspace leaves the other byte-for-byte as it was, its sessions untouched', async () => {
    const backup = await fleetctl('backup', 'now', '--json');
    assert.equal(backup.code, 0, backup.err);
    const other = path.join(fleet.storagePath, 'workspace_32');
    const otherBefore = await treeDigest(other);
    const epochBefore = await epochOf('bk-b1');
    const restored = await fleetctl('restore', JSON.parse(backup.out).id, '--workspace', '31', '--json');
    assert.equal(restored.code, 0, `${restored.err}\n${restored.out}`);
    const report = JSON.parse(restored.out) as { sessions: Array<{ sessionId: string; outcome: string }> };
    assert.deepEqual(report.sessions.map((s) => [s.sessionId, s.outcome]).sort(), [
      ['bk-a1', 'connected'],
      ['bk-a2', 'connected'],
    ]);
    assert.deepEqual(await treeDigest(other), otherBefore);
    assert.equal(await epochOf('bk-b1'), epochBefore, 'a session of the other workspace was restarted');
    assert.equal((await status('bk-b1')).status, 'connected');
  });

  it('refuses an unknown snapshot and a dry run changes nothing', async () => {
    const before = await treeDigest(fleet.storagePath);
    const dry = await fleetctl('restore', 'latest', '--dry-run');
    assert.equal(dry.code, 0, dry.err);
    assert.match(dry.out, /would_restore/);
    assert.deepEqual(await treeDigest(fleet.storagePath), before);
    const missing = await fleetctl('restore', '20200101T000000Z-abcd');
    assert.equal(missing.code, 1);
    assert.match(missing.err, /does not exist/);
  });
});

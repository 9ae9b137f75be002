import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { createBackupService, readBackupConfig, type BackupService } from '@fleet/backup';
import { createSilentLogger } from '@fleet/logger';
import { cleanPrefix, freshPrefix, TEST_REDIS_URL, waitFor } from '@fleet/testing';
import { launchChromium, PageErrors } from '../src/harness/browser';
import { startLocalFleet, type LocalFleet } from '../src/harness/local-fleet';

/** Screenshots of every page, for people to look at (gitignored). */
const SHOTS = path.resolve(__dirname, '../../../test-output/console');
const CONSOLE_INDEX = path.resolve(__dirname, '../../../services/console/dist/www/index.html');
const WORKSPACE = 41;
/** A workspace the workspace key must not see into. */
const OTHER_WORKSPACE = 44;
const STEP_MS = 60_000;
/** A pairing code as the page shows it (two groups of four, as WhatsApp does). */
const SHOWN_CODE = /^[1-9A-HJ-NP-TV-Z]{4}-[1-9A-HJ-NP-TV-Z]{4}$/;

/**
 * The web console in a real browser (Debian's Chromium, driven by playwright-core) against a real
 * local fleet: the simulator, the ingress serving /console, two workers running Baileys, and a
 * backup service. What an operator does: sign in, create a session, see its QR, scan it (the
 * simulator's virtual phone), watch it turn connected without a reload, send a text and watch its
 * timeline reach delivered; pair another session by pairing code (the phone enters the code the page
 * shows), restart it and log it out (each confirmed) and link it again; sign in with workspace keys
 * and see that workspace only, with the actions its scopes allow; drain a worker and watch the
 * session move, take a snapshot; at 1280×800 and on a 390-wide phone, with no console errors.
 */
describe('console in a browser: sign in, pair by QR and by code, restart, logout, workspace keys, send, drain, backups (Chromium against a local fleet)', function () {
  this.timeout(240_000);
  let fleet: LocalFleet;
  let prefix: string;
  let browser: Browser;
  let desktop: BrowserContext;
  let page: Page;
  let backup: BackupService;
  let backupRoot: string;
  const errors = new PageErrors();
  const phone = `1557${process.pid % 1000}0001`;
  /** The phone that links console-code by pairing code. */
  const codePhone = `1557${process.pid % 1000}0002`;

  before(async function () {
    this.timeout(180_000);
    if (!existsSync(CONSOLE_INDEX)) throw new Error(`the console is not built (${CONSOLE_INDEX}): run make build`);
    mkdirSync(SHOTS, { recursive: true });
    prefix = freshPrefix('e2e-console');
    fleet = await startLocalFleet({ redisUrl: TEST_REDIS_URL, prefix, workers: 2 });
    backupRoot = await mkdtemp(path.join(tmpdir(), 'fleet-console-backup-'));
    backup = createBackupService(
      readBackupConfig({
        REDIS_URL: TEST_REDIS_URL,
        REDIS_PREFIX: prefix,
        SESSION_STORAGE_PATH: fleet.storagePath,
        BACKUP_CRON: '0 0 1 1 *',
        BACKUP_HOST: '127.0.0.1',
        BACKUP_PORT: '0',
        S3_ENDPOINT: fleet.s3Endpoint,
        S3_ACCESS_KEY_ID: 'S3RVER',
        S3_SECRET_ACCESS_KEY: 'S3RVER',
      }),
      { logger: createSilentLogger(), instanceId: 'console-test' },
    );
    await backup.start();
    browser = await launchChromium();
    desktop = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await desktop.newPage();
    errors.watch(page, 'desktop');
  });

  after(async () => {
    await browser?.close();
    await backup?.close();
    await fleet?.close();
    if (backupRoot) await rm(backupRoot, { recursive: true, force: true });
    const redis = new Redis(TEST_REDIS_URL);
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  const shot = (p: Page, name: string) => p.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  const testId = (p: Page, id: string) => p.locator(`[data-testid="${id}"]`);
  async function confirm(p: Page): Promise<void> {
    await testId(p, 'confirm-yes').click();
    await testId(p, 'confirm-dialog').waitFor({ state: 'detached', timeout: STEP_MS });
  }
  async function signIn(p: Page, key = fleet.apiKey): Promise<void> {
    await p.goto(`${fleet.ingressUrl}/console/`);
    await testId(p, 'api-key').fill(key);
    await testId(p, 'sign-in').click();
    await testId(p, 'key-kind').waitFor({ timeout: STEP_MS });
  }
  /** Runs `steps` and fails if the page navigated meanwhile (everything shown came without a reload). */
  async function withoutReload(p: Page, steps: () => Promise<void>): Promise<void> {
    const navigations: string[] = [];
    const onNavigate = (frame: Frame): void => {
      if (frame === p.mainFrame()) navigations.push(frame.url());
    };
    p.on('framenavigated', onNavigate);
    try {
      await steps();
    } finally {
      p.off('framenavigated', onNavigate);
    }
    expect(navigations, 'the page reloaded').to.deep.equal([]);
  }
  /** The data-testid of every element whose id starts with `prefix`, in page order. */
  async function testIds(p: Page, prefix: string): Promise<string[]> {
    const ids: string[] = [];
    for (const element of await p.locator(`[data-testid^="${prefix}"]`).all()) ids.push((await element.getAttribute('data-testid'))!);
    return ids;
  }

  it('refuses a wrong key, then signs in with the admin key and shows the fleet', async () => {
    await page.goto(`${fleet.ingressUrl}/console/`);
    await shot(page, 'sign-in');
    await testId(page, 'api-key').fill('not-a-key-0123456789');
    await testId(page, 'sign-in').click();
    await testId(page, 'sign-in-error').waitFor({ timeout: STEP_MS });
    expect(await testId(page, 'sign-in-error').textContent()).to.match(/UNAUTHORIZED|not accepted/);

    await testId(page, 'api-key').fill(fleet.apiKey);
    await testId(page, 'sign-in').click();
    expect(await testId(page, 'key-kind').textContent()).to.equal('admin key');
    await page.waitForURL(/\/console\/fleet$/);
    await page.locator('[data-testid^="instance-instance-"]').nth(1).waitFor({ timeout: STEP_MS });
    expect(await page.locator('[data-testid^="instance-instance-"]').count()).to.equal(2);
    // The key is kept in this tab's sessionStorage only (evaluated in the page: strings, as this file has no DOM types).
    expect(await page.evaluate<string | null>("sessionStorage.getItem('fleet-console-key')")).to.equal(fleet.apiKey);
    expect(await page.evaluate<number>('localStorage.length + document.cookie.length')).to.equal(0);
  });

  it('creates a session, shows its QR, and turns connected without a reload when the QR is scanned', async () => {
    await testId(page, 'nav-sessions').click();
    await testId(page, 'new-session').click();
    await testId(page, 'create-id').fill('console-1');
    await testId(page, 'create-workspace').fill(String(WORKSPACE));
    await testId(page, 'create-account').fill('acc-1');
    await testId(page, 'create-submit').click();
    await page.waitForURL(/\/console\/sessions\/console-1$/);
    const qr = testId(page, 'qr');
    await qr.waitFor({ timeout: 90_000 });
    const shown = (await qr.getAttribute('data-qr'))!;
    expect(shown).to.match(/^[^,]+,[^,]+,[^,]+,[^,]+$/);
    expect(await qr.locator('path').getAttribute('d')).to.match(/^M\d+ \d+h1v1h-1z/);
    await shot(page, 'session-qr');

    await withoutReload(page, async () => {
      await fleet.simulator.scan(shown, phone);
      await testId(page, 'linked').waitFor({ timeout: 90_000 });
    });
    expect(await testId(page, 'session-status').textContent()).to.equal('connected');
    expect(await testId(page, 'session-phone').textContent()).to.equal(phone);
    await shot(page, 'session-connected');
  });

  it('sends a text from the page and shows its timeline reaching delivered', async () => {
    await testId(page, 'send-to').fill('+15559990001');
    await testId(page, 'send-text').fill(`hello from the console ${Date.now()}`);
    await testId(page, 'send-submit').click();
    const link = testId(page, 'sent-message').first();
    await link.waitFor({ timeout: STEP_MS });
    const messageId = (await link.textContent())!;
    expect(messageId).to.match(/^3EB0[0-9A-F]{20}$/);
    await link.click();
    await page.waitForURL(new RegExp(`/console/messages/${messageId}$`));
    await page.locator('[data-testid="step-delivered"][data-reached="yes"]').waitFor({ timeout: STEP_MS });
    expect(['delivered', 'read']).to.include(await testId(page, 'message-status').textContent());
    expect(await page.locator('[data-testid="step-sent"][data-reached="yes"]').count()).to.equal(1);
    expect((await fleet.api('GET', `/api/messages/${messageId}`)).body.delivered_at).to.be.a('number');
    await shot(page, 'message');
  });

  it('pairs a new session by pairing code: the phone typed in the page, the code it shows entered on the phone, connected without a reload', async () => {
    await testId(page, 'nav-sessions').click();
    await testId(page, 'new-session').click();
    await testId(page, 'create-id').fill('console-code');
    await testId(page, 'create-workspace').fill(String(WORKSPACE));
    await testId(page, 'create-submit').click();
    await page.waitForURL(/\/console\/sessions\/console-code$/);
    await testId(page, 'qr').waitFor({ timeout: 90_000 });
    await withoutReload(page, async () => {
      await testId(page, 'pair-phone').fill(`+${codePhone}`);
      await testId(page, 'pair-request').click();
      const shown = testId(page, 'pairing-code');
      await shown.waitFor({ timeout: STEP_MS });
      const code = (await shown.locator('strong').textContent())!;
      expect(code).to.match(SHOWN_CODE);
      expect(await shown.textContent()).to.include(`+${codePhone}`);
      expect((await fleet.api('GET', '/api/sessions/console-code/pairing-code')).body).to.include({ code: code.replace('-', ''), phone_number: codePhone });
      await shot(page, 'session-pairing-code');
      // WhatsApp (the simulator) holds the companion's request once its socket has sent it, just after the code.
      await waitFor(async () => (await fleet.simulator.pendingLinkCodes()).some((entry) => entry.phone === codePhone), {
        what: 'the code request at WhatsApp',
        timeoutMs: 10_000,
      });
      await fleet.simulator.enterLinkCode(codePhone, code);
      await testId(page, 'linked').waitFor({ timeout: STEP_MS });
    });
    expect(await testId(page, 'session-status').textContent()).to.equal('connected');
    expect(await testId(page, 'session-phone').textContent()).to.equal(codePhone);
    expect(await testId(page, 'pair-phone').count(), 'a linked session offers no pairing').to.equal(0);
  });

  it('restarts and logs out from the page, each confirmed; logged out, the record stays and a QR or a pairing code is offered again', async () => {
    const since = async (): Promise<number> => Number(await testId(page, 'session-since').getAttribute('data-since'));
    const connectedAt = await since();
    expect(connectedAt).to.be.greaterThan(0);
    expect(await testIds(page, 'action-')).to.deep.equal(['action-stop', 'action-restart', 'action-logout', 'action-delete']);

    await testId(page, 'action-restart').click();
    expect(await page.locator('#confirm-title').textContent()).to.equal('Restart the session?');
    await shot(page, 'session-restart-confirm');
    await confirm(page);
    await testId(page, 'session-notice').filter({ hasText: 'Restart: requested.' }).waitFor({ timeout: STEP_MS });
    // Connected again on a new socket with the same credentials: "connected since" moves on, no new link.
    await waitFor(async () => (await since()) > connectedAt, { what: 'connected again after the restart', timeoutMs: STEP_MS });
    expect(await testId(page, 'session-phone').textContent()).to.equal(codePhone);
    expect((await fleet.simulator.account(codePhone)).devices).to.equal(1);

    // Cancel does nothing; confirmed, the device is unlinked and the record stays.
    await testId(page, 'action-logout').click();
    await testId(page, 'confirm-cancel').click();
    await testId(page, 'confirm-dialog').waitFor({ state: 'detached' });
    expect((await fleet.api('GET', '/api/sessions/console-code/status')).body).to.include({ desired: 'running', phone: codePhone });
    await testId(page, 'action-logout').click();
    expect(await page.locator('#confirm-title').textContent()).to.equal('Log the device out?');
    await shot(page, 'session-logout-confirm');
    await confirm(page);
    await page.locator('[data-testid="session-status"]:text-is("logged out")').waitFor({ timeout: STEP_MS });
    await testId(page, 'not-linked').waitFor({ timeout: STEP_MS });
    expect(await testId(page, 'session-phone').textContent()).to.equal('not linked');
    expect(await testIds(page, 'action-')).to.deep.equal(['action-delete']);
    expect(await testId(page, 'link-qr').isVisible()).to.equal(true);
    expect(await testId(page, 'pair-phone').isVisible()).to.equal(true);
    expect((await fleet.api('GET', '/api/sessions/console-code/status')).body).to.include({ status: 'logged_out', desired: 'logged_out', phone: null });
    expect((await fleet.simulator.account(codePhone)).devices, 'unlinked on the phone').to.equal(0);
    await shot(page, 'session-logged-out');

    // Linked again from the page, with a new QR.
    await withoutReload(page, async () => {
      await testId(page, 'link-qr').click();
      const qr = testId(page, 'qr');
      await qr.waitFor({ timeout: 90_000 });
      await fleet.simulator.scan((await qr.getAttribute('data-qr'))!, codePhone);
      await testId(page, 'linked').waitFor({ timeout: STEP_MS });
    });
    expect(await testId(page, 'session-phone').textContent()).to.equal(codePhone);
  });

  it('lists and searches sessions, and filters them by status', async () => {
    await testId(page, 'nav-sessions').click();
    await testId(page, 'filter-search').fill('console-');
    await testId(page, 'filter-apply').click();
    await testId(page, 'session-row-console-1').waitFor({ timeout: STEP_MS });
    await testId(page, 'session-row-console-code').waitFor({ timeout: STEP_MS });
    await shot(page, 'sessions');
    await testId(page, 'filter-search').fill(`+${codePhone}`);
    await testId(page, 'filter-apply').click();
    await testId(page, 'session-row-console-1').waitFor({ state: 'detached', timeout: STEP_MS });
    expect(await testIds(page, 'session-row-')).to.deep.equal(['session-row-console-code']);
    await testId(page, 'filter-search').fill('');
    await testId(page, 'filter-apply').click();
    await testId(page, 'filter-status').selectOption('connected');
    await testId(page, 'session-row-console-1').waitFor({ timeout: STEP_MS });
    await testId(page, 'filter-status').selectOption('stopped');
    await testId(page, 'session-row-console-1').waitFor({ state: 'detached', timeout: STEP_MS });
    expect(await testIds(page, 'session-row-')).to.deep.equal([]);
    await testId(page, 'filter-status').selectOption('');
  });

  it("a workspace key sees its own workspace only: its sessions, no Fleet or Backups, another workspace's session not found", async () => {
    // Another workspace's session (a record is enough: it is stopped at once).
    expect((await fleet.api('POST', '/api/sessions/create', { session_id: 'console-other', workspace_id: OTHER_WORKSPACE, account_id: '1' })).status).to.equal(
      202,
    );
    await fleet.api('POST', '/api/sessions/console-other/stop');
    const listed = (await fleet.api('GET', `/api/sessions?workspace_id=${OTHER_WORKSPACE}`)).body.sessions.map((s: { session_id: string }) => s.session_id);
    expect(listed, 'the admin key lists it').to.include('console-other');
    const made = await fleet.api('POST', '/api/admin/keys', { workspace_id: WORKSPACE, name: 'console test' });
    expect(made.status).to.equal(201);

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const p = await context.newPage();
    errors.watch(p, 'workspace');
    try {
      await signIn(p, made.body.key as string);
      expect(await testId(p, 'key-kind').textContent()).to.equal(`workspace ${WORKSPACE}`);
      await p.waitForURL(/\/console\/sessions$/);
      expect(await testIds(p, 'nav-')).to.deep.equal(['nav-sessions', 'nav-messages', 'nav-events']);
      await testId(p, 'session-row-console-1').waitFor({ timeout: STEP_MS });
      await testId(p, 'session-row-console-code').waitFor({ timeout: STEP_MS });
      expect(await testId(p, 'session-row-console-other').count()).to.equal(0);
      expect(new Set(await p.locator('[data-testid="sessions"] tbody td.num').allTextContents())).to.deep.equal(new Set([String(WORKSPACE)]));
      expect(await testId(p, 'filter-workspace').inputValue()).to.equal(String(WORKSPACE));
      expect(await testId(p, 'filter-workspace').isDisabled()).to.equal(true);
      await shot(p, 'workspace-sessions');

      for (const [route, label] of [
        ['/console/fleet', 'Fleet'],
        ['/console/backups', 'Backups'],
      ] as const) {
        await p.goto(`${fleet.ingressUrl}${route}`);
        await testId(p, 'page-not-allowed').waitFor({ timeout: STEP_MS });
        expect(await testId(p, 'page-not-allowed').textContent()).to.include(`${label} needs an admin key`);
      }
      await shot(p, 'workspace-not-allowed');
      await p.goto(`${fleet.ingressUrl}/console/sessions/console-other`);
      await testId(p, 'session-gone').waitFor({ timeout: STEP_MS });
      expect(await testId(p, 'session-status').count()).to.equal(0);

      // Its own sessions with every action its scopes allow: a session created with a phone shows its code at once.
      await p.goto(`${fleet.ingressUrl}/console/sessions`);
      await testId(p, 'new-session').click();
      expect(await testId(p, 'create-workspace').isDisabled()).to.equal(true);
      await testId(p, 'create-id').fill('console-ws-code');
      await testId(p, 'create-phone').fill(`+${codePhone.slice(0, -1)}9`);
      await testId(p, 'create-submit').click();
      await p.waitForURL(/\/console\/sessions\/console-ws-code$/);
      await testId(p, 'pairing-code').waitFor({ timeout: STEP_MS });
      expect(await testId(p, 'pairing-code').locator('strong').textContent()).to.match(SHOWN_CODE);
      expect(await testId(p, 'session-workspace').textContent()).to.equal(String(WORKSPACE));
      await testId(p, 'action-delete').click();
      await confirm(p);
      await p.waitForURL(/\/console\/sessions$/);
      await waitFor(async () => (await fleet.api('GET', '/api/sessions/console-ws-code/status')).status === 404, {
        what: 'console-ws-code deleted',
        timeoutMs: STEP_MS,
      });

      // A read-only key (sessions:read): the sessions and their status, no action, no linking, no sending, no events.
      const readOnly = await fleet.api('POST', '/api/admin/keys', { workspace_id: WORKSPACE, scopes: ['sessions:read'] });
      await testId(p, 'sign-out').click();
      await signIn(p, readOnly.body.key as string);
      expect(await testIds(p, 'nav-')).to.deep.equal(['nav-sessions', 'nav-messages']);
      await testId(p, 'session-row-console-1').waitFor({ timeout: STEP_MS });
      expect(await testId(p, 'new-session').count()).to.equal(0);
      await testId(p, 'session-row-console-code').locator('a').click();
      await testId(p, 'linked').waitFor({ timeout: STEP_MS });
      expect(await testIds(p, 'action-')).to.deep.equal([]);
      expect(await testId(p, 'pair-phone').count()).to.equal(0);
      expect(await testId(p, 'send-to').count()).to.equal(0);
      await shot(p, 'read-only-session');
      await p.goto(`${fleet.ingressUrl}/console/events`);
      await testId(p, 'page-not-allowed').waitFor({ timeout: STEP_MS });
      expect(await testId(p, 'page-not-allowed').textContent()).to.include('needs the events:read scope');
    } finally {
      await context.close();
    }
  });

  it('shows the workspace event log with the session and message events', async () => {
    await page.goto(`${fleet.ingressUrl}/console/events?workspace=${WORKSPACE}`);
    await page.locator('[data-testid="events"] tbody tr').first().waitFor({ timeout: STEP_MS });
    const types = await page.locator('[data-testid="events"] tbody td.mono:nth-child(2)').allTextContents();
    expect(types).to.include('session.connected');
    expect(types.some((t) => t.startsWith('message.'))).to.equal(true);
    await shot(page, 'events');
  });

  it('drains the worker running the session and shows the session moving to the other one', async () => {
    const before = (await fleet.api('GET', '/api/sessions/console-1/status')).body;
    const from: string = before.instance;
    const to = from === 'instance-1' ? 'instance-2' : 'instance-1';
    await page.goto(`${fleet.ingressUrl}/console/fleet`);
    await testId(page, `instance-${from}`).waitFor({ timeout: STEP_MS });
    await testId(page, `drain-${from}`).click();
    await shot(page, 'fleet-drain-confirm');
    await confirm(page);
    await page.locator(`[data-testid="instance-${from}"][data-state="draining"][data-sessions="0"]`).waitFor({ timeout: STEP_MS });
    await page.locator(`[data-testid="instance-${to}"][data-state="active"]`).waitFor({ timeout: STEP_MS });
    await shot(page, 'fleet');

    await page.goto(`${fleet.ingressUrl}/console/sessions/console-1`);
    await page.locator(`[data-testid="session-instance"]:text-is("${to}")`).waitFor({ timeout: STEP_MS });
    await testId(page, 'linked').waitFor({ timeout: 90_000 });
    await waitFor(async () => (await fleet.api('GET', '/api/sessions/console-1/status')).body.status === 'connected', {
      what: 'connected on the new worker',
      timeoutMs: STEP_MS,
    });
  });

  it('previews a rebalance', async () => {
    await page.goto(`${fleet.ingressUrl}/console/fleet`);
    await testId(page, 'rebalance-preview').click();
    await testId(page, 'rebalance-plan').waitFor({ timeout: STEP_MS });
  });

  it('takes a snapshot from the Backups page and shows it verified', async () => {
    await testId(page, 'nav-backups').click();
    await testId(page, 'backup-now').click();
    await confirm(page);
    await page.locator('[data-testid^="snapshot-"][data-verification="verified"]').first().waitFor({ timeout: 90_000 });
    await shot(page, 'backups');
  });

  it('works on a 390-wide phone screen: no page wider than the screen, QR and timeline visible', async () => {
    const phoneContext = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const small = await phoneContext.newPage();
    errors.watch(small, 'phone');
    try {
      await signIn(small);
      const pages: Array<[string, string]> = [
        ['/console/fleet', '[data-testid="instances"]'],
        ['/console/sessions/console-1', '[data-testid="linked"]'],
        [`/console/events?workspace=${WORKSPACE}`, '[data-testid="events"] tbody tr'],
        ['/console/backups', '[data-testid="snapshots"] tbody tr'],
      ];
      for (const [route, ready] of pages) {
        await small.goto(`${fleet.ingressUrl}${route}`);
        await small.locator(ready).first().waitFor({ timeout: STEP_MS });
        const overflow = await small.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
        expect(overflow, `${route} is wider than the screen`).to.be.at.most(0);
        await shot(small, `phone-${route.split('/')[2]!.replace(/\?.*/, '')}`);
      }
      await small.goto(`${fleet.ingressUrl}/console/sessions`);
      await testId(small, 'new-session').click();
      await testId(small, 'create-id').fill('console-phone');
      await testId(small, 'create-workspace').fill(String(WORKSPACE + 1));
      await testId(small, 'create-submit').click();
      await testId(small, 'qr').waitFor({ timeout: 90_000 });
      const box = (await testId(small, 'qr').boundingBox())!;
      expect(box.x).to.be.at.least(0);
      expect(box.x + box.width).to.be.at.most(390);
      expect(await small.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth'), 'the QR page with its pairing form').to.be.at.most(0);
      await shot(small, 'phone-session-qr');
    } finally {
      await phoneContext.close();
    }
  });

  it('had no console errors, uncaught exceptions or unexpected API refusals on any page, with any key', () => {
    expect(errors.errors).to.deep.equal([]);
    // The 4xx answers the console gets by design: long polls that end without a QR or a code, the wrong
    // key at sign-in, the other workspace's session opened on purpose. Any other (a 403 from a route the
    // key may not use, a 400 for a request the API rejects, a 409 for an action the state refuses) is a bug.
    const expected = [
      /\/api\/sessions\/[\w-]+\/(qr|pairing-code)\?\S* Failed to load resource: the server responded with a status of 404/,
      /\/api\/keys\/current Failed to load resource: the server responded with a status of 401/,
      /\/api\/sessions\/console-other\/status Failed to load resource: the server responded with a status of 404/,
    ];
    expect(errors.apiAnswers.filter((answer) => !expected.some((pattern) => pattern.test(answer)))).to.deep.equal([]);
  });
});

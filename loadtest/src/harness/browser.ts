import { existsSync } from 'node:fs';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';

/** Debian's Chromium (scripts/ensure-chromium.sh installs it); npm never downloads a browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless Chromium for the console's browser tests and bench. The flags keep it off the network
 * (only loopback is reachable here) and quiet: no background requests, component updates or sync.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}: run scripts/ensure-chromium.sh (make test-deps)`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/**
 * Every console error and uncaught exception of a page, with one exception: Chromium logs each
 * non-2xx answer to a `fetch` as "Failed to load resource: … status of 4xx". The console gets such
 * answers from the API by design (a QR long poll that ends without a QR is a 404 `QR_NOT_AVAILABLE`)
 * and shows them; those are kept apart, for `/api/` URLs and 4xx only. Everything else counts: a
 * script error, a CSP violation, a failed asset, a 5xx.
 */
export class PageErrors {
  readonly errors: string[] = [];
  readonly apiAnswers: string[] = [];

  watch(page: Page, label: string): void {
    page.on('console', (message: ConsoleMessage) => {
      if (message.type() !== 'error') return;
      const text = message.text();
      const url = message.location().url ?? '';
      if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(text) && /\/api\//.test(url)) {
        this.apiAnswers.push(`${label}: ${url} ${text}`);
        return;
      }
      this.errors.push(`${label}: console.error ${text} (${url})`);
    });
    page.on('pageerror', (error) => this.errors.push(`${label}: uncaught ${error.message}`));
  }
}

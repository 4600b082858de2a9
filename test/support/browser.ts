// Debian's chromium, headless, driven by playwright-core: the flags keep it off the network (this
// machine has none) and out of first-run work. Page errors are printed, so a broken page fails
// loudly rather than as a time-out.
import { chromium, type Browser, type Page } from 'playwright-core';

const cspLog = new WeakMap<Page, string[]>();

/** Console lines in which chromium reported a Content-Security-Policy violation on this page so far. */
export function cspViolations(page: Page): string[] {
  return cspLog.get(page) ?? [];
}

export async function openBrowserPage(): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  // The browser's zone pinned to UTC, as on CI: the pages count days in the city's zone, never the browser's, and tests see that.
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, timezoneId: 'UTC' });
  page.on('pageerror', (err) => console.error('[page error]', err.message));
  page.on('console', (m) => m.type() === 'error' && console.error('[page console]', m.text()));
  const violations: string[] = [];
  cspLog.set(page, violations);
  page.on('console', (m) => /Content Security Policy/i.test(m.text()) && violations.push(m.text()));
  return { browser, page };
}

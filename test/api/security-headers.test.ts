// Security headers on every family of responses, each page working in chromium under its own CSP
// (no violation in the console), no site able to frame the API's pages, and the dashboard cookie
// Secure over TLS or behind a trusted proxy that says https.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv, trustProxyFromEnv } from '../../api/config.ts';
import { observation, startTestApi, storedEvidence, type TestApi } from '../support/api.ts';
import { cspViolations, openBrowserPage } from '../support/browser.ts';
import { freePort } from '../support/ports.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';
import { samplePath } from '../support/samples.ts';

let redis: TestRedis;
let api: TestApi;
let base: string;
let browser: Browser;
let page: Page;
let evidenceUrl: string;

beforeAll(async () => {
  redis = await startRedis();
  api = await startTestApi({ kind: 'pglite' }, { surveys: { redisUrl: redis.url, prefix: 'headers-test' }, trustProxy: '127.0.0.1', now: () => new Date() });
  const port = await freePort();
  await api.app.listen({ port, host: '127.0.0.1' });
  base = `http://127.0.0.1:${port}`;
  const item = await storedEvidence(api.objects, 'frame', await readFile(samplePath('darknet/dog.jpg')));
  const caseId = (await api.app.inject({ method: 'POST', url: '/v1/cases', headers: api.headers('ingest'), payload: observation({ evidence: [item] }) })).json().caseId;
  evidenceUrl = (await api.app.inject({ method: 'GET', url: `/v1/cases/${caseId}`, headers: api.headers('reviewer') })).json().evidence[0].url;
  ({ browser, page } = await openBrowserPage());
});
afterAll(async () => {
  await browser?.close();
  await api?.close();
  await redis?.stop();
});

const csp = (headers: Record<string, unknown>) =>
  String(headers['content-security-policy'] ?? '').split(';').map((d) => d.trim()).filter(Boolean).join('; ');
const directive = (policy: string, name: string) => policy.split(';').map((d) => d.trim()).find((d) => d.split(' ')[0] === name);

async function adminCookie(headers: Record<string, string> = {}, remoteAddress?: string): Promise<string> {
  const res = await api.app.inject({ method: 'POST', url: '/admin/queues-session', headers: { ...api.headers('admin'), ...headers }, remoteAddress });
  expect(res.statusCode).toBe(200);
  return String(res.headers['set-cookie']);
}

describe('security headers', () => {
  it('every family answers with nosniff, no framing, no referrer and a CSP of its own', async () => {
    const cookie = (await adminCookie()).split(';')[0]!;
    const families: Array<[string, string, Record<string, string>, RegExp]> = [
      ['review page', '/review/', {}, /script-src 'self'; style-src 'self'; img-src 'self'/],
      ['review script', '/review/review.js', {}, /script-src 'self'/],
      ['docs', '/docs/', {}, /style-src 'self' 'unsafe-inline'; img-src 'self' data:/],
      ['docs json', '/docs/json', {}, /script-src 'self'/],
      ['dashboard sign-in', '/admin/queues-login', {}, /script-src 'sha256-[A-Za-z0-9+/=]{44}'/],
      ['dashboard', '/admin/queues/', { cookie, accept: 'text/html' }, /fonts\.googleapis\.com/],
      ['dashboard api', '/admin/queues/api/queues', { cookie }, /script-src 'self'/],
      ['dashboard refused', '/admin/queues/api/queues', {}, /script-src 'self'/],
      ['api', '/v1/cases', api.headers('reviewer'), /^default-src 'none'; form-action 'none'/],
      ['api refused', '/v1/cases', {}, /^default-src 'none'/],
      ['health', '/healthz', {}, /^default-src 'none'/],
      ['not found', '/nowhere', {}, /^default-src 'none'/],
      ['evidence', evidenceUrl, {}, /^sandbox; default-src 'none'/],
    ];
    for (const [family, url, headers, policy] of families) {
      const res = await api.app.inject({ method: 'GET', url, headers });
      expect(res.statusCode, family).toBeLessThan(500);
      expect(res.headers['x-content-type-options'], family).toBe('nosniff');
      expect(res.headers['x-frame-options'], family).toBe('DENY');
      expect(res.headers['referrer-policy'], family).toBe('no-referrer');
      expect(csp(res.headers), family).toMatch(policy);
      expect(directive(csp(res.headers), 'frame-ancestors'), family).toBe("frame-ancestors 'none'");
      // Only the sign-in page runs inline script, and only by its hash.
      expect(directive(csp(res.headers), 'script-src') ?? '', family).not.toContain('unsafe');
    }
  });

  it('swagger-ui and bull-board work in chromium under their policies with no CSP violation', async () => {
    await page.goto(`${base}/docs/`);
    await page.getByText('城管 cases API').first().waitFor();
    await page.locator('.opblock').first().waitFor();
    await page.goto(`${base}/admin/queues-login#key=${api.keys.admin}`);
    await page.waitForURL(`${base}/admin/queues/`);
    await page.getByText('dispatch').first().waitFor();
    expect(cspViolations(page)).toEqual([]);
  });

  it('no other site can frame the review page', async () => {
    const attacker: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(`<iframe id="f" src="${base}/review/"></iframe>`));
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    try {
      const before = cspViolations(page).length;
      await page.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);
      await expect.poll(() => cspViolations(page).slice(before).join('\n')).toMatch(/frame-ancestors 'none'/);
      const frame = page.frames().find((f) => f !== page.mainFrame());
      expect(await frame?.locator('#key-input').count().catch(() => 0)).toBe(0);
    } finally {
      await new Promise((resolve) => attacker.close(resolve));
    }
  });
});

describe('dashboard cookie', () => {
  it('is Secure behind a trusted proxy that says https, and only then', async () => {
    expect(await adminCookie({ 'x-forwarded-proto': 'https' })).toMatch(/; HttpOnly; SameSite=Strict; Max-Age=3600; Secure$/);
    expect(await adminCookie()).not.toMatch(/Secure/);
    // A client that is not the trusted proxy cannot claim https.
    expect(await adminCookie({ 'x-forwarded-proto': 'https' }, '10.9.8.7')).not.toMatch(/Secure/);
  });

  it('is Secure when the API itself serves TLS', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'api-tls-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    const config = configFromEnv({ TLS_KEY_FILE: key, TLS_CERT_FILE: cert, TRUST_PROXY: 'false' });
    const tls = await startTestApi({ kind: 'pglite' }, { tls: config.tls, trustProxy: config.trustProxy });
    try {
      const port = await freePort();
      await tls.app.listen({ port, host: '127.0.0.1' });
      const setCookie = await new Promise<string>((resolve, reject) => {
        const req = httpsRequest({ host: '127.0.0.1', port, method: 'POST', path: '/admin/queues-session', headers: tls.headers('admin'), rejectUnauthorized: false }, (res) => {
          res.resume();
          resolve(String(res.headers['set-cookie']));
        });
        req.on('error', reject);
        req.end();
      });
      expect(setCookie).toMatch(/^cg_queue_session=[\w-]+; .*; Secure$/);
    } finally {
      await tls.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads TRUST_PROXY as false, true or the proxies’ addresses', () => {
    expect([undefined, '', 'false'].map(trustProxyFromEnv)).toEqual([false, false, false]);
    expect(trustProxyFromEnv('true')).toBe(true);
    expect(trustProxyFromEnv('127.0.0.1,10.0.0.0/8')).toBe('127.0.0.1,10.0.0.0/8');
    expect(configFromEnv({}).tls).toBeUndefined();
  });
});

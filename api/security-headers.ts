// Security headers on every response (@fastify/helmet): nosniff, no framing by any site, no
// Referer (signed evidence links carry their signature in the URL), and a Content-Security-Policy
// fit for each family of responses, chosen once per route from its path (a route that states its
// own helmet options, like the field page, keeps them). Each page's policy is
// built from what that page loads; a page that starts loading something new must be added here,
// and the browser tests fail on any CSP violation until it is.
// Registered before every route (and without encapsulation) so its onRoute hook sees them all.
import { createHash } from 'node:crypto';
import helmet from '@fastify/helmet';
import type { FastifyInstance, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { MEDIA_CSP } from './evidence/media-type.ts';
import { DASHBOARD_PATH, LOGIN_PAGE } from './routes/queue-dashboard.ts';

type Directives = Record<string, string[]>;

const NO_FRAMING = { 'frame-ancestors': ["'none'"], 'base-uri': ["'none'"], 'object-src': ["'none'"] };

/** JSON, metrics, errors: nothing in them should ever load or run anything. */
export const API_POLICY: Directives = { 'default-src': ["'none'"], 'form-action': ["'none'"], ...NO_FRAMING };

/** The reviewer pages (api/web): their own modules, stylesheet, API calls and evidence images. No inline code. */
export const REVIEW_POLICY: Directives = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'"],
  'media-src': ["'self'"],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  ...NO_FRAMING,
};

/** Swagger UI: its bundle sets inline styles and draws a few icons as data: URLs. */
export const DOCS_POLICY: Directives = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  ...NO_FRAMING,
};

/**
 * bull-board: inline styles in its page and React, a JSON config block (data, not script), its own
 * bundle, and the IBM Plex stylesheet it links from Google Fonts (unreachable offline; the page
 * falls back to system fonts). Its page sets <base href>, hence base-uri 'self'.
 */
export const BOARD_POLICY: Directives = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'", 'https://fonts.googleapis.com'],
  'font-src': ["'self'", 'data:', 'https://fonts.gstatic.com'],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  ...NO_FRAMING,
  'base-uri': ["'self'"],
};

/** The dashboard sign-in page: its one inline script, allowed by hash, and its inline stylesheet. */
export function loginPolicy(page: string = LOGIN_PAGE): Directives {
  const hashes = [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`);
  return { 'default-src': ["'none'"], 'script-src': hashes, 'style-src': ["'unsafe-inline'"], 'connect-src': ["'self'"], 'form-action': ["'self'"], ...NO_FRAMING };
}

/** Evidence and survey image bytes (also set where they are sent, api/evidence/verified-object.ts). */
export const MEDIA_POLICY: Directives = Object.fromEntries(
  MEDIA_CSP.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]),
);

export function policyFor(url: string): Directives {
  if (url === '/v1/evidence/:sha256' || url === '/v1/surveys/:id/images/:sha256/file') return MEDIA_POLICY;
  if (url === '/review' || url.startsWith('/review/')) return REVIEW_POLICY;
  if (url === '/docs' || url.startsWith('/docs/')) return DOCS_POLICY;
  if (url === `${DASHBOARD_PATH}-login`) return loginPolicy();
  if (url === DASHBOARD_PATH || url.startsWith(`${DASHBOARD_PATH}/`)) return BOARD_POLICY;
  return API_POLICY;
}

export const securityHeaders = fp(async function securityHeaders(app: FastifyInstance) {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: API_POLICY },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
  app.addHook('onRoute', (route: RouteOptions & { helmet?: unknown }) => {
    // A route that states its own (e.g. the field page's) keeps it.
    if (route.helmet !== undefined || (route.config as { helmet?: unknown } | undefined)?.helmet !== undefined) return;
    const directives = policyFor(route.url);
    if (directives === API_POLICY) return;
    route.config = { ...(route.config ?? {}), helmet: { contentSecurityPolicy: { useDefaults: false, directives } } } as typeof route.config;
  });
});

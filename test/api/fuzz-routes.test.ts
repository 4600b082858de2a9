// The guard that stays (issue 12): every JSON route the API registers, found by walking the routes
// as they were registered (api/input-guard.ts keeps their input schemas), gets hostile requests made
// from its own schema: wrong types, NUL and lone surrogates, huge numbers and strings, deep
// nesting, broken polygons, in the body, the path and the query, under every role's key (made
// through the API) and none. For a fixed time budget, topped up to at least 500 requests on a slow machine. Any 5xx,
// any crash, or any answer holding the password planted in a camera URL fails the run, with the
// request that did it.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../api/case/actor.ts';
import { routeInputs, type RouteInputs } from '../../api/input-guard.ts';
import { observation, startTestApi, storedEvidence, type TestApi } from '../support/api.ts';
import { droneJpeg } from '../survey/drone-jpeg.ts';
import { multipart } from '../survey/multipart.ts';
import { hostileRawBody, hostileString } from './fuzz/hostile-values.ts';
import { valueFrom, type Known } from './fuzz/schema-arbitrary.ts';

const BUDGET_MS = 25_000;
const MULTIPART_BUDGET_MS = 5_000;
const MIN_UPLOADS = 50;
const MIN_REQUESTS = 500;
const SECRET = 'PLANTEDSECRET';
const PLANTED_CAMERA = {
  id: 'cam-planted',
  name: 'planted',
  url: `rtsp://viewer:${SECRET}@10.0.0.7/stream1`,
  zones: [{ id: 'z1', kind: 'no_parking', polygon: [[0.1, 0.5], [0.9, 0.5], [0.9, 0.95], [0.1, 0.95]] }],
};
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface FuzzRequest {
  method: Method;
  url: string;
  role: Role | 'none';
  payload?: string;
  /** The route it was made for, as registered. */
  route: string;
}

/** Routes that take JSON (or nothing) and answer JSON: everything but static pages, the dashboard's own app and multipart uploads. */
function jsonRoutes(all: readonly RouteInputs[]): Array<RouteInputs & { method: Method }> {
  return all
    .filter((r) => !r.url.includes('*') && !r.url.startsWith('/docs') && !r.url.startsWith('/review') && !r.consumes?.includes('multipart/form-data'))
    .flatMap((r) => r.methods.filter((m): m is Method => ['GET', 'POST', 'PUT', 'DELETE'].includes(m)).map((method) => ({ ...r, method })));
}

/** Path segments as a client would send them: UTF-8 percent-encoded (a lone surrogate becomes U+FFFD, as any client makes it). */
function encodeSegment(value: unknown): string {
  return [...Buffer.from(String(value), 'utf8')].map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

/** Already-encoded path values no client library would make, but a raw socket can. */
const RAW_SEGMENTS = ['%00', '%ED%A0%80', '%FF', '%', '..%2F..%2Fetc%2Fpasswd', '1e30', '99999999999999999999', '-1', '0'];

function queryString(query: unknown): string {
  if (query === null || typeof query !== 'object' || Array.isArray(query)) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query as Record<string, unknown>)) {
    for (const one of Array.isArray(v) ? v : [v]) parts.push(`${encodeSegment(k)}=${encodeSegment(typeof one === 'object' ? JSON.stringify(one) : one)}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

describe('fuzzing every JSON route with hostile input', () => {
  let api: TestApi;
  const keys = {} as Record<Role, string>;
  /** The API's warnings and errors: a 500 is reported with the cause it logged, and no line may hold the planted password. */
  const logLines: string[] = [];
  const lastError = () => [...logLines].reverse().find((line) => line.includes('"level":50'));
  const known: Known = { id: ['1', '2', '3', PLANTED_CAMERA.id, 'fuzz-unit'], zoneId: ['z1'], type: ['illegal_parking', 'street_vending'], sha256: [], key: [], unit: ['fuzz-unit'] };

  const send = (method: Method, url: string, key: string, payload?: object) => api.app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload ? { payload } : {}) });
  const plantCamera = async () => expect((await send('PUT', `/v1/cameras/${PLANTED_CAMERA.id}`, keys.operator, PLANTED_CAMERA)).statusCode).toBeLessThan(300);

  beforeAll(async () => {
    api = await startTestApi({ kind: 'pglite' }, { logLevel: 'warn', logStream: { write: (line: string) => void logLines.push(line) } });
    // One key per role the API knows, made through the API; a field key acts for a unit.
    const unit = await send('PUT', '/v1/units/fuzz-unit', api.keys.admin, { name: 'fuzz unit' });
    for (const role of ROLES) {
      const made = await send('POST', '/v1/keys', api.keys.admin, { role, name: `fuzz ${role}`, ...(role === 'field' && unit.statusCode < 300 ? { unit: 'fuzz-unit' } : {}) });
      expect(made.statusCode, made.body).toBe(201);
      keys[role] = made.json().key;
    }
    await plantCamera();
    // Cases 1 (pending), 2 (confirmed) and 3 (dispatched), so the moves reach the lifecycle.
    for (let i = 0; i < 3; i++) {
      const evidence = await storedEvidence(api.objects);
      known.sha256!.push(evidence.sha256);
      known.key!.push(evidence.key);
      expect((await send('POST', '/v1/cases', keys.ingest, observation({ evidence: [evidence] }))).statusCode).toBe(201);
    }
    expect((await send('POST', '/v1/cases/2/confirm', keys.reviewer)).statusCode).toBe(200);
    expect((await send('POST', '/v1/cases/3/confirm', keys.reviewer)).statusCode).toBe(200);
    // Dispatching is a reviewer's or a dispatcher's move, to a known unit: whichever this API has.
    for (const role of ['dispatcher', 'reviewer'] as Role[]) {
      if (keys[role] && (await send('POST', '/v1/cases/3/dispatch', keys[role], { unit: 'fuzz-unit' })).statusCode === 200) break;
    }
    // Survey 1 with one image, so the survey-image routes reach their handlers.
    expect((await send('POST', '/v1/surveys', keys.operator, { name: 'fuzz', flownAt: '2026-03-02T01:00:00Z' })).statusCode).toBe(201);
    const { payload, headers } = await multipart([{ name: 'DJI_0001.JPG', bytes: await droneJpeg({ width: 64, height: 48 }) }]);
    const uploaded = await api.app.inject({ method: 'POST', url: '/v1/surveys/1/images', headers: { authorization: `Bearer ${keys.operator}`, ...headers }, payload });
    expect(uploaded.statusCode).toBe(201);
    known.sha256!.push(uploaded.json().images[0].sha256);
  });
  afterAll(async () => {
    await api?.close();
  });

  function requestFor(route: RouteInputs & { method: Method }): fc.Arbitrary<FuzzRequest> {
    const names = [...route.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
    const paramSchemas = ((route.params as { properties?: Record<string, unknown> } | undefined)?.properties ?? {}) as Record<string, unknown>;
    const segment = (name: string) =>
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...(known[name]?.length ? known[name]! : ['1'])).map(encodeSegment) },
        { weight: 2, arbitrary: valueFrom(paramSchemas[name] ?? { type: 'string' }, 0).map(encodeSegment) },
        { weight: 1, arbitrary: hostileString.map(encodeSegment) },
        { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
      );
    const path = fc.tuple(...names.map(segment)).map((values) => names.reduce((url, n, i) => url.replace(`:${n}`, values[i]!), route.url));
    // Clean, lightly and heavily broken: each built once, at three rates of hostile values per field.
    const atRates = (schema: unknown) => fc.oneof(...[0, 0.1, 0.3].map((rate) => valueFrom(schema, rate, '', known)));
    const query = route.querystring ? atRates(route.querystring).map(queryString) : fc.constant('');
    const body: fc.Arbitrary<string | undefined> =
      route.method === 'POST' || route.method === 'PUT'
        ? fc.oneof(
            { weight: 8, arbitrary: atRates(route.body ?? {}).map((b) => JSON.stringify(b) ?? 'null') },
            { weight: 1, arbitrary: hostileRawBody },
          )
        : fc.constant(undefined);
    // Mostly a role the route lets in, so requests reach the handler; any role (or none) otherwise.
    const allowed = Array.isArray(route.roles) ? ROLES.filter((r) => (route.roles as Role[]).includes(r) || r === 'admin') : [...ROLES];
    const role = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...allowed) }, { weight: 1, arbitrary: fc.constantFrom(...ROLES, 'none' as const) });
    return fc.record({ path, query, body, role }).map(({ path: p, query: q, body: b, role }) => ({
      method: route.method,
      route: `${route.method} ${route.url}`,
      url: p + q,
      role,
      ...(b !== undefined ? { payload: b } : {}),
    }));
  }

  it(`sends at least ${MIN_UPLOADS} broken multipart uploads in ${MULTIPART_BUDGET_MS / 1000} s: never a 5xx`, async () => {
    const { payload, headers } = await multipart([
      { name: 'DJI_0002.JPG', bytes: await droneJpeg({ width: 40, height: 30 }) },
      { name: 'DJI_0003.JPG', bytes: await droneJpeg({ width: 30, height: 40 }) },
    ]);
    const boundary = /boundary=(.*)$/.exec(headers['content-type']!)![1]!;
    // Each upload: the good body cut short, bytes overwritten, its boundary or file names replaced.
    const broken = fc.record({
      cut: fc.option(fc.integer({ min: 0, max: payload.length }), { nil: undefined }),
      flips: fc.array(fc.tuple(fc.integer({ min: 0, max: payload.length - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      contentType: fc.oneof(
        fc.constant(headers['content-type']!),
        fc.constantFrom('multipart/form-data', 'multipart/form-data; boundary=', 'multipart/form-data; boundary=other', 'multipart/mixed; boundary=x', 'application/json'),
        fc.string({ maxLength: 30 }).map((b) => `multipart/form-data; boundary=${b}`),
      ),
      fileName: fc.option(hostileString.map((n) => n.slice(0, 200)), { nil: undefined }),
    });
    let sent = 0;
    const property = fc.asyncProperty(broken, async ({ cut, flips, contentType, fileName }) => {
      let body = Buffer.from(payload);
      if (fileName !== undefined) body = Buffer.from(body.toString('latin1').replace('DJI_0002.JPG', Buffer.from(fileName, 'utf8').toString('latin1')), 'latin1');
      for (const [at, byte] of flips) if (at < body.length) body[at] = byte;
      if (cut !== undefined) body = body.subarray(0, cut);
      sent++;
      const res = await api.app.inject({ method: 'POST', url: '/v1/surveys/1/images', headers: { authorization: `Bearer ${keys.operator}`, 'content-type': contentType }, payload: body });
      if (res.statusCode >= 500) throw new Error(`${res.statusCode} for an upload (boundary ${boundary}, cut ${cut}, flips ${JSON.stringify(flips)}, content-type ${contentType}, file name ${JSON.stringify(fileName)}): ${res.body.slice(0, 300)}; the API logged: ${lastError()?.slice(0, 300) ?? 'nothing'}`);
    });
    await fc.assert(property, { numRuns: 1_000_000, interruptAfterTimeLimit: MULTIPART_BUDGET_MS, markInterruptAsFailure: false, endOnFailure: true });
    // A loaded machine may end the budget early: top up to the minimum, so how much is tried
    // never depends on how busy the machine was.
    if (sent < MIN_UPLOADS) await fc.assert(property, { numRuns: MIN_UPLOADS - sent, endOnFailure: true });
    console.log(`fuzz: ${sent} broken multipart uploads`);
    expect(sent).toBeGreaterThanOrEqual(MIN_UPLOADS);
  }, MULTIPART_BUDGET_MS + 90_000);

  it(`sends at least ${MIN_REQUESTS} hostile requests in ${BUDGET_MS / 1000} s: no 5xx, no crash, no planted secret in any answer`, async () => {
    const routes = jsonRoutes(routeInputs(api.app));
    expect(routes.length).toBeGreaterThan(40);
    const hits = new Map<string, number>();
    const statuses = new Map<number, number>();
    let sent = 0;
    let bodies = 0;
    // One arbitrary per route, built once: building them from the schemas is the costly part.
    // Routes that take a body get twice the turns: a body has the most fields to break.
    const property = fc.asyncProperty(fc.oneof(...routes.map((r) => ({ weight: r.method === 'POST' || r.method === 'PUT' ? 2 : 1, arbitrary: requestFor(r) }))), async (req) => {
      // A fuzzed PUT or DELETE may replace the planted camera: plant it again now and then.
      if (sent % 20 === 0) await plantCamera();
      sent++;
      const headers: Record<string, string> = req.role === 'none' ? {} : { authorization: `Bearer ${keys[req.role]}` };
      if (req.payload !== undefined) {
        headers['content-type'] = 'application/json';
        bodies++;
      }
      const res = await api.app.inject({ method: req.method, url: req.url, headers, ...(req.payload !== undefined ? { payload: req.payload } : {}) });
      hits.set(req.route, (hits.get(req.route) ?? 0) + 1);
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      const shown = `${req.method} ${req.url.slice(0, 300)} as ${req.role}${req.payload !== undefined ? ` with ${req.payload.slice(0, 300)}` : ''}`;
      if (res.statusCode >= 500) {
        const line = lastError();
        const logged = line ? (JSON.parse(line) as { err?: { message?: string } }).err?.message : undefined;
        throw new Error(`${res.statusCode} for ${shown}: ${res.body.slice(0, 300)}; the API logged: ${logged ?? 'nothing'}`);
      }
      if (res.body.includes(SECRET) || JSON.stringify(res.headers).includes(SECRET)) throw new Error(`the planted camera password is in the answer to ${shown}: ${res.body.slice(0, 300)}`);
      if (logLines.some((line) => line.includes(SECRET))) throw new Error(`the planted camera password reached the API log after ${shown}`);
    });
    await fc.assert(property, { numRuns: 1_000_000, interruptAfterTimeLimit: BUDGET_MS, markInterruptAsFailure: false, endOnFailure: true });
    if (sent < MIN_REQUESTS) await fc.assert(property, { numRuns: MIN_REQUESTS - sent, endOnFailure: true });
    console.log(`fuzz: ${sent} requests (${bodies} with a body) over ${routes.length} routes; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    expect(sent).toBeGreaterThanOrEqual(MIN_REQUESTS);
    expect(routes.map((r) => `${r.method} ${r.url}`).filter((r) => !hits.has(r))).toEqual([]);
    // Some requests got through validation into the handlers and the store, not only refusals.
    expect([...statuses].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0)).toBeGreaterThan(0);
  }, BUDGET_MS + 240_000);
});

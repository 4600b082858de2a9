// Every finding of issue 12's "bad input" list, kept: each of these once answered 500 or was
// stored when it should have been refused. Now each is a 4xx whose message names the field, and
// nothing that was there before is lost. Run on PGlite and on a real PostgreSQL (which is stricter
// about text: it refuses NUL and lone surrogates in jsonb).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_RING_POINTS } from '../../contracts/polygon.ts';
import { uploadSurveyImages } from '../../pipeline/survey/upload-folder.ts';
import { dbBackends } from '../support/db-backends.ts';
import { observation, startTestApi, storedEvidence, type TestApi } from '../support/api.ts';
import { droneJpeg } from '../survey/drone-jpeg.ts';
import { multipart } from '../survey/multipart.ts';
import type { Role } from '../../api/case/actor.ts';
import { routeInputs } from '../../api/input-guard.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

const NUL = '\u0000';
const LONE = '\ud800';
const SQUARE = [
  [121.47, 31.23],
  [121.48, 31.23],
  [121.48, 31.24],
  [121.47, 31.24],
  [121.47, 31.23],
];
const camera = {
  id: 'cam-gate-3',
  name: '三号门',
  url: 'rtsp://admin:gate3pass@10.0.0.5/stream1',
  zones: [{ id: 'z1', kind: 'no_parking', polygon: [[0.1, 0.5], [0.9, 0.5], [0.9, 0.95], [0.1, 0.95]] }],
};
const caseType = { nameZh: '违停', handlingLimitMinutes: 120, workingTime: false, codes: [{ standard: 'GB/T 1', code: '0101', primary: true }] };
const sha = 'a'.repeat(64);

/** Where a hostile string goes: the route, who may call it, and the field the refusal must name (case moves as admin, who may make them all). */
type Target = { name: string; method: Method; url: (s: string) => string; role: Role; body?: (s: string) => object; field: string; in: 'body' | 'params' | 'querystring' };

const targets: Target[] = [
  { name: 'camera name', method: 'POST', url: () => '/v1/cameras', role: 'operator', body: (s) => ({ ...camera, id: 'cam-x', name: `gate${s}` }), field: 'name', in: 'body' },
  { name: 'camera url', method: 'POST', url: () => '/v1/cameras', role: 'operator', body: (s) => ({ ...camera, id: 'cam-x', url: `rtsp://10.0.0.9/${s}` }), field: 'url', in: 'body' },
  { name: 'camera id', method: 'POST', url: () => '/v1/cameras', role: 'operator', body: (s) => ({ ...camera, id: `cam${s}` }), field: 'id', in: 'body' },
  { name: 'camera rule key', method: 'PUT', url: () => `/v1/cameras/${camera.id}`, role: 'operator', body: (s) => ({ ...camera, rules: { [`illegal_parking${s}`]: {} } }), field: 'rules', in: 'body' },
  { name: 'zone name', method: 'PUT', url: () => `/v1/cameras/${camera.id}/zones/z1`, role: 'operator', body: (s) => ({ ...camera.zones[0], name: `kerb${s}` }), field: 'name', in: 'body' },
  { name: 'camera id in the path', method: 'GET', url: (s) => `/v1/cameras/${encodeURIComponent(`c${s}`)}`, role: 'operator', field: 'id', in: 'params' },
  { name: 'observation id', method: 'POST', url: () => '/v1/cases', role: 'ingest', body: (s) => ({ ...observation({ evidence: [] }), observationId: `obs${s}` }), field: 'observationId', in: 'body' },
  { name: 'observation source name', method: 'POST', url: () => '/v1/cases', role: 'ingest', body: (s) => ({ ...observation({ evidence: [] }), source: { kind: 'camera', id: 'c1', name: `东门${s}` } }), field: 'source.name', in: 'body' },
  { name: 'observation attribute key', method: 'POST', url: () => '/v1/cases', role: 'ingest', body: (s) => ({ ...observation({ evidence: [] }), attributes: { [`colour${s}`]: 'red' } }), field: 'attributes', in: 'body' },
  { name: 'confirm note', method: 'POST', url: () => '/v1/cases/1/confirm', role: 'admin', body: (s) => ({ note: `ok${s}` }), field: 'note', in: 'body' },
  { name: 'reject reason', method: 'POST', url: () => '/v1/cases/1/reject', role: 'admin', body: (s) => ({ reason: `no${s}` }), field: 'reason', in: 'body' },
  { name: 'reclassify note', method: 'POST', url: () => '/v1/cases/1/reclassify', role: 'admin', body: (s) => ({ type: 'street_vending', note: s }), field: 'note', in: 'body' },
  { name: 'dispatch unit', method: 'POST', url: () => '/v1/cases/1/dispatch', role: 'admin', body: (s) => ({ unit: `unit${s}` }), field: 'unit', in: 'body' },
  { name: 'box correction note', method: 'POST', url: () => '/v1/cases/1/corrections', role: 'admin', body: (s) => ({ sha256: sha, boxes: [], note: s }), field: 'note', in: 'body' },
  { name: 'survey name', method: 'POST', url: () => '/v1/surveys', role: 'operator', body: (s) => ({ name: `东区${s}`, flownAt: '2026-03-02T01:00:00Z' }), field: 'name', in: 'body' },
  { name: 'survey timezone', method: 'POST', url: () => '/v1/surveys', role: 'operator', body: (s) => ({ name: 'x', flownAt: '2026-03-02T01:00:00Z', timezone: `Asia/Shanghai${s}` }), field: 'timezone', in: 'body' },
  { name: 'survey zone feature property', method: 'PUT', url: () => '/v1/surveys/1/zones', role: 'operator', body: (s) => ({ noParking: { type: 'Feature', properties: { name: `bay${s}` }, geometry: { type: 'Polygon', coordinates: [SQUARE] } } }), field: 'noParking.properties.name', in: 'body' },
  { name: 'survey image result error', method: 'PUT', url: () => `/v1/surveys/1/images/${sha}/result`, role: 'ingest', body: (s) => ({ status: 'failed', attempt: 1, error: `broke${s}` }), field: 'error', in: 'body' },
  { name: 'survey image correction note', method: 'POST', url: () => `/v1/surveys/1/images/${sha}/corrections`, role: 'admin', body: (s) => ({ boxes: [], note: s }), field: 'note', in: 'body' },
  { name: 'case-type name', method: 'PUT', url: () => '/v1/case-types/illegal_parking', role: 'operator', body: (s) => ({ ...caseType, nameZh: `违停${s}` }), field: 'nameZh', in: 'body' },
  { name: 'case-type code', method: 'PUT', url: () => '/v1/case-types/illegal_parking', role: 'operator', body: (s) => ({ ...caseType, codes: [{ standard: 'GB/T 1', code: `01${s}`, primary: true }] }), field: 'codes.0.code', in: 'body' },
  { name: 'calendar timezone', method: 'PUT', url: () => '/v1/settings/working-calendar', role: 'operator', body: (s) => ({ timezone: `UTC${s}`, days: [1], periods: [{ start: '09:00', end: '17:00' }], holidays: [], workdays: [] }), field: 'timezone', in: 'body' },
  { name: 'key name', method: 'POST', url: () => '/v1/keys', role: 'admin', body: (s) => ({ role: 'ingest', name: `worker${s}` }), field: 'name', in: 'body' },
  { name: 'key id in the path', method: 'DELETE', url: (s) => `/v1/keys/${encodeURIComponent(`k${s}`)}`, role: 'admin', field: 'id', in: 'params' },
  { name: 'case list source filter', method: 'GET', url: (s) => `/v1/cases?source=${encodeURIComponent(`cam${s}`)}`, role: 'reviewer', field: 'source', in: 'querystring' },
];

describe.each(dbBackends('hostile'))('hostile input on %s', (_name, settings) => {
  let api: TestApi;
  let surveyId: string;
  beforeAll(async () => {
    api = await startTestApi(await settings());
    expect((await send('PUT', `/v1/cameras/${camera.id}`, 'operator', camera)).statusCode).toBe(201);
    // A pending case (id 1) that every refused move below must leave pending.
    const created = await send('POST', '/v1/cases', 'ingest', observation({ evidence: [await storedEvidence(api.objects)] }));
    expect(created.json().caseId).toBe(1);
    const survey = await send('POST', '/v1/surveys', 'operator', { name: '东区', flownAt: '2026-03-02T01:00:00Z' });
    surveyId = survey.json().id;
    expect(surveyId).toBe('1');
    // Dispatching names a unit the API knows (where units exist): make one, so a dispatch gets as far as the case.
    await send('PUT', '/v1/units/u', 'operator', { name: 'east team' });
  });
  afterAll(async () => {
    await api?.close();
  });

  const send = (method: Method, url: string, role: Role, payload?: object) => api.app.inject({ method, url, headers: api.headers(role), ...(payload ? { payload } : {}) });

  /** The state the refusals must not change. */
  const snapshot = async () => ({
    camera: (await send('GET', `/v1/cameras/${camera.id}`, 'ingest')).json(),
    case: (await send('GET', '/v1/cases/1', 'reviewer')).json().status,
    survey: (await send('GET', `/v1/surveys/${surveyId}?images=false`, 'operator')).json().name,
    types: (await send('GET', '/v1/case-types', 'operator')).json(),
    keys: (await send('GET', '/v1/keys', 'admin')).json().items.length,
  });

  describe('a NUL character in a stored string is refused with 400 naming the field', () => {
    for (const t of targets) {
      it(t.name, async () => {
        const before = await snapshot();
        const res = await send(t.method, t.url(NUL), t.role, t.body?.(NUL));
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json().field).toBe(t.field);
        expect(res.json().in).toBe(t.in);
        expect(res.json().message).toContain(`${t.in}.${t.field}: `);
        expect(res.json().message).toMatch(/NUL character/);
        expect(await snapshot()).toEqual(before);
      });
    }
  });

  describe('a lone UTF-16 surrogate is refused with 400 naming the field', () => {
    for (const t of targets.filter((x) => x.in !== 'params' && x.in !== 'querystring')) {
      it(t.name, async () => {
        const res = await send(t.method, t.url(LONE), t.role, t.body?.(LONE));
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json().field).toBe(t.field);
        expect(res.json().message).toMatch(/lone UTF-16 surrogate \(\\ud800\)/);
      });
    }
    it('a low surrogate alone, and a pair the right way round passes', async () => {
      const low = await send('POST', '/v1/keys', 'admin', { role: 'ingest', name: 'x\udc00' });
      expect(low.json().message).toMatch(/surrogate \(\\udc00\)/);
      const pair = await send('POST', '/v1/keys', 'admin', { role: 'ingest', name: 'worker 😀' });
      expect(pair.statusCode).toBe(201);
      expect(pair.json().name).toBe('worker 😀');
    });
  });

  describe('numbers beyond what the store holds', () => {
    for (const id of ['99999999999999999999', '1e30', '-Infinity', 'Infinity']) {
      it(`GET /v1/cases/${id} and POST …/confirm: 400 naming the id`, async () => {
        for (const [method, url] of [['GET', `/v1/cases/${id}`], ['POST', `/v1/cases/${id}/confirm`]] as const) {
          const res = await send(method, url, 'reviewer');
          expect(res.statusCode, res.body).toBe(400);
          expect(res.json().field).toBe('id');
          expect(res.json().message).toMatch(/^params\.id[: ]/);
        }
      });
    }
    it('every case :id route refuses an id past 2^53 (and a large one that fits is 404)', async () => {
      const caseRoutes = routeInputs(api.app).filter((r) => r.url.startsWith('/v1/cases/:id'));
      expect(caseRoutes.length).toBeGreaterThan(8);
      for (const route of caseRoutes) {
        for (const method of route.methods.filter((m) => m !== 'HEAD') as Method[]) {
          // admin may call every route; the path is checked before the body, so any body will do.
          const huge = await send(method, route.url.replace(':id', '9007199254740993'), 'admin', method === 'GET' || method === 'DELETE' ? undefined : {});
          expect(huge.statusCode, `${method} ${route.url}: ${huge.body}`).toBe(400);
          expect(huge.json().field).toBe('id');
        }
      }
      for (const [method, url] of [['GET', '/v1/cases/9007199254740991'], ['GET', '/v1/cases/9007199254740991/corrections'], ['POST', '/v1/cases/9007199254740991/confirm']] as const) {
        expect((await send(method, url, 'admin')).statusCode).toBe(404);
      }
    });
    it('survey ids past 15 digits are refused; a 15-digit one that does not exist is 404', async () => {
      expect((await send('GET', '/v1/surveys/1234567890123456', 'operator')).statusCode).toBe(400);
      expect((await send('GET', '/v1/surveys/999999999999999', 'operator')).statusCode).toBe(404);
    });
    it('case-type handlingLimitMinutes = 9007199254740993 is refused, naming the field and the limit', async () => {
      const res = await send('PUT', '/v1/case-types/illegal_parking', 'operator', { ...caseType, handlingLimitMinutes: 9007199254740993 });
      expect(res.statusCode).toBe(400);
      expect(res.json().field).toBe('handlingLimitMinutes');
      expect(res.json().message).toContain('527040');
      expect((await send('PUT', '/v1/case-types/illegal_parking', 'operator', { ...caseType, handlingLimitMinutes: 527040 })).statusCode).toBe(200);
    });
    it('an integer with no bound of its own is held to what an integer column holds', async () => {
      const obs = observation({ evidence: [await storedEvidence(api.objects)] });
      const res = await send('POST', '/v1/cases', 'ingest', { ...obs, evidence: [{ ...obs.evidence[0], bytes: 2 ** 31 }] });
      expect(res.statusCode).toBe(400);
      expect(res.json().field).toBe('evidence.0.bytes');
    });
    it('a number JSON cannot hold exactly (1e400 is Infinity) is refused', async () => {
      const res = await api.app.inject({
        method: 'PUT',
        url: '/v1/surveys/1/zones',
        headers: { ...api.headers('operator'), 'content-type': 'application/json' },
        payload: `{"noParking":{"type":"Feature","properties":{"height":1e400},"geometry":{"type":"Polygon","coordinates":[${JSON.stringify(SQUARE)}]}}}`,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toBe('body.noParking.properties.height: is not a finite number');
    });
    it('nesting thousands deep is refused without overflowing anything', async () => {
      const deep = `{"noParking":{"type":"Feature","properties":{"a":${'['.repeat(50_000)}${']'.repeat(50_000)}},"geometry":{"type":"Polygon","coordinates":[]}}}`;
      const res = await api.app.inject({ method: 'PUT', url: '/v1/surveys/1/zones', headers: { ...api.headers('operator'), 'content-type': 'application/json' }, payload: deep });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toMatch(/^body\.noParking\.properties\.a\..*: is nested deeper than 64 levels$/);
    });
  });

  it('every path parameter of every /v1 route is bounded by its schema (an enum, a maximum, a length or a bounded pattern)', () => {
    const unbounded: string[] = [];
    for (const route of routeInputs(api.app).filter((r) => r.url.startsWith('/v1/'))) {
      const properties = (route.params as { properties?: Record<string, Record<string, unknown>> } | undefined)?.properties ?? {};
      for (const [, name] of route.url.matchAll(/:([A-Za-z0-9_]+)/g)) {
        const p = properties[name!];
        const pattern = typeof p?.pattern === 'string' ? p.pattern : undefined;
        const boundedPattern = pattern !== undefined && pattern.startsWith('^') && pattern.endsWith('$') && !/[*+]|\{\d+,\}/.test(pattern);
        const bounded = p && (Array.isArray(p.enum) || (typeof p.maximum === 'number' && p.maximum <= Number.MAX_SAFE_INTEGER) || typeof p.maxLength === 'number' || boundedPattern);
        if (!bounded) unbounded.push(`${route.methods.join(',')} ${route.url} :${name}`);
      }
    }
    expect(unbounded).toEqual([]);
  });

  describe('date-times the store would refuse or change (found by the fuzz suite)', () => {
    for (const [when, why] of [
      ['0000-01-01T00:00:00Z', 'year 0 is no year to PostgreSQL: 500'],
      ['0001-01-01T00:00:00Z', 'read back as 2001'],
      ['2026-01-01T23:59:60Z', 'a leap second: 500, or stored as the next day'],
    ]) {
      it(`${when} (${why}) is refused in a body and in a query, naming the field`, async () => {
        const obs = await send('POST', '/v1/cases', 'ingest', observation({ evidence: [await storedEvidence(api.objects)], observedAt: when }));
        expect(obs.statusCode).toBe(400);
        expect(obs.json().message).toBe('body.observedAt must be an ISO 8601 date-time with its time zone, a real day from the year 1900 on, e.g. "2026-03-02T09:30:00+08:00"');
        const survey = await send('POST', '/v1/surveys', 'operator', { name: 'x', flownAt: when });
        expect(survey.json().field).toBe('flownAt');
        const list = await send('GET', `/v1/cases?from=${when}`, 'reviewer');
        expect(list.statusCode).toBe(400);
        expect(list.json().field).toBe('from');
      });
    }
    it('a date-time with an offset, a fraction or lowercase letters is still taken', async () => {
      for (const when of ['2026-03-02T09:30:00+08:00', '2026-03-02t01:30:00.123z', '1900-01-01T00:00:00Z', '9999-12-31T23:59:59Z']) {
        expect((await send('GET', `/v1/cases?from=${encodeURIComponent(when)}`, 'reviewer')).statusCode, when).toBe(200);
      }
    });
  });

  describe('broken multipart uploads to POST /v1/surveys/:id/images', () => {
    const post = (contentType: string, payload: string | Buffer) =>
      api.app.inject({ method: 'POST', url: `/v1/surveys/${surveyId}/images`, headers: { ...api.headers('operator'), 'content-type': contentType }, payload });
    const part = (name: string, bytes: string | Buffer) => Buffer.concat([Buffer.from(`--xyz\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: image/jpeg\r\n\r\n`), Buffer.from(bytes), Buffer.from('\r\n')]);
    const stored = async () => (await send('GET', `/v1/surveys/${surveyId}/images`, 'operator')).json().items as Array<{ fileName: string }>;

    it('no boundary', async () => {
      const res = await post('multipart/form-data', Buffer.concat([part('a.jpg', 'abc'), Buffer.from('--xyz--\r\n')]));
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toMatch(/has no boundary/);
    });
    it('a wrong boundary', async () => {
      const res = await post('multipart/form-data; boundary=other', Buffer.concat([part('a.jpg', 'abc'), Buffer.from('--xyz--\r\n')]));
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toMatch(/not separated by the boundary the Content-Type names/);
    });
    it('a truncated part: 400, and the whole file before it is kept and reported', async () => {
      const good = await droneJpeg({ width: 64, height: 48 });
      const res = await post('multipart/form-data; boundary=xyz', Buffer.concat([part('first.jpg', good), part('second.jpg', good.subarray(0, 100))]));
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toMatch(/ends before its closing boundary.*the 1 file\(s\) before the break were stored/);
      expect(res.json().images.map((i: { fileName: string }) => i.fileName)).toEqual(['first.jpg']);
      expect((await stored()).map((i) => i.fileName)).toContain('first.jpg');
    });
    it('a NUL in the file name: 400 naming the problem, the name shown escaped, nothing stored', async () => {
      const image = await droneJpeg({ width: 64, height: 40 });
      const res = await post('multipart/form-data; boundary=xyz', Buffer.concat([part(`DJI${NUL}1.jpg`, image), Buffer.from('--xyz--\r\n')]));
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toBe('DJI\\u00001.jpg: the file name contains a NUL character (\\u0000), which cannot be stored');
      expect((await stored()).some((i) => i.fileName.startsWith('DJI'))).toBe(false);
    });
    it('a refusal names the file once, in the API and in survey:upload', async () => {
      const { payload, headers } = await multipart([{ name: 'empty.jpg', bytes: Buffer.alloc(0) }]);
      const res = await api.app.inject({ method: 'POST', url: `/v1/surveys/${surveyId}/images`, headers: { ...api.headers('operator'), ...headers }, payload });
      expect(res.json().message).toBe('empty.jpg: empty file (0 bytes)');

      const dir = await mkdtemp(path.join(os.tmpdir(), 'hostile-upload-'));
      try {
        await writeFile(path.join(dir, 'empty.jpg'), Buffer.alloc(0));
        const address = await api.app.listen({ host: '127.0.0.1', port: 0 });
        const lines: string[] = [];
        const result = await uploadSurveyImages({ api: address, key: api.keys.operator, images: dir, survey: { id: surveyId }, onRefused: (m) => lines.push(m) });
        expect(result.refused).toEqual(['empty.jpg: empty file (0 bytes)']);
        expect(lines).toEqual(['empty.jpg: empty file (0 bytes)']);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('survey geometry is checked as camera zones are', () => {
    const at = (ring: unknown) => ({ type: 'Polygon', coordinates: [ring] });
    const circle = (n: number) => {
      const ring = Array.from({ length: n }, (_, i) => [121.47 + 0.01 * Math.cos((2 * Math.PI * i) / n), 31.23 + 0.01 * Math.sin((2 * Math.PI * i) / n)]);
      return [...ring, ring[0]];
    };
    const bad: Array<[string, unknown, string, RegExp]> = [
      ['latitude 95', SQUARE.map((p, i) => (i === 2 ? [121.48, 95] : p)), 'coordinates.0.2.1', /must be a number from -90 to 90 \(latitude/],
      ['longitude 500', SQUARE.map((p, i) => (i === 1 ? [500, 31.23] : p)), 'coordinates.0.1.0', /must be a number from -180 to 180 \(longitude/],
      ['a self-intersecting polygon', [[121.47, 31.23], [121.48, 31.24], [121.48, 31.23], [121.47, 31.24], [121.47, 31.23]], 'coordinates.0', /crosses itself: the edge from point 0 to point 1 meets the edge from point 2 to point 3/],
      ['an open ring', SQUARE.slice(0, 4), 'coordinates.0', /is not closed: its last position must repeat its first/],
      ['all points equal', [SQUARE[0], SQUARE[0], SQUARE[0], SQUARE[0]], 'coordinates.0', /all its points at one place/],
      [`20,000 points (limit ${MAX_RING_POINTS})`, circle(20_000), 'coordinates.0', new RegExp(`at most ${MAX_RING_POINTS}`)],
    ];
    for (const [name, ring, field, message] of bad) {
      it(`area: ${name}`, async () => {
        const res = await send('POST', '/v1/surveys', 'operator', { name: 'x', flownAt: '2026-03-02T01:00:00Z', area: at(ring) });
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json().field).toBe(`area.${field}`);
        expect(res.json().message).toMatch(message);
      });
      it(`zone layer: ${name}`, async () => {
        const layer = { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: at(SQUARE) }, { type: 'Feature', geometry: { type: 'MultiPolygon', coordinates: [[ring]] } }] };
        const created = await send('POST', '/v1/surveys', 'operator', { name: 'x', flownAt: '2026-03-02T01:00:00Z', zones: { sidewalks: layer } });
        expect(created.statusCode, created.body).toBe(400);
        expect(created.json().field).toBe(`zones.sidewalks.features.1.geometry.coordinates.0.${field.replace('coordinates.', '')}`);
        const replaced = await send('PUT', `/v1/surveys/${surveyId}/zones`, 'operator', { noParking: { type: 'Feature', geometry: at(ring) } });
        expect(replaced.statusCode).toBe(400);
        expect(replaced.json().field).toBe(`noParking.geometry.${field}`);
        expect(replaced.json().message).toMatch(message);
      });
    }
    it('a hole is checked like an outline; a valid layer with a hole and a 5,000-point outline is taken', async () => {
      const hole = [[121.472, 31.232], [121.474, 31.232], [121.474, 31.234], [121.472, 31.232]];
      const open = await send('PUT', `/v1/surveys/${surveyId}/zones`, 'operator', { noParking: { type: 'Polygon', coordinates: [SQUARE, hole.slice(0, 3)] } });
      expect(open.json().field).toBe('noParking.coordinates.1');
      const ok = await send('PUT', `/v1/surveys/${surveyId}/zones`, 'operator', { noParking: { type: 'Polygon', coordinates: [SQUARE, hole] }, sidewalks: at(circle(5_000)) });
      expect(ok.statusCode, ok.body).toBe(200);
    });
    it('a layer that is not GeoJSON says what it must be', async () => {
      const res = await send('PUT', `/v1/surveys/${surveyId}/zones`, 'operator', { noParking: { type: 'Circle', radius: 5 } });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toBe('body.noParking.type must be one of Polygon, MultiPolygon, Feature, FeatureCollection, got "Circle"');
    });
    for (const timezone of ['', '../../../etc/passwd', '-Infinity', '+08:00']) {
      it(`timezone ${JSON.stringify(timezone)} is refused: only IANA zone names`, async () => {
        const res = await send('POST', '/v1/surveys', 'operator', { name: 'x', flownAt: '2026-03-02T01:00:00Z', timezone });
        expect(res.statusCode).toBe(400);
        expect(res.json().field).toBe('timezone');
        expect(res.json().message).toMatch(/must be an IANA time zone name/);
      });
    }
    it('an IANA zone is taken, in its canonical spelling', async () => {
      const res = await send('POST', '/v1/surveys', 'operator', { name: 'x', flownAt: '2026-03-02T01:00:00Z', timezone: 'asia/shanghai' });
      expect(res.statusCode).toBe(201);
      expect(res.json().timezone).toBe('Asia/Shanghai');
    });
  });

  describe('messages that say what is expected', () => {
    it('an unknown zone kind lists the allowed kinds', async () => {
      const res = await send('PUT', `/v1/cameras/${camera.id}/zones/z1`, 'operator', { ...camera.zones[0], kind: 'parking' });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toBe('body.kind must be one of: no_parking, sidewalk, roadway, watch, other');
    });
    it('a bad schedule says the expected shape', async () => {
      for (const schedule of ['07:00-20:00', [], ['07:00']]) {
        const res = await send('PUT', `/v1/cameras/${camera.id}/zones/z1`, 'operator', { ...camera.zones[0], schedule });
        expect(res.statusCode, JSON.stringify(schedule)).toBe(400);
        expect(res.json().message).toContain('{"start": "HH:MM", "end": "HH:MM", "days": [ISO weekdays 1-7, optional]}');
      }
    });
    it('a self-intersecting camera zone says it crosses itself', async () => {
      const res = await send('PUT', `/v1/cameras/${camera.id}/zones/z1`, 'operator', { ...camera.zones[0], polygon: [[0.1, 0.1], [0.9, 0.9], [0.9, 0.1], [0.1, 0.9]] });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toMatch(/zone "z1", polygon: crosses itself: the edge from point 0 to point 1 meets the edge from point 2 to point 3/);
      expect(res.json().message).not.toContain('gate3pass');
    });
    it('a working-time limit and a calendar that could never give a due time are refused, whichever changes', async () => {
      const minuteAWeek = { timezone: 'Asia/Shanghai', days: [1], periods: [{ start: '09:00', end: '09:01' }], holidays: [], workdays: [] };
      // The types as migrated count hours in working time: this calendar leaves them no due time.
      const calendar = await send('PUT', '/v1/settings/working-calendar', 'operator', minuteAWeek);
      expect(calendar.statusCode).toBe(400);
      expect(calendar.json()).toMatchObject({ field: 'periods' });
      expect(calendar.json().message).toMatch(/working minutes of type \w+ do not run out within ten years/);
      // Under the calendar in force (8 hours a day), a year of working minutes still runs out.
      const year = await send('PUT', '/v1/case-types/exposed_garbage', 'operator', { ...caseType, workingTime: true, handlingLimitMinutes: 527040 });
      expect(year.statusCode, year.body).toBe(200);
      const due = await send('GET', '/v1/case-types', 'operator');
      expect(due.json().items.find((t: { type: string }) => t.type === 'exposed_garbage').handlingLimitMinutes).toBe(527040);
      expect((await send('PUT', '/v1/case-types/exposed_garbage', 'operator', { ...caseType, workingTime: true, handlingLimitMinutes: 240 })).statusCode).toBe(200);
      // An hour a week still serves the migrated limits (2400 minutes: 40 weeks), but not a year's.
      const hourAWeek = { ...minuteAWeek, periods: [{ start: '09:00', end: '10:00' }] };
      expect((await send('PUT', '/v1/settings/working-calendar', 'operator', hourAWeek)).statusCode).toBe(200);
      try {
        const never = await send('PUT', '/v1/case-types/exposed_garbage', 'operator', { ...caseType, workingTime: true, handlingLimitMinutes: 527040 });
        expect(never.statusCode).toBe(400);
        expect(never.json()).toMatchObject({ field: 'handlingLimitMinutes', message: "body.handlingLimitMinutes: 527040 working minutes do not run out within ten years of the working calendar's hours" });
      } finally {
        const eightHours = { ...minuteAWeek, days: [1, 2, 3, 4, 5], periods: [{ start: '08:30', end: '12:00' }, { start: '13:30', end: '17:30' }] };
        expect((await send('PUT', '/v1/settings/working-calendar', 'operator', eightHours)).statusCode).toBe(200);
      }
    });
    it('a working calendar with no working day is refused (a working-time limit would never end)', async () => {
      const res = await send('PUT', '/v1/settings/working-calendar', 'operator', { timezone: 'Asia/Shanghai', days: [], periods: [{ start: '09:00', end: '17:00' }], holidays: [], workdays: [] });
      expect(res.statusCode).toBe(400);
      expect(res.json().field).toBe('days');
    });
  });

  it('after every refusal the planted camera, case and survey are as they were', async () => {
    const kept = (await send('GET', `/v1/cameras/${camera.id}`, 'ingest')).json();
    expect({ name: kept.name, zones: kept.zones }).toEqual({ name: camera.name, zones: camera.zones });
    expect((await send('GET', '/v1/cases/1', 'reviewer')).json().status).toBe('pending_review');
  });
});

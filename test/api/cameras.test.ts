// Cameras and zones CRUD: schema at the edge, parseCameraConfig behind it, credentials masked for
// everyone, the pipeline (ingest key) reading full configs with the password sealed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';

const camera = {
  id: 'cam-east-gate',
  name: '东门路口',
  url: 'rtsp://admin:secret@10.0.0.5/stream1',
  location: { lat: 31.23, lon: 121.47 },
  zones: [{ id: 'no-parking-1', kind: 'no_parking', polygon: [[0.1, 0.5], [0.9, 0.5], [0.9, 0.95], [0.1, 0.95]] }],
};

describe('cameras and zones', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api?.close();
  });
  const req = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, role: 'operator' | 'reviewer' | 'ingest' | 'admin', payload?: object) =>
    api.app.inject({ method, url, headers: api.headers(role), payload });

  it('creates, reads, replaces and deletes a camera', async () => {
    expect((await req('POST', '/v1/cameras', 'operator', camera)).statusCode).toBe(201);
    expect((await req('POST', '/v1/cameras', 'operator', camera)).statusCode).toBe(409);
    // The pipeline gets the password sealed, never in clear (test/api/camera-secrets.test.ts).
    const seenByIngest = (await req('GET', '/v1/cameras/cam-east-gate', 'ingest')).json();
    expect(seenByIngest.url).toBe('rtsp://admin:***@10.0.0.5/stream1');
    expect(seenByIngest.sealedUrl).toMatch(/^rtsp:\/\/admin:\{sealed:v1:[0-9a-f]{8}:[\w-]+\}@10\.0\.0\.5\/stream1$/);
    const seenByReviewer = (await req('GET', '/v1/cameras', 'reviewer')).json().items[0];
    expect(seenByReviewer.url).not.toContain('secret');
    expect((await req('PUT', '/v1/cameras/cam-east-gate', 'operator', { ...camera, name: '东门' })).statusCode).toBe(200);
    expect((await req('GET', '/v1/cameras/cam-east-gate', 'operator')).json().name).toBe('东门');
    expect((await req('PUT', '/v1/cameras/cam-east-gate', 'reviewer', camera)).statusCode).toBe(403);
    expect((await req('PUT', '/v1/cameras/other', 'operator', camera)).json().field).toBe('id');
    expect((await req('DELETE', '/v1/cameras/cam-east-gate', 'operator')).statusCode).toBe(204);
    expect((await req('GET', '/v1/cameras/cam-east-gate', 'operator')).statusCode).toBe(404);
  });

  it('names the field of a bad camera, from the schema and from parseCameraConfig', async () => {
    const noUrl = await req('POST', '/v1/cameras', 'operator', { ...camera, url: undefined });
    expect(noUrl.statusCode).toBe(400);
    expect(noUrl.json().field).toBe('url');
    const badPoint = await req('POST', '/v1/cameras', 'operator', { ...camera, zones: [{ ...camera.zones[0], polygon: [[0, 0], [1, 0]] }] });
    expect(badPoint.statusCode).toBe(400);
    expect(badPoint.json().field).toBe('zones.0.polygon');
    // Shape is fine, meaning is not: a rule setting parseCameraConfig does not know.
    const semantic = await req('POST', '/v1/cameras', 'operator', { ...camera, rules: { illegal_parking: { dwell: 30 } } });
    expect(semantic.statusCode).toBe(400);
    expect(semantic.json().message).toContain('dwell');
    expect((await req('GET', '/v1/cameras/cam-east-gate', 'operator')).statusCode).toBe(404);
  });

  it('adds, replaces and removes zones, checking the whole camera each time', async () => {
    await req('PUT', '/v1/cameras/cam-zones', 'operator', { ...camera, id: 'cam-zones' });
    const zone = { id: 'sidewalk-1', kind: 'sidewalk', polygon: [[0, 0], [0.5, 0], [0.5, 0.4]], schedule: [{ start: '07:00', end: '20:00' }] };
    expect((await req('PUT', '/v1/cameras/cam-zones/zones/sidewalk-1', 'operator', zone)).statusCode).toBe(201);
    expect((await req('PUT', '/v1/cameras/cam-zones/zones/sidewalk-1', 'operator', { ...zone, name: '人行道' })).statusCode).toBe(200);
    const badSchedule = await req('PUT', '/v1/cameras/cam-zones/zones/sidewalk-1', 'operator', { ...zone, schedule: [{ start: '7 am', end: '20:00' }] });
    expect(badSchedule.statusCode).toBe(400);
    const zones = (await req('GET', '/v1/cameras/cam-zones/zones', 'ingest')).json().items;
    expect(zones.map((z: { id: string }) => z.id)).toEqual(['no-parking-1', 'sidewalk-1']);
    expect(zones[1].name).toBe('人行道');
    expect((await req('DELETE', '/v1/cameras/cam-zones/zones/sidewalk-1', 'operator')).statusCode).toBe(204);
    expect((await req('DELETE', '/v1/cameras/cam-zones/zones/sidewalk-1', 'operator')).statusCode).toBe(404);
    expect((await req('GET', '/v1/cameras/cam-zones/zones', 'ingest')).json().items).toHaveLength(1);
  });
});

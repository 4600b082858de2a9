// The left-behind and watch-zone settings of a camera config: each mistake an operator can make is
// refused with the camera, the zone and the field named; good settings come through as given, in
// a config file and through the cameras API.
import { describe, expect, it } from 'vitest';
import { parseCameraConfig } from '../../contracts/camera.ts';
import { startTestApi } from '../support/api.ts';

const polygon = [[0, 0.5], [1, 0.5], [1, 1], [0, 1]];
const camera = (zone: Record<string, unknown>) => ({ id: 'cam-1', url: 'rtsp://127.0.0.1/x', zones: [{ id: 'z1', polygon, ...zone }] });
const parse = (zone: Record<string, unknown>) => parseCameraConfig(camera(zone), 'cam.json');

describe('left-behind zone settings', () => {
  it('takes a watch zone, and persistSeconds / minAreaRatio on sidewalk, roadway and watch zones', () => {
    expect(parse({ kind: 'watch' }).zones[0]).toEqual({ id: 'z1', kind: 'watch', polygon });
    for (const kind of ['sidewalk', 'roadway', 'watch']) {
      expect(parse({ kind, persistSeconds: 45, minAreaRatio: 0.01 }).zones[0]).toMatchObject({ kind, persistSeconds: 45, minAreaRatio: 0.01 });
    }
    expect(parse({ kind: 'watch', classifier: 'zone-state-1', classifyEverySeconds: 20 }).zones[0]).toMatchObject({ classifier: 'zone-state-1', classifyEverySeconds: 20 });
  });

  const refused: Array<[string, Record<string, unknown>, RegExp]> = [
    ['persistSeconds of 0', { kind: 'sidewalk', persistSeconds: 0 }, /cam\.json: camera "cam-1", zone "z1", persistSeconds: must be a number from 1 to 86400, got 0/],
    ['a negative persistSeconds', { kind: 'watch', persistSeconds: -5 }, /zone "z1", persistSeconds: must be a number from 1 to 86400, got -5/],
    ['persistSeconds as text', { kind: 'roadway', persistSeconds: '60' }, /zone "z1", persistSeconds: must be a number from 1 to 86400, got "60"/],
    ['persistSeconds past a day', { kind: 'roadway', persistSeconds: 90000 }, /persistSeconds: must be a number from 1 to 86400/],
    ['minAreaRatio of 0', { kind: 'sidewalk', persistSeconds: 30, minAreaRatio: 0 }, /zone "z1", minAreaRatio: must be a number from 0.0001 to 0.5, got 0/],
    ['minAreaRatio over half the frame', { kind: 'watch', minAreaRatio: 0.9 }, /minAreaRatio: must be a number from 0.0001 to 0.5, got 0.9/],
    ['an unknown zone kind', { kind: 'bins' }, /zone "z1", kind: must be one of no_parking, sidewalk, roadway, watch, other, got "bins"/],
    ['persistSeconds on a no-parking zone', { kind: 'no_parking', persistSeconds: 30 }, /zone "z1", persistSeconds: applies to sidewalk, roadway, watch zones only \(this zone is "no_parking"\)/],
    ['minAreaRatio on an "other" zone', { kind: 'other', minAreaRatio: 0.01 }, /zone "z1", minAreaRatio: applies to sidewalk, roadway, watch zones only/],
    ['a classifier on a sidewalk', { kind: 'sidewalk', classifier: 'zone-state-1' }, /zone "z1", classifier: applies to watch zones only \(this zone is "sidewalk"\)/],
    ['a classifier that is no id', { kind: 'watch', classifier: 'has space' }, /zone "z1", classifier: must be the id or attribute \("zoneState"\) of a classifier of the model manifest, got "has space"/],
    ['a schedule of classifications without a classifier', { kind: 'watch', classifyEverySeconds: 30 }, /zone "z1", classifyEverySeconds: needs a classifier/],
    ['classifyEverySeconds of 0', { kind: 'watch', classifier: 'zone-state-1', classifyEverySeconds: 0 }, /classifyEverySeconds: must be a number from 1 to 86400, got 0/],
  ];
  it.each(refused)('refuses %s, naming camera, zone and field', (_, zone, message) => {
    expect(() => parse(zone)).toThrow(message);
  });
});

describe('watch zones through the cameras API', () => {
  it('stores a watch zone with its settings and refuses a bad one with the field named', async () => {
    const api = await startTestApi();
    try {
      const zones = [
        { id: 'bins', kind: 'watch', polygon, persistSeconds: 45, minAreaRatio: 0.01, classifier: 'zone-state-1', classifyEverySeconds: 20 },
        { id: 'walk', kind: 'sidewalk', polygon: [[0, 0], [1, 0], [1, 0.4], [0, 0.4]], persistSeconds: 90 },
      ];
      const put = await api.app.inject({ method: 'PUT', url: '/v1/cameras/cam-1', headers: api.headers('operator'), payload: { id: 'cam-1', url: 'rtsp://127.0.0.1/x', zones } });
      expect(put.statusCode, put.body).toBeLessThan(300);
      const got = (await api.app.inject({ method: 'GET', url: '/v1/cameras/cam-1', headers: api.headers('operator') })).json();
      expect(got.zones).toEqual(zones.map((z) => expect.objectContaining(z)));
      const bad = await api.app.inject({ method: 'PUT', url: '/v1/cameras/cam-1/zones/bins', headers: api.headers('operator'), payload: { ...zones[0], persistSeconds: 0 } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().message).toMatch(/zone "bins", persistSeconds: must be a number from 1 to 86400, got 0/);
    } finally {
      await api.close();
    }
  }, 60_000);
});

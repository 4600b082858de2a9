// Camera config validation: every mistake an operator can make names the file, the camera, the
// zone and the field, and a good config comes back clean.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CameraConfigError, parseCameraConfig } from '../../contracts/camera.ts';
import { loadCameraConfig } from '../../pipeline/cameras/camera-config-file.ts';
import { REPO_ROOT } from '../support/samples.ts';
import { BAY_CORNERS, marks, STREET_CAMERA } from '../support/street-camera.ts';

const good = () => ({
  id: 'gate-3',
  name: 'North gate',
  url: 'rtsp://admin:s3cret@10.0.0.5/stream1',
  timezone: 'Asia/Shanghai',
  location: { lat: 31.23, lon: 121.47 },
  analysis: { fps: 1, width: 1280, keyframesOnly: false, fullPassSeconds: 10, stallSeconds: 10, rtspTransport: 'tcp' },
  rules: { illegal_parking: { dwellSeconds: 300, warnAfterSeconds: 60 } },
  zones: [
    {
      id: 'kerb',
      kind: 'no_parking',
      polygon: [[0.1, 0.5], [0.9, 0.5], [0.9, 0.9], [0.1, 0.9]],
      schedule: [{ start: '07:00', end: '20:00', days: [1, 2, 3, 4, 5] }],
      rules: { illegal_parking: { dwellSeconds: 120 } },
    },
    { id: 'walk', kind: 'sidewalk', polygon: [[0, 0], [1, 0], [1, 0.3]] },
  ],
});

type Raw = ReturnType<typeof good> & Record<string, unknown>;
/** The first zone as the mutations see it (the literal's inferred union type hides its extra fields). */
type Kerb = { schedule: Array<{ start: string; end: string; days: number[] }>; rules: { illegal_parking: { dwellSeconds: number } } };
const kerb = (c: Raw) => c.zones[0] as unknown as Kerb;
/** The four corners of a parking bay as the camera sees them (1280x720, the analysis width) and on the map. */
const bay = () => marks(STREET_CAMERA, BAY_CORNERS).map((p) => ({ ...p, pixel: [...p.pixel] as unknown[] }));
const withGround = (c: Raw, points: unknown) => ((c as Record<string, unknown>).ground = { points });
const calibrated = (change: (points: ReturnType<typeof bay>) => void) => (c: Raw) => {
  const points = bay();
  change(points);
  withGround(c, points);
};

function errorOf(mutate: (c: Raw) => void): CameraConfigError {
  const c = good() as Raw;
  mutate(c);
  try {
    parseCameraConfig(c, 'cams/gate-3.json');
  } catch (error) {
    expect(error).toBeInstanceOf(CameraConfigError);
    return error as CameraConfigError;
  }
  throw new Error('expected a CameraConfigError');
}

describe('parseCameraConfig', () => {
  it('accepts a full config and keeps what it says', () => {
    const c = parseCameraConfig(good(), 'cams/gate-3.json');
    expect(c.id).toBe('gate-3');
    expect(c.zones.map((z) => z.id)).toEqual(['kerb', 'walk']);
    expect(c.zones[0]!.schedule).toEqual([{ start: '07:00', end: '20:00', days: [1, 2, 3, 4, 5] }]);
    expect(c.zones[0]!.rules?.illegal_parking?.dwellSeconds).toBe(120);
    expect(c.analysis?.rtspTransport).toBe('tcp');
  });

  it('keeps a ground calibration', () => {
    const c = good() as Raw;
    withGround(c, bay());
    const parsed = parseCameraConfig(c, 'cams/gate-3.json');
    expect(parsed.ground?.points).toHaveLength(4);
    expect(parsed.ground?.points[0]).toEqual(bay()[0]);
  });

  it('defaults the name to the id', () => {
    const c = good() as Raw;
    delete (c as Partial<Raw>).name;
    expect(parseCameraConfig(c, 'x').name).toBe('gate-3');
  });

  const cases: Array<[string, (c: Raw) => void, { zone?: string; field: string; text?: RegExp }]> = [
    ['missing id', (c) => delete (c as Partial<Raw>).id, { field: 'id' }],
    ['bad id', (c) => (c.id = 'has space'), { field: 'id' }],
    ['colon in id', (c) => (c.id = 'gate:3'), { field: 'id' }],
    ['missing url', (c) => delete (c as Partial<Raw>).url, { field: 'url' }],
    ['unsupported scheme', (c) => (c.url = 'ftp://u:pw@host/x'), { field: 'url', text: /scheme "ftp"/ }],
    ['unknown time zone', (c) => (c.timezone = 'Mars/Olympus'), { field: 'timezone' }],
    ['latitude out of range', (c) => (c.location.lat = 91), { field: 'location.lat' }],
    ['fps zero', (c) => (c.analysis.fps = 0), { field: 'analysis.fps' }],
    ['odd width', (c) => (c.analysis.width = 1281), { field: 'analysis.width' }],
    ['stallSeconds too short', (c) => (c.analysis.stallSeconds = 1), { field: 'analysis.stallSeconds' }],
    ['transport', (c) => ((c.analysis as Record<string, unknown>).rtspTransport = 'http'), { field: 'analysis.rtspTransport' }],
    ['typo in analysis', (c) => ((c.analysis as Record<string, unknown>).fullpass = 5), { field: 'analysis.fullpass', text: /not a known field/ }],
    ['unknown violation type', (c) => ((c.rules as Record<string, unknown>).littering = {}), { field: 'rules.littering' }],
    ['camera dwell below 10 s', (c) => (c.rules.illegal_parking.dwellSeconds = 5), { field: 'rules.illegal_parking.dwellSeconds', text: /from 10 to 3600/ }],
    ['camera dwell above 3600 s', (c) => (c.rules.illegal_parking.dwellSeconds = 3601), { field: 'rules.illegal_parking.dwellSeconds' }],
    ['no zones', (c) => (c.zones = []), { field: 'zones' }],
    ['zone without id', (c) => delete (c.zones[1] as Partial<Raw['zones'][1]>).id, { zone: 'zones[1]', field: 'id' }],
    ['duplicate zone id', (c) => (c.zones[1]!.id = 'kerb'), { zone: 'kerb', field: 'id', text: /two zones/ }],
    ['unknown zone kind', (c) => (c.zones[0]!.kind = 'parking'), { zone: 'kerb', field: 'kind' }],
    ['two-point polygon', (c) => (c.zones[1]!.polygon = [[0, 0], [1, 1]]), { zone: 'walk', field: 'polygon', text: /at least 3/ }],
    ['point outside the picture', (c) => (c.zones[0]!.polygon[2] = [1.5, 0.9]), { zone: 'kerb', field: 'polygon[2][0]', text: /normalised/ }],
    ['point not a pair', (c) => ((c.zones[0]!.polygon as unknown[])[1] = [0.5]), { zone: 'kerb', field: 'polygon[1]' }],
    ['polygon on a line', (c) => (c.zones[1]!.polygon = [[0, 0], [0.5, 0.5], [1, 1]]), { zone: 'walk', field: 'polygon', text: /no area/ }],
    ['bad schedule time', (c) => (kerb(c).schedule[0]!.start = '7:00'), { zone: 'kerb', field: 'schedule[0].start' }],
    ['24:00 is not a time', (c) => (kerb(c).schedule[0]!.end = '24:00'), { zone: 'kerb', field: 'schedule[0].end' }],
    ['empty window', (c) => (kerb(c).schedule[0]!.end = '07:00'), { zone: 'kerb', field: 'schedule[0].end' }],
    ['weekday 8', (c) => (kerb(c).schedule[0]!.days = [1, 8]), { zone: 'kerb', field: 'schedule[0].days' }],
    ['zone dwell below 10 s', (c) => (kerb(c).rules.illegal_parking.dwellSeconds = 9), { zone: 'kerb', field: 'rules.illegal_parking.dwellSeconds' }],
    ['warning not before the dwell', (c) => (kerb(c).rules.illegal_parking.dwellSeconds = 60), { zone: 'kerb', field: 'rules.illegal_parking.dwellSeconds', text: /below dwellSeconds/ }],
    ['empty label list', (c) => ((c.zones[1] as Record<string, unknown>).rules = { street_vending: { labels: [] } }), { zone: 'walk', field: 'rules.street_vending.labels' }],
    ['typo in zone', (c) => ((c.zones[1] as Record<string, unknown>).polgon = []), { zone: 'walk', field: 'polgon' }],
    ['ground not an object', (c) => ((c as Record<string, unknown>).ground = [1, 2]), { field: 'ground' }],
    ['ground without points', (c) => ((c as Record<string, unknown>).ground = {}), { field: 'ground.points', text: /must be a list/ }],
    ['typo in ground', (c) => ((c as Record<string, unknown>).ground = { points: bay(), marks: [] }), { field: 'ground.marks', text: /not a known field/ }],
    ['fewer than 4 ground points', calibrated((p) => p.pop()), { field: 'ground.points', text: /needs at least 4 points.*got 3/ }],
    ['ground latitude out of range', calibrated((p) => (p[2]!.lat = 91)), { field: 'ground.points[2].lat', text: /from -90 to 90/ }],
    ['ground latitude not a number', calibrated((p) => ((p[1] as Record<string, unknown>).lat = '31.23')), { field: 'ground.points[1].lat' }],
    ['ground longitude out of range', calibrated((p) => (p[0]!.lon = -181)), { field: 'ground.points[0].lon' }],
    ['ground pixel not a number', calibrated((p) => (p[3]!.pixel[1] = 'bottom')), { field: 'ground.points[3].pixel[1]' }],
    ['ground pixel not a pair', calibrated((p) => (p[0]!.pixel = [10])), { field: 'ground.points[0].pixel' }],
    ['ground pixel wider than the analysed frame', calibrated((p) => (p[1]!.pixel[0] = 1500)), { field: 'ground.points[1].pixel[0]', text: /1280 wide: analysis\.width/ }],
    ['typo in a ground point', calibrated((p) => ((p[0] as Record<string, unknown>).latitude = 31.2)), { field: 'ground.points[0].latitude' }],
    ['ground points on one line', calibrated((p) => (p[1]!.pixel = [((p[0]!.pixel[0] as number) + (p[2]!.pixel[0] as number)) / 2, ((p[0]!.pixel[1] as number) + (p[2]!.pixel[1] as number)) / 2])), { field: 'ground.points', text: /no three on one line: points 0, 1 and 2 are on one line in the picture/ }],
    ['a ground point far from the others', calibrated((p) => (p[3]!.lon += 0.01)), { field: 'ground.points[3]', text: /check its lat\/lon/ }],
  ];

  for (const [name, mutate, want] of cases) {
    it(`names the field for: ${name}`, () => {
      const e = errorOf(mutate);
      expect(e.message.startsWith('cams/gate-3.json: ')).toBe(true);
      expect(e.field).toBe(want.field);
      expect(e.message).toContain(want.field);
      expect(e.zoneId).toBe(want.zone);
      if (want.zone) expect(e.message).toContain(`zone "${want.zone}"`);
      if (want.field !== 'id' || want.zone) expect(e.message).toContain('camera "gate-3"');
      if (want.text) expect(e.message).toMatch(want.text);
      // A rejected config never echoes the camera's password.
      expect(e.message).not.toContain('s3cret');
    });
  }

  it('says when the camera has no usable id', () => {
    expect(() => parseCameraConfig({ zones: [] }, 'cams/x.json')).toThrow(/^cams\/x\.json: camera \(no id\), id: /);
    expect(() => parseCameraConfig([], 'cams/x.json')).toThrow(/must be an object/);
  });
});

describe('camera config files', () => {
  it('loads the sample camera configs', async () => {
    for (const f of ['samples/cameras/dog-street.json', 'samples/cameras/vtest-plaza.json']) {
      const c = await loadCameraConfig(path.join(REPO_ROOT, f));
      expect(c.zones.length).toBeGreaterThan(0);
    }
  });

  it('reads YAML, and names the file when it is not valid', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'camcfg-'));
    try {
      const yml = path.join(dir, 'cam.yaml');
      await writeFile(yml, 'id: cam-1\nurl: rtsp://127.0.0.1/x\nzones:\n  - id: z\n    kind: sidewalk\n    polygon: [[0, 0], [1, 0], [1, 1]]\n');
      expect((await loadCameraConfig(yml)).zones[0]!.kind).toBe('sidewalk');
      const bad = path.join(dir, 'bad.json');
      await writeFile(bad, '{ "id": "cam-1", ');
      await expect(loadCameraConfig(bad)).rejects.toThrow(new RegExp(`^${bad}: .*not valid JSON`));
      await expect(loadCameraConfig(path.join(dir, 'none.json'))).rejects.toThrow(/cannot read \(ENOENT\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

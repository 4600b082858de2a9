// Survey workers as real child processes on a real redis-server, against the API on PGlite: a
// folder uploaded with the CLI, the worker SIGKILLed mid-survey and restarted (every image ends
// with one result, no case doubled, the corrupt image fails alone with its reason), two cars side
// by side in one photo staying two cases, the same parked car in two surveys and from a street
// camera folding into one case, and the report naming its detector as not aerial.
//
// The detector is a TEST FIXTURE declared in a manifest of its own (test/support/fixture-models.ts):
// it reports a "car" in every 64-pixel tile that is mostly earth-brown. The default COCO model
// finds almost no cars from the air, so it cannot drive this pipeline test; what is under test
// here is everything after the detector.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame, Violation } from '../../contracts/types.ts';
import { openObjectStore } from '../../infra/object-store.ts';
import { createCaseReporter, type CaseReporter } from '../../pipeline/cases/reporter.ts';
import { startDispatchWorker, type DispatchWorker } from '../../pipeline/dispatch/worker.ts';
import { offsetLatLon } from '../../pipeline/survey/georeference.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { colourDetectorFixture, detectorFixtureEntry, writeFixture, writeLabels } from '../support/fixture-models.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';
import { REPO_ROOT } from '../support/samples.ts';
import { until } from '../support/wait.ts';
import { droneJpeg } from './drone-jpeg.ts';

const PREFIX = 'survey-test';
const BROWN = '#a0522d';
const BASE = { lat: 31.23, lon: 121.47 };
// 50 m up, looking straight down, 500 px focal length: 0.1 m per pixel, image top to the north.
const XMP = { RelativeAltitude: '+50.0', GimbalPitchDegree: '-90.0', GimbalYawDegree: '+0.0', FlightYawDegree: '+0.0', CalibratedFocalLength: '500' };
const W = 1024;
const H = 768;
// Tile starts for 64-pixel tiles with 20% overlap step by 51 px: a patch on a tile start fills that tile.
const patch = (col: number, row: number) => ({ left: col * 51, top: row * 51, size: 64, colour: BROWN });

function photo(east: number, north: number, patches: ReturnType<typeof patch>[]): Promise<Buffer> {
  const gps = offsetLatLon(BASE.lat, BASE.lon, east, north);
  return droneJpeg({ width: W, height: H, gps, xmp: XMP, patches });
}

/** Valid header and end marker, garbage in between: passes the upload check, fails to decode. */
function corrupt(jpeg: Buffer): Buffer {
  const out = Buffer.from(jpeg);
  for (let i = Math.floor(out.length / 2); i < out.length - 2; i++) out[i] = (i * 7919) & 0xff;
  out[out.length - 2] = 0xff;
  out[out.length - 1] = 0xd9;
  return out;
}

const square = (half: number) => {
  const c = [[-half, -half], [half, -half], [half, half], [-half, half], [-half, -half]];
  return c.map(([e, n]) => {
    const p = offsetLatLon(BASE.lat, BASE.lon, e!, n!);
    return [p.lon, p.lat];
  });
};
const ZONES = { noParking: { type: 'FeatureCollection', features: [{ type: 'Feature', id: 'old-town', properties: null, geometry: { type: 'Polygon', coordinates: [square(2000)] } }] } };

describe('survey worker', () => {
  let dir: string;
  let redis: TestRedis;
  let api: TestApi;
  let url: string;
  let dispatch: DispatchWorker;
  let reporter: CaseReporter;
  let manifestPath: string;
  const children = new Set<ChildProcess>();

  const startWorker = async (): Promise<ChildProcess> => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'scripts/survey-worker.ts'), '--redis', redis.url, '--api', url, '--key', api.keys.ingest, '--manifest', manifestPath, '--prefix', PREFIX, '--lock-ms', '2000'],
      { cwd: REPO_ROOT, env: { ...process.env, OBJECTS_DIR: path.join(dir, 'objects'), LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.add(child);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('exit', () => children.delete(child));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d) => String(d).includes('"ready"') && resolve());
      child.once('exit', (code) => reject(new Error(`survey worker exited ${code}: ${stderr}`)));
    });
    return child;
  };
  const kill = (child: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });

  const cli = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts/survey-upload.ts'), ...args, '--api', url, '--key', api.keys.operator], { cwd: REPO_ROOT });
      children.add(child);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (code) => {
        children.delete(child);
        resolve({ code, stdout, stderr });
      });
    });

  const report = async (id: string) => (await api.app.inject({ method: 'GET', url: `/v1/surveys/${id}`, headers: api.headers('operator') })).json();
  const settled = (id: string) => until(`survey ${id} analysed and its cases delivered`, async () => {
    const r = await report(id);
    return r.progress.complete && r.cases.awaitingDelivery === 0 ? r : undefined;
  }, 60_000, 100);
  const caseRows = async () => api.app.db.query<{ id: number; dedupe_key: string; observation_count: number; source_kind: string }>('SELECT id, dedupe_key, observation_count, source_kind FROM cases ORDER BY id');

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'survey-worker-'));
    const models = path.join(dir, 'models');
    const fixture = await writeFixture(models, 'fixture-car.onnx', colourDetectorFixture({ size: 64, box: [8, 8, 56, 56] }));
    await writeLabels(models, 'car.txt', ['car']);
    manifestPath = path.join(models, 'manifest.json');
    await writeFile(manifestPath, JSON.stringify({ defaultDetector: 'fixture-car', models: [detectorFixtureEntry('fixture-car', 'fixture-car.onnx', fixture.sha256, 'car.txt')] }));
    redis = await startRedis();
    api = await startTestApi({ kind: 'pglite' }, { objects: { kind: 'folder', dir: path.join(dir, 'objects') }, surveys: { redisUrl: redis.url, prefix: PREFIX } });
    await api.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(api.app.server.address() as { port: number }).port}`;
    dispatch = startDispatchWorker({ redisUrl: redis.url, api: { url, key: api.keys.ingest }, prefix: PREFIX, baseDelayMs: 100, maxDelayMs: 500 });
    reporter = createCaseReporter({ redisUrl: redis.url, objects: await openObjectStore({ kind: 'folder', dir: path.join(dir, 'objects') }), prefix: PREFIX });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...children].map(kill));
    await dispatch?.close();
    await reporter?.close();
    await api?.close();
    await redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('processes every image once across a SIGKILL, fails the corrupt one alone, and doubles no case', async () => {
    const folder = path.join(dir, 'flight-1');
    await mkdir(folder);
    // Six photos 200 m apart with one parked car each, one with two cars 5 m apart, one corrupt.
    for (let i = 0; i < 6; i++) await writeFile(path.join(folder, `DJI_000${i}.JPG`), await photo(0, 200 * i, [patch(6 + i, 4)]));
    await writeFile(path.join(folder, 'DJI_0006.JPG'), await photo(0, -400, [patch(5, 4), patch(6, 4)]));
    await writeFile(path.join(folder, 'DJI_0007.JPG'), corrupt(await photo(0, -800, [patch(6, 4)])));
    await writeFile(path.join(folder, 'flight.log'), 'not an image');
    await writeFile(path.join(dir, 'zones.json'), JSON.stringify(ZONES));

    const up = await cli([folder, '--create', 'flight 1', '--flown-at', '2026-03-02T01:00:00Z', '--zones', path.join(dir, 'zones.json'), '--wait', '0']);
    expect(up.stderr).toContain('skipping');
    expect(up.stderr).toMatch(/created survey (\d+)/);
    expect(up.stderr).toContain('8 uploaded, 0 already there, 0 refused');
    const id = /created survey (\d+)/.exec(up.stderr)![1]!;
    // Resumable: a second run finds everything there and sends nothing.
    const again = await cli([folder, '--survey', id, '--wait', '0']);
    expect(again.stderr).toContain('0 uploaded, 8 already there, 0 refused');

    let worker = await startWorker();
    const finishedAtKill = await until('the first image result', async () => {
      const [row] = await api.app.db.query<{ n: number }>("SELECT count(*)::int AS n FROM survey_images WHERE status <> 'queued'");
      return row!.n > 0 ? row!.n : undefined;
    }, 60_000, 20);
    await kill(worker);
    expect(finishedAtKill).toBeLessThan(8); // killed mid-survey
    worker = await startWorker();

    const r = await settled(id);
    expect(r.progress).toMatchObject({ images: 8, done: 7, failed: 1, queued: 0 });
    expect(r.failed).toHaveLength(1);
    expect(r.failed[0].fileName).toBe('DJI_0007.JPG');
    expect(r.failed[0].error).toMatch(/^DJI_0007\.JPG: corrupt image data \(.*Corrupt JPEG data/);
    for (const img of r.images.filter((i: { status: string }) => i.status === 'done')) {
      expect(img.telemetry).toMatchObject({ read: true, relativeAltitudeM: 50, altitudeSource: 'xmp-relative-altitude' });
      expect(img.geolocated).toBe(true);
      for (const d of img.detections) expect(d.location.accuracyM).toBeGreaterThan(0);
    }
    const two = r.images.find((i: { fileName: string }) => i.fileName === 'DJI_0006.JPG');
    expect(two.violations).toHaveLength(2);
    // Eight cars, eight cases (the two side by side stay two), each seen exactly once.
    expect(r.cases.found).toBe(8);
    expect(r.cases.violationsReported).toBe(8);
    const rows = await caseRows();
    expect(rows).toHaveLength(8);
    expect(rows.every((c) => c.observation_count === 1 && c.source_kind === 'survey')).toBe(true);
    const done = await until('the CLI report', async () => {
      const out = await cli([folder, '--survey', id, '--wait', '30']);
      return out.stdout.includes('8 images, 7 done, 1 failed') ? out : undefined;
    }, 60_000);
    expect(done!.stdout).toContain('cases found: 8 (illegal_parking 8)');
    expect(done!.stdout).toMatch(/detector: Detector fixture-car v1 .* NOT an aerial model: fixture-car is not declared an aerial model/);
    expect(done!.stdout).toMatch(/illegal_construction: not analysed: no model/);
    expect(done!.code).toBe(1); // a failed image is worth a non-zero exit
    await kill(worker);
  }, 150_000);

  it('folds the same parked car seen in two surveys and by a street camera into one case', async () => {
    const before = (await caseRows()).length;
    const create = async (name: string, flownAt: string) =>
      (await api.app.inject({ method: 'POST', url: '/v1/surveys', headers: api.headers('operator'), payload: { name, flownAt, zones: ZONES } })).json().id as string;
    const morning = await create('morning', '2026-03-03T01:00:00Z');
    const noon = await create('follow-up', '2026-03-03T01:10:00Z');
    const upload = async (id: string, name: string, bytes: Buffer) => {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(bytes)]), name);
      const res = await fetch(`${url}/v1/surveys/${id}/images`, { method: 'POST', headers: { authorization: `Bearer ${api.keys.operator}` }, body: form });
      expect(res.status).toBe(201);
    };
    // The second drone stood 3 m further east; the car is at the same pixel, so 3 m east too (radius 10 m).
    await upload(morning, 'DJI_0100.JPG', await photo(1000, 0, [patch(6, 4)]));
    await upload(noon, 'DJI_0200.JPG', await photo(1003, 0, [patch(6, 4)]));
    const worker = await startWorker();
    const a = await settled(morning);
    const b = await settled(noon);
    await kill(worker);
    expect(a.cases.found).toBe(1);
    expect(b.cases.ids).toEqual(a.cases.ids);
    const [caseId] = a.cases.ids;
    const where = a.images[0].violations[0].location;

    // A street camera that knows the ground position of what it sees (accuracy within the radius).
    const frame: Frame = { sourceId: 'cam-gate', capturedAt: new Date('2026-03-03T01:15:00Z'), width: 64, height: 48, pixels: new Uint8Array(64 * 48 * 3).fill(90) };
    const seen = (accuracyM: number, trackId: number, box: Violation['box']): Violation => ({
      type: 'illegal_parking', sourceId: 'cam-gate', zoneId: 'gate', trackId, observedAt: frame.capturedAt, box, score: 0.7,
      location: { lat: where.lat, lon: where.lon + 0.00001, accuracyM }, evidenceFrames: [frame], label: 'car', modelId: 'nanodet-coco-416',
      // Precise positions come from the camera's ground calibration; ±50 m is where the camera stands.
      ...(accuracyM < 50 ? { placedOnGround: true } : {}),
    });
    const precise = await (await import('../../pipeline/cases/report-violation.ts')).reportViolation(seen(3, 1, [4, 10, 28, 30]), reporter.deps);
    expect(precise.dedupeKey).toBe(a.images[0].violations[0].dedupeKey);
    // Another car in the same camera view, whose position is only the camera's own (±50 m): a
    // position that coarse cannot tell two cars apart, so it stays the camera's own case.
    const vague = await (await import('../../pipeline/cases/report-violation.ts')).reportViolation(seen(50, 2, [36, 10, 60, 30]), reporter.deps);
    expect(vague.dedupeKey).not.toBe(precise.dedupeKey);

    const rows = await until('the camera sightings delivered', async () => {
      const r = await caseRows();
      return r.length === before + 2 && r.find((c) => c.id === caseId)?.observation_count === 3 ? r : undefined;
    }, 30_000);
    expect(rows!.find((c) => c.id === caseId)).toMatchObject({ observation_count: 3, source_kind: 'survey' });
  }, 120_000);
});

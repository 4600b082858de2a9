// Survey against survey from drone photos with telemetry (JPEG, EXIF GPS and DJI XMP, written by the
// test from real aerial photos): the later photo of the same ground (another view, other light, a
// block of buildings added) is paired by footprint, aligned, and its change put on the map with an
// area in m²; a later photo of another place at the same position, and one without telemetry, are
// listed as not compared, with the reason.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparePhotoSurveys } from '../../pipeline/change/compare-photo-surveys.ts';
import { Redis } from 'ioredis';
import type { CaseObservation } from '../../contracts/case.ts';
import type { OrthoCandidate } from '../../pipeline/change/compare-orthomosaics.ts';
import { raiseConstructionCases } from '../../pipeline/change/construction-cases.ts';
import { createDedupe } from '../../pipeline/dedupe/dedupe.ts';
import { startTestApi } from '../support/api.ts';
import { startRedis } from '../support/redis-server.ts';
import { runScript } from '../support/run-script.ts';
import { samplePath } from '../support/samples.ts';
import { droneJpeg } from '../survey/drone-jpeg.ts';
import { afterView, BLOCK, ground, SIZE } from './photo-views.ts';

const AT = { lat: 31.23, lon: 121.47 };
// An 8.8 mm lens on a 13.2 mm sensor (DJI FC6310): at 400 px wide, 267 px focal length (DJI writes
// it as CalibratedFocalLength); from 50 m, 0.1875 m/px.
const FOCAL_PX = (8.8 / 13.2) * SIZE;
const XMP = { RelativeAltitude: '+50.0', GimbalPitchDegree: '-90.0', GimbalYawDegree: '+0.0', CalibratedFocalLength: FOCAL_PX.toFixed(2) };
const GSD = 50 / FOCAL_PX;

describe('comparePhotoSurveys', () => {
  let dir: string;
  const file = (n: string) => path.join(dir, n);
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'photo-surveys-'));
    await writeFile(file('before.png'), await ground(false));
    const view = await afterView(await ground(true));
    await sharp(view.data, { raw: { width: SIZE, height: SIZE, channels: 3 } }).png().toFile(file('after.png'));
    await sharp(samplePath('darknet/dog.jpg')).resize(SIZE, SIZE, { fit: 'cover' }).png().toFile(file('elsewhere.png'));
    const jpeg = (photo: string, withTelemetry = true) => droneJpeg({ photo, width: SIZE, height: SIZE, focalLengthMm: 8.8, ...(withTelemetry ? { gps: AT, xmp: XMP } : {}) });
    await writeFile(file('B_0001.JPG'), await jpeg(file('before.png')));
    await writeFile(file('A_0001.JPG'), await jpeg(file('after.png')));
    await writeFile(file('A_0002.JPG'), await jpeg(file('elsewhere.png')));
    await writeFile(file('A_0003.JPG'), await jpeg(file('after.png'), false));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('pairs, aligns and places the new block; says why the others were not compared', async () => {
    const result = await comparePhotoSurveys([file('B_0001.JPG')], [file('A_0001.JPG'), file('A_0002.JPG'), file('A_0003.JPG')]);
    expect(result.inputs.kind).toBe('photos');
    expect(result.pairs.map((p) => [path.basename(p.before), path.basename(p.after)])).toEqual([['B_0001.JPG', 'A_0001.JPG']]);
    expect(result.candidates).toHaveLength(1);
    const blockM2 = BLOCK[2] * BLOCK[3] * GSD * GSD;
    expect(result.candidates[0]!.areaM2).toBeGreaterThan(0.7 * blockM2);
    expect(result.candidates[0]!.areaM2).toBeLessThan(1.6 * blockM2);
    // Within a few metres of the camera's position: the photo covers 75 m × 75 m around it.
    const [lon, lat] = result.candidates[0]!.polygon[0]!;
    expect(Math.abs(lat - AT.lat) * 111_000).toBeLessThan(40);
    expect(Math.abs(lon - AT.lon) * 95_000).toBeLessThan(40);
    const refused = Object.fromEntries(result.refused.map((r) => [path.basename(r.after), r.reason]));
    expect(refused['A_0002.JPG']).toMatch(/^cannot be aligned with B_0001\.JPG: /);
    expect(refused['A_0003.JPG']).toBe('no ground footprint: no GPS position');
  });

  it('is what survey:compare --before-photos/--after-photos prints', async () => {
    await mkdir(file('march'));
    await mkdir(file('june'));
    await writeFile(file('march/B_0001.JPG'), await droneJpeg({ photo: file('before.png'), width: SIZE, height: SIZE, focalLengthMm: 8.8, gps: AT, xmp: XMP }));
    await writeFile(file('june/A_0001.JPG'), await droneJpeg({ photo: file('after.png'), width: SIZE, height: SIZE, focalLengthMm: 8.8, gps: AT, xmp: XMP }));
    const run = await runScript('scripts/survey-compare.ts', ['--before-photos', file('march'), '--after-photos', file('june')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/1 pair\(s\) compared \(photos, no surface model\)/);
    expect(run.stdout).toMatch(/pair   A_0001\.JPG ↔ B_0001\.JPG: \d+% overlap, turned 0°, \d+ of \d+ matches agree, 1 change\(s\)/);
    expect(run.stdout).toMatch(/1 candidate\(s\)\n  1\. +\d+\.\d m²/);
    const both = await runScript('scripts/survey-compare.ts', ['--before-photos', file('march')]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('both --before-photos and --after-photos are needed');
    const empty = await runScript('scripts/survey-compare.ts', ['--before-photos', file('march'), '--after-photos', file('nowhere')]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain(`${file('nowhere')}: cannot be read as a folder of photos (ENOENT)`);
  });

  it('raises the block as one case with crops from both photos, and no second case when repeated', async () => {
    const redis = await startRedis();
    const client = new Redis(redis.url);
    const api = await startTestApi();
    try {
      const result = await comparePhotoSurveys([file('B_0001.JPG')], [file('A_0001.JPG')]);
      const deps = {
        objects: api.objects,
        dedupe: createDedupe(client, { prefix: 'photos' }),
        dispatch: { enqueue: async (o: CaseObservation) => void (await api.app.inject({ method: 'POST', url: '/v1/cases', headers: api.headers('ingest'), payload: o })) },
      };
      const options = { before: { name: 'March', date: new Date('2026-03-01T02:00:00Z') }, after: { name: 'June', date: new Date('2026-06-01T02:00:00Z') } };
      const crop = async (c: OrthoCandidate) => result.cropOf(c)!;
      for (let i = 0; i < 2; i++) {
        const report = await raiseConstructionCases(result.candidates, crop, 'B_0001|A_0001', options, deps);
        expect(report.cases).toHaveLength(1);
      }
      const rows = await api.app.db.query<{ id: number; observation_count: number }>("SELECT id, observation_count FROM cases WHERE type = 'illegal_construction'");
      expect(rows).toEqual([{ id: rows[0]!.id, observation_count: 1 }]);
      const detail = (await api.app.inject({ url: `/v1/cases/${rows[0]!.id}`, headers: api.headers('reviewer') })).json();
      const pair = detail.evidence.find((e: { kind: string }) => e.kind === 'comparison');
      const before = detail.evidence.find((e: { kind: string }) => e.kind === 'start_frame');
      expect(pair.width).toBe(2 * before.width + 8);
      // For people to look at: the before and after crops side by side with the outline on both.
      await mkdir('/tmp/shots', { recursive: true });
      await sharp((await api.objects.get(pair.key))!).png().toFile('/tmp/shots/survey-change-photo-evidence.png');
    } finally {
      client.disconnect();
      await redis.stop();
      await api.close();
    }
  }, 60_000);

  it('names a file that is not an image', async () => {
    await writeFile(file('broken.JPG'), 'not a jpeg');
    await expect(comparePhotoSurveys([file('broken.JPG')], [file('A_0001.JPG')])).rejects.toThrow(`${file('broken.JPG')}: not a readable image`);
  });
});

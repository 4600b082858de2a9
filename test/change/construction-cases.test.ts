// Survey against survey into illegal_construction cases, on GeoTIFF pairs the test writes from real
// aerial photos, through a real redis-server (the geo dedupe index), the API on PGlite and its
// evidence store: a structure outside the permitted-building layer is one case and one inside it
// none; only a change of light raises nothing; the same comparison again adds no case; a later
// survey of the same structure joins the earlier case.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseObservation } from '../../contracts/case.ts';
import type { PolygonLayer } from '../../contracts/survey.ts';
import { compareOrthomosaics, type OrthoComparison } from '../../pipeline/change/compare-orthomosaics.ts';
import { reportConstructionCases, type ConstructionCaseDeps, type SurveySide } from '../../pipeline/change/construction-cases.ts';
import { createDedupe } from '../../pipeline/dedupe/dedupe.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';
import { samplePath } from '../support/samples.ts';
import { beforeScene, PASTED, relit } from './change-pairs.ts';
import { beforeOrtho, GEOREF, lonLatOf, relitOrtho, UPSCALE, WIDTH, writeOrtho } from './ortho-pairs.ts';

/** A second structure, [left, top, width, height] in scene pixels, in the woods south-west of the first. */
const SECOND: [number, number, number, number] = [30, 220, 60, 48];
const MARCH = { name: '海淀 2026-03', date: new Date('2026-03-01T02:00:00Z'), surveyId: '3' } satisfies SurveySide;
const JUNE = { name: '海淀 2026-06', date: new Date('2026-06-01T02:00:00Z'), surveyId: '4' } satisfies SurveySide;
const AUGUST = { name: '海淀 2026-08', date: new Date('2026-08-01T02:00:00Z'), surveyId: '5' } satisfies SurveySide;

/** The footprint of scene pixels [left, top, width, height] as a lon/lat polygon, grown by `grow` scene pixels. */
function footprint([l, t, w, h]: [number, number, number, number], grow = 6): PolygonLayer {
  const corner = (x: number, y: number) => lonLatOf(GEOREF, x * UPSCALE, y * UPSCALE);
  const ring = [corner(l - grow, t - grow), corner(l + w + grow, t - grow), corner(l + w + grow, t + h + grow), corner(l - grow, t + h + grow), corner(l - grow, t - grow)];
  return { type: 'FeatureCollection', features: [{ type: 'Feature', id: 'permit-0815', properties: null, geometry: { type: 'Polygon', coordinates: [ring] } }] };
}

async function twoStructures(): Promise<Uint8Array> {
  const block = (l: number, t: number, w: number, h: number) => sharp(samplePath('opencv/aero3.jpg')).extract({ left: l, top: t, width: w, height: h }).png().toBuffer();
  const withBlocks = await sharp(await beforeScene().png().toBuffer())
    .composite([
      { input: await block(300, 150, PASTED[2], PASTED[3]), left: PASTED[0], top: PASTED[1] },
      { input: await block(420, 260, SECOND[2], SECOND[3]), left: SECOND[0], top: SECOND[1] },
    ])
    .png()
    .toBuffer();
  const { data } = await relit(sharp(withBlocks)).resize(WIDTH, WIDTH, { kernel: 'cubic' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}

describe('illegal construction cases from survey comparison', () => {
  let dir: string;
  let redis: TestRedis;
  let client: Redis;
  let api: TestApi;
  let deps: ConstructionCaseDeps;
  let changed: OrthoComparison;
  const file = (name: string) => path.join(dir, name);
  const cases = () => api.app.db.query<{ id: number; type: string; dedupe_key: string; observation_count: number }>('SELECT id, type, dedupe_key, observation_count FROM cases ORDER BY id');

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'construction-'));
    await writeOrtho(file('march.tif'), await beforeOrtho(), GEOREF);
    await writeOrtho(file('june.tif'), { width: WIDTH, height: WIDTH, data: await twoStructures() }, GEOREF);
    await writeOrtho(file('relit.tif'), await relitOrtho(), GEOREF);
    redis = await startRedis();
    client = new Redis(redis.url);
    api = await startTestApi();
    // The dispatch queue's delivery (tested in test/dispatch) is replaced by posting at once, so the test can count cases.
    const post = async (o: CaseObservation) => {
      const res = await api.app.inject({ method: 'POST', url: '/v1/cases', headers: api.headers('ingest'), payload: o });
      if (res.statusCode >= 300) throw new Error(`POST /v1/cases ${res.statusCode}: ${res.body}`);
    };
    deps = { objects: api.objects, dedupe: createDedupe(client, { prefix: 'construction' }), dispatch: { enqueue: post } };
    changed = await compareOrthomosaics({ before: file('march.tif'), after: file('june.tif') });
  }, 120_000);

  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
    await api?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('raises the structure outside the permitted footprints as one case, not the one inside', async () => {
    expect(changed.candidates).toHaveLength(2);
    const report = await reportConstructionCases(changed, { before: MARCH, after: JUNE, permittedBuildings: footprint(PASTED) }, deps);
    expect(report.cases).toHaveLength(1);
    expect(report.dropped).toHaveLength(1);
    expect(report.dropped[0]!.reason).toMatch(/100% of it lies in a permitted building footprint/);
    // The case is the second structure's: its centre is where the test put it.
    const [lon, lat] = lonLatOf(GEOREF, (SECOND[0] + SECOND[2] / 2) * UPSCALE, (SECOND[1] + SECOND[3] / 2) * UPSCALE);
    const raised = report.cases[0]!;
    expect(Math.abs(raised.location.lon - lon) * 85_000).toBeLessThan(3);
    expect(Math.abs(raised.location.lat - lat) * 111_000).toBeLessThan(3);
    const rows = await cases();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.type).toBe('illegal_construction');

    const detail = (await api.app.inject({ method: 'GET', url: `/v1/cases/${rows[0]!.id}`, headers: api.headers('reviewer') })).json();
    expect(detail.observations[0].attributes).toMatchObject({ beforeDate: MARCH.date.toISOString(), afterDate: JUNE.date.toISOString(), beforeSurvey: MARCH.name, afterSurvey: JUNE.name });
    expect(Number(detail.observations[0].attributes.areaM2)).toBeCloseTo(raised.areaM2, 1);
    const kinds = detail.evidence.map((e: { kind: string }) => e.kind).sort();
    expect(kinds).toEqual(['comparison', 'frame', 'start_frame']);
    // The comparison is the two crops side by side, each as large as the after crop.
    const pair = detail.evidence.find((e: { kind: string }) => e.kind === 'comparison');
    const after = detail.evidence.find((e: { kind: string }) => e.kind === 'frame');
    expect(pair.width).toBe(2 * after.width + 8);
    expect(pair.height).toBe(after.height);
  });

  it('adds no case when the same comparison is reported again', async () => {
    const before = await cases();
    const again = await reportConstructionCases(changed, { before: MARCH, after: JUNE, permittedBuildings: footprint(PASTED) }, deps);
    expect(again.cases).toHaveLength(1);
    expect(await cases()).toEqual(before);
  });

  it('joins the same structure seen by a later comparison to the earlier case', async () => {
    const [first] = await cases();
    const later = await compareOrthomosaics({ before: file('march.tif'), after: file('june.tif') });
    const report = await reportConstructionCases(later, { before: MARCH, after: AUGUST, permittedBuildings: footprint(PASTED) }, deps);
    expect(report.cases[0]!.dedupeKey).toBe(first!.dedupe_key);
    const rows = await cases();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.observation_count).toBe(first!.observation_count + 1);
  });

  it('raises nothing when only the light changed', async () => {
    const relitOnly = await compareOrthomosaics({ before: file('march.tif'), after: file('relit.tif') });
    const report = await reportConstructionCases(relitOnly, { before: MARCH, after: { ...JUNE, surveyId: '6' } }, deps);
    expect(report).toEqual({ cases: [], dropped: [] });
  });

  it('drops, with the reason, candidates below the minimum area', async () => {
    const report = await reportConstructionCases(changed, { before: MARCH, after: { ...JUNE, surveyId: '7' }, rule: { minAreaM2: 10_000 } }, deps);
    expect(report.cases).toEqual([]);
    expect(report.dropped.map((d) => d.reason)).toEqual([expect.stringMatching(/m² is below the minimum of 10000 m²/), expect.stringMatching(/m² is below the minimum of 10000 m²/)]);
  });
});

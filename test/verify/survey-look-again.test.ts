// Drone cases verified by the next survey covering the place: a later survey image's result (a
// nadir photo 50 m up, its footprint about 80 x 60 m) comes in through the API as the survey worker
// posts it. The handled case with a kept car at its position goes back to its unit; the one with
// nothing there is verified by system:verifier with the survey image as evidence; a case outside
// the footprint, or a camera case, is not touched.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observation, startTestApi, storedEvidence, type TestApi } from '../support/api.ts';
import { addUnits, fieldKey, handleWithPhoto } from '../support/field.ts';
import { REPO_ROOT } from '../support/samples.ts';
import { droneJpeg } from '../survey/drone-jpeg.ts';
import { multipart } from '../survey/multipart.ts';

describe('drone cases looked at again by a later survey', () => {
  let api: TestApi;
  let unitKey: string;
  beforeAll(async () => {
    api = await startTestApi({ kind: 'pglite' }, { now: () => new Date() });
    await addUnits(api, 'east-1');
    unitKey = await fieldKey(api, 'east-1');
  });
  afterAll(async () => {
    await api?.close();
  });

  const handledCase = async (lat: number, lon: number, kind: 'survey' | 'camera' = 'survey') => {
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: api.headers('ingest'),
      payload: observation({ evidence: [await storedEvidence(api.objects)], source: { kind, id: kind === 'survey' ? 'survey:1' : 'cam-1' }, label: 'car', location: { lat, lon, accuracyM: 3 } }),
    });
    const id = res.json().caseId as number;
    for (const [m, body] of [['confirm', {}], ['dispatch', { unit: 'east-1' }]] as const) {
      expect((await api.app.inject({ method: 'POST', url: `/v1/cases/${id}/${m}`, headers: api.headers('reviewer'), payload: body })).statusCode).toBe(200);
    }
    expect((await handleWithPhoto(api, id, unitKey)).statusCode).toBe(200);
    return id;
  };
  const detail = async (id: number) => (await api.app.inject({ method: 'GET', url: `/v1/cases/${id}`, headers: api.headers('reviewer') })).json();

  it('sends back the case whose car is still there and verifies the one whose place is empty', async () => {
    const stays = await handledCase(31.23, 121.47);
    const gone = await handledCase(31.2302, 121.4701);
    const outside = await handledCase(31.24, 121.47);
    const camera = await handledCase(31.2302, 121.4702, 'camera');

    const survey = (await api.app.inject({ method: 'POST', url: '/v1/surveys', headers: api.headers('operator'), payload: { name: '复查航拍', flownAt: new Date().toISOString() } })).json().id;
    const bytes = await droneJpeg({ photo: path.join(REPO_ROOT, 'samples/cache/darknet/dog.jpg'), width: 1600, height: 1200 });
    const { payload, headers } = await multipart([{ name: 'DJI_0100.JPG', bytes }]);
    const sha = (await api.app.inject({ method: 'POST', url: `/v1/surveys/${survey}/images`, headers: { ...api.headers('operator'), ...headers }, payload })).json().images[0].sha256;
    const result = {
      status: 'done',
      attempt: 1,
      width: 1600,
      height: 1200,
      telemetry: { read: true, lat: 31.23, lon: 121.47, relativeAltitudeM: 50, gimbalPitchDeg: -90, yawDeg: 0, focalLengthPx: 1000, capturedAt: new Date(Date.now() + 60_000).toISOString() },
      geolocated: true,
      detections: [
        { label: 'car', score: 0.62, box: [780, 580, 820, 620], kept: true, location: { lat: 31.23001, lon: 121.47001, accuracyM: 2 } },
        { label: 'toilet', score: 0.5, box: [100, 100, 200, 200], kept: false, dropped: 'label "toilet" is not on the allow-list for this source', location: { lat: 31.2302, lon: 121.4701, accuracyM: 2 } },
      ],
      violations: [],
    };
    const put = await api.app.inject({ method: 'PUT', url: `/v1/surveys/${survey}/images/${sha}/result`, headers: api.headers('ingest'), payload: result });
    expect(put.statusCode, put.body).toBe(200);

    const s = await detail(stays);
    expect(s.status).toBe('dispatched');
    expect(s.audit.at(-1)).toMatchObject({ action: 'still_there', actor: 'system:verifier', details: expect.objectContaining({ method: 'survey_look_again', surveyId: String(survey), image: sha }) });
    const g = await detail(gone);
    expect(g.status).toBe('verified');
    expect(g.audit.at(-1)).toMatchObject({ action: 'verify', actor: 'system:verifier', details: expect.objectContaining({ outcome: 'gone', method: 'survey_look_again' }) });
    const frame = g.followUp.find((e: { kind: string }) => e.kind === 'verify_frame');
    expect(frame.sha256).toBe(sha);
    expect((await api.app.inject({ method: 'GET', url: frame.url })).statusCode).toBe(200);
    expect((await detail(outside)).status).toBe('handled');
    expect((await detail(camera)).status).toBe('handled');

    // The same result reported again (a retried job) changes nothing more.
    await api.app.inject({ method: 'PUT', url: `/v1/surveys/${survey}/images/${sha}/result`, headers: api.headers('ingest'), payload: result });
    expect((await detail(stays)).audit.length).toBe(s.audit.length);
  });
});

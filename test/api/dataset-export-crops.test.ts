// `dataset:export --crops` on a store filled with real photos reviewed through the API: the
// confirmed and rejected cases of each type come out as image-folder trees the trainer reads, each
// crop the case's box with 10% context, named by camera so the trainer splits by camera.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Box, Violation } from '../../contracts/types.ts';
import { exportDataset, httpTransport } from '../../models/dataset/export.ts';
import { readImageFolder } from '../../models/train/image-folder.ts';
import { readDetectorScores } from '../../models/train/verdict-scores.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { capturedCase } from '../support/sample-cases.ts';
import { captureEvidence } from '../../pipeline/evidence/capture.ts';
import { observation } from '../support/api.ts';
import { frameFromSample } from '../support/frames.ts';
import { samplePath } from '../support/samples.ts';
import { cropRegion } from '../../pipeline/detect/crop.ts';
import { freePort } from '../support/ports.ts';
import { reviewerTransport } from '../support/training.ts';

describe('dataset:export --crops', () => {
  let api: TestApi;
  let base: string;
  let tmp: string;
  const ids: Record<string, number> = {};

  async function reviewedCase(name: string, file: string, camera: string, type: Violation['type'], label: string, box: Box, verdict: 'confirm' | 'reject', score?: number): Promise<void> {
    ids[name] = (await capturedCase(api, { name, file, camera, type, label, box, ...(score === undefined ? {} : { score }) })).caseId;
    const review = await api.app.inject({ method: 'POST', url: `/v1/cases/${ids[name]}/${verdict}`, headers: api.headers('reviewer'), payload: verdict === 'reject' ? { reason: '误报：不是违规' } : {} });
    expect(review.statusCode, review.body).toBe(200);
  }

  beforeAll(async () => {
    api = await startTestApi();
    const port = await freePort();
    await api.app.listen({ port, host: '127.0.0.1' });
    base = `http://127.0.0.1:${port}`;
    tmp = await mkdtemp(path.join(os.tmpdir(), 'dataset-crops-'));
    api.clock.now = new Date('2026-03-02T02:00:00Z');
    await reviewedCase('dog', 'darknet/dog.jpg', 'cam-east', 'illegal_parking', 'car', [466, 74, 683, 171], 'confirm', 0.71);
    await reviewedCase('horses', 'darknet/horses.jpg', 'cam-west', 'illegal_parking', 'car', [215, 70, 420, 380], 'reject', 0.42);
  });

  afterAll(async () => {
    await api?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('writes crops/<type>/confirmed and rejected, each crop the box with 10% context, named by camera', async () => {
    const out = path.join(tmp, 'export');
    await exportDataset(httpTransport(base, api.keys.reviewer), { since: new Date('2026-03-01T00:00:00+08:00'), out, crops: true });
    const tree = await readImageFolder(path.join(out, 'crops', 'illegal_parking'));
    expect(tree.classes).toEqual(['confirmed', 'rejected']);
    const confirmed = await readdir(path.join(out, 'crops', 'illegal_parking', 'confirmed'));
    expect(confirmed).toEqual([`camera-cam-east__c${ids.dog}-0.jpg`]);
    expect(await readdir(path.join(out, 'crops', 'illegal_parking', 'rejected'))).toEqual([`camera-cam-west__c${ids.horses}-0.jpg`]);
    // 217 x 97 px box, 21.7 / 9.7 px on each side, whole pixels outward.
    const meta = await sharp(path.join(out, 'crops', 'illegal_parking', 'confirmed', confirmed[0]!)).metadata();
    expect([meta.width, meta.height]).toEqual([Math.ceil(683 + 21.7) - Math.floor(466 - 21.7), Math.ceil(171 + 9.7) - Math.floor(74 - 9.7)]);
    expect(new Set(tree.crops.map((c) => c.source))).toEqual(new Set(['camera-cam-east', 'camera-cam-west']));
  });

  it('writes each verdict crop’s detector score (its sighting’s) beside the crops, and none for attribute trees', async () => {
    const out = path.join(tmp, 'scored');
    await exportDataset(httpTransport(base, api.keys.reviewer), { since: new Date('2026-03-01T00:00:00+08:00'), out, crops: true });
    const tree = path.join(out, 'crops', 'illegal_parking');
    expect(await readFile(path.join(tree, 'detector-scores.csv'), 'utf8')).toBe(
      `file,score\nconfirmed/camera-cam-east__c${ids.dog}-0.jpg,0.71\nrejected/camera-cam-west__c${ids.horses}-0.jpg,0.42\n`,
    );
    // Keyed as the trainer reads the tree, so every crop finds its score.
    const scores = (await readDetectorScores(tree))!;
    expect((await readImageFolder(tree)).crops.map((c) => scores.get(c.file))).toEqual([0.71, 0.42]);
  });

  it('writes no crops folder without --crops', async () => {
    const out = path.join(tmp, 'plain');
    await exportDataset(httpTransport(base, api.keys.reviewer), { since: new Date('2026-03-01T00:00:00+08:00'), out });
    expect(await readdir(out)).not.toContain('crops');
  });
});

describe('dataset:export --crops: one frame, several cases; drawn frames', () => {
  let api: TestApi;
  let tmp: string;
  const ids: Record<string, number> = {};
  const truck: Box = [466, 74, 683, 171];
  const bicycle: Box = [131, 140, 568, 422];
  const dog: Box = [124, 220, 314, 540];

  beforeAll(async () => {
    api = await startTestApi();
    tmp = await mkdtemp(path.join(os.tmpdir(), 'dataset-crops-shared-'));
    api.clock.now = new Date('2026-03-02T02:00:00Z');
    // One camera frame confirms three sightings at once, as a row of parked vehicles does.
    for (const [name, label, box, verdict] of [['truck', 'truck', truck, 'confirm'], ['bicycle', 'bicycle', bicycle, 'confirm'], ['dog', 'car', dog, 'reject']] as const) {
      ids[name] = (await capturedCase(api, { name, file: 'darknet/dog.jpg', camera: 'cam-row', type: 'illegal_parking', label, box })).caseId;
      const review = await api.app.inject({ method: 'POST', url: `/v1/cases/${ids[name]}/${verdict}`, headers: api.headers('reviewer'), payload: verdict === 'reject' ? { reason: '误报' } : {} });
      expect(review.statusCode, review.body).toBe(200);
    }
    // A sighting whose vehicle stopped earlier: its start frame is kept drawn only.
    const start = await frameFromSample('darknet/horses.jpg', 'cam-start', new Date('2026-03-02T01:55:00Z'));
    const confirming = await frameFromSample('darknet/horses.jpg', 'cam-start', new Date('2026-03-02T01:59:00Z'));
    const box: Box = [215, 70, 420, 380];
    const v: Violation = { type: 'illegal_parking', sourceId: 'cam-start', observedAt: confirming.capturedAt, box, score: 0.6, label: 'car', evidenceFrames: [start, confirming] };
    const evidence = await captureEvidence(v, api.objects, { sourceName: 'cam-start' });
    expect(evidence.map((e) => e.kind)).toContain('start_frame');
    const res = await api.app.inject({ method: 'POST', url: '/v1/cases', headers: api.headers('ingest'), payload: observation({ dedupeKey: 'illegal_parking:started', type: 'illegal_parking', label: 'car', box, score: 0.6, source: { kind: 'camera', id: 'cam-start' }, observedAt: confirming.capturedAt.toISOString(), evidence }) });
    expect(res.statusCode, res.body).toBe(201);
    ids.started = res.json().caseId;
    expect((await api.app.inject({ method: 'POST', url: `/v1/cases/${ids.started}/confirm`, headers: api.headers('reviewer'), payload: {} })).statusCode).toBe(200);
  });

  afterAll(async () => {
    await api?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('cuts each case’s own crop from a frame the cases share, and labels that image with every confirmed box', async () => {
    const out = path.join(tmp, 'shared');
    const summary = await exportDataset(reviewerTransport(api), { since: new Date('2026-03-01T00:00:00+08:00'), out, crops: true });
    const tree = path.join(out, 'crops', 'illegal_parking');
    expect((await readdir(path.join(tree, 'confirmed'))).sort()).toEqual([`camera-cam-row__c${ids.bicycle}-0.jpg`, `camera-cam-row__c${ids.truck}-0.jpg`, `camera-cam-start__c${ids.started}-0.jpg`].sort());
    expect(await readdir(path.join(tree, 'rejected'))).toEqual([`camera-cam-row__c${ids.dog}-0.jpg`]);
    // Each crop is its own case's box (with 10% context), not the first case's.
    const size = async (file: string) => (await sharp(path.join(tree, file)).metadata()).width;
    expect(await size(`confirmed/camera-cam-row__c${ids.truck}-0.jpg`)).toBe(Math.ceil(683 + 21.7) - Math.floor(466 - 21.7));
    expect(await size(`confirmed/camera-cam-row__c${ids.bicycle}-0.jpg`)).toBe(Math.ceil(568 + 43.7) - Math.floor(131 - 43.7));
    // The shared frame is one training image, labelled with both confirmed boxes and not the rejected one.
    const row = summary.images.filter((i) => [ids.truck, ids.bicycle, ids.dog].includes(i.caseId!) && (i as { kind?: string }).kind === 'clean_frame');
    expect(row).toHaveLength(1);
    expect(row[0]!.boxes.map((b) => b.label).sort()).toEqual(['bicycle', 'truck']);
    const labels = (await readFile(path.join(out, row[0]!.file.replace(/^images/, 'labels').replace(/\.jpg$/, '.txt')), 'utf8')).trim().split('\n');
    expect(labels).toHaveLength(2);
  });

  it('cuts no crop from a drawn image (the start frame): one crop of the clean frame per sighting', async () => {
    const out = path.join(tmp, 'drawn');
    const summary = await exportDataset(reviewerTransport(api), { since: new Date('2026-03-01T00:00:00+08:00'), out, crops: true });
    const started = summary.images.filter((i) => i.caseId === ids.started).map((i) => i as typeof i & { kind: string; annotated: boolean });
    expect(started.map((i) => [i.kind, i.annotated]).sort()).toEqual([['clean_frame', false], ['crop', false], ['start_frame', true]]);
    const crops = (await readdir(path.join(out, 'crops', 'illegal_parking', 'confirmed'))).filter((f) => f.includes(`__c${ids.started}-`));
    expect(crops).toEqual([`camera-cam-start__c${ids.started}-0.jpg`]);
    // The crop is the photo as the camera saw it: along the box's top edge, where a drawn frame has
    // its rectangle, it matches the sample photo within JPEG noise.
    const file = path.join(out, 'crops', 'illegal_parking', 'confirmed', crops[0]!);
    const { width, height } = await sharp(samplePath('darknet/horses.jpg')).metadata();
    const region = cropRegion([215, 70, 420, 380], width!, height!, 0.1);
    const edge = { left: 215 - region.left, top: 70 - region.top - 2, width: 205, height: 5 };
    const exported = await sharp(file).extract(edge).removeAlpha().raw().toBuffer();
    const photo = await sharp(samplePath('darknet/horses.jpg')).extract({ ...edge, left: 215, top: 68 }).removeAlpha().raw().toBuffer();
    let diff = 0;
    for (let i = 0; i < photo.length; i++) diff += Math.abs(exported[i]! - photo[i]!);
    expect(diff / photo.length).toBeLessThan(8);
  });
});

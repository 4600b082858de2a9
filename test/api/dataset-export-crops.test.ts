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
import { freePort } from '../support/ports.ts';

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

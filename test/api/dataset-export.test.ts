// Learning from reviews: box corrections through the API (who, when, append-only, latest wins,
// evidence untouched), and `npm run dataset:export` on a store these tests fill with real photos
// (samples/cache/darknet), reviewed through the API: confirmed, reclassified and corrected,
// rejected with a drawn box, pending, and reviewed before --since. Label lines are checked against
// boxes normalised by hand (the numbers in the comments), the split against sha256 of the camera.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { Box, Violation } from '../../contracts/types.ts';
import { exportDataset, httpTransport } from '../../models/dataset/export.ts';
import { datasetFiles } from '../support/dataset-files.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { capturedCase } from '../support/sample-cases.ts';
import { freePort } from '../support/ports.ts';
import { REPO_ROOT } from '../support/samples.ts';

const run = promisify(execFile);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Made {
  id: number;
  frame: string;
  /** The same confirming frame with nothing drawn. */
  clean: string;
  crop: string;
}

describe('box corrections and the dataset export', () => {
  let api: TestApi;
  let base: string;
  let tmp: string;
  const made: Record<string, Made> = {};

  async function makeCase(name: string, file: string, camera: string, type: Violation['type'], label: string, box: Box): Promise<Made> {
    const { caseId, evidence } = await capturedCase(api, { name, file, camera, type, label, box });
    const m = {
      id: caseId,
      frame: evidence.find((e) => e.kind === 'frame')!.sha256,
      clean: evidence.find((e) => e.kind === 'clean_frame')!.sha256,
      crop: evidence.find((e) => e.kind === 'crop')!.sha256,
    };
    made[name] = m;
    return m;
  }

  const post = (url: string, payload: object, role: 'reviewer' | 'operator' | 'admin' = 'reviewer') => api.app.inject({ method: 'POST', url, headers: api.headers(role), payload });
  const at = (iso: string) => (api.clock.now = new Date(iso));

  beforeAll(async () => {
    api = await startTestApi();
    const port = await freePort();
    await api.app.listen({ port, host: '127.0.0.1' });
    base = `http://127.0.0.1:${port}`;
    tmp = await mkdtemp(path.join(os.tmpdir(), 'dataset-export-'));

    // Reviewed before --since (2026-03-01 UTC+8): not exported.
    at('2026-02-20T02:00:00Z');
    const kite = await makeCase('kite', 'darknet/kite.jpg', 'cam-market', 'illegal_parking', 'car', [500, 300, 700, 500]);
    expect((await post(`/v1/cases/${kite.id}/confirm`, {})).statusCode).toBe(200);

    at('2026-03-02T02:00:00Z');
    // cam-east: a confirmed parking case, boxes as the model found them.
    const dog = await makeCase('dog', 'darknet/dog.jpg', 'cam-east', 'illegal_parking', 'car', [466, 74, 683, 171]);
    expect((await post(`/v1/cases/${dog.id}/confirm`, {})).statusCode).toBe(200);
    // cam-market: vending (an "umbrella") put under exposed garbage, its box moved and a cart drawn.
    const horses = await makeCase('horses', 'darknet/horses.jpg', 'cam-market', 'street_vending', 'umbrella', [215, 70, 420, 380]);
    expect((await post(`/v1/cases/${horses.id}/reclassify`, { type: 'exposed_garbage' })).statusCode).toBe(200);
    expect((await post(`/v1/cases/${horses.id}/confirm`, {})).statusCode).toBe(200);
    // cam-bridge: rejected, but the reviewer drew a structure on its frame.
    const eagle = await makeCase('eagle', 'darknet/eagle.jpg', 'cam-bridge', 'exposed_garbage', 'garbage', [120, 80, 600, 470]);
    expect((await post(`/v1/cases/${eagle.id}/reject`, { reason: '误报：不是违规' })).statusCode).toBe(200);
    // cam-east: still pending: not reviewed, not exported.
    await makeCase('giraffe', 'darknet/giraffe.jpg', 'cam-east', 'illegal_construction', 'structure', [100, 100, 300, 300]);
  });

  afterAll(async () => {
    await api?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  describe('corrections through the API', () => {
    it('stores who corrected which image when, in image pixels, and shows the latest in the case detail', async () => {
      const { id, frame } = made.horses!;
      at('2026-03-02T03:00:00Z');
      const first = await post(`/v1/cases/${id}/corrections`, { sha256: frame, boxes: [{ box: [215, 70, 420, 380], label: 'trash', origin: 'model' }] });
      expect(first.statusCode, first.body).toBe(201);
      at('2026-03-02T03:05:00Z');
      const second = await post(`/v1/cases/${id}/corrections`, {
        sha256: frame,
        boxes: [
          { box: [200, 60, 430, 390], label: 'garbage', origin: 'model' },
          { box: [10, 300, 120, 400], label: 'cart', origin: 'drawn' },
        ],
        note: 'box too small; a cart was missed',
      });
      expect(second.statusCode, second.body).toBe(201);
      expect(second.json()).toMatchObject({ caseId: id, sha256: frame, imageWidth: 773, imageHeight: 512, actor: 'test reviewer', actorRole: 'reviewer', at: '2026-03-02T03:05:00.000Z' });

      const history = (await api.app.inject({ url: `/v1/cases/${id}/corrections`, headers: api.headers('reviewer') })).json().items;
      expect(history.map((c: { boxes: unknown[] }) => c.boxes.length)).toEqual([1, 2]);
      expect(history[0].boxes[0].label).toBe('trash');

      const detail = (await api.app.inject({ url: `/v1/cases/${id}`, headers: api.headers('reviewer') })).json();
      const f = detail.evidence.find((e: { sha256: string }) => e.sha256 === frame);
      expect(f.boxes).toEqual([
        { box: [200, 60, 430, 390], label: 'garbage', origin: 'model' },
        { box: [10, 300, 120, 400], label: 'cart', origin: 'drawn' },
      ]);
      expect(f.correction).toMatchObject({ id: second.json().id, actor: 'test reviewer', at: '2026-03-02T03:05:00.000Z' });
      // The crop was not corrected: the model's box, labelled for the new type (umbrella is not garbage).
      const crop = detail.evidence.find((e: { kind: string }) => e.kind === 'crop');
      expect(crop.boxes).toEqual([{ box: crop.box, label: 'garbage', origin: 'model' }]);
      expect(crop.correction).toBeNull();
      expect(detail.corrections).toHaveLength(2);
    });

    it('never changes the evidence: rows, bytes and hashes stay as captured', async () => {
      const { id, frame, crop } = made.horses!;
      const rows = await api.app.db.query<{ sha256: string; object_key: string; box: number[] }>('SELECT sha256, object_key, box FROM evidence WHERE case_id = $1 ORDER BY id', [id]);
      expect(rows.map((r) => r.sha256)).toEqual([frame, made.horses!.clean, crop]);
      expect(rows[0]!.box).toEqual([215, 70, 420, 380]);
      for (const r of rows) expect(sha((await api.objects.get(r.object_key))!)).toBe(r.sha256);
      const served = await api.app.inject({ url: `/v1/evidence/${frame}`, headers: api.headers('reviewer') });
      expect(sha(served.rawPayload)).toBe(frame);
    });

    it('is append-only in the store itself', async () => {
      await expect(api.app.db.query('UPDATE box_corrections SET boxes = $1', ['[]'])).rejects.toThrow(/append-only/);
      await expect(api.app.db.query('DELETE FROM box_corrections')).rejects.toThrow(/append-only/);
    });

    it('refuses boxes outside the image, unknown images, bad labels and non-reviewers, with the field named', async () => {
      const { id, frame } = made.eagle!;
      const outside = await post(`/v1/cases/${id}/corrections`, { sha256: frame, boxes: [{ box: [700, 10, 800, 100], label: 'garbage', origin: 'drawn' }] });
      expect(outside.statusCode).toBe(400);
      expect(outside.json()).toMatchObject({ field: 'boxes.0.box', message: expect.stringContaining('outside the 773x512 image') });
      const flipped = await post(`/v1/cases/${id}/corrections`, { sha256: frame, boxes: [{ box: [100, 100, 50, 150], label: 'garbage', origin: 'drawn' }] });
      expect(flipped.json()).toMatchObject({ field: 'boxes.0.box', message: expect.stringContaining('x2 > x1') });
      const otherCase = await post(`/v1/cases/${id}/corrections`, { sha256: made.dog!.frame, boxes: [] });
      expect(otherCase.statusCode).toBe(404);
      expect(otherCase.json().message).toContain(`case ${id} has no evidence image`);
      const label = await post(`/v1/cases/${id}/corrections`, { sha256: frame, boxes: [{ box: [1, 1, 20, 20], label: '<script>', origin: 'drawn' }] });
      expect(label.statusCode).toBe(400);
      expect(label.json().field).toBe('boxes.0.label');
      const operator = await post(`/v1/cases/${id}/corrections`, { sha256: frame, boxes: [] }, 'operator');
      expect(operator.statusCode).toBe(403);
      const missing = await post('/v1/cases/999999/corrections', { sha256: frame, boxes: [] });
      expect(missing.statusCode).toBe(404);
      expect(await api.app.db.query('SELECT id FROM box_corrections WHERE case_id = $1', [id])).toHaveLength(0);
    });

    it('takes drawn boxes on a rejected case (hard negatives keep them)', async () => {
      const { id, frame } = made.eagle!;
      at('2026-03-02T04:00:00Z');
      const res = await post(`/v1/cases/${id}/corrections`, {
        sha256: frame,
        boxes: [
          { box: [120, 80, 600, 470], label: 'garbage', origin: 'model' },
          { box: [50, 50, 150, 150], label: 'structure', origin: 'drawn' },
        ],
      });
      expect(res.statusCode, res.body).toBe(201);
    });

    it('offers violation labels and the installed detector labels', async () => {
      const res = (await api.app.inject({ url: '/v1/corrections/labels', headers: api.headers('reviewer') })).json();
      expect(res.violation).toEqual(expect.arrayContaining(['garbage', 'stall', 'cart', 'structure', 'muck_truck']));
      expect(res.model).toEqual(expect.arrayContaining(['bicycle', 'traffic light']));
    });
  });

  describe('npm run dataset:export', () => {
    let out: string;
    let stdout: string;

    beforeAll(async () => {
      out = path.join(tmp, 'ds');
      const res = await run('npx', ['--no-install', 'tsx', 'scripts/dataset-export.ts', '--since', '2026-03-01', '--out', out, '--api', base, '--key', api.keys.reviewer], { cwd: REPO_ROOT, env: { ...process.env, API_URL: '', API_KEY: '' } });
      stdout = res.stdout;
    });

    const labelsOf = async (split: string, base: string) => readFile(path.join(out, 'labels', split, `${base}.txt`), 'utf8');
    // A corrected frame is exported as its clean copy (nothing drawn), under the copy's hash.
    const name = (m: Made, kind: 'frame' | 'crop') => (kind === 'frame' ? `c${m.id}-clean_frame-${m.clean.slice(0, 12)}` : `c${m.id}-crop-${m.crop.slice(0, 12)}`);

    it('writes images, labels and data.yaml with the label names', async () => {
      expect(stdout).toContain('classes (4): car, cart, garbage, structure');
      const data = YAML.parse(await readFile(path.join(out, 'data.yaml'), 'utf8'));
      expect(data).toMatchObject({ path: out, train: 'images/train', val: 'images/val', nc: 4, names: { 0: 'car', 1: 'cart', 2: 'garbage', 3: 'structure' } });
      expect(await readFile(path.join(out, 'names.txt'), 'utf8')).toBe('car\ncart\ngarbage\nstructure\n');
      const train = (await readdir(path.join(out, 'images/train'))).sort();
      const val = (await readdir(path.join(out, 'images/val'))).sort();
      // dog and horses (cam-east, cam-market) in train, eagle (cam-bridge) in val; kite (before
      // --since) and giraffe (pending) nowhere.
      expect(train).toEqual([`${name(made.dog!, 'frame')}.jpg`, `${name(made.dog!, 'crop')}.jpg`, `${name(made.horses!, 'frame')}.jpg`, `${name(made.horses!, 'crop')}.jpg`].sort());
      expect(val).toEqual([`${name(made.eagle!, 'frame')}.jpg`, `${name(made.eagle!, 'crop')}.jpg`].sort());
      expect((await readdir(path.join(out, 'labels/train'))).sort()).toEqual(train.map((f) => f.replace('.jpg', '.txt')).sort());
      // The images are the clean evidence bytes, unchanged, and the record says which frame was reviewed.
      const img = await readFile(path.join(out, 'images/train', `${name(made.dog!, 'frame')}.jpg`));
      expect(sha(img)).toBe(made.dog!.clean);
      expect((await sharp(img).metadata()).width).toBe(768);
      const record = JSON.parse(await readFile(path.join(out, 'export.json'), 'utf8'));
      const dogFrame = record.images.find((i: { sha256: string }) => i.sha256 === made.dog!.clean);
      expect(dogFrame).toMatchObject({ kind: 'clean_frame', reviewedSha256: made.dog!.frame, annotated: false });
      expect(record.annotated).toBe(0);
    });

    it('splits by camera: sha256("camera:<id>") decides, and a camera never spans both sides', async () => {
      const fraction = (id: string) => createHash('sha256').update(`camera:${id}`).digest().readUInt32BE(0) / 2 ** 32;
      // Computed independently of the exporter: cam-bridge ≈ 0.076 < 0.2 → val; cam-east ≈ 0.65, cam-market ≈ 0.78 → train.
      expect(fraction('cam-bridge')).toBeLessThan(0.2);
      expect(fraction('cam-east')).toBeGreaterThan(0.2);
      expect(fraction('cam-market')).toBeGreaterThan(0.2);
      const record = JSON.parse(await readFile(path.join(out, 'export.json'), 'utf8'));
      const splitsByCamera = new Map<string, Set<string>>();
      for (const i of record.images) splitsByCamera.set(i.source.id, (splitsByCamera.get(i.source.id) ?? new Set()).add(i.split));
      expect(Object.fromEntries([...splitsByCamera].map(([k, v]) => [k, [...v]]))).toEqual({ 'cam-east': ['train'], 'cam-market': ['train'], 'cam-bridge': ['val'] });
      expect(record.counts.val).toMatchObject({ images: 2, positives: 0, negatives: 2, boxes: 1, sources: 1 });
    });

    it('labels confirmed cases with their boxes, normalised (cx cy w h)', async () => {
      // dog frame 768x576, box [466,74,683,171]: cx 574.5/768, cy 122.5/576, w 217/768, h 97/576.
      expect(await labelsOf('train', name(made.dog!, 'frame'))).toBe('0 0.748047 0.212674 0.282552 0.168403\n');
      // dog crop: box plus 10% margin → crop [444,64]-[705,181] (261x117), box in it [22,10,239,107].
      expect(await labelsOf('train', name(made.dog!, 'crop'))).toBe('0 0.500000 0.500000 0.831418 0.829060\n');
    });

    it('applies corrections and reclassification: moved box, drawn box, new type label', async () => {
      // horses frame 773x512, latest correction: garbage [200,60,430,390], cart (drawn) [10,300,120,400].
      expect(await labelsOf('train', name(made.horses!, 'frame'))).toBe('2 0.407503 0.439453 0.297542 0.644531\n1 0.084088 0.683594 0.142303 0.195313\n');
      // horses crop (not corrected): crop [194,39]-[441,411] (247x372), box [21,31,226,341], labelled garbage (reclassified umbrella).
      expect(await labelsOf('train', name(made.horses!, 'crop'))).toBe('2 0.500000 0.500000 0.829960 0.833333\n');
    });

    it('writes rejected cases as hard negatives: no model box, drawn boxes kept', async () => {
      // eagle frame 773x512: only the drawn structure [50,50,150,150]: cx 100/773, cy 100/512, w 100/773, h 100/512.
      expect(await labelsOf('val', name(made.eagle!, 'frame'))).toBe('3 0.129366 0.195313 0.129366 0.195313\n');
      expect(await labelsOf('val', name(made.eagle!, 'crop'))).toBe('');
    });

    it('is deterministic: a second export of the same reviews has the same files', async () => {
      const again = path.join(tmp, 'ds-again');
      await exportDataset(httpTransport(base, api.keys.admin), { since: new Date('2026-02-28T16:00:00Z'), out: again, pageSize: 1 });
      expect(await datasetFiles(again)).toEqual(await datasetFiles(out));
      expect((await readFile(path.join(again, 'data.yaml'), 'utf8')).replace(again, 'X')).toBe((await readFile(path.join(out, 'data.yaml'), 'utf8')).replace(out, 'X'));
    });

    it('refuses an unreadable date and a non-empty out folder without --force, with clear errors', async () => {
      const cli = (args: string[]) =>
        run('npx', ['--no-install', 'tsx', 'scripts/dataset-export.ts', ...args, '--api', base, '--key', api.keys.reviewer], { cwd: REPO_ROOT }).then(
          () => ({ code: 0, stderr: '' }),
          (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
        );
      const badDate = await cli(['--since', '2026-02-30', '--out', path.join(tmp, 'never')]);
      expect(badDate.code).toBe(2);
      expect(badDate.stderr).toContain('--since "2026-02-30" is not a date on the calendar');
      const busy = path.join(tmp, 'busy');
      await mkdir(busy);
      await writeFile(path.join(busy, 'notes.txt'), 'mine');
      const refused = await cli(['--since', '2026-03-01', '--out', busy]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('exists and is not empty');
      expect(await readdir(busy)).toEqual(['notes.txt']);
      // --force writes the export and leaves files that are not its own.
      const forced = await cli(['--since', '2026-03-01', '--out', busy, '--force']);
      expect(forced.code, forced.stderr).toBe(0);
      expect((await readdir(busy)).sort()).toEqual(['data.yaml', 'export.json', 'images', 'labels', 'names.txt', 'notes.txt']);
    });

    it('needs a reviewer or admin key', async () => {
      await expect(exportDataset(httpTransport(base, api.keys.operator), { since: new Date('2026-03-01T00:00:00Z'), out: path.join(tmp, 'op') })).rejects.toThrow(/HTTP 403.*reviewer or admin/);
    });
  });
});

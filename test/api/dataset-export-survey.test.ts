// `npm run dataset:export` with reviewed drone survey images: each image a reviewer corrected is cut
// into tiles the way the survey worker detects (square tiles, 20% overlap, edge tiles shifted
// inward), every tile written with the boxes at least half inside it, empty tiles as true negatives.
// A real API on PGlite, surveys uploaded and corrected through it, images made from real photos
// (samples/cache/darknet). Tile positions, label lines and the 50% rule are checked against numbers
// worked out by hand in the comments, the tile pixels against the source region.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { exportDataset, httpTransport, type ExportedImage, type ExportedSurveyTile } from '../../models/dataset/export.ts';
import { planTiles } from '../../pipeline/survey/tiles.ts';
import { datasetFiles } from '../support/dataset-files.ts';
import { observation, startTestApi, storedEvidence, type TestApi } from '../support/api.ts';
import { freePort } from '../support/ports.ts';
import { REPO_ROOT } from '../support/samples.ts';
import { multipart } from '../survey/multipart.ts';

const run = promisify(execFile);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const photo = (name: string) => path.join(REPO_ROOT, 'samples/cache/darknet', name);
const fraction = (key: string) => createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32;

// Where the drone was for the first image (its worker result's telemetry).
const LAT = 31.2304;
const LON = 121.4737;
// 31.2304 / 0.005 = 6246.08 → 6246; 121.4737 / 0.005 = 24294.74 → 24294.
const PLACE = 'place:6246:24294';

describe('dataset export of reviewed survey images, as tiles', () => {
  let api: TestApi;
  let base: string;
  let tmp: string;
  let surveyId: string;
  /** 1500x1000 as people see it, stored rotated (1000x1500, EXIF orientation 6); two boxes. */
  let rotated: Buffer;
  /** 500x400, smaller than a tile; corrected with no boxes: "nothing here". */
  let small: Buffer;
  /** Corrected before --since: not exported. */
  let early: Buffer;
  let droneCase: number;

  const at = (iso: string) => (api.clock.now = new Date(iso));
  const upload = async (files: Array<{ name: string; bytes: Buffer }>) => {
    const { payload, headers } = await multipart(files);
    const res = await api.app.inject({ method: 'POST', url: `/v1/surveys/${surveyId}/images`, headers: { ...api.headers('operator'), ...headers }, payload });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().images as Array<{ sha256: string; width: number; height: number }>;
  };
  const correct = async (image: Buffer, boxes: object[]) => {
    const res = await api.app.inject({ method: 'POST', url: `/v1/surveys/${surveyId}/images/${sha(image)}/corrections`, headers: api.headers('reviewer'), payload: { boxes } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as number;
  };

  beforeAll(async () => {
    api = await startTestApi();
    const port = await freePort();
    await api.app.listen({ port, host: '127.0.0.1' });
    base = `http://127.0.0.1:${port}`;
    tmp = await mkdtemp(path.join(os.tmpdir(), 'dataset-export-survey-'));

    // The upright picture is horses.jpg stretched to 1500x1000; the file holds it turned a quarter
    // to the left with orientation 6 ("turn right to view"), as some cameras write it. The upload,
    // the worker and the browser all use the upright picture, so reviewers' boxes are in it.
    const upright = await sharp(photo('horses.jpg')).resize(1500, 1000, { fit: 'fill' }).jpeg({ quality: 95 }).toBuffer();
    rotated = await sharp(upright).rotate(270).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
    small = await sharp(photo('dog.jpg')).resize(500, 400, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer();
    early = await sharp(photo('eagle.jpg')).resize(800, 600, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer();

    at('2026-02-20T02:00:00Z');
    const created = await api.app.inject({ method: 'POST', url: '/v1/surveys', headers: api.headers('operator'), payload: { name: '东区 3月', flownAt: '2026-02-20T01:00:00Z' } });
    expect(created.statusCode, created.body).toBe(201);
    surveyId = created.json().id;
    const uploaded = await upload([
      { name: 'DJI_0001.JPG', bytes: rotated },
      { name: 'DJI_0002.JPG', bytes: small },
      { name: 'DJI_0003.JPG', bytes: early },
    ]);
    expect(uploaded.map((i) => [i.width, i.height])).toEqual([
      [1500, 1000],
      [500, 400],
      [800, 600],
    ]);
    // Reviewed on 20 February, before --since 2026-03-01: left out (and its label with it).
    await correct(early, [{ box: [10, 10, 200, 200], label: 'structure', origin: 'drawn' }]);

    // The worker's result for the first image: telemetry with where the drone was.
    const result = {
      status: 'done',
      attempt: 1,
      width: 1500,
      height: 1000,
      geolocated: true,
      detector: { models: [{ id: 'nanodet-coco-416', version: '1', sha256: 'a'.repeat(64) }], aerial: false, statement: 'Detector nanodet-coco-416 ran. This is NOT an aerial model.' },
      telemetry: { read: true, lat: LAT, lon: LON },
      detections: [{ label: 'car', score: 0.6, box: [830, 310, 1010, 390], kept: true, anchor: 'centre', location: { lat: LAT, lon: LON, accuracyM: 3 } }],
      violations: [],
    };
    const put = await api.app.inject({ method: 'PUT', url: `/v1/surveys/${surveyId}/images/${sha(rotated)}/result`, headers: api.headers('ingest'), payload: result });
    expect(put.statusCode, put.body).toBe(200);

    // A drone case from that image: its frame is the survey image itself (a duplicate of the tiles),
    // its crop is not; same place, so the same split as the tiles.
    at('2026-03-03T01:00:00Z');
    const frame = await storedEvidence(api.objects, 'frame', rotated);
    const cropBytes = await sharp(rotated).autoOrient().extract({ left: 800, top: 280, width: 240, height: 140 }).jpeg().toBuffer();
    const crop = { ...(await storedEvidence(api.objects, 'crop', cropBytes)), box: [20, 20, 220, 120] as [number, number, number, number] };
    const posted = await api.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: api.headers('ingest'),
      payload: observation({
        dedupeKey: 'illegal_parking:drone-1',
        source: { kind: 'survey', id: `survey-${surveyId}`, name: '东区 3月' },
        location: { lat: LAT + 0.0001, lon: LON + 0.0001, accuracyM: 3 },
        label: 'car',
        box: [820, 300, 1020, 400],
        zoneId: undefined,
        evidence: [{ ...frame, box: [820, 300, 1020, 400] }, crop],
      }),
    });
    expect(posted.statusCode, posted.body).toBe(201);
    droneCase = posted.json().caseId;
    expect((await api.app.inject({ method: 'POST', url: `/v1/cases/${droneCase}/confirm`, headers: api.headers('reviewer'), payload: {} })).statusCode).toBe(200);

    at('2026-03-03T02:00:00Z');
    await correct(rotated, [
      { box: [100, 100, 300, 250], label: 'garbage', origin: 'drawn' },
      { box: [820, 300, 1020, 400], label: 'car', origin: 'model' },
    ]);
    at('2026-03-03T03:00:00Z');
    await correct(small, []);
  });

  afterAll(async () => {
    await api?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  describe('npm run dataset:export', () => {
    let out: string;
    let stdout: string;
    let record: { images: ExportedImage[]; [k: string]: unknown };
    const viewsOf = (image: Buffer, view: 'tile' | 'whole') => record.images.filter((i): i is ExportedSurveyTile => i.tile !== undefined && i.view === view && i.sha256 === sha(image));
    const tilesOf = (image: Buffer) => viewsOf(image, 'tile');
    const labels = (file: string) => readFile(path.join(out, file.replace(/^images/, 'labels').replace(/\.jpg$/, '.txt')), 'utf8');

    beforeAll(async () => {
      out = path.join(tmp, 'ds');
      const res = await run('npx', ['--no-install', 'tsx', 'scripts/dataset-export.ts', '--since', '2026-03-01', '--out', out, '--api', base, '--key', api.keys.reviewer], {
        cwd: REPO_ROOT,
        env: { ...process.env, API_URL: '', API_KEY: '' },
      });
      stdout = res.stdout;
      record = JSON.parse(await readFile(path.join(out, 'export.json'), 'utf8'));
    });

    it('cuts each reviewed image into the tiles planTiles gives, named by survey, sha and position', async () => {
      // 1500x1000 at 640, overlap 0.2: step 512; x 0, 512, then the edge tile at 1500-640 = 860;
      // y 0, then the edge tile at 1000-640 = 360. Six tiles.
      const plan = planTiles(1500, 1000, 640, 640, 0.2);
      expect(plan.map((t) => [t.x, t.y])).toEqual([
        [0, 0],
        [512, 0],
        [860, 0],
        [0, 360],
        [512, 360],
        [860, 360],
      ]);
      const tiles = tilesOf(rotated);
      expect(tiles.map((t) => t.tile)).toEqual(plan);
      const sha12 = sha(rotated).slice(0, 12);
      expect(tiles.map((t) => path.basename(t.file))).toEqual(plan.map((t) => `s${surveyId}-${sha12}-x${t.x}-y${t.y}.jpg`));
      // Smaller than a tile: one tile, the whole image.
      expect(tilesOf(small).map((t) => t.tile)).toEqual([{ x: 0, y: 0, width: 500, height: 400 }]);
      expect(tilesOf(early)).toEqual([]);
      for (const t of [...tiles, ...tilesOf(small)]) {
        const meta = await sharp(path.join(out, t.file)).metadata();
        expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', t.tile.width, t.tile.height]);
      }
      expect(stdout).toContain('survey: 2 reviewed image(s) as 7 tile(s) of 640 px (3 with boxes, 4 empty: true negatives) and 1 whole-image view(s)');
    });

    it('labels each tile with the boxes at least half inside it, clipped, in tile pixels', async () => {
      // Classes: car (the case and the survey), garbage (only on the survey image) → car 0, garbage 1.
      // garbage [100,100,300,250] lies wholly in tile (0,0): cx 200/640 = 0.3125, cy 175/640 =
      // 0.2734375, w 200/640 = 0.3125, h 150/640 = 0.234375.
      // car [820,300,1020,400] (200x100 = 20000 px²):
      //   tile (512,0)   x 512-1152: all of it, at [308,300,508,400]: cx 408/640 = 0.6375, cy 350/640 = 0.546875, w 0.3125, h 100/640 = 0.15625
      //   tile (860,0)   x 860-1500: 160x100 = 16000 = 80% ≥ 50% → kept, clipped to [0,300,160,400]: cx 80/640 = 0.125, w 160/640 = 0.25
      //   tile (512,360) y 360-1000: 200x40 = 8000 = 40% < 50% → left out, partial 1
      //   tile (860,360): 160x40 = 6400 = 32% → left out, partial 1
      //   tiles (0,0), (0,360): x ≤ 640, no overlap: nothing, not partial.
      const byPos = Object.fromEntries(tilesOf(rotated).map((t) => [`${t.tile.x},${t.tile.y}`, t]));
      expect(await labels(byPos['0,0']!.file)).toBe('1 0.312500 0.273438 0.312500 0.234375\n');
      expect(await labels(byPos['512,0']!.file)).toBe('0 0.637500 0.546875 0.312500 0.156250\n');
      expect(await labels(byPos['860,0']!.file)).toBe('0 0.125000 0.546875 0.250000 0.156250\n');
      for (const pos of ['0,360', '512,360', '860,360']) expect(await labels(byPos[pos]!.file)).toBe('');
      expect(byPos['860,0']!.boxes).toEqual([{ box: [0, 300, 160, 400], label: 'car', origin: 'model' }]);
      expect(byPos['512,0']!.boxes).toEqual([{ box: [308, 300, 508, 400], label: 'car', origin: 'model' }]);
      expect(Object.fromEntries(Object.entries(byPos).map(([k, t]) => [k, [t.decision, t.partial]]))).toEqual({
        '0,0': ['positive', 0],
        '512,0': ['positive', 0],
        '860,0': ['positive', 0],
        '0,360': ['negative', 0],
        '512,360': ['negative', 1],
        '860,360': ['negative', 1],
      });
      // Corrected with no boxes: the reviewer saw nothing there, a true negative.
      const [empty] = tilesOf(small);
      expect(empty).toMatchObject({ decision: 'negative', boxes: [], partial: 0 });
      expect(await labels(empty!.file)).toBe('');
    });

    it('cuts the tiles from the picture as the reviewer saw it (EXIF orientation applied), pixel for pixel up to JPEG', async () => {
      const upright = sharp(rotated).autoOrient();
      const stored = await sharp(rotated).metadata();
      expect([stored.width, stored.height, stored.orientation]).toEqual([1000, 1500, 6]);
      const meanDiff = (a: Buffer, b: Buffer) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;
      for (const t of tilesOf(rotated)) {
        const tile = await sharp(path.join(out, t.file)).raw().toBuffer({ resolveWithObject: true });
        const want = await upright.clone().extract({ left: t.tile.x, top: t.tile.y, width: t.tile.width, height: t.tile.height }).raw().toBuffer();
        expect(tile.info.channels).toBe(3);
        expect(tile.data.length).toBe(want.length);
        // A JPEG q95 re-encode differs by a level or two per channel.
        expect(meanDiff(tile.data, want)).toBeLessThan(3);
      }
      // The same region of the file's stored (unrotated) pixels is another picture altogether.
      const first = await sharp(path.join(out, tilesOf(rotated)[0]!.file)).raw().toBuffer();
      const unrotated = await sharp(rotated).extract({ left: 0, top: 0, width: 640, height: 640 }).raw().toBuffer();
      expect(meanDiff(first, unrotated)).toBeGreaterThan(15);
    });

    it('splits by place (as a drone case there) or, without a location, by survey; all tiles of an image on one side', async () => {
      const side = (key: string) => (fraction(key) < 0.2 ? 'val' : 'train');
      const tiles = tilesOf(rotated);
      expect(new Set(tiles.map((t) => t.splitKey))).toEqual(new Set([PLACE]));
      expect(new Set(tiles.map((t) => t.split))).toEqual(new Set([side(PLACE)]));
      for (const t of tiles) expect(t.file.startsWith(`images/${side(PLACE)}/`)).toBe(true);
      const noLocation = `survey:survey-${surveyId}`;
      expect(tilesOf(small)[0]).toMatchObject({ splitKey: noLocation, split: side(noLocation), source: { kind: 'survey', id: `survey-${surveyId}` } });
      // The drone case ~15 m away is in the same place cell, so on the same side.
      const caseImages = record.images.filter((i) => i.caseId === droneCase);
      expect(caseImages.length).toBeGreaterThan(0);
      for (const i of caseImages) expect([i.splitKey, i.split]).toEqual([PLACE, side(PLACE)]);
    });

    it('writes the whole image scaled to one tile with every box, as the worker\'s whole-image pass sees it', async () => {
      // 1500x1000 into 640: scale 640/1500, 640x427. A box's YOLO line does not depend on the scale:
      // garbage [100,100,300,250]: cx 200/1500 = 0.133333, cy 175/1000 = 0.175, w 200/1500, h 150/1000;
      // car [820,300,1020,400]: cx 920/1500 = 0.613333, cy 0.35, w 0.133333, h 0.1 (up to 0.1 px rounding).
      const [whole] = viewsOf(rotated, 'whole');
      expect(whole).toMatchObject({
        file: `images/${tilesOf(rotated)[0]!.split}/s${surveyId}-${sha(rotated).slice(0, 12)}-whole.jpg`,
        tile: { x: 0, y: 0, width: 1500, height: 1000 },
        scale: 640 / 1500,
        decision: 'positive',
        partial: 0,
        splitKey: PLACE,
      });
      const meta = await sharp(path.join(out, whole!.file)).metadata();
      expect([meta.width, meta.height]).toEqual([640, 427]);
      const lines = (await labels(whole!.file)).trim().split('\n').map((l) => l.split(' ').map(Number));
      const want = [
        [1, 0.133333, 0.175, 0.133333, 0.15],
        [0, 0.613333, 0.35, 0.133333, 0.1],
      ];
      expect(lines.map((l) => l[0])).toEqual([1, 0]);
      lines.forEach((l, i) => l.slice(1).forEach((v, j) => expect(Math.abs(v - want[i]![j + 1]!)).toBeLessThan(1e-3)));
      // The whole picture, not a part of it: compared with the source scaled the same way.
      const mine = await sharp(path.join(out, whole!.file)).raw().toBuffer();
      const theirs = await sharp(rotated).autoOrient().resize(640, 427, { fit: 'fill' }).raw().toBuffer();
      expect(mine.reduce((n, v, i) => n + Math.abs(v - theirs[i]!), 0) / mine.length).toBeLessThan(4);
      // An image no larger than a tile is its own whole view: nothing more is written for it.
      expect(viewsOf(small, 'whole')).toEqual([]);
    });

    it('records each tile in export.json, skips the case frame that is the same photo, and counts survey images', async () => {
      const [first] = tilesOf(rotated);
      const correctionId = (await api.app.inject({ url: `/v1/surveys/${surveyId}/images/${sha(rotated)}/corrections`, headers: api.headers('reviewer') })).json().items.at(-1).id;
      expect(first).toEqual({
        view: 'tile',
        file: `images/${first!.split}/s${surveyId}-${sha(rotated).slice(0, 12)}-x0-y0.jpg`,
        split: first!.split,
        surveyId,
        surveyName: '东区 3月',
        sha256: sha(rotated),
        fileName: 'DJI_0001.JPG',
        tile: { x: 0, y: 0, width: 640, height: 640 },
        scale: 1,
        boxes: [{ box: [100, 100, 300, 250], label: 'garbage', origin: 'drawn' }],
        partial: 0,
        correctionId,
        splitKey: PLACE,
        decision: 'positive',
        source: { kind: 'survey', id: `survey-${surveyId}` },
      });
      // The case's frame is the survey image's bytes, already exported as tiles: skipped. Its crop is written.
      const caseImages = record.images.filter((i) => i.caseId === droneCase);
      expect(caseImages.map((i) => i.tile === undefined && i.kind)).toEqual(['crop']);
      expect(record.duplicates).toBe(1);
      expect(record.surveyImages).toBe(2);
      expect(record.surveyTiles).toEqual({ size: 640, overlap: 0.2, minBoxShare: 0.5 });
      const counts = record.counts as Record<string, Record<string, number>>;
      const total = (k: string) => counts.train![k]! + counts.val![k]!;
      // Files: 6 tiles + the whole-image view of the large image, the small one's single tile, the crop.
      expect([total('images'), total('positives'), total('negatives'), total('surveyImages'), total('surveyTiles')]).toEqual([9, 5, 4, 2, 8]);
      // Boxes: 3 on tiles (garbage once, car twice), 2 on the whole-image view, and the crop's car.
      expect(total('boxes')).toBe(6);
    });

    it('names the classes from case and survey boxes, sorted', async () => {
      expect(stdout).toContain('classes (2): car, garbage');
      const data = YAML.parse(await readFile(path.join(out, 'data.yaml'), 'utf8'));
      expect(data).toMatchObject({ path: out, nc: 2, names: { 0: 'car', 1: 'garbage' } });
      expect(await readFile(path.join(out, 'names.txt'), 'utf8')).toBe('car\ngarbage\n');
    });

    it('is the same whatever the page size', async () => {
      const again = path.join(tmp, 'ds-pages');
      await exportDataset(httpTransport(base, api.keys.admin), { since: new Date('2026-02-28T16:00:00Z'), out: again, pageSize: 1 });
      expect(await datasetFiles(again)).toEqual(await datasetFiles(out));
    });
  });

  it('plans tiles of another --survey-tile size the same way', async () => {
    // 1024: x 0 and the edge tile at 1500-1024 = 476; the image is only 1000 high, so one row of
    // 1024x1000 tiles. The car [820,300,1020,400] is whole in both.
    const out = path.join(tmp, 'ds-1024');
    const summary = await exportDataset(httpTransport(base, api.keys.reviewer), { since: new Date('2026-02-28T16:00:00Z'), out, surveyTile: 1024 });
    const tiles = summary.images.filter((i): i is ExportedSurveyTile => i.tile !== undefined && i.view === 'tile' && i.sha256 === sha(rotated));
    expect(tiles.map((t) => t.tile)).toEqual(planTiles(1500, 1000, 1024, 1024, 0.2));
    expect(tiles.map((t) => t.tile)).toEqual([
      { x: 0, y: 0, width: 1024, height: 1000 },
      { x: 476, y: 0, width: 1024, height: 1000 },
    ]);
    expect(tiles[1]!.boxes).toEqual([{ box: [344, 300, 544, 400], label: 'car', origin: 'model' }]);
    expect(await readFile(path.join(out, tiles[1]!.file.replace(/^images/, 'labels').replace('.jpg', '.txt')), 'utf8')).toBe(
      // cx 444/1024 = 0.43359375, cy 350/1000, w 200/1024 = 0.1953125, h 100/1000.
      '0 0.433594 0.350000 0.195313 0.100000\n',
    );
  });

  it('labels boxes no tile can hold (under half of them inside any tile) on the whole-image view only', async () => {
    // 96 px tiles: at most 96x96 = 9216 px² of a box is inside one; the car (20000 px², 46%) and the
    // garbage (200x150 = 30000 px², 31%) never reach half, so no tile labels them.
    const lines: string[] = [];
    const summary = await exportDataset(httpTransport(base, api.keys.reviewer), { since: new Date('2026-02-28T16:00:00Z'), out: path.join(tmp, 'ds-96'), surveyTile: 96, log: (l) => lines.push(l) });
    expect(summary.surveyBoxesInNoTile).toBe(2);
    expect(summary.images.filter((i) => i.tile && i.view === 'tile' && i.boxes.length > 0)).toEqual([]);
    // 96/1500 = 0.064: the whole image becomes 96x64, and both boxes are on it.
    const whole = summary.images.find((i): i is ExportedSurveyTile => i.tile !== undefined && i.view === 'whole' && i.sha256 === sha(rotated));
    expect([whole!.scale, whole!.boxes.map((b) => b.label)]).toEqual([0.064, ['garbage', 'car']]);
    expect(lines).toContainEqual(expect.stringContaining('the car box [820, 300, 1020, 400] on DJI_0001.JPG (survey'));
    expect(lines).toContainEqual(expect.stringContaining('labelled on the whole-image view only'));
  });

  it('checks the image bytes against the sha256 itself', async () => {
    const honest = httpTransport(base, api.keys.reviewer);
    const tampering = async (url: string) => {
      const res = await honest(url);
      return url.includes('/file') ? { ...res, body: Buffer.concat([res.body, Buffer.from([0])]) } : res;
    };
    // Images come in (survey, sha256) order: the first one fetched is the one refused.
    const firstFetched = [sha(rotated), sha(small)].sort()[0];
    await expect(exportDataset(tampering, { since: new Date('2026-02-28T16:00:00Z'), out: path.join(tmp, 'tampered') })).rejects.toThrow(
      new RegExp(`image ${firstFetched} of survey ${surveyId} arrived with sha256 [0-9a-f]{64}; not exported`),
    );
    await expect(readdir(path.join(tmp, 'tampered'))).rejects.toThrow(/ENOENT/);
  });

  it('refuses a bad --survey-tile, naming the flag and the range', async () => {
    const cli = (value: string) =>
      run('npx', ['--no-install', 'tsx', 'scripts/dataset-export.ts', '--since', '2026-03-01', '--out', path.join(tmp, 'never'), '--survey-tile', value, '--api', base, '--key', api.keys.reviewer], { cwd: REPO_ROOT }).then(
        () => ({ code: 0, stderr: '' }),
        (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
      );
    for (const value of ['32', '640px', '5000']) {
      const res = await cli(value);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain(`--survey-tile ${JSON.stringify(value)} must be an integer number of pixels from 64 to 4096`);
    }
    await expect(readdir(path.join(tmp, 'never'))).rejects.toThrow(/ENOENT/);
  });
});

// The reviewers' decisions as a YOLO-format detection dataset (issue 6, "Learning from reviews"):
//
//   out/images/{train,val}/s<survey>-<sha12>-x<x>-y<y>.jpg  a tile of a reviewed drone survey image (JPEG q95)
//   out/images/{train,val}/s<survey>-<sha12>-whole.jpg      the same image scaled to one tile (the whole-image pass)
//   out/images/{train,val}/c<case>-<kind>-<sha12>.jpg       a case's evidence image, bytes as stored (JPEG)
//   out/labels/{train,val}/<same name>.txt                  one "class cx cy w h" line per box, 0-1
//   out/data.yaml                                            path, train, val, nc, names (Ultralytics)
//   out/names.txt                                            the class names, one a line (for `npm run models -- validate --labels`)
//   out/export.json                                          what each file is: case or survey tile, decision, source, split, boxes
//
// Survey images a reviewer corrected come first (models/dataset/survey-tiles.ts): the correction is
// every box on the image, so the image is cut into tiles the way the survey worker detects
// (--survey-tile px, 20% overlap), each tile labelled with the boxes at least half inside it, and
// tiles with no box are written too, as true negatives; plus the whole image scaled to one tile with
// every box, as the worker's whole-image pass sees it (objects larger than a tile are learnt there).
//
// Positives are confirmed cases (and every status after confirmed): their effective boxes, i.e. the
// latest reviewer correction of that image, else the model's box with the case's label (relabelled
// when the case was put under another type). Negatives are rejected cases: the same images without
// the model's box (an empty label file: a hard negative), keeping boxes a reviewer drew on them. An
// image already written (the same bytes as a survey image or an earlier case) is written once.
//
// It reads through the API (`GET /v1/export/reviewed-survey-images`, `GET /v1/export/reviewed`,
// then each image, checked against its sha256 here too), not the store: see transport.ts.
//
// Deterministic: survey images in (survey, sha256) order, tiles in plan order, cases in id order,
// images in evidence order, class ids from the sorted names, the split from a hash of the source; no
// clock or randomness, so the same reviews give the same bytes. The split is by camera, or for drone
// images and cases by place (a ~500 m cell of the location), so pictures of one street corner never
// land on both sides of it; all tiles of one image share its side.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { LabelledBox } from '../../api/case/corrections.ts';
import type { ReviewedCase, ReviewedImage, ReviewedPage } from '../../api/case/reviewed.ts';
import { writeVerdictCrops } from './export-crops.ts';
import { splitKeyOf, splitOf, type Split } from './split.ts';
import {
  DEFAULT_SURVEY_TILE,
  listReviewedSurveyImages,
  MAX_SURVEY_TILE,
  MIN_BOX_SHARE_IN_TILE,
  MIN_SURVEY_TILE,
  SURVEY_TILE_OVERLAP,
  writeSurveyTiles,
  type ExportedSurveyTile,
} from './survey-tiles.ts';
import { DatasetExportError, getCheckedBytes, getJson, type Transport } from './transport.ts';
import { yoloLine } from './yolo.ts';

export { DatasetExportError, httpTransport, type Transport } from './transport.ts';
export { placeKeyOf, splitKeyOf, splitOf, type Split } from './split.ts';
export { yoloLine } from './yolo.ts';
export type { ExportedSurveyTile } from './survey-tiles.ts';

export interface ExportOptions {
  since: Date;
  until?: Date;
  out: string;
  /** Replace what an earlier export wrote in a non-empty out folder. */
  force?: boolean;
  /** Share of sources (cameras, places) that go to val (default 0.2). */
  valFraction?: number;
  /** Cases (and survey images) per API page (default 100). */
  pageSize?: number;
  /** Side of the square tiles survey images are cut into, in pixels (default 640). */
  surveyTile?: number;
  /** Also write crops/<type>/{confirmed,rejected}/ image-folder trees (export-crops.ts). */
  crops?: boolean;
  log?: (line: string) => void;
}

/** A case's evidence image, written whole. */
export interface ExportedCaseImage {
  file: string;
  split: Split;
  caseId: number;
  type: string;
  decision: 'positive' | 'negative';
  reclassified: boolean;
  sha256: string;
  kind: string;
  source: { kind: string; id: string };
  splitKey: string;
  width: number;
  height: number;
  /** Reviewer correction id the boxes come from, or null (the model's box as found). */
  correctionId: number | null;
  boxes: LabelledBox[];
  /** The image the reviewer saw, when the exported bytes are its clean copy (sha256 is the copy's). */
  reviewedSha256?: string;
  /** True when the pixels carry our drawn box and caption (a start frame, or a frame of a case from before clean frames were kept). */
  annotated: boolean;
  /** Absent on case images; present on survey tiles: lets TypeScript tell the two apart. */
  tile?: undefined;
}

/** One file of the dataset: a case image (`caseId`) or a tile of a reviewed survey image (`tile`). */
export type ExportedImage = ExportedCaseImage | ExportedSurveyTile;

export interface SplitCounts {
  /** Files in the split: case images and survey tiles. */
  images: number;
  positives: number;
  negatives: number;
  boxes: number;
  /** Cameras and places (split keys). */
  sources: number;
  /** Reviewed survey images whose tiles are in the split, and those tiles (whole-image views included). */
  surveyImages: number;
  surveyTiles: number;
}

export interface ExportSummary {
  out: string;
  since: string;
  until: string | null;
  valFraction: number;
  names: string[];
  counts: Record<Split, SplitCounts>;
  /** How survey images were cut. */
  surveyTiles: { size: number; overlap: number; minBoxShare: number };
  /** Reviewed survey images exported (as tiles). */
  surveyImages: number;
  /** Survey boxes no tile labels (over about half a tile across, never half inside one): on the whole-image views only. */
  surveyBoxesInNoTile: number;
  /** Images skipped because an earlier case or survey image already exported the same bytes. */
  duplicates: number;
  /** Images exported with our box and caption drawn in, for want of a clean copy. */
  annotated: number;
  images: ExportedImage[];
}

/** Ours in an out folder: what --force replaces (nothing else is deleted). */
const OWN_ENTRIES = ['images', 'labels', 'data.yaml', 'names.txt', 'export.json', 'crops'];

/** The boxes a training image gets: all effective boxes of a positive, only drawn ones of a negative. */
export function trainingBoxes(decision: 'positive' | 'negative', image: Pick<ReviewedImage, 'boxes'>): LabelledBox[] {
  return decision === 'positive' ? image.boxes : image.boxes.filter((b) => b.origin === 'drawn');
}

async function isNonEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length > 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') throw new DatasetExportError(`--out ${dir} is a file, not a folder`);
    throw err;
  }
}

export async function exportDataset(transport: Transport, options: ExportOptions): Promise<ExportSummary> {
  const out = path.resolve(options.out);
  const valFraction = options.valFraction ?? 0.2;
  if (!(valFraction >= 0 && valFraction <= 1)) throw new DatasetExportError(`--val-fraction ${valFraction} must be between 0 and 1`);
  if (Number.isNaN(options.since.getTime())) throw new DatasetExportError('since is not a valid date');
  if (options.until && !(options.until > options.since)) throw new DatasetExportError(`--until (${options.until.toISOString()}) must be after --since (${options.since.toISOString()})`);
  if ((await isNonEmptyDir(out)) && !options.force) {
    throw new DatasetExportError(`--out ${out} exists and is not empty; choose a new or empty folder, or pass --force to replace an earlier export there (${OWN_ENTRIES.join(', ')})`);
  }
  const surveyTile = options.surveyTile ?? DEFAULT_SURVEY_TILE;
  if (!Number.isInteger(surveyTile) || surveyTile < MIN_SURVEY_TILE || surveyTile > MAX_SURVEY_TILE) {
    throw new DatasetExportError(`--survey-tile ${surveyTile} must be an integer number of pixels from ${MIN_SURVEY_TILE} to ${MAX_SURVEY_TILE}`);
  }
  if ((await isNonEmptyDir(out)) && !options.force) {
    throw new DatasetExportError(`--out ${out} exists and is not empty; choose a new or empty folder, or pass --force to replace an earlier export there (${OWN_ENTRIES.join(', ')})`);
  }
  const log = options.log ?? (() => {});
  const pageSize = options.pageSize ?? 100;

  // 1. The reviewed survey images, all pages, before the cases: their tiles are written first, so a
  //    drone case whose evidence is the same photo is the duplicate (the tiles are the better
  //    training material: every box on the image, at full resolution).
  const surveyImages = await listReviewedSurveyImages(transport, { since: options.since, until: options.until, pageSize });
  log(`${surveyImages.length} reviewed survey image(s) since ${options.since.toISOString()}`);

  // 2. The reviewed cases, all pages (metadata only; images come one by one below).
  const cases: ReviewedCase[] = [];
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams({ since: options.since.toISOString(), limit: String(pageSize) });
    if (options.until) q.set('until', options.until.toISOString());
    if (cursor) q.set('cursor', cursor);
    const page: ReviewedPage = await getJson<ReviewedPage>(transport, `/v1/export/reviewed?${q}`);
    cases.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  log(`${cases.length} reviewed case(s) since ${options.since.toISOString()}`);

  // 3. Class names: every label a training box or a survey box has, sorted, so class ids do not
  //    depend on the order things were reviewed in.
  const names = [
    ...new Set([...surveyImages.flatMap((i) => i.boxes.map((b) => b.label)), ...cases.flatMap((c) => c.images.flatMap((i) => trainingBoxes(c.decision, i).map((b) => b.label)))]),
  ].sort();
  const classOf = new Map(names.map((n, i) => [n, i]));

  // 4. Images and label files, into a staging folder next to out, moved in at the end: an export
  //    that fails half-way leaves out as it was.
  const stage = `${out}.partial-${process.pid}`;
  await rm(stage, { recursive: true, force: true });
  for (const split of ['train', 'val'] as const) {
    await mkdir(path.join(stage, 'images', split), { recursive: true });
    await mkdir(path.join(stage, 'labels', split), { recursive: true });
  }
  try {
    const images: ExportedImage[] = [];
    const written = new Set<string>();
    let duplicates = 0;
    let annotatedCount = 0;
    let surveyExported = 0;
    let boxesInNoTile = 0;
    for (const img of surveyImages) {
      // The same photo uploaded to two surveys: once is enough, and both copies would share a split only by chance.
      if (written.has(img.sha256)) {
        duplicates++;
        continue;
      }
      written.add(img.sha256);
      const done = await writeSurveyTiles(transport, img, { stage, valFraction, tileSize: surveyTile, classOf });
      images.push(...done.tiles);
      surveyExported++;
      boxesInNoTile += done.boxesInNoTile.length;
      for (const b of done.boxesInNoTile) {
        log(
          `the ${b.label} box [${b.box.join(', ')}] on ${img.fileName} (survey ${img.surveyId}) has under ${MIN_BOX_SHARE_IN_TILE * 100}% of its area in every ${surveyTile} px tile: it is labelled on the whole-image view only (a larger --survey-tile puts it on a tile too)`,
        );
      }
    }
    // One frame often confirms several cases at once (a row of parked cars): it is one image, labelled
    // with every case's boxes, and each case still gets the crop of its own box.
    const boxesOfImage = new Map<string, LabelledBox[]>();
    for (const c of cases) {
      for (const img of c.images) {
        const sha256 = img.cleanSha256 ?? img.sha256;
        boxesOfImage.set(sha256, [...(boxesOfImage.get(sha256) ?? []), ...trainingBoxes(c.decision, img)]);
      }
    }
    for (const c of cases) {
      const splitKey = splitKeyOf(c);
      const split = splitOf(splitKey, valFraction);
      // Crops of all the case's images are numbered on, so a second sighting's frame never overwrites the first's crop.
      let cropNumber = 0;
      for (const img of c.images) {
        // Train on the frame as the camera saw it: the reviewer's boxes fit its clean copy exactly.
        const sha256 = img.cleanSha256 ?? img.sha256;
        const annotated = (img.kind === 'frame' || img.kind === 'start_frame') && !img.cleanSha256;
        const cropped = options.crops === true && !annotated;
        const seen = written.has(sha256);
        if (seen) duplicates++;
        if (seen && !cropped) continue;
        written.add(sha256);
        const body = await getCheckedBytes(transport, `/v1/evidence/${sha256}`, sha256, `evidence ${sha256} of case ${c.caseId}`);
        const meta = await sharp(body).metadata();
        if (!meta.width || !meta.height) throw new DatasetExportError(`evidence ${sha256} of case ${c.caseId} is not a readable image`);
        // A crop of a drawn image holds our box and caption (with the detector's label): a model trained
        // on it could learn our drawing, so only clean frames (and images we never drew on) give crops.
        if (cropped) cropNumber += await writeVerdictCrops(path.join(stage, 'crops'), c, splitKey, img, body, meta.width, meta.height, cropNumber);
        if (seen) continue;
        if (annotated) annotatedCount++;
        // JPEG evidence is copied byte for byte; anything else (PNG, TIFF) is encoded as JPEG, unrotated, so boxes still fit.
        const jpeg = meta.format === 'jpeg' ? body : await sharp(body).jpeg({ quality: 95 }).toBuffer();
        const base = `c${c.caseId}-${img.cleanSha256 ? 'clean_frame' : img.kind}-${sha256.slice(0, 12)}`;
        const boxes = boxesOfImage.get(sha256)!;
        const lines = boxes.map((b) => yoloLine(classOf.get(b.label)!, b.box, meta.width!, meta.height!)).filter((l): l is string => l !== null);
        await writeFile(path.join(stage, 'images', split, `${base}.jpg`), jpeg);
        await writeFile(path.join(stage, 'labels', split, `${base}.txt`), lines.length ? `${lines.join('\n')}\n` : '');
        images.push({
          file: `images/${split}/${base}.jpg`,
          split,
          caseId: c.caseId,
          type: c.type,
          decision: c.decision,
          reclassified: c.reclassified,
          sha256,
          kind: img.cleanSha256 ? 'clean_frame' : img.kind,
          ...(img.cleanSha256 ? { reviewedSha256: img.sha256 } : {}),
          annotated,
          source: c.source,
          splitKey,
          width: meta.width,
          height: meta.height,
          correctionId: img.correction?.id ?? null,
          boxes,
        });
      }
    }
    const counts = {} as ExportSummary['counts'];
    for (const split of ['train', 'val'] as const) {
      const mine = images.filter((i) => i.split === split);
      counts[split] = {
        images: mine.length,
        positives: mine.filter((i) => i.decision === 'positive').length,
        negatives: mine.filter((i) => i.decision === 'negative').length,
        boxes: mine.reduce((n, i) => n + i.boxes.length, 0),
        sources: new Set(mine.map((i) => i.splitKey)).size,
        surveyImages: new Set(mine.flatMap((i) => (i.tile ? [`${i.surveyId}:${i.sha256}`] : []))).size,
        surveyTiles: mine.filter((i) => i.tile).length,
      };
    }
    const summary: ExportSummary = {
      out,
      since: options.since.toISOString(),
      until: options.until?.toISOString() ?? null,
      valFraction,
      names,
      counts,
      surveyTiles: { size: surveyTile, overlap: SURVEY_TILE_OVERLAP, minBoxShare: MIN_BOX_SHARE_IN_TILE },
      surveyImages: surveyExported,
      surveyBoxesInNoTile: boxesInNoTile,
      duplicates,
      annotated: annotatedCount,
      images,
    };
    await writeFile(path.join(stage, 'data.yaml'), dataYaml(out, names, summary));
    await writeFile(path.join(stage, 'names.txt'), names.length ? `${names.join('\n')}\n` : '');
    const { out: _out, ...recorded } = summary;
    await writeFile(path.join(stage, 'export.json'), `${JSON.stringify(recorded, null, 2)}\n`);

    // 5. Move into place.
    await mkdir(out, { recursive: true });
    for (const entry of OWN_ENTRIES) {
      await rm(path.join(out, entry), { recursive: true, force: true });
      if (existsSync(path.join(stage, entry))) await rename(path.join(stage, entry), path.join(out, entry));
    }
    await rm(stage, { recursive: true, force: true });
    if (counts.val.images === 0 && images.length > 0) log(`warning: the val split is empty (${counts.train.sources} source(s), --val-fraction ${valFraction}); review cases from more cameras or places, or raise --val-fraction`);
    if (counts.train.images === 0 && images.length > 0) log('warning: the train split is empty; lower --val-fraction or review cases from more cameras or places');
    return summary;
  } catch (err) {
    await rm(stage, { recursive: true, force: true }).catch(() => {});
    throw err;
  }
}

function dataYaml(out: string, names: string[], s: ExportSummary): string {
  // JSON strings are valid YAML double-quoted scalars: any label (spaces, 中文) stays one name.
  return [
    '# YOLO detection dataset written by `npm run dataset:export` from reviewed cases and reviewed drone survey images (as tiles)',
    `# since ${s.since}${s.until ? `, until ${s.until}` : ''}; split by camera or place, val fraction ${s.valFraction}`,
    `# survey images: ${s.surveyImages}, cut into ${s.surveyTiles.size} px tiles with ${s.surveyTiles.overlap * 100}% overlap (empty tiles are true negatives), plus each image scaled to one tile`,
    `# train: ${s.counts.train.images} images (${s.counts.train.negatives} hard negatives); val: ${s.counts.val.images} images (${s.counts.val.negatives} hard negatives)`,
    `path: ${JSON.stringify(out)}`,
    'train: images/train',
    'val: images/val',
    `nc: ${names.length}`,
    names.length ? 'names:' : 'names: {}',
    ...names.map((n, i) => `  ${i}: ${JSON.stringify(n)}`),
    '',
  ].join('\n');
}

/** Reads --since/--until: YYYY-MM-DD (midnight China Standard Time, UTC+8) or an ISO 8601 time with its zone. */
export function parseDateArg(flag: string, value: string): Date {
  const bare = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const full = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.exec(value);
  const hint = `use YYYY-MM-DD (midnight UTC+8) or an ISO 8601 time with a zone, e.g. 2026-03-01T08:00:00+08:00`;
  const m = bare ?? full;
  if (!m) throw new DatasetExportError(`${flag} ${JSON.stringify(value)} is not a date: ${hint}`);
  const [, y, mo, d] = m.map(Number) as [number, number, number, number];
  // Date() rolls 2026-02-30 over to March; a calendar check refuses it instead.
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > days) throw new DatasetExportError(`${flag} ${JSON.stringify(value)} is not a date on the calendar: ${hint}`);
  const date = new Date(bare ? `${value}T00:00:00+08:00` : value);
  if (Number.isNaN(date.getTime())) throw new DatasetExportError(`${flag} ${JSON.stringify(value)} is not a date: ${hint}`);
  return date;
}

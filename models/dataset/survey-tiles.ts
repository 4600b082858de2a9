// Reviewed drone survey images as YOLO tiles (issue 6, "Learning from reviews").
//
// A drone photo is 4000x3000; a YOLO trainer resizes every image to its input size (640), which
// shrinks a car seen from above to a few pixels and a garbage pile to one. The survey worker does not
// look at the whole photo either: it detects tile by tile (pipeline/survey/tiles.ts). So the export
// cuts each reviewed image into tiles planned the same way (overlapping, edge tiles shifted inward,
// an image smaller than a tile is one tile), each written as its own training image:
//
//   out/images/<split>/s<survey>-<sha12>-x<x>-y<y>.jpg   the tile, JPEG q95
//   out/labels/<split>/s<survey>-<sha12>-x<x>-y<y>.txt   its boxes, clipped to it, 0-1 of the tile
//
// A reviewer's correction is the complete set of boxes on the image, so every tile is written, boxes
// or not: an empty tile is something the reviewer looked at and found nothing in (a true negative).
//
// The worker also runs one pass over the whole photo, scaled down to the model input, for objects
// larger than a tile (a building, a long truck): the export writes that view too, with every box,
// so an object too big for any tile is still labelled somewhere:
//
//   out/images/<split>/s<survey>-<sha12>-whole.jpg        the photo fitted into one tile's size
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp, { type OutputInfo } from 'sharp';
import type { LabelledBox } from '../../api/case/corrections.ts';
import type { ReviewedSurveyImage, ReviewedSurveyImagePage } from '../../api/survey/image-corrections.ts';
import type { Box } from '../../contracts/types.ts';
import { sourceIdOf } from '../../pipeline/survey/survey-image.ts';
import { planTiles, type Tile } from '../../pipeline/survey/tiles.ts';
import { splitKeyOf, splitOf, type Split } from './split.ts';
import { DatasetExportError, getCheckedBytes, getJson, type Transport } from './transport.ts';
import { yoloLine } from './yolo.ts';

export type { ReviewedSurveyImage };

export const DEFAULT_SURVEY_TILE = 640;
export const MIN_SURVEY_TILE = 64;
export const MAX_SURVEY_TILE = 4096;

/** The survey worker's own overlap: an object cut by one tile's edge is whole in its neighbour. */
export const SURVEY_TILE_OVERLAP = 0.2;

/**
 * A box is labelled on a tile only when at least this share of its area lies inside the tile.
 * A sliver of a car at the tile edge is not recognisable as a car: labelling it teaches the model
 * to fire on fragments. With the 20% overlap an object up to a fifth of a tile is whole in some
 * tile, so leaving out the sliver loses nothing; a mostly visible object is still labelled, so the
 * tile does not teach that a half-seen car is background. Left-out parts are counted per tile
 * ("partial") so a trainer can drop those tiles if it prefers.
 */
export const MIN_BOX_SHARE_IN_TILE = 0.5;

export interface ExportedSurveyTile {
  /** tile: a region at full resolution; whole: the whole photo scaled to fit one tile. */
  view: 'tile' | 'whole';
  file: string;
  split: Split;
  surveyId: string;
  surveyName: string;
  /** Of the source image (the tile's own bytes are a new JPEG). */
  sha256: string;
  fileName: string;
  /** Where the tile is in the source image (pixels, as the reviewer saw it); the whole image for the whole view. */
  tile: Tile;
  /** Pixels written per source pixel: 1 for tiles, under 1 for the whole view. */
  scale: number;
  /** In the written image's pixels (clipped to a tile; scaled for the whole view). */
  boxes: LabelledBox[];
  /** Boxes that reach into the tile with less than MIN_BOX_SHARE_IN_TILE of their area: left out of it. */
  partial: number;
  correctionId: number;
  splitKey: string;
  /** positive: it has boxes; negative: none (the reviewer saw the whole image, so this is a true negative). */
  decision: 'positive' | 'negative';
  source: { kind: 'survey'; id: string };
  /** Absent on tiles; present (a number) on case images: lets TypeScript tell the two apart. */
  caseId?: undefined;
}

/** Every reviewed survey image in [since, until), all pages, in (survey, sha256) order. */
export async function listReviewedSurveyImages(transport: Transport, opts: { since: Date; until?: Date; pageSize: number }): Promise<ReviewedSurveyImage[]> {
  const items: ReviewedSurveyImage[] = [];
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams({ since: opts.since.toISOString(), limit: String(opts.pageSize) });
    if (opts.until) q.set('until', opts.until.toISOString());
    if (cursor) q.set('cursor', cursor);
    const page: ReviewedSurveyImagePage = await getJson<ReviewedSurveyImagePage>(transport, `/v1/export/reviewed-survey-images?${q}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** The tiles of an image: the worker's plan (square tiles of `size`, 20% overlap). */
export function surveyTilesOf(width: number, height: number, size: number): Tile[] {
  return planTiles(width, height, size, size, SURVEY_TILE_OVERLAP);
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/**
 * The boxes a tile gets (clipped, in tile pixels) by the MIN_BOX_SHARE_IN_TILE rule, which of the
 * image's boxes they are (`kept`, indexes), and how many reached in but were left out.
 */
export function tileBoxes(boxes: readonly LabelledBox[], tile: Tile): { boxes: LabelledBox[]; kept: number[]; partial: number } {
  const out: LabelledBox[] = [];
  const kept: number[] = [];
  let partial = 0;
  for (const [i, b] of boxes.entries()) {
    const [x1, y1, x2, y2] = b.box;
    const area = (x2 - x1) * (y2 - y1);
    const ix1 = Math.max(x1, tile.x);
    const iy1 = Math.max(y1, tile.y);
    const ix2 = Math.min(x2, tile.x + tile.width);
    const iy2 = Math.min(y2, tile.y + tile.height);
    if (area <= 0 || ix2 <= ix1 || iy2 <= iy1) continue;
    if ((ix2 - ix1) * (iy2 - iy1) < MIN_BOX_SHARE_IN_TILE * area) {
      partial++;
      continue;
    }
    const box: Box = [round1(ix1 - tile.x), round1(iy1 - tile.y), round1(ix2 - tile.x), round1(iy2 - tile.y)];
    out.push({ box, label: b.label, origin: b.origin });
    kept.push(i);
  }
  return { boxes: out, kept, partial };
}

/** What a reviewed survey image is for the split: the place cell, as for a drone case there, else its survey. */
export function surveySplitKey(image: Pick<ReviewedSurveyImage, 'surveyId' | 'location'>): string {
  // The same source id the survey worker gives its cases, so a drone case without a location and
  // the images of its survey land on the same side too.
  return splitKeyOf({ source: { kind: 'survey', id: sourceIdOf(image.surveyId) }, location: image.location });
}

/**
 * Fetches one reviewed survey image, checks its bytes, and writes its tiles, its whole-image view
 * and their label files into `stage` (its images/<split> and labels/<split> folders exist). Returns
 * them, and the boxes no tile labels (an object over about half a tile across can have under half
 * its area in every tile where tiles meet): those are labelled on the whole-image view only.
 */
export async function writeSurveyTiles(
  transport: Transport,
  image: ReviewedSurveyImage,
  ctx: { stage: string; valFraction: number; tileSize: number; classOf: Map<string, number> },
): Promise<{ tiles: ExportedSurveyTile[]; boxesInNoTile: LabelledBox[] }> {
  const what = `image ${image.sha256} of survey ${image.surveyId}`;
  const bytes = await getCheckedBytes(transport, `/v1/surveys/${image.surveyId}/images/${image.sha256}/file`, image.sha256, what);
  // Boxes on a survey image are in its pixels as people see it: the upload reports the size with the
  // EXIF orientation applied, the worker detects on the rotated pixels and the browser shows them so.
  // Tiles are therefore cut from the rotated picture (case evidence, which we wrote ourselves without
  // an orientation, is copied as stored instead). Decoded once: cutting 50 tiles of a 4000x3000 photo
  // by decoding the JPEG for each would cost seconds per image.
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await sharp(bytes, { limitInputPixels: false }).autoOrient().removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new DatasetExportError(`${what} is not a readable image (${(err as Error).message})`);
  }
  const { data, info } = decoded;
  if (info.width !== image.width || info.height !== image.height) {
    throw new DatasetExportError(`${what} decodes as ${info.width}x${info.height} but was reviewed as ${image.width}x${image.height}; its boxes would not fit, not exported`);
  }
  const splitKey = surveySplitKey(image);
  const split = splitOf(splitKey, ctx.valFraction);
  const source = { kind: 'survey' as const, id: sourceIdOf(image.surveyId) };
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
  const tiles: ExportedSurveyTile[] = [];
  /** Writes one training image and its label file, and records it. */
  const write = async (name: string, jpeg: Buffer, size: { width: number; height: number }, entry: Pick<ExportedSurveyTile, 'view' | 'tile' | 'scale' | 'boxes' | 'partial'>) => {
    const lines = entry.boxes.map((b) => yoloLine(ctx.classOf.get(b.label)!, b.box, size.width, size.height)).filter((l): l is string => l !== null);
    const base = `s${image.surveyId}-${image.sha256.slice(0, 12)}-${name}`;
    await writeFile(path.join(ctx.stage, 'images', split, `${base}.jpg`), jpeg);
    await writeFile(path.join(ctx.stage, 'labels', split, `${base}.txt`), lines.length ? `${lines.join('\n')}\n` : '');
    tiles.push({
      view: entry.view,
      file: `images/${split}/${base}.jpg`,
      split,
      surveyId: image.surveyId,
      surveyName: image.surveyName,
      sha256: image.sha256,
      fileName: image.fileName,
      tile: entry.tile,
      scale: entry.scale,
      boxes: entry.boxes,
      partial: entry.partial,
      correctionId: image.correction.id,
      splitKey,
      decision: entry.boxes.length > 0 ? 'positive' : 'negative',
      source,
    });
  };
  const keptSomewhere = new Set<number>();
  const plan = surveyTilesOf(image.width, image.height, ctx.tileSize);
  for (const tile of plan) {
    const { boxes, kept, partial } = tileBoxes(image.boxes, tile);
    for (const i of kept) keptSomewhere.add(i);
    const jpeg = await sharp(data, raw).extract({ left: tile.x, top: tile.y, width: tile.width, height: tile.height }).jpeg({ quality: 95 }).toBuffer();
    await write(`x${tile.x}-y${tile.y}`, jpeg, tile, { view: 'tile', tile, scale: 1, boxes, partial });
  }
  if (plan.length > 1) {
    // The whole-image pass's view: fitted inside one tile, as the worker resizes it for the model.
    const scale = Math.min(ctx.tileSize / image.width, ctx.tileSize / image.height);
    const width = Math.max(1, Math.round(image.width * scale));
    const height = Math.max(1, Math.round(image.height * scale));
    const jpeg = await sharp(data, raw).resize(width, height, { fit: 'fill' }).jpeg({ quality: 95 }).toBuffer();
    const sx = width / image.width;
    const sy = height / image.height;
    const boxes = image.boxes.map((b) => ({ ...b, box: [round1(b.box[0] * sx), round1(b.box[1] * sy), round1(Math.min(b.box[2] * sx, width)), round1(Math.min(b.box[3] * sy, height))] as Box }));
    await write('whole', jpeg, { width, height }, { view: 'whole', tile: { x: 0, y: 0, width: image.width, height: image.height }, scale: sx, boxes, partial: 0 });
  }
  return { tiles, boxesInNoTile: image.boxes.filter((_, i) => !keptSomewhere.has(i)) };
}

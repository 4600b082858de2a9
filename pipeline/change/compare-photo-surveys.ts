// Survey against survey from the photos as the drone took them (JPEG with telemetry), when no
// orthomosaic was made: each photo is read (EXIF orientation applied, telemetry from EXIF/XMP),
// brought down to a working width (matching and comparing 20-megapixel frames in TypeScript would
// take minutes each), paired by ground footprint (photo-pairs.ts), compared (compare-photos.ts), and
// each change is put on the map through the before photo's pose (georeference.ts): a lon/lat outline
// with its area in m². Photos that cannot be paired or aligned are listed with the reason.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { eastNorthOf, pixelToGround } from '../survey/georeference.ts';
import { readTelemetry } from '../survey/telemetry.ts';
import type { CandidateCrops } from './candidate-crops.ts';
import type { OrthoCandidate } from './compare-orthomosaics.ts';
import { comparePhotoPair, type PhotoCompareSettings } from './compare-photos.ts';
import { ChangeInputError } from './load-image.ts';
import { choosePairs, footprintOf, type SurveyPhoto } from './photo-pairs.ts';
import type { RgbImage } from './raster.ts';

export interface PhotoSurveySettings extends PhotoCompareSettings {
  /** Photos are compared at this width, pixels. */
  workingWidth: number;
  /** Share of a later photo's ground an earlier photo must cover to be compared with it. */
  minOverlap: number;
  /** Smallest change reported, m². */
  minChangeArea: number;
}

export const DEFAULT_PHOTO_SURVEY_SETTINGS: PhotoSurveySettings = { workingWidth: 1024, minOverlap: 0.5, minChangeArea: 10 };

interface LoadedPhoto extends SurveyPhoto {
  file: string;
  image: RgbImage;
}

export interface PhotoSurveyComparison {
  inputs: { kind: 'photos'; before: string[]; after: string[] };
  pairs: Array<{ before: string; after: string; overlap: number; turnDeg: number; inliers: number; matches: number; candidates: number }>;
  /** Later photos not compared, and why. */
  refused: Array<{ after: string; reason: string }>;
  candidates: PhotoCandidate[];
  /** The before and after crops around a candidate (for evidence); not part of the JSON report. */
  cropOf: (c: OrthoCandidate) => CandidateCrops | undefined;
}

export type PhotoCandidate = OrthoCandidate & { beforePhoto: string; afterPhoto: string };

export async function comparePhotoSurveys(beforeFiles: readonly string[], afterFiles: readonly string[], settings: Partial<PhotoSurveySettings> = {}): Promise<PhotoSurveyComparison> {
  const s = { ...DEFAULT_PHOTO_SURVEY_SETTINGS, ...settings };
  const before = await Promise.all(beforeFiles.map((f) => loadPhoto(f, s.workingWidth)));
  const after = await Promise.all(afterFiles.map((f) => loadPhoto(f, s.workingWidth)));
  const { pairs, unpaired } = choosePairs(before, after, s.minOverlap);
  const crops = new WeakMap<OrthoCandidate, CandidateCrops>();
  const out: PhotoSurveyComparison = { inputs: { kind: 'photos', before: [...beforeFiles], after: [...afterFiles] }, pairs: [], refused: unpaired.map((u) => ({ after: (u.after as LoadedPhoto).file, reason: u.reason })), candidates: [], cropOf: (c) => crops.get(c) };
  for (const pair of pairs) {
    const b = pair.before as LoadedPhoto, a = pair.after as LoadedPhoto;
    let result;
    try {
      result = await comparePhotoPair(b.image, a.image, pair.turnDeg, s);
    } catch (error) {
      if (!(error instanceof ChangeInputError)) throw error;
      out.refused.push({ after: a.file, reason: `cannot be aligned with ${path.basename(b.file)}: ${error.message}` });
      continue;
    }
    const pose = footprintOf(b);
    if (typeof pose === 'string') continue; // paired, so it has a footprint
    const placed = result.candidates.flatMap((c) => {
      const polygon = c.polygon.map(([x, y]) => pixelToGround(pose.pose, x, y)).filter((g) => g !== undefined).map((g) => [g.lon, g.lat] as [number, number]);
      if (polygon.length < 3) return [];
      const areaM2 = groundArea(polygon);
      if (areaM2 < s.minChangeArea) return [];
      const placedCandidate: PhotoCandidate = { kind: 'appearance', polygon, areaM2, score: c.score, beforePhoto: b.file, afterPhoto: a.file };
      crops.set(placedCandidate, cropAround(b.image, result.aligned, c.polygon, pose.pose.heightM / pose.pose.focalLengthPx));
      return [placedCandidate];
    });
    out.pairs.push({ before: b.file, after: a.file, overlap: round(pair.overlap), turnDeg: round(pair.turnDeg), inliers: result.alignment.inliers, matches: result.alignment.matches, candidates: placed.length });
    out.candidates.push(...placed);
  }
  out.candidates.sort((x, y) => y.score - x.score);
  return out;
}

async function loadPhoto(file: string, workingWidth: number): Promise<LoadedPhoto> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new ChangeInputError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let decoded;
  try {
    decoded = await sharp(bytes).autoOrient().removeAlpha().toColourspace('srgb').resize({ width: workingWidth, withoutEnlargement: true }).raw().toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new ChangeInputError(`${file}: not a readable image (${(error as Error).message.split('\n')[0]})`);
  }
  const meta = await sharp(bytes).autoOrient().metadata();
  const fullWidth = meta.autoOrient?.width ?? meta.width ?? decoded.info.width;
  const fullHeight = meta.autoOrient?.height ?? meta.height ?? decoded.info.height;
  const t = await readTelemetry(bytes, fullWidth, fullHeight);
  const scale = decoded.info.width / fullWidth;
  return {
    file,
    name: path.basename(file),
    width: decoded.info.width,
    height: decoded.info.height,
    telemetry: t.telemetry,
    ...(t.focalLengthPx ? { focalLengthPx: t.focalLengthPx * scale } : {}),
    image: { width: decoded.info.width, height: decoded.info.height, data: new Uint8Array(decoded.data) },
  };
}

/** Both pictures around an outline (photo pixels), with half its size again around it, at least 16 px. */
function cropAround(before: RgbImage, after: RgbImage, outline: readonly [number, number][], metresPerPx: number): CandidateCrops {
  const xs = outline.map((p) => p[0]), ys = outline.map((p) => p[1]);
  const margin = Math.max(16, 0.5 * Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)));
  const x0 = Math.max(0, Math.floor(Math.min(...xs) - margin)), y0 = Math.max(0, Math.floor(Math.min(...ys) - margin));
  const x1 = Math.min(before.width, Math.ceil(Math.max(...xs) + margin)), y1 = Math.min(before.height, Math.ceil(Math.max(...ys) + margin));
  const width = x1 - x0, height = y1 - y0;
  const cut = (img: RgbImage) => {
    const out = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) out.set(img.data.subarray(((y0 + y) * img.width + x0) * 3, ((y0 + y) * img.width + x1) * 3), y * width * 3);
    return out;
  };
  return { width, height, before: cut(before), after: cut(after), outline: outline.map(([x, y]) => [x - x0, y - y0]), resolution: metresPerPx };
}

function groundArea(ring: [number, number][]): number {
  const [lon0, lat0] = ring[0]!;
  const local = ring.map(([lon, lat]) => eastNorthOf(lat0, lon0, { lat, lon }));
  let s = 0;
  for (let i = 0; i < local.length; i++) {
    const [x0, y0] = local[i]!, [x1, y1] = local[(i + 1) % local.length]!;
    s += x0 * y1 - x1 * y0;
  }
  return Math.abs(s) / 2;
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

// `survey:compare --before-photos DIR --after-photos DIR`: two surveys compared from their photos
// (JPEG/PNG/TIFF with telemetry) when no orthomosaic was made: the folders' photos, and the lines
// printed: each compared pair, each photo not compared with the reason, the changes with areas.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { comparePhotoSurveys, type PhotoSurveyComparison, type PhotoSurveySettings } from '../../pipeline/change/compare-photo-surveys.ts';
import { ChangeInputError } from '../../pipeline/change/load-image.ts';

const PHOTO = /\.(jpe?g|png|tiff?)$/i;

async function photosIn(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    throw new ChangeInputError(`${dir}: cannot be read as a folder of photos (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const photos = names.filter((n) => PHOTO.test(n)).sort().map((n) => path.join(dir, n));
  if (photos.length === 0) throw new ChangeInputError(`${dir}: holds no photos (JPEG, PNG or TIFF)`);
  return photos;
}

export async function comparePhotoFolders(beforeDir: string, afterDir: string, settings: Partial<PhotoSurveySettings>): Promise<PhotoSurveyComparison> {
  return comparePhotoSurveys(await photosIn(beforeDir), await photosIn(afterDir), settings);
}

/** The comparison as people read it: pairs, photos not compared and why, candidates. */
export function photoLines(result: PhotoSurveyComparison): string[] {
  return [
    `photos ${result.inputs.before.length} before, ${result.inputs.after.length} after; ${result.pairs.length} pair(s) compared (photos, no surface model)`,
    ...result.pairs.map((p) => `pair   ${path.basename(p.after)} ↔ ${path.basename(p.before)}: ${Math.round(p.overlap * 100)}% overlap, turned ${p.turnDeg}°, ${p.inliers} of ${p.matches} matches agree, ${p.candidates} change(s)`),
    ...result.refused.map((r) => `not compared ${path.basename(r.after)}: ${r.reason}`),
    `${result.candidates.length} candidate(s)`,
    ...result.candidates.map((c, i) => {
      const [lon, lat] = c.polygon.reduce(([x, y], [px, py]) => [x + px / c.polygon.length, y + py / c.polygon.length], [0, 0]);
      return `${String(i + 1).padStart(3)}. ${c.areaM2.toFixed(1).padStart(8)} m²  score ${c.score.toFixed(2)}  at ${lon.toFixed(6)}, ${lat.toFixed(6)}  (${path.basename(c.afterPhoto)} against ${path.basename(c.beforePhoto)})`;
    }),
  ];
}

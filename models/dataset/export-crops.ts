// `dataset:export --crops`: the reviewers' verdicts as image-folder trees a classifier is trained on
// (`npm run train -- classifier`): crops/<type>/confirmed/ and crops/<type>/rejected/, one crop per
// detection box of a reviewed case's image, with 10% context on each side as the classify stage
// cuts it. Files are named `<source>__c<case>-<n>.jpg` (source: the camera, or the place for drone
// cases) so the trainer keeps one camera's crops on one side of its held-out split. Attribute labels
// reviewers gave on the review page go to crops/<attribute>/<value>/ (crops/cover/uncovered/), the
// tree a classifier of that attribute is trained on, whatever the case's verdict. Each verdict crop's
// detector score (the score of the sighting the image is evidence of) goes to
// crops/<type>/detector-scores.csv, which a verdict model that corrects that score trains on.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { ReviewedCase, ReviewedImage } from '../../api/case/reviewed.ts';
import { cropRegion } from '../../pipeline/detect/crop.ts';
import { appendDetectorScore } from '../train/verdict-scores.ts';

/** Context around each box, as the classifiers trained on these crops are declared (cropMargin). */
export const CROP_MARGIN = 0.1;

const FOLDER_NAME = /^[a-z][a-zA-Z0-9_]{0,63}$/;

/** A split key as a file-name part: no path separators, and no "__" (the source separator). */
export function sourcePart(splitKey: string): string {
  return splitKey.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/-+/g, '-');
}

/**
 * Writes the crops of one reviewed image, numbered from `first` (the case's crops so far); returns
 * the numbers it used (one per detection box), so the next image of the case numbers on. Reviewer-drawn
 * boxes are not the case's detection and are left out.
 */
export async function writeVerdictCrops(dir: string, c: ReviewedCase, splitKey: string, img: ReviewedImage, body: Buffer, width: number, height: number, first = 0): Promise<number> {
  const verdict = c.decision === 'positive' ? 'confirmed' : 'rejected';
  const scored = async (file: string) => {
    if (img.score !== null && img.score !== undefined) await appendDetectorScore(path.join(dir, c.type), `${verdict}/${file}`, img.score);
  };
  const used = await writeCrops(path.join(dir, c.type, verdict), c, splitKey, img, body, width, height, first, scored);
  for (const [attribute, value] of Object.entries(c.labels ?? {}).sort()) {
    // Names come from the API's vocabulary; anything else must not become a path.
    if (!FOLDER_NAME.test(attribute) || !FOLDER_NAME.test(value)) throw new Error(`case ${c.caseId}: attribute label ${JSON.stringify(attribute)}=${JSON.stringify(value)} is not a folder name`);
    await writeCrops(path.join(dir, attribute, value), c, splitKey, img, body, width, height, first);
  }
  return used;
}

/** Returns the numbers the image's detection boxes take (a box too small to cut still takes one). */
async function writeCrops(folder: string, c: ReviewedCase, splitKey: string, img: ReviewedImage, body: Buffer, width: number, height: number, first: number, written?: (file: string) => Promise<void>): Promise<number> {
  if (img.kind === 'crop') return 0;
  const boxes = img.boxes.filter((b) => b.origin === 'model');
  for (const [k, b] of boxes.entries()) {
    const region = cropRegion(b.box, width, height, CROP_MARGIN);
    if (region.width < 2 || region.height < 2) continue;
    await mkdir(folder, { recursive: true });
    const crop = await sharp(body).extract(region).jpeg({ quality: 95 }).toBuffer();
    const file = `${sourcePart(splitKey)}__c${c.caseId}-${first + k}.jpg`;
    await writeFile(path.join(folder, file), crop);
    await written?.(file);
  }
  return boxes.length;
}

// Reviewed crops for the training job's tests, cut from Debian's sample photos (samples/cache):
// `aerial` crops from OpenCV's aerial photos, `street` crops from darknet's six ground-level ones, on
// a 4x4 grid. Each row of a photo is one source (`<photo>-r<row>__<n>.jpg`), as a camera day is in
// real reviews, so the held-out split has enough sources per class.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { readImageFolder } from '../../models/train/image-folder.ts';
import type { VersionsPlace } from '../../models/versions/promotion.ts';
import { splitReviews } from '../../models/versions/review-split.ts';
import { runTraining } from '../../models/versions/training-job.ts';
import { samplePath } from '../support/samples.ts';

const GRID = 4;
const CLASSES = {
  aerial: ['opencv/aero1.jpg', 'opencv/aero3.jpg'],
  street: ['darknet/dog.jpg', 'darknet/person.jpg', 'darknet/horses.jpg', 'darknet/eagle.jpg', 'darknet/giraffe.jpg', 'darknet/kite.jpg'],
} as const;

export async function cutReviewCrops(dir: string): Promise<string> {
  for (const [name, photos] of Object.entries(CLASSES)) {
    await mkdir(path.join(dir, name), { recursive: true });
    for (const photo of photos) {
      const { width, height } = await sharp(samplePath(photo)).metadata();
      const w = Math.floor(width! / GRID) + Math.floor(width! / 10);
      const h = Math.floor(height! / GRID) + Math.floor(height! / 10);
      let n = 0;
      for (let gy = 0; gy < GRID; gy++) {
        for (let gx = 0; gx < GRID; gx++) {
          const left = Math.min(width! - w, Math.floor((gx * width!) / GRID));
          const top = Math.min(height! - h, Math.floor((gy * height!) / GRID));
          const crop = await sharp(samplePath(photo)).extract({ left, top, width: w, height: h }).jpeg({ quality: 90 }).toBuffer();
          await writeFile(path.join(dir, name, `${path.basename(photo, '.jpg')}-r${gy}__${n++}.jpg`), crop);
        }
      }
    }
  }
  return dir;
}

/**
 * The same reviews, except that the crops the job trains on were labelled at random (a seeded coin
 * per crop); the held-out reviews keep their true class, so both models are judged on the truth.
 */
export async function withRandomTrainingLabels(truth: string, dir: string, seed = 7): Promise<string> {
  const tree = await readImageFolder(truth);
  const training = new Set(splitReviews(tree.crops).train.map((c) => c.file));
  let state = seed;
  const coin = () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return (state >>> 16) & 1;
  };
  for (const c of tree.classes) await mkdir(path.join(dir, c), { recursive: true });
  for (const crop of tree.crops) {
    const label = training.has(crop.file) ? coin() % tree.classes.length : crop.label;
    await copyFile(crop.file, path.join(dir, tree.classes[label]!, path.basename(crop.file)));
  }
  return dir;
}

/**
 * Two versions of target `scene` in `place`, trained by the real job: `scene-1` on the true
 * reviews (promoted: it beats chance) and `scene-2` on randomly labelled ones (refused).
 */
export async function twoSceneVersions(place: VersionsPlace, work: string): Promise<void> {
  const truth = await cutReviewCrops(path.join(work, 'truth'));
  const shuffled = await withRandomTrainingLabels(truth, path.join(work, 'shuffled'));
  const request = (runKey: string) => ({ target: 'scene', appliesTo: ['car'], runKey });
  await runTraining(request('run-1'), { place, reviewedCrops: async () => truth, threads: 2, now: () => new Date('2026-03-01T02:00:00Z') });
  await runTraining(request('run-2'), { place, reviewedCrops: async () => shuffled, threads: 2, now: () => new Date('2026-03-01T03:00:00Z') });
}

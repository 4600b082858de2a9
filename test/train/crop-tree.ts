// Image-folder trees for the trainer's tests, cut from Debian's sample photos (samples/cache):
// `aerial` crops from OpenCV's two aerial photos, `street` crops from darknet's ground-level ones —
// two looks a COCO backbone tells apart. Each crop is named `<photo>__<n>.jpg`, so crops of one
// photo share a source.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { samplePath } from '../support/samples.ts';

export const CLASSES = {
  aerial: ['opencv/aero1.jpg', 'opencv/aero3.jpg'],
  street: ['darknet/dog.jpg', 'darknet/person.jpg', 'darknet/horses.jpg'],
} as const;

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `train-${prefix}-`));
}

/** Crops on a 3x3 grid (each a little over a third of the photo, so neighbours overlap) of every photo. */
export async function cutCropTree(dir: string, classes: Record<string, readonly string[]> = CLASSES, grid = 3): Promise<string> {
  for (const [name, photos] of Object.entries(classes)) {
    await mkdir(path.join(dir, name), { recursive: true });
    for (const photo of photos) {
      const image = sharp(samplePath(photo));
      const { width, height } = await image.metadata();
      const w = Math.floor(width! / grid) + Math.floor(width! / 10);
      const h = Math.floor(height! / grid) + Math.floor(height! / 10);
      let n = 0;
      for (let gy = 0; gy < grid; gy++) {
        for (let gx = 0; gx < grid; gx++) {
          const left = Math.min(width! - w, Math.floor((gx * width!) / grid));
          const top = Math.min(height! - h, Math.floor((gy * height!) / grid));
          const crop = await sharp(samplePath(photo)).extract({ left, top, width: w, height: h }).jpeg({ quality: 90 }).toBuffer();
          await writeFile(path.join(dir, name, `${path.basename(photo, '.jpg')}__${n++}.jpg`), crop);
        }
      }
    }
  }
  return dir;
}

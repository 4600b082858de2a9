// The images int8 calibration runs on: every sample photo set-up extracted from Debian packages
// (samples/cache: street, people, animals, vehicles, two aerials, a street stall), in a fixed
// order, prepared exactly as the detector prepares a photo, so the ranges measured are those the
// model meets in use.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { REPO_ROOT } from '../../infra/samples.ts';
import { prepareInput } from '../../pipeline/detect/preprocess.ts';
import type { InputSpec } from '../manifest.ts';

export const CALIBRATION_DIR = path.join(REPO_ROOT, 'samples/cache');

export async function calibrationImages(dir: string = CALIBRATION_DIR): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const files = entries
    .filter((e) => e.isFile() && /\.(jpe?g|png)$/i.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  if (files.length === 0) throw new Error(`no calibration images (JPEG or PNG) under ${dir}: run \`npm run setup\` to extract the samples`);
  return files;
}

export async function calibrationInputs(spec: InputSpec, files: string[]): Promise<Float32Array[]> {
  const inputs: Float32Array[] = [];
  for (const file of files) {
    const bytes = await readFile(file);
    const image = sharp(bytes).autoOrient();
    const meta = await sharp(bytes).metadata();
    const swap = (meta.orientation ?? 1) >= 5;
    const [w, h] = swap ? [meta.height!, meta.width!] : [meta.width!, meta.height!];
    inputs.push((await prepareInput(image, w, h, spec)).tensor);
  }
  return inputs;
}

// A small YOLO dataset from what a fresh machine has, for the training benchmark and tests:
// labelme-examples' three VOC photos with their rectangle boxes (person, bus, car;
// samples/cache/labelme, extracted from Debian by scripts/fetch-samples.sh), laid out as
// `dataset:export` writes a dataset (images/, labels/, classes.txt), one source per photo.
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { samplePath } from '../../infra/samples.ts';

const PHOTOS = ['2011_000003', '2011_000006', '2011_000025'];
export const FIXTURE_CLASSES = ['bus', 'car', 'person'];

interface LabelmeFile {
  imageWidth: number;
  imageHeight: number;
  shapes: { label: string; shape_type: string; points: [number, number][] }[];
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `train-detector-${prefix}-`));
}

/** images/, labels/ and classes.txt; one source per photo, so the split can hold one out. */
export async function labelmeYolo(dir: string): Promise<string> {
  await mkdir(path.join(dir, 'images'), { recursive: true });
  await mkdir(path.join(dir, 'labels'), { recursive: true });
  for (const name of PHOTOS) {
    const json = JSON.parse(await readFile(samplePath(`labelme/annotated/${name}.json`), 'utf8')) as LabelmeFile;
    const lines = json.shapes
      .filter((s) => s.shape_type === 'rectangle')
      .map((s) => {
        const [ax, ay] = s.points[0]!;
        const [bx, by] = s.points[1]!;
        const [x1, x2] = [Math.min(ax, bx), Math.max(ax, bx)];
        const [y1, y2] = [Math.min(ay, by), Math.max(ay, by)];
        const f = (v: number) => v.toFixed(6);
        return `${FIXTURE_CLASSES.indexOf(s.label)} ${f((x1 + x2) / 2 / json.imageWidth)} ${f((y1 + y2) / 2 / json.imageHeight)} ${f((x2 - x1) / json.imageWidth)} ${f((y2 - y1) / json.imageHeight)}`;
      });
    await copyFile(samplePath(`labelme/annotated/${name}.jpg`), path.join(dir, 'images', `${name}.jpg`));
    await writeFile(path.join(dir, 'labels', `${name}.txt`), `${lines.join('\n')}\n`);
  }
  await writeFile(path.join(dir, 'classes.txt'), `${FIXTURE_CLASSES.join('\n')}\n`);
  return dir;
}

export const FIXTURE_PHOTOS = PHOTOS;

// The images of a dataset folder, and the label file that belongs to each.
import { readdir } from 'node:fs/promises';
import path from 'node:path';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.tif', '.tiff', '.webp', '.bmp']);

export async function listImages(dir: string): Promise<string[]> {
  const entries = await readdir(dir);
  return entries.filter((f) => IMAGE_EXTENSIONS.has(path.extname(f).toLowerCase())).sort().map((f) => path.join(dir, f));
}

/**
 * The label file for `image` in `labelDir` with extension `ext`: `<stem><ext>` when present, else the
 * only `<stem>.*<ext>` (datasets often name them `img.cars.yolo.txt`). Undefined when there is none.
 */
export function labelFileFor(image: string, labelFiles: readonly string[], ext: string): string | undefined {
  const stem = path.basename(image, path.extname(image));
  const exact = labelFiles.find((f) => path.basename(f) === `${stem}${ext}`);
  if (exact) return exact;
  const prefixed = labelFiles.filter((f) => path.basename(f).startsWith(`${stem}.`) && f.endsWith(ext));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

export async function listFiles(dir: string, ext: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.toLowerCase().endsWith(ext)).sort().map((f) => path.join(dir, f));
}

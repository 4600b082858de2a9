// An image-folder tree (`DIR/<class>/*.jpg|png|webp`), the layout torchvision, Keras and Frigate
// use: one subfolder per class. Each crop also carries its source (the image, case or camera day it
// was cut from) so a held-out split never puts crops of one source on both sides: the source is the
// part of the file name before `__` (`cam3-2026-05-04__17.jpg`, as `dataset:export --crops` names
// them), else the file itself.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

export const CROP_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp'] as const;

/** A class folder name that can be a manifest label (one line of a labels file) and a folder name everywhere. */
const CLASS_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9 _.-]*[A-Za-z0-9_.-])?$/;

export interface Crop {
  file: string;
  /** Index into the tree's classes. */
  label: number;
  source: string;
}

export interface ImageFolder {
  dir: string;
  /** Sorted, so class indices are stable. */
  classes: string[];
  crops: Crop[];
}

export class ImageFolderError extends Error {
  override name = 'ImageFolderError';
}

/** The source a crop was cut from, by the `<source>__<n>.<ext>` convention, else the file itself. */
export function sourceOf(className: string, fileName: string): string {
  const stem = fileName.slice(0, fileName.length - path.extname(fileName).length);
  const at = stem.lastIndexOf('__');
  return at > 0 ? stem.slice(0, at) : `${className}/${fileName}`;
}

/**
 * Reads the tree. `minClasses` 2 for training (one class teaches nothing); 1 for measuring a
 * model on crops of some of its labels.
 */
export async function readImageFolder(dir: string, minClasses = 2): Promise<ImageFolder> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new ImageFolderError(`${dir}: cannot be read as a folder of class folders (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const strays = entries.filter((e) => e.isFile() && !e.name.startsWith('.') && CROP_EXTENSIONS.includes(path.extname(e.name).toLowerCase() as never));
  if (strays.length > 0) {
    throw new ImageFolderError(`${path.join(dir, strays[0]!.name)}: an image directly in ${dir}; put each crop in the folder of its class (${dir}/<class>/)`);
  }
  const classes = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  for (const name of classes) {
    if (!CLASS_NAME.test(name)) {
      throw new ImageFolderError(`${path.join(dir, name)}: "${name}" cannot be a class name (letters, digits, inner spaces, ".", "_" and "-", starting with a letter or digit; it becomes a label of the model)`);
    }
  }
  if (classes.length < minClasses) {
    throw new ImageFolderError(
      classes.length === 0
        ? `${dir}: no class folders (expected ${dir}/<class>/*.jpg)`
        : `${dir}: only one class (${classes[0]}); a classifier needs at least two class folders`,
    );
  }
  const crops: Crop[] = [];
  for (const [label, name] of classes.entries()) {
    const files = (await readdir(path.join(dir, name))).filter((f) => CROP_EXTENSIONS.includes(path.extname(f).toLowerCase() as never)).sort();
    if (files.length === 0) throw new ImageFolderError(`${path.join(dir, name)}: class "${name}" holds no images (${CROP_EXTENSIONS.join(', ')})`);
    for (const f of files) {
      const file = path.join(dir, name, f);
      if (!(await stat(file)).isFile()) continue;
      crops.push({ file, label, source: sourceOf(name, f) });
    }
  }
  return { dir, classes, crops };
}

// Detection over a list of image files, one result per file, failures included: a bad file is
// reported with its reason and the others go on. Shared by the `detect` CLI and the demo.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Detection } from '../../contracts/types.ts';
import { annotate } from '../evidence/annotate.ts';
import type { Detector } from './detector.ts';

export type FileResult =
  | { image: string; width: number; height: number; detections: Detection[]; annotated?: string }
  | { image: string; error: string };

export async function* detectFiles(
  detector: Detector,
  files: readonly string[],
  outDir?: string,
): AsyncGenerator<FileResult> {
  if (outDir) await mkdir(outDir, { recursive: true });
  const usedNames = new Set<string>();
  for (const file of files) {
    try {
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new Error(`${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message}`);
      }
      const result = await detector.detectImage(bytes, file);
      const out: FileResult = { image: file, width: result.width, height: result.height, detections: result.detections };
      if (outDir) {
        const target = path.join(outDir, uniqueName(file, usedNames));
        await writeFile(target, await annotate(bytes, result.width, result.height, result.detections));
        out.annotated = target;
      }
      yield out;
    } catch (error) {
      yield { image: file, error: (error as Error).message };
    }
  }
}

/** `a/x.png` and `b/x.png` must not overwrite each other's annotated copy. */
function uniqueName(file: string, used: Set<string>): string {
  const stem = path.basename(file, path.extname(file));
  let name = `${stem}.jpg`;
  for (let i = 2; used.has(name); i++) name = `${stem}-${i}.jpg`;
  used.add(name);
  return name;
}

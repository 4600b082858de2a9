// What an exported dataset folder holds, file by file (sha256 of each image and label file, and of
// export.json), so two exports can be compared for being the same bytes.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export async function datasetFiles(dir: string): Promise<Record<string, string>> {
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const all: Record<string, string> = {};
  for (const sub of ['images/train', 'images/val', 'labels/train', 'labels/val']) {
    for (const f of await readdir(path.join(dir, sub))) all[`${sub}/${f}`] = sha(await readFile(path.join(dir, sub, f)));
  }
  all['export.json'] = sha(await readFile(path.join(dir, 'export.json')));
  return all;
}

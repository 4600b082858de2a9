// Writes models/labels/coco80.txt, the default detector's 80 class names in output order, from the
// npm package that ships the model's own labels (@vladmandic/human, src/object/labels.ts), at set-up:
// the list is not kept in git, where it would only copy a file others publish.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const out = path.join(root, 'models/labels/coco80.txt');
const source = path.join(root, 'node_modules/@vladmandic/human/src/object/labels.ts');
/** Writes the file (every run: it is cheap, and a stale copy could not then linger). */
export async function writeCocoLabels(): Promise<string> {
  const labels = [...(await readFile(source, 'utf8')).matchAll(/label: '([^']+)'/g)].map((m) => m[1]!);
  if (labels.length !== 80) throw new Error(`${source}: expected the 80 COCO labels, found ${labels.length}`);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${labels.join('\n')}\n`);
  return out;
}

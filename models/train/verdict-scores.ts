// The detector's score of each verdict crop, beside the crops: `<tree>/detector-scores.csv`, lines
// `file,score` with the crop's path inside the tree (`confirmed/cam-1__c12-0.jpg,0.7312`).
// `dataset:export --crops` appends a line per crop it writes; the trainer reads it to train a verdict
// model that corrects the detector's score (verdict-model.ts); the training job and the measurement
// of versions carry it with the crops. A CSV beside the image folders leaves the tree an ordinary
// image-folder tree for every other tool.
import { existsSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const DETECTOR_SCORES_FILE = 'detector-scores.csv';
const HEADER = 'file,score';

export class DetectorScoresError extends Error {
  override name = 'DetectorScoresError';
}

/** Adds one crop's score (`file` inside the tree, e.g. `confirmed/x.jpg`); writes the header first on a new file. */
export async function appendDetectorScore(tree: string, file: string, score: number): Promise<void> {
  checkLine(file, score, `${tree}: crop ${file}`);
  const csv = path.join(tree, DETECTOR_SCORES_FILE);
  await appendFile(csv, `${existsSync(csv) ? '' : `${HEADER}\n`}${file},${score}\n`);
}

/**
 * The scores of a tree by the crop's path as readImageFolder gives it; undefined when the tree has no scores file. A
 * malformed line is an error naming the file and line.
 */
export async function readDetectorScores(tree: string): Promise<Map<string, number> | undefined> {
  const csv = path.join(tree, DETECTOR_SCORES_FILE);
  let text: string;
  try {
    text = await readFile(csv, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const lines = text.split('\n');
  if (lines[0]?.trim() !== HEADER) throw new DetectorScoresError(`${csv}: line 1 must be "${HEADER}"`);
  const out = new Map<string, number>();
  lines.slice(1).forEach((line, i) => {
    if (line.trim() === '') return;
    const at = line.lastIndexOf(',');
    const file = line.slice(0, Math.max(at, 0));
    const score = Number(line.slice(at + 1));
    checkLine(file, at < 0 ? NaN : score, `${csv} line ${i + 2}`);
    // Keyed as readImageFolder names crops (path.join of the tree and the class/file).
    out.set(path.join(tree, file), score);
  });
  return out;
}

/** Writes the scores of `files` (keys of `scores`) for the tree at `tree`, each under its path `as` inside it. */
export async function writeDetectorScores(tree: string, scores: ReadonlyMap<string, number>, files: ReadonlyArray<{ file: string; as: string }>): Promise<number> {
  const lines = files.flatMap((f) => (scores.has(f.file) ? [`${f.as},${scores.get(f.file)!}`] : []));
  await writeFile(path.join(tree, DETECTOR_SCORES_FILE), `${[HEADER, ...lines].join('\n')}\n`);
  return lines.length;
}

function checkLine(file: string, score: number, where: string): void {
  if (!file || file.startsWith('/') || file.split('/').includes('..') || file.includes(',') || file.includes('\n')) {
    throw new DetectorScoresError(`${where}: "${file}" is not a crop path inside the tree (class/file, no commas)`);
  }
  if (!(Number.isFinite(score) && score >= 0 && score <= 1)) throw new DetectorScoresError(`${where}: detector score "${score}" is not a number from 0 to 1`);
}

// One classifier measured on held-out crops (an image-folder tree), as `npm run eval -- classify`
// measures it: each crop is the detection's crop, classified whole. The tree's classes are the
// truth; a class the model does not know is an error naming it, not a silent miss. A verdict model
// that corrects the detector's score is given each crop's score from the tree's detector-scores.csv
// (a crop without one is judged by the crop alone, as the verdict stage judges such a sighting).
import { readFile } from 'node:fs/promises';
import type { ClassifierEntry } from '../manifest.ts';
import { createClassifier } from '../../pipeline/classify/classifier.ts';
import { toRawImage } from '../../pipeline/detect/crop.ts';
import { classifyMetrics, type ClassifyMetrics } from '../train/classify-metrics.ts';
import type { ImageFolder } from '../train/image-folder.ts';
import { readDetectorScores } from '../train/verdict-scores.ts';
import { judgedVerdict } from '../../pipeline/cases/verdict.ts';

export async function measureOn(entry: ClassifierEntry, tree: ImageFolder, threads = 1): Promise<ClassifyMetrics> {
  const unknown = tree.classes.filter((c) => !entry.labels.includes(c));
  if (unknown.length > 0) throw new Error(`${entry.id} has no label ${unknown.map((u) => `"${u}"`).join(', ')} (its labels: ${entry.labels.join(', ')})`);
  const scores = entry.prior ? await readDetectorScores(tree.dir) : undefined;
  const classifier = await createClassifier(entry, { threads });
  const truth: number[] = [];
  const predicted: number[] = [];
  try {
    for (const crop of tree.crops) {
      const raw = await toRawImage(await readFile(crop.file), crop.file);
      const result = await classifier.classifyBox(raw, [0, 0, raw.width, raw.height]);
      if (!result) throw new Error(`${crop.file}: empty crop`);
      truth.push(entry.labels.indexOf(tree.classes[crop.label]!));
      const label = entry.prior ? judgedVerdict(classifier, result, scores?.get(crop.file)).label : result.label;
      predicted.push(entry.labels.indexOf(label));
    }
  } finally {
    await classifier.close();
  }
  return classifyMetrics(entry.labels, truth, predicted);
}

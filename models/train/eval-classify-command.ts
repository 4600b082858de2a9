// `npm run eval -- classify --crops DIR --manifest FILE --model ID [--json]`: any classifier entry
// measured on an image-folder tree whose folder names are (some of) the model's labels. Each file is
// the crop, as `npm run train` and `dataset:export --crops` write them. A verdict model with a
// detector-score prior gets each crop's score from the tree's detector-scores.csv, as the verdict
// stage gets the sighting's (a crop without one: the crop alone).
import { readFile } from 'node:fs/promises';
import { loadManifest } from '../manifest.ts';
import { createClassifier } from '../../pipeline/classify/classifier.ts';
import { toRawImage } from '../../pipeline/detect/crop.ts';
import { parseCli, usageError, type Cli } from '../../scripts/cli/args.ts';
import { classifyMetrics, formatMetrics } from './classify-metrics.ts';
import { UnreadableCropsError } from './crop-features.ts';
import { ImageFolderError, readImageFolder } from './image-folder.ts';
import { metricsJson } from './train-classifier.ts';
import { readDetectorScores } from './verdict-scores.ts';
import { judgedVerdict } from '../../pipeline/cases/verdict.ts';

export async function evalClassify(cli: Cli, args: string[]): Promise<number> {
  const { values } = parseCli({ ...cli, options: { crops: { type: 'string' }, manifest: { type: 'string' }, model: { type: 'string' }, json: { type: 'boolean', default: false } } }, args);
  if (!values.crops || !values.manifest || !values.model) {
    usageError(cli, `${['crops', 'manifest', 'model'].filter((k) => !values[k as 'crops']).map((k) => `--${k}`).join(', ')} required for classify`);
  }
  const manifest = await loadManifest(values.manifest);
  const entry = manifest.classifiers.find((c) => c.id === values.model);
  if (!entry) {
    const ids = manifest.classifiers.map((c) => c.id);
    throw new Error(`no classifier "${values.model}" in ${manifest.path} (${ids.length > 0 ? `its classifiers: ${ids.join(', ')}` : 'it declares no classifier'})`);
  }
  const tree = await readImageFolder(values.crops, 1);
  const unknown = tree.classes.filter((c) => !entry.labels.includes(c));
  if (unknown.length > 0) {
    throw new ImageFolderError(`${values.crops}: folder${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')} ${unknown.length > 1 ? 'are not labels' : 'is not a label'} of ${entry.id} (its labels: ${entry.labels.join(', ')})`);
  }
  const scores = entry.prior ? await readDetectorScores(values.crops) : undefined;
  const classifier = await createClassifier(entry, { threads: 2 });
  const truth: number[] = [];
  const predicted: number[] = [];
  const unreadable: string[] = [];
  try {
    for (const [i, crop] of tree.crops.entries()) {
      let raw;
      try {
        raw = await toRawImage(await readFile(crop.file), crop.file);
      } catch (error) {
        unreadable.push(`${crop.file}: ${(error as Error).message.replace(`${crop.file}: `, '')}`);
        continue;
      }
      const result = await classifier.classifyBox(raw, [0, 0, raw.width, raw.height]);
      truth.push(entry.labels.indexOf(tree.classes[crop.label]!));
      predicted.push(entry.labels.indexOf(entry.prior ? judgedVerdict(classifier, result!, scores?.get(crop.file)).label : result!.label));
      if (process.stderr.isTTY) process.stderr.write(`\r${i + 1}/${tree.crops.length}\x1b[K`);
    }
  } finally {
    await classifier.close();
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  if (unreadable.length > 0) throw new UnreadableCropsError(`${unreadable.length} crop${unreadable.length === 1 ? '' : 's'} cannot be read: ${unreadable.slice(0, 5).join('; ')}`);
  const metrics = classifyMetrics(entry.labels, truth, predicted);
  if (values.json) {
    console.log(JSON.stringify({ model: entry.id, ...metricsJson(metrics) }, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2));
  } else {
    console.log(`${entry.id} on ${values.crops}\n${formatMetrics(metrics)}`);
  }
  return 0;
}

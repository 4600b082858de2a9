// `npm run eval -- detect --images DIR --labels DIR|FILE [--format yolo|coco|labelme|voc] [--names FILE]
//    [--label-map FILE] [--model ID]... [--manifest FILE]... [--threshold 0.35] [--json] [--html FILE]`
// Per-label precision, recall, AP50 and AP50-95 for each model, side by side, with what each
// object was detected as and milliseconds per image.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { findModel, loadManifest, type Manifest, type ModelEntry } from '../models/manifest.ts';
import { LABEL_FORMATS, loadDataset, type LabelFormat } from '../models/evaluate/load-dataset.ts';
import { evaluateDetections } from '../models/evaluate/metrics.ts';
import { htmlReport } from '../models/evaluate/report-html.ts';
import { formatTable, type ModelEvaluation } from '../models/evaluate/report-text.ts';
import { runDetector, type DetectorRun } from '../models/evaluate/run-detector.ts';
import { createDetector } from '../pipeline/detect/detector.ts';
import { DEFAULT_THRESHOLDS } from '../pipeline/detect/thresholds.ts';

const usage = `usage:
  npm run eval -- detect --images DIR --labels DIR|FILE [--format ${LABEL_FORMATS.join('|')}] [--names FILE]
                 [--label-map FILE] [--model ID]... [--manifest FILE]... [--threshold 0.35] [--json] [--html FILE]`;

// Boxes down to this score are kept so AP sees the whole curve; P/R use --threshold.
const CURVE_MIN_SCORE = 0.05;

async function detect(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      images: { type: 'string' },
      labels: { type: 'string' },
      format: { type: 'string' },
      names: { type: 'string' },
      'label-map': { type: 'string' },
      model: { type: 'string', multiple: true },
      manifest: { type: 'string', multiple: true },
      threshold: { type: 'string' },
      json: { type: 'boolean', default: false },
      html: { type: 'string' },
      tiles: { type: 'boolean', default: false },
    },
  });
  if (!values.images || !values.labels) throw new Error(`--images and --labels are required\n${usage}`);
  if (values.format && !LABEL_FORMATS.includes(values.format as LabelFormat)) {
    throw new Error(`--format "${values.format}" is not one of ${LABEL_FORMATS.join(', ')}`);
  }
  if (values.tiles) throw new Error('--tiles needs the drone survey tiling, which is not built yet');
  const threshold = values.threshold === undefined ? DEFAULT_THRESHOLDS.default : Number(values.threshold);
  if (!(threshold >= 0 && threshold <= 1)) throw new Error(`--threshold must be a number from 0 to 1, got "${values.threshold}"`);

  const dataset = await loadDataset({
    images: values.images,
    labels: values.labels,
    ...(values.format ? { format: values.format as LabelFormat } : {}),
    ...(values.names ? { namesFile: values.names } : {}),
    ...(values['label-map'] ? { labelMapFile: values['label-map'] } : {}),
  });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(`dataset: ${dataset.images.length} images, ${dataset.images.reduce((n, i) => n + i.boxes.length, 0)} boxes (${dataset.format})`);
  if (dataset.labelMap) log(`label map: ${dataset.labelMap.file} (${dataset.labelMap.reason})`);

  const models = await resolveModels(values.manifest ?? [], values.model ?? []);
  const runs: DetectorRun[] = [];
  const evaluations: ModelEvaluation[] = [];
  for (const model of models) {
    const detector = await createDetector(model, { thresholds: { default: CURVE_MIN_SCORE } });
    const run = await runDetector(detector, dataset.images, (done, total) => {
      if (process.stderr.isTTY) process.stderr.write(`\r${model.id}: ${done}/${total}\x1b[K`);
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    await detector.close();
    for (const f of run.failures) log(`error: ${f.error}`);
    runs.push(run);
    evaluations.push({ modelId: model.id, evaluation: evaluateDetections(run.results, threshold), msPerImage: run.msPerImage, images: run.results.length });
  }

  if (values.json) {
    console.log(JSON.stringify({ threshold, dataset: { images: dataset.images.length, format: dataset.format, labelMap: dataset.labelMap?.file }, models: evaluations.map((e, i) => ({ ...e, failures: runs[i]!.failures })) }, (_, v) => (typeof v === 'number' && Number.isNaN(v) ? null : v), 2));
  } else {
    console.log(formatTable(evaluations, threshold));
  }
  if (values.html) {
    await writeFile(values.html, await htmlReport(runs, threshold));
    log(`worst images: ${values.html}`);
  }
  return runs.some((r) => r.failures.length > 0) ? 1 : 0;
}

/** Models by id across the product manifest and any extra manifests (e.g. models/reference-detectors.json). */
async function resolveModels(manifestFiles: string[], ids: string[]): Promise<ModelEntry[]> {
  const manifests: Manifest[] = [await loadManifest(), ...(await Promise.all(manifestFiles.map((f) => loadManifest(f))))];
  if (ids.length === 0) return [findModel(manifests[0]!)];
  return ids.map((id) => {
    const owner = manifests.find((m) => m.models.some((e) => e.id === id));
    if (!owner) throw new Error(`no model "${id}" in ${manifests.map((m) => m.path).join(', ')}`);
    return findModel(owner, id);
  });
}

const [command, ...rest] = process.argv.slice(2);
const commands: Record<string, (args: string[]) => Promise<number>> = { detect };
const run = command ? commands[command] : undefined;
if (!run) {
  console.error(command === 'rules' ? 'eval rules needs the camera pipeline, which is not built yet' : usage);
  process.exit(2);
}
run(rest).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`error: ${error.message}`);
    process.exit(2);
  },
);

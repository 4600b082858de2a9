// `npm run eval -- detect --images DIR --labels DIR|FILE [--format yolo|coco|labelme|voc] [--names FILE]
//    [--label-map FILE] [--model ID]... [--manifest FILE]... [--threshold 0.35] [--tiles [--overlap 0.2] [--gsd 3.2]]
//    [--json] [--html FILE]`
// Per-label precision, recall, AP50 and AP50-95 for each model, side by side, with what each
// object was detected as and milliseconds per image. --tiles runs each image the way the drone
// survey path does (pipeline/survey/tiled-detection.ts) instead of one whole-image pass; --gsd states
// the set's ground sample distance (cm per pixel), which its images carry no telemetry for, so each
// image is resampled to the model's input.gsdCm before tiling as a survey photo would be.
//
// `npm run eval -- rules --scenarios FILE [--model ID] [--json]`
// Replays each scenario's footage through the real camera pipeline and compares the violations it
// raises with those a person expects (models/evaluate/scenarios.ts describes the file).
//
// `npm run eval -- change --pairs DIR [--json]`
// Runs the change detector (pipeline/change/) on before/after pairs and measures it against change
// masks: pixel precision/recall/F1, objectRecall and falseCandidatesPerPair (models/evaluate/change-metrics.ts).
//
// `npm run eval -- classify --crops DIR --manifest FILE --model ID [--json]`
// Measures a classifier entry on an image-folder tree (DIR/<label>/*.jpg): accuracy, balanced
// accuracy, per-class precision/recall and the confusion matrix (models/train/eval-classify-command.ts).
import { writeFile } from 'node:fs/promises';
import { findModel, loadManifest, type Manifest, type ModelEntry } from '../models/manifest.ts';
import { CameraConfigError, type CameraConfig } from '../contracts/camera.ts';
import { createLogger } from '../infra/logger.ts';
import { LABEL_FORMATS, loadDataset, type LabelFormat } from '../models/evaluate/load-dataset.ts';
import { evaluateDetections } from '../models/evaluate/metrics.ts';
import { htmlReport } from '../models/evaluate/report-html.ts';
import { formatRulesTable, type ScenarioReport } from '../models/evaluate/report-rules.ts';
import { formatTable, type ModelEvaluation } from '../models/evaluate/report-text.ts';
import { runDetector, type DetectorRun } from '../models/evaluate/run-detector.ts';
import { runScenario } from '../models/evaluate/run-scenario.ts';
import { scenarioVideos } from '../models/evaluate/scenario-videos.ts';
import { loadScenarioFile, ScenarioFileError } from '../models/evaluate/scenarios.ts';
import { evaluateRules, type ScenarioOutcome } from '../models/evaluate/violation-metrics.ts';
import { evalChange } from '../models/evaluate/change-command.ts';
import { evalClassify } from '../models/train/eval-classify-command.ts';
import { loadCameraConfig } from '../pipeline/cameras/camera-config-file.ts';
import { createCameraDetector } from '../pipeline/cameras/camera-detector.ts';
import { queueDetector } from '../pipeline/cameras/detector-queue.ts';
import { createDetector } from '../pipeline/detect/detector.ts';
import { DEFAULT_THRESHOLDS } from '../pipeline/detect/thresholds.ts';
import { resampleFactor } from '../pipeline/survey/survey-scale.ts';
import { parseCli, subcommand, usageError } from './cli/args.ts';

const usage = `usage:
  npm run eval -- detect --images DIR --labels DIR|FILE [--format ${LABEL_FORMATS.join('|')}] [--names FILE]
                 [--label-map FILE] [--model ID]... [--manifest FILE]... [--threshold 0.35]
                 [--tiles [--overlap 0.2] [--gsd CM_PER_PX]] [--json] [--html FILE]
  npm run eval -- rules --scenarios FILE [--model ID] [--json]
  npm run eval -- change --pairs DIR [--json] [--min-area 400] [--min-width 10]   DIR holds A/ (before), B/ (after), label/ (0/255 masks)
  npm run eval -- classify --crops DIR --manifest FILE --model ID [--json]   DIR holds <label>/*.jpg crops`;
const cli = { command: 'npm run eval', usage };

// Boxes down to this score are kept so AP sees the whole curve; P/R use --threshold.
const CURVE_MIN_SCORE = 0.05;

async function detect(args: string[]): Promise<number> {
  const { values } = parseCli({
    ...cli,
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
      overlap: { type: 'string' },
      gsd: { type: 'string' },
    },
  }, args);
  if (!values.images || !values.labels) usageError(cli, '--images and --labels are required');
  if (values.format && !LABEL_FORMATS.includes(values.format as LabelFormat)) {
    throw new Error(`--format "${values.format}" is not one of ${LABEL_FORMATS.join(', ')}`);
  }
  if (values.overlap !== undefined && !values.tiles) throw new Error('--overlap is for --tiles');
  if (values.gsd !== undefined && !values.tiles) throw new Error('--gsd is for --tiles');
  const gsd = values.gsd === undefined ? undefined : Number(values.gsd);
  if (gsd !== undefined && !(gsd > 0 && Number.isFinite(gsd))) throw new Error(`--gsd must be a positive number of centimetres per pixel, got "${values.gsd}"`);
  // The survey worker's default overlap (pipeline/survey/worker.ts).
  const overlap = values.overlap === undefined ? 0.2 : Number(values.overlap);
  if (!(overlap >= 0 && overlap < 1)) throw new Error(`--overlap must be a number from 0 up to (not including) 1, got "${values.overlap}"`);
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
  if (values.tiles) log(`tiled inference as the survey path runs it: tiles at each model's input size, ${Math.round(overlap * 100)}% overlap, plus one whole-image pass`);

  const models = await resolveModels(values.manifest ?? [], values.model ?? []);
  const runs: DetectorRun[] = [];
  const evaluations: ModelEvaluation[] = [];
  for (const model of models) {
    const detector = await createDetector(model, { thresholds: { default: CURVE_MIN_SCORE } });
    const scale = resampleFactor(gsd, model.input.gsdCm);
    if (gsd !== undefined) {
      log(model.input.gsdCm === undefined
        ? `${model.id}: declares no input.gsdCm, so --gsd changes nothing: tiled at the images' own resolution`
        : scale < 1
          ? `${model.id}: images at ${gsd} cm/px, model suits ${model.input.gsdCm} cm/px: resampled ×${scale.toFixed(3)} before tiling`
          : `${model.id}: images at ${gsd} cm/px, no finer than the ${model.input.gsdCm} cm/px the model suits: tiled at their own resolution`);
    }
    const run = await runDetector(
      detector,
      dataset.images,
      (done, total) => {
        if (process.stderr.isTTY) process.stderr.write(`\r${model.id}: ${done}/${total}\x1b[K`);
      },
      values.tiles ? { tiles: { overlap, scale } } : {},
    );
    if (process.stderr.isTTY) process.stderr.write('\n');
    await detector.close();
    for (const f of run.failures) log(`error: ${f.error}`);
    runs.push(run);
    evaluations.push({ modelId: model.id, evaluation: evaluateDetections(run.results, threshold), msPerImage: run.msPerImage, images: run.results.length });
  }

  if (values.json) {
    console.log(JSON.stringify({ threshold, ...(values.tiles ? { tiles: { overlap, wholeImagePass: true, ...(gsd !== undefined ? { gsdCm: gsd } : {}) } } : {}), dataset: { images: dataset.images.length, format: dataset.format, labelMap: dataset.labelMap?.file }, models: evaluations.map((e, i) => ({ ...e, failures: runs[i]!.failures })) }, (_, v) => (typeof v === 'number' && Number.isNaN(v) ? null : v), 2));
  } else {
    console.log(formatTable(evaluations, threshold));
    if (values.tiles) console.log(`\n(tiled: ${Math.round(overlap * 100)}% overlap plus a whole-image pass, as the survey path runs it)`);
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

async function rules(args: string[]): Promise<number> {
  const { values } = parseCli({
    ...cli,
    options: {
      scenarios: { type: 'string' },
      model: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  }, args);
  if (!values.scenarios) usageError(cli, '--scenarios is required');
  const file = await loadScenarioFile(values.scenarios);
  // Every camera config and zone is checked before any footage is replayed.
  const configs: CameraConfig[] = [];
  for (const [i, scenario] of file.scenarios.entries()) {
    let config: CameraConfig;
    try {
      config = await loadCameraConfig(scenario.camera);
    } catch (error) {
      if (error instanceof CameraConfigError) throw new ScenarioFileError(file.file, scenario.line, `scenario "${scenario.name}", camera`, error.message);
      throw error;
    }
    const zones = config.zones.map((z) => z.id);
    scenario.expected.forEach((e, j) => {
      if (!zones.includes(e.zone)) {
        throw new ScenarioFileError(file.file, scenario.expectedLines[j], `scenario "${scenario.name}", expect zone`, `"${e.zone}" is not a zone of ${scenario.camera} (its zones: ${zones.join(', ')})`);
      }
    });
    configs[i] = config;
  }

  const log = (line: string) => process.stderr.write(`${line}\n`);
  const logger = createLogger('eval');
  logger.level = process.env.LOG_LEVEL ?? 'warn';
  const detector = await createCameraDetector(values.model ? { modelId: values.model } : {});
  const outcomes: ScenarioOutcome[] = [];
  const reports: ScenarioReport[] = [];
  const details: object[] = [];
  // Each scenario's footage is made while the one before it replays (models/evaluate/scenario-videos.ts).
  const videos = scenarioVideos(file.scenarios.map((s) => s.source));
  try {
    const queued = queueDetector(detector);
    for (const [i, scenario] of file.scenarios.entries()) {
      log(`scenario ${scenario.name}: replaying through the camera pipeline (${detector.model.id})`);
      const r = await runScenario(scenario, configs[i]!, queued, logger, videos.take(i));
      outcomes.push({ scenario: scenario.name, expected: scenario.expected, raised: r.raised, none: scenario.none });
      reports.push({ name: scenario.name, expected: scenario.expected, raised: r.raised, seconds: r.seconds, frames: r.health.frames, framesDetected: r.health.framesDetected });
      details.push({ warnings: r.warnings, frames: r.health.frames, framesDetected: r.health.framesDetected, wallSeconds: Math.round(r.seconds * 100) / 100 });
    }
  } finally {
    await videos.close();
    await detector.close();
  }
  const evaluation = evaluateRules(outcomes);
  if (values.json) {
    const scenarios = evaluation.scenarios.map((m, k) => ({ ...m, expected: outcomes[k]!.expected, raised: outcomes[k]!.raised, none: outcomes[k]!.none, ...details[k] }));
    console.log(JSON.stringify({ scenarioFile: file.file, modelId: detector.model.id, perType: evaluation.perType, scenarios }, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2));
  } else {
    console.log(formatRulesTable(evaluation, reports));
  }
  return 0;
}

// A new subcommand: a function here and a line in `usage`; scripts/cli/args.ts does the rest.
const commands: Record<string, (args: string[]) => Promise<number>> = { detect, rules, change: (args) => evalChange(cli, args), classify: (args) => evalClassify(cli, args) };
const { name, args } = subcommand(cli, Object.keys(commands));
commands[name]!(args).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`error: ${error.message}`);
    process.exit(2);
  },
);

// `npm run train -- classifier --crops DIR --id ID --out DIR [--minutes N] [--attribute NAME]
//    [--applies-to LABEL,…] [--manifest FILE]`
// Trains a crop classifier on an image-folder tree (DIR/<class>/*.jpg) on this machine: the frozen
// backbone of the default detector embeds every crop, a softmax head is trained in TypeScript, and
// OUT gets one ONNX file plus manifest.json declaring it (models/train/, models/README.md).
// `npm run train -- detector --dataset DIR --base MODEL_ID --id ID --out DIR …` fine-tunes a NanoDet
// detector on a YOLO dataset with Python/torch (models/train/detector/, models/train/train-detector.ts).
import { parseCli, subcommand, usageError } from './cli/args.ts';
import { TrainingInputError, trainClassifier } from '../models/train/train-classifier.ts';
import { trainDetector } from '../models/train/train-detector.ts';
import { PythonTrainingUnavailableError } from '../models/train/detector-python.ts';

const usage = `usage:
  npm run train -- classifier --crops DIR --id ID --out DIR [--minutes N]
                  [--attribute NAME] [--applies-to LABEL[,LABEL…]] [--manifest FILE] [--held-out DIR]
    DIR        an image-folder tree: DIR/<class>/*.jpg|png|webp, one folder per class (at least two);
               crops named <source>__<n>.jpg are kept on one side of the held-out split per source
    --id       the new model's id (refused when OUT/manifest.json already declares it)
    --out      folder for <id>.onnx, <id>.labels.txt and manifest.json (appended to when it exists)
    --minutes  time budget for training the head (default: none)
    --attribute   the attribute it sets on detections (default: DIR's name, e.g. cover, else "class")
    --applies-to  detector labels whose crops it classifies (default: the classes, when they are detector labels)
    --manifest    where the backbone (embedder) is declared (default: models/manifest.json)
    --held-out    a tree of the same classes to measure on instead of holding out part of DIR
                  (e.g. the reviews a training run keeps aside); every crop of DIR is trained on
  npm run train -- detector --dataset DIR [--label-map FILE] --base MODEL_ID --id ID --out DIR
                  [--minutes N] [--epochs N] [--classes a,b,…] [--device cpu|cuda] [--resume] [--gsd-cm N]
                  [--freeze-backbone] [--replay DIR[,DIR…]|none]
    DIR          a YOLO dataset as dataset:export writes it: images/, labels/, classes.txt (or names.txt)
    --label-map  JSON mapping DIR's class numbers or names to model class names, null to ignore
    --base       the detector it starts from (a nanodet entry of --manifest, e.g. nanodet-coco-416)
    --classes    the model's classes (default: every mapped class); a name the base knows starts from its weights
    --minutes    time budget; the best checkpoint is exported when it runs out (default: 20 epochs)
    --resume     continue from OUT/<id>.training/last.pt
    --freeze-backbone  train only the neck and head (about twice the steps per minute on CPU, less forgetting)
    --replay     street photos the base labels itself, mixed in (a quarter of each batch) so the model
                 keeps what the base knew (default: Debian's sample photos in samples/cache; none: off)
    --gsd-cm     ground sample distance of drone training images (cm per pixel), declared on the model
    Python 3 with Debian's python3-torch and python3-onnx does the training (installed on first use).`;
const cli = { command: 'npm run train', usage };

async function classifier(args: string[]): Promise<number> {
  const { values } = parseCli({
    ...cli,
    options: {
      crops: { type: 'string' },
      id: { type: 'string' },
      out: { type: 'string' },
      minutes: { type: 'string' },
      attribute: { type: 'string' },
      'applies-to': { type: 'string' },
      manifest: { type: 'string' },
      'held-out': { type: 'string' },
    },
  }, args);
  if (!values.crops || !values.id || !values.out) usageError(cli, `${['crops', 'id', 'out'].filter((k) => !values[k as 'crops']).map((k) => `--${k}`).join(', ')} required`);
  const minutes = values.minutes === undefined ? undefined : Number(values.minutes);
  if (minutes !== undefined && !(minutes > 0)) usageError(cli, `--minutes must be a positive number, got "${values.minutes}"`);
  await trainClassifier({
    crops: values.crops,
    id: values.id,
    out: values.out,
    ...(minutes !== undefined ? { minutes } : {}),
    ...(values.attribute ? { attribute: values.attribute } : {}),
    ...(values['applies-to'] ? { appliesTo: values['applies-to'].split(',').map((s) => s.trim()).filter(Boolean) } : {}),
    ...(values.manifest ? { manifest: values.manifest } : {}),
    ...(values['held-out'] ? { heldOut: values['held-out'] } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  return 0;
}

async function detector(args: string[]): Promise<number> {
  const { values } = parseCli({
    ...cli,
    options: {
      dataset: { type: 'string' },
      'label-map': { type: 'string' },
      base: { type: 'string' },
      id: { type: 'string' },
      out: { type: 'string' },
      minutes: { type: 'string' },
      epochs: { type: 'string' },
      classes: { type: 'string' },
      device: { type: 'string', default: 'cpu' },
      resume: { type: 'boolean', default: false },
      'freeze-backbone': { type: 'boolean', default: false },
      replay: { type: 'string' },
      'gsd-cm': { type: 'string' },
      manifest: { type: 'string' },
    },
  }, args);
  const required = ['dataset', 'base', 'id', 'out'] as const;
  if (required.some((k) => !values[k])) usageError(cli, `${required.filter((k) => !values[k]).map((k) => `--${k}`).join(', ')} required`);
  const positive = (flag: string, v: string | undefined, integer = false) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!(n > 0) || (integer && !Number.isInteger(n))) usageError(cli, `--${flag} must be a positive ${integer ? 'whole ' : ''}number, got "${v}"`);
    return n;
  };
  if (values.device !== 'cpu' && values.device !== 'cuda') usageError(cli, `--device must be cpu or cuda, got "${values.device}"`);
  const minutes = positive('minutes', values.minutes);
  const epochs = positive('epochs', values.epochs, true);
  const gsdCm = positive('gsd-cm', values['gsd-cm']);
  await trainDetector({
    dataset: values.dataset!,
    base: values.base!,
    id: values.id!,
    out: values.out!,
    device: values.device,
    resume: values.resume,
    freezeBackbone: values['freeze-backbone'],
    ...(values.replay !== undefined ? { replay: values.replay === 'none' ? [] : values.replay.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
    ...(values['label-map'] ? { labelMap: values['label-map'] } : {}),
    ...(minutes !== undefined ? { minutes } : {}),
    ...(epochs !== undefined ? { epochs } : {}),
    ...(gsdCm !== undefined ? { gsdCm } : {}),
    ...(values.classes !== undefined ? { classes: values.classes.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
    ...(values.manifest ? { manifest: values.manifest } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  return 0;
}

const commands: Record<string, (args: string[]) => Promise<number>> = { classifier, detector };
const { name, args } = subcommand(cli, Object.keys(commands));
commands[name]!(args).then(
  (code) => process.exit(code),
  (error: Error) => {
    // Bad input (a tree, an id, an image) is one line naming it; anything else keeps its stack for a bug report.
    console.error(`error: ${error.message}`);
    const userError = error instanceof TrainingInputError || error instanceof PythonTrainingUnavailableError;
    if (!userError && process.env.DEBUG) console.error(error.stack);
    process.exit(2);
  },
);

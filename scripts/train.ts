// `npm run train -- classifier --crops DIR --id ID --out DIR [--minutes N] [--attribute NAME]
//    [--applies-to LABEL,…] [--manifest FILE]`
// Trains a crop classifier on an image-folder tree (DIR/<class>/*.jpg) on this machine: the frozen
// backbone of the default detector embeds every crop, a softmax head is trained in TypeScript, and
// OUT gets one ONNX file plus manifest.json declaring it (models/train/, models/README.md).
import { parseCli, subcommand, usageError } from './cli/args.ts';
import { TrainingInputError, trainClassifier } from '../models/train/train-classifier.ts';

const usage = `usage:
  npm run train -- classifier --crops DIR --id ID --out DIR [--minutes N]
                  [--attribute NAME] [--applies-to LABEL[,LABEL…]] [--manifest FILE]
    DIR        an image-folder tree: DIR/<class>/*.jpg|png|webp, one folder per class (at least two);
               crops named <source>__<n>.jpg are kept on one side of the held-out split per source
    --id       the new model's id (refused when OUT/manifest.json already declares it)
    --out      folder for <id>.onnx, <id>.labels.txt and manifest.json (appended to when it exists)
    --minutes  time budget for training the head (default: none)
    --attribute   the attribute it sets on detections (default: DIR's name, e.g. cover, else "class")
    --applies-to  detector labels whose crops it classifies (default: the classes, when they are detector labels)
    --manifest    where the backbone (embedder) is declared (default: models/manifest.json)`;
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
    log: (line) => process.stderr.write(`${line}\n`),
  });
  return 0;
}

const commands: Record<string, (args: string[]) => Promise<number>> = { classifier };
const { name, args } = subcommand(cli, Object.keys(commands));
commands[name]!(args).then(
  (code) => process.exit(code),
  (error: Error) => {
    // Bad input (a tree, an id, an image) is one line naming it; anything else keeps its stack for a bug report.
    console.error(`error: ${error.message}`);
    if (!(error instanceof TrainingInputError) && process.env.DEBUG) console.error(error.stack);
    process.exit(2);
  },
);

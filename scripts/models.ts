// `npm run models -- validate <file.onnx> --format <family> --labels <file> [--input WxH] [options]`
//   Checks a model against the format it is about to be declared with, runs one inference and
//   prints the latency. Exit 0: it fits (and a manifest entry to start from is printed);
//   exit 1: it does not, and the message says what is wrong; exit 2: bad command line.
// `npm run models -- status [--manifest FILE] [--labels-map FILE]`
//   Loads every model the manifest declares, as a worker would, and says which violation types the
//   installed models can analyse ("not analysed: no model" for the others), then each trained
//   version under DATA_DIR/models/versions (or --data-dir) with the types it makes analysable.
// `npm run models -- register OUT/manifest.json --id ID [--promote]`, `promote ID`, `rollback TARGET`:
//   a fine-tuned detector as an aerial-detector version, measured against the live one on its
//   held-out images; promote and roll back (models/versions/versions-command.ts).
import { readFile } from 'node:fs/promises';
import { analysableTypes, describeAnalysis } from '../models/analysable.ts';
import path from 'node:path';
import { REPO_ROOT } from '../api/config.ts';
import { loadManifest } from '../models/manifest.ts';
import { analyseVersions, describeVersion } from '../models/versions/version-analysis.ts';
import { queueDetectorCommand, versionsCommand } from '../models/versions/versions-command.ts';
import { createModelRegistry } from '../models/registry.ts';
import { modelFormats } from '../pipeline/detect/decoders/index.ts';
import { ModelValidationError, SMOKE_REPORT_SCORE, validateModel, type ValidationReport } from '../models/validate.ts';
import { loadViolationLabels } from '../models/violation-labels.ts';
import { parseCli, subcommand, usageError } from './cli/args.ts';

const usage = `usage:
  npm run models -- validate <file.onnx> --format <${[...modelFormats, 'classifier'].join('|')}> --labels <labels.txt>
                   [--input WxH] [--layout NCHW|NHWC] [--channels RGB|BGR] [--resize letterbox|stretch]
                   [--scale N] [--mean a,b,c] [--std a,b,c] [--activation softmax|none] [--image photo.jpg]
                   [--runs N] [--threads N] [--json]
  npm run models -- status [--manifest models/manifest.json] [--labels-map models/violation-labels.json] [--load] [--data-dir data]
  npm run models -- register OUT/manifest.json --id ID [--dataset DIR] [--data-dir data] [--promote [--override] [--reason R]]
  npm run models -- promote VERSION_ID [--override] [--reason R] [--data-dir data]
  npm run models -- rollback TARGET [--reason R] [--data-dir data]
  npm run models -- queue-detector --dataset DIR [--base nanodet-coco-416] [--minutes N] [--epochs N] [--classes a,b]
                   [--label-map FILE] [--gsd-cm N] [--freeze-backbone] [--run-key K] [--redis URL]`;

const cli = { command: 'npm run models', usage };

async function main(argv: string[]): Promise<number> {
  const { name, args } = subcommand(cli, ['validate', 'status', 'register', 'promote', 'rollback', 'queue-detector'], argv);
  if (name === 'queue-detector') return queueDetectorCommand(args, cli);
  if (name === 'register' || name === 'promote' || name === 'rollback') return versionsCommand(name, args, cli);
  return name === 'validate' ? validate(args) : status(args);
}

async function validate(args: string[]): Promise<number> {
  const { values, positionals } = parseCli(
    {
      ...cli,
      positionals: true,
      options: {
        format: { type: 'string' }, labels: { type: 'string' }, input: { type: 'string' },
        layout: { type: 'string' }, channels: { type: 'string' }, resize: { type: 'string' },
        scale: { type: 'string' }, mean: { type: 'string' }, std: { type: 'string' },
        activation: { type: 'string' }, image: { type: 'string' }, runs: { type: 'string' },
        threads: { type: 'string' }, json: { type: 'boolean', default: false },
      },
    },
    args,
  );
  if (positionals.length !== 1) usageError(cli, 'validate takes exactly one model file');
  if (!values.format) usageError(cli, '--format is required');
  if (!values.labels) usageError(cli, '--labels is required');
  const input: Record<string, unknown> = {};
  if (values.input) {
    const m = /^(\d+)x(\d+)$/.exec(values.input);
    if (!m) usageError(cli, `--input must be WxH, e.g. 640x640 (got "${values.input}")`);
    input.width = Number(m[1]);
    input.height = Number(m[2]);
  }
  for (const key of ['layout', 'channels', 'resize'] as const) if (values[key]) input[key] = values[key];
  if (values.scale) input.scale = number('--scale', values.scale);
  for (const key of ['mean', 'std'] as const) {
    if (values[key]) input[key] = values[key]!.split(',').map((v) => number(`--${key}`, v));
  }
  const report = await validateModel({
    file: positionals[0]!,
    format: values.format,
    labels: values.labels,
    input,
    ...(values.activation ? { activation: values.activation } : {}),
    ...(values.image ? { image: await readFile(values.image) } : {}),
    ...(values.runs ? { runs: positiveInt('--runs', values.runs) } : {}),
    ...(values.threads ? { threads: positiveInt('--threads', values.threads) } : {}),
  });
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else printReport(report);
  return 0;
}

function printReport(r: ValidationReport): void {
  const tensors = (ts: ValidationReport['inputs']) => ts.map((t) => `${t.name} ${t.type} [${t.shape.join(',')}]`).join(', ');
  console.log(`ok: ${r.file} fits --format ${r.format} with ${r.labels} labels`);
  console.log(`  sha256   ${r.sha256} (${(r.bytes / 1e6).toFixed(1)} MB)`);
  console.log(`  inputs   ${tensors(r.inputs)}`);
  console.log(`  outputs  ${tensors(r.outputs)}`);
  console.log(`  input    ${r.input.width}x${r.input.height} ${r.input.layout}`);
  if (r.smoke.detections) {
    const found = r.smoke.detections.map((d) => `${d.label} ${d.score}`).join(', ') || `nothing scoring ${SMOKE_REPORT_SCORE} or more`;
    console.log(`  smoke    ran on the image: ${found}`);
  }
  if (r.smoke.classification) {
    console.log(`  smoke    ran on the image: ${r.smoke.classification.label} ${r.smoke.classification.score.toFixed(3)}`);
  }
  console.log(`  latency  session.run median ${r.latencyMs.median.toFixed(1)} ms (min ${r.latencyMs.min.toFixed(1)}, max ${r.latencyMs.max.toFixed(1)}, ${r.latencyMs.runs} runs)`);
  console.log('  manifest entry to start from (make file and labels relative to the manifest, fill in source and licence):');
  console.log(JSON.stringify(r.manifestEntry, null, 2).replace(/^/gm, '    '));
}

async function status(args: string[]): Promise<number> {
  const { values } = parseCli({ ...cli, options: { manifest: { type: 'string' }, 'labels-map': { type: 'string' }, load: { type: 'boolean', default: false }, 'data-dir': { type: 'string' } } }, args);
  const manifest = await loadManifest(values.manifest);
  const mapping = await loadViolationLabels(values['labels-map']);
  for (const e of manifest.entries) console.log(`model ${e.id} (${e.kind}${e.kind === 'detector' && e.enabled === false ? ', disabled' : ''})`);
  for (const a of analysableTypes(manifest, mapping)) console.log(describeAnalysis(a));
  const modelsDir = path.join(path.resolve(values['data-dir'] ?? process.env.DATA_DIR ?? path.join(REPO_ROOT, 'data')), 'models');
  const versions = await analyseVersions(modelsDir, manifest, mapping);
  if (versions.length > 0) console.log(`trained versions in ${modelsDir} (models page: /review/models.html):`);
  for (const v of versions) console.log(`  ${describeVersion(v)}`);
  if (values.load) {
    // Opens every session as a worker would: a missing or altered file fails here, not in production.
    const registry = await createModelRegistry({
      ...(values.manifest ? { manifestPath: values.manifest } : {}),
      ...(values['labels-map'] ? { mappingPath: values['labels-map'] } : {}),
      watch: false,
    });
    console.log(`loaded ${registry.status().openModels} model sessions`);
    await registry.close();
  }
  return 0;
}

function number(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) usageError(cli, `${flag} must be a number (got "${text}")`);
  return n;
}

function positiveInt(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) usageError(cli, `${flag} must be a positive integer (got "${text}")`);
  return n;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`error: ${error.message}`);
    process.exit(error instanceof ModelValidationError ? 1 : 2);
  },
);

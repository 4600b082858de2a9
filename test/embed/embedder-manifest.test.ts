// The manifest's `embedder` entry: the shipped one as set-up generates it, and entries that cannot
// be used, refused by field.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest, parseManifest } from '../../models/manifest.ts';
import { sha256OfFile } from '../../models/model-file.ts';

const DIR = '/models';
const entry = (extra: Record<string, unknown> = {}) => ({
  id: 'backbone',
  version: '1',
  kind: 'embedder',
  file: 'generated/backbone.onnx',
  sha256: 'a'.repeat(64),
  input: { width: 128, height: 128, layout: 'NCHW', channels: 'BGR', resize: 'stretch', scale: 1, mean: [0, 0, 0], std: [1, 1, 1] },
  output: { features: ['features_s16'] },
  source: 'test',
  licence: 'test',
  ...extra,
});
const parse = (...models: unknown[]) => parseManifest({ models }, path.join(DIR, 'manifest.json'));

describe('embedder manifest entries', () => {
  it('ships one, generated at set-up with the pinned hash', async () => {
    const manifest = await loadManifest();
    const e = manifest.embedder!;
    expect(e).toMatchObject({ kind: 'embedder', output: { features: ['features_s16'], grid: 2 }, cropMargin: 0, generatedBy: { importer: 'tfjs-nanodet-backbone' } });
    expect(await sha256OfFile(e.file)).toBe(e.sha256);
  });

  it('defaults to whole-crop pooling and a 10% margin', async () => {
    const m = await parse(entry());
    expect(m.embedder).toMatchObject({ file: path.join(DIR, 'generated/backbone.onnx'), output: { features: ['features_s16'], grid: 1 }, cropMargin: 0.1 });
    expect(m.models).toEqual([]);
  });

  it('names the field of a bad entry, and refuses two embedders', async () => {
    await expect(parse(entry({ output: {} }))).rejects.toThrow(/models\[0\] \(backbone\) output\.features: must be a non-empty list/);
    await expect(parse(entry({ output: { features: ['f'], grid: 0 } }))).rejects.toThrow(/output\.grid: must be a whole number from 1 to 8/);
    await expect(parse(entry({ cropMargin: 2 }))).rejects.toThrow(/cropMargin: must be a number from 0 to 1/);
    await expect(parse(entry({ generatedBy: 'importer' }))).rejects.toThrow(/generatedBy: must be \{"importer"/);
    await expect(parse(entry(), entry({ id: 'other' }))).rejects.toThrow(/2 embedders \(backbone, other\); declare at most one/);
  });
});

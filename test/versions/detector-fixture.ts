// A trainer-shaped output (OUT/<id>.onnx and OUT/manifest.json, declared by the real
// declareDetector) whose weights are the base detector's own: no training needed, and it cannot
// beat its base, so the promotion rule's refusal is certain.
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { declareDetector } from '../../models/train/declare-detector.ts';
import { defaultModel } from '../support/default-detector.ts';

export async function baseCopy(id: string, into: string, dataset: string): Promise<string> {
  const base = await defaultModel();
  await mkdir(into, { recursive: true });
  await copyFile(base.file, path.join(into, `${id}.onnx`));
  const { manifest } = await declareDetector(into, { id, labels: base.labels, base, training: { dataset, labelMap: null }, metrics: {} });
  return manifest;
}

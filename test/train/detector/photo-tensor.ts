// A real photo as the model's input tensor, made by the product's own preprocessing.
import sharp from 'sharp';
import type { InputSpec } from '../../../models/manifest.ts';
import { prepareInput } from '../../../pipeline/detect/preprocess.ts';

export async function photoTensor(file: string, spec: InputSpec): Promise<Float32Array> {
  const image = sharp(file).rotate();
  const meta = await sharp(file).metadata();
  return (await prepareInput(image, meta.width!, meta.height!, spec)).tensor;
}

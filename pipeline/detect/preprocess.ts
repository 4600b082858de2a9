// Makes a model's input tensor from an image exactly as its manifest entry says: size, stretch or
// letterbox, channel order, layout and normalisation. The returned transform is what maps the
// model's boxes back to source pixels.
import sharp, { type Sharp } from 'sharp';
import type { InputSpec } from '../../models/manifest.ts';
import { planResize, type InputTransform } from './geometry.ts';

export interface PreparedInput {
  tensor: Float32Array;
  dims: [number, number, number, number];
  transform: InputTransform;
}

/**
 * `image` is a sharp pipeline over the source (encoded bytes, or raw RGB for camera frames) whose
 * size is srcWidth x srcHeight after orientation. For JPEG, sharp shrinks on load, so a 1080p frame
 * is never decoded at full size when the model wants 416 pixels.
 */
export async function prepareInput(
  image: Sharp,
  srcWidth: number,
  srcHeight: number,
  spec: InputSpec,
): Promise<PreparedInput> {
  const transform = planResize(srcWidth, srcHeight, spec.width, spec.height, spec.resize);
  let pipeline = image
    .removeAlpha()
    .toColourspace('srgb')
    .resize(transform.resizedWidth, transform.resizedHeight, { fit: 'fill' });
  if (spec.resize === 'letterbox') {
    const grey = { r: spec.padValue, g: spec.padValue, b: spec.padValue };
    pipeline = pipeline.extend({
      top: transform.padTop,
      bottom: spec.height - transform.resizedHeight - transform.padTop,
      left: transform.padLeft,
      right: spec.width - transform.resizedWidth - transform.padLeft,
      background: grey,
    });
  }
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  if (info.width !== spec.width || info.height !== spec.height || info.channels !== 3) {
    // A bug in the geometry, not a user error: say exactly what came out.
    throw new Error(
      `preprocess produced ${info.width}x${info.height}x${info.channels}, expected ${spec.width}x${spec.height}x3`,
    );
  }
  return { tensor: toTensor(data, spec), dims: tensorDims(spec), transform };
}

export function tensorDims(spec: InputSpec): [number, number, number, number] {
  return spec.layout === 'NCHW' ? [1, 3, spec.height, spec.width] : [1, spec.height, spec.width, 3];
}

/** Interleaved RGB bytes to the model's float layout, through one lookup table per channel. */
export function toTensor(rgb: Uint8Array, spec: InputSpec): Float32Array {
  const pixels = spec.width * spec.height;
  const tables = [0, 1, 2].map((c) => {
    const table = new Float32Array(256);
    for (let v = 0; v < 256; v++) table[v] = (v * spec.scale - spec.mean[c]!) / spec.std[c]!;
    return table;
  }) as [Float32Array, Float32Array, Float32Array];
  // Output channel k takes source channel order[k]: BGR models read blue first.
  const order = spec.channels === 'RGB' ? [0, 1, 2] : [2, 1, 0];
  const out = new Float32Array(pixels * 3);
  for (let k = 0; k < 3; k++) {
    const src = order[k]!;
    const table = tables[k]!;
    if (spec.layout === 'NCHW') {
      const base = k * pixels;
      for (let i = 0; i < pixels; i++) out[base + i] = table[rgb[i * 3 + src]!]!;
    } else {
      for (let i = 0; i < pixels; i++) out[i * 3 + k] = table[rgb[i * 3 + src]!]!;
    }
  }
  return out;
}

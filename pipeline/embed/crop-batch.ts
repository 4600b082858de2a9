// Crops of several boxes of one image (a camera frame or decoded photo) as one input tensor
// [N, 3, H, W] in the embedder's layout and normalisation, so one model call embeds them all.
import type { Box } from '../../contracts/types.ts';
import type { InputSpec } from '../../models/manifest.ts';
import { cropRegion, openRaw, type RawImage, type Region } from '../detect/crop.ts';
import { toTensor } from '../detect/preprocess.ts';

export async function cropBatch(image: RawImage, boxes: readonly Box[], spec: InputSpec, margin: number): Promise<Float32Array> {
  if (spec.layout !== 'NCHW') throw new Error(`embedder input layout ${spec.layout} is not supported (NCHW only)`);
  const size = 3 * spec.width * spec.height;
  const out = new Float32Array(boxes.length * size);
  for (const [i, box] of boxes.entries()) {
    if (!box.every(Number.isFinite)) throw new RangeError(`box ${i} [${box.join(', ')}] is not four finite numbers`);
    const region = cropRegion(box, image.width, image.height, margin);
    if (region.width === 0 || region.height === 0) {
      throw new RangeError(`box ${i} [${box.map((v) => v.toFixed(1)).join(', ')}] lies outside the ${image.width}x${image.height} image`);
    }
    // Copying the region's rows out first is cheaper than handing sharp the whole frame per box.
    const { data } = await openRaw(regionOf(image, region))
      .resize(spec.width, spec.height, { fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    out.set(toTensor(data, spec), i * size);
  }
  return out;
}

function regionOf(image: RawImage, r: Region): RawImage {
  const pixels = new Uint8Array(r.width * r.height * 3);
  const row = r.width * 3;
  for (let y = 0; y < r.height; y++) {
    const from = ((r.top + y) * image.width + r.left) * 3;
    pixels.set(image.pixels.subarray(from, from + row), y * row);
  }
  return { width: r.width, height: r.height, pixels };
}

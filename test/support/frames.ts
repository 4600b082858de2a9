// Frames (raw RGB, as the camera workers produce them) made from the real sample photos.
import sharp from 'sharp';
import type { Frame } from '../../contracts/types.ts';
import { samplePath } from './samples.ts';

export async function frameFromSample(relative: string, sourceId: string, capturedAt: Date): Promise<Frame> {
  const { data, info } = await sharp(samplePath(relative)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { sourceId, capturedAt, width: info.width, height: info.height, pixels: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

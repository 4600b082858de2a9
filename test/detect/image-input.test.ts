import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { checkImage, ImageInputError } from '../../pipeline/detect/image-input.ts';
import { withClaimedSize } from '../support/images.ts';
import { samplePath } from '../support/samples.ts';

const dog = () => readFile(samplePath('darknet/dog.jpg'));

async function problemOf(bytes: Buffer, name = 'upload.jpg'): Promise<string> {
  const error = await checkImage(bytes, name).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ImageInputError);
  expect((error as ImageInputError).source).toBe(name);
  return (error as Error).message;
}

describe('image input checks', () => {
  it('reads the size of a real JPEG from its header', async () => {
    const image = await checkImage(await dog(), 'dog.jpg');
    expect(image).toMatchObject({ width: 768, height: 576, format: 'jpeg' });
  });

  it('refuses an empty file', async () => {
    expect(await problemOf(Buffer.alloc(0), 'empty.jpg')).toBe('empty.jpg: empty file (0 bytes)');
  });

  it('refuses a text file', async () => {
    expect(await problemOf(Buffer.from('plate list:\n粤B12345\n'), 'notes.txt')).toMatch(/^notes\.txt: not a readable image/);
  });

  it('refuses a header that claims 30000x30000 pixels without decoding it', async () => {
    const huge = withClaimedSize(await dog(), 30000, 30000);
    expect(await problemOf(huge, 'huge.jpg')).toBe('huge.jpg: image is 30000x30000 (900.0 megapixels), above the 100.0 megapixels limit');
  });

  it('honours a lower pixel limit', async () => {
    const error = await checkImage(await dog(), 'dog.jpg', 100_000).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/768x576 \(0\.4 megapixels\), above the 0\.1 megapixels limit/);
  });

  it('lets a truncated JPEG past the header check but fails it on decode', async () => {
    // Only a full decode can see the missing tail; the detector test checks that it is reported.
    const bytes = await dog();
    const truncated = bytes.subarray(0, Math.floor(bytes.length / 2));
    const image = await checkImage(truncated, 'cut.jpg');
    await expect(image.open().raw().toBuffer()).rejects.toThrow();
  });

  it('reports EXIF-rotated photos in the orientation people see', async () => {
    const rotated = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#888' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const image = await checkImage(rotated, 'phone.jpg');
    expect([image.width, image.height]).toEqual([20, 40]);
    const { info } = await image.open().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([20, 40]);
  });
});

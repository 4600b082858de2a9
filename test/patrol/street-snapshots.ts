// The patrol tests' street: darknet's dog.jpg, whose pick-up stands at the far kerb (x 459-691,
// y 75-170 of 768x576), and the same street with the pick-up painted over (an empty road).
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { samplePath } from '../support/samples.ts';

export async function parkedStreet(): Promise<Buffer> {
  return readFile(samplePath('darknet/dog.jpg'));
}

export async function emptyStreet(): Promise<Buffer> {
  const patch = await sharp({ create: { width: 280, height: 140, channels: 3, background: { r: 120, g: 120, b: 118 } } }).jpeg().toBuffer();
  return sharp(await parkedStreet()).composite([{ input: patch, left: 440, top: 55 }]).jpeg({ quality: 90 }).toBuffer();
}

/** The no-parking kerb drawn around the pick-up (its bottom centre is (0.75, 0.29)). */
export const FAR_KERB = { id: 'far-kerb', kind: 'no_parking', polygon: [[0.65, 0.15], [0.95, 0.15], [0.95, 0.4], [0.65, 0.4]] } as const;

/** A scene clock `speed` times faster than the wall clock, so a 10 s dwell passes in a few patrol passes. */
export function sceneClock(speed: number, start = Date.parse('2026-05-04T10:00:00+08:00')): () => Date {
  const wallStart = Date.now();
  return () => new Date(start + (Date.now() - wallStart) * speed);
}

// After-photos: what a field team sends to show a problem handled. Each is checked by its bytes (a
// JPEG, PNG or WebP that decodes, within the size limits), stored content-addressed like every
// other piece of evidence, and recorded against its case. The same photo sent twice is one row, so
// a retried upload on a bad connection is harmless; it becomes evidence only when the handle move
// names it (api/case/handle.ts).
import sharp from 'sharp';
import type { ObjectStore } from '../../infra/object-store.ts';
import { allowedMediaType, describeContent } from '../evidence/media-type.ts';
import type { Db } from '../store/db.ts';
import type { Actor } from './actor.ts';
import { CaseNotFoundError } from './lifecycle.ts';
import { CaseRefusal } from './refusal.ts';
import { assertCaseInScope } from './scope.ts';

export const AFTER_PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;

export interface AfterPhotoLimits {
  maxBytes: number;
  maxPixels: number;
}

export const DEFAULT_AFTER_PHOTO_LIMITS: AfterPhotoLimits = { maxBytes: 15 * 1024 * 1024, maxPixels: 50e6 };

export interface AfterPhoto {
  sha256: string;
  contentType: string;
  bytes: number;
  width: number;
  height: number;
  uploadedAt: string;
  /** true when this photo was already uploaded for the case (a retry): nothing new was written. */
  duplicate: boolean;
}

/** What the bytes are, or a refusal that says why they are not an after-photo. */
export async function checkAfterPhoto(bytes: Buffer, limits: AfterPhotoLimits): Promise<{ contentType: string; width: number; height: number }> {
  if (bytes.length === 0) throw new CaseRefusal(400, 'empty_photo', 'the after-photo is empty: send the image bytes as the request body');
  if (bytes.length > limits.maxBytes) throw tooLarge(limits.maxBytes);
  const contentType = allowedMediaType(bytes, AFTER_PHOTO_TYPES);
  if (!contentType) throw new CaseRefusal(415, 'not_an_image', `the after-photo is ${describeContent(bytes)}, not a JPEG, PNG or WebP image (checked by content)`);
  try {
    const meta = await sharp(bytes, { limitInputPixels: limits.maxPixels }).metadata();
    if (!meta.width || !meta.height) throw new Error('no dimensions');
    if (meta.width * meta.height > limits.maxPixels) {
      throw new CaseRefusal(413, 'photo_too_large', `the after-photo is ${meta.width}x${meta.height}, over ${Math.round(limits.maxPixels / 1e6)} megapixels`);
    }
    // Decoding a small copy catches a truncated or corrupt file that still has a good header.
    await sharp(bytes, { limitInputPixels: limits.maxPixels, failOn: 'truncated' }).resize(32, 32, { fit: 'inside' }).toBuffer();
    const rotated = (meta.orientation ?? 1) >= 5;
    return { contentType, width: rotated ? meta.height : meta.width, height: rotated ? meta.width : meta.height };
  } catch (err) {
    if (err instanceof CaseRefusal) throw err;
    throw new CaseRefusal(422, 'unreadable_photo', `the after-photo is a ${contentType.slice(6).toUpperCase()} that cannot be decoded (${(err as Error).message.split('\n')[0]})`);
  }
}

export function tooLarge(maxBytes: number): CaseRefusal {
  return new CaseRefusal(413, 'photo_too_large', `the after-photo is larger than ${Math.round(maxBytes / 1024 / 1024)} MB; send a smaller photo`);
}

export async function storeAfterPhoto(db: Db, objects: ObjectStore, caseId: number, bytes: Buffer, actor: Actor, now: Date, limits: AfterPhotoLimits): Promise<AfterPhoto> {
  const [c] = await db.query<{ status: string; unit: string | null }>('SELECT status, unit FROM cases WHERE id = $1', [caseId]);
  if (!c) throw new CaseNotFoundError(caseId);
  assertCaseInScope(actor, caseId, c.unit);
  if (c.status !== 'dispatched') throw new CaseRefusal(409, 'not_dispatched', `case ${caseId} is ${c.status}: after-photos are taken for dispatched cases`);
  const image = await checkAfterPhoto(bytes, limits);
  const stored = await objects.put(bytes, image.contentType);
  const inserted = await db.query<{ uploaded_at: Date }>(
    `INSERT INTO after_photos (case_id, sha256, content_type, bytes, width, height, uploaded_at, uploaded_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (case_id, sha256) DO NOTHING RETURNING uploaded_at`,
    [caseId, stored.sha256, image.contentType, stored.bytes, image.width, image.height, now, actor.name],
  );
  const [row] = inserted.length ? inserted : await db.query<{ uploaded_at: Date }>('SELECT uploaded_at FROM after_photos WHERE case_id = $1 AND sha256 = $2', [caseId, stored.sha256]);
  return { sha256: stored.sha256, contentType: image.contentType, bytes: stored.bytes, width: image.width, height: image.height, uploadedAt: row!.uploaded_at.toISOString(), duplicate: inserted.length === 0 };
}

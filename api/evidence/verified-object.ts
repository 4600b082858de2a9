// Bytes reach people only when they still hash to the sha256 recorded when they came in: evidence
// a court cannot trust, or a survey image that is no longer the one reviewed, is worse than none.
// The evidence route and the survey image route both read through here.
import type { FastifyReply } from 'fastify';
import { sha256Hex, type ObjectStore } from '../../infra/object-store.ts';
import { MEDIA_CSP, type SniffedMediaType } from './media-type.ts';

export type VerifiedRead = { status: 'ok'; bytes: Buffer } | { status: 'missing' } | { status: 'hash_mismatch'; actual: string };

export async function readVerified(objects: ObjectStore, key: string, sha256: string): Promise<VerifiedRead> {
  const bytes = await objects.get(key);
  if (!bytes) return { status: 'missing' };
  const actual = sha256Hex(bytes);
  return actual === sha256 ? { status: 'ok', bytes } : { status: 'hash_mismatch', actual };
}

/**
 * Content-addressed bytes never change under their hash: browsers may keep them. `contentType` is
 * the sniffed type (media-type.ts), never the stored claim; nosniff and a sandboxing policy make
 * sure that even a browser opening the link on its own runs nothing from it on the API's origin.
 */
export function sendImmutable(reply: FastifyReply, bytes: Buffer, contentType: SniffedMediaType, sha256: string): FastifyReply {
  return reply
    .header('content-type', contentType)
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', MEDIA_CSP)
    // The sandbox gives a tab opened on the link an opaque origin, which must still load the image;
    // the link itself (signature or key) is what grants access.
    .header('cross-origin-resource-policy', 'cross-origin')
    .header('cache-control', 'private, max-age=3600, immutable')
    .header('etag', `"${sha256}"`)
    .send(bytes);
}

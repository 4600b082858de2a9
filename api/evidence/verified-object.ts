// Bytes reach people only when they still hash to the sha256 recorded when they came in: evidence
// a court cannot trust, or a survey image that is no longer the one reviewed, is worse than none.
// The evidence route and the survey image route both read through here.
import type { FastifyReply } from 'fastify';
import { sha256Hex, type ObjectStore } from '../../infra/object-store.ts';

export type VerifiedRead = { status: 'ok'; bytes: Buffer } | { status: 'missing' } | { status: 'hash_mismatch'; actual: string };

export async function readVerified(objects: ObjectStore, key: string, sha256: string): Promise<VerifiedRead> {
  const bytes = await objects.get(key);
  if (!bytes) return { status: 'missing' };
  const actual = sha256Hex(bytes);
  return actual === sha256 ? { status: 'ok', bytes } : { status: 'hash_mismatch', actual };
}

/** Content-addressed bytes never change under their hash: browsers may keep them. */
export function sendImmutable(reply: FastifyReply, bytes: Buffer, contentType: string, sha256: string): FastifyReply {
  return reply.header('content-type', contentType).header('cache-control', 'private, max-age=3600, immutable').header('etag', `"${sha256}"`).send(bytes);
}

// Evidence to people: the API reads the object, checks it still hashes to the sha256 recorded at
// capture, and only then serves it. A mismatch is never served: it is logged with the case id and
// counted, because evidence a court cannot trust is worse than none. Browsers reach this route
// through signed links from the case detail; API clients with a key may call it directly. The type
// served is the one the bytes show (JPEG, PNG, WebP, MP4), whatever was declared at ingest.
import type { FastifyInstance } from 'fastify';
import { findEvidence } from '../case/query.ts';
import { allowedMediaType, describeContent, EVIDENCE_MEDIA_TYPES } from '../evidence/media-type.ts';
import { readVerified, sendImmutable } from '../evidence/verified-object.ts';
import { errorSchema, ROLES } from './schemas.ts';

export async function evidenceRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { sha256: string }; Querystring: { exp?: string; sig?: string } }>(
    '/v1/evidence/:sha256',
    {
      config: { roles: [...ROLES.readCases, 'ingest'], signedUrl: true },
      schema: {
        tags: ['evidence'],
        summary: 'One evidence object, checked against its recorded sha256 (API key, or the signed link from the case detail)',
        params: { type: 'object', required: ['sha256'], properties: { sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' } } },
        querystring: { type: 'object', properties: { exp: { type: 'string' }, sig: { type: 'string' } } },
        response: { 404: errorSchema, 415: errorSchema, 500: errorSchema },
      },
    },
    async (request, reply) => {
      const { sha256 } = request.params;
      const record = await findEvidence(app.db, sha256);
      if (!record) return reply.code(404).send({ error: 'not_found', message: `no case has evidence ${sha256}` });
      const read = await readVerified(app.objects, record.key, sha256);
      if (read.status === 'missing') {
        app.metrics.evidenceServed.inc({ result: 'missing' });
        request.log.error({ caseId: record.caseId, sha256 }, 'evidence object missing from the object store');
        return reply.code(404).send({ error: 'evidence_missing', message: `evidence ${sha256} of case ${record.caseId} is missing from the object store` });
      }
      if (read.status === 'hash_mismatch') {
        app.metrics.evidenceServed.inc({ result: 'hash_mismatch' });
        request.log.error({ caseId: record.caseId, sha256, actual: read.actual }, 'evidence does not match the hash recorded at capture');
        return reply.code(500).send({ error: 'evidence_hash_mismatch', message: `evidence ${sha256} of case ${record.caseId} no longer matches its recorded sha256; not served` });
      }
      const type = allowedMediaType(read.bytes, EVIDENCE_MEDIA_TYPES);
      if (!type) {
        // Stored before ingest checked content (or written around the API): still never served.
        app.metrics.evidenceServed.inc({ result: 'refused_type' });
        const found = describeContent(read.bytes);
        request.log.error({ caseId: record.caseId, sha256, declared: record.contentType, found }, 'evidence is not a raster type the product makes; not served');
        return reply.code(415).send({ error: 'evidence_type_refused', message: `evidence ${sha256} of case ${record.caseId} is ${found}, not JPEG, PNG, WebP or MP4; not served` });
      }
      app.metrics.evidenceServed.inc({ result: 'ok' });
      return sendImmutable(reply.header('x-evidence-sha256', sha256), read.bytes, type, sha256);
    },
  );
}

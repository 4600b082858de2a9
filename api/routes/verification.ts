// The verifier's two calls (pipeline/verify/): which camera cases are due to be looked at again,
// and what the camera saw. It posts with an ingest key like every worker; the audit records the
// move as system:verifier.
import type { FastifyInstance } from 'fastify';
import { evidenceItemSchema, type EvidenceItem } from '../../contracts/case.ts';
import { checkEvidenceContent } from '../evidence/ingest-check.ts';
import { casesToVerify, recordVerification, type LookAgainOutcome } from '../case/verification.ts';
import { caseIdParams, errorSchema, ROLES } from './schemas.ts';

export async function verificationRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { lookAfterSeconds: number; limit: number } }>(
    '/v1/verification/due',
    {
      config: { roles: ROLES.ingest },
      schema: {
        tags: ['verification'],
        summary: 'Camera cases handled at least lookAfterSeconds ago, waiting for the camera to look again',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { lookAfterSeconds: { type: 'integer', minimum: 0, maximum: 604800, default: 60 }, limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
        },
      },
    },
    async (request) => ({ items: await casesToVerify(app.db, app.clock(), request.query.lookAfterSeconds * 1000, request.query.limit) }),
  );

  app.post<{ Params: { id: number }; Body: { outcome: LookAgainOutcome; evidence: EvidenceItem[]; note?: string; seen?: Array<{ label: string; score: number }> } }>(
    '/v1/cases/:id/look-again',
    {
      config: { roles: ROLES.ingest },
      schema: {
        tags: ['verification'],
        summary: 'What the camera saw when it looked again at a handled case: gone → verified, still_there → dispatched again with the frame',
        params: caseIdParams,
        body: {
          type: 'object',
          required: ['outcome', 'evidence'],
          additionalProperties: false,
          properties: {
            outcome: { type: 'string', enum: ['gone', 'still_there'] },
            evidence: { type: 'array', minItems: 1, maxItems: 4, items: evidenceItemSchema },
            note: { type: 'string', maxLength: 2000 },
            seen: {
              type: 'array',
              maxItems: 50,
              items: { type: 'object', required: ['label', 'score'], additionalProperties: false, properties: { label: { type: 'string', maxLength: 100 }, score: { type: 'number', minimum: 0, maximum: 1 } } },
            },
          },
        },
        response: { 400: errorSchema, 404: errorSchema, 409: errorSchema, 415: errorSchema, 422: errorSchema },
      },
    },
    async (request, reply) => {
      const refused = await checkEvidenceContent(app.objects, request.body.evidence);
      if (refused) return reply.code(refused.status).send({ error: refused.error, message: refused.message, field: refused.field });
      const result = await recordVerification(app.db, request.params.id, request.body, request.actor!, app.clock());
      app.metrics.moves.inc({ move: result.to === 'verified' ? 'verify' : 'still_there' });
      request.log.info({ caseId: result.caseId, outcome: request.body.outcome, to: result.to }, 'case looked at again');
      return result;
    },
  );
}

// Review decisions: confirm (立案), reject as a false positive with a reason, or put the case under
// another violation type. Each is one audited transaction (api/case/lifecycle.ts).
import type { FastifyInstance } from 'fastify';
import type { ViolationType } from '../../contracts/types.ts';
import { moveCase, reclassifyCase } from '../case/lifecycle.ts';
import { caseIdParams, emptyBodyIsObject, errorSchema, moveResultSchema, noteBody, ROLES, typeEnum } from './schemas.ts';

export async function reviewRoutes(app: FastifyInstance): Promise<void> {
  const responses = { 200: moveResultSchema, 404: errorSchema, 409: errorSchema };

  app.post<{ Params: { id: number }; Body: { note?: string } | undefined }>(
    '/v1/cases/:id/confirm',
    { config: { roles: ROLES.review }, preValidation: emptyBodyIsObject, schema: { tags: ['review'], summary: 'Confirm a pending case (立案)', params: caseIdParams, body: noteBody, response: responses } },
    async (request) => {
      const result = await moveCase(app.db, request.params.id, { move: 'confirm', note: request.body?.note }, request.actor!, app.clock());
      app.metrics.moves.inc({ move: 'confirm' });
      request.log.info({ caseId: result.caseId, move: 'confirm', actor: request.actor!.name }, 'case moved');
      return result;
    },
  );

  app.post<{ Params: { id: number }; Body: { reason: string; note?: string } }>(
    '/v1/cases/:id/reject',
    {
      config: { roles: ROLES.review },
      schema: {
        tags: ['review'],
        summary: 'Reject a case as not a violation; the reason is required',
        params: caseIdParams,
        body: {
          type: 'object',
          required: ['reason'],
          additionalProperties: false,
          properties: { reason: { type: 'string', minLength: 1, maxLength: 500 }, note: { type: 'string', maxLength: 2000 } },
        },
        response: responses,
      },
    },
    async (request) => {
      const result = await moveCase(app.db, request.params.id, { move: 'reject', reason: request.body.reason, note: request.body.note }, request.actor!, app.clock());
      app.metrics.moves.inc({ move: 'reject' });
      request.log.info({ caseId: result.caseId, move: 'reject', actor: request.actor!.name }, 'case moved');
      return result;
    },
  );

  app.post<{ Params: { id: number }; Body: { type: ViolationType; note?: string } }>(
    '/v1/cases/:id/reclassify',
    {
      config: { roles: ROLES.review },
      schema: {
        tags: ['review'],
        summary: 'Put the case under another violation type (its standard code follows)',
        params: caseIdParams,
        body: {
          type: 'object',
          required: ['type'],
          additionalProperties: false,
          properties: { type: typeEnum, note: { type: 'string', maxLength: 2000 } },
        },
        response: responses,
      },
    },
    async (request) => {
      const result = await reclassifyCase(app.db, request.params.id, request.body.type, request.body.note, request.actor!, app.clock());
      app.metrics.moves.inc({ move: 'reclassify' });
      request.log.info({ caseId: result.caseId, move: 'reclassify', type: request.body.type, actor: request.actor!.name }, 'case reclassified');
      return result;
    },
  );
}

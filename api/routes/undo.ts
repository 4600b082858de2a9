// Taking a review decision back (the reviewer's own, within minutes) and sending a rejected case
// back to review (admin). Both audited (api/case/undo.ts).
import type { FastifyInstance } from 'fastify';
import { reopenRejected, undoDecision } from '../case/undo.ts';
import { caseIdParams, emptyBodyIsObject, errorSchema, moveResultSchema, noteBody, ROLES } from './schemas.ts';

export async function undoRoutes(app: FastifyInstance, opts: { undoWindowMs?: number } = {}): Promise<void> {
  const responses = { 200: moveResultSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
  app.post<{ Params: { id: number } }>(
    '/v1/cases/:id/undo',
    { config: { roles: ROLES.review }, schema: { tags: ['review'], summary: 'Undo your own confirm or reject of this case, within a few minutes and before anything else happened to it', params: caseIdParams, response: responses } },
    async (request) => {
      const result = await undoDecision(app.db, request.params.id, request.actor!, app.clock(), opts.undoWindowMs);
      app.metrics.moves.inc({ move: 'undo' });
      request.log.info({ caseId: result.caseId, move: 'undo', to: result.to, actor: request.actor!.name }, 'case moved');
      return result;
    },
  );
  app.post<{ Params: { id: number }; Body: { note?: string } | undefined }>(
    '/v1/cases/:id/reopen-rejected',
    { config: { roles: ROLES.admin }, preValidation: emptyBodyIsObject, schema: { tags: ['review'], summary: 'Admin: send a rejected case back to the review queue', params: caseIdParams, body: noteBody, response: responses } },
    async (request) => {
      const result = await reopenRejected(app.db, request.params.id, request.actor!, app.clock(), request.body?.note);
      app.metrics.moves.inc({ move: 'reopen_rejected' });
      request.log.info({ caseId: result.caseId, move: 'reopen_rejected', actor: request.actor!.name }, 'case moved');
      return result;
    },
  );
}

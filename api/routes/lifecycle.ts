// Lifecycle moves after review: 派遣 dispatch to a unit, 处置 handled, 核查 verified, 结案 closed,
// and reopened. A move not allowed from the case's status gets 409 with the allowed ones. 处置 (handled,
// with after-photos) is in api/routes/field.ts.
import type { FastifyInstance } from 'fastify';
import type { CaseMove } from '../../contracts/case.ts';
import { moveCase } from '../case/lifecycle.ts';
import { caseIdParams, emptyBodyIsObject, errorSchema, moveResultSchema, noteBody, ROLES } from './schemas.ts';

const MOVES: Array<{ move: Exclude<CaseMove, 'confirm' | 'reject' | 'handle' | 'dispatch'>; summary: string }> = [
  { move: 'verify', summary: 'Handling checked on site or on camera (核查)' },
  { move: 'close', summary: 'Close the case (结案)' },
  { move: 'reopen', summary: 'Reopen a handled, verified or closed case' },
];

export async function lifecycleRoutes(app: FastifyInstance): Promise<void> {
  const responses = { 200: moveResultSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema };

  app.post<{ Params: { id: number }; Body: { unit: string; note?: string } }>(
    '/v1/cases/:id/dispatch',
    {
      config: { roles: ROLES.lifecycle },
      schema: {
        tags: ['lifecycle'],
        summary: 'Dispatch a confirmed or reopened case to a field unit (派遣); sets the due time from the type handling limit; an unknown unit is 422',
        params: caseIdParams,
        body: {
          type: 'object',
          required: ['unit'],
          additionalProperties: false,
          properties: { unit: { type: 'string', minLength: 1, maxLength: 200 }, note: { type: 'string', maxLength: 2000 } },
        },
        response: responses,
      },
    },
    async (request) => {
      const result = await moveCase(app.db, request.params.id, { move: 'dispatch', unit: request.body.unit, note: request.body.note }, request.actor!, app.clock());
      app.metrics.moves.inc({ move: 'dispatch' });
      request.log.info({ caseId: result.caseId, move: 'dispatch', unit: request.body.unit, actor: request.actor!.name }, 'case moved');
      return result;
    },
  );

  for (const { move, summary } of MOVES) {
    app.post<{ Params: { id: number }; Body: { note?: string } | undefined }>(
      `/v1/cases/:id/${move}`,
      { config: { roles: ROLES.lifecycle }, preValidation: emptyBodyIsObject, schema: { tags: ['lifecycle'], summary, params: caseIdParams, body: noteBody, response: responses } },
      async (request) => {
        const result = await moveCase(app.db, request.params.id, { move, note: request.body?.note }, request.actor!, app.clock());
        app.metrics.moves.inc({ move });
        request.log.info({ caseId: result.caseId, move, actor: request.actor!.name }, 'case moved');
        return result;
      },
    );
  }
}

// The dispatch board's own routes: dispatching a selection of cases to a unit in one go, and the
// due time each type would get if dispatched now (the board shows it before anyone commits).
import type { FastifyInstance } from 'fastify';
import { dispatchCases, dueTimesNow } from '../case/bulk-dispatch.ts';
import { errorSchema, ROLES } from './schemas.ts';

export async function boardRoutes(app: FastifyInstance): Promise<void> {
  app.post<{ Body: { ids: number[]; unit: string; note?: string } }>(
    '/v1/cases/dispatch',
    {
      config: { roles: ROLES.lifecycle },
      schema: {
        tags: ['lifecycle'],
        summary: 'Dispatch several confirmed or reopened cases to one unit (派遣): all or none; each gets its due time from its type',
        body: {
          type: 'object',
          required: ['ids', 'unit'],
          additionalProperties: false,
          properties: {
            ids: { type: 'array', minItems: 1, maxItems: 500, items: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } },
            unit: { type: 'string', minLength: 1, maxLength: 200 },
            note: { type: 'string', maxLength: 2000 },
          },
        },
        response: { 404: errorSchema, 409: errorSchema, 422: errorSchema },
      },
    },
    async (request) => {
      const { ids, unit, note } = request.body;
      const result = await dispatchCases(app.db, ids, unit, note, request.actor!, app.clock());
      app.metrics.moves.inc({ move: 'dispatch' }, result.items.length);
      request.log.info({ caseIds: result.items.map((i) => i.caseId), move: 'dispatch', unit, actor: request.actor!.name }, 'cases dispatched');
      return result;
    },
  );

  app.get(
    '/v1/dispatch/due-times',
    { config: { roles: ROLES.lifecycle }, schema: { tags: ['lifecycle'], summary: 'When a case of each type dispatched now would be due (handling limit and working calendar)' } },
    async () => {
      const now = app.clock();
      return { at: now.toISOString(), byType: await dueTimesNow(app.db, now) };
    },
  );
}

// Field units: the list the board dispatches to and field keys are bound to.
import type { FastifyInstance } from 'fastify';
import { listUnits, putUnit } from '../case/units.ts';
import { errorSchema, ROLES } from './schemas.ts';

const unitId = { type: 'string', minLength: 1, maxLength: 100, pattern: '^[^/?#\\s][^/?#]*$' } as const;

export async function unitsRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/v1/units',
    { config: { roles: ROLES.readCases }, schema: { tags: ['units'], summary: 'The field units cases can be dispatched to' } },
    async () => ({ items: await listUnits(app.db) }),
  );

  app.put<{ Params: { id: string }; Body: { name: string } }>(
    '/v1/units/:id',
    {
      config: { roles: ROLES.configure },
      schema: {
        tags: ['units'],
        summary: 'Create or rename a field unit',
        params: { type: 'object', required: ['id'], properties: { id: unitId } },
        body: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1, maxLength: 200 } } },
        response: { 400: errorSchema },
      },
    },
    async (request, reply) => {
      const created = await putUnit(app.db, { id: request.params.id, name: request.body.name }, app.clock());
      request.log.info({ unit: request.params.id, created, actor: request.actor!.name }, 'unit saved');
      return reply.code(created ? 201 : 200).send({ id: request.params.id, name: request.body.name });
    },
  );
}

// API keys, admin only. A new key is shown once in the answer; the store keeps its hash.
import type { FastifyInstance } from 'fastify';
import { createKey, listKeys, revokeKey } from '../auth/keys.ts';
import { ROLES as ALL_ROLES, type Role } from '../case/actor.ts';
import { assertUnitExists } from '../case/units.ts';
import { errorSchema, ROLES } from './schemas.ts';

export async function keysRoutes(app: FastifyInstance): Promise<void> {
  app.get('/v1/keys', { config: { roles: ROLES.admin }, schema: { tags: ['keys'], summary: 'API keys (without secrets)' } }, async () => ({ items: await listKeys(app.db) }));

  app.post<{ Body: { role: Role; name: string; unit?: string } }>(
    '/v1/keys',
    {
      config: { roles: ROLES.admin },
      schema: {
        tags: ['keys'],
        summary: 'Create an API key; the key is in this answer only',
        body: {
          type: 'object',
          required: ['role', 'name'],
          additionalProperties: false,
          properties: {
            role: { type: 'string', enum: [...ALL_ROLES] },
            name: { type: 'string', minLength: 1, maxLength: 100 },
            unit: { type: 'string', minLength: 1, maxLength: 100, description: 'field keys: the unit whose cases the key may see and handle (required for field, refused for other roles)' },
          },
        },
      },
    },
    async (request, reply) => {
      const { role, name, unit } = request.body;
      if (role === 'field' && unit === undefined) return reply.code(400).send({ error: 'bad_request', message: 'body.unit is required for a field key (the unit it acts for)', field: 'unit' });
      if (role !== 'field' && unit !== undefined) return reply.code(400).send({ error: 'bad_request', message: `body.unit is only for field keys; a ${role} key is not bound to a unit`, field: 'unit' });
      if (unit !== undefined) await assertUnitExists(app.db, unit);
      const key = await createKey(app.db, role, name, unit);
      request.log.info({ keyId: key.id, role: key.role, actor: request.actor!.name }, 'API key created');
      return reply.code(201).send(key);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/keys/:id',
    { config: { roles: ROLES.admin }, schema: { tags: ['keys'], summary: 'Revoke a key', params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } }, response: { 404: errorSchema } } },
    async (request, reply) => {
      if (!(await revokeKey(app.db, request.params.id, app.clock()))) return reply.code(404).send({ error: 'not_found', message: `no active key ${request.params.id}` });
      app.keys.forget();
      request.log.info({ keyId: request.params.id, actor: request.actor!.name }, 'API key revoked');
      return reply.code(204).send();
    },
  );
}

// API keys, admin only. A new key is shown once in the answer; the store keeps its hash.
import type { FastifyInstance } from 'fastify';
import { createKey, listKeys, revokeKey } from '../auth/keys.ts';
import type { Role } from '../case/actor.ts';
import { errorSchema, ROLES } from './schemas.ts';

export async function keysRoutes(app: FastifyInstance): Promise<void> {
  app.get('/v1/keys', { config: { roles: ROLES.admin }, schema: { tags: ['keys'], summary: 'API keys (without secrets)' } }, async () => ({ items: await listKeys(app.db) }));

  app.post<{ Body: { role: Role; name: string } }>(
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
          properties: { role: { type: 'string', enum: ['ingest', 'operator', 'reviewer', 'admin'] }, name: { type: 'string', minLength: 1, maxLength: 100 } },
        },
      },
    },
    async (request, reply) => {
      const key = await createKey(app.db, request.body.role, request.body.name);
      request.log.info({ keyId: key.id, role: key.role, actor: request.actor!.name }, 'API key created');
      return reply.code(201).send(key);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/keys/:id',
    { config: { roles: ROLES.admin }, schema: { tags: ['keys'], summary: 'Revoke a key', params: { type: 'object', properties: { id: { type: 'string' } } }, response: { 404: errorSchema } } },
    async (request, reply) => {
      if (!(await revokeKey(app.db, request.params.id, app.clock()))) return reply.code(404).send({ error: 'not_found', message: `no active key ${request.params.id}` });
      app.keys.forget();
      request.log.info({ keyId: request.params.id, actor: request.actor!.name }, 'API key revoked');
      return reply.code(204).send();
    },
  );
}

// Zones of one camera: listed, added or replaced one at a time, removed. The whole camera config is
// checked again after each change, since a zone is only valid as part of its camera.
import type { FastifyInstance } from 'fastify';
import type { CameraConfig, Zone } from '../../contracts/camera.ts';
import { getCamera, updateCamera } from '../camera/store.ts';
import { zoneSchema, CameraConfigInvalid, checkCameraConfig } from '../camera/validate.ts';
import { errorSchema, ROLES } from './schemas.ts';

const params = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' }, zoneId: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' } },
} as const;

export async function zonesRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { id: string } }>(
    '/v1/cameras/:id/zones',
    { config: { roles: ROLES.readCameras }, schema: { tags: ['zones'], summary: "A camera's zones", params, response: { 404: errorSchema } } },
    async (request, reply) => {
      const camera = await getCamera(app.db, request.params.id);
      if (!camera) return reply.code(404).send({ error: 'not_found', message: `camera ${request.params.id} does not exist` });
      return { items: camera.zones };
    },
  );

  app.put<{ Params: { id: string; zoneId: string }; Body: Zone }>(
    '/v1/cameras/:id/zones/:zoneId',
    {
      config: { roles: ROLES.configure },
      schema: { tags: ['zones'], summary: 'Add or replace a zone', params, body: zoneSchema, response: { 400: errorSchema, 404: errorSchema } },
    },
    async (request, reply) => {
      const { id, zoneId } = request.params;
      if (request.body.id !== zoneId) return reply.code(400).send({ error: 'bad_request', message: `body.id ${request.body.id} differs from the zone id in the path`, field: 'id' });
      let created = false;
      try {
        const camera = await updateCamera(
          app.db,
          id,
          (c): CameraConfig => {
            created = !c.zones.some((z) => z.id === zoneId);
            const zones = created ? [...c.zones, request.body] : c.zones.map((z) => (z.id === zoneId ? request.body : z));
            return checkCameraConfig({ ...c, zones }, `PUT /v1/cameras/${id}/zones/${zoneId}`);
          },
          app.clock(),
        );
        if (!camera) return reply.code(404).send({ error: 'not_found', message: `camera ${id} does not exist` });
      } catch (err) {
        if (err instanceof CameraConfigInvalid) return reply.code(400).send({ error: 'bad_request', message: err.message });
        throw err;
      }
      request.log.info({ camera: id, zone: zoneId, created, actor: request.actor!.name }, 'zone saved');
      return reply.code(created ? 201 : 200).send(request.body);
    },
  );

  app.delete<{ Params: { id: string; zoneId: string } }>(
    '/v1/cameras/:id/zones/:zoneId',
    { config: { roles: ROLES.configure }, schema: { tags: ['zones'], summary: 'Remove a zone', params, response: { 404: errorSchema } } },
    async (request, reply) => {
      const { id, zoneId } = request.params;
      let found = false;
      const camera = await updateCamera(
        app.db,
        id,
        (c) => {
          found = c.zones.some((z) => z.id === zoneId);
          return { ...c, zones: c.zones.filter((z) => z.id !== zoneId) };
        },
        app.clock(),
      );
      if (!camera || !found) return reply.code(404).send({ error: 'not_found', message: `camera ${id} has no zone ${zoneId}` });
      request.log.info({ camera: id, zone: zoneId, actor: request.actor!.name }, 'zone removed');
      return reply.code(204).send();
    },
  );
}

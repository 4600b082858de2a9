// Cameras CRUD. Operators write; the pipeline (ingest key) reads full configs including stream
// URLs; reviewers see URLs with credentials masked. URLs are never logged.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { CameraConfig } from '../../contracts/camera.ts';
import { redactUrl } from '../../infra/redact.ts';
import { deleteCamera, getCamera, listCameras, putCamera } from '../camera/store.ts';
import { cameraSchema, CameraConfigInvalid, checkCameraConfig } from '../camera/validate.ts';
import type { Actor } from '../case/actor.ts';
import { errorSchema, ROLES } from './schemas.ts';

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' } } } as const;

/** Who sees stream URLs as they are: the workers that open them and the people who configure them. */
export function forActor(camera: CameraConfig, actor: Actor): CameraConfig {
  return actor.role === 'reviewer' ? { ...camera, url: redactUrl(camera.url) } : camera;
}

export function semanticCheck(raw: CameraConfig, source: string, reply: FastifyReply): CameraConfig | undefined {
  try {
    return checkCameraConfig(raw, source);
  } catch (err) {
    if (err instanceof CameraConfigInvalid) {
      void reply.code(400).send({ error: 'bad_request', message: err.message });
      return undefined;
    }
    throw err;
  }
}

export async function camerasRoutes(app: FastifyInstance): Promise<void> {
  app.get('/v1/cameras', { config: { roles: ROLES.readCameras }, schema: { tags: ['cameras'], summary: 'All cameras with their zones' } }, async (request) => ({
    items: (await listCameras(app.db)).map((c) => forActor(c, request.actor!)),
  }));

  app.get<{ Params: { id: string } }>(
    '/v1/cameras/:id',
    { config: { roles: ROLES.readCameras }, schema: { tags: ['cameras'], summary: 'One camera', params: idParams, response: { 404: errorSchema } } },
    async (request, reply) => {
      const camera = await getCamera(app.db, request.params.id);
      if (!camera) return reply.code(404).send({ error: 'not_found', message: `camera ${request.params.id} does not exist` });
      return forActor(camera, request.actor!);
    },
  );

  app.post<{ Body: CameraConfig }>(
    '/v1/cameras',
    { config: { roles: ROLES.configure }, schema: { tags: ['cameras'], summary: 'Add a camera', body: cameraSchema, response: { 400: errorSchema, 409: errorSchema } } },
    async (request, reply) => {
      if (await getCamera(app.db, request.body.id)) {
        return reply.code(409).send({ error: 'exists', message: `camera ${request.body.id} exists; PUT /v1/cameras/${request.body.id} replaces it`, field: 'id' });
      }
      const camera = semanticCheck(request.body, `POST /v1/cameras`, reply);
      if (!camera) return reply;
      await putCamera(app.db, camera, app.clock());
      request.log.info({ camera: camera.id, actor: request.actor!.name }, 'camera added');
      return reply.code(201).send(camera);
    },
  );

  app.put<{ Params: { id: string }; Body: CameraConfig }>(
    '/v1/cameras/:id',
    {
      config: { roles: ROLES.configure },
      schema: { tags: ['cameras'], summary: 'Create or replace a camera', params: idParams, body: cameraSchema, response: { 400: errorSchema } },
    },
    async (request, reply) => {
      if (request.body.id !== request.params.id) {
        return reply.code(400).send({ error: 'bad_request', message: `body.id ${request.body.id} differs from the camera id in the path`, field: 'id' });
      }
      const camera = semanticCheck(request.body, `PUT /v1/cameras/${request.params.id}`, reply);
      if (!camera) return reply;
      const created = await putCamera(app.db, camera, app.clock());
      request.log.info({ camera: camera.id, created, actor: request.actor!.name }, 'camera saved');
      return reply.code(created ? 201 : 200).send(camera);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/cameras/:id',
    { config: { roles: ROLES.configure }, schema: { tags: ['cameras'], summary: 'Remove a camera', params: idParams, response: { 404: errorSchema } } },
    async (request, reply) => {
      if (!(await deleteCamera(app.db, request.params.id))) return reply.code(404).send({ error: 'not_found', message: `camera ${request.params.id} does not exist` });
      request.log.info({ camera: request.params.id, actor: request.actor!.name }, 'camera removed');
      return reply.code(204).send();
    },
  );
}

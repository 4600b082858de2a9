// Cameras CRUD. Operators write; every answer masks the password (rtsp://admin:***@…; reviewers
// see no user name either), and the pipeline (ingest key) also gets the URL with its password
// sealed (api/camera/secrets.ts). Passwords are sealed before they are stored. URLs are never logged.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { CameraConfig } from '../../contracts/camera.ts';
import { loadCameraSecretKey } from '../../infra/camera-secret-key.ts';
import { cameraForRole, sealStoredPasswords, urlToStore } from '../camera/secrets.ts';
import { deleteCamera, getCamera, listCameras, putCamera } from '../camera/store.ts';
import { cameraSchema, CameraConfigInvalid, checkCameraConfig } from '../camera/validate.ts';
import { errorSchema, ROLES } from './schemas.ts';

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' } } } as const;

/** The camera as it is stored (password sealed), or undefined once a 400 naming the problem is sent. */
/** The camera fields that hold a URL a password may be part of. */
type CameraUrlField = 'url' | 'analysis.snapshotUrl';

export function semanticCheck(raw: CameraConfig, source: string, reply: FastifyReply, toStore?: (url: string, field: CameraUrlField) => string): CameraConfig | undefined {
  try {
    const camera = checkCameraConfig(raw, source);
    if (!toStore) return camera;
    const snapshotUrl = camera.analysis?.snapshotUrl;
    return {
      ...camera,
      url: toStore(camera.url, 'url'),
      ...(snapshotUrl !== undefined ? { analysis: { ...camera.analysis, snapshotUrl: toStore(snapshotUrl, 'analysis.snapshotUrl') } } : {}),
    };
  } catch (err) {
    if (err instanceof CameraConfigInvalid) {
      void reply.code(400).send({ error: 'bad_request', message: err.message });
      return undefined;
    }
    throw err;
  }
}

export async function camerasRoutes(app: FastifyInstance): Promise<void> {
  const key = app.apiConfig.cameraSecrets ? await loadCameraSecretKey(app.apiConfig.cameraSecrets, { create: true }) : undefined;
  await sealStoredPasswords(app.db, key, app.log, app.clock());
  const toStore = (id: string, stored: CameraConfig | null) => (url: string, field: CameraUrlField) =>
    urlToStore(url, id, field === 'url' ? stored?.url : stored?.analysis?.snapshotUrl, key, field);

  app.get('/v1/cameras', { config: { roles: ROLES.readCameras }, schema: { tags: ['cameras'], summary: 'All cameras with their zones' } }, async (request) => ({
    items: (await listCameras(app.db)).map((c) => cameraForRole(c, request.actor!.role)),
  }));

  app.get<{ Params: { id: string } }>(
    '/v1/cameras/:id',
    { config: { roles: ROLES.readCameras }, schema: { tags: ['cameras'], summary: 'One camera', params: idParams, response: { 404: errorSchema } } },
    async (request, reply) => {
      const camera = await getCamera(app.db, request.params.id);
      if (!camera) return reply.code(404).send({ error: 'not_found', message: `camera ${request.params.id} does not exist` });
      return cameraForRole(camera, request.actor!.role);
    },
  );

  app.post<{ Body: CameraConfig }>(
    '/v1/cameras',
    { config: { roles: ROLES.configure }, schema: { tags: ['cameras'], summary: 'Add a camera', body: cameraSchema, response: { 400: errorSchema, 409: errorSchema } } },
    async (request, reply) => {
      if (await getCamera(app.db, request.body.id)) {
        return reply.code(409).send({ error: 'exists', message: `camera ${request.body.id} exists; PUT /v1/cameras/${request.body.id} replaces it`, field: 'id' });
      }
      const camera = semanticCheck(request.body, `POST /v1/cameras`, reply, toStore(request.body.id, null));
      if (!camera) return reply;
      await putCamera(app.db, camera, app.clock());
      request.log.info({ camera: camera.id, actor: request.actor!.name }, 'camera added');
      return reply.code(201).send(cameraForRole(camera, request.actor!.role));
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
      const stored = await getCamera(app.db, request.params.id);
      const camera = semanticCheck(request.body, `PUT /v1/cameras/${request.params.id}`, reply, toStore(request.params.id, stored));
      if (!camera) return reply;
      const created = await putCamera(app.db, camera, app.clock());
      request.log.info({ camera: camera.id, created, actor: request.actor!.name }, 'camera saved');
      return reply.code(created ? 201 : 200).send(cameraForRole(camera, request.actor!.role));
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

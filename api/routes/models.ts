// Model versions, admin only (models/versions/): list them, read one with its promotions, compare
// two on the same held-out reviews, promote one, roll a target back. Each promotion and rollback is
// recorded with who did it and why (model_promotions) and rewrites the manifest workers read.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ManifestError } from '../../models/manifest.ts';
import { compareVersions } from '../../models/versions/compare-versions.ts';
import { TrainingInputError } from '../../models/train/train-classifier.ts';
import { DETECTOR_PROMOTION_RULE } from '../../models/versions/detector-promotion-rule.ts';
import { CAMERA_PROMOTION_RULE, PROMOTION_RULE } from '../../models/versions/promotion-rule.ts';
import { DetectorRegistrationError, registerDetector } from '../../models/versions/register-detector.ts';
import { promoteVersion, rollBack, syncLiveManifest } from '../../models/versions/promotion.ts';
import { getVersion, listVersions, liveVersions, promotionsOf, VersionConflictError, VersionNotFoundError } from '../../models/versions/version-store.ts';
import { emptyBodyIsObject, errorSchema, ROLES } from './schemas.ts';

const NAME = { type: 'string', minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-zA-Z0-9._-]*$' } as const;
/** A target: an attribute, or a camera's verdict target `verdict_<type>@<camera id>` (models/manifest.ts isAttributeName). */
const TARGET = { type: 'string', minLength: 1, maxLength: 200, pattern: '^[a-z0-9][a-zA-Z0-9._-]*(@[A-Za-z0-9][A-Za-z0-9_.:-]*)?$' } as const;
const reasonBody = {
  type: 'object',
  additionalProperties: false,
  properties: { reason: { type: 'string', minLength: 1, maxLength: 500, description: 'why, for the audit' } },
} as const;
const promoteBody = {
  ...reasonBody,
  properties: { ...reasonBody.properties, override: { type: 'boolean', description: 'promote a detector version the promotion rule refused (needs a reason)' } },
} as const;
const registerBody = {
  type: 'object',
  additionalProperties: false,
  required: ['manifest', 'id'],
  properties: {
    manifest: { type: 'string', minLength: 1, maxLength: 1000, description: "the trainer's OUT/manifest.json on this machine" },
    id: NAME,
    dataset: { type: 'string', minLength: 1, maxLength: 1000, description: 'the training dataset, when it moved since training' },
  },
} as const;
const refusals = { 400: errorSchema, 404: errorSchema, 409: errorSchema } as const;

export async function modelsRoutes(app: FastifyInstance): Promise<void> {
  const config = { roles: ROLES.admin };
  const place = () => {
    const modelsDir = app.apiConfig.modelsDir;
    if (!modelsDir) throw new VersionConflictError('this API has no models folder (DATA_DIR/models): versions can be listed but not promoted');
    return { db: app.db, modelsDir };
  };
  // The live manifest is rebuilt at start, so a change to the product manifest (a new detector)
  // reaches the workers with the promoted versions kept, and workers started after the API can
  // always watch it (models/versions/live-manifest.ts).
  app.addHook('onReady', async () => {
    const modelsDir = app.apiConfig.modelsDir;
    if (!modelsDir) return;
    try {
      await syncLiveManifest(app.db, { modelsDir });
    } catch (error) {
      // The API serves cases without it; workers keep the manifest they run until it can be written.
      app.log.error({ err: (error as Error).message, modelsDir }, 'cannot write the workers\' model manifest');
    }
  });

  app.get<{ Querystring: { target?: string } }>(
    '/v1/models/versions',
    { config, schema: { tags: ['models'], summary: 'Model versions, newest first per target, with the live one of each', querystring: { type: 'object', additionalProperties: false, properties: { target: TARGET } } } },
    async (request) => {
      const live = Object.fromEntries(await liveVersions(app.db));
      return { items: await listVersions(app.db, request.query.target ? { target: request.query.target } : {}), live, rule: PROMOTION_RULE, detectorRule: DETECTOR_PROMOTION_RULE, cameraRule: CAMERA_PROMOTION_RULE };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/models/versions/:id',
    { config, schema: { tags: ['models'], summary: 'One version, with the promotions of its target', params: { type: 'object', required: ['id'], properties: { id: NAME } }, response: refusals } },
    async (request, reply) =>
      answer(reply, async () => {
        const version = await getVersion(app.db, request.params.id);
        return { ...version, promotions: await promotionsOf(app.db, version.target), rule: PROMOTION_RULE };
      }),
  );

  app.get<{ Querystring: { a: string; b: string } }>(
    '/v1/models/compare',
    {
      config,
      schema: {
        tags: ['models'],
        summary: 'Two versions of one target measured now on the same held-out reviews (those of the newer one)',
        querystring: { type: 'object', required: ['a', 'b'], additionalProperties: false, properties: { a: NAME, b: NAME } },
        response: refusals,
      },
    },
    async (request, reply) => answer(reply, () => compareVersions(app.db, place().modelsDir, request.query.a, request.query.b)),
  );

  app.post<{ Body: { manifest: string; id: string; dataset?: string } }>(
    '/v1/models/detector-versions',
    {
      config,
      schema: {
        tags: ['models'],
        summary: 'Register a fine-tuned detector (npm run train -- detector output) as an aerial-detector version, measured against the live one on its held-out images',
        body: registerBody,
        response: refusals,
      },
    },
    async (request, reply) =>
      answer(reply, async () => {
        const actor = request.actor!;
        const version = await registerDetector(place(), {
          manifest: request.body.manifest, id: request.body.id, ...(request.body.dataset ? { dataset: request.body.dataset } : {}),
          actor: actor.name, at: app.clock(), log: (obj, msg) => request.log.info(obj, msg),
        });
        return reply.code(201).send(version);
      }),
  );

  app.post<{ Params: { id: string }; Body: { reason?: string; override?: boolean } }>(
    '/v1/models/versions/:id/promote',
    {
      config,
      preValidation: emptyBodyIsObject,
      schema: { tags: ['models'], summary: 'Make this version the one the workers run', params: { type: 'object', required: ['id'], properties: { id: NAME } }, body: promoteBody, response: refusals },
    },
    async (request, reply) =>
      answer(reply, async () => {
        const actor = request.actor!;
        const promotion = await promoteVersion(place(), request.params.id, { name: actor.name, role: actor.role }, app.clock(), request.body.reason ?? null, { overrideRule: request.body.override === true });
        request.log.info({ version: promotion.versionId, previous: promotion.previousId, target: promotion.target, actor: actor.name }, 'model version promoted');
        return promotion;
      }),
  );

  app.post<{ Params: { target: string }; Body: { reason?: string } }>(
    '/v1/models/targets/:target/rollback',
    {
      config,
      preValidation: emptyBodyIsObject,
      schema: { tags: ['models'], summary: 'Restore the version that was live before the current one', params: { type: 'object', required: ['target'], properties: { target: TARGET } }, body: reasonBody, response: refusals },
    },
    async (request, reply) =>
      answer(reply, async () => {
        const { target } = request.params;
        if ((await listVersions(app.db, { target })).length === 0) throw new VersionNotFoundError(`no model versions of "${target}"`);
        const actor = request.actor!;
        const promotion = await rollBack(place(), target, { name: actor.name, role: actor.role }, app.clock(), request.body.reason ?? null);
        request.log.info({ target, restored: promotion.versionId, actor: actor.name }, 'model target rolled back');
        return promotion;
      }),
  );
}

/** The store's refusals as HTTP answers: an unknown version 404, a move that cannot be made 409. */
async function answer<T>(reply: FastifyReply, fn: () => Promise<T>): Promise<T | FastifyReply> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof VersionNotFoundError) return reply.code(404).send({ error: 'not_found', message: error.message });
    if (error instanceof VersionConflictError) return reply.code(409).send({ error: 'conflict', message: error.message });
    // A trainer output that cannot be registered (missing, altered, of an unknown family): nothing stored.
    if (error instanceof DetectorRegistrationError || error instanceof TrainingInputError) return reply.code(400).send({ error: 'bad_request', message: error.message });
    // The version's files do not make a manifest (moved, deleted): nothing was promoted.
    if (error instanceof ManifestError) return reply.code(409).send({ error: 'conflict', message: `the workers' manifest cannot be written, nothing changed: ${error.message}` });
    throw error;
  }
}

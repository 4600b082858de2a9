// Drone surveys: operators create a survey and upload its photos (multipart, streamed into the
// object store under their sha256); the survey worker takes one job per distinct image from the
// survey-images queue and reports each result back here, since the API is the single writer.
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { surveyImageResultSchema, surveyInputSchema, surveyZonesSchema, type SurveyImageResult, type SurveyInput, type SurveyZones } from '../../contracts/survey.ts';
import { createSurveyQueue, type SurveyImageJob, type SurveyQueue } from '../../infra/survey-queue.ts';
import { shown, unstorableText } from '../input-guard.ts';
import { checkSurveyImage, UploadRefused } from '../survey/image-upload.ts';
import { fileParts, MalformedUpload } from '../survey/upload-parts.ts';
import { checkSurveyInput, checkSurveyZones, SurveyInputInvalid } from '../survey/validate.ts';
import { surveyReport } from '../survey/report.ts';
import { addImage, createSurvey, getImage, getSurvey, listImages, listSurveys, queuedImages, requeueFailed, saveResult, setSurveyZones } from '../survey/store.ts';
import { withCounts } from '../survey/counts.ts';
import { verifyDroneCases } from '../survey/verify-drone-cases.ts';
import { errorSchema } from './schemas.ts';

/** Drone photos are 5-30 MB; multispectral TIFFs more. Above this a file is refused (per file). */
export const DEFAULT_MAX_FILE_BYTES = 200 * 1024 * 1024;

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9]{1,15}$' } } } as const;
const imageParams = {
  type: 'object',
  required: ['id', 'sha256'],
  properties: { id: { type: 'string', pattern: '^[0-9]{1,15}$' }, sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
} as const;

const READ = ['operator', 'reviewer', 'ingest'] as const;

export async function surveysRoutes(app: FastifyInstance): Promise<void> {
  const settings = app.apiConfig.surveys ?? {};
  const maxFileBytes = settings.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const queue: SurveyQueue | undefined = settings.redisUrl ? createSurveyQueue({ redisUrl: settings.redisUrl, prefix: settings.prefix, attempts: settings.attempts }) : undefined;

  const enqueue = async (job: SurveyImageJob, again = false): Promise<boolean> => {
    if (!queue) return false;
    try {
      if (again) await queue.requeue(job);
      else await queue.enqueue(job);
      return true;
    } catch (err) {
      app.log.warn({ survey: job.surveyId, sha256: job.sha256, err: (err as Error).message }, 'survey image not queued yet; the sweep will retry');
      return false;
    }
  };
  // Images whose job was lost (Redis down at upload, Redis data lost) or whose retry did not reach
  // Redis go on the queue again; a job already waiting or running is left alone. An image finishing
  // while the sweep looks at it may be analysed once more: harmless, every step is idempotent.
  const sweep = async () => {
    for (const job of await queuedImages(app.db)) if (!(await enqueue(job, true))) break;
  };
  let timer: NodeJS.Timeout | undefined;
  if (queue) {
    app.addHook('onReady', async () => {
      await sweep().catch((err) => app.log.warn({ err: (err as Error).message }, 'survey queue sweep failed'));
      timer = setInterval(() => void sweep().catch(() => {}), settings.sweepMs ?? 60_000);
      timer.unref();
    });
  }
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    await queue?.close();
  });

  await app.register(multipart, {
    limits: { fileSize: maxFileBytes, files: 1000, fields: 20, fieldSize: 1024 },
    throwFileSizeLimit: false,
  });

  app.post<{ Body: SurveyInput }>(
    '/v1/surveys',
    {
      config: { roles: ['operator'] },
      schema: { tags: ['surveys'], summary: 'Create a drone survey (zone layers optional, replaceable later)', body: surveyInputSchema, response: { 400: errorSchema } },
    },
    async (request, reply) => {
      let input: SurveyInput;
      try {
        input = checkSurveyInput(request.body);
      } catch (err) {
        return refuseInvalid(reply, err);
      }
      const survey = await createSurvey(app.db, input, request.actor!.name, app.clock());
      request.log.info({ survey: survey.id, name: survey.name, actor: request.actor!.name }, 'survey created');
      return reply.code(201).send(survey);
    },
  );

  app.get('/v1/surveys', { config: { roles: [...READ] }, schema: { tags: ['surveys'], summary: 'Recent surveys, with their image and case counts' } }, async () => ({ items: await withCounts(app.db, await listSurveys(app.db)) }));

  app.get<{ Params: { id: string }; Querystring: { images?: boolean } }>(
    '/v1/surveys/:id',
    {
      config: { roles: [...READ] },
      schema: {
        tags: ['surveys'],
        summary: 'Survey report: progress, failures, cases found, per-image telemetry and located detections, the detector that ran and what was not analysed',
        params: idParams,
        querystring: { type: 'object', properties: { images: { type: 'boolean', default: true, description: 'include the per-image list' } } },
        response: { 404: errorSchema },
      },
    },
    async (request, reply) => {
      const survey = await getSurvey(app.db, request.params.id);
      if (!survey) return reply.code(404).send({ error: 'not_found', message: `survey ${request.params.id} does not exist` });
      return surveyReport(app.db, survey, request.query.images !== false, queue ? (id) => queue.analysing(id) : undefined);
    },
  );

  app.put<{ Params: { id: string }; Body: SurveyZones }>(
    '/v1/surveys/:id/zones',
    {
      config: { roles: ['operator'] },
      schema: { tags: ['surveys'], summary: "Replace the survey's zone layers (no-parking, sidewalks, permitted buildings); applies to images analysed from now on", params: idParams, body: surveyZonesSchema, response: { 404: errorSchema } },
    },
    async (request, reply) => {
      try {
        checkSurveyZones(request.body, '');
      } catch (err) {
        return refuseInvalid(reply, err);
      }
      if (!(await setSurveyZones(app.db, request.params.id, request.body, app.clock()))) {
        return reply.code(404).send({ error: 'not_found', message: `survey ${request.params.id} does not exist` });
      }
      request.log.info({ survey: request.params.id, layers: Object.keys(request.body), actor: request.actor!.name }, 'survey zones replaced');
      return request.body;
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/surveys/:id/images',
    { config: { roles: [...READ] }, schema: { tags: ['surveys'], summary: 'The images a survey has (sha256, name, status): what an interrupted upload can skip', params: idParams, response: { 404: errorSchema } } },
    async (request, reply) => {
      if (!(await getSurvey(app.db, request.params.id))) return reply.code(404).send({ error: 'not_found', message: `survey ${request.params.id} does not exist` });
      return { items: (await listImages(app.db, request.params.id)).map((i) => ({ sha256: i.sha256, fileName: i.fileName, status: i.status, bytes: i.bytes })) };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/surveys/:id/images',
    {
      config: { roles: ['operator'] },
      schema: {
        tags: ['surveys'],
        summary: 'Upload images (multipart/form-data, any number of file parts). JPEG, PNG or TIFF by content; the same bytes twice are stored and analysed once',
        consumes: ['multipart/form-data'],
        params: idParams,
        response: { 404: errorSchema, 406: errorSchema },
      },
    },
    async (request, reply) => {
      const surveyId = request.params.id;
      const survey = await getSurvey(app.db, surveyId);
      if (!survey) return reply.code(404).send({ error: 'not_found', message: `survey ${surveyId} does not exist` });
      if (!request.isMultipart()) return reply.code(406).send({ error: 'not_multipart', message: 'send the images as multipart/form-data file parts' });
      const log = request.log.child({ survey: surveyId });
      const accepted: Array<{ fileName: string; sha256: string; status: 'queued' | 'duplicate'; width: number; height: number; warnings: string[] }> = [];
      const refused: Array<{ fileName: string; status: number; problem: string }> = [];
      let broken: MalformedUpload | undefined;
      try {
        for await (const { part, bytes } of fileParts(request)) {
          const named = part.filename || part.fieldname || 'unnamed';
          // A name the store cannot hold is refused as the file's problem, and shown escaped.
          const nameProblem = unstorableText(named);
          const fileName = nameProblem ? shown(named) : named;
          try {
            if (nameProblem) throw new UploadRefused(400, `the file name ${nameProblem}`);
            if (part.file.truncated) throw new UploadRefused(413, `larger than the ${formatBytes(maxFileBytes)} limit per file`);
            const image = await checkSurveyImage(bytes, settings.maxPixels);
            const stored = await app.objects.put(bytes, image.contentType);
            const fresh = await addImage(app.db, surveyId, { sha256: stored.sha256, key: stored.key, fileName, contentType: image.contentType, bytes: bytes.length, width: image.width, height: image.height, warnings: image.warnings }, request.actor!.name, app.clock());
            if (fresh) await enqueue({ surveyId, sha256: stored.sha256, key: stored.key, fileName });
            accepted.push({ fileName, sha256: stored.sha256, status: fresh ? 'queued' : 'duplicate', width: image.width, height: image.height, warnings: image.warnings });
            log.info({ file: fileName, sha256: stored.sha256, bytes: bytes.length, duplicate: !fresh }, fresh ? 'survey image stored' : 'survey image already uploaded');
          } catch (err) {
            if (!(err instanceof UploadRefused)) throw err;
            refused.push({ fileName, status: err.status, problem: err.problem });
            log.warn({ file: fileName, problem: err.problem }, 'survey image refused');
          }
        }
      } catch (err) {
        if (!(err instanceof MalformedUpload)) throw err;
        broken = err;
      }
      if (broken) {
        log.warn({ problem: broken.problem, stored: accepted.length }, 'survey upload malformed');
        const kept = accepted.length > 0 ? `; the ${accepted.length} file(s) before the break were stored` : '';
        return reply.code(broken.status).send({ error: 'bad_multipart', message: `${broken.problem}${kept}`, refused, images: accepted });
      }
      if (accepted.length === 0 && refused.length === 0) return reply.code(400).send({ error: 'bad_request', message: 'no file parts in the upload' });
      if (refused.length > 0) {
        const first = refused[0]!;
        return reply.code(first.status).send({
          error: 'bad_image',
          message: refused.map((r) => `${r.fileName}: ${r.problem}`).join('; '),
          refused,
          images: accepted,
        });
      }
      return reply.code(accepted.some((a) => a.status === 'queued') ? 201 : 200).send({ images: accepted, refused });
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/surveys/:id/retry-failed',
    {
      config: { roles: ['operator'] },
      schema: {
        tags: ['surveys'],
        summary: 'Analyse the failed images of a survey again (after an outage, or once the cause is fixed); attempts count from zero',
        params: idParams,
        response: { 404: errorSchema },
      },
    },
    async (request, reply) => {
      const surveyId = request.params.id;
      if (!(await getSurvey(app.db, surveyId))) return reply.code(404).send({ error: 'not_found', message: `survey ${surveyId} does not exist` });
      const images = await requeueFailed(app.db, surveyId);
      let queued = 0;
      for (const job of images) if (await enqueue(job, true)) queued++;
      request.log.info({ survey: surveyId, images: images.length, queued, actor: request.actor!.name }, 'failed survey images retried');
      return {
        requeued: images.map((i) => ({ sha256: i.sha256, fileName: i.fileName })),
        // Not on the queue yet (no Redis configured, or Redis away): the sweep puts them there.
        awaitingQueue: images.length - queued,
      };
    },
  );

  app.put<{ Params: { id: string; sha256: string }; Body: SurveyImageResult }>(
    '/v1/surveys/:id/images/:sha256/result',
    {
      config: { roles: ['ingest'] },
      schema: { tags: ['surveys'], summary: "The survey worker's result for one image (repeatable: the last report stands)", params: imageParams, body: surveyImageResultSchema, response: { 404: errorSchema } },
      bodyLimit: 16 * 1024 * 1024,
    },
    async (request, reply) => {
      const { id, sha256 } = request.params;
      if (!(await getImage(app.db, id, sha256))) return reply.code(404).send({ error: 'not_found', message: `survey ${id} has no image ${sha256}` });
      await saveResult(app.db, id, sha256, request.body, app.clock());
      request.log.info({ survey: id, sha256, status: request.body.status, attempt: request.body.attempt, violations: request.body.violations?.length ?? 0 }, 'survey image result');
      await verifyDroneCases(app, request, id, sha256, request.body);
      return { status: request.body.status };
    },
  );
}

function refuseInvalid(reply: FastifyReply, err: unknown): FastifyReply {
  if (!(err instanceof SurveyInputInvalid)) throw err;
  return reply.code(400).send({ error: 'bad_request', message: err.message, field: err.field, in: 'body' });
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(0)} MB` : `${n} bytes`;
}

// Reviewing drone survey images, one at a time: the image (bytes checked against its sha256 before
// they are served, as evidence is), what the detector found on it, and the reviewers' box
// corrections, including on images that raised no case. `npm run dataset:export` reads the
// reviewed images through GET /v1/export/reviewed-survey-images.
import type { FastifyInstance } from 'fastify';
import { allowedMediaType, describeContent, SURVEY_MEDIA_TYPES } from '../evidence/media-type.ts';
import { readVerified, sendImmutable } from '../evidence/verified-object.ts';
import { CorrectionRefused, type CorrectionInput } from '../case/corrections.ts';
import { addSurveyImageCorrection, latestSurveyImageCorrections, listReviewedSurveyImages, surveyImageBoxes, surveyImageCorrections } from '../survey/image-corrections.ts';
import { getImage, getSurvey, listImages } from '../survey/store.ts';
import { correctionSchema, labelledBoxSchema } from './corrections.ts';
import { errorSchema, reviewedWindowQuery, ROLES, type ReviewedWindowQuery } from './schemas.ts';

const imageParams = {
  type: 'object',
  required: ['id', 'sha256'],
  properties: { id: { type: 'string', pattern: '^[0-9]{1,15}$' }, sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
} as const;
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9]{1,15}$' } } } as const;

const READ = ['operator', 'reviewer'] as const;

export async function surveyImagesRoutes(app: FastifyInstance): Promise<void> {
  const notFound = (id: string, sha256?: string) =>
    sha256 ? { error: 'not_found', message: `survey ${id} has no image ${sha256}` } : { error: 'not_found', message: `survey ${id} does not exist` };
  const fileUrl = (id: string, sha256: string) => `/v1/surveys/${id}/images/${sha256}/file?${app.signer.sign(sha256, app.clock())}`;

  app.get<{ Params: { id: string } }>(
    '/v1/surveys/:id/review',
    {
      config: { roles: [...READ] },
      schema: { tags: ['review'], summary: "A survey's images for review: status, what the detector kept, cases raised, and whether a reviewer corrected the boxes", params: idParams, response: { 404: errorSchema } },
    },
    async (request, reply) => {
      const survey = await getSurvey(app.db, request.params.id);
      if (!survey) return reply.code(404).send(notFound(request.params.id));
      const [images, latest] = await Promise.all([listImages(app.db, survey.id), latestSurveyImageCorrections(app.db, survey.id)]);
      return {
        survey: { id: survey.id, name: survey.name, flownAt: survey.flownAt, operator: survey.operator ?? null },
        items: images.map((i) => {
          const c = latest.get(i.sha256);
          return {
            sha256: i.sha256,
            fileName: i.fileName,
            status: i.status,
            width: i.width,
            height: i.height,
            kept: (i.result?.detections ?? []).filter((d) => d.kept).length,
            violations: i.result?.violations?.length ?? 0,
            boxes: surveyImageBoxes(i.result, c).boxes.length,
            correction: c ? { id: c.id, actor: c.actor, at: c.at } : null,
          };
        }),
      };
    },
  );

  app.get<{ Params: { id: string; sha256: string } }>(
    '/v1/surveys/:id/images/:sha256',
    {
      config: { roles: [...READ] },
      schema: {
        tags: ['review'],
        summary: 'One survey image for review: a signed link to it, every detection (kept or why dropped), its effective boxes (the latest correction, else the kept detections) and the correction history',
        params: imageParams,
        response: { 404: errorSchema },
      },
    },
    async (request, reply) => {
      const { id, sha256 } = request.params;
      const survey = await getSurvey(app.db, id);
      const image = survey && (await getImage(app.db, id, sha256));
      if (!survey || !image) return reply.code(404).send(notFound(id, survey ? sha256 : undefined));
      const history = await surveyImageCorrections(app.db, id, sha256);
      const r = image.result;
      return {
        survey: { id: survey.id, name: survey.name },
        sha256,
        fileName: image.fileName,
        contentType: image.contentType,
        width: image.width,
        height: image.height,
        status: image.status,
        error: image.error ?? null,
        telemetry: r?.telemetry ?? null,
        geolocated: r?.geolocated ?? null,
        notGeolocated: r?.notGeolocated ?? null,
        warnings: [...image.uploadWarnings, ...(r?.warnings ?? [])],
        detector: r?.detector?.statement ?? null,
        detections: r?.detections ?? [],
        violations: r?.violations ?? [],
        url: fileUrl(id, sha256),
        ...surveyImageBoxes(r, history.at(-1)),
        corrections: history,
      };
    },
  );

  app.get<{ Params: { id: string; sha256: string }; Querystring: { exp?: string; sig?: string } }>(
    '/v1/surveys/:id/images/:sha256/file',
    {
      config: { roles: [...READ, 'ingest'], signedUrl: true },
      schema: {
        tags: ['review'],
        summary: 'The uploaded image, checked against its sha256 before it is served (API key, or the signed link from the image detail)',
        params: imageParams,
        querystring: { type: 'object', properties: { exp: { type: 'string' }, sig: { type: 'string' } } },
        response: { 404: errorSchema, 415: errorSchema, 500: errorSchema },
      },
    },
    async (request, reply) => {
      const { id, sha256 } = request.params;
      const image = await getImage(app.db, id, sha256);
      if (!image) return reply.code(404).send(notFound(id, sha256));
      const read = await readVerified(app.objects, image.key, sha256);
      if (read.status === 'missing') {
        request.log.error({ survey: id, sha256 }, 'survey image missing from the object store');
        return reply.code(404).send({ error: 'image_missing', message: `image ${sha256} of survey ${id} is missing from the object store` });
      }
      if (read.status === 'hash_mismatch') {
        request.log.error({ survey: id, sha256, actual: read.actual }, 'survey image does not match its sha256');
        return reply.code(500).send({ error: 'image_hash_mismatch', message: `image ${sha256} of survey ${id} no longer matches its sha256; not served` });
      }
      const type = allowedMediaType(read.bytes, SURVEY_MEDIA_TYPES);
      if (!type) {
        const found = describeContent(read.bytes);
        request.log.error({ survey: id, sha256, declared: image.contentType, found }, 'survey image is not a raster type the product accepts; not served');
        return reply.code(415).send({ error: 'image_type_refused', message: `image ${sha256} of survey ${id} is ${found}, not JPEG, PNG, WebP or TIFF; not served` });
      }
      return sendImmutable(reply, read.bytes, type, sha256);
    },
  );

  app.post<{ Params: { id: string; sha256: string }; Body: Omit<CorrectionInput, 'sha256'> }>(
    '/v1/surveys/:id/images/:sha256/corrections',
    {
      config: { roles: ROLES.review },
      schema: {
        tags: ['review'],
        summary: 'Correct the boxes on a survey image: the complete set of boxes on it (detections kept, moved, relabelled or left out; drawn boxes added; none: nothing there). Append-only; the latest counts',
        description: 'Boxes are in the image’s pixels and must lie inside it. The image bytes are never changed.',
        params: imageParams,
        body: {
          type: 'object',
          required: ['boxes'],
          additionalProperties: false,
          properties: { boxes: { type: 'array', maxItems: 500, items: labelledBoxSchema }, note: { type: 'string', maxLength: 2000 } },
        },
        response: { 201: correctionSchema, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const { id, sha256 } = request.params;
      try {
        const saved = await addSurveyImageCorrection(app.db, id, { ...request.body, sha256 }, request.actor!, app.clock());
        request.log.info({ survey: id, sha256, boxes: saved.boxes.length, actor: saved.actor }, 'survey image boxes corrected');
        return reply.code(201).send(saved);
      } catch (err) {
        if (err instanceof CorrectionRefused) return reply.code(err.status).send({ error: err.status === 404 ? 'not_found' : 'bad_request', message: err.message, field: err.field });
        throw err;
      }
    },
  );

  app.get<{ Params: { id: string; sha256: string } }>(
    '/v1/surveys/:id/images/:sha256/corrections',
    { config: { roles: [...READ] }, schema: { tags: ['review'], summary: 'Every box correction of a survey image, oldest first (who, when, boxes)', params: imageParams, response: { 404: errorSchema } } },
    async (request, reply) => {
      const { id, sha256 } = request.params;
      if (!(await getImage(app.db, id, sha256))) return reply.code(404).send(notFound(id, sha256));
      return { items: await surveyImageCorrections(app.db, id, sha256) };
    },
  );

  app.get<{ Querystring: ReviewedWindowQuery }>(
    '/v1/export/reviewed-survey-images',
    {
      config: { roles: ROLES.review },
      schema: {
        tags: ['export'],
        summary: 'Survey images a reviewer corrected, with their latest boxes (every box on the image): what `npm run dataset:export` reads beside the reviewed cases',
        description: 'An image counts from its latest correction. Paged by (survey, sha256).',
        querystring: reviewedWindowQuery('^[0-9]{1,15}:[0-9a-f]{64}$'),
        response: { 400: errorSchema },
      },
    },
    async (request) => {
      const q = request.query;
      return listReviewedSurveyImages(app.db, { since: new Date(q.since), until: q.until ? new Date(q.until) : undefined, after: q.cursor, limit: q.limit ?? 100 });
    },
  );
}

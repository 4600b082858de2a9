// Box corrections from the reviewer page, the labels it offers, and the reviewed cases the dataset
// export (`npm run dataset:export`) reads. The API is the only writer of corrections, as of cases.
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { loadManifest } from '../../models/manifest.ts';
import { loadViolationLabels } from '../../models/violation-labels.ts';
import { addCorrection, correctionsOf, CorrectionRefused, LABEL_PATTERN, VIOLATION_LABELS, type CorrectionInput, type TypeLabels } from '../case/corrections.ts';
import { listReviewed } from '../case/reviewed.ts';
import { caseIdParams, errorSchema, reviewedWindowQuery, ROLES, type ReviewedWindowQuery } from './schemas.ts';

const sha256Schema = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;

export const labelledBoxSchema = {
  type: 'object',
  required: ['box', 'label', 'origin'],
  additionalProperties: false,
  properties: {
    box: { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4, description: '[x1, y1, x2, y2] in the image’s pixels' },
    label: { type: 'string', minLength: 1, maxLength: 48, pattern: LABEL_PATTERN },
    origin: { type: 'string', enum: ['model', 'drawn'] },
  },
} as const;

export const correctionSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    caseId: { type: ['integer', 'null'] },
    surveyId: { type: ['string', 'null'] },
    sha256: { type: 'string' },
    imageWidth: { type: 'integer' },
    imageHeight: { type: 'integer' },
    boxes: { type: 'array', items: { type: 'object', properties: { box: { type: 'array', items: { type: 'number' } }, label: { type: 'string' }, origin: { type: 'string' } } } },
    note: { type: ['string', 'null'] },
    at: { type: 'string' },
    actor: { type: 'string' },
    actorRole: { type: 'string' },
  },
} as const;

/** Label names per type from violation-labels.json; a file that does not load leaves them empty (logged). */
export async function typeLabelsOf(app: FastifyInstance): Promise<TypeLabels> {
  try {
    const mapping = await loadViolationLabels();
    return Object.fromEntries(Object.entries(mapping.types).map(([t, m]) => [t, m!.labels]));
  } catch (err) {
    app.log.warn({ err: (err as Error).message }, 'violation labels not loaded; box labels use the case label');
    return {};
  }
}

async function offeredLabels(typeLabels: TypeLabels): Promise<{ violation: string[]; model: string[] }> {
  const violation = [...new Set([...VIOLATION_LABELS, ...Object.values(typeLabels).flat()])];
  let model: string[] = [];
  try {
    const manifest = await loadManifest();
    model = [...new Set(manifest.models.filter((m) => m.kind === 'detector').flatMap((m) => m.labels))].filter((l) => !violation.includes(l));
  } catch {
    // No manifest (a bare API install): the violation labels are still offered, and any label may be typed.
  }
  return { violation, model };
}

export async function correctionsRoutes(app: FastifyInstance): Promise<void> {
  const typeLabels = await typeLabelsOf(app);
  let labels: Promise<{ violation: string[]; model: string[] }> | undefined;

  app.post<{ Params: { id: number }; Body: CorrectionInput }>(
    '/v1/cases/:id/corrections',
    {
      config: { roles: ROLES.review },
      schema: {
        tags: ['review'],
        summary: 'Correct the boxes on one evidence image of a case: the complete set of boxes (model boxes kept, moved, relabelled or left out; drawn boxes added). Append-only; the latest per image counts',
        description: 'Boxes are in the image’s pixels and must lie inside it. The evidence bytes and hashes are never changed.',
        params: caseIdParams,
        body: {
          type: 'object',
          required: ['sha256', 'boxes'],
          additionalProperties: false,
          properties: { sha256: sha256Schema, boxes: { type: 'array', maxItems: 200, items: labelledBoxSchema }, note: { type: 'string', maxLength: 2000 } },
        },
        response: { 201: correctionSchema, 400: errorSchema, 404: errorSchema, 422: errorSchema },
      },
    },
    async (request, reply) => {
      try {
        const saved = await addCorrection(app.db, request.params.id, request.body, request.actor!, app.clock(), async (key) => {
          const bytes = await app.objects.get(key);
          if (!bytes) return null;
          const meta = await sharp(bytes).metadata();
          return meta.width && meta.height ? { width: meta.width, height: meta.height } : null;
        });
        request.log.info({ caseId: saved.caseId, sha256: saved.sha256, boxes: saved.boxes.length, actor: saved.actor }, 'boxes corrected');
        return reply.code(201).send(saved);
      } catch (err) {
        if (err instanceof CorrectionRefused) return reply.code(err.status).send({ error: err.status === 404 ? 'not_found' : 'bad_request', message: err.message, field: err.field });
        throw err;
      }
    },
  );

  app.get<{ Params: { id: number } }>(
    '/v1/cases/:id/corrections',
    { config: { roles: ROLES.readCases }, schema: { tags: ['review'], summary: 'Every box correction of a case, oldest first (who, when, image, boxes)', params: caseIdParams, response: { 404: errorSchema } } },
    async (request, reply) => {
      const [c] = await app.db.query('SELECT id FROM cases WHERE id = $1', [request.params.id]);
      if (!c) return reply.code(404).send({ error: 'not_found', message: `case ${request.params.id} does not exist` });
      return { items: await correctionsOf(app.db, [request.params.id]) };
    },
  );

  app.get(
    '/v1/corrections/labels',
    { config: { roles: ROLES.readCases }, schema: { tags: ['review'], summary: 'Labels the reviewer page offers for boxes: violation-relevant ones, then the installed detectors’ (any other may be typed)' } },
    async () => {
      labels ??= offeredLabels(typeLabels);
      return { ...(await labels), typeLabels, pattern: LABEL_PATTERN };
    },
  );

  app.get<{ Querystring: ReviewedWindowQuery }>(
    '/v1/export/reviewed',
    {
      config: { roles: ROLES.review },
      schema: {
        tags: ['export'],
        summary: 'Reviewed cases with the evidence images the reviewer saw and their effective boxes (corrections applied): what `npm run dataset:export` reads',
        description: 'positive: confirmed and later statuses; negative: rejected. A case counts from its last review action (confirm, reject, reclassify, box correction). Paged by case id.',
        querystring: reviewedWindowQuery('^[0-9]{1,15}$'),
        response: { 400: errorSchema },
      },
    },
    async (request) => {
      const q = request.query;
      return listReviewed(app.db, { since: new Date(q.since), until: q.until ? new Date(q.until) : undefined, after: q.cursor ? Number(q.cursor) : 0, limit: q.limit ?? 100 }, typeLabels);
    },
  );
}

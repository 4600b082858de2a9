// Case ingest (the pipeline's one way in), the case list with filters and paging, counts for the
// review queue, and one case with its evidence links and audit timeline.
import type { FastifyInstance } from 'fastify';
import { caseObservationSchema, type CaseObservation } from '../../contracts/case.ts';
import { ingestObservation } from '../case/ingest.ts';
import { checkEvidenceContent } from '../evidence/ingest-check.ts';
import { countByStatus, countHeld, countOverdue, getCase, listCases, type CaseSort } from '../case/query.ts';
import { withCorrections } from '../case/corrections.ts';
import { typeLabelsOf } from './corrections.ts';
import { caseFilterQuery, caseIdParams, errorSchema, ROLES, splitCommaLists, toFilter, type FilterQuery } from './schemas.ts';

export async function casesRoutes(app: FastifyInstance): Promise<void> {
  const typeLabels = await typeLabelsOf(app);
  app.post<{ Body: CaseObservation }>(
    '/v1/cases',
    {
      config: { roles: ROLES.ingest },
      schema: {
        tags: ['cases'],
        summary: 'Ingest one observation: creates a case or merges it into the case with the same dedupeKey',
        description: 'Idempotent per observationId: posting the same observation again changes nothing (result "duplicate").',
        body: caseObservationSchema,
        response: {
          200: { $ref: 'CaseIngestResult#' },
          201: { $ref: 'CaseIngestResult#' },
          400: errorSchema,
          415: errorSchema,
          422: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const obs = request.body;
      for (const [i, e] of obs.evidence.entries()) {
        if (e.key !== e.sha256) {
          return reply.code(400).send({ error: 'bad_request', message: `body.evidence.${i}.key must be the object's sha256 (content-addressed)`, field: `evidence.${i}.key` });
        }
      }
      if (app.apiConfig.verifyEvidenceOnIngest !== false) {
        const refused = await checkEvidenceContent(app.objects, obs.evidence);
        if (refused) return reply.code(refused.status).send({ error: refused.error, message: refused.message, field: refused.field });
      }
      const result = await ingestObservation(app.db, obs, request.actor!, app.clock());
      app.metrics.ingested.inc({ result: result.result, type: obs.type });
      request.log.info({ caseId: result.caseId, result: result.result, type: obs.type, source: obs.source.id, observationId: obs.observationId }, 'case observation');
      return reply.code(result.result === 'created' ? 201 : 200).send(result);
    },
  );

  app.get<{ Querystring: FilterQuery & { sort?: CaseSort; limit?: number; cursor?: string; thumbs?: boolean } }>(
    '/v1/cases',
    {
      config: { roles: ROLES.readCases },
      preValidation: async (request) => splitCommaLists(request.query as Record<string, unknown>, ['status', 'type']),
      schema: {
        tags: ['cases'],
        summary: 'List cases with filters, newest, oldest, highest score or highest verdict score first, paged by cursor',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...caseFilterQuery,
            sort: { type: 'string', enum: ['newest', 'oldest', 'score', 'verdict'], default: 'newest', description: 'verdict: highest verdict score first, unscored cases last' },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            cursor: { type: 'string', maxLength: 200 },
            thumbs: { type: 'boolean', description: 'add a signed link to the latest crop of each case' },
          },
        },
      },
    },
    async (request) => {
      const q = request.query;
      const now = app.clock();
      const page = await listCases(app.db, { ...toFilter(q), sort: q.sort, limit: q.limit, cursor: q.cursor, thumbs: q.thumbs }, now);
      return {
        items: page.items.map(({ thumbSha256, ...c }) =>
          q.thumbs ? { ...c, thumbUrl: thumbSha256 ? `/v1/evidence/${thumbSha256}?${app.signer.sign(thumbSha256, now)}` : null } : c,
        ),
        nextCursor: page.nextCursor,
      };
    },
  );

  app.get(
    '/v1/cases/counts',
    { config: { roles: ROLES.readCases }, schema: { tags: ['cases'], summary: "Number of cases per status, overdue ones, and pending ones held as likely false alarms (heldPending, part of pending_review)" } },
    async () => ({ byStatus: await countByStatus(app.db), overdue: await countOverdue(app.db, app.clock()), heldPending: await countHeld(app.db) }),
  );

  app.get<{ Params: { id: number } }>(
    '/v1/cases/:id',
    {
      config: { roles: ROLES.readCases },
      schema: {
        tags: ['cases'],
        summary: 'One case: record, (standard, code) pairs, evidence links with their effective boxes (reviewers’ corrections applied), sightings, audit timeline and box corrections',
        params: caseIdParams,
      },
    },
    async (request, reply) => {
      const now = app.clock();
      const found = await getCase(app.db, request.params.id, now);
      if (!found) return reply.code(404).send({ error: 'not_found', message: `case ${request.params.id} does not exist` });
      const detail = await withCorrections(app.db, found, typeLabels);
      return {
        ...detail,
        evidence: detail.evidence.map((e) => ({ ...e, url: `/v1/evidence/${e.sha256}?${app.signer.sign(e.sha256, now)}` })),
        followUp: detail.followUp.map((e) => ({ ...e, url: `/v1/evidence/${e.sha256}?${app.signer.sign(e.sha256, now)}` })),
      };
    },
  );
}

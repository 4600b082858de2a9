// The hold threshold per violation type (admin), and what each threshold would have done on the
// reviews already made (anyone who reads cases): GET/PUT /v1/verdict-hold.
import type { FastifyInstance } from 'fastify';
import { VIOLATION_TYPES } from '../../contracts/case.ts';
import { BadHoldSettingError, readHold, writeHold, type VerdictHold } from '../case/verdict-hold.ts';
import { holdMetrics, scoredReviews } from '../case/verdict-metrics.ts';
import { errorSchema, ROLES, typeEnum } from './schemas.ts';

const holdBody = {
  type: 'object',
  required: ['thresholds'],
  additionalProperties: false,
  properties: {
    thresholds: {
      type: 'object',
      description: 'violation type → hold cases whose verdict score is below this; a type left out holds nothing',
      additionalProperties: { type: 'number', minimum: 0, maximum: 1 },
    },
    autoReject: { type: 'boolean', default: false, description: 'reject held cases without a person (off by default; audited as the system)' },
  },
} as const;

export async function verdictHoldRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { type?: string; threshold?: number } }>(
    '/v1/verdict-hold',
    {
      config: { roles: ROLES.readCases },
      schema: {
        tags: ['review'],
        summary: "Hold thresholds per type, auto-reject, and the precision/recall each threshold had on reviewed cases with a verdict score",
        description:
          'precision = confirmed among reviewed cases at or above the threshold / those cases; recall = the same / all confirmed. ' +
          'With type and threshold: that type measured at a trial threshold (nothing is saved).',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { type: typeEnum, threshold: { type: 'number', minimum: 0, maximum: 1 } },
          dependencies: { threshold: ['type'] },
        },
      },
    },
    async (request) => {
      const hold = await readHold(app.db);
      const reviews = await scoredReviews(app.db);
      const trial = request.query.type && request.query.threshold !== undefined ? { type: request.query.type, threshold: request.query.threshold } : undefined;
      return {
        ...hold,
        // The page offers the threshold form to the one role the PUT accepts; others see figures only.
        editable: request.actor?.role === 'admin',
        types: VIOLATION_TYPES.map((type) => {
          const threshold = trial?.type === type ? trial.threshold : (hold.thresholds[type] ?? null);
          return { type, threshold, trial: trial?.type === type, ...holdMetrics(reviews.get(type) ?? [], threshold ?? 0) };
        }),
      };
    },
  );

  app.put<{ Body: VerdictHold }>(
    '/v1/verdict-hold',
    {
      config: { roles: ROLES.admin },
      schema: { tags: ['review'], summary: 'Set the hold thresholds (admin); cases below move to the likely-false-alarm list at once', body: holdBody, response: { 400: errorSchema } },
    },
    async (request, reply) => {
      try {
        await writeHold(app.db, request.body, app.clock());
      } catch (error) {
        if (error instanceof BadHoldSettingError) return reply.code(400).send({ error: 'bad_request', message: `body.${error.message}`, field: error.field });
        throw error;
      }
      request.log.info({ thresholds: request.body.thresholds, autoReject: request.body.autoReject === true, actor: request.actor!.name }, 'verdict hold set');
      return readHold(app.db);
    },
  );
}

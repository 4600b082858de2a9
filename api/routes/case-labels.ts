// Attribute labels on a case (a truck's cover), given by reviewers with single keys on the review
// page, and the vocabulary the page offers.
import type { FastifyInstance } from 'fastify';
import { ATTRIBUTE_LABELS, labelCase } from '../case/attribute-labels.ts';
import { caseIdParams, errorSchema, ROLES } from './schemas.ts';

export async function caseLabelsRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/v1/attribute-labels',
    { config: { roles: ROLES.readCases }, schema: { tags: ['review'], summary: 'Attributes reviewers can label, their values and keys, and which detections each applies to' } },
    async () => ATTRIBUTE_LABELS,
  );

  app.put<{ Params: { id: number; attribute: string }; Body: { value: string } }>(
    '/v1/cases/:id/labels/:attribute',
    {
      config: { roles: ROLES.review },
      schema: {
        tags: ['review'],
        summary: "Label the case's object for one attribute (e.g. cover: covered / uncovered / empty_bed); audited",
        params: {
          type: 'object',
          required: ['id', 'attribute'],
          properties: { id: caseIdParams.properties.id, attribute: { type: 'string', minLength: 1, maxLength: 64 } },
        },
        body: { type: 'object', required: ['value'], additionalProperties: false, properties: { value: { type: 'string', minLength: 1, maxLength: 64 } } },
        response: { 400: errorSchema, 404: errorSchema, 422: errorSchema },
      },
    },
    async (request) => {
      const { id, attribute } = request.params;
      const result = await app.db.transaction((tx) => labelCase(tx, id, attribute, request.body.value, request.actor!, app.clock()));
      request.log.info({ caseId: id, attribute, value: result.value, actor: request.actor!.name }, 'case labelled');
      return result;
    },
  );
}

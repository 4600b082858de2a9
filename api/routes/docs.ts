// OpenAPI from the route schemas, browsable at /docs. Registered before the routes (and without
// encapsulation) so @fastify/swagger sees every one of them.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const docsPlugin = fp(async function docs(app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      info: {
        title: '城管 cases API',
        version: '1',
        description:
          'Cases from camera and drone violations: ingest (pipeline), review, lifecycle, cameras and zones, export. ' +
          'Authenticate with `Authorization: Bearer <API key>`; roles are ingest, operator, reviewer and admin.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
});

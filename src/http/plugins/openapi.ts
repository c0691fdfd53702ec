// The served OpenAPI 3 document (/openapi.json) and browsable UI (/docs),
// generated from the route schemas themselves, never a hand-kept copy.
import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import { API_VERSION } from '../envelope.js';

async function openapiPlugin(app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'tracelens',
        description:
          'Analytics API over LLM traces: ingest spans, filter, full-text search and page through them. ' +
          'Every error is `{ error: { code, message, details? }, meta }`; every response carries X-Request-Id.',
        version: API_VERSION,
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
      tags: [
        { name: 'traces', description: 'Read, search and ingest spans' },
        { name: 'health', description: 'Liveness and dependencies' },
      ],
    },
    // Shared schemas registered with addSchema($id) become components/schemas.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

export default fp(openapiPlugin, { name: 'tracelens-openapi' });

// POST /api/v1/traces: ingest a batch of spans (docs/ingest.md).
import type { FastifyInstance } from 'fastify';
import { isAppError } from '../../errors.js';
import { recordIngest } from '../../metrics/index.js';
import { authorizeIngest } from '../../auth/permissions.js';
import { ingestBatch } from '../../ingest/ingest-batch.js';
import { envelopeSchema, success } from '../envelope.js';
import { errorResponses, PROTECTED_ROUTE_ERRORS } from '../error-responses.js';

const resultSchema = envelopeSchema({
  type: 'object',
  properties: {
    accepted: { type: 'integer', description: 'spans in the batch' },
    new: { type: 'integer', description: 'spans stored by this request' },
    duplicates: { type: 'integer', description: 'spans already stored, or repeated within the batch' },
  },
});

export default async function ingestRoutes(app: FastifyInstance) {
  app.post(
    '/traces',
    {
      // Before the body is parsed: a token that may not write costs no parsing.
      onRequest: async (request) => authorizeIngest(request.principal!),
      schema: {
        tags: ['ingest'],
        summary: 'Ingest a batch of spans; idempotent on (project_id, trace_id, span_id)',
        description:
          'Body: a JSON array of spans or { "spans": [...] }. The batch is validated as a whole; one invalid span rejects it ' +
          'with a 400 naming spans[i].field, and nothing is stored. 201 when at least one span was new, 200 when all were duplicates.',
        security: [{ bearerAuth: [] }],
        // Validated by the ingest module so errors can name spans[i].field.
        body: { anyOf: [{ type: 'array' }, { type: 'object' }] },
        response: { 200: resultSchema, 201: resultSchema, ...errorResponses([...PROTECTED_ROUTE_ERRORS, 'INVALID_BATCH', 'INVALID_SPAN', 'BATCH_TOO_LARGE', 'QUERY_TIMEOUT']) },
      },
    },
    async (request, reply) => {
      let result;
      try {
        result = await ingestBatch(app.driver, request.principal!, request.body, app.config.maxBatchSpans);
      } catch (err) {
        // A batch the client must fix is rejected whole; a server-side failure is not a rejection.
        if (isAppError(err) && err.statusCode < 500) recordIngest(0, 0, batchLength(request.body));
        throw err;
      }
      recordIngest(result.new, result.duplicates, 0);
      reply.code(result.new > 0 ? 201 : 200);
      return success(request, result);
    },
  );
}

function batchLength(body: unknown): number {
  const spans = Array.isArray(body) ? body : (body as { spans?: unknown } | null)?.spans;
  return Array.isArray(spans) ? spans.length : 0;
}

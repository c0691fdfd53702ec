// GET /api/v1/traces/{trace_id}: every visible span of one trace plus its tree.
import type { FastifyInstance } from 'fastify';
import { getTrace } from '../../traces/trace-service.js';
import { success } from '../envelope.js';
import { errorResponses, PROTECTED_ROUTE_ERRORS } from '../error-responses.js';

export default async function traceRoutes(app: FastifyInstance) {
  app.get<{ Params: { trace_id: string } }>(
    '/traces/:trace_id',
    {
      schema: {
        tags: ['traces'],
        summary: 'Every span of one trace, ordered by ts, plus the span tree',
        security: [{ bearerAuth: [] }],
        params: {
          type: 'object',
          required: ['trace_id'],
          // No NUL: PostgreSQL text cannot hold one (a 22021 error on one engine, nothing on the other).
          properties: { trace_id: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[^\\u0000]+$' } },
        },
        response: { 200: { $ref: 'TraceResponse#' }, ...errorResponses([...PROTECTED_ROUTE_ERRORS, 'NOT_FOUND', 'QUERY_TIMEOUT']) },
      },
    },
    async (request) => {
      const { value, cached } = await getTrace({ reader: app.reader, cache: app.cache }, request.principal!, request.params.trace_id);
      return success(request, value, { cached });
    },
  );
}

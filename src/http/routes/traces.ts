// GET /api/v1/traces/{trace_id}: every visible span of one trace plus its tree.
import type { FastifyInstance } from 'fastify';
import { hasPermission, projectScope, requirePermission } from '../../auth/principal.js';
import { notFound } from '../../errors.js';
import { FIELDS } from '../../query/fields.js';
import { readYourWrites } from '../../replica/read-router.js';
import { buildSpanTree, getTraceSpans, visibleFields } from '../../storage/traces.js';
import { success } from '../envelope.js';

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
        response: { 200: { $ref: 'TraceResponse#' } },
      },
    },
    async (request) => {
      const principal = request.principal!;
      requirePermission(principal, 'read:traces');
      const traceId = request.params.trace_id;
      const canReadCosts = hasPermission(principal, 'read:costs');
      const { value, cached } = await app.cache.wrap(principal, { kind: 'trace', query: { traceId, canReadCosts } }, async () => {
        const fields = visibleFields(canReadCosts, FIELDS);
        // Read-your-writes: a trace the replica does not have yet (ingested a
        // moment ago) is read from the primary before answering 404.
        const spans = await readYourWrites(
          app.reader,
          (db) => getTraceSpans(db, traceId, projectScope(principal), fields),
          (rows) => rows.length > 0,
        );
        // The same 404 whether the trace is missing or belongs to another tenant (404s are not cached).
        if (spans.length === 0) throw notFound(`Trace '${traceId}' not found`);
        const tree = buildSpanTree(spans as { span_id: string; parent_span_id: string | null; span_name: string }[]);
        return { trace_id: traceId, span_count: spans.length, spans, tree };
      });
      return success(request, value, { cached });
    },
  );
}

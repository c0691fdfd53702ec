// GET /api/v1/traces/{trace_id}: every visible span of one trace plus its tree.
import type { FastifyInstance } from 'fastify';
import { hasPermission, projectScope, requirePermission } from '../../auth/principal.js';
import { notFound } from '../../errors.js';
import { FIELDS } from '../../query/fields.js';
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
          properties: { trace_id: { type: 'string', minLength: 1, maxLength: 256 } },
        },
        response: { 200: { $ref: 'TraceResponse#' } },
      },
    },
    async (request) => {
      const principal = request.principal!;
      requirePermission(principal, 'read:traces');
      const fields = visibleFields(hasPermission(principal, 'read:costs'), FIELDS);
      const spans = await getTraceSpans(app.reader, request.params.trace_id, projectScope(principal), fields);
      // The same 404 whether the trace is missing or belongs to another tenant.
      if (spans.length === 0) throw notFound(`Trace '${request.params.trace_id}' not found`);
      const tree = buildSpanTree(spans as { span_id: string; parent_span_id: string | null; span_name: string }[]);
      return success(request, { trace_id: request.params.trace_id, span_count: spans.length, spans, tree });
    },
  );
}

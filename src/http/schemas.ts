// Shared response schemas, registered once with addSchema and referenced by $id.
import { spanJsonSchema } from '../query/fields.js';
import { healthSchema } from './routes/health.js';
import { envelopeSchema, metaSchema, paginationSchema, errorSchema } from './envelope.js';

export const SHARED_SCHEMAS: readonly Record<string, unknown>[] = [
  healthSchema,
  { $id: 'Span', ...spanJsonSchema() },
  { $id: 'Meta', ...metaSchema },
  { $id: 'Pagination', ...paginationSchema },
  { $id: 'Error', ...errorSchema },
  {
    $id: 'SpanTreeNode',
    type: 'object',
    properties: {
      span_id: { type: 'string' },
      span_name: { type: 'string' },
      children: { type: 'array', items: { $ref: 'SpanTreeNode#' } },
    },
  },
  {
    $id: 'TraceResponse',
    ...envelopeSchema({
      type: 'object',
      properties: {
        trace_id: { type: 'string' },
        span_count: { type: 'integer' },
        spans: { type: 'array', items: { $ref: 'Span#' } },
        tree: { type: 'array', items: { $ref: 'SpanTreeNode#' } },
      },
    }),
  },
];

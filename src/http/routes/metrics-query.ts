// POST /api/v1/metrics/query and its GET shorthand /api/v1/metrics: parse,
// hand to the analytics service, wrap in the envelope. meta.source names the
// table that answered (rollup_1w, rollup_1d, rollup_1h, rollup_1m or raw).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AGGREGATIONS } from '../../analytics/catalog.js';
import { INTERVAL_SPELLINGS } from '../../analytics/intervals.js';
import {
  HAVING_OPERATORS,
  METRICS_LIMITS,
  METRICS_QUERY_PARAMS,
  metricsRequestFromBody,
  metricsRequestFromQuery,
  type MetricsBody,
  type MetricsQuery,
  type MetricsRequest,
} from '../../analytics/metrics-request.js';
import { runMetricsQuery } from '../../analytics/metrics-service.js';
import { meta } from '../envelope.js';
import { errorResponses, METRICS_ENGINE_ERRORS, PROTECTED_ROUTE_ERRORS } from '../error-responses.js';
import { analyticsEnv } from '../analytics-env.js';

const ERROR_CODES = errorResponses([...PROTECTED_ROUTE_ERRORS, ...METRICS_ENGINE_ERRORS]);

const nullableString = (maxLength: number) => ({ type: ['string', 'null'], maxLength });

const bodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['metrics'],
  properties: {
    metrics: {
      type: 'array',
      minItems: 1,
      maxItems: METRICS_LIMITS.maxMetrics,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['metric'],
        properties: {
          metric: { type: 'string', maxLength: 64 },
          aggregation: { type: ['string', 'null'], enum: [...AGGREGATIONS, null] },
          alias: nullableString(64),
        },
      },
    },
    interval: { type: ['string', 'null'], maxLength: 16, description: `One of ${INTERVAL_SPELLINGS.join(', ')}; null for one total per group` },
    from: nullableString(64),
    to: nullableString(64),
    time_zone: nullableString(64),
    group_by: { type: 'array', maxItems: METRICS_LIMITS.maxGroupBy, items: { type: 'string', maxLength: 1200 } },
    filter: { type: ['object', 'null'], description: 'The search filter DSL; see docs/api.md' },
    having: {
      type: 'array',
      maxItems: METRICS_LIMITS.maxHaving,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['alias', 'operator', 'value'],
        properties: { alias: { type: 'string', maxLength: 64 }, operator: { type: 'string', maxLength: 8, description: HAVING_OPERATORS.join(', ') }, value: { type: 'number' } },
      },
    },
    sort_by: nullableString(1200),
    sort_desc: { type: 'boolean' },
    limit: { type: 'integer', minimum: 1, maximum: METRICS_LIMITS.maxLimit },
    fill: { type: ['string', 'null'], enum: ['zero', 'null', null] },
  },
} as const;

const querystring = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(METRICS_QUERY_PARAMS.map((p) => [p, { type: 'string', minLength: 1, maxLength: p === 'metrics' || p === 'group_by' ? 2048 : 256 }])),
};

async function respond(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, req: MetricsRequest) {
  const { result, cached } = await runMetricsQuery(request.principal!, req, analyticsEnv(app, request, reply));
  return reply.send({
    status: 'success',
    data: result.rows,
    pagination: { cursor: null, has_more: result.total > result.rows.length, limit: result.limit, total: result.total },
    meta: { ...meta(request, cached), source: result.source, segments: result.segments, from: result.from, to: result.to },
  });
}

export default async function metricsQueryRoutes(app: FastifyInstance) {
  app.post<{ Body: MetricsBody }>(
    '/metrics/query',
    {
      schema: {
        tags: ['metrics'],
        summary: 'Time series and totals of span metrics (counts, rates, cost, tokens, latency percentiles, unique users) by any group and filter',
        security: [{ bearerAuth: [] }],
        body: bodySchema,
        response: ERROR_CODES,
      },
    },
    async (request, reply) => respond(app, request, reply, metricsRequestFromBody(request.body)),
  );
  app.get<{ Querystring: MetricsQuery }>(
    '/metrics',
    {
      schema: {
        tags: ['metrics'],
        summary: 'The metrics query in query-string form: metrics=total_cost:sum,duration:p95&interval=1h&group_by=model',
        security: [{ bearerAuth: [] }],
        querystring,
        response: ERROR_CODES,
      },
    },
    async (request, reply) => respond(app, request, reply, metricsRequestFromQuery(request.query)),
  );
}

// One way to expose a report: GET with query parameters (and a POST twin
// taking the same parameters plus a search `filter` in a JSON body), the
// envelope with meta.source, a strong ETag and 304 on If-None-Match for GET.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../../auth/principal.js';
import { paramSchemas, type ParamSpec, type RawParams } from '../../analytics/reports/params.js';
import type { ReportEnv, ReportResult } from '../../analytics/reports/report-service.js';
import { ifNoneMatchHits, strongEtag } from '../../analytics/reports/etag.js';
import type { ErrorCode } from '../../errors.js';
import { meta } from '../envelope.js';
import { errorResponses, METRICS_ENGINE_ERRORS, PROTECTED_ROUTE_ERRORS } from '../error-responses.js';
import { reportEnvelope } from '../report-schemas.js';
import { analyticsEnv } from '../analytics-env.js';

/** What every report can answer: its parameters (reportQuery) and whatever the metrics engine it runs on can. */
const REPORT_ERRORS: readonly ErrorCode[] = [...PROTECTED_ROUTE_ERRORS, ...METRICS_ENGINE_ERRORS, 'INVALID_PARAMETER'];

export interface ReportRoute {
  /** Paths (an alias answers the same data). */
  paths: readonly string[];
  tag: string;
  summary: string;
  params: ParamSpec;
  /** Schema of `data`. */
  data: object;
  paginated?: boolean;
  /** Codes of this report's own conditions, besides REPORT_ERRORS. */
  errors?: readonly ErrorCode[];
  run(principal: Principal, raw: RawParams, env: ReportEnv): Promise<{ result: ReportResult<unknown>; cached: boolean }>;
}

async function send(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, route: ReportRoute, raw: RawParams, conditional: boolean) {
  const { result, cached } = await route.run(request.principal!, raw, analyticsEnv(app, request, reply));
  const content = { data: result.data, ...(result.pagination ? { pagination: result.pagination } : {}) };
  if (conditional) {
    const etag = strongEtag(JSON.stringify(content));
    reply.header('ETag', etag);
    // Revalidate every time: the tag is cheap to compare, the data may change any second.
    reply.header('Cache-Control', 'private, no-cache');
    if (ifNoneMatchHits(request.headers['if-none-match'], etag)) return reply.code(304).send();
  }
  return reply.send({
    status: 'success',
    ...content,
    meta: { ...meta(request, cached), source: result.source, sources: result.sources, from: result.from, to: result.to },
  });
}

export function registerReport(app: FastifyInstance, route: ReportRoute): void {
  const { querystring, body } = paramSchemas(route.params);
  const response = {
    200: reportEnvelope(route.data, route.paginated),
    304: { type: 'null', description: 'Not modified (If-None-Match matched the ETag)' },
    ...errorResponses([...REPORT_ERRORS, ...(route.errors ?? [])]),
  };
  for (const path of route.paths) {
    app.get<{ Querystring: RawParams }>(
      path,
      { schema: { tags: [route.tag], summary: route.summary, security: [{ bearerAuth: [] }], querystring, response } },
      async (request, reply) => send(app, request, reply, route, request.query, true),
    );
    // Every report has a POST twin taking a full search `filter`.
    app.post<{ Body: RawParams }>(
      path,
      { schema: { tags: [route.tag], summary: `${route.summary} (with a search filter)`, security: [{ bearerAuth: [] }], body, response } },
      async (request, reply) => send(app, request, reply, route, request.body ?? {}, false),
    );
  }
}

// GET /api/v1/traces: the contract's query parameters, turned into the same
// normalized request (and the same compiled SQL) as POST /traces/search.
// Unknown, repeated (arrays) and malformed parameters are a 400, never ignored.
import type { FastifyInstance } from 'fastify';
import { LIST_PARAMS, type ListQuery } from '../../query/request.js';
import { searchRequestFromQuery } from '../../traces/search-request.js';
import { respondWithPage, spanPageSchema, type SearchRoutesOptions } from './search.js';
import { errorResponses, PROTECTED_ROUTE_ERRORS, SEARCH_REQUEST_ERRORS } from '../error-responses.js';

const PATTERNS: Partial<Record<(typeof LIST_PARAMS)[number], string>> = {
  limit: '^[0-9]{1,4}$',
  min_duration: '^[0-9]{1,15}$',
  max_duration: '^[0-9]{1,15}$',
  min_cost: '^[0-9]{1,15}(\\.[0-9]{1,10})?$',
  max_cost: '^[0-9]{1,15}(\\.[0-9]{1,10})?$',
  sort_order: '^(asc|desc)$',
};
const MAX_LENGTH: Partial<Record<(typeof LIST_PARAMS)[number], number>> = { cursor: 2048, search: 1000 };

const querystring = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(
    LIST_PARAMS.map((p) => [
      p,
      { type: 'string', minLength: 1, maxLength: MAX_LENGTH[p] ?? 256, ...(PATTERNS[p] ? { pattern: PATTERNS[p] } : {}) },
    ]),
  ),
};

export default async function listRoutes(app: FastifyInstance, opts: SearchRoutesOptions) {
  app.get<{ Querystring: ListQuery }>(
    '/traces',
    {
      schema: {
        tags: ['traces'],
        summary: 'List spans with simple query-parameter filters, keyset-paginated',
        security: [{ bearerAuth: [] }],
        querystring,
        response: { 200: spanPageSchema, ...errorResponses([...PROTECTED_ROUTE_ERRORS, ...SEARCH_REQUEST_ERRORS, 'INVALID_CURSOR', 'INVALID_PARAMETER']) },
      },
    },
    async (request, reply) =>
      respondWithPage(app, request, reply, 'list', searchRequestFromQuery(request.query, request.principal!), opts.cursorKey),
  );
}

// POST /api/v1/traces/search: the filter DSL. The body's top level is checked by
// its JSON schema; the filter tree by the DSL validator (which reports JSON
// paths and enforces the size limits without recursion).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MAX_LIMIT, type SearchBody, type SearchRequest } from '../../query/request.js';
import { searchRequestFromBody } from '../../traces/search-request.js';
import { searchPage } from '../../traces/search-service.js';
import { pageBodyText, sendPage } from '../page-serializer.js';
import { envelopeSchema, PAGINATION_REF } from '../envelope.js';
import { errorResponses, PROTECTED_ROUTE_ERRORS, SEARCH_REQUEST_ERRORS } from '../error-responses.js';
import { abortOnDisconnect } from '../abort-on-disconnect.js';

export interface SearchRoutesOptions {
  cursorKey: Uint8Array;
}

/** One page of spans; only declared fields leave, so hidden sort columns never do. */
export const spanPageSchema = envelopeSchema({ type: 'array', items: { $ref: 'Span#' } }, { pagination: PAGINATION_REF });

/** Runs a normalized request through the search service and sends the page; shared by the list and search routes. */
export async function respondWithPage(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  kind: 'search' | 'list',
  req: SearchRequest,
  cursorKey: Uint8Array,
) {
  const { value: body, cached } = await searchPage(
    { reader: app.reader, cache: app.cache, cursorKey, cacheEnabled: app.config.cache.enabled },
    request.principal!,
    req,
    {
      kind,
      requestId: String(request.id),
      signal: abortOnDisconnect(reply),
      serialize: (page) => pageBodyText(page.data, { cursor: page.cursor, has_more: page.hasMore, limit: req.limit, total: null }),
    },
  );
  return sendPage(request, reply, body, cached);
}

const nullableString = (maxLength: number) => ({ type: ['string', 'null'], maxLength });

/** What selects and orders rows: the search body without paging (the export bodies reuse it). */
export const searchQueryProperties = {
  filter: {
    type: ['object', 'null'],
    description: 'A condition {field, operator, value} or a group {operator: AND|OR|NOT, filters: [...]}; see docs/api.md',
  },
  sort_by: { type: 'string', maxLength: 64 },
  sort_desc: { type: 'boolean' },
  // minItems: an empty list would compile to `SELECT , ...` (a 500 before this bound).
  fields: { type: 'array', minItems: 1, maxItems: 64, items: { type: 'string', maxLength: 64 } },
  from: nullableString(64),
  to: nullableString(64),
} as const;

export default async function searchRoutes(app: FastifyInstance, opts: SearchRoutesOptions) {
  app.post<{ Body: SearchBody }>(
    '/traces/search',
    {
      schema: {
        tags: ['traces'],
        summary: 'Search spans with the filter DSL (AND/OR/NOT trees of field conditions), keyset-paginated',
        security: [{ bearerAuth: [] }],
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...searchQueryProperties,
            limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT },
            cursor: nullableString(2048),
          },
        },
        response: { 200: spanPageSchema, ...errorResponses([...PROTECTED_ROUTE_ERRORS, ...SEARCH_REQUEST_ERRORS, 'INVALID_CURSOR']) },
      },
    },
    async (request, reply) =>
      respondWithPage(app, request, reply, 'search', searchRequestFromBody(request.body ?? {}, request.principal!), opts.cursorKey),
  );
}

// Serializes a page's data and pagination with the route's declared schema
// (fast-json-stringify, what Fastify itself uses), once per cache miss. The
// cache stores that text, so a hit is sent without parsing or serializing
// again; the envelope's meta is fresh per response and spliced around it.
import type { FastifyReply, FastifyRequest } from 'fastify';
import fastJson from 'fast-json-stringify';
import { meta, type Pagination } from './envelope.js';
import { SHARED_SCHEMAS } from './schemas.js';

type ExternalSchemas = NonNullable<NonNullable<Parameters<typeof fastJson>[1]>['schema']>;
const external = Object.fromEntries(SHARED_SCHEMAS.map((s) => [String(s.$id), s])) as unknown as ExternalSchemas;

/** `{"data":[...],"pagination":{...}}`: only fields the Span schema declares can appear. */
export const serializePageBody: (body: { data: unknown[]; pagination: Pagination }) => string = fastJson(
  {
    type: 'object',
    properties: {
      data: { type: 'array', items: { $ref: 'Span#' } },
      pagination: { $ref: 'Pagination#' },
    },
  },
  { schema: external },
);

const serializePagination: (p: Pagination) => string = fastJson({ $ref: 'Pagination#' }, { schema: external });

/**
 * The same text as serializePageBody, around a `data` array that is JSON
 * text already (the database built it: src/traces/page-json.ts).
 */
export function pageBodyText(data: string, pagination: Pagination): string {
  return `{"data":${data},"pagination":${serializePagination(pagination)}}`;
}

/** Sends `{"status":"success","data":...,"pagination":...,"meta":{...}}` around a serialized body. */
export function sendPage(request: FastifyRequest, reply: FastifyReply, body: string, cached: boolean) {
  const text = `{"status":"success",${body.slice(1, -1)},"meta":${JSON.stringify(meta(request, cached))}}`;
  return reply.type('application/json; charset=utf-8').send(text);
}

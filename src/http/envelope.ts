// The contract's response envelope, built in one place.
import type { FastifyRequest } from 'fastify';

export const API_VERSION = '1.0';

export interface Pagination {
  cursor: string | null;
  has_more: boolean;
  limit: number;
  total: number | null;
}

export interface Meta {
  timestamp: string;
  execution_time_ms: number;
  cached: boolean;
  version: string;
  request_id: string;
}

export function meta(request: FastifyRequest, cached = false): Meta {
  return {
    timestamp: new Date().toISOString(),
    execution_time_ms: Math.round((performance.now() - request.startedAt) * 100) / 100,
    cached,
    version: API_VERSION,
    request_id: String(request.id),
  };
}

export function success<T>(request: FastifyRequest, data: T, extra: { pagination?: Pagination; cached?: boolean } = {}) {
  return {
    status: 'success' as const,
    data,
    ...(extra.pagination ? { pagination: extra.pagination } : {}),
    meta: meta(request, extra.cached ?? false),
  };
}

/** The schema of a list's pagination, by reference to the shared `Pagination` schema. */
export const PAGINATION_REF = { $ref: 'Pagination#' } as const;

/**
 * The success envelope's schema around `data` (the one shape success() builds):
 * status, data, pagination when the answer is a list, meta (the shared `Meta`
 * unless a route adds fields to it).
 */
export function envelopeSchema(data: unknown, opts: { pagination?: object; meta?: object } = {}) {
  return {
    type: 'object',
    properties: { status: { type: 'string' }, data, ...(opts.pagination ? { pagination: opts.pagination } : {}), meta: opts.meta ?? { $ref: 'Meta#' } },
  };
}

/** JSON schema pieces for route response declarations. */
export const metaSchema = {
  type: 'object',
  properties: {
    timestamp: { type: 'string' },
    execution_time_ms: { type: 'number' },
    cached: { type: 'boolean' },
    version: { type: 'string' },
    request_id: { type: 'string' },
  },
} as const;

export const paginationSchema = {
  type: 'object',
  properties: {
    cursor: { type: ['string', 'null'] },
    has_more: { type: 'boolean' },
    limit: { type: 'integer' },
    total: { type: ['integer', 'null'] },
  },
} as const;

export const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    },
    meta: { type: 'object', properties: { timestamp: { type: 'string' }, request_id: { type: 'string' } } },
  },
} as const;

// The error part of a route's response schema, built from the error registry:
// each status the route can answer lists its codes (as an enum on
// error.code) and when each happens, so the OpenAPI document declares them.
// Errors are sent pre-serialized (plugins/errors.ts), so these schemas
// document the envelope without reshaping it.
import { ERRORS, type ErrorCode } from '../errors.js';

/** What any route behind auth can answer besides its own conditions. */
export const PROTECTED_ROUTE_ERRORS: readonly ErrorCode[] = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'RATE_LIMIT_EXCEEDED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'INVALID_ENCODING',
  'INTERNAL',
  'DATABASE_UNAVAILABLE',
  'DATABASE_BUSY',
  'DATABASE_NOT_READY',
  'OVERLOADED',
  'AUTH_KEYS_UNAVAILABLE',
];

/** What a search request (filter, sort, fields, time range) can be refused with, and its query timing out. */
export const SEARCH_REQUEST_ERRORS: readonly ErrorCode[] = ['INVALID_FILTER', 'UNSUPPORTED_REGEX', 'INVALID_VALUE', 'INVALID_FIELD', 'INVALID_TIME_RANGE', 'QUERY_TIMEOUT'];

/** What a request of the metrics engine (metrics query, and the reports built on it) can be refused with. */
export const METRICS_ENGINE_ERRORS: readonly ErrorCode[] = [
  'INVALID_FILTER',
  'UNSUPPORTED_REGEX',
  'INVALID_VALUE',
  'INVALID_TIME_RANGE',
  'METRICS_RANGE_TOO_LONG',
  'METRICS_TOO_MANY_POINTS',
  'METRICS_TOO_MANY_SERIES',
  'QUERY_TIMEOUT',
];

export function errorResponses(codes: readonly ErrorCode[]): Record<number, object> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const { status } = ERRORS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<number, object> = {};
  for (const [status, list] of byStatus) {
    out[status] = {
      description: list.map((c) => `\`${c}\`: ${ERRORS[c].when}`).join('\n\n'),
      type: 'object',
      properties: {
        error: {
          type: 'object',
          properties: { code: { type: 'string', enum: list }, message: { type: 'string' }, details: {} },
          required: ['code', 'message'],
        },
        meta: { type: 'object', properties: { timestamp: { type: 'string' }, request_id: { type: 'string' } } },
      },
    };
  }
  return out;
}

// The one registry of error codes, in the manner of Fastify's lib/errors.js:
// each condition a client can act on has its own code, its HTTP status, a
// one-line "when" (docs/api.md and the OpenAPI document are built from it),
// its Retry-After policy, and exactly one constructor. Code throws
// `appError.CODE(...)`; nothing else builds an AppError by hand.
// Tests assert the code, never the message text.

/** Pulled out of a user value for an error message: JSON-escaped and cut. */
interface Detail {
  path: string;
}

interface ErrorSpec<A extends unknown[]> {
  readonly status: number;
  /** When the error happens; one line for docs/api.md. */
  readonly when: string;
  /** Seconds a client should wait before retrying (sent as Retry-After); only on 429/503/504. */
  readonly retryAfterS?: number;
  /** False for conditions that are logged but never answered (the request carries on without the part that failed). */
  readonly surfaced?: false;
  readonly build: (...args: A) => { message: string; details?: unknown; cause?: unknown; retryAfterS?: number };
}

/** A registry entry; the builder's parameters become the constructor's. */
function defineError<A extends unknown[]>(spec: ErrorSpec<A>): ErrorSpec<A> {
  return spec;
}

const atPath = (message: string, path: string) => ({ message, details: { path } satisfies Detail });

export const ERRORS = {
  // 400: the caller can fix the request.
  BAD_REQUEST: defineError({
    status: 400,
    when: 'the body or query string does not match the route schema (wrong type, unknown or repeated parameter), is not valid JSON, or is not valid HTTP',
    build: (message: string, details?: unknown) => ({ message, details }),
  }),
  INVALID_FILTER: defineError({
    status: 400,
    when: 'a node of the filter tree is invalid: unknown field or operator, operator not allowed for the type, wrong value type, NOT without exactly one filter, empty AND/OR, empty or oversized IN list, a string, path, depth or node count over its limit',
    build: (path: string, problem: string) => atPath(`Invalid filter: ${path} ${problem}`, path),
  }),
  UNSUPPORTED_REGEX: defineError({
    status: 400,
    when: 'a `regex` value is not a valid PostgreSQL regular expression or uses a construct the API refuses (back-references, lookaround, nested quantifiers)',
    build: (path: string, problem: string) => atPath(`Invalid filter: ${path} is not a valid regular expression: ${problem}`, path),
  }),
  INVALID_VALUE: defineError({
    status: 400,
    when: 'the database rejected a value as out of range or malformed for its field (SQLSTATE class 22)',
    build: (cause: unknown) => ({ message: 'A value is out of range or malformed for its field', cause }),
  }),
  INVALID_FIELD: defineError({
    status: 400,
    when: '`fields` or `sort_by` names a field that does not exist or cannot be used there',
    build: (path: string, problem: string) => atPath(`${path} ${problem}`, path),
  }),
  INVALID_TIME_RANGE: defineError({
    status: 400,
    when: '`from` or `to` is neither an ISO 8601 timestamp nor `now-<n><s|m|h|d|w>`',
    build: (path: string, got: string) => atPath(`${path} must be an ISO 8601 timestamp or now-<n><s|m|h|d|w> (got ${got})`, path),
  }),
  INVALID_PARAMETER: defineError({
    status: 400,
    when: 'a numeric query parameter (`limit`, `min_duration`, `min_cost`, ...) is out of range or not a number',
    build: (path: string, problem: string) => atPath(`${path} ${problem}`, path),
  }),
  INVALID_CURSOR: defineError({
    status: 400,
    when: 'the cursor was not issued by this API, was altered, or belongs to another query (filter, sort, time range or projects changed)',
    build: (why: string) => atPath(`Invalid cursor: ${why}`, 'cursor'),
  }),
  INVALID_BATCH: defineError({
    status: 400,
    when: 'an ingest body is neither a JSON array of spans nor `{ "spans": [...] }`, or holds no spans',
    build: (message: string) => ({ message }),
  }),
  INVALID_SPAN: defineError({
    status: 400,
    when: 'a span of an ingest batch is invalid (missing or malformed field, text PostgreSQL cannot store); nothing of the batch is stored; `details` lists each problem',
    build: (message: string, details: unknown) => ({ message, details }),
  }),
  INVALID_ENCODING: defineError({
    status: 400,
    when: 'a body sent with `Content-Encoding: gzip`, `deflate` or `br` is not valid data of that encoding',
    build: (encoding: string, why: string) => ({ message: `Request body is not valid ${encoding} data (${why})` }),
  }),
  // OTLP ingest (docs/otlp.md).
  OTLP_INVALID_PAYLOAD: defineError({
    status: 400,
    when: 'an OTLP body is not a valid ExportTraceServiceRequest in its declared encoding (malformed protobuf, JSON sent as protobuf, bad ids or timestamps); clients do not retry it',
    build: (message: string) => ({ message }),
  }),
  OTLP_UNSUPPORTED_CONTENT_TYPE: defineError({
    status: 415,
    when: 'an OTLP request whose Content-Type is neither `application/x-protobuf` nor `application/json`',
    build: (message: string) => ({ message }),
  }),
  // Metrics query limits (docs/analytics.md).
  METRICS_RANGE_TOO_LONG: defineError({
    status: 400,
    when: 'a metrics query covers a longer range than its interval allows (1m: 7 days ... 1w: 20 years)',
    build: (message: string, details: unknown) => ({ message, details }),
  }),
  METRICS_TOO_MANY_POINTS: defineError({
    status: 400,
    when: 'a metrics time series would have more buckets per series than the limit, or `fill` would create too many points',
    build: (message: string, details: unknown) => ({ message, details }),
  }),
  METRICS_TOO_MANY_SERIES: defineError({
    status: 400,
    when: 'a metrics time series has more distinct groups than the series limit',
    build: (message: string, details: unknown) => ({ message, details }),
  }),
  // Analytics and cost reports (docs/analytics-endpoints.md).
  COMPARE_MODEL_COUNT: defineError({
    status: 400,
    when: '`models` of a model comparison does not name 2 to 10 distinct models',
    build: (message: string, details: unknown) => ({ message, details }),
  }),
  ATTRIBUTION_DIMENSION_INVALID: defineError({
    status: 400,
    when: 'the `dimension` of a cost attribution is not user, project, model, provider, environment, tag or attributes.<path>',
    build: (message: string, details: unknown) => ({ message, details }),
  }),
  // 401/403/404
  UNAUTHORIZED: defineError({
    status: 401,
    when: 'the bearer token is missing, malformed, expired, or fails verification (signature, algorithm, audience, issuer, claims)',
    build: (message: string) => ({ message }),
  }),
  FORBIDDEN: defineError({
    status: 403,
    when: 'the token lacks the permission the route needs, names a project outside its scope, or touches cost fields without `read:costs`',
    build: (message: string, details?: unknown) => ({ message, details }),
  }),
  NOT_FOUND: defineError({
    status: 404,
    when: 'the trace or export job does not exist or belongs to another tenant (the two are indistinguishable)',
    build: (message: string) => ({ message }),
  }),
  ROUTE_NOT_FOUND: defineError({
    status: 404,
    when: 'no route matches the method and path',
    build: (method: string, path: string) => ({ message: `Route ${method} ${path} not found` }),
  }),
  // Export jobs (docs/export.md).
  EXPORT_JOB_FINISHED: defineError({
    status: 409,
    when: 'cancelling an export job that has already completed, failed, been cancelled or expired',
    build: (id: string) => ({ message: `Export job '${id}' has already finished` }),
  }),
  EXPORT_NOT_READY: defineError({
    status: 409,
    when: 'downloading an export job that is not completed yet (pending, processing, failed or cancelled)',
    build: (id: string, status: string) => ({ message: `Export job '${id}' is ${status}; its file is there once it is completed` }),
  }),
  EXPORT_EXPIRED: defineError({
    status: 410,
    when: 'downloading an export job past `EXPORT_TTL`: its file was deleted',
    build: (message: string) => ({ message }),
  }),
  RANGE_NOT_SATISFIABLE: defineError({
    status: 416,
    when: 'a download `Range` lies outside the export file',
    build: (size: number) => ({ message: `The range is outside the file (${size} bytes)`, details: { size } }),
  }),
  // 408/413/415/429/431
  REQUEST_TIMEOUT: defineError({
    status: 408,
    when: 'the request (headers and body) did not arrive within `REQUEST_TIMEOUT_MS`',
    build: () => ({ message: 'The request was not received in time' }),
  }),
  PAYLOAD_TOO_LARGE: defineError({
    status: 413,
    when: 'the body is over `BODY_LIMIT_BYTES`, measured after decompression',
    build: (limitBytes?: number) => ({
      message: limitBytes === undefined ? 'Request body is too large' : `Request body is too large once decompressed (limit ${limitBytes} bytes)`,
    }),
  }),
  BATCH_TOO_LARGE: defineError({
    status: 413,
    when: 'an ingest batch holds more than `INGEST_MAX_BATCH` spans',
    build: (max: number, got: number) => ({ message: `A batch holds at most ${max} spans (got ${got}); split it` }),
  }),
  UNSUPPORTED_MEDIA_TYPE: defineError({
    status: 415,
    when: 'the body is not JSON, or its `Content-Encoding` is not `gzip`, `deflate`, `br` or `identity`',
    build: (message: string) => ({ message }),
  }),
  RATE_LIMIT_EXCEEDED: defineError({
    status: 429,
    when: "the caller used its role's requests per minute; `Retry-After` says when the window resets",
    // The one code whose wait is not fixed: the seconds until the window resets.
    build: (limit: number, role: string, resetS: number) => ({
      message: `Rate limit of ${limit} requests per minute exceeded for role '${role}'`,
      retryAfterS: resetS,
    }),
  }),
  HEADERS_TOO_LARGE: defineError({
    status: 431,
    when: 'the request headers are over Node\'s header size limit',
    build: () => ({ message: 'Request headers are too large' }),
  }),
  // 5xx: not the caller's fault.
  INTERNAL: defineError({
    status: 500,
    when: 'an unexpected fault; the cause is logged with the request id, never sent',
    build: (cause: unknown) => ({ message: 'Internal error', cause }),
  }),
  DATABASE_UNAVAILABLE: defineError({
    status: 503,
    when: 'the database cannot be reached, dropped the connection, is shutting down, out of resources, read-only, or aborted the transaction (deadlock, serialization); safe to retry',
    retryAfterS: 2,
    build: (cause?: unknown) => ({ message: 'The database is unavailable; retry shortly', cause }),
  }),
  DATABASE_BUSY: defineError({
    status: 503,
    when: 'every database connection is in use and `DB_MAX_WAITING` requests already wait for one',
    retryAfterS: 1,
    build: () => ({ message: 'The database connection pool is exhausted; retry shortly' }),
  }),
  EXPORT_BUSY: defineError({
    status: 503,
    when: '`EXPORT_MAX_STREAMS` streaming exports already run in this process; retry shortly or use an export job',
    retryAfterS: 5,
    build: (max: number) => ({ message: `Too many exports are running (${max}); retry shortly or use an export job` }),
  }),
  DATABASE_NOT_READY: defineError({
    status: 503,
    when: 'the service started but its schema migrations have not run yet (the database was down at start)',
    retryAfterS: 2,
    build: () => ({ message: 'The database is not ready yet; retry shortly' }),
  }),
  OVERLOADED: defineError({
    status: 503,
    when: 'event-loop delay or heap use is over its `OVERLOAD_*` threshold; the request was shed before any work',
    retryAfterS: 2,
    build: () => ({ message: 'The server is overloaded; retry shortly' }),
  }),
  AUTH_KEYS_UNAVAILABLE: defineError({
    status: 503,
    when: "the identity provider's JWKS could not be fetched, so no token can be verified",
    retryAfterS: 5,
    build: (cause: unknown) => ({ message: 'Token signing keys could not be fetched from the identity provider; retry shortly', cause }),
  }),
  QUERY_TIMEOUT: defineError({
    status: 504,
    when: 'the query ran past `DB_STATEMENT_TIMEOUT_MS` and was cancelled; narrow the time range or filter',
    retryAfterS: 1,
    build: (cause: unknown) => ({ message: 'The query took too long and was cancelled; narrow the time range or filter', cause }),
  }),
  CLIENT_CLOSED_REQUEST: defineError({
    status: 499,
    when: 'never answered: the client closed the connection before the answer was ready; its query was cancelled; logged at info, not as a failure',
    surfaced: false,
    build: () => ({ message: 'The client closed the request; its query was cancelled' }),
  }),
  CACHE_UNAVAILABLE: defineError({
    status: 503,
    when: 'never answered: Redis failed or timed out; logged (and counted) while requests are served from the database',
    surfaced: false,
    build: (cause: unknown) => ({ message: 'The cache is unavailable; serving without it', cause }),
  }),
} as const;

export type ErrorCode = keyof typeof ERRORS;

type Args<C extends ErrorCode> = Parameters<(typeof ERRORS)[C]['build']>;

export class AppError extends Error {
  readonly statusCode: number;
  readonly details: unknown;
  readonly retryAfterS: number | undefined;

  /** Use `appError.CODE(...)`; the registry decides message shape, status and Retry-After. */
  constructor(
    readonly code: ErrorCode,
    built: { message: string; details?: unknown; cause?: unknown; retryAfterS?: number },
  ) {
    super(built.message, built.cause === undefined ? undefined : { cause: built.cause });
    this.name = 'AppError';
    const spec: ErrorSpec<never> = ERRORS[code];
    this.statusCode = spec.status;
    this.details = built.details;
    this.retryAfterS = built.retryAfterS ?? spec.retryAfterS;
  }
}

/** One constructor per code: `throw appError.INVALID_CURSOR('it was altered')`. */
export const appError = Object.fromEntries(
  (Object.keys(ERRORS) as ErrorCode[]).map((code) => [
    code,
    (...args: unknown[]) => new AppError(code, (ERRORS[code].build as (...a: unknown[]) => ReturnType<ErrorSpec<never>['build']>)(...args)),
  ]),
) as { readonly [C in ErrorCode]: (...args: Args<C>) => AppError };

/** The log fields of a condition that is logged, never answered (CACHE_UNAVAILABLE). */
export function logFields(e: AppError): { code: ErrorCode; err: string | undefined } {
  return { code: e.code, err: e.cause instanceof Error ? e.cause.message : undefined };
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** Codes a route can answer with a given status (the OpenAPI document declares them per route). */
export function codesWithStatus(status: number): ErrorCode[] {
  return (Object.keys(ERRORS) as ErrorCode[]).filter((c) => ERRORS[c].status === status && !('surfaced' in ERRORS[c]));
}

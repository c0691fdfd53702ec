// The one registry of error codes. Routes and plugins throw AppError; the
// error handler turns it (and anything else) into the contract's envelope.
// Tests assert the code, never the message text.

export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  REQUEST_TIMEOUT: 408,
  EXPORT_JOB_FINISHED: 409,
  EXPORT_NOT_READY: 409,
  EXPORT_EXPIRED: 410,
  PAYLOAD_TOO_LARGE: 413,
  RANGE_NOT_SATISFIABLE: 416,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMIT_EXCEEDED: 429,
  HEADERS_TOO_LARGE: 431,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
  EXPORT_BUSY: 503,
  QUERY_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface AppErrorOptions {
  details?: unknown;
  cause?: unknown;
  /** Seconds; sent as Retry-After. */
  retryAfterS?: number;
  /** Override the registry status (QUERY_TIMEOUT may be 503 when the pool, not the query, timed out). */
  statusCode?: number;
}

export class AppError extends Error {
  readonly statusCode: number;
  readonly details: unknown;
  readonly retryAfterS: number | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    opts: AppErrorOptions = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.statusCode = opts.statusCode ?? ERROR_STATUS[code];
    this.details = opts.details;
    this.retryAfterS = opts.retryAfterS;
  }
}

export const badRequest = (message: string, details?: unknown) => new AppError('BAD_REQUEST', message, { details });
export const notFound = (message: string) => new AppError('NOT_FOUND', message);
export const forbidden = (message: string) => new AppError('FORBIDDEN', message);
export const unauthorized = (message: string) => new AppError('UNAUTHORIZED', message);
export const unavailable = (message: string, cause?: unknown, retryAfterS = 5) =>
  new AppError('SERVICE_UNAVAILABLE', message, { cause, retryAfterS });

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

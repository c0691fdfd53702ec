// Turns every failure into the contract's error envelope: stable code, clear
// message, never a stack trace or SQL text. Retry-After where a retry helps.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, appError } from '../../errors.js';

/** Fastify's own codes for a body it could not accept; everything else it raises is a malformed request. */
function fromFastify(code: string, message: string): AppError {
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return appError.PAYLOAD_TOO_LARGE();
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return appError.UNSUPPORTED_MEDIA_TYPE(message);
    default:
      return appError.BAD_REQUEST(message);
  }
}

const FASTIFY_CLIENT_CODES = new Set([
  'FST_ERR_CTP_BODY_TOO_LARGE',
  'FST_ERR_CTP_INVALID_MEDIA_TYPE',
  'FST_ERR_CTP_INVALID_CONTENT_LENGTH',
  'FST_ERR_CTP_EMPTY_JSON_BODY',
  'FST_ERR_CTP_INVALID_JSON_BODY',
  'FST_ERR_CTP_INVALID_TYPE',
  'FST_ERR_BAD_URL',
  'FST_ERR_MAX_PARAM_LENGTH',
]);

/**
 * Anything thrown -> an AppError of the registry. Database errors were mapped
 * by the driver already (storage/db-errors.ts), so an unknown error here is a
 * fault of ours (500), never "the database is unavailable": a Redis or socket
 * error that escaped its guard must not be reported as a database failure.
 */
export function normalizeError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const fe = err as FastifyError & { validation?: unknown[] };
  if (fe && Array.isArray(fe.validation)) return appError.BAD_REQUEST(fe.message, fe.validation);
  if (fe && typeof fe.code === 'string' && FASTIFY_CLIENT_CODES.has(fe.code)) return fromFastify(fe.code, fe.message);
  // JSON.parse errors surfaced by the content-type parser.
  if (fe instanceof SyntaxError || (fe?.statusCode === 400 && typeof fe.message === 'string')) {
    return appError.BAD_REQUEST(`Malformed request: ${fe.message}`);
  }
  if (fe?.statusCode === 413) return appError.PAYLOAD_TOO_LARGE();
  if (fe?.statusCode === 415) return appError.UNSUPPORTED_MEDIA_TYPE(fe.message);
  return appError.INTERNAL(err);
}

export function sendError(request: FastifyRequest, reply: FastifyReply, err: AppError) {
  if (err.retryAfterS !== undefined) reply.header('Retry-After', String(err.retryAfterS));
  const body: Record<string, unknown> = { code: err.code, message: err.message };
  if (err.details !== undefined) body.details = err.details;
  // Sent pre-serialized: a route's own response schema for this status code
  // (e.g. /health's 503) must not reshape the error envelope.
  return reply
    .code(err.statusCode)
    .type('application/json; charset=utf-8')
    .send(JSON.stringify({ error: body, meta: { timestamp: new Date().toISOString(), request_id: String(request.id) } }));
}

/**
 * Fastify's `frameworkErrors` option: errors its router raises before any hook
 * runs (a path that is not valid percent-encoded UTF-8, an over-long path
 * parameter). Without it they got Fastify's own body instead of the envelope.
 */
export function frameworkErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  reply.header('X-Request-Id', String(request.id));
  // A reply is thenable; the router ignores the return value, so return none.
  void sendError(request, reply, normalizeError(error));
}

async function errorsPlugin(app: FastifyInstance) {
  app.setErrorHandler((error, request, reply) => {
    const appErr = normalizeError(error);
    if (appErr.statusCode >= 500) {
      // Cause is logged for operators; the client gets only the code and message.
      request.log.error({ err: appErr.cause ?? error, code: appErr.code }, 'request failed');
    } else {
      request.log.info({ code: appErr.code, msg: appErr.message }, 'request rejected');
    }
    return sendError(request, reply, appErr);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, appError.ROUTE_NOT_FOUND(request.method, request.url.split('?')[0] ?? '')),
  );
}

export default fp(errorsPlugin, { name: 'tracelens-errors' });

// Maps database and connection failures into the error registry. SQL text and
// parameters never travel into the AppError message: only a stable summary.
import { AppError } from '../errors.js';

interface PgLikeError {
  code?: string;
  message?: string;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);

/** What node-postgres says (with no SQLSTATE) when the connection itself broke. */
const BROKEN_CONNECTION_MESSAGE = /Connection terminated|connection ended|Query read timeout|not queryable/i;
/** Pool and connect failures: the server was never reached. */
const UNREACHED_MESSAGE = /timeout exceeded when trying to connect|^timeout expired$|Client has encountered a connection error|Cannot use a pool after calling end/i;

/** The connection is unusable after this error: the client must be destroyed, not reused. */
export function isConnectionFailure(err: unknown): boolean {
  const code = (err as { code?: string })?.code ?? '';
  const msg = (err as Error)?.message ?? '';
  return code.startsWith('08') || code.startsWith('57P') || /^E[A-Z]+$/.test(code) || BROKEN_CONNECTION_MESSAGE.test(msg);
}

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as PgLikeError;
  const code = typeof e.code === 'string' ? e.code : '';
  const msg = typeof e.message === 'string' ? e.message : '';

  // 57014: canceled by statement_timeout (or by our own cancel on client abort).
  if (code === '57014') {
    return new AppError('QUERY_TIMEOUT', 'The query took too long and was cancelled; narrow the time range or filter', {
      cause: err,
      retryAfterS: 1,
    });
  }
  // Class 08 (connection), 53 (insufficient resources), 57P0x (shutdown), 40001/40P01
  // (serialization, deadlock): the client did nothing wrong and may retry.
  // Also 55P03 (lock_timeout), class 58 (system/I-O errors) and 25006 (a
  // read-only server, e.g. a primary URL pointing at a standby after failover):
  // these were 500s, which exporters never retry, so acknowledged-nothing
  // batches were dropped for good.
  if (
    code.startsWith('08') ||
    code.startsWith('53') ||
    code.startsWith('57P') ||
    code.startsWith('58') ||
    code === '40001' ||
    code === '40P01' ||
    code === '55P03' ||
    code === '25006' ||
    CONNECTION_CODES.has(code) ||
    BROKEN_CONNECTION_MESSAGE.test(msg) ||
    UNREACHED_MESSAGE.test(msg)
  ) {
    return new AppError('SERVICE_UNAVAILABLE', 'The database is unavailable; retry shortly', { cause: err, retryAfterS: 5 });
  }
  // Invalid regular expression (2201B) and other data exceptions come from user values.
  if (code === '2201B') {
    return new AppError('BAD_REQUEST', 'Invalid regular expression', { cause: err });
  }
  if (code.startsWith('22')) {
    return new AppError('BAD_REQUEST', 'A value is out of range or malformed for its field', { cause: err });
  }
  return new AppError('INTERNAL', 'Internal error', { cause: err });
}

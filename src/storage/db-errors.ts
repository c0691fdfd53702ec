// Maps database and connection failures into the error registry by their
// SQLSTATE (pg.DatabaseError's `code`, and the same field on PGlite's errors),
// never by message text. SQL text and parameters never travel into the
// AppError message: only a stable summary, with the original as `cause`.
import pg from 'pg';
import { AppError, appError } from '../errors.js';

/** A SQLSTATE: five digits or upper-case letters, sent by the server with every error it raises. */
const SQLSTATE = /^[0-9A-Z]{5}$/;

/** The SQLSTATE of an error the server raised, or null (a client-side or connection failure). */
export function sqlState(err: unknown): string | null {
  if (err instanceof pg.DatabaseError) return err.code ?? null;
  // PGlite raises its own DatabaseError class with the same fields.
  const e = err as { code?: unknown; severity?: unknown } | null;
  if (e && typeof e.severity === 'string' && typeof e.code === 'string' && SQLSTATE.test(e.code)) return e.code;
  return null;
}

/** Node's system error codes (ECONNRESET, ECONNREFUSED, ETIMEDOUT, ...): the server was not reached or went away. */
const ERRNO = /^E[A-Z]+$/;

function isSocketError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && ERRNO.test(code);
}

/**
 * SQLSTATE classes after which the client did nothing wrong and may retry:
 * 08 connection, 53 insufficient resources, 57P shutdown, 58 system/I-O,
 * 40001/40P01 serialization and deadlock, 55P03 lock timeout, 25006 a
 * read-only server (a primary URL pointing at a standby after failover).
 * These were once 500s, which exporters never retry, so acknowledged-nothing
 * batches were dropped for good.
 */
function isTransient(state: string): boolean {
  return (
    state.startsWith('08') ||
    state.startsWith('53') ||
    state.startsWith('57P') ||
    state.startsWith('58') ||
    state === '40001' ||
    state === '40P01' ||
    state === '55P03' ||
    state === '25006'
  );
}

/**
 * The connection is unusable after this error: the client must be destroyed,
 * not reused. node-postgres reports a broken or unreachable connection (ended,
 * query read timeout, connect timeout) as an Error with neither a SQLSTATE nor
 * an errno; a programming error is a TypeError or RangeError.
 */
export function isConnectionFailure(err: unknown): boolean {
  const state = sqlState(err);
  if (state !== null) return state.startsWith('08') || state.startsWith('57P');
  return isSocketError(err) || isDriverFailure(err);
}

function isDriverFailure(err: unknown): boolean {
  return err instanceof Error && !(err instanceof TypeError || err instanceof RangeError || err instanceof AppError) && (err as { code?: unknown }).code === undefined;
}

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const state = sqlState(err);
  if (state === null) return isSocketError(err) || isDriverFailure(err) ? appError.DATABASE_UNAVAILABLE(err) : appError.INTERNAL(err);
  // 57014: canceled by statement_timeout (or by our own cancel on client abort).
  if (state === '57014') return appError.QUERY_TIMEOUT(err);
  if (isTransient(state)) return appError.DATABASE_UNAVAILABLE(err);
  // Data exceptions come from user values; 2201B is an invalid regular expression.
  if (state === '2201B') return appError.UNSUPPORTED_REGEX('filter', 'PostgreSQL rejected it');
  if (state.startsWith('22')) return appError.INVALID_VALUE(err);
  return appError.INTERNAL(err);
}

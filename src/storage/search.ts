// The read queries around a compiled filter: one keyset page of spans.
//
// executeSearch(db, request, ctx) is the seam of the result cache: it takes a
// normalized SearchRequest (see query/request.ts, whose requestKey() names it)
// and returns the page; a cache wraps this call for requests without a cursor.
//
// Query shape (buildPageSql): scope, time range, filter and keyset position are
// separate conjuncts, so a time-window strategy can run the same compiled
// filter over successive narrower ranges without recompiling it.
import { badRequest } from '../errors.js';
import { compileNode, SqlParams, type CompiledSql, type SqlCast } from '../query/compile.js';
import { decodeCursor, encodeCursor, queryHash, type CursorPayload } from '../query/cursor.js';
import { ID_COLUMN, TABLE, type FieldDef } from '../query/fields.js';
import { canonicalQuery, type SearchRequest } from '../query/request.js';
import { resolveTimeBound } from '../query/time.js';
import type { Queryable } from './driver.js';
import { selectList, type SpanRow } from './traces.js';

export interface SearchContext {
  /** HMAC key of cursors. */
  cursorKey: Uint8Array;
  /** Clock for relative time bounds (tests pin it). */
  now?: number;
  signal?: AbortSignal;
  /** For the slow-query log and metrics: never values. */
  requestId?: string;
  shape?: string;
  kind?: 'search' | 'list';
}

export interface SearchPage {
  rows: SpanRow[];
  /** Cursor of the next page, null on the last one. */
  cursor: string | null;
  hasMore: boolean;
}

export interface PageBounds {
  from: string | null;
  to: string | null;
}

/** Last row of the previous page. */
export interface KeysetPosition {
  key: string | number | null;
  id: number;
}

export const SORT_KEY = '__sort_key';
export const ROW_ID = '__row_id';
const KEY_CAST: Record<string, SqlCast> = { text: 'text', integer: 'bigint', decimal: 'numeric', timestamp: 'timestamptz' };

/** Text sorts byte-wise (C collation), identical on every engine, locale and in cursor comparisons. */
function sortExpr(f: FieldDef): string {
  return f.type === 'text' ? `${f.column} COLLATE "C"` : f.column;
}

/** The sort value as the cursor stores it: exact, never through a float. */
function sortKeyExpr(f: FieldDef): string {
  if (f.type === 'timestamp') return `to_char(${f.column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
  if (f.type === 'decimal') return `${f.column}::text`;
  return f.column;
}

/**
 * One project is an equality, not `= ANY(array)`: PostgreSQL 15 reads an index
 * in order only for an equality on its leading column, so `project_id = ANY`
 * would sort the whole project instead of stopping after one page.
 */
function scopeSql(scope: readonly string[], params: SqlParams): string {
  return scope.length === 1 ? `project_id = ${params.append(scope[0], 'text')}` : `project_id = ANY(${params.append(scope, 'text[]')})`;
}

/** What callers other than one search page (exports) change in the page query. */
export interface PageSqlOptions {
  /** SELECT list instead of the fields' columns (it must come from the field registry). */
  select?: string;
  /** Rows to fetch; null for every matching row. Default: one page plus one. */
  limit?: number | null;
  /** Add the hidden sort-key and row-id columns that keyset paging needs (default true). */
  keyset?: boolean;
}

export function buildPageSql(req: SearchRequest, bounds: PageBounds, after: KeysetPosition | null, opts: PageSqlOptions = {}): CompiledSql {
  const params = new SqlParams();
  const where: string[] = [];
  if (req.scope !== null) where.push(scopeSql(req.scope, params));
  if (bounds.from !== null) where.push(`ts >= ${params.append(bounds.from, 'timestamptz')}`);
  if (bounds.to !== null) where.push(`ts < ${params.append(bounds.to, 'timestamptz')}`);
  if (req.filter !== null) where.push(compileNode(req.filter, params));
  const f = req.sort.field;
  // NULLS LAST only where NULLs exist: on a NOT NULL key it changes nothing in
  // the result, but it no longer matches the (ts DESC, id DESC) indexes, whose
  // DESC means NULLS FIRST, and every page would sort the whole match set.
  const dir = req.sort.desc ? 'DESC' : 'ASC';
  const cmp = req.sort.desc ? '<' : '>';
  if (after !== null) {
    // NULLS LAST in both directions: non-null keys page by (key, id), then the NULL tail by id.
    const id = params.append(after.id, 'bigint');
    if (after.key === null) {
      where.push(`(${f.column} IS NULL AND ${ID_COLUMN} ${cmp} ${id})`);
    } else {
      const row = `(${sortExpr(f)}, ${ID_COLUMN}) ${cmp} (${params.append(after.key, KEY_CAST[f.type]!)}, ${id})`;
      where.push(f.nullable ? `(${row} OR ${f.column} IS NULL)` : row);
    }
  }
  const rows = opts.limit === undefined ? req.limit + 1 : opts.limit;
  const keyset = opts.keyset === false ? '' : `, ${sortKeyExpr(f)} AS ${SORT_KEY}, ${ID_COLUMN} AS ${ROW_ID}`;
  const sql =
    `SELECT ${opts.select ?? selectList(req.fields)}${keyset} FROM ${TABLE}` +
    (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY ${sortExpr(f)} ${dir}${f.nullable ? ' NULLS LAST' : ''}, ${ID_COLUMN} ${dir}` +
    (rows === null ? '' : ` LIMIT ${params.append(rows, 'bigint')}`);
  return { sql, params: params.values };
}

/** The request's time bounds as absolute instants (relative ones such as now-1h taken at `now`). */
export function resolveBounds(req: Pick<SearchRequest, 'from' | 'to'>, now: number): PageBounds {
  return {
    from: req.from === null ? null : resolveTimeBound(req.from, now),
    to: req.to === null ? null : resolveTimeBound(req.to, now),
  };
}

/** Runs one page of a normalized search request. */
export async function executeSearch(db: Queryable, req: SearchRequest, ctx: SearchContext): Promise<SearchPage> {
  const hash = queryHash(canonicalQuery(req));
  let bounds: PageBounds;
  let after: KeysetPosition | null = null;
  if (req.cursor !== null) {
    const c = decodeCursor(ctx.cursorKey, req.cursor, hash);
    checkKeyType(c, req.sort.field);
    bounds = { from: c.f, to: c.t };
    after = { key: c.k, id: c.i };
  } else {
    bounds = resolveBounds(req, ctx.now ?? Date.now());
  }
  const { sql, params } = buildPageSql(req, bounds, after);
  const res = await db.query<SpanRow>(sql, params, {
    kind: ctx.kind ?? 'search',
    signal: ctx.signal,
    requestId: ctx.requestId,
    shape: ctx.shape,
  });
  const hasMore = res.rows.length > req.limit;
  const rows = hasMore ? res.rows.slice(0, req.limit) : res.rows;
  let cursor: string | null = null;
  if (hasMore) {
    const last = rows[rows.length - 1]!;
    cursor = encodeCursor(ctx.cursorKey, {
      h: hash,
      k: last[SORT_KEY] as string | number | null,
      i: Number(last[ROW_ID]),
      f: bounds.from,
      t: bounds.to,
    });
  }
  // Newest property first: deleting an object's last-added property rolls
  // its shape back, any other order turns every row into a slow dictionary
  // object just before it is serialized.
  for (const r of rows) {
    delete r[ROW_ID];
    delete r[SORT_KEY];
  }
  return { rows, cursor, hasMore };
}

// Defense in depth: a signed cursor always has the right type, but a value of
// the wrong type must never reach the database as a 500.
function checkKeyType(c: CursorPayload, f: FieldDef): void {
  const k = c.k;
  const ok =
    k === null ||
    (f.type === 'integer' && typeof k === 'number' && Number.isSafeInteger(k)) ||
    (f.type === 'text' && typeof k === 'string') ||
    (f.type === 'decimal' && typeof k === 'string' && /^-?\d{1,20}(\.\d{1,20})?$/.test(k)) ||
    (f.type === 'timestamp' && typeof k === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(k));
  if (!ok || (k === null && !f.nullable)) throw badRequest('Invalid cursor: malformed sort value', { path: 'cursor' });
}

// The SQL of one keyset page of spans around a compiled filter.
//
// Query shape (buildPageSql): scope, time range, filter and keyset position are
// separate conjuncts, so a time-window strategy can run the same compiled
// filter over successive narrower ranges without recompiling it.
import { compileNode, SqlParams, type CompiledSql, type SqlCast } from '../query/compile.js';
import { ID_COLUMN, TABLE, type FieldDef } from '../query/fields.js';
import type { SearchRequest } from '../query/request.js';
import { selectList } from './trace-sql.js';

export interface PageBounds {
  from: string | null;
  to: string | null;
}

/** Last row of the previous page. */
export interface KeysetPosition {
  key: string | number | null;
  id: number;
}

/** Hidden columns of a page query: the cursor's sort value and row id, removed before the rows leave. */
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

export function buildPageSql(req: SearchRequest, bounds: PageBounds, after: KeysetPosition | null): CompiledSql {
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
  const limit = params.append(req.limit + 1, 'bigint');
  const sql =
    `SELECT ${selectList(req.fields)}, ${sortKeyExpr(f)} AS ${SORT_KEY}, ${ID_COLUMN} AS ${ROW_ID} FROM ${TABLE}` +
    (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY ${sortExpr(f)} ${dir}${f.nullable ? ' NULLS LAST' : ''}, ${ID_COLUMN} ${dir} LIMIT ${limit}`;
  return { sql, params: params.values };
}

// The SQL of one keyset page of spans around a compiled filter.
//
// Query shape (buildPageSql): scope, time range, filter and keyset position are
// separate conjuncts, so a time-window strategy can run the same compiled
// filter over successive narrower ranges without recompiling it.
import type { FilterNode, PredicateNode } from '../query/ast.js';
import { CAST, compileNode, SqlParams, type CompiledSql } from '../query/compile.js';
import { ID_COLUMN, TABLE, type FieldDef } from '../query/fields.js';
import { PAGE_ORDER_EQUALITY } from '../perf/index-map.js';
import type { SearchRequest } from '../query/request.js';
import { resolveTimeBound } from '../query/time.js';
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
export function scopeSql(scope: readonly string[], params: SqlParams): string {
  return scope.length === 1 ? `project_id = ${params.append(scope[0], 'text')}` : `project_id = ANY(${params.append(scope, 'text[]')})`;
}

/** The request's time bounds as absolute instants (relative ones such as now-1h taken at `now`). */
export function resolveBounds(req: Pick<SearchRequest, 'from' | 'to'>, now: number): PageBounds {
  return {
    from: req.from === null ? null : resolveTimeBound(req.from, now),
    to: req.to === null ? null : resolveTimeBound(req.to, now),
  };
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

/** The pieces of one page query: the range conjuncts (scope, time, keyset position), the filter, and the page order. */
interface PageParts {
  params: SqlParams;
  range: string[];
  filter: string | null;
  orderBy: string;
}

const TIME_ORDERING = new Set(['gt', 'gte', 'lt', 'lte']);
const isTimeBound = (n: FilterNode): n is PredicateNode =>
  n.kind === 'predicate' && !n.negated && n.target.kind === 'column' && n.target.field.name === 'ts' && TIME_ORDERING.has(n.op);

/**
 * Top-level time comparisons of the filter are bounds of the range, not a
 * filter: the newest window must start at them (a `ts lt X` filter would
 * otherwise find nothing in a window of rows newer than X).
 */
function splitTimeBounds(filter: FilterNode | null): { bounds: PredicateNode[]; rest: FilterNode | null } {
  if (filter === null) return { bounds: [], rest: null };
  if (isTimeBound(filter)) return { bounds: [filter], rest: null };
  if (filter.kind !== 'and') return { bounds: [], rest: filter };
  const bounds = filter.children.filter(isTimeBound);
  const others = filter.children.filter((c) => !isTimeBound(c));
  return { bounds, rest: others.length === 0 ? null : others.length === 1 ? others[0]! : { kind: 'and', children: others } };
}

function pageParts(req: SearchRequest, bounds: PageBounds, after: KeysetPosition | null, since: string | null = null): PageParts {
  const params = new SqlParams();
  const range: string[] = [];
  if (req.scope !== null) range.push(scopeSql(req.scope, params));
  const from = since ?? bounds.from;
  if (from !== null) range.push(`ts >= ${params.append(from, 'timestamptz')}`);
  if (bounds.to !== null) range.push(`ts < ${params.append(bounds.to, 'timestamptz')}`);
  const split = splitTimeBounds(req.filter);
  for (const b of split.bounds) range.push(compileNode(b, params));
  const filter = split.rest === null ? null : compileNode(split.rest, params);
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
      range.push(`(${f.column} IS NULL AND ${ID_COLUMN} ${cmp} ${id})`);
    } else {
      const row = `(${sortExpr(f)}, ${ID_COLUMN}) ${cmp} (${params.append(after.key, CAST[f.type as keyof typeof CAST])}, ${id})`;
      range.push(f.nullable ? `(${row} OR ${f.column} IS NULL)` : row);
      // The same position as a plain bound on the partition key: PostgreSQL
      // prunes partitions with it (never with the row comparison), so a later
      // page does not plan every partition newer than its position.
      if (f.name === 'ts') range.push(`ts ${cmp}= ${params.append(after.key, 'timestamptz')}`);
    }
  }
  return { params, range, filter, orderBy: `${sortExpr(f)} ${dir}${f.nullable ? ' NULLS LAST' : ''}, ${ID_COLUMN} ${dir}` };
}

const whereSql = (conds: readonly string[]) => (conds.length > 0 ? ` WHERE ${conds.join(' AND ')}` : '');
const keysetColumns = (f: FieldDef) => `, ${sortKeyExpr(f)} AS ${SORT_KEY}, ${ID_COLUMN} AS ${ROW_ID}`;

export function buildPageSql(req: SearchRequest, bounds: PageBounds, after: KeysetPosition | null, opts: PageSqlOptions = {}): CompiledSql {
  return plainPageSql(req, bounds, after, null, opts);
}

function plainPageSql(req: SearchRequest, bounds: PageBounds, after: KeysetPosition | null, since: string | null, opts: PageSqlOptions = {}): CompiledSql {
  const { params, range, filter, orderBy } = pageParts(req, bounds, after, since);
  const rows = opts.limit === undefined ? req.limit + 1 : opts.limit;
  const keyset = opts.keyset === false ? '' : keysetColumns(req.sort.field);
  const sql =
    `SELECT ${opts.select ?? selectList(req.fields)}${keyset} FROM ${TABLE}` +
    whereSql(filter === null ? range : [...range, filter]) +
    ` ORDER BY ${orderBy}` +
    (rows === null ? '' : ` LIMIT ${params.append(rows, 'bigint')}`);
  return { sql, params: params.values };
}

/**
 * Rows of the page order the window attempt reads, newest first, before the
 * filter is applied: a filter that holds for more than about one row in
 * WINDOW_ROWS / (limit + 1) fills the page from this window alone.
 */
export const WINDOW_ROWS = 4000;

/** The rows a window statement reads for a page of this size. */
export const windowRowsFor = (limit: number, window = WINDOW_ROWS) => Math.max(window, 10 * (limit + 1));

/**
 * True when the filter is one equality whose btree ends in the page order
 * (PAGE_ORDER_EQUALITY): the plain ordered statement reads exactly the page's
 * index entries, for a common value and a rare one alike.
 */
function servedInPageOrder(filter: FilterNode | null): boolean {
  if (filter === null) return true;
  if (filter.kind !== 'predicate' || filter.negated || filter.op !== 'eq' || filter.target.kind !== 'column') return false;
  const entry = PAGE_ORDER_EQUALITY[filter.target.field.name];
  return entry !== undefined && (entry.value === undefined || entry.value === filter.value);
}

/**
 * One statement of a page. `planOnce`: its best plan does not depend on its
 * values (the newest-window statement reads the range's time index whatever
 * they are), so it may be planned once per connection and reused.
 */
export interface PageStatement extends CompiledSql {
  planOnce: boolean;
}

/** What the search service knows of the data that the pure page planner does not. */
export interface PagePlanHints {
  /**
   * Start of a recent stretch of time that likely holds several windows of
   * rows (from partition statistics), for a descending time page; null when
   * unknown. The first statement is bounded by it, so PostgreSQL plans only
   * the partitions it touches.
   */
  recentSince: string | null;
  /** Rows of the window statement (tests shrink it). */
  window?: number;
}

/**
 * The statements of one page, in the order the search service runs them:
 * each one but the last answers only when it returns a full page (limit + 1
 * rows); the last one always answers. Every statement returns the page's
 * exact rows when it answers (docs/performance.md, "Execution that does not
 * trust the estimate"):
 *
 * - A filter served in page order (one equality with a btree ending in
 *   (ts DESC, id DESC)), or no filter at all: the plain ordered statement.
 *   The index delivers the matches newest first and the page stops after
 *   its own rows, whatever the value's frequency.
 * - Any other filter on a time-ordered page: first the window statement,
 *   the newest `window` rows of the range in page order read through the
 *   time index whatever the filter, then filtered (a common value fills
 *   the page here, at the cost of the plain walk); then, only when the
 *   window held less than a page, the fenced statement: the whole range
 *   planned for its total cost behind an OFFSET 0 fence, so the planner
 *   reads every match through the filter's most selective index and sorts
 *   them, instead of walking the time index in the hope of finding a page.
 * - A sort other than time: the plain statement (only the time order has an
 *   index every scope can walk).
 *
 * With `recentSince` (descending time pages), the first statement of either
 * kind also runs over the recent stretch alone [since, ...): a prefix of the
 * page order, so a full page from it is the full page, and partition pruning
 * keeps PostgreSQL from planning every day partition (planning cost grows
 * with partitions times indexes). Only a page that the recent stretch cannot
 * fill pays for planning the whole range.
 */
export function planPageSql(req: SearchRequest, bounds: PageBounds, after: KeysetPosition | null, hints: PagePlanHints): PageStatement[] {
  const plain = (since: string | null): PageStatement => ({ ...plainPageSql(req, bounds, after, since), planOnce: false });
  if (req.sort.field.name !== 'ts') return [plain(null)];
  const since = req.sort.desc ? recentStart(bounds, hints.recentSince) : null;
  if (servedInPageOrder(splitTimeBounds(req.filter).rest)) return since === null ? [plain(null)] : [plain(since), plain(null)];
  return [
    { ...windowPageSql(req, bounds, after, since, hints.window), planOnce: true },
    { ...fencedPageSql(req, bounds, after), planOnce: false },
  ];
}

/** The recent bound when it narrows the range (later than its start). */
function recentStart(bounds: PageBounds, recentSince: string | null): string | null {
  if (recentSince === null) return null;
  return bounds.from === null || Date.parse(recentSince) > Date.parse(bounds.from) ? recentSince : null;
}

/** The first statement for a filter not served in page order: the newest window of the range, then the filter. */
function windowPageSql(req: SearchRequest, bounds: PageBounds, after: KeysetPosition | null, since: string | null, window?: number): CompiledSql {
  const { params, range, filter, orderBy } = pageParts(req, bounds, after, since);
  const windowRows = params.append(windowRowsFor(req.limit, window), 'bigint');
  const sql =
    `SELECT ${selectList(req.fields)}${keysetColumns(req.sort.field)}` +
    ` FROM (SELECT * FROM ${TABLE}${whereSql(range)} ORDER BY ${orderBy} LIMIT ${windowRows}) w` +
    (filter === null ? '' : ` WHERE ${filter}`) +
    ` ORDER BY ${orderBy} LIMIT ${params.append(req.limit + 1, 'bigint')}`;
  return { sql, params: params.values };
}

/** The last statement for such a filter (time order only): every match, then the page. */
function fencedPageSql(req: SearchRequest, bounds: PageBounds, after: KeysetPosition | null): CompiledSql {
  const { params, range, filter } = pageParts(req, bounds, after);
  const dir = req.sort.desc ? 'DESC' : 'ASC';
  const sql =
    `SELECT * FROM (SELECT ${selectList(req.fields)}${keysetColumns(req.sort.field)} FROM ${TABLE}` +
    `${whereSql(filter === null ? range : [...range, filter])} OFFSET 0) a` +
    // The time sort key is fixed-width UTC text: its byte order is the time order.
    ` ORDER BY ${SORT_KEY} COLLATE "C" ${dir}, ${ROW_ID} ${dir} LIMIT ${params.append(req.limit + 1, 'bigint')}`;
  return { sql, params: params.values };
}

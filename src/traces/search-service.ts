// The search service behind POST /traces/search and GET /traces: one keyset
// page of a normalized request. Here, once for both routes: the cursor is
// checked and decoded, relative times are resolved against one clock, the
// page query runs, the next cursor is signed, and first pages go through the
// result cache (pages with a cursor never do: they are cheap keyset reads and
// would flood it).
import type { Principal } from '../auth/principal.js';
import type { ResultCache } from '../cache/result-cache.js';
import { appError } from '../errors.js';
import { decodeCursor, encodeCursor, queryHash, type CursorPayload } from '../query/cursor.js';
import type { FieldDef } from '../query/fields.js';
import { canonicalQuery, filterShapeOf, requestKey, type SearchRequest } from '../query/request.js';
import type { Queryable, QueryOptions, QueryResult } from '../storage/driver.js';
import { planPageSql, resolveBounds, ROW_ID, SORT_KEY, type KeysetPosition, type PageBounds, type PagePlanHints, type PageStatement } from './page-sql.js';
import { recentWindowOf } from './recent-window.js';
import type { SpanRow } from './trace-sql.js';
import { jsonPageReader, spansJson, type JsonPageRow } from './page-json.js';

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

/** Runs one page of a normalized search request (no cache: the seam the cache and the differential tests use). */
export async function executeSearch(db: Queryable, req: SearchRequest, ctx: SearchContext): Promise<SearchPage> {
  const start = startPage(req, ctx);
  const res = await queryPage(db, req, start.bounds, start.after, queryOptions(ctx), ctx.now ?? Date.now());
  const { rows, cursor, hasMore } = cutPage(res.rows, req.limit, ctx.cursorKey, start);
  // Newest property first: deleting an object's last-added property rolls
  // its shape back, any other order turns every row into a slow dictionary
  // object just before it is serialized.
  for (const r of rows) {
    delete r[ROW_ID];
    delete r[SORT_KEY];
  }
  return { rows, cursor, hasMore };
}

/** A page whose spans are JSON text already (src/traces/page-json.ts): what the routes send. */
export interface SearchPageText {
  /** The `data` array as JSON text, exactly as the Span schema serializes the rows. */
  data: string;
  cursor: string | null;
  hasMore: boolean;
}

/**
 * executeSearch with the page's JSON built by the database: the same
 * statements (whatever queryPage runs), each wrapped so that every row comes
 * back as its span's JSON text, which is passed through without being parsed.
 */
export async function executeSearchText(db: Queryable, req: SearchRequest, ctx: SearchContext): Promise<SearchPageText> {
  const start = startPage(req, ctx);
  // The statements come from the database handle itself (its partition
  // statistics are cached per handle), and run through the JSON wrapper. The
  // newest-window statement reads the range's time index whatever the
  // values: it is planned once per connection (src/storage/prepared-statements.ts).
  const steps = await pageStatements(db, req, start.bounds, start.after, ctx.now ?? Date.now());
  const reader = jsonPageReader(db, req.fields, steps.find((s) => s.planOnce)?.sql ?? null);
  const res = await runPageStatements(reader, steps, req.limit, queryOptions(ctx));
  const { rows, cursor, hasMore } = cutPage(res.rows as unknown as JsonPageRow[], req.limit, ctx.cursorKey, start);
  return { data: spansJson(rows), cursor, hasMore };
}

/** The page's rows out of the limit + 1 fetched, and the cursor of the next page when there is one. */
function cutPage<R extends Partial<Record<typeof SORT_KEY | typeof ROW_ID, unknown>>>(
  fetched: R[],
  limit: number,
  cursorKey: Uint8Array,
  start: PageStart,
): { rows: R[]; cursor: string | null; hasMore: boolean } {
  const hasMore = fetched.length > limit;
  const rows = hasMore ? fetched.slice(0, limit) : fetched;
  return { rows, cursor: hasMore ? nextCursor(cursorKey, start, rows[rows.length - 1]!) : null, hasMore };
}

/** Where a page starts: the request's hash (cursors are bound to it), its absolute time bounds and the keyset position after the previous page. */
export interface PageStart {
  hash: string;
  bounds: PageBounds;
  after: KeysetPosition | null;
}

/** Checks and decodes the cursor, or resolves relative times against one clock for a first page. */
export function startPage(req: SearchRequest, ctx: Pick<SearchContext, 'cursorKey' | 'now'>): PageStart {
  const hash = queryHash(canonicalQuery(req));
  if (req.cursor === null) return { hash, bounds: resolveBounds(req, ctx.now ?? Date.now()), after: null };
  const c = decodeCursor(ctx.cursorKey, req.cursor, hash);
  checkKeyType(c, req.sort.field);
  return { hash, bounds: { from: c.f, to: c.t }, after: { key: c.k, id: c.i } };
}

/** The signed cursor of the page after the one whose last row (with its hidden keyset columns) is given. */
export function nextCursor(cursorKey: Uint8Array, start: PageStart, last: Readonly<Partial<Record<typeof SORT_KEY | typeof ROW_ID, unknown>>>): string {
  return encodeCursor(cursorKey, {
    h: start.hash,
    k: last[SORT_KEY] as string | number | null,
    i: Number(last[ROW_ID]),
    f: start.bounds.from,
    t: start.bounds.to,
  });
}

export function queryOptions(ctx: SearchContext): QueryOptions {
  return { kind: ctx.kind ?? 'search', signal: ctx.signal, requestId: ctx.requestId, shape: ctx.shape };
}

/**
 * The page's rows (limit + 1 at most), without trusting the planner's
 * estimate: the statements of pageStatements in turn, until one answers
 * (src/traces/page-sql.ts, planPageSql). A common value costs one statement.
 */
export async function queryPage(
  db: Queryable,
  req: SearchRequest,
  bounds: PageBounds,
  after: KeysetPosition | null,
  opts: QueryOptions,
  now = Date.now(),
  hints: Partial<PagePlanHints> = {},
): Promise<QueryResult<SpanRow>> {
  return runPageStatements(db, await pageStatements(db, req, bounds, after, now, hints), req.limit, opts);
}

/** Runs a page's statements in turn until one returns a full page (limit + 1 rows); the last one always answers. */
export async function runPageStatements(db: Queryable, steps: readonly PageStatement[], limit: number, opts: QueryOptions): Promise<QueryResult<SpanRow>> {
  for (let i = 0; ; i++) {
    const res = await db.query<SpanRow>(steps[i]!.sql, steps[i]!.params, opts);
    if (i === steps.length - 1 || res.rows.length > limit) return res;
  }
}

/**
 * The statements one page may run, in order (the benchmark's floor runs the
 * same ones). `hints` overrides what is read from the data (tests).
 */
export async function pageStatements(
  db: Queryable,
  req: SearchRequest,
  bounds: PageBounds,
  after: KeysetPosition | null,
  now: number,
  hints: Partial<PagePlanHints> = {},
): Promise<PageStatement[]> {
  const recent = hints.recentSince !== undefined ? hints.recentSince : await recentSince(db, req, bounds, after, now);
  return planPageSql(req, bounds, after, { recentSince: recent, window: hints.window });
}

/** The recent stretch below a descending time page's newest possible row: its position, its `to`, or now. */
async function recentSince(db: Queryable, req: SearchRequest, bounds: PageBounds, after: KeysetPosition | null, now: number): Promise<string | null> {
  if (req.sort.field.name !== 'ts' || !req.sort.desc) return null;
  const upper = after !== null && typeof after.key === 'string' ? Date.parse(after.key) : bounds.to !== null ? Date.parse(bounds.to) : now;
  return recentWindowOf(db).since(upper, now);
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
  if (!ok || (k === null && !f.nullable)) throw appError.INVALID_CURSOR('malformed sort value');
}

export interface SearchDeps {
  reader: Queryable;
  cache: Pick<ResultCache, 'wrapText'>;
  cursorKey: Uint8Array;
  cacheEnabled: boolean;
}

export interface PageRequestOptions {
  kind: 'search' | 'list';
  requestId: string;
  /** Aborted when the client goes away; ignored for shared (cacheable) queries. */
  signal?: AbortSignal;
  /** The page body as sent; the cache stores this text. */
  serialize: (page: SearchPageText, req: SearchRequest) => string;
}

/** One page as serialized text, through the cache for first pages. */
export async function searchPage(
  deps: SearchDeps,
  principal: Principal,
  req: SearchRequest,
  opts: PageRequestOptions,
): Promise<{ value: string; cached: boolean }> {
  const shared = deps.cacheEnabled && req.cursor === null;
  const run = () =>
    executeSearchText(deps.reader, req, {
      cursorKey: deps.cursorKey,
      // A query several requests share (single flight) must outlive any one client.
      signal: shared ? undefined : opts.signal,
      requestId: opts.requestId,
      shape: filterShapeOf(req),
      kind: opts.kind,
    });
  return deps.cache.wrapText(
    principal,
    { kind: opts.kind, query: requestKey(req), from: req.from, to: req.to, cursor: req.cursor },
    run,
    (page) => opts.serialize(page, req),
  );
}

// GET /api/v1/costs/attribution?dimension=...: who or what spends the money.
// One row per value of the dimension (user, project, model, provider,
// environment, tag or attributes.<path>), most expensive first, with its
// share and its own split by provider and by model; `min_cost` cuts the long
// tail and keyset paging walks it.
//
// The groups come from the metrics engine (its planner reads the rollups for
// rollup dimensions, raw rows otherwise). The engine has no paging of its
// own, so its compiled statement is wrapped: the keyset condition on the
// exact numeric cost and the group value (cost DESC, value ASC in byte
// order, NULL last) runs on the engine's positional columns (g0, m0..).
import { canonicalJson } from '../../cache/canonical-json.js';
import { scopeKey, type Principal } from '../../auth/principal.js';
import { appError } from '../../errors.js';
import { SqlParams } from '../../query/compile.js';
import { decodeCursor, encodeCursor, queryHash } from '../../query/cursor.js';
import { ATTRIBUTES_PREFIX } from '../../query/fields.js';
import { canonicalFilter } from '../../query/request.js';
import { echo } from '../../query/validate.js';
import { compileMetricsQuery } from '../compile-metrics.js';
import { planMetricsQuery } from '../planner.js';
import { COST_METRICS, costFigures, type CostFigures } from './cost-summary.js';
import { decimalParam, intParam, reportQuery, text, type ParamSpec, type RawParams, type ReportQuery } from './params.js';
import type { MetricsRow } from '../metrics-service.js';
import { engineRequest, engineRows, noteSource, num0, ratio, type ReportContext } from './report-context.js';
import { runReport, type ReportOutput, type ReportRunner } from './report-service.js';

export const ATTRIBUTION_PARAMS: ParamSpec = {
  dimension: { kind: 'text', maxLength: 1200 },
  min_cost: { kind: 'number' },
  limit: { kind: 'int' },
  cursor: { kind: 'text', maxLength: 2048 },
};
export const ATTRIBUTION_LIMITS = { defaultLimit: 50, maxLimit: 100 } as const;

/** The dimension names of the contract -> the engine's group_by names. */
const DIMENSIONS: Readonly<Record<string, string>> = {
  user: 'user_id',
  project: 'project_id',
  model: 'model',
  provider: 'provider',
  environment: 'environment',
  tag: 'tags',
};
const DEFAULT_DIMENSION = 'model';

export interface AttributionRequest {
  query: ReportQuery;
  dimension: string;
  /** The engine's group_by name of the dimension. */
  groupBy: string;
  /** Exact decimal text, or null. */
  minCost: string | null;
  limit: number;
  cursor: string | null;
}

function attributionRequest(raw: RawParams): AttributionRequest {
  const dimension = text(raw, 'dimension') ?? DEFAULT_DIMENSION;
  const groupBy = DIMENSIONS[dimension] ?? (dimension.startsWith(ATTRIBUTES_PREFIX) && dimension.length > ATTRIBUTES_PREFIX.length ? dimension : null);
  if (groupBy === null) {
    throw appError.ATTRIBUTION_DIMENSION_INVALID(`dimension must be one of ${Object.keys(DIMENSIONS).join(', ')} or attributes.<path> (got ${echo(dimension)})`, { path: 'dimension' });
  }
  return {
    query: reportQuery(raw, 'now-30d'),
    dimension,
    groupBy,
    minCost: decimalParam(raw, 'min_cost'),
    limit: intParam(raw, 'limit', ATTRIBUTION_LIMITS.defaultLimit, 1, ATTRIBUTION_LIMITS.maxLimit),
    cursor: text(raw, 'cursor') ?? null,
  };
}

export interface SplitItem {
  value: string | null;
  total_cost: number;
  request_count: number;
  share: number | null;
}

export interface AttributionItem extends CostFigures {
  value: string | null;
  /** Share of the range's total cost (all values, not only this page). */
  share: number | null;
  by_provider: SplitItem[];
  by_model: SplitItem[];
}

export interface AttributionReport {
  dimension: string;
  total_cost: number;
  items: AttributionItem[];
}

/** Where a page starts: after (cost, value) in (cost DESC, value ASC NULLS LAST) order. */
interface Keyset {
  cost: string;
  value: string | null;
}

/**
 * The hash a cursor is bound to: dimension, threshold, filter, the range as
 * requested and the caller's tenant scope.
 */
function attributionHash(principal: Principal, req: AttributionRequest): string {
  const q = req.query;
  return queryHash(
    canonicalJson(['attribution', req.groupBy, req.minCost, q.filter === null ? null : canonicalFilter(q.filter), q.from, q.to, q.projects, scopeKey(principal)]),
  );
}

/**
 * Decodes the cursor of a request: its keyset, and the request with the range
 * pinned to the instants of the first page (relative bounds do not drift).
 */
function pinCursor(principal: Principal, req: AttributionRequest, key: Uint8Array): { req: AttributionRequest; keyset: Keyset | null } {
  if (req.cursor === null) return { req, keyset: null };
  const c = decodeCursor(key, req.cursor, attributionHash(principal, req));
  let keyset: Keyset;
  try {
    const [cost, value] = JSON.parse(String(c.k)) as [unknown, unknown];
    if (typeof cost !== 'string' || !/^-?\d+(\.\d+)?$/.test(cost) || !(value === null || typeof value === 'string')) throw new Error('shape');
    keyset = { cost, value };
  } catch {
    throw appError.INVALID_CURSOR('malformed payload');
  }
  return { req: { ...req, query: { ...req.query, from: c.f ?? req.query.from, to: c.t } }, keyset };
}

interface RankRow {
  value: string | null;
  total_cost: string;
  n_all: string | number;
  total_all: string | null;
}

const RANK_METRICS = [{ metric: 'total_cost', aggregation: 'sum', alias: 'total_cost' }] as const;

/**
 * One page of groups ranked by exact cost (as text), plus the count of all
 * groups past min_cost and the cost of every group. Only the ranking metric
 * is aggregated over every group: a long tail (tens of thousands of users)
 * costs one sum per row instead of five, and the page's other figures are
 * read for its own values afterwards (pageFigures).
 */
async function rankPage(ctx: ReportContext, req: AttributionRequest, keyset: Keyset | null): Promise<RankRow[]> {
  const { req: metricsReq, range } = engineRequest(ctx, { metrics: [...RANK_METRICS], group_by: [req.groupBy] });
  const plan = planMetricsQuery(metricsReq, range.fromMs, range.toMs);
  const compiled = compileMetricsQuery({ req: metricsReq, plan, scope: ctx.scope, ...range, unordered: true });
  const params = new SqlParams();
  params.values.push(...compiled.params);
  // Engine columns: g0 = the group, m0 = the cost.
  const min = req.minCost === null ? 'true' : `m0 >= ${params.append(req.minCost, 'numeric')}`;
  let after = 'true';
  if (keyset !== null) {
    const c = params.append(keyset.cost, 'numeric');
    after =
      keyset.value === null
        ? `m0 < ${c}`
        : `(m0 < ${c} OR (m0 = ${c} AND (g0::text COLLATE "C" > ${params.append(keyset.value, 'text')} OR g0 IS NULL)))`;
  }
  // n_all: groups past min_cost (pagination.total); total_all: the cost of every group (shares are of all spending).
  const sql =
    `SELECT g0::text AS value, m0::text AS total_cost, n_all, total_all` +
    ` FROM (SELECT e.g0, e.m0, count(*) FILTER (WHERE ${min}) OVER () AS n_all, (sum(m0) OVER ())::text AS total_all FROM (${compiled.sql}) e) k` +
    ` WHERE ${min} AND ${after} ORDER BY m0 DESC, g0::text COLLATE "C" ASC NULLS LAST LIMIT ${params.append(req.limit + 1, 'bigint')}`;
  const res = await ctx.db.query<RankRow>(sql, params.values, {
    kind: 'metrics',
    signal: ctx.signal,
    requestId: ctx.requestId,
    shape: `report attribution source=${plan.source}`,
  });
  noteSource(ctx, plan.source);
  return res.rows;
}

/** The cost figures of the page's values: one engine query filtered to them. */
async function pageFigures(ctx: ReportContext, req: AttributionRequest, page: RankRow[]): Promise<Map<string | null, MetricsRow>> {
  const out = new Map<string | null, MetricsRow>();
  if (page.length === 0) return out;
  const rows = await engineRows(ctx, {
    metrics: COST_METRICS,
    group_by: [req.groupBy],
    filter: valuesFilter(req.groupBy, page.map((r) => r.value)),
  });
  for (const r of rows) out.set(r[req.groupBy] === null ? null : String(r[req.groupBy]), r);
  return out;
}

/** Per page value, its split by `by` (provider or model): one engine query filtered to the page's values (none when `by` is the dimension itself). */
async function splits(ctx: ReportContext, req: AttributionRequest, page: RankRow[], figuresOf: Promise<Map<string | null, MetricsRow>>, by: 'provider' | 'model'): Promise<Map<string | null, SplitItem[]>> {
  if (req.groupBy === by) {
    // The dimension is the split's own: each value is the whole of its split, and the page's figures hold it.
    const figures = await figuresOf;
    return new Map(
      page.map((r): [string | null, SplitItem[]] => {
        const cost = Number(r.total_cost);
        return [r.value, [{ value: r.value, total_cost: cost, request_count: num0(figures.get(r.value), 'request_count'), share: ratio(cost, cost) }]];
      }),
    );
  }
  const values = page.map((r) => r.value);
  const out = new Map<string | null, SplitItem[]>(values.map((v) => [v, []]));
  if (values.length === 0) return out;
  const rows = await engineRows(ctx, {
    metrics: [
      { metric: 'total_cost', aggregation: 'sum', alias: 'total_cost' },
      { metric: 'request_count', alias: 'request_count' },
    ],
    group_by: [req.groupBy, by],
    filter: valuesFilter(req.groupBy, values),
    sort_by: 'total_cost',
  });
  for (const r of rows) {
    const key = r[req.groupBy] === null ? null : String(r[req.groupBy]);
    out.get(key)?.push({ value: r[by] === null ? null : String(r[by]), total_cost: num0(r, 'total_cost'), request_count: num0(r, 'request_count'), share: null });
  }
  for (const list of out.values()) {
    const total = list.reduce((s, i) => s + i.total_cost, 0);
    for (const i of list) i.share = ratio(i.total_cost, total);
  }
  return out;
}

/** A filter matching the spans of the given group values (null: spans without one). */
function valuesFilter(groupBy: string, values: (string | null)[]): unknown {
  const present = values.filter((v): v is string => v !== null);
  // Spans without tags cannot be selected by a tags predicate: read every tag group then.
  if (groupBy === 'tags') return present.length === values.length ? { field: 'tags', operator: 'in', value: present } : null;
  // Attribute values come back as text: match the JSON string, number or boolean it was.
  const list = groupBy.startsWith(ATTRIBUTES_PREFIX)
    ? present.flatMap((v) => [v, ...(/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v) ? [Number(v)] : []), ...(v === 'true' || v === 'false' ? [v === 'true'] : [])])
    : present;
  const parts: unknown[] = [];
  if (list.length > 0) parts.push({ field: groupBy, operator: 'in', value: list });
  if (present.length < values.length) parts.push({ field: groupBy, operator: 'eq', value: null });
  return parts.length === 1 ? parts[0] : { operator: 'OR', filters: parts };
}

async function attributionReport(
  ctx: ReportContext,
  req: AttributionRequest,
  keyset: Keyset | null,
  cursorFor: (k: Keyset) => string,
): Promise<ReportOutput<AttributionReport>> {
  const rows = await rankPage(ctx, req, keyset);
  const page = rows.slice(0, req.limit);
  const figuresOf = pageFigures(ctx, req, page);
  const [figures, byProvider, byModel] = await Promise.all([figuresOf, splits(ctx, req, page, figuresOf, 'provider'), splits(ctx, req, page, figuresOf, 'model')]);
  const totalAll = rows[0]?.total_all ?? null;
  const total = totalAll === null ? 0 : Number(totalAll);
  const items = page.map(
    (r): AttributionItem => ({
      value: r.value,
      ...costFigures({ ...figures.get(r.value), total_cost: r.total_cost }),
      share: ratio(Number(r.total_cost), total),
      by_provider: byProvider.get(r.value) ?? [],
      by_model: byModel.get(r.value) ?? [],
    }),
  );
  const last = page[page.length - 1];
  const hasMore = rows.length > req.limit;
  return {
    data: { dimension: req.dimension, total_cost: total, items },
    pagination: {
      cursor: hasMore && last ? cursorFor({ cost: last.total_cost, value: last.value }) : null,
      has_more: hasMore,
      limit: req.limit,
      total: rows.length === 0 ? null : Number(rows[0]!.n_all),
    },
  };
}

/** The cursor text of a keyset, bound to the request and its pinned range. */
function attributionCursor(principal: Principal, req: AttributionRequest, key: Uint8Array, range: { from: string; to: string }, k: Keyset): string {
  return encodeCursor(key, { h: attributionHash(principal, req), k: JSON.stringify([k.cost, k.value]), i: 0, f: range.from, t: range.to });
}

/** The attribution report as one call: the cursor pins the range and the keyset, the next page's cursor is bound to the request. */
export function attributionRunner(cursorKey: Uint8Array): ReportRunner {
  return (principal, raw, env) => {
    const asked = attributionRequest(raw);
    const { req, keyset } = pinCursor(principal, asked, cursorKey);
    const key = { groupBy: req.groupBy, minCost: req.minCost, limit: req.limit, keyset };
    return runReport(principal, { name: 'cost-attribution' }, req.query, key, { ...env, ...(req.cursor ? { cache: null } : {}) }, (ctx) =>
      attributionReport(ctx, req, keyset, (k) =>
        attributionCursor(principal, asked, cursorKey, { from: new Date(ctx.fromMs).toISOString(), to: new Date(ctx.toMs).toISOString() }, k),
      ),
    );
  };
}
